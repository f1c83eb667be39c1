/**
 * The history report: snapshots → bridge (company and per plan), plan changes and trends, as a
 * dated CSV (`helicone_pricing_history_<last as-of>.csv`, plus `_plan_changes.csv`), a Markdown
 * summary and charts (SVG + PNG; written by report_files.ts). Also the brief's section and the XLSX
 * `history` sheet.
 */
import pl from "nodejs-polars";
import { UserError } from "../core/config.ts";
import { escapeMarkdown, markdownTable } from "../formats/markdown.ts";
import {
  anyFxImpact,
  bridgeCells,
  bridgeHeader,
  customerCountsMarkdown,
  HISTORY_RATIOS_NOTE,
  planChangesMarkdown,
  type Row,
} from "./report_cells.ts";
export { formatCents, HISTORY_RATIOS_NOTE } from "./report_cells.ts";
import { collectSnapshot } from "./snapshot_scan.ts";
export { historyTable, planChangesTable } from "./report_tables.ts";
import { type BridgeCheck, checkBridges, checkCurrencyBridges } from "./bridge_check.ts";
import { currencyMarkdown } from "./report_currency.ts";
import { bridgeOfSources, bridgeOfSourcesReleasing, type SnapshotBridge } from "./aggregate.ts";
import { type HistorySource, mrrStats } from "./history_source.ts";
import { isLazy } from "./lazy.ts";
import { monthlyPoints, type StoredPoint, withRevenue } from "./points.ts";
export {
  loadHistoryPoints,
  loadMonthlyHistoryPoints,
  monthlyPoints,
  withRevenue,
} from "./points.ts";
import {
  asOfKey,
  gapSentences,
  periodOf,
  periodRange,
  type SnapshotPeriod,
  snapshotPeriods,
  snapshotsSentence,
} from "./periods.ts";
import { withoutPlanRenames } from "./plan_renames.ts";
import { fxUnknownSentence } from "./bridge_fx.ts";
import { type ZeroMrrRun, zeroMrrSentences, zeroMrrSnapshots } from "./zero_mrr.ts";
import { type PriceBookChange, priceBookChanges, priceBookSentences } from "./price_books.ts";
import { unmappedHistorySentence, type UnmappedPoint, unmappedPoints } from "./unmapped_history.ts";
import { compareText } from "../core/text_order.ts";
import { type UnratedPoint, unratedPoints, unratedSentence } from "./unrated_currency.ts";
import { allNamedPlanSentence, withPlanChangeLabels, withPlanLabels } from "./plan_label.ts";
import { type Retention, retentionHeadline, retentionMarkdown, retentionOf } from "./retention.ts";
import { cohortMarkdown } from "./cohorts.ts";

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

/**
 * Whether a snapshot has plan versions: a `plan` with a value (since the price book every
 * organization has a plan; a snapshot written before it, or imported from an earlier kit
 * version's export, has the column missing or empty: its plan is the tier); null when it holds no
 * organization (nothing to rename). The first rows tell for a snapshot with plans; only one
 * without is read whole (its `plan` column).
 */
