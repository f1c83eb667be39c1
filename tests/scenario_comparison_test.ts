/**
 * Scenario comparison (lib/analysis/scenario/comparison.ts) on three organizations:
 *
 *   a1 pro 2 seats, MRR $40     a2 team 5 seats, MRR $100     a3 free 1 seat, MRR $0
 *
 * and the same three with every MRR unknown (an export made while Stripe failed).
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  biggestMovers,
  BREAKDOWN_COLUMNS,
  compareScenario,
  findBreakeven,
  parseScenario,
  scenarioMarkdown,
} from "../lib/analysis/scenario/mod.ts";
import { NOT_COMPARABLE_REASON } from "../lib/analysis/scenario/customers.ts";
import type { ScenarioTotals } from "../lib/analysis/scenario/totals.ts";
import { noneComparedExport, SEAT_KEPT } from "./scenario_not_comparable.ts";

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

Deno.test("user tiers on active_users_30d over another window than 30 days are warned of: active users are not scaled", async () => {
  // "users" prices a1 and a2 (pro, team) on their active users; a3 (free) is on a flat fee
  const scenario = parseScenario({
    name: "users",
    plans: [
      {
        name: "users",
        match: { tiers: ["pro", "team"] },
        flatTiers: {
          metric: "active_users_30d",
          tiers: [{ upTo: 3, usd: 10 }, { upTo: null, usd: 50 }],
        },
      },
      { name: "rest", flatUsd: 0 },
    ],
  });
  const userWarnings = (result: { warnings: string[] }) =>
    result.warnings.filter((w) => w.startsWith("user tiers"));
  assertEquals(userWarnings(await compareScenario(frame, { scenario, windowDays: 7 })), [
    `user tiers (flatTiers on active_users_30d) of "users" judged on the window's 7-day active users (members who signed in during the 7 days) of 2 organizations: they are not scaled to 30 days as usage is, so a 30-day export, counting more of them, can put organizations in other tiers`,
  ]);
  assertEquals(userWarnings(await compareScenario(frame, { scenario, windowDays: 30 })), []);
  assertEquals(userWarnings(await compareScenario(frame, { scenario })), []);
  // tiers on seats have no window
  const seats = parseScenario({
    name: "seats",
    plans: [{ name: "s", flatTiers: { metric: "seats", tiers: [{ upTo: null, usd: 5 }] } }],
  });
  assertEquals(userWarnings(await compareScenario(frame, { scenario: seats, windowDays: 7 })), []);
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

Deno.test("a percent of LLM cost under 1 is warned of: percent is in percent, 0.02 is not 2 %", async () => {
  const pct = (percent: number) =>
    parseScenario({
      name: "pct",
      plans: [
        { name: "paid", match: { tiers: ["pro", "team"] }, pctOfLlmCost: { percent } },
        { name: "rest", flatUsd: 0 },
      ],
    });
  const said = (warnings: string[]) => warnings.filter((w) => w.includes("% of LLM cost"));
  const fraction = await compareScenario(frame, { scenario: pct(0.02) });
  assertEquals(said(fraction.warnings), [
    'plan "paid" charges 0.02 % of LLM cost (plans[0].pctOfLlmCost.percent is in percent): for 2 % write 2, not 0.02',
  ]);
  // priced as written: a1's $1 and a2's $2 of LLM cost at 0.02 % is $0.0006 against $140
  ok(
    Math.abs(fraction.totals.proposedMrrUsd - 0.0006) < 1e-12,
    `${fraction.totals.proposedMrrUsd}`,
  );
  for (const percent of [1, 2, 0]) {
    assertEquals(said((await compareScenario(frame, { scenario: pct(percent) })).warnings), []);
  }
});

Deno.test("a price per 1,000 requests under $0.001 is warned of: a price per request written in usdPer1k", async () => {
  const perRequest = (usdPer1k: number) =>
    parseScenario({
      name: "req",
      plans: [{ name: "usage", perRequest: { tiers: [{ upTo: null, usdPer1k }] } }],
    });
  const said = (warnings: string[]) => warnings.filter((w) => w.includes("per 1,000 requests"));
  const slip = await compareScenario(frame, { scenario: perRequest(0.0005) });
  assertEquals(said(slip.warnings), [
    'plan "usage" charges $0.0005 per 1,000 requests (plans[0].perRequest.tiers[0].usdPer1k is per 1,000 requests): for $0.0005 a request write 0.5',
  ]);
  // priced as written: 3,000 requests at $0.0005 per 1,000 is $0.0015
  ok(Math.abs(slip.totals.proposedMrrUsd - 0.0015) < 1e-12, `${slip.totals.proposedMrrUsd}`);
  for (const price of [0.001, 0.5, 0]) {
    assertEquals(
      said((await compareScenario(frame, { scenario: perRequest(price) })).warnings),
      [],
    );
  }
});

/**
 * Organizations sharing a Stripe customer (the export puts the customer's revenue on its first
 * organization's row, the others read revenue_source shared_customer with mrr empty), under
 * `seatAndContract`: pro $10 a seat, enterprise keeps current MRR.
 *
 *   n1 pro 3 seats, cus_1, MRR $50        o1 pro 4 seats, cus_1, shared
 *   s1 pro 2 seats, cus_2, MRR $20
 *   t1 pro 5 seats, cus_3, MRR $0 trialing  t2 pro 1 seat, cus_3, shared
 *   u1 pro 1 seat, cus_4, not fetched (none)
 *   x1 pro 2 seats, cus_5, unconverted     x2 pro 3 seats, cus_5, shared
 *   e1 enterprise, cus_6, MRR $1,000       e2 enterprise, cus_6, shared
 *   k1 enterprise, cus_7, not fetched (none)
 */
