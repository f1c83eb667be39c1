/**
 * A comparison's totals (lib/analysis/compare.ts): per additive column each file's sum of its
 * known values, and the change like for like. An organization whose value one file does not know
 * (MRR of a customer Stripe did not answer for) is left out of both sides of the change: read as
 * a file total, a value that became unknown is a fall and one that became known a rise, though
 * nothing changed (six organizations' MRR unknown in the new file read as −5.1 %).
 */
import pl from "nodejs-polars";
import { SIBLING_CARRIED_NUMBERS } from "../revenue/columns.ts";
import { cleanDelta, isAdditive, NUMERIC_COLUMNS } from "./compare_rows.ts";

/** The additive numeric columns, whose totals a comparison reports. */
export const ADDITIVE_COLUMNS = NUMERIC_COLUMNS.filter(isAdditive);
export const ADDITIVE_NAMES = ADDITIVE_COLUMNS.map((def) => def.name);

/** Per column: the known values' sum (null when every value is unknown) and the unknown count. */
export type ColumnTotals = Map<string, { total: number | null; unknown: number }>;

/** Per column: the two files' sums over the organizations both know (see likeForLikeSums). */
export type LikeForLike = Map<string, { old: number; new: number }>;

/**
 * The sum of a column's values in the frame's order as JS adds them (`total += value` from 0),
 * unknown values (and those `skip` marks) adding 0. Polars' cumulative sum adds one value after
 * the other from 0, so its last is the same float (its sum() pairs values up: another float).
 * tail(1).sum(), not last(): last() is a view of the whole cumulative sum, whose buffer (8 MB per
 * million organizations) the one-row result kept until V8 collected it.
 */
function runningSum(value: pl.Expr, skip?: pl.Expr): pl.Expr {
  const added = value.cast(pl.Float64).fillNull(0);
  return (skip ? pl.when(skip).then(pl.lit(0).cast(pl.Float64)).otherwise(added) : added)
    .cumSum().tail(1).sum();
}

/**
 * The sums of columns' known values and how many values are unknown, in one select; a column
 * with no known value at all has no total (null), not $0 (an export without Stripe is not one
 * whose MRR fell to nothing). A JS copy of each column cost 8 MB per million organizations.
 */
export function columnTotals(frame: pl.DataFrame, names: readonly string[]): ColumnTotals {
  const sums = frame.select(
    ...names.flatMap((name) => [
      runningSum(pl.col(name)).alias(`total ${name}`),
      pl.col(name).nullCount().alias(`unknown ${name}`),
    ]),
  ).toRecords()[0];
  return new Map(
    names.map((name) => {
      const unknown = Number(sums[`unknown ${name}`]);
      const allUnknown = unknown > 0 && unknown === frame.height;
      return [name, { total: allUnknown ? null : Number(sums[`total ${name}`]), unknown }];
    }),
  );
}

/**
 * The columns whose change needs likeForLikeSums: some value unknown in either file, neither
 * file's values all unknown (then there is no change to give).
 */
export function likeForLikeNeeded(olds: ColumnTotals, news: ColumnTotals): string[] {
  return ADDITIVE_NAMES.filter((name) => {
    const [before, after] = [olds.get(name)!, news.get(name)!];
    return before.total !== null && after.total !== null &&
      (before.unknown > 0 || after.unknown > 0);
  });
}

const CUSTOMER = "stripe_customer_id";
/** An organization's Stripe customer: none where empty. */
const customerId = pl.when(pl.col(CUSTOMER).cast(pl.Utf8).eq(pl.lit("")))
  .then(pl.lit(null).cast(pl.Utf8)).otherwise(pl.col(CUSTOMER).cast(pl.Utf8));

export interface LikeForLikeSumsOptions {
  /** the additive columns summed like for like (likeForLikeNeeded's) */
  names: readonly string[];
}

/**
 * Each file's sum of `names` over the organizations whose value both files know, in the file's
 * order as columnTotals adds: a value is left out where the other file has the organization with
 * that value unknown (an organization only one file has counts from or to 0, a known value, as
 * in the per-organization deltas). Revenue is a Stripe customer's (SIBLING_CARRIED_NUMBERS): it
 * is left out too where the other file has the organization's customer with that value unknown,
 * so a customer's MRR moving to a newer organization as it became known is no rise (nor a fall
 * as it became unknown). `oldFrame` and `newFrame` need org_id and `names`; stripe_customer_id
 * where they have it (compared: comparedRevenue's).
 */
