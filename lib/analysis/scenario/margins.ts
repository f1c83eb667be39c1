/**
 * The company margin before and after a scenario's prices, on the company cost basis (README,
 * "Which margin?": the one to price on): (MRR + PTB revenue − company_cost_30d) / (MRR + PTB
 * revenue), current MRR against proposed MRR, with each organization's company cost and PTB
 * revenue taken as they are (a scenario changes prices, not usage: SCENARIO_ASSUMPTIONS).
 *
 * It counts the organizations the comparison compares (outcome pays_more, pays_less, unchanged)
 * whose margin is known; a Stripe customer several organizations share is counted or left out as
 * one: its revenue on one row, its organizations' cost summed, as gross_margin_company_pct's
 * per-plan sums count it (lib/economics/margin_sums.ts). Those left out are counted, by cause.
 */
import pl from "nodejs-polars";
import { formatCount, unrecordedCountWords } from "../../report/numbers.ts";
import { doublesOf, doublesOrZeros } from "./pricing_inputs.ts";

/**
 * The columns the margin reads besides the scenario's (SCENARIO_INPUT_COLUMNS): an export of a
 * kit before 2026-12-01's cost model has neither (read as empty: every margin unknown).
 */
export const MARGIN_INPUT_COLUMNS = ["ptb_revenue_30d", "company_cost_30d"] as const;

/**
 * The column that bounds the margin (pass-through requests with no cost recorded): an export from
 * before it reads as none, the margin as before (as the export's headline KPI reads it).
 */
export const MARGIN_BOUND_COLUMN = "ptb_requests_cost_unknown_30d";

/** An organization's part in the margin (MarginInputs.status). */
const NOT_COMPARED = 0;
const COUNTED = 1;
const COST_UNKNOWN = 2;
const PTB_REVENUE_UNKNOWN = 3;

/** What the margin reads of each organization, column-wise, in the frame's row order. */
export interface MarginInputs {
  /** NOT_COMPARED, COUNTED, COST_UNKNOWN or PTB_REVENUE_UNKNOWN (its customer's) */
  status: Uint8Array;
  /** current_mrr (empty on a shared_customer row: 0) + ptb_revenue_30d (empty: 0) */
  currentRevenue: Float64Array;
  /** proposed_mrr + ptb_revenue_30d (empty: 0) */
  proposedRevenue: Float64Array;
  /** company_cost_30d (meaningful where status is COUNTED) */
  cost: Float64Array;
  /**
   * ptb_requests_cost_unknown_30d: pass-through requests with no cost recorded, whose cost the
   * company pays and company_cost_30d lacks (empty, as in an export from before it: 0); the
   * window's own count, on any window (usageOnMonthlyBasis leaves it)
   */
  ptbRequestsCostUnknown: Float64Array;
  /** the data's window in days, which those counts are of */
  windowDays: number;
  /** MARGIN_INPUT_COLUMNS the frame lacks or has empty on every organization */
  emptyColumns: string[];
}

/** The company margin over a set of organizations (all of them, a tier, a plan). */
export interface CompanyMargin {
  /** compared organizations whose company margin is known: the sums below are theirs */
  organizations: number;
  /** compared organizations left out: company_cost_30d empty (theirs or a customer sibling's) */
  costUnknown: number;
  /** compared organizations left out: their customer had PTB cost but PTB revenue was not read */
  ptbRevenueUnknown: number;
  /** Σ current MRR + PTB revenue, USD per month */
  currentRevenueUsd: number;
  /** Σ proposed MRR + PTB revenue */
  proposedRevenueUsd: number;
  /** Σ company_cost_30d, taken as unchanged */
  companyCostUsd: number;
  /**
   * of the organizations counted, those that sent pass-through requests with no cost recorded
   * and how many: their company cost is a lower bound, so both margins are upper bounds
   */
  costUnrecorded: {
    /** the window's own count (windowDays days), not on a 30-day basis */
    requests: number;
    organizations: number;
    windowDays: number;
  };
  /** null when current revenue is not positive */
  currentMarginPct: number | null;
  /** null when proposed revenue is not positive */
  proposedMarginPct: number | null;
  /** proposed − current margin in percentage points; null when either is */
  changePts: number | null;
}

