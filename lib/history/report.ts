/**
 * The history report: snapshots → bridge (company and per plan), plan changes and trends, as a
 * dated CSV (`helicone_pricing_history_<last as-of>.csv`, plus `_plan_changes.csv`), a Markdown
 * summary (report_markdown.ts) and charts (SVG + PNG; written by report_files.ts). Also the brief's
 * section and the XLSX `history` sheet.
 */
import pl from "nodejs-polars";
import { UserError } from "../core/config.ts";
export { formatCents, HISTORY_RATIOS_NOTE } from "./report_cells.ts";
export { historyTable, planChangesTable } from "./report_tables.ts";
import { type BridgeCheck, checkBridges, checkCurrencyBridges } from "./bridge_check.ts";
import { bridgeOfSources, bridgeOfSourcesReleasing, type SnapshotBridge } from "./aggregate.ts";
import { type HistorySource, mrrStats } from "./history_source.ts";
import { monthlyPoints, type StoredPoint, withRevenue } from "./points.ts";
export {
  loadHistoryPoints,
  loadMonthlyHistoryPoints,
  monthlyPoints,
  withRevenue,
} from "./points.ts";
import { asOfKey, type SnapshotPeriod, snapshotPeriods } from "./periods.ts";
import { withoutPlanRenames } from "./plan_renames.ts";
import { planVersionsOf } from "./plan_versions.ts";
import { type ZeroMrrRun, zeroMrrSnapshots } from "./zero_mrr.ts";
import { type PriceBookChange, priceBookChanges } from "./price_books.ts";
import { type UnmappedPoint, unmappedPoints } from "./unmapped_history.ts";
import { compareText } from "../core/text_order.ts";
import { type UnratedPoint, unratedPoints } from "./unrated_currency.ts";
import { withPlanChangeLabels, withPlanLabels } from "./plan_label.ts";
import { type Retention, retentionOf } from "./retention.ts";

export interface HistoryReport {
  demo: boolean;
  /** as-of keys of the snapshots (periods.ts's asOfKey), oldest first (the frames' `month`) */
  months: string[];
  /** what each as-of date's row stands for: the month it closes, or that month to date */
  periods: Map<string, SnapshotPeriod>;
  company: pl.DataFrame;
  plans: pl.DataFrame;
  changes: pl.DataFrame;
  /** the bridge per billing currency, in its minor units (bridge_currency.ts) */
  currencies: pl.DataFrame;
  /** ending MRR (cents) per (month, plan) for every snapshot, the baseline included */
  planEnds: pl.DataFrame;
  /** requests and MRR margin after PTB LLM cost per (month, plan), every snapshot, the baseline too */
  planTrends: pl.DataFrame;
  failures: BridgeCheck[];
  /** as-of keys of snapshots left out: no revenue at all (Stripe skipped or failed) */
  skipped: string[];
  /** runs of snapshots with revenue read but recurring MRR 0 after one with some (zero_mrr.ts) */
  zeroMrr: ZeroMrrRun[];
  /** snapshots where some organizations' MRR is unknown (empty): counted as 0 */
  unknownMrr: { month: string; organizations: number }[];
  /** snapshots with customers billed in a currency without an FX rate: in no bridge */
  unrated: UnratedPoint[];
  /**
   * as-of dates of snapshots without plan versions (`plan` missing or empty: written before the
   * price book, or imported from an earlier kit version's export; their plan is the tier), listed
   * only when another snapshot has them; a month between one with and one without renames every
   * paying organization's plan, either way: only tier changes count (plan_renames.ts)
   */
  tierAsPlan: string[];
  /**
   * as-of keys of snapshots where a paying (or paused) customer has no subscription_status
   * (backfilled from invoices: only customers paused now are marked): a pause into one reads as
   * churn, a resume from one as reactivation, unless that pause lasts to now
   */
  withoutStatus: string[];
  /** as-of keys of months where FX drift cannot be told from movements (bridge_fx.ts) */
  fxUnknown: string[];
  /**
   * as-of keys of snapshots whose per-currency amounts are derived from USD (no stored native
   * amounts: written before they were, or imported; aggregate.ts)
   */
  nativeDerived: string[];
  /**
   * snapshots an older kit's live export stored long after their as-of (keep.ts
   * staleStoredExport): today's subscriptions then, not the month end's; backfill replaces them
   */
  staleExports: { month: string; reason: string }[];
  /** consecutive snapshots priced by different price books (price_books.ts) */
  priceBookChanges: PriceBookChange[];
  /**
   * each reported snapshot's MRR of Stripe customers no organization maps to, as its sidecar
   * records it (null: not recorded); in no bridge (unmapped_history.ts)
   */
  unmapped: UnmappedPoint[];
  /** NRR, GRR and logo churn per month and plan, and over the trailing 12 months (retention.ts) */
  retention: Retention;
  /** MRR cohorts by first paid snapshot, all customers and per first plan (cohorts.ts) */
  cohorts: pl.DataFrame;
}