const sharedFrame = exportFrameFromColumns({
  org_id: ["n1", "o1", "s1", "t1", "t2", "u1", "x1", "x2", "e1", "e2", "k1"],
  org_name: ["N1", "O1", "S1", "T1", "T2", "U1", "X1", "X2", "E1", "E2", "K1"],
  tier: [
    "pro",
    "pro",
    "pro",
    "pro",
    "pro",
    "pro",
    "pro",
    "pro",
    "enterprise",
    "enterprise",
    "enterprise",
  ],
  tier_raw: [
    "pro",
    "pro",
    "pro",
    "pro",
    "pro",
    "pro",
    "pro",
    "pro",
    "enterprise",
    "enterprise",
    "enterprise",
  ],
  stripe_customer_id: [
    "cus_1",
    "cus_1",
    "cus_2",
    "cus_3",
    "cus_3",
    "cus_4",
    "cus_5",
    "cus_5",
    "cus_6",
    "cus_6",
    "cus_7",
  ],
  seats: [3, 4, 2, 5, 1, 1, 2, 3, 10, 20, 5],
  mrr: [50, null, 20, 0, null, null, null, null, 1000, null, null],
  usage_charges: [0, null, 0, 0, null, null, null, null, 0, null, null],
  subscription_status: [
    "active",
    null,
    "active",
    "trialing",
    null,
    null,
    "active",
    null,
    "active",
    null,
    null,
  ],
  cancel_at_period_end: [false, null, false, null, null, null, false, null, false, null, null],
  revenue_source: [
    "stripe",
    "shared_customer",
    "stripe",
    "stripe",
    "shared_customer",
    "none",
    "unconverted",
    "shared_customer",
    "stripe",
    "shared_customer",
    "none",
  ],
});

const seatAndContract = parseScenario({
  name: "seat_and_contract",
  plans: [
    { name: "seat", match: { tiers: ["pro"] }, perSeatUsd: 10 },
    { name: "team", match: { tiers: ["team"] }, flatUsd: 100 },
    { name: "contract", match: { tiers: ["enterprise"] }, keepCurrentMrr: true },
  ],
  breakeven: "plans[0].perSeatUsd",
});

const columnOf = (frame: pl.DataFrame, name: string) => frame.getColumn(name).toArray();

