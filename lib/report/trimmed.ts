/**
 * The trimmed CSV's rows (`…_trimmed.csv`, written beside a CSV above the upload size): the
 * export without its long tail, the free organizations that sent no requests in the window and
 * carry no revenue. A row that carries revenue (mrr > 0, PTB credits bought in the window:
 * ptb_revenue_30d > 0, or read from Stripe but not in USD: revenue_source unconverted) stays, whatever its tier: a free organization can be the row its
 * Stripe customer's revenue is on (lib/revenue/shared_customers.ts). So does every organization
 * sharing a Stripe customer with a kept one, so no kept shared_customer row points at a missing
 * revenue row.
 */
import pl from "nodejs-polars";
import { COLUMNS } from "../frame/columns.ts";
import { mrrKnownFlags } from "../revenue/columns.ts";
import { formatCount, formatUsd } from "./numbers.ts";

const CUSTOMER = "stripe_customer_id";
/** trimmedFloorBytes' mask column (not an export column) */
const KEPT = "__trimmed_kept";

/**
 * Who the trimmed file leaves out, `count` of them, for the brief's sentences ("the same columns
 * without …", "left out are …").
 */
export function trimmedLeavesOut(count: number): string {
  const one = count === 1;
  return `the ${formatCount(count)} free ${
    one ? "organization that" : "organizations that"
  } sent no requests in the window, ${
    one ? "carries" : "carry"
  } no revenue (MRR $0 or not fetched, no PTB revenue in the window) and ${
    one ? "shares" : "share"
  } no Stripe customer with an organization the file keeps`;
}

/** Rows kept before customers are looked at: not free-and-idle, or carrying revenue. */
function keptOnTheirOwn(frame: pl.DataFrame): pl.Expr {
  const has = (name: string) => frame.columns.includes(name);
  const idleFree = pl.col("tier").eq(pl.lit("free"))
    .and(pl.col("requests_30d").fillNull(0).eq(0));
  // PTB credits bought in the window are revenue too (an idle free organization may buy them)
  const revenue = (has("mrr") ? pl.col("mrr").gt(0).fillNull(false) : pl.lit(false)).or(
    has("ptb_revenue_30d") ? pl.col("ptb_revenue_30d").gt(0).fillNull(false) : pl.lit(false),
  );
  const unconverted = has("revenue_source")
    ? pl.col("revenue_source").eq(pl.lit("unconverted")).fillNull(false)
    : pl.lit(false);
  return idleFree.not().or(revenue).or(unconverted);
}

/**
 * Rows the trimmed file keeps (null drops the row, as Polars' filter does), for `frame`: only the
 * Stripe customers of the rows left out on their own (few: idle free organizations rarely have
 * one) are looked up among the kept rows' (every kept row's ids hashed cost ~0.2 s at a million).
 */
export function trimmedKeep(frame: pl.DataFrame): pl.Expr {
  let keep = keepOf.get(frame);
  if (!keep) keepOf.set(frame, keep = keepExpr(frame));
  return keep;
}

/**
 * trimmedKeep once per frame: an export reads it for the trimmed file's plan and again for the
 * brief's sentences, each a filter and two unique customer lists over every row (~45 ms of CPU at
 * a million organizations). Frames are not changed in place, so a frame object's rows to keep
 * stay the same.
 */
const keepOf = new WeakMap<pl.DataFrame, pl.Expr>();

function keepExpr(frame: pl.DataFrame): pl.Expr {
  const own = keptOnTheirOwn(frame);
  if (!frame.columns.includes(CUSTOMER)) return own;
  const flagged = frame.select(own.fillNull(false).alias("kept"), pl.col(CUSTOMER))
    .filter(pl.col(CUSTOMER).isNotNull());
  const leftOutCustomers = flagged.filter(pl.col("kept").not())
    .select(pl.col(CUSTOMER).unique()).getColumn(CUSTOMER);
  if (leftOutCustomers.length === 0) return own;
  const keptCustomers = flagged
    .filter(pl.col("kept").and(pl.col(CUSTOMER).isIn(pl.lit(leftOutCustomers))))
    .select(pl.col(CUSTOMER).unique()).getColumn(CUSTOMER);
  if (keptCustomers.length === 0) return own;
  // (as a literal: isIn of a bare Series of the same type is deprecated in Polars)
  return own.or(pl.col(CUSTOMER).isIn(pl.lit(keptCustomers)).fillNull(false));
}

/** The export without its long tail (trimmedKeep). */
export function trimmedExportFrame(frame: pl.DataFrame): pl.DataFrame {
  return frame.filter(trimmedKeep(frame));
}

/** One byte a row, 1 = kept: the CSV writer's subset (lib/formats/csv_files.ts). */
export function trimmedKeepMask(frame: pl.DataFrame): Uint8Array {
  return frame.select(trimmedKeep(frame).fillNull(false).cast(pl.UInt8).alias("keep"))
    .getColumn("keep").toTypedArray() as Uint8Array;
}

/** A trimmed CSV not written: even the fewest bytes it could take are above the upload limit. */
export interface TrimmedAboveLimit {
  /** organizations it would hold */
  rows: number;
  /** organizations it would leave out */
  leftOut: number;
  /** the fewest bytes it could take (trimmedFloorBytes), or its size once written (`measured`) */
  floorBytes: number;
  /** written, it came to floorBytes, above the limit too: removed, not published */
  measured?: boolean;
}

/**
 * The fewest bytes the CSV of `frame`'s rows that `keep` marks (1 = kept) can take, its header
 * aside: per row a byte for each separator and the line end, a byte for each character of its
 * text cells (UTF-8 takes one to four; the writer only adds quotes and formula guards) and a byte
 * for each other cell with a value. Known before the CSV is written, in one pass.
 */