/**
 * Each organization's margin inputs from `frame` (the one priced: usage, cost and PTB revenue on a
 * 30-day basis) and its comparison `perOrg` (the same rows in the same order). `revenueRowOf`:
 * each organization's Stripe customer's revenue row (PricingInputs.revenueRowOf); `windowDays`:
 * the data's window.
 */
export function marginInputs(
  frame: pl.DataFrame,
  { perOrg, revenueRowOf, windowDays }: {
    perOrg: pl.DataFrame;
    revenueRowOf: Int32Array;
    windowDays: number;
  },
): MarginInputs {
  const height = frame.height;
  const emptyColumns = MARGIN_INPUT_COLUMNS.filter((name) =>
    !frame.columns.includes(name) || (height > 0 && frame.getColumn(name).nullCount() === height)
  );
  // NaN marks an empty value
  const read = (name: string) =>
    frame.columns.includes(name)
      ? doublesOf(frame, pl.col(name), { ifNull: NaN })
      : new Float64Array(height).fill(NaN);
  const cost = read("company_cost_30d");
  const ptbRevenue = read("ptb_revenue_30d");
  const ptbCost = doublesOf(frame, pl.col("llm_cost_ptb_30d"));
  const compared = doublesOf(
    perOrg,
    pl.col("outcome").isIn(["pays_more", "pays_less", "unchanged"]),
  );
  const current = doublesOf(perOrg, pl.col("current_mrr"));
  const proposed = doublesOf(perOrg, pl.col("proposed_mrr"));
  // per Stripe customer (at its revenue row): every organization's cost known, PTB cost summed
  const costKnown = new Uint8Array(height).fill(1);
  const customerPtbCost = new Float64Array(height);
  for (let i = 0; i < height; i++) {
    const row = revenueRowOf[i];
    if (Number.isNaN(cost[i])) costKnown[row] = 0;
    customerPtbCost[row] += ptbCost[i];
  }
  const status = new Uint8Array(height);
  const currentRevenue = new Float64Array(height);
  const proposedRevenue = new Float64Array(height);
  for (let i = 0; i < height; i++) {
    const row = revenueRowOf[i];
    // PTB revenue not read counts as 0 only when the customer had no PTB cost (as
    // gross_margin_company_pct); a shared_customer row's is on its revenue row
    status[i] = compared[i] === 0
      ? NOT_COMPARED
      : costKnown[row] === 0
      ? COST_UNKNOWN
      : Number.isNaN(ptbRevenue[row]) && customerPtbCost[row] > 0
      ? PTB_REVENUE_UNKNOWN
      : COUNTED;
    const ptb = Number.isNaN(ptbRevenue[i]) ? 0 : ptbRevenue[i];
    currentRevenue[i] = current[i] + ptb;
    proposedRevenue[i] = proposed[i] + ptb;
  }
  const ptbRequestsCostUnknown = doublesOrZeros(frame, MARGIN_BOUND_COLUMN);
  return {
    status,
    currentRevenue,
    proposedRevenue,
    cost,
    ptbRequestsCostUnknown,
    windowDays,
    emptyColumns,
  };
}

/** (revenue − cost) / revenue × 100; null when revenue is not positive. */
function marginPct(revenue: number, cost: number): number | null {
  return revenue > 0 ? (revenue - cost) / revenue * 100 : null;
}

/**
 * The company margin of each group of organizations (`groupOf`: each row's group), an
 * organization in the group of its revenue row (`revenueRowOf`), as groupTotals counts it.
 */