Deno.test("organizations sharing a Stripe customer are compared as one: the customer's MRR against the sum of their prices", async () => {
  const result = await compareScenario(sharedFrame, { scenario: seatAndContract });
  const perOrg = result.perOrg;
  // own prices: n1 30, o1 40, s1 20, t1 and t2 $0 (their customer is trialing), u1 10, x1 20,
  // x2 30, e1 keeps $1,000, e2 $0 (its customer's contract is kept on e1's row), k1 unknown
  assertEquals(columnOf(perOrg, "proposed_mrr"), [30, 40, 20, 0, 0, 10, 20, 30, 1000, 0, null]);
  assertEquals(columnOf(perOrg, "current_mrr"), [
    50,
    null,
    20,
    0,
    null,
    null,
    null,
    null,
    1000,
    null,
    null,
  ]);
  assertEquals(columnOf(perOrg, "customer_organizations"), [2, 2, 1, 2, 2, 1, 2, 2, 2, 2, 1]);
  // cus_1: $50 today, 30 + 40 = $70 proposed: +$20, +40 %, both organizations pay more
  assertEquals(columnOf(perOrg, "customer_current_mrr"), [
    50,
    50,
    20,
    0,
    0,
    null,
    null,
    null,
    1000,
    1000,
    null,
  ]);
  assertEquals(columnOf(perOrg, "customer_proposed_mrr"), [
    70,
    70,
    20,
    0,
    0,
    10,
    50,
    50,
    1000,
    1000,
    null,
  ]);
  assertEquals(columnOf(perOrg, "delta_usd"), [20, 20, 0, 0, 0, null, null, null, 0, 0, null]);
  assertEquals(columnOf(perOrg, "change_pct"), [
    40,
    40,
    0,
    null,
    null,
    null,
    null,
    null,
    0,
    0,
    null,
  ]);
  assertEquals(columnOf(perOrg, "outcome"), [
    "pays_more",
    "pays_more",
    "unchanged",
    "unchanged",
    "unchanged",
    "unknown_current",
    "unknown_current",
    "unknown_current",
    "unchanged",
    "unchanged",
    "unknown_current",
  ]);
  // comparable: n1 o1 s1 t1 t2 e1 e2; current 50 + 20 + 0 + 1,000 = 1,070 (each customer once),
  // proposed 30 + 40 + 20 + 0 + 0 + 1,000 + 0 = 1,090; unknown: u1 10 + x1 20 + x2 30 = $60,
  // k1's proposed unknown too
  assertEquals(result.totals, {
    organizations: 11,
    comparable: 7,
    currentMrrUsd: 1070,
    proposedMrrUsd: 1090,
    deltaUsd: 20,
    changePct: 20 / 1070 * 100,
    paysMore: 2,
    paysLess: 0,
    unchanged: 5,
    unknownCurrent: 4,
    notComparable: 0,
    currentMrrNotComparableUsd: 0,
    proposedMrrUnknownCurrentUsd: 60,
    proposedUnknown: 1,
  });
  // pro: 8 organizations, 5 comparable, 70 → 90; enterprise: 3, 2 comparable, 1,000 → 1,000
  assertEquals(columnOf(result.byTier, "tier"), ["pro", "enterprise", "all"]);
  assertEquals(columnOf(result.byTier, "organizations"), [8, 3, 11]);
  assertEquals(columnOf(result.byTier, "current_mrr"), [70, 1000, 1070]);
  assertEquals(columnOf(result.byTier, "proposed_mrr"), [90, 1000, 1090]);
  assertEquals(columnOf(result.byTier, "unknown_current"), [3, 1, 4]);
  // the breakeven seat price p: n1 3p + o1 4p + s1 2p + 1,000 (e1; t1, t2 and e2 $0) = 1,070
  const breakeven = findBreakeven(sharedFrame, {
    scenario: seatAndContract,
    parameter: "plans[0].perSeatUsd",
  });
  ok(Math.abs(breakeven.value! - 70 / 9) < 1e-9, `${breakeven.value}`);
  assertEquals(breakeven.currentMrrUsd, 1070);
  // the biggest increase is the customer, once, named by the organization carrying its revenue
  assertEquals(biggestMovers(perOrg, { outcome: "pays_more", limit: 5 }).toRecords(), [{
    org_id: "n1",
    org_name: "N1",
    tier: "pro",
    plan: "seat",
    current_mrr: 50,
    proposed_mrr: 70,
    delta_usd: 20,
    customer_organizations: 2,
  }]);
  // each cause named: x2's customer was not converted, not "revenue not fetched"
  assertEquals(
    result.warnings.filter((w) => w.includes("unknown current MRR")),
    [
      "4 organizations have unknown current MRR, left out of the totals: 2 revenue not fetched (revenue_source none: Stripe skipped or failed, or a customer Stripe does not know); 2 amounts Stripe gave that could not be put in USD (revenue_source unconverted: no PRICING_FX_RATES rate for the currency); 1 of them shares a Stripe customer with another organization, whose row carries its revenue, and counts with it; 1 of them has unknown proposed MRR too (a plan keeping current MRR), not in the proposed $60.00 of the other 3",
    ],
  );
  const markdown = scenarioMarkdown(result, {
    dataLabel: "fixture",
    asOf: new Date("2026-11-01"),
    demo: false,
  });
  ok(
    markdown.includes(
      "| organizations with unknown current MRR (not above) | 4 (proposed $60.00; 1 of them with unknown proposed MRR too, not in it) |",
    ),
    markdown,
  );
  ok(markdown.includes("| n1 | N1 | pro | seat | $50.00 | $70.00 | +$20.00 | 2 |"), markdown);
  ok(markdown.includes("Organizations sharing a Stripe customer are compared as one"), markdown);
});