function hasPlanVersions(point: HistorySource): boolean | null {
  const frame = isLazy(point.frame) ? point.frame : point.frame.lazy();
  const planned = frame.columns.includes("plan")
    ? pl.col("plan").isNotNull().cast(pl.Int64).sum()
    : pl.lit(0).cast(pl.Int64);
  const counts = (part: pl.LazyDataFrame) => {
    const row = collectSnapshot(
      point,
      part.select(planned.alias("planned"), pl.len().alias("rows")),
    ).toRecords()[0] as { planned: number | bigint; rows: number | bigint };
    return { planned: Number(row.planned ?? 0), rows: Number(row.rows) };
  };
  if (counts(frame.head(1000)).planned > 0) return true;
  const whole = counts(frame);
  return whole.rows === 0 ? null : whole.planned > 0;
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
  const hasPlan = points.map(hasPlanVersions);
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

/** The reconciliation sentence, or the failures. */
export function reconciliationText(report: HistoryReport): string {
  const planRows = report.plans.height;
  return report.failures.length === 0
    ? `Every month's bridge reconciles to the cent: start + new + expansion + reactivation + resumed − contraction − churn − paused + FX impact = end (the tables show each loss, contraction, churn, paused and a plan's moved out, with its minus sign, so a row's cells add up to its end as shown), start = the previous end, for the company (${report.company.height} month${
      report.company.height === 1 ? "" : "s"
    }) and ${planRows} plan rows (with moved in/out), and plan ends sum to the company end.`
    : `**The bridge does not reconcile** in ${report.failures.length} place(s): ${
      report.failures.slice(0, 5).map((f) =>
        `${f.month}${f.plan === null ? "" : ` ${escapeMarkdown(f.plan)}`}: ${f.problem}`
      ).join("; ")
    }.`;
}

/** The company bridge table and plan changes: the brief's history section and the report's core. */
export function historySection(report: HistoryReport, heading = "##"): string {
  const company = report.company.toRecords() as Row[];
  const period = (asOf: string) => periodOf(report.periods, asOf);
  const rowPeriods = company.map((r) => period(r.month as string));
  const changes = report.changes.toRecords() as Row[];
  const fx = anyFxImpact(report.company, report.plans);
  return [
    `${heading} MRR history ${periodRange(rowPeriods)}`,
    "",
    `${
      snapshotsSentence(report.months, report.periods)
    } Recurring MRR (mrr_recurring), movements by customer-month (revenue-rules.md rules 1–3: a Stripe customer's organizations summed, an organization without one on its own); a paying customer at 0 with a paused subscription is *paused*, not churn, and pays again as *resumed*, not reactivation (rule 6). A customer billed in another currency than USD has its end valued at the start snapshot's FX rate for its movement, and the drift from a rate change booked as *FX impact*, never expansion or contraction (rule 7; a column when a month has one). ${
      reconciliationText(report)
    }`,
    "",
    HISTORY_RATIOS_NOTE,
    "",
    ...gapSentences(report.months, report.periods).flatMap((line) => [line, ""]),
    markdownTable(
      ["month", "as of", ...bridgeHeader({ moves: false, fx })],
      company.map((r, i) => [
        rowPeriods[i].label,
        r.month as string,
        ...bridgeCells(r, { moves: false, fx }),
      ]),
    ),
    "",
    ...customerCountsMarkdown(company, rowPeriods.map((p) => p.label)),
    retentionHeadline(report.retention, report.periods),
    "",
    ...(report.skipped.length > 0
      ? [
        `Left out (no revenue: Stripe skipped or failed in that export): as-of ${
          report.skipped.join(", ")
        }.`,
        "",
      ]
      : []),
    ...(report.unknownMrr.length > 0
      ? [
        `Organizations with unknown MRR, counted as 0 (a paying one reads as churn, then reactivation): ${
          report.unknownMrr.map((u) => `as-of ${u.month}: ${u.organizations}`).join(", ")
        }.`,
        "",
      ]
      : []),
    ...[
      unratedSentence(report.unrated),
      unmappedHistorySentence(report.unmapped),
      allNamedPlanSentence(report.plans),
    ].flatMap((line) => line ? [line, ""] : []),
    ...(report.withoutStatus.length > 0
      ? [
        `Snapshots whose paying customers have no \`subscription_status\` (backfilled from invoices, which mark only the customers paused now, from the end of their last paid period): as-of ${
          report.withoutStatus.join(", ")
        }. A pause is told from churn by that status, so a pause into one of them that has ended since reads as churn, and its resume as reactivation.`,
        "",
      ]
      : []),
    ...zeroMrrSentences(report.zeroMrr).flatMap((line) => [line, ""]),
    ...fxUnknownSentence(report.fxUnknown).flatMap((line) => [line, ""]),
    ...report.staleExports.flatMap(({ month, reason }) => [
      `Snapshot as-of ${month} was stored by an older kit's export: ${reason}. It is used as that month end; \`deno task history backfill\` replaces it (MRR from Stripe invoices at the month end).`,
      "",
    ]),
    ...(report.tierAsPlan.length > 0
      ? [
        `Snapshots without plan versions (no \`plan\`: written before the price book, or imported from an earlier kit version's export), whose plan is the tier: as-of ${
          report.tierAsPlan.join(", ")
        }. The plan bridge moves every paying organization from its tier to its plan version in the month from one of them to a snapshot with plan versions (and back in the month into one of them); that renaming is not counted as plan changes (a change of tier is).`,
        "",
      ]
      : []),
    ...priceBookSentences(report.priceBookChanges, (asOf) => period(asOf).label)
      .flatMap((line) => [line, ""]),
    ...planChangesMarkdown(changes, period),
  ].join("\n");
}

/** The report's Markdown: the section, then each month's plan bridge. */
export function historyMarkdown(
  report: HistoryReport,
  { files, notes = [] }: { files: string[]; notes?: string[] },
): string {
  const plans = report.plans.toRecords() as Row[];
  const fx = anyFxImpact(report.company, report.plans);
  const byMonth = new Map<string, Row[]>();
  for (const row of plans) {
    const month = row.month as string;
    byMonth.set(month, [...(byMonth.get(month) ?? []), row]);
  }
  return [
    `# pricing-kit history${report.demo ? " (demo data)" : ""}`,
    "",
    historySection(report),
    "",
    ...retentionMarkdown(report.retention, report.periods),
    ...cohortMarkdown(report.cohorts, report.periods),
    "## Per plan",
    "",
    "A paying customer (a Stripe customer, or an organization without one) that changed plan is moved out of the old plan at its start MRR and moved into the new one at its end MRR; every other movement is counted on its plan (churn and paused on the one it paid on, new, reactivation and resumed on the one it pays on: a plan changed while paused is no plan change). The plan is the `plan` column (the priced plan version) where a snapshot has it, else `tier`; an organization whose Stripe customer's revenue is on another organization's row (`shared_customer`) counts in that organization's plan, as the brief's per-plan table counts it.",
    ...[...byMonth].flatMap(([month, rows]) => [
      "",
      `### ${periodOf(report.periods, month).label} (as-of ${month})`,
      "",
      markdownTable(
        ["plan", ...bridgeHeader({ moves: true, fx })],
        rows.map((r) => [r.plan as string, ...bridgeCells(r, { moves: true, fx })]),
      ),
    ]),
    "",
    ...currencyMarkdown(report),
    ...(notes.length > 0
      ? ["## Checks", "", ...notes.map((n) => `- ${escapeMarkdown(n, { maxLength: 1000 })}`), ""]
      : []),
    "## Files",
    "",
    ...files.map((f) => `- ${escapeMarkdown(f)}`),
    "",
  ].join("\n");
}
