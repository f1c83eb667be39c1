/** The shipped scenario files (scenarios/*.json) by name: presets and the price book. */
import { fileURLToPath } from "node:url";
import { loadScenarioFile, type Scenario } from "../analysis/scenario/mod.ts";

export const SCENARIOS_DIR = fileURLToPath(new URL("../../scenarios/", import.meta.url));

/** The price book: today's list prices as a scenario (until lib/economics has its own). */
export const PRICE_BOOK_FILE = `${SCENARIOS_DIR}current_seat_based.json`;

export const SCENARIO_PRESETS: readonly string[] = [...Deno.readDirSync(SCENARIOS_DIR)]
  .filter((e) => e.isFile && e.name.endsWith(".json"))
  .map((e) => e.name.slice(0, -5))
  .sort();

export function scenarioPreset(name: string): Promise<Scenario> {
  if (!SCENARIO_PRESETS.includes(name)) throw new Error(`unknown preset ${name}`);
  return loadScenarioFile(`${SCENARIOS_DIR}${name}.json`);
}
