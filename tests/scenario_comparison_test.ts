/**
 * Scenario comparison (lib/analysis/scenario/comparison.ts) on three organizations:
 *
 *   a1 pro 2 seats, MRR $40     a2 team 5 seats, MRR $100     a3 free 1 seat, MRR $0
 *
 * and the same three with every MRR unknown (an export made while Stripe failed).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  compareScenario,
  findBreakeven,
  parseScenario,
  scenarioMarkdown,
} from "../lib/analysis/scenario/mod.ts";

const frame = exportFrameFromColumns({
  org_id: ["a1", "a2", "a3"],
  org_name: ["A1", "A2", "A3"],
  tier: ["pro", "team", "free"],
  tier_raw: ["pro", "team", "free"],
  seats: [2, 5, 1],
  active_users_30d: [2, 5, 1],
  requests_30d: [1_000, 2_000, 0],
  llm_cost_30d: [1, 2, 0],
  llm_cost_ptb_30d: [0, 0, 0],
  llm_cost_byok_30d: [1, 2, 0],
  addons_in_metadata: [null, null, null],
  addon_prompts: [0, 0, 0],
  usage_charges: [0, 0, 0],
  mrr: [40, 100, 0],
});
const unknownMrr = frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr"));

const perSeat = parseScenario({
  name: "seat",
  plans: [{ name: "everyone", perSeatUsd: 10 }],
  breakeven: "plans[0].perSeatUsd",
});

Deno.test("breakeven: none when no organization's current MRR is known, not a price of 0", async () => {
  assertEquals(findBreakeven(unknownMrr, { scenario: perSeat, parameter: "plans[0].perSeatUsd" }), {
    parameter: "plans[0].perSeatUsd",
    scenarioValue: 10,
    value: null,
    reason: "no organization with known current MRR",
    currentMrrUsd: null,
  });
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
      "`plans[0].perSeatUsd` (10 in the scenario): no breakeven, no organization with known current MRR.",
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

Deno.test("plans that price no organization in the data are named in a warning", async () => {
  // b: pro is taken by a; c: no growth organization; d prices a3; e: a3 is d's, a1 a's; f: a
  // typo (letter O for zero) no raw tier fits (PRO would: raw tiers match as the family reads them)
  const scenario = parseScenario({
    name: "overlap",
    plans: [
      { name: "a", match: { tiers: ["pro", "team"] }, flatUsd: 10 },
      { name: "b", match: { tiers: ["pro"] }, flatUsd: 20 },
      { name: "c", match: { tiers: ["growth"] }, flatUsd: 30 },
      { name: "d", flatUsd: 0 },
      { name: "e", match: { tiers: ["free", "pro"] }, flatUsd: 1 },
      { name: "f", match: { tiersRaw: ["pro-2O251210"] }, flatUsd: 1 },
      // keeps current MRR, fits no organization: a standing rule (contracts), no warning
      { name: "g", match: { tiers: ["enterprise"] }, keepCurrentMrr: true },
      // keeps current MRR of team organizations, but a2 (team) is a's: re-priced, warned
      { name: "h", match: { tiers: ["team"] }, keepCurrentMrr: true },
    ],
  });
  const result = await compareScenario(frame, { scenario });
  assertEquals(
    result.warnings.filter((w) => w.includes("no organization in this data")),
    [
      'plans "c", "f" price no organization in this data: no organization fits their match',
      'plan "b" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "a"',
      'plan "e" prices no organization in this data: the organizations its match fits are all priced by the earlier plans "a", "d"',
      'plan "h" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "a"',
    ],
  );
  // every plan prices someone: no such warning
  const covering = parseScenario({
    name: "covering",
    plans: [{ name: "paid", match: { tiers: ["pro", "team"] }, flatUsd: 10 }, {
      name: "rest",
      flatUsd: 0,
    }],
  });
  const clean = await compareScenario(frame, { scenario: covering });
  assertEquals(clean.warnings.filter((w) => w.includes("no organization in this data")), []);
});
