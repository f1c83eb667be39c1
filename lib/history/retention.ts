/**
 * Revenue retention from the MRR bridge (docs/history.md, "Revenue retention"): of the customers
 * paying at a start snapshot (the bridge's customers: a Stripe customer's organizations summed),
 * how much of their MRR they pay at the end, with expansion (net revenue retention, NRR) and
 * capped at each one's start (gross, GRR), and how many pay nothing at the end (logo churn,
 * churned or paused). New customers, and customers at $0 at the start who come back (reactivation,
 * resumed), are not in it. The end is valued at the start snapshot's FX rates, as the bridge's
 * movements are (bridge_fx.ts): a change of PRICING_FX_RATES retains nothing and loses nothing.
 *
 * Each month's comes from the bridge's sums (a customer paying at both ends moves by expansion or
 * contraction, one paying at the start only by churn or paused): retained = start − churn −
 * paused − contraction + expansion, kept = that without expansion; a plan's from its sums of
 * retained and kept (plan_bridge.ts RETENTION_SUMS: a customer that changed plan counts on the
 * plan it started on). The period's (trailing 12 months) from the two snapshots
 * (retention_period.ts).
 */
import pl from "nodejs-polars";
import { markdownTable } from "../formats/markdown.ts";
import { formatCount, formatPct, UNKNOWN_MARK } from "../report/numbers.ts";
import { centsToUsd, formatCents, percentOfSums, type Row } from "./report_cells.ts";
import type { PeriodRetention, RetentionSpan } from "./retention_period.ts";
import type { HistorySource } from "./history_source.ts";
import { asOfKey, periodOf, type SnapshotPeriod, withPeriodColumns } from "./periods.ts";
import { ALL_PLANS } from "./plan_label.ts";

export interface Retention {
  /** per (idx, month, plan), the company ("(all)") first: RETENTION_COLUMNS */
  monthly: pl.DataFrame;
  period: PeriodRetention;
  /** the as-of key of each bridge idx (the snapshots reported, oldest first) */
  asOfs: string[];
}

/** A retention row's sums: MRR of the customers paying at the start (cents), and customers. */
export const RETENTION_COLUMNS = [
  "start_cents",
  "retained_cents",
  "kept_cents",
  "start_customers",
  "lost_customers",
];

/** Retention per month (company and plans) and over the period, for a report's bridge. */
export function retentionOf(
  { company, plans, period, points }: {
    company: pl.DataFrame;
    plans: pl.DataFrame;
    /** the bridge's (aggregate.ts) */
    period: PeriodRetention;
    points: HistorySource[];
  },
): Retention {
  return {
    monthly: monthlyRetention(company, plans),
    period,
    asOfs: points.map((p) => asOfKey(p.asOf)),
  };
}

const cents = (name: string) => pl.col(`${name}_cents`);

/** Each month's retention from the company and plan bridges (see above), company first. */
export function monthlyRetention(company: pl.DataFrame, plans: pl.DataFrame): pl.DataFrame {
  const kept = cents("start").sub(cents("churn")).sub(cents("paused")).sub(cents("contraction"));
  const lost = pl.col("churn_customers").add(pl.col("paused_customers")).alias("lost_customers");
  const companyRows = company.select(
    "idx",
    "month",
    pl.lit(ALL_PLANS).alias("plan"),
    cents("start").alias("start_cents"),
    kept.add(cents("expansion")).alias("retained_cents"),
    kept.alias("kept_cents"),
    "start_customers",
    lost,
  );
  // a plan no customer paid on at the start retains nothing: no row
  const planRows = plans.filter(cents("start").gt(0)).select(
    "idx",
    "month",
    "plan",
    ...RETENTION_COLUMNS.slice(0, 4),
    lost,
  );
  return pl.concat(
    [
      companyRows.withColumns(pl.lit(0).alias("rank")),
      planRows.withColumns(pl.lit(1).alias("rank")),
    ].map((frame) => frame.withColumns(...RETENTION_COLUMNS.map((n) => pl.col(n).cast(pl.Int64)))),
    {
      how: "vertical",
    },
  ).sort(["idx", "rank", "plan"]).drop("rank");
}

