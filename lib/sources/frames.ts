/** Query rows → Polars frames, column-wise (building frames from row objects is slow). */
import pl from "nodejs-polars";
import { UserError } from "../core/config.ts";
import { someInWords } from "../core/words.ts";
import type { SqlFile, SqlParams } from "./sql.ts";

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

/**
 * Magnitude at which a nano-USD amount stops being a cost: Decimal(38, 0), the type the queries
 * sum in, holds less. NaN, ±inf and values like 1e300 (a Float64 cost column) are refused here.
 */
const NANO_USD_LIMIT = 1e38;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/** USD from nano-USD text without going through a float above 2^53. */
export function nanoUsdToUsd(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const text = String(value).trim();
  if (!DECIMAL_TEXT.test(text)) {
    const n = Number(text);
    if (!Number.isFinite(n) || Math.abs(n) >= NANO_USD_LIMIT) {
      throw new Error(`${JSON.stringify(value)} is not a finite cost`);
    }
    return n / 1e9; // finite exponent form (e.g. 1.5e10 from a Float64 sum): a float already
  }
  const [whole, fraction = ""] = text.split(".");
  if (whole.replace("-", "").length > 38) {
    throw new Error(`${JSON.stringify(value)} is not a finite cost`);
  }
  const nano = BigInt(whole);
  const billion = 1_000_000_000n;
  const sign = text.startsWith("-") ? -1 : 1;
  const part = fraction === "" ? 0 : sign * Number(`0.${fraction}`) / 1e9;
  return Number(nano / billion) + Number(nano % billion) / 1e9 + part;
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

/** What reading a query's result tells besides the frame. */
export interface ResultReadOptions {
  /**
   * Called once with the NaN and ±inf values of the number columns (a Float64 sum over a bad row:
   * a data error), per column, and the rows holding any; they are read as unknown (null). Not
   * called when there are none.
   */
  onNonFinite?: (perColumn: Record<string, number>, rows: number) => void;
  /**
   * Called per datetime column with the rows that held `infinity` or `-infinity` (PostgreSQL's
   * timestamps past every date), read as unknown (null); not called when there are none.
   */
  onInfiniteTimestamps?: (column: string, rows: number) => void;
}

/** How a query's result is read into a frame: the file its errors name, and what to tell. */
export interface FrameReadOptions extends ResultReadOptions {
  /** the query file a bad value's error names (`queries/postgres/organizations.sql`) */
  query?: string;
}

/** A result as rows, with its column names: there even when no row came back. */
export interface QueryTable {
  columns: string[];
  rows: Record<string, unknown>[];
  /**
   * each column's type where the source says, beside `columns`: ClickHouse's `meta` type
   * (`Nullable(UInt64)`), PostgreSQL's builtin type name (`INT8`, `NUMERIC`; the OID otherwise)
   */
  types?: string[];
}

/** How much of a queryTable answer is read. */
export interface QueryTableOptions {
  /**
   * bytes of the answer, as they arrive, past which the read stops (nothing more is held) and the
   * query is stopped on the server: ResultTooLarge. Default: no bound.
   */
  maxBytes?: number;
}

/** A queryTable answer passed its `maxBytes` as it arrived: its read and its query were stopped. */
export class ResultTooLarge extends UserError {
  constructor(readonly file: string, readonly maxBytes: number) {
    super(`${file}: its answer passed ${maxBytes} bytes, so its read and the query were stopped`);
  }
}

/** A source's query file run with its parameters, its result read into a typed frame. */
export type QueryFrame = (
  sql: SqlFile,
  params: SqlParams,
  columns: QueryColumns,
  options?: ResultReadOptions,
) => Promise<pl.DataFrame>;

/**
 * A frame with exactly `columns`, typed, from row objects (pg rows, ClickHouse JSONEachRow). A value
 * that cannot be read is one line naming the query file, the column and the row's org_id.
 */
export function rowsToFrame(
  rows: Record<string, unknown>[],
  columns: QueryColumns,
  { query = "query", ...options }: FrameReadOptions = {},
): pl.DataFrame {
  const names = Object.keys(columns);
  const arrays: unknown[][] = names.map(() => new Array(rows.length));
  const infinite = names.map(() => 0);
  const nonFinite = names.map(() => 0);
  let nonFiniteRows = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let rowNonFinite = false;
    for (let c = 0; c < names.length; c++) {
      const name = names[c];
      if (r === 0 && !(name in row)) {
        throw missingColumn({ query, column: name, returned: Object.keys(row) });
      }
      if (columns[name] === "datetime" && isInfiniteTimestamp(row[name])) {
        arrays[c][r] = null; // unknown, as csvToFrame reads it
        infinite[c]++;
        continue;
      }
      if (NUMBER_TYPES.has(columns[name]) && isNonFinite(row[name])) {
        arrays[c][r] = null; // unknown, counted, as csvToFrame reads it
        nonFinite[c]++;
        rowNonFinite = true;
        continue;
      }
      try {
        arrays[c][r] = READERS[columns[name]](row[name]);
      } catch (error) {
        throw new UserError(
          `${query}: column ${name} of organization ${row.org_id ?? `row ${r + 1}`}: ${
            (error as Error).message
          }; fix the data or the query`,
        );
      }
    }
    if (rowNonFinite) nonFiniteRows++;
  }
  names.forEach((name, c) => {
    if (infinite[c] > 0) options.onInfiniteTimestamps?.(name, infinite[c]);
  });
  if (nonFiniteRows > 0) {
    const perColumn = Object.fromEntries(
      names.flatMap((name, c) => nonFinite[c] > 0 ? [[name, nonFinite[c]]] : []),
    );
    options.onNonFinite?.(perColumn, nonFiniteRows);
  }
  return columnsToFrame(Object.fromEntries(names.map((n, i) => [n, arrays[i]])), columns);
}

