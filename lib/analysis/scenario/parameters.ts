/** Breakeven parameters: the path of one price in a scenario (`plans[0].perSeatUsd`), read and replaced. */
import type { Scenario } from "./model.ts";

// ── breakeven parameters ────────────────────────────────────────────────────────────────────

/** Leaf names that are prices: revenue never falls when one of them rises. */
const PRICE_LEAVES = new Set(["flatUsd", "perSeatUsd", "minimumUsd", "usd", "usdPer1k", "percent"]);

/** `plans[0].pctOfLlmCost.percent` or `plans.0.pctOfLlmCost.percent` → its parts. */
function pathParts(path: string): (string | number)[] {
  return path.replace(/\[(\d+)\]/g, ".$1").split(".").filter((p) => p !== "").map((p) =>
    /^\d+$/.test(p) ? Number(p) : p
  );
}

/** The plan a parameter path lies in (`plans[2].perSeatUsd` → 2); null outside the plans. */
export function planOfParameter(path: string): number | null {
  const parts = pathParts(path);
  return parts[0] === "plans" && typeof parts[1] === "number" ? parts[1] : null;
}

/** The value of a price parameter; throws (plain Error) when the path is not one. */
export function priceParameter(scenario: Scenario, path: string): number {
  const parts = pathParts(path);
  const leaf = parts[parts.length - 1];
  const isAddon = parts.length === 2 && parts[0] === "addonPrices";
  if (!isAddon && !(typeof leaf === "string" && PRICE_LEAVES.has(leaf))) {
    throw new Error(
      `must name a price (a field ${[...PRICE_LEAVES].join(", ")} or addonPrices.<add-on>), got ${
        JSON.stringify(path)
      }`,
    );
  }
  // deno-lint-ignore no-explicit-any
  let node: any = scenario;
  for (const part of parts) {
    node = node?.[part];
    if (node === undefined) {
      throw new Error(`names nothing in the scenario: ${JSON.stringify(path)}`);
    }
  }
  if (typeof node !== "number") throw new Error(`is not a number: ${JSON.stringify(path)}`);
  return node;
}

/** A copy of the scenario with one price parameter set. */
export function withPriceParameter(
  scenario: Scenario,
  { path, value }: { path: string; value: number },
): Scenario {
  priceParameter(scenario, path); // validates
  const copy = structuredClone(scenario);
  const parts = pathParts(path);
  // deno-lint-ignore no-explicit-any
  let node: any = copy;
  for (const part of parts.slice(0, -1)) node = node[part];
  node[parts[parts.length - 1]] = value;
  return copy;
}