export function trimmedFloorBytes(frame: pl.DataFrame, keep: Uint8Array): number {
  const written = COLUMNS.filter((c) => frame.columns.includes(c.name));
  if (written.length === 0) return 0;
  // sums, not a column of each row's bytes: 46 such columns at once held ~250 MB at a million
  const marked = frame.withColumn(pl.Series(KEPT, keep).cast(pl.Bool));
  const kept = pl.col(KEPT);
  // Counts are sums of masks (a bitmap's bits counted) and only the kept rows' text is measured:
  // each mask cast to Float64 before its sum (8 MB a column at a million) and every row's
  // characters counted made this ~0.29 s of CPU at a million organizations. A null mask bit
  // (a null number) is not counted, as false.
  const cellBytes = (c: (typeof COLUMNS)[number]) =>
    c.type === "string"
      ? pl.col(c.name).cast(pl.Utf8).filter(kept).str.lengths().cast(pl.UInt64)
      : c.type === "number" // (NaN and ±Infinity are written empty, as null is)
      ? pl.col(c.name).cast(pl.Float64).isFinite().and(kept)
      : pl.col(c.name).isNotNull().and(kept);
  const sums = marked.select(
    // a separator or the line end per cell of each kept row
    kept.sum().alias("rows"),
    ...written.map((c, i) => cellBytes(c).sum().alias(`c${i}`)),
  ).row(0) as (number | bigint | null)[];
  const [rows, ...cells] = sums.map((sum) => Number(sum ?? 0));
  return cells.reduce((total, sum) => total + sum, rows * written.length);
}

/** The trimmed file's plan: written through the CSV's own pass, or not at all (and why). */
export interface TrimmedPlan {
  /** the CSV writer's subset (lib/formats/csv_files.ts): the file is written beside the CSV */
  subset?: { path: string; keep: Uint8Array };
  /** not written: it could not be uploaded either */
  aboveLimit?: TrimmedAboveLimit;
}

/**
 * The trimmed CSV's plan for `frame`, its rows marked in one pass: written at `path` as the CSV
 * writer's subset, unless it would leave no organization out (it would be the CSV again) or even
 * its fewest bytes are above `uploadLimitBytes`. A file too large to upload misses what it is for:
 * at a million organizations it held three quarters of them (~180 MB) and took ~0.4 s of the
 * export. (Whether the CSV itself is above the limit is known once it is written: the brief drops
 * a trimmed file it does not need.)
 */
export function trimmedPlan(
  frame: pl.DataFrame,
  { path, uploadLimitBytes }: { path: string; uploadLimitBytes: number },
): TrimmedPlan {
  const keep = trimmedKeepMask(frame);
  const aboveLimit = trimmedAboveLimit(frame, { keep, uploadLimitBytes });
  if (aboveLimit) return { aboveLimit };
  return keep.includes(0) ? { subset: { path, keep } } : {};
}

export interface TrimmedAboveLimitOptions {
  /** 1 for each row the trimmed file keeps (trimmedKeepMask) */
  keep: Uint8Array;
  /** the upload limit the trimmed file must fit under */
  uploadLimitBytes: number;
}

/** `keep`'s file when it leaves an organization out and its fewest bytes are above the limit. */
export function trimmedAboveLimit(
  frame: pl.DataFrame,
  { keep, uploadLimitBytes }: TrimmedAboveLimitOptions,
): TrimmedAboveLimit | undefined {
  let rows = 0;
  for (const kept of keep) rows += kept;
  if (rows === keep.length) return undefined;
  const floorBytes = trimmedFloorBytes(frame, keep);
  return floorBytes > uploadLimitBytes
    ? { rows, leftOut: keep.length - rows, floorBytes }
    : undefined;
}

/** How many organizations the trimmed file keeps (one pass, no copy of the frame). */
export function trimmedRowCount(frame: pl.DataFrame): number {
  const kept = frame.select(
    trimmedKeep(frame).fillNull(false).cast(pl.UInt32).sum().alias("kept"),
  );
  return Number(kept.getColumn("kept").get(0) ?? 0);
}

/**
 * What the trimmed file leaves out: organizations, their seats, their known MRR and how many of
 * them have it (the MRR of none known is unknown, not $0).
 */
export function leftOutOfTrimmed(
  frame: pl.DataFrame,
): { organizations: number; seats: number; mrr: number; mrrKnown: number } {
  // its customer's MRR, as knownMrrRows counts it: a shared_customer row's is on its revenue row,
  // known when that one's is, unknown when it is not (unconverted, unknown to Stripe)
  const out = frame.select(
    trimmedKeep(frame).fillNull(false).not().alias("out"),
    "seats",
    "mrr",
  ).withColumns(mrrKnownFlags(frame, frame).alias("mrr_known")).filter(pl.col("out"));
  const total = (name: string) => Number(out.getColumn(name).sum() ?? 0);
  const mrrKnown = Number(out.getColumn("mrr_known").cast(pl.UInt32).sum() ?? 0);
  return { organizations: out.height, seats: total("seats"), mrr: total("mrr"), mrrKnown };
}

/** The left-out organizations' MRR: known, partly known or unknown. */
export function leftOutMrr(out: ReturnType<typeof leftOutOfTrimmed>): string {
  if (out.mrrKnown === 0) {
    return out.organizations === 1 ? "MRR unknown" : "MRR unknown for all of them";
  }
  const unknown = out.organizations - out.mrrKnown;
  return unknown === 0
    ? `${formatUsd(out.mrr)} known MRR`
    : `${formatUsd(out.mrr)} known MRR, unknown for ${formatCount(unknown)} of them`;
}
