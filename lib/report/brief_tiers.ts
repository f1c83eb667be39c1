/**
 * The brief's By tier table (tierSection): each tier's figures from one group-by over the export
 * frame, and the organizations sharing a Stripe customer its note counts apart
 * (sharedCustomerRows).
 */
import pl from "nodejs-polars";
import { planNameOrNone } from "../core/no_plan.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { markdownTable } from "../formats/markdown.ts";
import { formatCount, formatUsd } from "./numbers.ts";
import { mrrKnownFlags, revenueOnSibling } from "../revenue/columns.ts";
import { withCustomerLosses } from "../economics/customer_margins.ts";
import {
  type BriefSectionOptions,
  countOfKnownMrr,
  countWhere,
  customerMrrKnown,
  formatFigure,
  known,
  knownSumOf,
  negativeCustomerMargin,
  partialFigure,
  quantileOf,
  sumOf,
} from "./brief_figures.ts";

/**
 * By tier; `withLosses` as for totalsSection. Every tier's figures come out of one group-by: a
 * tier's rows copied out one tier at a time cost ~0.2 s at a million organizations, with a
 * collection after each so the copies never added up (~75 MB).
 */
export function tierSection(
  frame: pl.DataFrame,
  { windowDays = MONTH_DAYS, withLosses = withCustomerLosses(frame, windowDays) }:
    BriefSectionOptions = {},
): string {
  // its customer's MRR, as knownMrrRows counts it: a shared_customer row's is known when its
  // revenue row's is, unknown when that one's is (unconverted, unknown to Stripe)
  const byTier = tierFigures(
    // (withLosses is `frame` with two flags, its rows in its order: the flags of `frame`, worked
    // out once for the brief, its chart and trimmed file's sentence)
    withLosses.withColumns(mrrKnownFlags(frame, frame).alias(TIER_MRR_KNOWN)),
  );
  const rows = tierOrder([...byTier.keys()]).map((tier) => tierRow(tier, byTier.get(tier)!));
  return tierTable(rows, windowDays);
}

/**
 * Organizations sharing a Stripe customer whose revenue another organization's row carries
 * (shared_customer), and of them those whose revenue row's MRR is unknown (unconverted, unknown to
 * Stripe): By tier counts the latter in `unknown mrr` (its note says so when there are any), Totals
 * on the shared_customer line; with none shared, the brief says nothing of shared customers.
 */
export function sharedCustomerRows(
  frame: pl.DataFrame,
): { onSibling: number; ofUnknownMrr: number } {
  const flagged = frame.select(revenueOnSibling(frame).alias("on_sibling"))
    .withColumns(mrrKnownFlags(frame, frame).alias(TIER_MRR_KNOWN));
  const counts = flagged.select(
    pl.col("on_sibling").cast(pl.Int32).sum().alias("on_sibling"),
    pl.col("on_sibling").and(pl.col(TIER_MRR_KNOWN).not()).cast(pl.Int32).sum().alias("unknown"),
  );
  return {
    onSibling: Number(counts.getColumn("on_sibling").get(0) ?? 0),
    ofUnknownMrr: Number(counts.getColumn("unknown").get(0) ?? 0),
  };
}

/** tierFigures' flag column: the row's MRR is known (mrrKnownFlags). */
const TIER_MRR_KNOWN = "_tier_mrr_known";

/**
 * Each tier's figures ("(none)" for organizations without one, a tier so named "(none) plan":
 * planNameOrNone), from one group-by.
 */
function tierFigures(withLosses: pl.DataFrame): Map<string, Record<string, number | null>> {
  const exprs: Record<string, pl.Expr> = {
    organizations: pl.len(),
    seats: sumOf("seats"),
    requests: sumOf("requests_30d"),
    medianRequests: quantileOf("requests_30d", 0.5),
    cost: sumOf("llm_cost_30d"),
    mrr: knownSumOf("mrr"),
    mrrUnknown: countWhere(pl.col(TIER_MRR_KNOWN).not()),
    paying: countWhere(pl.col("mrr").gt(0)),
    negative: negativeCustomerMargin(),
    ptb: countWhere(pl.col("is_ptb")),
    mrrKnown: known("mrr"),
    customerMrrKnown: customerMrrKnown(),
    requestsKnown: known("requests_30d"),
    costKnown: known("llm_cost_30d"),
  };
  const table = withLosses.groupBy("tier")
    .agg(...Object.entries(exprs).map(([name, e]) => e.alias(name)));
  const tiers = table.getColumn("tier").toArray() as (string | null)[];
  const columns = Object.keys(exprs).map((name) => table.getColumn(name).toArray());
  return new Map(tiers.map((tier, row) => [
    planNameOrNone(tier),
    Object.fromEntries(
      Object.keys(exprs).map((name, i) => {
        const value = columns[i][row];
        return [name, value === null || value === undefined ? null : Number(value)];
      }),
    ),
  ]));
}

function tierRow(tier: string, f: Record<string, number | null>): string[] {
  // a tier's sum (and median) over unknowns (NaN or infinite) says of how many it is
  const of = f.organizations!;
  return [
    tier,
    formatCount(of),
    formatCount(f.seats!),
    partialFigure(formatCount(f.requests!), { known: f.requestsKnown!, of }),
    partialFigure(formatFigure(f.medianRequests, "count"), { known: f.requestsKnown!, of }),
    partialFigure(formatUsd(f.cost!), { known: f.costKnown!, of }),
    formatFigure(f.mrr, "USD"),
    formatCount(f.mrrUnknown!),
    countOfKnownMrr(f.paying, f.mrrKnown),
    // (a shared_customer organization's is its customer's: known in a tier of none known)
    countOfKnownMrr(f.negative, f.customerMrrKnown),
    formatCount(f.ptb!),
  ];
}

/** The tiers' table; its window columns' headers say the window's length when it is not 30 days. */
function tierTable(rows: string[][], windowDays: number): string {
  const windowColumn = (label: string) =>
    windowDays === MONTH_DAYS ? label : `${label} (${windowDays} days)`;
  return markdownTable(
    [
      "tier",
      "organizations",
      "seats",
      windowColumn("requests_30d"),
      windowColumn("median requests_30d"),
      windowColumn("llm_cost_30d"),
      "mrr",
      "unknown mrr",
      "paying (mrr > 0, of known mrr)",
      "negative margin (organizations of loss-making customers, spec basis, of known mrr)",
      // a count, not the column's true/false flag
      "PTB organizations (is_ptb, all-time spend)",
    ],
    rows,
  );
}

/** Tiers in a stable order: the known families first, then anything else alphabetically. */
function tierOrder(tiers: string[]): string[] {
  const known = ["free", "pro", "team", "growth", "enterprise", "other"];
  const present = new Set(tiers);
  return [
    ...known.filter((t) => present.has(t)),
    ...[...present].filter((t) => !known.includes(t)).sort(),
  ];
}