Deno.test("a shared customer counts in the tier of its revenue row; a kept contract with a paying sibling is not comparable", async () => {
  // c1 team, cus_9, MRR $100 (flat $100); c2 pro 1 seat on cus_9: 100 → 110, both in team.
  // m1 enterprise, cus_8, MRR $500 (kept: the customer's whole MRR is on its row); m2 pro 2 seats
  // on cus_8 pays inside those $500: priced on top ($20) it would count twice, and what it pays
  // in them is not known, so cus_8 is not comparable (a free sibling is: the test below)
  const frame = exportFrameFromColumns({
    org_id: ["c1", "c2", "m1", "m2"],
    org_name: ["C1", "C2", "M1", "M2"],
    tier: ["team", "pro", "enterprise", "pro"],
    tier_raw: ["team", "pro", "enterprise", "pro"],
    stripe_customer_id: ["cus_9", "cus_9", "cus_8", "cus_8"],
    seats: [5, 1, 10, 2],
    mrr: [100, null, 500, null],
    revenue_source: ["stripe", "shared_customer", "stripe", "shared_customer"],
  });
  const result = await compareScenario(frame, { scenario: seatAndContract });
  assertEquals(columnOf(result.perOrg, "outcome"), [
    "pays_more",
    "pays_more",
    "not_comparable",
    "not_comparable",
  ]);
  // current 100, proposed 110: cus_8 is in neither
  assertEquals(
    [
      result.totals.currentMrrUsd,
      result.totals.proposedMrrUsd,
      result.totals.unknownCurrent,
      result.totals.notComparable,
    ],
    [100, 110, 0, 2],
  );
  assertEquals(result.warnings.filter((w) => w.includes("unknown current MRR")), []);
  const markdown = scenarioMarkdown(result, {
    dataLabel: "fixture",
    asOf: new Date("2026-11-01"),
    demo: false,
  });
  // By plan, as By tier: c2 (pro, plan seat) counts with its customer in team; contract's row
  // says its 2 organizations are left out (not comparable), not that it has none to compare
  const byPlan = markdown.slice(markdown.indexOf("## By plan"), markdown.indexOf("## Biggest"));
  assertEquals(
    byPlan.split("\n").filter((line) => line.startsWith("| ")),
    [
      "| plan | organizations | current MRR | proposed MRR | change | % | pay more | pay less | unchanged | unknown current | not comparable |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      "| team | 2 | $100.00 | $110.00 | +$10.00 | +10.0 % | 2 | 0 | 0 | 0 | 0 |",
      "| contract | 2 | – | – | – | – | 0 | 0 | 0 | 0 | 2 |",
    ],
  );
  const byTier = markdown.slice(markdown.indexOf("## By tier"), markdown.indexOf("## By plan"));
  assertEquals(
    byTier.split("\n").filter((line) => line.startsWith("| ") && line.endsWith(" 2 |")),
    [
      "| enterprise | 2 | – | – | – | – | 0 | 0 | 0 | 0 | 2 |",
      "| all | 4 | $100.00 | $110.00 | +$10.00 | +10.0 % | 2 | 0 | 0 | 0 | 2 |",
    ],
  );
  assertEquals(columnOf(result.byTier, "tier"), ["team", "enterprise", "all"]);
  assertEquals(columnOf(result.byTier, "organizations"), [2, 2, 4]);
  assertEquals(columnOf(result.byTier, "comparable"), [2, 0, 2]);
  // cus_8's $500 (on m1's row) is the MRR the comparison leaves out, in enterprise
  assertEquals(columnOf(result.byTier, "not_comparable"), [0, 2, 2]);
  assertEquals(columnOf(result.byTier, "current_mrr_not_comparable"), [0, 500, 500]);
  assertEquals(columnOf(result.byPlan, "plan"), ["team", "contract"]);
  assertEquals(columnOf(result.byPlan, "not_comparable"), [0, 2]);
  assertEquals(columnOf(result.byPlan, "current_mrr_not_comparable"), [0, 500]);
  // both breakdowns have the one list of columns
  assertEquals(result.byPlan.columns.slice(1), result.byTier.columns.slice(1));
  assertEquals(result.byTier.columns.slice(1), BREAKDOWN_COLUMNS.map((c) => c.name));
});

