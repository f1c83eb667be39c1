/**
 * `deno task scenario` (lib/cli/scenario.ts) on an export whose current MRR is all unknown (made
 * while Stripe failed), a scenario with a plan that prices nobody, refused scenarios, breakeven
 * lines and organizations not comparable. Its --input files are in scenario_cli_input_test.ts,
 * segment, renamed and 7-day exports in scenario_cli_exports_test.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";
import { noneComparedExport, notComparableExport, SEAT_KEPT } from "./scenario_not_comparable.ts";
import { frame, refusedRuns } from "./scenario_cli_fixture.ts";

Deno.test("deno task scenario without known current MRR: current MRR unknown, no breakeven; a plan pricing nobody is warned about", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(frame, input);
    const file = join(dir, "seat.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        name: "seat",
        plans: [
          { name: "everyone", perSeatUsd: 10 },
          { name: "late", match: { tiers: ["pro"] }, flatUsd: 5 },
        ],
        breakeven: "plans[0].perSeatUsd",
      }),
    );
    const code = await scenarioMain([file, "--input", input, "--out-dir", dir]);
    assertEquals(code, 0, errors.join("\n"));
    // nothing to compare: no "proposed $0.00"; a1 2 seats + a2 5 seats at $10 = $70 proposed
    assertEquals(
      logs[0],
      "Scenario seat: current MRR unknown (no organization with known current MRR), no comparison; 2 organizations with unknown current MRR, proposed $70.00",
    );
    assertEquals(
      logs[1],
      "  breakeven plans[0].perSeatUsd: none (no organization with known current MRR)",
    );
    // a2 (team) keeps its unknown current MRR: its proposed MRR is unknown too, and not in the $20
    const kept = join(dir, "kept.json");
    await Deno.writeTextFile(
      kept,
      JSON.stringify({
        name: "kept",
        plans: [
          { name: "contract", match: { tiers: ["team"] }, keepCurrentMrr: true },
          { name: "everyone", perSeatUsd: 10 },
        ],
      }),
    );
    logs.length = 0;
    assertEquals(await scenarioMain([kept, "--input", input, "--out-dir", dir]), 0);
    assertEquals(
      logs[0],
      "Scenario kept: current MRR unknown (no organization with known current MRR), no comparison; 2 organizations with unknown current MRR, proposed $20.00 (1 of them with unknown proposed MRR too, not in it)",
    );
    // by tier: team's one organization has unknown proposed MRR: empty, not $0, and counted
    const keptByTier = parseCsvRecords(
      await Deno.readTextFile(join(dir, "helicone_pricing_scenario_kept_2026-11-01_by_tier.csv")),
    ).records.map((r) => [r.tier, r.proposed_mrr_unknown_current, r.proposed_unknown]);
    assertEquals(keptByTier, [["pro", "20", "0"], ["team", "", "1"], ["all", "20", "1"]]);
    ok(
      errors.includes(
        'warning: seat: plan "late" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "everyone"',
      ),
      errors.join("\n"),
    );
    const summary = await Deno.readTextFile(
      join(dir, "helicone_pricing_scenario_seat_2026-11-01.md"),
    );
    ok(
      summary.includes(
        '- plan "late" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "everyone"',
      ),
      summary,
    );
    ok(summary.includes("| current MRR | unknown (no organization with known current MRR) |"));
    ok(
      summary.includes(
        "| proposed MRR | – (no organization with known current MRR: nothing to compare; see the last row) |",
      ),
      summary,
    );
    ok(summary.includes("| change | – |"), summary);
    ok(
      summary.includes(
        "| organizations with unknown current MRR (not above) | 2 (proposed $70.00) |",
      ),
    );
    ok(!summary.includes("$0.00"), summary);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario refuses a price past its bound and a long name in one line, writing nothing", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(frame, input);
    const big = join(dir, "big.json");
    await Deno.writeTextFile(big, '{"name":"big","plans":[{"name":"p","flatUsd":1e308}]}');
    assertEquals(await scenarioMain([big, "--input", input, "--out-dir", out]), 1);
    assertEquals(errors, [
      `error: ${big}: plans[0].flatUsd must be at most 10,000,000 (USD a month), got 1e+308`,
    ]);
    errors.length = 0;
    const long = join(dir, "long.json");
    await Deno.writeTextFile(
      long,
      JSON.stringify({ name: "a".repeat(300), plans: [{ name: "p", flatUsd: 1 }] }),
    );
    assertEquals(await scenarioMain([long, "--input", input, "--out-dir", out]), 1);
    assertEquals(errors, [
      `error: ${long}: name must be at most 64 characters (it names files), got 300`,
    ]);
  });
});

/**
 * stdout's breakeven line of a "p % of all LLM cost" scenario (5 %) over a1 and a2, their current
 * MRR $40 and $100 and their LLM cost `llmCost`.
 */