export function groupMargins(
  inputs: MarginInputs,
  { groupOf, groups, revenueRowOf }: {
    groupOf: Int32Array;
    groups: number;
    revenueRowOf: Int32Array;
  },
): CompanyMargin[] {
  const margins: CompanyMargin[] = Array.from({ length: groups }, () => ({
    organizations: 0,
    costUnknown: 0,
    ptbRevenueUnknown: 0,
    currentRevenueUsd: 0,
    proposedRevenueUsd: 0,
    companyCostUsd: 0,
    costUnrecorded: { requests: 0, organizations: 0, windowDays: inputs.windowDays },
    currentMarginPct: null,
    proposedMarginPct: null,
    changePts: null,
  }));
  const { status } = inputs;
  for (let i = 0; i < status.length; i++) {
    if (status[i] === NOT_COMPARED) continue;
    const m = margins[groupOf[revenueRowOf[i]]];
    if (status[i] === COST_UNKNOWN) m.costUnknown++;
    else if (status[i] === PTB_REVENUE_UNKNOWN) m.ptbRevenueUnknown++;
    else {
      m.organizations++;
      m.currentRevenueUsd += inputs.currentRevenue[i];
      m.proposedRevenueUsd += inputs.proposedRevenue[i];
      m.companyCostUsd += inputs.cost[i];
      const unrecorded = inputs.ptbRequestsCostUnknown[i];
      if (unrecorded > 0) {
        m.costUnrecorded.requests += unrecorded;
        m.costUnrecorded.organizations++;
      }
    }
  }
  for (const m of margins) {
    m.currentMarginPct = marginPct(m.currentRevenueUsd, m.companyCostUsd);
    m.proposedMarginPct = marginPct(m.proposedRevenueUsd, m.companyCostUsd);
    m.changePts = m.currentMarginPct === null || m.proposedMarginPct === null
      ? null
      : m.proposedMarginPct - m.currentMarginPct;
  }
  return margins;
}

/** The company margin over every organization. */
export function totalMargin(inputs: MarginInputs, revenueRowOf: Int32Array): CompanyMargin {
  return groupMargins(inputs, {
    groupOf: new Int32Array(inputs.status.length),
    groups: 1,
    revenueRowOf,
  })[0];
}

// usage of another window is on a 30-day basis here (as the margin's cost), but these counts are
// the window's own (usageOnMonthlyBasis leaves them): said so
const requestsText = ({ requests, windowDays }: CompanyMargin["costUnrecorded"]) =>
  unrecordedCountWords(requests, { windowDays, what: "pass-through request" });
const organizationsText = (n: number) => `${formatCount(n)} organization${n === 1 ? "" : "s"}`;

/**
 * Why the margin is an upper bound, for the summary: the pass-through requests without a cost
 * among the organizations it counts; null when there are none (or the export predates their
 * count: the margin as before, as the export's headline KPI reads it).
 */
export function marginBoundText({ costUnrecorded }: CompanyMargin): string | null {
  const { requests, organizations } = costUnrecorded;
  if (requests === 0) return null;
  return `Both margins are upper bounds: ${requestsText(costUnrecorded)} of ${
    organizationsText(organizations)
  } counted here had no cost recorded (\`ptb_requests_cost_unknown_30d\`: the company pays the provider for them), so their company cost, and the total's, is a lower bound`;
}

/** The same in brief, for stdout ("of N organizations" too where `withOrganizations`); null: none. */
export function marginBoundBrief(
  { costUnrecorded }: CompanyMargin,
  { withOrganizations = false }: { withOrganizations?: boolean } = {},
): string | null {
  const { requests, organizations } = costUnrecorded;
  if (requests === 0) return null;
  return `an upper bound (${requestsText(costUnrecorded)}${
    withOrganizations ? ` of ${organizationsText(organizations)}` : ""
  } had no cost recorded${withOrganizations ? ": ptb_requests_cost_unknown_30d" : ""})`;
}

/** The compared organizations left out of the margin, by cause; null when none is. */
export function marginLeftOutWarning(
  margin: CompanyMargin,
  { emptyColumns }: { emptyColumns: readonly string[] },
): string | null {
  const leftOut = margin.costUnknown + margin.ptbRevenueUnknown;
  if (leftOut === 0) return null;
  const causes = [
    ...(margin.costUnknown > 0
      ? [
        `${formatCount(margin.costUnknown)} whose company cost is unknown (company_cost_30d empty${
          emptyColumns.includes("company_cost_30d")
            ? `; ${
              emptyColumns.join(" and ")
            } empty on every organization: an export of a kit before the cost model of 2026-12-01 has none; export again to price the margin`
            : ""
        })`,
      ]
      : []),
    ...(margin.ptbRevenueUnknown > 0
      ? [
        `${
          formatCount(margin.ptbRevenueUnknown)
        } whose customer had PTB cost but whose PTB revenue was not read (ptb_revenue_30d empty)`,
      ]
      : []),
  ];
  return `${formatCount(leftOut)} of the ${
    formatCount(leftOut + margin.organizations)
  } organizations compared ${leftOut === 1 ? "is" : "are"} left out of the company margin: ${
    causes.join("; ")
  }`;
}
