/**
 * Scenario comparison of a Stripe customer split between a kept and a re-priced plan: a paying
 * sibling on a kept plan is not comparable, an unknown MRR is unknown_current, a free sibling is
 * compared.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { compareScenario, parseScenario } from "../lib/analysis/scenario/mod.ts";
import { NOT_COMPARABLE_REASON } from "../lib/analysis/scenario/customers.ts";
import { columnOf, comparedTotals, fixtureMarkdown } from "./scenario_comparison_fixture.ts";

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
  const markdown = fixtureMarkdown(result);
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
  const markdown = fixtureMarkdown(result);
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
    margin_ptb_requests_cost_unknown: 0,
  };
}