export function likeForLikeSums(
  oldFrame: pl.DataFrame,
  newFrame: pl.DataFrame,
  { names }: LikeForLikeSumsOptions,
): LikeForLike {
  const perCustomer = names.filter((name) => SIBLING_CARRIED_NUMBERS.includes(name));
  const byCustomer = perCustomer.length > 0 &&
    [oldFrame, newFrame].every((frame) => frame.columns.includes(CUSTOMER));
  const unknownIn = (frame: pl.DataFrame) =>
    frame.lazy().select(
      pl.col("org_id"),
      ...names.map((name) => pl.col(name).isNull().alias(`${name} unknown there`)),
    );
  const sums = (frame: pl.DataFrame, other: pl.DataFrame) => {
    const skip = (name: string) => {
      const own = pl.col(`${name} unknown there`).fillNull(false);
      return byCustomer && perCustomer.includes(name)
        ? own.or(pl.col(`${name} customer unknown there`).fillNull(false))
        : own;
    };
    let joined = frame.lazy()
      .select("org_id", ...names, ...(byCustomer ? [customerId.alias(CUSTOMER)] : []))
      .join(unknownIn(other), { on: "org_id", how: "left", maintainOrder: "left" });
    if (byCustomer) {
      joined = joined.join(customersUnknownIn(other, perCustomer), {
        on: CUSTOMER,
        how: "left",
        maintainOrder: "left",
      });
    }
    return joined.select(...names.map((name) => runningSum(pl.col(name), skip(name)).alias(name)))
      .collectSync().toRecords()[0];
  };
  const [before, after] = [sums(oldFrame, newFrame), sums(newFrame, oldFrame)];
  return new Map(
    names.map((name) => [name, { old: Number(before[name]), new: Number(after[name]) }]),
  );
}

/**
 * One row per Stripe customer of `frame` with a value of `names` unknown on one of its
 * organizations' rows (as compared, a shared_customer row's is unknown where its customer's is):
 * `<name> customer unknown there` per column. Only those rows are grouped: few, where any.
 */
function customersUnknownIn(frame: pl.DataFrame, names: readonly string[]): pl.LazyDataFrame {
  const anyUnknown = names.map((name) => pl.col(name).isNull())
    .reduce((some, unknown) => some.or(unknown));
  return frame.lazy()
    .select(customerId.alias(CUSTOMER), ...names)
    .filter(pl.col(CUSTOMER).isNotNull().and(anyUnknown))
    .groupBy(CUSTOMER)
    .agg(
      ...names.map((name) =>
        pl.col(name).isNull().cast(pl.Int8).max().eq(1).alias(`${name} customer unknown there`)
      ),
    );
}

export interface TotalsFrameOptions {
  /** the changes' sums where a value is unknown in either file (likeForLikeSums') */
  likeForLike?: LikeForLike;
}

/**
 * One row per additive numeric column: the two files' totals (known values, in file order),
 * empty where a file's values are all unknown (and then so are the delta and the change); the
 * delta and change_pct like for like where `likeForLike` has the column, else new − old.
 */
export function totalsFrame(
  olds: ColumnTotals,
  news: ColumnTotals,
  { likeForLike = new Map() }: TotalsFrameOptions = {},
): pl.DataFrame {
  const totalRows = ADDITIVE_COLUMNS.map((def) => {
    const before = olds.get(def.name)!;
    const after = news.get(def.name)!;
    const alike = likeForLike.get(def.name);
    const [base, compared] = alike ? [alike.old, alike.new] : [before.total, after.total];
    const delta = before.total === null || after.total === null
      ? null
      : cleanDelta(base!, compared!);
    return {
      column: def.name,
      unit: def.unit,
      old: before.total,
      new: after.total,
      delta,
      changePct: delta === null || base === 0 ? null : delta / base! * 100,
      unknownOld: before.unknown,
      unknownNew: after.unknown,
    };
  });
  const column = <K extends keyof typeof totalRows[number]>(key: K) => totalRows.map((t) => t[key]);
  return pl.DataFrame([
    pl.Series("column", column("column"), pl.Utf8),
    pl.Series("unit", column("unit"), pl.Utf8),
    pl.Series("old_total", column("old"), pl.Float64),
    pl.Series("new_total", column("new"), pl.Float64),
    pl.Series("delta", column("delta"), pl.Float64),
    pl.Series("change_pct", column("changePct"), pl.Float64),
    pl.Series("unknown_old", column("unknownOld"), pl.Float64).cast(pl.Int64),
    pl.Series("unknown_new", column("unknownNew"), pl.Float64).cast(pl.Int64),
  ]);
}
