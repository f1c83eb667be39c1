/**
 * A snapshot to report on (an export frame in memory, or a lazy scan of a stored one) and how the
 * history reads it: collected in one engine or the other, a stored file that fails named in one
 * line (or said replaced when another run wrote it again meanwhile: snapshot_scan.ts), and its
 * organizations and unknown MRR counted once per frame.
 */
import pl from "nodejs-polars";
import type { PriceBookId } from "./snapshot.ts";
import type { UnmappedCustomers } from "../revenue/types.ts";
import { IN_MEMORY, isLazy, STREAMING } from "./lazy.ts";
import { collectSnapshot, sourceReplaced } from "./snapshot_scan.ts";
import { cachedMrrStats, type ReadFrom, storeMrrStats } from "./sums_cache.ts";

/** A snapshot to report on: an export frame in memory, or a lazy scan of a stored one. */
export interface HistorySource {
  asOf: Date;
  /** at least org_id, tier, plan, mrr_recurring, mrr, requests_30d, llm_cost_* (HISTORY_COLUMNS) */
  frame: pl.DataFrame | pl.LazyDataFrame;
  /** the stored snapshot a lazy frame scans: named when reading it fails */
  path?: string;
  /** the price book that priced its plans, when known (price_books.ts) */
  priceBook?: PriceBookId;
  /**
   * the FX rates that converted its revenue (USD per unit, by upper-case code), when recorded:
   * the bridge books FX drift between two snapshots with rates as fx_impact (bridge_fx.ts)
   */
  fxRates?: Record<string, number>;
  /**
   * the MRR of Stripe customers no organization maps to at its as-of (zeros: none), when recorded
   * (its sidecar, or this export's revenue); absent: not recorded (unmapped_history.ts)
   */
  unmappedCustomers?: UnmappedCustomers;
}

/** `query` of `source`'s frame, collected (snapshot_scan.ts collectSnapshot). */
export const collectOf = (
  source: HistorySource,
  query: pl.LazyDataFrame,
  options: typeof STREAMING | typeof IN_MEMORY = STREAMING,
): pl.DataFrame => collectSnapshot(source, query, options);

/** The file `source` was read from, for the caches (sums_cache.ts ReadFrom). */
export const readFrom = (source: HistorySource): ReadFrom => ({
  replaced: () => sourceReplaced(source),
});

const mrrCounts = new WeakMap<object, { rows: number; unknown: number }>();

/**
 * An organization's MRR unknown: mrr_recurring empty, and not because its Stripe customer's revenue
 * is on another organization's row (revenue_source shared_customer: $0 here, known), as the brief,
 * compare and the MCP server count it.
 */
function unknownMrrOf(columns: readonly string[]): pl.Expr {
  const empty = pl.col("mrr_recurring").isNull();
  return columns.includes("revenue_source")
    ? empty.and(pl.col("revenue_source").eq(pl.lit("shared_customer")).fillNull(false).not())
    : empty;
}

/** Organizations and organizations with unknown MRR (unknownMrrOf); read once per frame. */
export function mrrStats(source: HistorySource): { rows: number; unknown: number } {
  const known = mrrCounts.get(source.frame);
  if (known) return known;
  // a stored snapshot's are kept in its sidecar once counted (sums_cache.ts)
  let stats = isLazy(source.frame) && source.path ? cachedMrrStats(source.path) : null;
  if (stats) {
    mrrCounts.set(source.frame, stats);
    return stats;
  }
  if (isLazy(source.frame)) {
    const row = collectOf(
      source,
      source.frame.select(
        pl.len().cast(pl.Float64).alias("rows"),
        unknownMrrOf(source.frame.columns).cast(pl.UInt32).sum().cast(pl.Float64).alias("unknown"),
      ),
    ).toRecords()[0];
    stats = { rows: row.rows as number, unknown: row.unknown as number };
    if (source.path) storeMrrStats(source.path, { stats, from: readFrom(source) });
  } else {
    stats = {
      rows: source.frame.height,
      unknown: Number(
        source.frame.select(
          unknownMrrOf(source.frame.columns).cast(pl.UInt32).sum().cast(pl.Float64),
        ).row(0)[0],
      ),
    };
  }
  mrrCounts.set(source.frame, stats);
  return stats;
}