Deno.test("an enterprise customer with a free sibling organization is compared: the contract kept, the sibling $0", async () => {
  // the price book's enterprise contract and free plan ($0 flat): "E ent" carries cus_e's $5,000,
  // its free sibling e2 is priced $0, so the customer is unchanged at $5,000; p1 pro 2 seats,
  // MRR $40, at $20 a seat. Current 5,000 + 40 = 5,040 = proposed; the breakeven seat price p:
  // 2p + 5,000 = 5,040, p = 20.
  const frame = exportFrameFromColumns({
    org_id: ["e1", "e2", "p1"],
    org_name: ["E ent", "E free", "P"],
    tier: ["enterprise", "free", "pro"],
    tier_raw: ["enterprise", "free", "pro"],
    stripe_customer_id: ["cus_e", "cus_e", "cus_p"],
    seats: [10, 1, 2],
    mrr: [5000, null, 40],
    revenue_source: ["stripe", "shared_customer", "stripe"],
  });
  const book = parseScenario({
    name: "book",
    plans: [
      { name: "pro", match: { tiers: ["pro"] }, perSeatUsd: 20 },
      { name: "enterprise", match: { tiers: ["enterprise"] }, keepCurrentMrr: true },
      { name: "free", match: { tiers: ["free"] }, flatUsd: 0 },
    ],
    breakeven: "plans[0].perSeatUsd",
  });
  const result = await compareScenario(frame, { scenario: book });
  assertEquals(columnOf(result.perOrg, "proposed_mrr"), [5000, 0, 40]);
  assertEquals(columnOf(result.perOrg, "customer_proposed_mrr"), [5000, 5000, 40]);
  assertEquals(columnOf(result.perOrg, "outcome"), ["unchanged", "unchanged", "unchanged"]);
  assertEquals(
    [result.totals.comparable, result.totals.currentMrrUsd, result.totals.proposedMrrUsd],
    [3, 5040, 5040],
  );
  assertEquals([result.totals.unknownCurrent, result.totals.notComparable], [0, 0]);
  assertEquals(result.breakeven?.currentMrrUsd, 5040);
  ok(Math.abs(result.breakeven!.value! - 20) < 1e-9, `${result.breakeven?.value}`);
});

Deno.test("a kept contract with a paying sibling organization is not comparable: the sibling's payment is inside the contract's MRR", async () => {
  // cus_e's $5,000 is on "E ent" (kept); its sibling e2 is a pro organization whose own
  // subscription is part of those $5,000: pricing it on top (3 × $20) would count it twice, and
  // what it pays inside the $5,000 is not known. p1 pro 2 seats, MRR $40 → $40 at $20 a seat.
  const frame = exportFrameFromColumns({
    org_id: ["e1", "e2", "p1"],
    org_name: ["E ent", "E pro", "P"],
    tier: ["enterprise", "pro", "pro"],
    tier_raw: ["enterprise", "pro", "pro"],
    stripe_customer_id: ["cus_e", "cus_e", "cus_p"],
    seats: [10, 3, 2],
    mrr: [5000, null, 40],
    revenue_source: ["stripe", "shared_customer", "stripe"],
  });
  const book = parseScenario({
    name: "book",
    plans: [
      { name: "pro", match: { tiers: ["pro"] }, perSeatUsd: 20 },
      { name: "enterprise", match: { tiers: ["enterprise"] }, keepCurrentMrr: true },
    ],
    breakeven: "plans[0].perSeatUsd",
  });
  const result = await compareScenario(frame, { scenario: book });
  assertEquals(columnOf(result.perOrg, "outcome"), [
    "not_comparable",
    "not_comparable",
    "unchanged",
  ]);
  assertEquals(
    comparedTotals(result),
    [1, 40, 40, 0, 2],
  );
  // breakeven over p1 alone: 2p = 40, p = 20
  ok(Math.abs(result.breakeven!.value! - 20) < 1e-9, `${result.breakeven?.value}`);
});

/**
 * q1 pro 3 seats carries cus_q's revenue (`mrr`, from `source`); q2, tier other, on cus_q; p1 pro
 * 2 seats on cus_p, MRR $40. Under seatAndKeptOther q2 keeps current MRR and q1 is re-priced.
 */
function splitCustomer(q1: { mrr: number | null; source: string }): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["q1", "q2", "p1"],
    org_name: ["Q1", "Q2", "P1"],
    tier: ["pro", "other", "pro"],
    tier_raw: ["pro", "legacy-x", "pro"],
    stripe_customer_id: ["cus_q", "cus_q", "cus_p"],
    seats: [3, 1, 2],
    mrr: [q1.mrr, null, 40],
    revenue_source: [q1.source, "shared_customer", "stripe"],
  });
}

