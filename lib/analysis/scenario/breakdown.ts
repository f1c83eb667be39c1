/**
 * A scenario comparison's breakdowns: its totals per tier (the per-tier CSV, the summary's By
 * tier, MCP's `by_tier`) and per plan (the summary's By plan, MCP's `by_plan`), one row per group
 * with the columns of BREAKDOWN_COLUMNS, the one list of them: revenue, then the company margin.
 */
import pl from "nodejs-polars";
import { distinctIndex } from "./pricing_inputs.ts";
import { groupTotals, type ScenarioTotals } from "./totals.ts";
import { type CompanyMargin, groupMargins, type MarginInputs } from "./margins.ts";
import { compareText } from "../../core/text_order.ts";
import { planNameOrNone } from "../../core/no_plan.ts";

/** A breakdown row's figures: the revenue comparison's and the company margin's. */
export interface BreakdownFigures {
  totals: ScenarioTotals;
  margin: CompanyMargin;
}

/** A breakdown column: its name, whether it counts organizations (else USD or %), its value. */
export interface BreakdownColumn {
  name: string;
  count: boolean;
  of: (row: BreakdownFigures) => number | null;
}

/**
 * A group none of whose organizations has a known current MRR has no comparison: empty, not a $0
 * that reads as "pays nothing today" (its proposed MRR is in proposed_mrr_unknown_current).
 */
const ifComparable = (of: (t: ScenarioTotals) => number) => (t: ScenarioTotals) =>
  t.comparable === 0 ? null : of(t);

const count = (name: string, of: (t: ScenarioTotals) => number): BreakdownColumn => ({
  name,
  count: true,
  of: (row) => of(row.totals),
});
const amount = (name: string, of: (t: ScenarioTotals) => number | null): BreakdownColumn => ({
  name,
  count: false,
  of: (row) => of(row.totals),
});
const marginCount = (name: string, of: (m: CompanyMargin) => number): BreakdownColumn => ({
  name,
  count: true,
  of: (row) => of(row.margin),
});
/** empty where no organization's margin is known: not a $0 cost */
const marginAmount = (name: string, of: (m: CompanyMargin) => number | null): BreakdownColumn => ({
  name,
  count: false,
  of: (row) => row.margin.organizations === 0 ? null : of(row.margin),
});

/**
 * The columns of a breakdown row after the group's name (`tier`, `plan`), in order. Counts are of
 * organizations by their Stripe customer's outcome; money is USD per month. Those left out of
 * the comparison are counted beside it: unknown_current (current MRR unknown) and not_comparable
 * (customers.ts NOT_COMPARABLE_REASON), so a row's comparison is seen not to be all of it.
 */
export const BREAKDOWN_COLUMNS: readonly BreakdownColumn[] = [
  count("organizations", (t) => t.organizations),
  count("comparable", (t) => t.comparable),
  amount("current_mrr", ifComparable((t) => t.currentMrrUsd)),
  amount("proposed_mrr", ifComparable((t) => t.proposedMrrUsd)),
  amount("delta_usd", ifComparable((t) => t.deltaUsd)),
  amount("change_pct", (t) => t.changePct),
  count("pays_more", (t) => t.paysMore),
  count("pays_less", (t) => t.paysLess),
  count("unchanged", (t) => t.unchanged),
  count("unknown_current", (t) => t.unknownCurrent),
  // the proposed MRR of those with unknown current MRR: empty when none of theirs is known
  // either (a group of kept contracts without revenue), not a $0 they would pay; those left out
  // of it are counted beside it
  amount(
    "proposed_mrr_unknown_current",
    (t) =>
      t.unknownCurrent > 0 && t.proposedUnknown === t.unknownCurrent
        ? null
        : t.proposedMrrUnknownCurrentUsd,
  ),
  count("proposed_unknown", (t) => t.proposedUnknown),
  count("not_comparable", (t) => t.notComparable),
  // known, each customer's once: what the comparison above leaves out of current MRR
  amount("current_mrr_not_comparable", (t) => t.currentMrrNotComparableUsd),
  // the company margin (margins.ts) over the compared organizations whose company cost is known,
  // that cost unchanged; those left out counted beside it
  marginCount("margin_organizations", (m) => m.organizations),
  marginCount("margin_unknown", (m) => m.costUnknown + m.ptbRevenueUnknown),
  marginAmount("company_cost", (m) => m.companyCostUsd),
  marginAmount("current_margin_company_pct", (m) => m.currentMarginPct),
  marginAmount("proposed_margin_company_pct", (m) => m.proposedMarginPct),
  marginAmount("margin_change_pts", (m) => m.changePts),
  // the pass-through requests with no cost recorded of the organizations the margin counts: where
  // any, their company cost is a lower bound and the row's margins upper bounds (0: none). Not an
  // organization count: on a 30-day basis, a long window's 1 is 30 / N (as an integer, 0)
  {
    name: "margin_ptb_requests_cost_unknown",
    count: false,
    of: (row) => row.margin.costUnrecorded.requests,
  },
];

/** A breakdown's frame: `first` names its groups' column, then BREAKDOWN_COLUMNS. */
export function breakdownFrame(
  first: "tier" | "plan",
  rows: ({ name: string } & BreakdownFigures)[],
): pl.DataFrame {
  return pl.DataFrame([
    pl.Series(first, rows.map((r) => r.name), pl.Utf8),
    ...BREAKDOWN_COLUMNS.map(({ name, count, of }) => {
      const values = pl.Series(name, rows.map((r) => of(r)), pl.Float64);
      return count ? values.cast(pl.Int64) : values;
    }),
  ]);
}

const TIER_ORDER = ["free", "pro", "team", "growth", "enterprise", "other"];

/**
 * Totals per tier (one row each, known tiers first) and a last row `all` (the totals, made
 * already): one pass over the rows (a filtered copy of the frame per tier added ~300 MB at a
 * million organizations).
 */
export function byTierFrame(
  perOrg: pl.DataFrame,
  { all, margins, revenueRowOf }: {
    all: BreakdownFigures;
    margins: MarginInputs;
    revenueRowOf: Int32Array;
  },
): pl.DataFrame {
  const { index, values } = distinctIndex(perOrg, [pl.col("tier")]);
  const names = (values.getColumn("tier").toArray() as (string | null)[]).map(planNameOrNone);
  // a Stripe customer's organizations in the tier of its revenue row
  const groups = { groupOf: index, groups: names.length, revenueRowOf };
  const tierTotals = groupTotals(perOrg, groups);
  const tierMargins = groupMargins(margins, groups);
  const rank = (name: string) => {
    const at = TIER_ORDER.indexOf(name);
    return at < 0 ? 99 : at;
  };
  // a tier whose every organization counts with its customer's in another tier has no row
  const rows = names.map((name, group) => ({
    name,
    totals: tierTotals[group],
    margin: tierMargins[group],
  }))
    .filter((row) => row.totals.organizations > 0)
    .sort((a, b) => rank(a.name) - rank(b.name) || compareText(a.name, b.name));
  rows.push({ name: "all", ...all });
  return breakdownFrame("tier", rows);
}