/**
 * A database's NaN or ±inf as it writes them, any case, blanks around allowed by the readers:
 * ClickHouse `nan`, `-nan`, `inf`, `-inf`; PostgreSQL `NaN`, `Infinity`, `-Infinity` (a Float64
 * sum over a bad row). Text that overflows a double (1e400) is no such value: it stays refused.
 * One rule for both readers (rowsToFrame here, csvToFrame's Polars expression in columnar.ts).
 */
export const NON_FINITE_TEXT = "[+-]?(nan|inf|infinity)";

/** The column types whose NaN or ±inf is read as unknown and counted (onNonFinite). */
export const NUMBER_TYPES: ReadonlySet<QueryColumnType> = new Set(["int", "float", "nanoUsd"]);

const NON_FINITE = new RegExp(`^\\s*${NON_FINITE_TEXT}\\s*$`, "i");

/** A NaN or ±inf as pg parses a float8 (NaN, ±Infinity) or as text (NON_FINITE_TEXT). */
function isNonFinite(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  return typeof value === "string" && NON_FINITE.test(value);
}

/** PostgreSQL's `infinity` / `-infinity` timestamp, as text or as pg parses it (±Infinity). */
function isInfiniteTimestamp(value: unknown): boolean {
  return value === Infinity || value === -Infinity ||
    (typeof value === "string" && /^\s*-?infinity\s*$/.test(value));
}

export interface MissingColumnOptions {
  /** the query file, as the error names it */
  query: string;
  /** the column it must return and did not */
  column: string;
  /** the columns it did return */
  returned: string[];
}

/**
 * A result without a column its query must return (a replacement query file's other names, a
 * server that is not the database): one line naming the file and the columns it did return, each
 * JSON-quoted and cut to 40 characters, at most 10 named.
 */
export function missingColumn({ query, column, returned }: MissingColumnOptions): UserError {
  const columns = someInWords(returned, {
    shown: 10,
    show: (returnedName) => {
      const chars = [...returnedName];
      return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 39).join("")}…` : returnedName);
    },
  });
  return new UserError(
    `${query} returned no column ${column} (its columns: ${
      columns || "none"
    }); the query must return the columns its header comment lists`,
  );
}

/** How many rows hold a negative value, per nano-USD column (costs are never negative). */
export function negativeCosts(frame: pl.DataFrame, columns: QueryColumns): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, type] of Object.entries(columns)) {
    if (type !== "nanoUsd") continue;
    const negative = Number(frame.getColumn(name).lt(0).cast(pl.UInt32).sum());
    if (negative > 0) counts[name] = negative;
  }
  return counts;
}

/** A typed frame from column arrays (values already read: numbers, strings, epoch ms, null). */
export function columnsToFrame(
  arrays: Record<string, unknown[]>,
  columns: QueryColumns,
): pl.DataFrame {
  const series = Object.entries(columns).map(([name, type]) =>
    typedSeries(name, arrays[name], { type })
  );
  return pl.DataFrame(series);
}

function typedSeries(
  name: string,
  values: unknown[],
  { type }: { type: QueryColumnType },
): pl.Series {
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
