/**
 * What the brief's statistics sections (brief_sections.ts, brief_tiers.ts,
 * brief_distributions.ts) are made of: Polars expressions over the export frame, one row of named
 * figures out of them, and the figures' text.
 */
import pl from "nodejs-polars";
import { partialSumWords } from "../core/words.ts";
import { formatCount, formatPct, formatUsd } from "./numbers.ts";
import { isUnknownNumber, plainNumber, UNKNOWN_MARK } from "../core/signs.ts";
import { mrrUnknown } from "../revenue/columns.ts";
import { CUSTOMER_LOSS_COLUMNS } from "../economics/customer_margins.ts";

// ── formatting ──────────────────────────────────────────────────────────────────────────────

export function formatFigure(value: number | null, unit: string): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  if (unit.startsWith("USD")) return formatUsd(value);
  if (unit === "percent") return formatPct(value);
  return plainNumber(value, { digits: 1, trimZeros: true });
}

// ── statistics ──────────────────────────────────────────────────────────────────────────────
// Every figure is a Polars expression evaluated in one select per section: at 1M organizations the
// columns never become JS arrays (they were 3 GB at peak when they did).

export const num = (name: string) => pl.col(name).cast(pl.Float64);
/** Sum of the non-null values (0 when there are none). */
export const sumOf = (name: string) => num(name).sum().fillNull(0);
/** Sum of the non-null values; null when none is known (a sum of unknowns is not $0). */
export const knownSumOf = (name: string) =>
  pl.when(pl.col(name).isNotNull().cast(pl.Int32).sum().gt(0)).then(num(name).sum())
    .otherwise(pl.lit(null));
/** Non-null values. */
export const known = (name: string) => pl.col(name).isNotNull().cast(pl.Float64).sum();
/** Rows where the condition holds (null counts as no). */
export const countWhere = (condition: pl.Expr) => condition.fillNull(false).cast(pl.Float64).sum();
/**
 * Empty mrr that is unknown: a row whose revenue another organization's row carries is not. (Totals
 * counts such rows apart, so its known, shared and unknown counts add up to every organization.)
 */
export const unknownMrr = (frame: pl.DataFrame) => countWhere(mrrUnknown(frame));
export const quantileOf = (name: string, q: number) => num(name).dropNulls().quantile(q, "linear");
/**
 * A column's known values, sorted: its quantiles in one select share the sort (Polars computes a
 * common subexpression once), where each quantile of the unsorted values selected in a copy of
 * its own (the section at a million organizations: 118–144 → 98–122 ms of CPU, the same values
 * and text).
 */
export const sortedKnown = (values: pl.Expr) => values.dropNulls().sort();

/**
 * A sum (or median) over a column with unknowns (NaN or infinite from a query) says it is a
 * partial one: "$5.85 over 4 of 5 organizations; 1 unknown (NaN or infinite)"; as it is otherwise.
 */
export function partialFigure(value: string, { known, of }: { known: number; of: number }): string {
  const words = partialSumWords({ known, unknown: of - known });
  return words === "" ? value : `${value} ${words}`;
}

/** A count over MRR: "–" when no MRR is known (Stripe skipped), a count of unknowns is not 0. */
export function countOfKnownMrr(count: number | null, mrrKnown: number | null): string {
  return mrrKnown ? formatCount(count!) : "–";
}

/** One row of named figures from `exprs`; null where Polars has no value. */
export function figures(
  frame: pl.DataFrame,
  exprs: Record<string, pl.Expr>,
): Record<string, number | null> {
  const row = frame.select(...Object.entries(exprs).map(([name, e]) => e.alias(name)));
  return Object.fromEntries(
    row.columns.map((name) => {
      const value = row.getColumn(name).get(0);
      return [name, value === null || value === undefined ? null : Number(value)];
    }),
  );
}

/** Organizations whose Stripe customer loses money, spec basis (null counts as no). */
export const negativeCustomerMargin = () => countWhere(pl.col(CUSTOMER_LOSS_COLUMNS.spec));
/** Organizations whose customer's MRR is known: the negative-margin count's "of those". */
export const customerMrrKnown = () => known(CUSTOMER_LOSS_COLUMNS.spec);

/** What Totals and By tier read besides the frame. */
export interface BriefSectionOptions {
  /** the export's window in days (30 unless given) */
  windowDays?: number;
  /** `frame` with CUSTOMER_LOSS_COLUMNS, worked out once for both sections */
  withLosses?: pl.DataFrame;
}
