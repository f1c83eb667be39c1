/**
 * Rule 6's open pauses (docs/history.md "The bridge"): whose pause is open at a snapshot, so that
 * its return is `resumed`, not new or reactivation. Per bridge key (a customer: bridge_keys.ts).
 */
import pl from "nodejs-polars";
import { CUSTOMER } from "./bridge_keys.ts";

/**
 * The customers (the `on` keys, not null, once each) whose pause is open at a snapshot: paused at
 * 0 (is_paused, cents 0) there, and paying or with an open pause at the previous snapshot, so that
 * the drop to 0 was booked `paused` (withMovements) and nothing was paid since; at the first
 * snapshot (previous null) every customer paused at 0 (no drop seen). A snapshot where it is
 * not paused at 0 (paying, canceled, no status: a backfill, or missing) closes it.
 */
export function openPauses(
  current: pl.LazyDataFrame,
  { previous, on }: { previous: pl.LazyDataFrame | null; on: string[] },
): pl.LazyDataFrame {
  const keysWhere = (frame: pl.LazyDataFrame, condition: pl.Expr) =>
    frame.filter(condition.and(pl.col(on[0]).isNotNull())).select(...on);
  const pausedAtZero = keysWhere(current, pl.col("is_paused").and(pl.col("cents").eq(0)))
    .unique();
  if (!previous) return pausedAtZero;
  // the previous snapshot's paying customers (nearly all of them) kept where paused at 0 now (a
  // few), then made unique: joined the other way round, and each side made unique first, a
  // million paying customers' keys were hashed twice more (~+200 MB)
  return keysWhere(previous, pl.col("cents").gt(0).or(pl.col("open_pause")))
    .join(pausedAtZero, { on, how: "semi" }).unique();
}

/** `frame` with open_pause: whether its `on` keys are among `open`'s (unique keys). */
export function withOpenPause(
  frame: pl.DataFrame,
  { open, on }: { open: pl.DataFrame; on: string[] },
): pl.DataFrame {
  return frame.join(open.withColumns(pl.lit(true).alias("open_pause")), { on, how: "left" })
    .withColumns(pl.col("open_pause").fillNull(false));
}

/** openPauses of every snapshot of a per-customer long frame but the last: customer, idx. */
export function openPausesOf(long: pl.DataFrame, last: number): pl.DataFrame {
  const opens: pl.DataFrame[] = [];
  let previous: pl.DataFrame | null = null;
  for (let idx = 0; idx < last; idx++) {
    const rows = long.filter(pl.col("idx").eq(idx)).select(CUSTOMER, "cents", "is_paused");
    const open = openPauses(rows.lazy(), { previous: previous?.lazy() ?? null, on: [CUSTOMER] })
      .collectSync();
    opens.push(open.withColumns(pl.lit(idx).cast(pl.Int32).alias("idx")));
    previous = withOpenPause(rows, { open, on: [CUSTOMER] });
  }
  return pl.concat(opens, { how: "vertical" });
}