async function pctOfLlmCostBreakevenLine(llmCost: [number, number]): Promise<string> {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const known = frame.withColumns(
      pl.Series("mrr", [40, 100]),
      pl.Series("llm_cost_30d", llmCost),
    );
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(known, input);
    const file = join(dir, "pct.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        name: "pct",
        plans: [{ name: "everyone", pctOfLlmCost: { percent: 5, basis: "all" } }],
        breakeven: "plans[0].pctOfLlmCost.percent",
      }),
    );
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    return logs[1];
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("deno task scenario: a breakeven past the price's bound reads none, naming the bound, not a price the file would be refused with", async () => {
  // current MRR a1 $40 + a2 $100 = $140: at LLM cost $0.30 + $0.30 = $0.60 it takes p =
  // 23,333.33 %, past the 10,000 % bound
  assertEquals(
    await pctOfLlmCostBreakevenLine([0.3, 0.3]),
    "  breakeven plans[0].pctOfLlmCost.percent: none (proposed MRR stays below current MRR up to the price's bound, 10,000 percent (the most a scenario file takes))",
  );
});

Deno.test("deno task scenario: a breakeven found says its unit on stdout", async () => {
  // current MRR a1 $40 + a2 $100 = $140 against LLM cost $1 + $2 = $3: p % of $3 = $140 at
  // p = 14,000 / 3 = 4,666.67 % (6 significant digits)
  assertEquals(
    await pctOfLlmCostBreakevenLine([1, 2]),
    "  breakeven plans[0].pctOfLlmCost.percent = 4666.67 % of LLM cost (scenario: 5 % of LLM cost)",
  );
});