/**
 * The bridge and trends of at least two snapshots, read one at a time (aggregate.ts): in memory
 * at once are one snapshot's narrow columns, two months' paying organizations and aggregates.
 */
export function buildHistoryReport(all: HistorySource[], demo: boolean): HistoryReport {
  return historyReportOf(all, demo, withPlanLabels(bridgeOfSources(reportedPoints(all))));
}

/**
 * buildHistoryReport for large histories (the export, `deno task history report`): each
 * snapshot's frames are let go before the next is read (bridgeOfSourcesReleasing).
 */
export async function loadHistoryReport(
  all: HistorySource[],
  demo: boolean,
): Promise<HistoryReport> {
  return historyReportOf(
    all,
    demo,
    withPlanLabels(await bridgeOfSourcesReleasing(reportedPoints(all))),
  );
}

/** The latest snapshot with revenue of each month; at least two. */
function reportedPoints(all: HistorySource[]): HistorySource[] {
  const points = monthlyPoints(withRevenue(all));
  if (points.length < 2) {
    throw new UserError(
      `a history report needs two snapshots with revenue, got ${points.length} (of ${all.length}; snapshots of exports with Stripe skipped or failed have none)`,
    );
  }
  return points;
}

function historyReportOf(
  all: HistorySource[],
  demo: boolean,
  {
    months,
    company,
    plans,
    changes,
    currencies,
    planEnds,
    planTrends,
    withoutStatus,
    fxUnknown,
    nativeDerived,
    period,
    cohorts,
  }: SnapshotBridge,
): HistoryReport {
  const points = reportedPoints(all);
  const hasPlan = points.map(planVersionsOf);
  // a snapshot with plan versions next to one without, either way: its plan "changes" are the
  // renaming between tier and plan version (an empty snapshot renames nothing)
  const renamedAt = hasPlan.flatMap((has, idx) =>
    idx > 0 && has !== null && hasPlan[idx - 1] !== null && has !== hasPlan[idx - 1] ? [idx] : []
  );
  const anyWithPlan = hasPlan.includes(true);
  return {
    demo,
    months,
    company,
    plans,
    // labelled after the renamings are counted again (from the snapshots' own plan names)
    changes: withPlanChangeLabels(
      renamedAt.length === 0 ? changes : withoutPlanRenames(changes, { points, renamedAt }),
    ),
    currencies,
    planEnds,
    planTrends,
    periods: snapshotPeriods(points.map((p) => p.asOf)),
    failures: [
      ...checkBridges({ company, plans, planEnds }),
      ...checkCurrencyBridges({
        currencies,
        idxs: company.getColumn("idx").toArray() as number[],
      }),
    ],
    skipped: all.filter((p) => !withRevenue([p]).length).map((p) => asOfKey(p.asOf)).sort(),
    zeroMrr: zeroMrrSnapshots({
      planEnds,
      months: points.map((p) => ({ month: asOfKey(p.asOf), rows: mrrStats(p).rows })),
    }),
    unknownMrr: reportedPoints(all)
      .map((p) => ({ month: asOfKey(p.asOf), organizations: mrrStats(p).unknown }))
      .filter((u) => u.organizations > 0)
      .sort((a, b) => compareText(a.month, b.month)),
    unrated: unratedPoints(points),
    tierAsPlan: points.flatMap((p, idx) =>
      hasPlan[idx] === false && anyWithPlan ? [asOfKey(p.asOf)] : []
    ),
    withoutStatus,
    fxUnknown,
    nativeDerived,
    staleExports: (points as StoredPoint[]).flatMap((p) =>
      p.stale ? [{ month: asOfKey(p.asOf), reason: p.stale }] : []
    ),
    priceBookChanges: priceBookChanges(points.map((p, idx) => ({
      month: asOfKey(p.asOf),
      priceBook: p.priceBook,
      plans: hasPlan[idx] ? payingPlans(planEnds, asOfKey(p.asOf)) : null,
    }))),
    unmapped: unmappedPoints(points),
    retention: retentionOf({ company, plans, period, points }),
    cohorts,
  };
}

/** The plans with ending MRR at the snapshot of as-of key `month`. */
function payingPlans(planEnds: pl.DataFrame, month: string): Set<string> {
  const paying = planEnds.filter(pl.col("month").eq(pl.lit(month)).and(pl.col("end_cents").gt(0)));
  return new Set(paying.getColumn("plan").toArray() as string[]);
}
