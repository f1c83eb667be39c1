/**
 * The history report's Markdown (report.ts builds the report): the company bridge's section, in
 * the brief and the report, and the report's whole Markdown with each month's plan bridge.
 */
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
import { currencyMarkdown } from "./report_currency.ts";
import { gapSentences, periodOf, periodRange, snapshotsSentence } from "./periods.ts";
import { fxUnknownSentence } from "./bridge_fx.ts";
import { zeroMrrSentences } from "./zero_mrr.ts";
import { priceBookSentences } from "./price_books.ts";
import { unmappedHistorySentence } from "./unmapped_history.ts";
import { unratedSentence } from "./unrated_currency.ts";
import { allNamedPlanSentence } from "./plan_label.ts";
import { retentionHeadline, retentionMarkdown } from "./retention.ts";
import { cohortMarkdown } from "./cohorts.ts";
import type { HistoryReport } from "./report.ts";
import type { PassedOverMonth } from "./points.ts";

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
  { files, notes = [], passedOver = [] }: {
    files: string[];
    notes?: string[];
    /** the folder's snapshots not read, per month (points.ts passedOverSnapshots) */
    passedOver?: readonly PassedOverMonth[];
  },
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
    ...passedOverMarkdown(passedOver),
    ...(notes.length > 0
      ? ["## Checks", "", ...notes.map((n) => `- ${escapeMarkdown(n, { maxLength: 1000 })}`), ""]
      : []),
    "## Files",
    "",
    ...files.map((f) => `- ${escapeMarkdown(f)}`),
    "",
  ].join("\n");
}

/**
 * The snapshots the report did not read, each month's named with the one it read instead: a daily
 * export's snapshots of a month are in the folder, and only the latest with revenue is its row.
 */
function passedOverMarkdown(months: readonly PassedOverMonth[]): string[] {
  if (months.length === 0) return [];
  return [
    "## Snapshots not read",
    "",
    "The report reads one snapshot per month, its latest with revenue (an as-of stands for the month of the instant before it); the month's earlier snapshots in the history folder are not read:",
    "",
    ...months.map(({ month, kept, passedOver }) =>
      `- ${month}: read ${escapeMarkdown(kept)}; not read ${
        passedOver.map((name) => escapeMarkdown(name)).join(", ")
      }`
    ),
    "",
  ];
}
