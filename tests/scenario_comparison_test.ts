/**
 * Scenario comparison (lib/analysis/scenario/comparison.ts) on three organizations:
 *
 *   a1 pro 2 seats, MRR $40     a2 team 5 seats, MRR $100     a3 free 1 seat, MRR $0
 *
 * and the same three with every MRR unknown (an export made while Stripe failed): breakeven and
 * tiers without revenue. Warnings are in scenario_comparison_warnings_test.ts, organizations
 * sharing a Stripe customer in scenario_shared_customer_test.ts and
 * scenario_kept_siblings_test.ts.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  compareScenario,
  findBreakeven,
  parseScenario,
  scenarioMarkdown,
} from "../lib/analysis/scenario/mod.ts";
import { noneComparedExport, SEAT_KEPT } from "./scenario_not_comparable.ts";
import { frame } from "./scenario_comparison_fixture.ts";

const unknownMrr = frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr"));

const perSeat = parseScenario({
  name: "seat",
  plans: [{ name: "everyone", perSeatUsd: 10 }],
  breakeven: "plans[0].perSeatUsd",
});

Deno.test("breakeven: none when no organization's current MRR is known or none is comparable, not a price of 0", async () => {
  assertEquals(findBreakeven(unknownMrr, { scenario: perSeat, parameter: "plans[0].perSeatUsd" }), {
    parameter: "plans[0].perSeatUsd",
    scenarioValue: 10,
    unit: "USD per seat per month",
    value: null,
    reason: "no organization with known current MRR",
    currentMrrUsd: null,
  });
  // m1 and m2 share cus_8 across a kept and a re-priced plan: not comparable, $500 left out; b1's
  // revenue was not fetched (tests/scenario_not_comparable.ts)
  assertEquals(
    findBreakeven(noneComparedExport(), {
      scenario: parseScenario(SEAT_KEPT),
      parameter: "plans[1].perSeatUsd",
    }),
    {
      parameter: "plans[1].perSeatUsd",
      scenarioValue: 10,
      unit: "USD per seat per month",
      value: null,
      reason:
        "no organization compared: 2 not comparable (current MRR $500.00 left out), 1 with unknown current MRR",
      currentMrrUsd: null,
    },
  );
  // with MRR known: 8 seats × price = $140 → $17.50 a seat
  const known = findBreakeven(frame, { scenario: perSeat, parameter: "plans[0].perSeatUsd" });
  ok(Math.abs(known.value! - 17.5) < 1e-9, `${known.value}`);
  assertEquals(known.currentMrrUsd, 140);
  const result = await compareScenario(unknownMrr, { scenario: perSeat });
  const markdown = scenarioMarkdown(result, {
    dataLabel: "fixture",
    asOf: new Date("2026-01-01"),
    demo: false,
  });
  ok(markdown.includes("| current MRR | unknown (no organization with known current MRR) |"));
  // no proposed $0.00 and change $0.00 beside it: nothing is compared (a1 $20 + a2 $50 + a3 $10
  // are proposed for the three organizations with unknown current MRR)
  ok(
    markdown.includes(
      "| proposed MRR | – (no organization with known current MRR: nothing to compare; see the last row) |",
    ),
    markdown,
  );
  ok(markdown.includes("| change | – |"), markdown);
  ok(
    markdown.includes(
      "| organizations with unknown current MRR (not above) | 3 (proposed $80.00) |",
    ),
  );
  ok(
    markdown.includes(
      "`plans[0].perSeatUsd` (10 USD per seat per month in the scenario): no breakeven, no organization with known current MRR.",
    ),
    markdown,
  );
  ok(!markdown.includes("makes proposed MRR equal current MRR"));
  // by tier: no tier has a comparison (empty in the CSV, – in the summary), not $0 of MRR
  assertEquals(result.byTier.getColumn("current_mrr").toArray(), [null, null, null, null]);
  assertEquals(result.byTier.getColumn("delta_usd").toArray(), [null, null, null, null]);
  // a1 pro 2 × $10, its row: 1 organization, – – –, change –, 0 0 0, 1 unknown
  ok(markdown.includes("| pro | 1 | – | – | – | – | 0 | 0 | 0 | 1 |"), markdown);
});

Deno.test("by tier without revenue: a tier whose proposed MRR is all unknown (kept contracts) reads empty, not $0, and the unknown are counted", async () => {
  // MRR unknown for all three; a2 (team) keeps its unknown current MRR, so its proposed MRR is
  // unknown too; a1 pro 2 seats × $10 = $20, a3 free 1 seat × $10 = $10
  const scenario = parseScenario({
    name: "kept",
    plans: [
      { name: "contract", match: { tiers: ["team"] }, keepCurrentMrr: true },
      { name: "everyone", perSeatUsd: 10 },
    ],
  });
  const result = await compareScenario(unknownMrr, { scenario });
  assertEquals(result.byTier.getColumn("tier").toArray(), ["free", "pro", "team", "all"]);
  assertEquals(result.byTier.getColumn("unknown_current").toArray(), [1, 1, 1, 3]);
  // all: $10 + $20, a2's unknown left out and counted
  assertEquals(
    result.byTier.getColumn("proposed_mrr_unknown_current").toArray(),
    [10, 20, null, 30],
  );
  assertEquals(result.byTier.getColumn("proposed_unknown").toArray(), [0, 0, 1, 1]);
  // with current MRR known no organization has unknown current MRR: $0 of none, none unknown
  const known = await compareScenario(frame, { scenario });
  assertEquals(known.byTier.getColumn("proposed_mrr_unknown_current").toArray(), [0, 0, 0, 0]);
  assertEquals(known.byTier.getColumn("proposed_unknown").toArray(), [0, 0, 0, 0]);
});

Deno.test("breakeven: none past the price's bound (a price the scenario checker refuses), the bound named", async () => {
  // LLM cost a1 $0.50 + a2 $0.50 + a3 $0 = $1 against current MRR $40 + $100 + $0 = $140: p % of
  // $1 = $140 at p = 14,000 %, past the 10,000 % a scenario takes (at 10,000 %: $100 < $140)
  const cheap = frame.withColumns(pl.Series("llm_cost_30d", [0.5, 0.5, 0]));
  const parameter = "plans[0].pctOfLlmCost.percent";
  const pct = (percent: number) =>
    parseScenario({
      name: "pct",
      plans: [{ name: "everyone", pctOfLlmCost: { percent, basis: "all" } }],
      breakeven: parameter,
    });
  throws(() => pct(14_000), /percent must be at most 10,000 \(percent\), got 14000/);
  const reason =
    "proposed MRR stays below current MRR up to the price's bound, 10,000 percent (the most a scenario file takes)";
  assertEquals(findBreakeven(cheap, { scenario: pct(5), parameter }), {
    parameter,
    scenarioValue: 5,
    unit: "% of LLM cost",
    value: null,
    reason,
    currentMrrUsd: 140,
  });
  const result = await compareScenario(cheap, { scenario: pct(5) });
  const markdown = scenarioMarkdown(result, {
    dataLabel: "fixture",
    asOf: new Date("2026-01-01"),
    demo: false,
  });
  ok(
    markdown.includes(
      `\`${parameter}\` (5 % of LLM cost in the scenario): no breakeven, ${reason}.`,
    ),
    markdown,
  );
  // a flat fee's bound: 3 organizations × $10,000,000 = $30,000,000 < current $40,000,140
  const rich = frame.withColumns(pl.Series("mrr", [40, 40_000_100, 0]));
  const flat = parseScenario({
    name: "flat",
    plans: [{ name: "everyone", flatUsd: 10 }],
    breakeven: "plans[0].flatUsd",
  });
  assertEquals(
    findBreakeven(rich, { scenario: flat, parameter: "plans[0].flatUsd" }).reason,
    "proposed MRR stays below current MRR up to the price's bound, 10,000,000 USD a month (the most a scenario file takes)",
  );
  // within the bound it is found: $3 of LLM cost, 140 / 3 × 100 = 4,666.67 %
  const within = findBreakeven(frame, { scenario: pct(5), parameter });
  ok(Math.abs(within.value! - 14_000 / 3) < 1e-6, `${within.value}`);
});

Deno.test("a breakeven value says its unit, the parameter's, in the summary and on stdout", async () => {
  // 8 seats × p = $140 current MRR → p = 17.5 USD per seat per month (the scenario has 10)
  const result = await compareScenario(frame, { scenario: perSeat });
  assertEquals(result.breakeven?.unit, "USD per seat per month");
  const markdown = scenarioMarkdown(result, {
    dataLabel: "fixture",
    asOf: new Date("2026-01-01"),
    demo: false,
  });
  ok(
    markdown.includes(
      "`plans[0].perSeatUsd` = **17.5** USD per seat per month makes proposed MRR equal current MRR ($140.00); the scenario has 10 USD per seat per month.",
    ),
    markdown,
  );
  // per 1,000 requests: a1 1,000 + a2 2,000 = 3,000 requests × p / 1,000 = $140 → p = 140 / 3
  const perRequest = parseScenario({
    name: "req",
    plans: [{ name: "everyone", perRequest: { tiers: [{ upTo: null, usdPer1k: 1 }] } }],
    breakeven: "plans[0].perRequest.tiers[0].usdPer1k",
  });
  const requests = await compareScenario(frame, { scenario: perRequest });
  assertEquals(requests.breakeven?.unit, "USD per 1,000 requests");
  ok(Math.abs(requests.breakeven!.value! - 140 / 3) < 1e-9, `${requests.breakeven?.value}`);
  const units = (path: string, scenario: Record<string, unknown>) =>
    findBreakeven(frame, { scenario: parseScenario({ name: "u", ...scenario }), parameter: path })
      .unit;
  assertEquals(units("plans[0].flatUsd", { plans: [{ name: "e", flatUsd: 1 }] }), "USD per month");
  assertEquals(
    units("plans[0].minimumUsd", { plans: [{ name: "e", minimumUsd: 1 }] }),
    "USD per month (minimum)",
  );
  assertEquals(
    units("plans[0].flatTiers.tiers[0].usd", {
      plans: [{ name: "e", flatTiers: { metric: "seats", tiers: [{ upTo: null, usd: 1 }] } }],
    }),
    "USD per month",
  );
  assertEquals(
    units("addonPrices.prompts", {
      addonPrices: { prompts: 5 },
      plans: [{ name: "e", flatUsd: 1 }],
    }),
    "USD per add-on per month",
  );
});