const seatAndKeptOther = parseScenario({
  name: "seat_and_kept_other",
  plans: [
    { name: "seat", match: { tiers: ["pro"] }, perSeatUsd: 10 },
    { name: "kept", match: { tiers: ["other"] }, keepCurrentMrr: true },
  ],
  breakeven: "plans[0].perSeatUsd",
});

/** comparable, current and proposed MRR, unknown current, not comparable: the totals compared. */
function comparedTotals({ totals }: { totals: ScenarioTotals }): number[] {
  return [
    totals.comparable,
    totals.currentMrrUsd,
    totals.proposedMrrUsd,
    totals.unknownCurrent,
    totals.notComparable,
  ];
}

Deno.test("a re-priced revenue row with a paying sibling on a kept plan is not comparable, said so, not unknown current MRR", async () => {
  // q1 pro 3 seats carries cus_q's $60; q2 tier other (paying) on cus_q is on a kept plan:
  // which part of the $60 it keeps is not known. p1 pro 2 seats, MRR $40 → $20 (2 × $10).
  const result = await compareScenario(splitCustomer({ mrr: 60, source: "stripe" }), {
    scenario: seatAndKeptOther,
  });
  assertEquals(columnOf(result.perOrg, "outcome"), [
    "not_comparable",
    "not_comparable",
    "pays_less",
  ]);
  assertEquals(
    comparedTotals(result),
    [1, 40, 20, 0, 2],
  );
  // breakeven over p1 alone: 2p = 40, p = 20
  ok(Math.abs(result.breakeven!.value! - 20) < 1e-9, `${result.breakeven?.value}`);
  assertEquals(result.warnings.filter((w) => w.includes("unknown current MRR")), []);
  assertEquals(result.warnings.filter((w) => w.includes("not comparable")), [
    `2 organizations are not comparable, left out of the totals (their current MRR may be known): ${NOT_COMPARABLE_REASON}`,
  ]);
  const markdown = scenarioMarkdown(result, {
    dataLabel: "fixture",
    asOf: new Date("2026-11-01"),
    demo: false,
  });
  ok(
    markdown.includes(
      `| organizations not comparable (not above) | 2 (current MRR $60.00: ${NOT_COMPARABLE_REASON}) |`,
    ),
    markdown,
  );
});

Deno.test("a customer split between a kept and a re-priced plan whose MRR is unknown is unknown_current, not not_comparable", async () => {
  // q1 pro carries cus_q's revenue, not converted (no rate): unknown; q2 on cus_q is on a kept
  // plan. Unknown MRR is said first: "not comparable" would say its MRR may be known.
  const result = await compareScenario(splitCustomer({ mrr: null, source: "unconverted" }), {
    scenario: seatAndKeptOther,
  });
  assertEquals(columnOf(result.perOrg, "outcome"), [
    "unknown_current",
    "unknown_current",
    "pays_less",
  ]);
  assertEquals([result.totals.unknownCurrent, result.totals.notComparable], [2, 0]);
});

/**
 * q1 pro 3 seats carries cus_q's revenue (`q1`); q2, free, shares cus_q; p1 pro 2 seats on cus_p,
 * MRR $40; r1 pro 1 seat carries cus_r's $25, r2 (tier other, a paying organization) shares it.
 */
function freeSiblingCustomer(q1: { mrr: number | null; source: string }): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["q1", "q2", "p1", "r1", "r2"],
    org_name: ["Q1", "Q2 free", "P1", "R1", "R2"],
    tier: ["pro", "free", "pro", "pro", "other"],
    tier_raw: ["pro", "free", "pro", "pro", "legacy-x"],
    stripe_customer_id: ["cus_q", "cus_q", "cus_p", "cus_r", "cus_r"],
    seats: [3, 1, 2, 1, 1],
    mrr: [q1.mrr, null, 40, 25, null],
    revenue_source: [q1.source, "shared_customer", "stripe", "stripe", "shared_customer"],
  });
}

/** pro re-priced at $10 a seat; free and other organizations keep current MRR. */
const seatAndKeptFree = parseScenario({
  name: "seat_and_kept_free",
  plans: [
    { name: "seat", match: { tiers: ["pro"] }, perSeatUsd: 10 },
    { name: "kept", match: { tiers: ["free", "other"] }, keepCurrentMrr: true },
  ],
  breakeven: "plans[0].perSeatUsd",
});