const RATES = [
  percentOfSums({
    part: "retained_cents",
    whole: "start_cents",
    name: "net_revenue_retention_pct",
  }),
  percentOfSums({ part: "kept_cents", whole: "start_cents", name: "gross_revenue_retention_pct" }),
  percentOfSums({ part: "lost_customers", whole: "start_customers", name: "logo_churn_pct" }),
];

/**
 * The period's kind in the CSV: trailing 12 months (month end to month end), else the months
 * stored, fewer, more (none within 12) or from a month to date (retention_period.ts).
 */
const periodKind = (span: RetentionSpan) =>
  span.trailing12 ? "trailing_12_months" : "months_stored";

/**
 * The retention CSV (`…_retention.csv`): each month's rows (period `month`), then the period's
 * (`trailing_12_months` or `months_stored`), company first, amounts in USD.
 */
export function retentionTable(
  { retention, periods }: { retention: Retention; periods: Map<string, SnapshotPeriod> },
): pl.DataFrame {
  const { monthly, period, asOfs } = retention;
  const from = pl.DataFrame([
    pl.Series("idx", asOfs.map((_, idx) => idx), pl.Int32),
    pl.Series("from_as_of", asOfs.map((_, idx) => asOfs[idx - 1] ?? null), pl.Utf8),
  ]);
  const months = withPeriodColumns(
    monthly.withColumns(pl.col("idx").cast(pl.Int32)).join(from, { on: "idx", how: "left" }),
    periods,
  ).withColumns(pl.lit("month").alias("period"));
  const end = periodOf(periods, period.span.toAsOf);
  const whole = period.rows.withColumns(
    pl.lit(periodKind(period.span)).alias("period"),
    pl.lit(end.month).alias("month"),
    pl.lit(end.asOf).alias("as_of"),
    pl.lit(end.monthToDate).alias("month_to_date"),
    pl.lit(period.span.months).cast(pl.Int32).alias("months_covered"),
    pl.lit(period.span.fromAsOf).alias("from_as_of"),
  );
  const columns = [
    "period",
    "month",
    "as_of",
    "month_to_date",
    "months_covered",
    "from_as_of",
    "plan",
  ];
  return pl.concat([
    months.select(...columns, ...RETENTION_COLUMNS),
    whole.select(...columns, ...RETENTION_COLUMNS),
  ], {
    how: "vertical",
  }).withColumns(...RATES).select(
    ...columns,
    centsToUsd("start_cents").alias("start_mrr_usd"),
    centsToUsd("retained_cents").alias("retained_mrr_usd"),
    centsToUsd("kept_cents").alias("kept_mrr_usd"),
    "net_revenue_retention_pct",
    "gross_revenue_retention_pct",
    "start_customers",
    "lost_customers",
    "logo_churn_pct",
  );
}

/**
 * The `history_retention` sheet's line on the `dictionary` sheet: the period as its rows cover it
 * (the span its period rows' from_as_of, as_of and months_covered come from), never "trailing 12
 * months" of fewer months or a gap.
 */
export function retentionSheetAbout(span: RetentionSpan): string {
  const { named, detail } = spanParts(span);
  return `Revenue retention from the history's snapshots, for the company (plan (all)) and per plan the customers paid on at the start: per month (period month) and ${
    span.trailing12 ? "over the " : ""
  }${named} (period ${periodKind(span)}; ${detail}). ${RETENTION_SHEET_TERMS}`;
}

const RETENTION_SHEET_TERMS =
  "Of the customers paying at from_as_of: start_mrr_usd their MRR then, retained_mrr_usd at as_of (at from_as_of's FX rates), kept_mrr_usd each capped at its start; net_revenue_retention_pct = retained ÷ start, gross_revenue_retention_pct = kept ÷ start, logo_churn_pct = lost_customers (paying nothing at as_of: churned or paused) ÷ start_customers. New customers and customers coming back from $0 are left out.";

// as the brief writes every number: 1,100.0 %, 1,200 customers; "–" when not known (of 0)
const pct = (value: unknown) => formatPct(typeof value === "number" ? value : NaN);