Deno.test("deno task scenario --input: organizations sharing a Stripe customer are compared as one", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    // a1 pro 2 seats carries cus_1's $40; a2 team 5 seats shares cus_1 (mrr empty): at $10 a
    // seat the customer pays 20 + 50 = $70 for its $40, counted in a1's tier
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(
      frame.withColumns(
        pl.Series("stripe_customer_id", ["cus_1", "cus_1"], pl.Utf8),
        pl.Series("revenue_source", ["stripe", "shared_customer"], pl.Utf8),
        pl.Series("mrr", [40, null], pl.Float64),
      ),
      input,
    );
    const file = join(dir, "seat.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({ name: "seat", plans: [{ name: "everyone", perSeatUsd: 10 }] }),
    );
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    const read = (name: string) =>
      pl.readCSV(Deno.readTextFileSync(join(dir, name))).toRecords() as Record<string, unknown>[];
    const perOrg = read("helicone_pricing_scenario_seat_2026-11-01.csv");
    assertEquals(
      perOrg.map((r) => [r.org_id, r.current_mrr, r.proposed_mrr, r.delta_usd, r.outcome]),
      [["a1", 40, 20, 30, "pays_more"], ["a2", null, 50, 30, "pays_more"]],
    );
    const byTier = read("helicone_pricing_scenario_seat_2026-11-01_by_tier.csv");
    assertEquals(
      byTier.map((
        r,
      ) => [r.tier, r.organizations, r.current_mrr, r.proposed_mrr, r.unknown_current]),
      [["pro", 2, 40, 70, 0], ["all", 2, 40, 70, 0]],
    );
    // a2 (team, paying) keeps current MRR while a1's row is re-priced: what part of the $40 a2
    // keeps is not known, so cus_1 is not comparable, and the per-tier file says so per tier
    const kept = join(dir, "kept_team.json");
    await Deno.writeTextFile(
      kept,
      JSON.stringify({
        name: "kept_team",
        plans: [
          { name: "kept", match: { tiers: ["team"] }, keepCurrentMrr: true },
          { name: "everyone", perSeatUsd: 10 },
        ],
      }),
    );
    assertEquals(await scenarioMain([kept, "--input", input, "--out-dir", dir]), 0, errors.join());
    const keptByTier = read("helicone_pricing_scenario_kept_team_2026-11-01_by_tier.csv");
    assertEquals(
      keptByTier.map((r) => [
        r.tier,
        r.organizations,
        r.comparable,
        r.current_mrr,
        r.not_comparable,
        r.current_mrr_not_comparable,
      ]),
      [["pro", 2, 0, null, 2, 40], ["all", 2, 0, null, 2, 40]],
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario: the stdout line gives the current MRR of the organizations not comparable", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // tests/scenario_not_comparable.ts: current 90, proposed 50 (−44.4 %); q1, q2 and b1 pay
    // less; m1 and m2 not comparable, cus_8's $500 left out
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(notComparableExport(), input);
    const file = join(dir, "seat_kept.json");
    await Deno.writeTextFile(file, JSON.stringify(SEAT_KEPT));
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    assertEquals(
      logs[0],
      "Scenario seat_kept: current MRR $90.00, proposed $50.00 (-44.4 %); 0 pay more, 3 pay less, 0 unchanged, 2 not comparable (current MRR $500.00 left out)",
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario with none compared: stdout, the summary and the breakeven name the organizations not comparable", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // tests/scenario_not_comparable.ts noneComparedExport: m1 and m2 not comparable (cus_8's $500
    // left out), b1 unknown current, 2 seats × $10 = $20 proposed; nothing compared
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(noneComparedExport(), input);
    const file = join(dir, "seat_kept.json");
    await Deno.writeTextFile(file, JSON.stringify(SEAT_KEPT));
    const args = [file, "--input", input, "--out-dir", dir, "--breakeven", "plans[1].perSeatUsd"];
    assertEquals(await scenarioMain(args), 0, errors.join());
    assertEquals(
      logs[0],
      "Scenario seat_kept: no organization compared: 2 not comparable (current MRR $500.00 left out), 1 with unknown current MRR, proposed $20.00",
    );
    // no breakeven, for the same reason (it read "no organization with known current MRR")
    assertEquals(
      logs[1],
      "  breakeven plans[1].perSeatUsd: none (no organization compared: 2 not comparable (current MRR $500.00 left out), 1 with unknown current MRR)",
    );
    const summary = await Deno.readTextFile(
      join(dir, "helicone_pricing_scenario_seat_kept_2026-11-01.md"),
    );
    ok(
      summary.includes(
        "`plans[1].perSeatUsd` (10 USD per seat per month in the scenario): no breakeven, no organization compared: 2 not comparable (current MRR $500.00 left out), 1 with unknown current MRR.",
      ),
      summary,
    );
    ok(
      summary.includes(
        "| current MRR | – (no organization compared: 2 not comparable (current MRR $500.00 left out), 1 with unknown current MRR) |",
      ),
      summary,
    );
    ok(
      summary.includes("| proposed MRR | – (nothing to compare; see the last two rows) |"),
      summary,
    );
    ok(summary.includes("| change | – |"), summary);
    ok(
      summary.includes(
        "| organizations with unknown current MRR (not above) | 1 (proposed $20.00) |",
      ),
      summary,
    );
    ok(
      summary.includes("| organizations not comparable (not above) | 2 (current MRR $500.00: "),
      summary,
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});