Deno.test("a free sibling on a kept plan beside a re-priced revenue row is compared; a paying one is not", async () => {
  // cus_q: q1's $60 against q1's 3 × $10 + q2's kept $0 = $30 (q2 has no subscription: none of
  // the $60 is its). p1: $40 → 2 × $10 = $20. cus_r: r2 pays inside r1's $25 and keeps a part of
  // it nobody knows: not comparable, its $25 left out.
  const result = await compareScenario(freeSiblingCustomer({ mrr: 60, source: "stripe" }), {
    scenario: seatAndKeptFree,
  });
  assertEquals(columnOf(result.perOrg, "proposed_mrr"), [30, 0, 20, 10, null]);
  assertEquals(columnOf(result.perOrg, "customer_proposed_mrr"), [30, 30, 20, null, null]);
  assertEquals(columnOf(result.perOrg, "outcome"), [
    "pays_less",
    "pays_less",
    "pays_less",
    "not_comparable",
    "not_comparable",
  ]);
  // comparable q1 q2 p1: current 60 + 40 = 100, proposed 30 + 0 + 20 = 50
  assertEquals(comparedTotals(result), [3, 100, 50, 0, 2]);
  assertEquals(
    [result.totals.deltaUsd, result.totals.changePct, result.totals.paysLess],
    [-50, -50, 3],
  );
  assertEquals(result.totals.currentMrrNotComparableUsd, 25);
  // breakeven over q1, q2 and p1: 3p + 0 + 2p = 100, p = 20
  assertEquals(result.breakeven?.currentMrrUsd, 100);
  ok(Math.abs(result.breakeven!.value! - 20) < 1e-9, `${result.breakeven?.value}`);
  // every organization counts in its revenue row's tier and plan: pro, seat (kept has no row)
  assertEquals(result.byTier.toRecords(), [
    { ...breakdownRow("tier", "pro"), organizations: 5 },
    { ...breakdownRow("tier", "all"), organizations: 5 },
  ]);
  assertEquals(result.byPlan.toRecords(), [{ ...breakdownRow("plan", "seat"), organizations: 5 }]);
  const markdown = scenarioMarkdown(result, {
    dataLabel: "fixture",
    asOf: new Date("2026-11-01"),
    demo: false,
  });
  ok(
    markdown.includes("| seat | 5 | $100.00 | $50.00 | -$50.00 | -50.0 % | 0 | 3 | 0 | 0 | 2 |"),
    markdown,
  );
  ok(
    markdown.includes(
      `| organizations not comparable (not above) | 2 (current MRR $25.00: ${NOT_COMPARABLE_REASON}) |`,
    ),
    markdown,
  );

  // unknown MRR first: cus_q's not converted is unknown_current, its proposed $30 + $0 known
  const unknown = await compareScenario(
    freeSiblingCustomer({ mrr: null, source: "unconverted" }),
    { scenario: seatAndKeptFree },
  );
  assertEquals(columnOf(unknown.perOrg, "outcome"), [
    "unknown_current",
    "unknown_current",
    "pays_less",
    "not_comparable",
    "not_comparable",
  ]);
  assertEquals(comparedTotals(unknown), [1, 40, 20, 2, 2]);
  assertEquals(
    [unknown.totals.proposedMrrUnknownCurrentUsd, unknown.totals.proposedUnknown],
    [30, 0],
  );
});

/**
 * The breakdown row of freeSiblingCustomer's comparison under seatAndKeptFree, named `name` in
 * column `first` (its organizations set by the caller).
 */
function breakdownRow(first: "tier" | "plan", name: string): Record<string, unknown> {
  return {
    [first]: name,
    comparable: 3,
    current_mrr: 100,
    proposed_mrr: 50,
    delta_usd: -50,
    change_pct: -50,
    pays_more: 0,
    pays_less: 3,
    unchanged: 0,
    unknown_current: 0,
    proposed_mrr_unknown_current: 0,
    proposed_unknown: 0,
    not_comparable: 2,
    current_mrr_not_comparable: 25,
    // the fixture has no company cost: the three compared are left out of the margin
    margin_organizations: 0,
    margin_unknown: 3,
    company_cost: null,
    current_margin_company_pct: null,
    proposed_margin_company_pct: null,
    margin_change_pts: null,
  };
}