/** NRR, GRR and logo churn of a row of sums (RETENTION_COLUMNS), as words. */
function ratesText(row: Row): string {
  const start = Number(row.start_cents), customers = Number(row.start_customers);
  if (start === 0) return "no customer paid at the start";
  const lost = Number(row.lost_customers);
  return `NRR ${pct(Number(row.retained_cents) * 100 / start)}, GRR ${
    pct(Number(row.kept_cents) * 100 / start)
  }, logo churn ${pct(lost * 100 / customers)} (${formatCount(lost)} of ${
    formatCount(customers)
  } customer${customers === 1 ? "" : "s"})`;
}

/**
 * How the period is named, with its as-ofs: `trailing 12 months`, `over the 5 months stored`, or
 * with month ends missing, `over 3 months (…; 2 of 3 month ends stored, as-of 2026-02-01
 * missing)`: months by calendar, not by snapshots.
 */
export function spanText(span: RetentionSpan): string {
  const { named, detail } = spanParts(span);
  return `${named} (${detail})`;
}

/** spanText's name of the period and what goes in its parentheses (as-ofs, month ends missing). */
function spanParts(span: RetentionSpan): { named: string; detail: string } {
  const whole = span.monthToDate ? span.months - 1 : span.months;
  const gaps = span.missingMonthEnds;
  const months = `${whole} month${whole === 1 ? "" : "s"}`;
  const parts = [
    ...(whole > 0 ? [gaps.length > 0 ? months : `the ${months} stored`] : []),
    ...(span.monthToDate ? ["the month to date"] : []),
  ];
  const named = span.trailing12 ? "trailing 12 months" : `over ${parts.join(" and ")}`;
  const missing = gaps.length > 3
    ? `${gaps.length}`
    : `as-of ${gaps.slice(0, -1).join(", ")}${gaps.length > 1 ? " and " : ""}${gaps.at(-1)}`;
  const stored = gaps.length === 0
    ? ""
    : `; ${
      span.monthEnds - gaps.length
    } of ${span.monthEnds} month ends stored, ${missing} missing`;
  const unpaid = span.unpaid.length === 0
    ? ""
    : `; no customer paid at as-of ${span.unpaid[0]}${
      span.unpaid.length > 1 ? ` to ${span.unpaid.at(-1)}` : ""
    } before it`;
  return { named, detail: `as-of ${span.fromAsOf} → ${span.toAsOf}${stored}${unpaid}` };
}

/** The definitions, said once in the report and the brief. */
export const RETENTION_DEFINITION =
  "Of the customers paying at the start (a Stripe customer's organizations summed, as in the bridge): NRR is their MRR at the end ÷ their MRR at the start (expansion in, churn, pauses and contraction out), GRR the same with each capped at its start, logo churn the share paying nothing at the end (churned or paused). New customers and customers coming back from $0 (reactivation, resumed) are not in it; within the trailing period a customer who left and came back counts at its end MRR. Ends are valued at the start snapshot's FX rates (FX impact is neither retained nor lost).";

/** The definitions in a sentence, under the headline. */
const RETENTION_SHORT =
  "Of the customers paying at the start (the bridge's customers), their MRR at the end: NRR with expansion, GRR capped at the start; logo churn: those paying nothing at the end (churned or paused). New and returning customers are left out; ends at the start's FX rates.";

/**
 * The company's month rows: the period's last month (the one its end closes) and those after it,
 * months to date the period leaves out (retention_period.ts retentionEndIdx).
 */
function closedAndToDate(retention: Retention) {
  const company = (retention.monthly.toRecords() as Row[]).filter((r) => r.plan === ALL_PLANS);
  const endAt = company.findIndex((r) => r.month === retention.period.span.toAsOf);
  return {
    closed: endAt === -1 ? company.at(-1) : company[endAt],
    toDate: endAt === -1 ? undefined : company.slice(endAt + 1).at(-1),
  };
}

/**
 * The brief's and report's headline: the period's and its last month's, company; a month to date
 * after them is named as left out (its month is not closed).
 */
