/** Query rows → Polars frames, column-wise (building frames from row objects is slow). */
import pl from "nodejs-polars";

/**
 * How a query column is read: `nanoUsd` is USD × 1e9 as decimal text (ClickHouse UInt64 sums),
 * converted exactly to USD; `int` accepts numbers and the decimal strings drivers use for 64-bit.
 */
export type QueryColumnType = "string" | "int" | "float" | "datetime" | "nanoUsd";
export type QueryColumns = Record<string, QueryColumnType>;

function toInt(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${JSON.stringify(value)}`);
  return n;
}

/** USD from nano-USD text without going through a float above 2^53. */
export function nanoUsdToUsd(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const nano = BigInt(String(value));
  const billion = 1_000_000_000n;
  return Number(nano / billion) + Number(nano % billion) / 1e9;
}

function toDateMs(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const date = value instanceof Date ? value : new Date(String(value));
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${JSON.stringify(value)}`);
  return ms;
}

const READERS: Record<QueryColumnType, (value: unknown) => unknown> = {
  string: (v) => (v === null || v === undefined ? null : String(v)),
  int: toInt,
  float: toInt,
  datetime: toDateMs,
  nanoUsd: nanoUsdToUsd,
};

/** A frame with exactly `columns`, typed, from row objects (pg rows, ClickHouse JSONEachRow). */
export function rowsToFrame(rows: Record<string, unknown>[], columns: QueryColumns): pl.DataFrame {
  const names = Object.keys(columns);
  const arrays: unknown[][] = names.map(() => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < names.length; c++) {
      const name = names[c];
      if (r === 0 && !(name in row)) throw new Error(`query result has no column ${name}`);
      arrays[c][r] = READERS[columns[name]](row[name]);
    }
  }
  return columnsToFrame(Object.fromEntries(names.map((n, i) => [n, arrays[i]])), columns);
}

/** A typed frame from column arrays (values already read: numbers, strings, epoch ms, null). */
export function columnsToFrame(
  arrays: Record<string, unknown[]>,
  columns: QueryColumns,
): pl.DataFrame {
  const series = Object.entries(columns).map(([name, type]) =>
    typedSeries(name, arrays[name], type)
  );
  return pl.DataFrame(series);
}

function typedSeries(name: string, values: unknown[], type: QueryColumnType): pl.Series {
  switch (type) {
    case "string":
      return pl.Series(name, values as (string | null)[], pl.Utf8);
    case "int":
      return pl.Series(name, values as (number | null)[], pl.Float64).cast(pl.Int64);
    case "float":
    case "nanoUsd":
      return pl.Series(name, values as (number | null)[], pl.Float64);
    case "datetime":
      return pl.Series(name, values as (number | null)[], pl.Float64).cast(pl.Int64).cast(
        pl.Datetime("ms"),
      );
  }
}