Deno.test("Stripe skipped: the unknown-current warning and summary say which organizations' proposed MRR is unknown too", async () => {
  // a1 pro 2 seats, a2 team 5 seats, a3 free: $10 a seat → 20 + 50 + 10 = $80; e1 enterprise
  // keeps current MRR, unknown: its proposed MRR is unknown too, not in the $80
  const skipped = exportFrameFromColumns({
    org_id: ["a1", "a2", "a3", "e1"],
    org_name: ["A1", "A2", "A3", "E1"],
    tier: ["pro", "team", "free", "enterprise"],
    tier_raw: ["pro", "team", "free", "enterprise"],
    seats: [2, 5, 1, 40],
    mrr: [null, null, null, null],
    revenue_source: ["none", "none", "none", "none"],
  });
  const scenario = parseScenario({
    name: "seat_kept",
    plans: [
      { name: "contract", match: { tiers: ["enterprise"] }, keepCurrentMrr: true },
      { name: "everyone", perSeatUsd: 10 },
    ],
  });
  const result = await compareScenario(skipped, { scenario });
  assertEquals(
    [
      result.totals.unknownCurrent,
      result.totals.proposedMrrUnknownCurrentUsd,
      result.totals.proposedUnknown,
    ],
    [4, 80, 1],
  );
  assertEquals(result.warnings.filter((w) => w.includes("unknown current MRR")), [
    "4 organizations have unknown current MRR, left out of the totals: revenue not fetched (revenue_source none: Stripe skipped or failed, or a customer Stripe does not know); 1 of them has unknown proposed MRR too (a plan keeping current MRR), not in the proposed $80.00 of the other 3",
  ]);
  const markdown = scenarioMarkdown(result, {
    dataLabel: "fixture",
    asOf: new Date("2026-11-01"),
    demo: false,
  });
  ok(
    markdown.includes(
      "| organizations with unknown current MRR (not above) | 4 (proposed $80.00; 1 of them with unknown proposed MRR too, not in it) |",
    ),
    markdown,
  );
});

Deno.test("customers billed per year or quarter whose MRR a scenario changes are warned about: part of their change is their term discount", async () => {
  // $20 a seat. y1 1 seat, yearly $200 = $16.67 a month: +$3.33. q1 1 seat, "month,year": its
  // $10 → +$10. y2 1 seat yearly at $30: −$10. m1 monthly 2 seats $40: unchanged, not named.
  // y3 yearly, 2 seats at $40: unchanged, not named. So 3 customers, +$3.33, 2 of them pay more
  const frame = exportFrameFromColumns({
    org_id: ["y1", "q1", "y2", "m1", "y3"],
    org_name: ["Y1", "Q1", "Y2", "M1", "Y3"],
    tier: ["pro", "pro", "pro", "pro", "pro"],
    tier_raw: ["pro", "pro", "pro", "pro", "pro"],
    seats: [1, 1, 1, 2, 2],
    mrr: [16.67, 10, 30, 40, 40],
    billing_interval: ["year", "month,year", "year", "month", "year"],
  });
  const seat = parseScenario({ name: "seat", plans: [{ name: "seat", perSeatUsd: 20 }] });
  const result = await compareScenario(frame, { scenario: seat });
  assertEquals(columnOf(result.perOrg, "outcome"), [
    "pays_more",
    "pays_more",
    "pays_less",
    "unchanged",
    "unchanged",
  ]);
  assertEquals(result.warnings.filter((w) => w.includes("billing_interval")), [
    "3 Stripe customers billed per year or quarter (billing_interval other than month) change by +$3.33 a month (2 of them pay more): their MRR is the term's price spread over its months, often below the monthly list price the scenario charges, so part of their change is their term discount, not the scenario's prices",
  ]);
  // all monthly: no warning
  const monthly = await compareScenario(
    frame.withColumns(pl.lit("month").alias("billing_interval")),
    { scenario: seat },
  );
  assertEquals(monthly.warnings.filter((w) => w.includes("billing_interval")), []);

  // changes that net to under a cent: y4 at $9.996 → $20 (+$10.004), y5 at $30 → $20 (−$10):
  // +$0.004 in all, shown $0.00 with no sign (signedUsd's rule: a sign only on a shown change)
  const netting = await compareScenario(
    exportFrameFromColumns({
      org_id: ["y4", "y5"],
      org_name: ["Y4", "Y5"],
      tier: ["pro", "pro"],
      tier_raw: ["pro", "pro"],
      seats: [1, 1],
      mrr: [9.996, 30],
      billing_interval: ["year", "year"],
    }),
    { scenario: seat },
  );
  ok(
    netting.warnings.some((w) =>
      w.startsWith(
        "2 Stripe customers billed per year or quarter (billing_interval other than month) change by $0.00 a month (1 of them pay more)",
      )
    ),
    netting.warnings.join("\n"),
  );
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