export function retentionHeadline(retention: Retention, periods: Map<string, SnapshotPeriod>) {
  const period = retention.period.rows.toRecords()[0] as Row;
  const { closed, toDate } = closedAndToDate(retention);
  const monthLine = closed
    ? ` Last month, ${periodOf(periods, closed.month as string).label}: ${ratesText(closed)}.`
    : "";
  const toDateLine = toDate
    ? ` ${periodOf(periods, toDate.month as string).label}, a month to date, is left out.`
    : "";
  return `**Revenue retention**, ${spanText(retention.period.span)}: ${ratesText(period)}.${
    expansionText(period)
  }${monthLine}${toDateLine} ${RETENTION_SHORT}`;
}

/**
 * How much of the period's NRR its expansion makes, and its largest customer's share: NRR 111 %
 * read as broad growth where one upgrade made 10 of its points. Empty without expansion.
 */
function expansionText(row: Row): string {
  const start = Number(row.start_cents), customers = Number(row.expansion_customers);
  if (start === 0 || customers === 0) return "";
  const points = (cents: number) => formatPct(cents * 100 / start).replace(" %", "");
  const expansion = Number(row.retained_cents) - Number(row.kept_cents);
  const largest = Number(row.largest_expansion_cents);
  const without = pct((Number(row.retained_cents) - largest) * 100 / start);
  if (customers === 1) {
    return ` Expansion: +${formatCents(expansion)}, all from one customer: ${
      points(expansion)
    } points of NRR (${without} without it).`;
  }
  return ` Expansion: +${formatCents(expansion)} from ${formatCount(customers)} customers, ${
    points(expansion)
  } points of NRR; the largest, one customer's +${formatCents(largest)}, is ${
    points(largest)
  } of them (NRR ${without} without it).`;
}

const rowCells = (row: Row) => [
  formatCents(Number(row.start_cents)),
  formatCents(Number(row.retained_cents)),
  formatCents(Number(row.kept_cents)),
  ...[["retained_cents", "start_cents"], ["kept_cents", "start_cents"], [
    "lost_customers",
    "start_customers",
  ]].map(([part, whole]) =>
    Number(row[whole]) === 0 ? UNKNOWN_MARK : pct(Number(row[part]) * 100 / Number(row[whole]))
  ),
  formatCount(Number(row.start_customers)),
  formatCount(Number(row.lost_customers)),
];

const HEADER = [
  "MRR at start",
  "retained (NRR)",
  "kept (GRR)",
  "NRR",
  "GRR",
  "logo churn",
  "customers at start",
  "lost",
];

/** The report's section: the company per month, then per plan over the period and last month. */
export function retentionMarkdown(
  retention: Retention,
  periods: Map<string, SnapshotPeriod>,
): string[] {
  const monthly = retention.monthly.toRecords() as Row[];
  const company = monthly.filter((r) => r.plan === ALL_PLANS);
  // the period's last month, as the headline's (not a month to date after it)
  const { closed } = closedAndToDate(retention);
  const lastPlans = monthly.filter((r) => r.plan !== ALL_PLANS && r.idx === closed?.idx);
  return [
    "## Revenue retention",
    "",
    RETENTION_DEFINITION,
    "",
    markdownTable(
      ["month", "as of", ...HEADER],
      company.map((r) => [
        periodOf(periods, r.month as string).label,
        r.month as string,
        ...rowCells(r),
      ]),
    ),
    "",
    `Per plan at the start, ${spanText(retention.period.span)}:`,
    "",
    markdownTable(
      ["plan", ...HEADER],
      (retention.period.rows.toRecords() as Row[]).map((r) => [r.plan as string, ...rowCells(r)]),
    ),
    "",
    ...(lastPlans.length > 0
      ? [
        `Per plan at the start, ${periodOf(periods, closed!.month as string).label}:`,
        "",
        markdownTable(
          ["plan", ...HEADER],
          lastPlans.map((r) => [r.plan as string, ...rowCells(r)]),
        ),
        "",
      ]
      : []),
  ];
}
