/**
 * Scenario comparison of organizations sharing a Stripe customer: compared as one customer, in the
 * tier of its revenue row, a kept contract beside a free or a paying sibling.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  biggestMovers,
  BREAKDOWN_COLUMNS,
  compareScenario,
  findBreakeven,
  parseScenario,
} from "../lib/analysis/scenario/mod.ts";
import { columnOf, comparedTotals, fixtureMarkdown } from "./scenario_comparison_fixture.ts";

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
  const markdown = fixtureMarkdown(result);
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
  const markdown = fixtureMarkdown(result);
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

/**
 * e1 "E ent" enterprise 10 seats carries cus_e's $5,000 (a contract); e2 (`sibling`) on cus_e,
 * revenue_source shared_customer; p1 "P" pro 2 seats on cus_p, MRR $40.
 */
function contractWithSibling(sibling: { name: string; tier: string; seats: number }) {
  return exportFrameFromColumns({
    org_id: ["e1", "e2", "p1"],
    org_name: ["E ent", sibling.name, "P"],
    tier: ["enterprise", sibling.tier, "pro"],
    tier_raw: ["enterprise", sibling.tier, "pro"],
    stripe_customer_id: ["cus_e", "cus_e", "cus_p"],
    seats: [10, sibling.seats, 2],
    mrr: [5000, null, 40],
    revenue_source: ["stripe", "shared_customer", "stripe"],
  });
}

/** A price book's first plans: pro at $20 a seat, the enterprise contract kept. */
const SEAT_AND_CONTRACT_PLANS = [
  { name: "pro", match: { tiers: ["pro"] }, perSeatUsd: 20 },
  { name: "enterprise", match: { tiers: ["enterprise"] }, keepCurrentMrr: true },
];

Deno.test("an enterprise customer with a free sibling organization is compared: the contract kept, the sibling $0", async () => {
  // the price book's enterprise contract and free plan ($0 flat): "E ent" carries cus_e's $5,000,
  // its free sibling e2 is priced $0, so the customer is unchanged at $5,000; p1 pro 2 seats,
  // MRR $40, at $20 a seat. Current 5,000 + 40 = 5,040 = proposed; the breakeven seat price p:
  // 2p + 5,000 = 5,040, p = 20.
  const frame = contractWithSibling({ name: "E free", tier: "free", seats: 1 });
  const book = parseScenario({
    name: "book",
    plans: [...SEAT_AND_CONTRACT_PLANS, { name: "free", match: { tiers: ["free"] }, flatUsd: 0 }],
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
  const frame = contractWithSibling({ name: "E pro", tier: "pro", seats: 3 });
  const book = parseScenario({
    name: "book",
    plans: SEAT_AND_CONTRACT_PLANS,
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
