/**
 * `deno task scenario`'s company margin says it is an upper bound where the data's run set no
 * infrastructure cost (PRICING_INFRA_USD_PER_1K_REQUESTS unset: company_cost_30d is PTB LLM cost
 * alone), as run_scenario's margin line does (lib/economics/infrastructure_cost.ts): on stdout and
 * in the summary. An --input export's cost model is its manifest's; fresh data's the settings';
 * an export with no manifest beside it records none, and nothing is said.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";
import { paying } from "./scenario_cli_fixture.ts";

const UNSET_LINE =
  "infrastructure cost not set (PRICING_INFRA_USD_PER_1K_REQUESTS: counted as $0), " +
  "an upper bound";
const UNSET_SUMMARY =
  "Every company margin here is an upper bound: the run that made the data set no infrastructure cost (`PRICING_INFRA_USD_PER_1K_REQUESTS` unset), so company cost is PTB LLM cost alone, infrastructure counted as $0.";

/** $5 a seat on every plan: a1's 2 seats $10, a2's 5 seats $25. */
const FIVE_A_SEAT = {
  name: "five",
  description: "$5 a seat",
  addonPrices: {},
  plans: [{ name: "seats", perSeatUsd: 5 }],
};

const STAMP = "2026-11-01";

/**
 * The scenario priced on the fixture's two paying organizations, exported as of 2026-11-01 with
 * `manifest` beside the export (none: no manifest), and what it printed and wrote.
 */
async function priced(
  manifest: Record<string, unknown> | null,
): Promise<{ line: string; summary: string }> {
  const dir = await Deno.makeTempDir({ prefix: "scenario_infrastructure_cost_test_" });
  const { errors, logs, restore } = captureConsole();
  try {
    const input = join(dir, `helicone_pricing_data_${STAMP}.csv`);
    await writeCsvFile(paying, input);
    if (manifest) {
      await Deno.writeTextFile(
        join(dir, `helicone_pricing_data_${STAMP}.manifest.json`),
        JSON.stringify(manifest),
      );
    }
    const scenario = join(dir, "five.json");
    await Deno.writeTextFile(scenario, JSON.stringify(FIVE_A_SEAT));
    const out = join(dir, "out");
    assertEquals(
      await scenarioMain([scenario, "--input", input, "--out-dir", out]),
      0,
      errors.join("\n"),
    );
    const line = logs.find((l) => l.startsWith("  company margin"));
    ok(line, logs.join("\n"));
    const summary = await Deno.readTextFile(
      join(out, `helicone_pricing_scenario_five_${STAMP}.md`),
    );
    return { line, summary };
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
}

const manifestWith = (infraUsdPer1kRequests: number | null) => ({
  as_of: `${STAMP}T00:00:00.000Z`,
  demo: false,
  window: { days: 30 },
  cost_model: { infra_usd_per_1k_requests: infraUsdPer1kRequests },
});

Deno.test("deno task scenario --input: an export whose manifest sets no infrastructure cost, its company margin an upper bound, said", async () => {
  // a1 $10 → $10, a2 $20 → $25, company cost 0.5 + 1 = 1.5 (no PTB revenue): current
  // (30 − 1.5) / 30 = 95.0 %, proposed (35 − 1.5) / 35 = 95.7 % (+0.7 points)
  const unset = await priced(manifestWith(null));
  assertEquals(
    unset.line,
    `  company margin (2 organizations, company cost unchanged), ${UNSET_LINE}: 95.0 % → 95.7 % (+0.7 points)`,
  );
  ok(unset.summary.includes(`\n\n${UNSET_SUMMARY}\n`), unset.summary);

  // set (0 too: infrastructure costs nothing, as set): the line and summary as before
  for (const per1k of [0.5, 0]) {
    const set = await priced(manifestWith(per1k));
    assertEquals(
      set.line,
      "  company margin (2 organizations, company cost unchanged): 95.0 % → 95.7 % (+0.7 points)",
      String(per1k),
    );
    ok(!set.summary.includes("infrastructure counted as $0"), set.summary);
  }
});

Deno.test("deno task scenario --input: no manifest beside the export, or one of another as-of, records no cost model: nothing said", async () => {
  const cases = [null, { ...manifestWith(null), as_of: "2026-10-01T00:00:00.000Z" }];
  for (const manifest of cases) {
    const { line, summary } = await priced(manifest);
    ok(!line.includes("infrastructure"), line);
    ok(!summary.includes("infrastructure counted as $0"), summary);
  }
});

Deno.test("deno task scenario on fresh demo data: the settings' cost model, unset said, set not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "scenario_infrastructure_cost_test_" });
  const { errors, logs, restore } = captureConsole();
  try {
    const lineWith = async (settings: string) => {
      const envFile = join(dir, "settings.env");
      await Deno.writeTextFile(envFile, settings);
      logs.length = 0;
      const code = await scenarioMain([
        "scenarios/two_percent_of_llm_cost.json",
        "--demo",
        "--as-of",
        STAMP,
        "--env-file",
        envFile,
        "--out-dir",
        join(dir, "out"),
      ]);
      assertEquals(code, 0, errors.join("\n"));
      return logs.find((l) => l.startsWith("  company margin"))!;
    };
    const unset = await lineWith("");
    ok(unset.includes(`, ${UNSET_LINE}: `), unset);
    const set = await lineWith("PRICING_INFRA_USD_PER_1K_REQUESTS=0.01\n");
    ok(set && !set.includes("infrastructure"), set);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});
