/**
 * Whether a history snapshot's `plan` column holds the price book's plan versions: since the
 * price book every snapshot has the column, and an organization whose tier no plan of the book
 * matches has it empty (the per-plan table's `(none)`, as describe_dataset and the export count
 * it). A snapshot written before the price book lacks the column, and one imported from an earlier
 * kit version's export has it empty in every row: their plan is the tier. The column, not each
 * row, tells which: a row's empty plan read as its tier put an organization with no plan in its
 * tier's plan (mrr_history's `enterprise` where describe_dataset said `(none)`).
 */
import pl from "nodejs-polars";
import { collectSnapshot, type ScannedSource } from "./snapshot_scan.ts";
import { isLazy } from "./lazy.ts";

/** Rows looked at first: a snapshot with plan versions has them there. */
const FIRST_ROWS = 1000;

const known = new WeakMap<object, boolean | null>();

/**
 * Whether `point` has plan versions (a `plan` with a value in some row); null when it holds no
 * organization (nothing to tell). The first rows tell for a snapshot with plans; only one without
 * is read whole (its `plan` column). Read once per frame.
 */
export function planVersionsOf(point: ScannedSource): boolean | null {
  if (known.has(point.frame)) return known.get(point.frame)!;
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
  let has: boolean | null = true;
  if (counts(frame.head(FIRST_ROWS)).planned === 0) {
    const whole = counts(frame);
    has = whole.rows === 0 ? null : whole.planned > 0;
  }
  known.set(point.frame, has);
  return has;
}
