/**
 * Query results as CSV (PostgreSQL `COPY … TO STDOUT WITH CSV HEADER`, ClickHouse
 * `CSVWithNames`, spooled to a file) straight into Polars, typed by Polars: no JS object per row.
 * Integer and float columns, and nano-USD costs as whole numbers, are parsed by the CSV reader
 * itself (no text copy of them); the other columns are read as text and typed by Polars
 * expressions. When the typed read fails or finds a
 * value that is not of its type, the file is read again with every column as text, which names
 * the bad value. The conversions and checks are those of rowsToFrame (lib/sources/frames.ts),
 * value for value: nano-USD text to USD exactly as nanoUsdToUsd does it (whole part and the last
 * nine digits apart), text that is no number and costs past Decimal(38, 0) refused naming the
 * query, the column and the organization; a database's NaN or ±inf (a Float64 sum over a bad row)
 * read as unknown (null) and counted (ResultReadOptions.onNonFinite), a data error the export says.
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { UserError } from "../core/config.ts";
import {
  type FrameReadOptions,
  missingColumn,
  NON_FINITE_TEXT,
  NUMBER_TYPES,
  type QueryColumns,
  type QueryColumnType,
  type ResultReadOptions,
} from "./frames.ts";

/** A cost at or past this magnitude (nano-USD) is not a cost: Decimal(38, 0) holds less. */
const NANO_USD_LIMIT = 1e38;

interface Typed {
  /** the typed value */
  value: pl.Expr;
  /** true where the text is present but not a valid value of the type */
  bad: pl.Expr;
  /** the message for a bad value */
  message: (raw: string) => string;
  /**
   * columns `value` and `bad` both read, added before them (withPrepared): an eager select
   * evaluates a shared expression once per use, and a million timestamps took ~0.2 s to parse
   */
  prepare?: pl.Expr[];
}

/** `raw` with the columns the conversions prepare (Typed.prepare). */
function withPrepared(
  raw: pl.DataFrame,
  conversions: (readonly [string, Pick<Typed, "value" | "prepare">])[],
): pl.DataFrame {
  const prepare = conversions.flatMap(([, t]) => t.prepare ?? []);
  return prepare.length > 0 ? raw.withColumns(...prepare) : raw;
}

/** How PostgreSQL's COPY writes a timestamptz in UTC, less its "+00" (a zero fraction left out). */
const TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S%.f";

/**
 * `text` parsed in COPY's own form: the format holds COPY's "+00" as literal text, so no regular
 * expression removes it first (a million timestamps 0.34 → 0.26 s of CPU;
 * docs/performance_history.md, stop 50). Polars' search is still the non-exact one
 * (nodejs-polars' strptime asks for no other), but text without the "+00" (another offset, a
 * `timestamp` without a zone) is no match and null here: csvToFrame then reads the file the
 * tolerant way.
 */
function copyTimestamp(text: pl.Expr): pl.Expr {
  return text.str.strptime(pl.Datetime("ms"), `${TIMESTAMP_FORMAT}+00`);
}

/**
 * How a text column becomes its type. "copy" (csvToFrame's first read) parses timestamps only
 * with COPY's "+00"; "tolerant" (the text path, the one that names a bad value) also takes what
 * Polars' search finds in the text without it, as the kit always has.
 */
type ParseMode = "copy" | "tolerant";

function typed(
  name: string,
  type: QueryColumnType,
  { mode = "tolerant" }: { mode?: ParseMode } = {},
): Typed {
  const text = pl.col(name);
  const present = text.isNotNull().and(text.neq(pl.lit("")));
  switch (type) {
    case "string":
      return { value: text, bad: pl.lit(false), message: () => "" };
    case "int":
    case "float": {
      // Blanks around a number are allowed, as Number() and the CSV reader's parse allow them.
      const n = text.str.strip().cast(pl.Float64, false);
      // an engine's NaN or ±inf: a data error, read as unknown and counted (tellNonFinite)
      const nonFinite = nonFiniteNumber(name);
      const known = pl.when(nonFinite).then(pl.lit(null).cast(pl.Float64)).otherwise(n);
      return {
        value: type === "int" ? known.cast(pl.Int64) : known,
        bad: present.and(nonFinite.not()).and(n.isNull().or(n.isFinite().not())),
        message: (raw) => `not a number: ${JSON.stringify(raw)}`,
      };
    }
    case "datetime": {
      // COPY runs with TimeZone UTC and DateStyle ISO: "2026-10-30 09:46:58.123456+00".
      const parsedName = `__parsed_${name}__`;
      const parsed = pl.col(parsedName);
      // (prepared once: value, bad and tellInfiniteTimestamps each read it, ~40 ms a million)
      const infinite = pl.col(infiniteFlag(name));
      return {
        prepare: [
          (mode === "copy"
            ? copyTimestamp(text)
            : text.str.replace("\\+00$", "").str.strptime(pl.Datetime("ms"), TIMESTAMP_FORMAT))
            .cast(pl.Datetime("ms"))
            .alias(parsedName),
          infiniteTimestamp(name).alias(infiniteFlag(name)),
        ],
        // ±infinity is a valid timestamptz no analyst can fix in production: unknown (said)
        value: pl.when(infinite).then(pl.lit(null).cast(pl.Datetime("ms"))).otherwise(parsed),
        bad: present.and(parsed.isNull()).and(infinite.not()),
        message: (raw) => `not a timestamp: ${JSON.stringify(raw)}`,
      };
    }
    case "nanoUsd":
      return nanoUsd(name);
  }
}

/** True where a number column holds a database's NaN or ±inf (NON_FINITE_TEXT, frames.ts). */
function nonFiniteNumber(name: string): pl.Expr {
  return pl.col(name).str.strip().str.contains(`^(?i)${NON_FINITE_TEXT}$`).fillNull(false);
}

/** Counts the non-finite numbers per column, and the rows holding any, for onNonFinite. */
function tellNonFinite(
  raw: pl.DataFrame,
  columns: QueryColumns,
  { onNonFinite }: ResultReadOptions,
): void {
  if (!onNonFinite) return;
  const names = Object.keys(columns).filter((name) => NUMBER_TYPES.has(columns[name]));
  if (names.length === 0) return;
  const counts = raw.select(
    ...names.map((name) => nonFiniteNumber(name).cast(pl.UInt32).sum().alias(name)),
    names.map(nonFiniteNumber).reduce((a, b) => a.or(b)).cast(pl.UInt32).sum().alias(ROWS),
  ).toRecords()[0] as Record<string, number | bigint>;
  const rows = Number(counts[ROWS]);
  if (rows === 0) return;
  const perColumn: Record<string, number> = {};
  for (const name of names) if (Number(counts[name]) > 0) perColumn[name] = Number(counts[name]);
  onNonFinite(perColumn, rows);
}
const ROWS = "__non_finite_rows__";

/** True where a timestamp column holds PostgreSQL's `infinity` or `-infinity`. */
function infiniteTimestamp(name: string): pl.Expr {
  return pl.col(name).str.strip().str.contains("^-?infinity$").fillNull(false);
}

/** The prepared column of infiniteTimestamp(name) (Typed.prepare). */
function infiniteFlag(name: string): string {
  return `__infinite_${name}__`;
}

function tellInfiniteTimestamps(
  prepared: pl.DataFrame,
  columns: QueryColumns,
  { onInfiniteTimestamps }: ResultReadOptions,
): void {
  if (!onInfiniteTimestamps) return;
  for (const [name, type] of Object.entries(columns)) {
    if (type !== "datetime") continue;
    const flag = pl.col(infiniteFlag(name)); // (`prepared` holds it: withPrepared)
    const rows = Number(
      prepared.select(flag.cast(pl.UInt32).sum().alias("n")).getColumn("n").get(0),
    );
    if (rows > 0) onInfiniteTimestamps(name, rows);
  }
}

/**
 * nanoUsdToUsd as expressions. Decimal text: sign · (whole ÷ 1e9 as whole part + last nine digits
 * ÷ 1e9) + fraction ÷ 1e9, the same float operations in the same order, so the same doubles.
 * Other text (a Float sum's 1.5e10): the number ÷ 1e9 when finite and below the limit.
 */
function nanoUsd(name: string): Typed {
  const text = pl.col(name).str.strip();
  const present = pl.col(name).isNotNull().and(text.neq(pl.lit("")));
  const decimal = text.str.contains("^-?\\d+(\\.\\d+)?$");
  const whole = text.str.extract("^-?(\\d+)", 1);
  const digits = whole.str.lengths();
  const high = whole.str.extract("^(\\d*?)\\d{0,9}$", 1).cast(pl.Float64, false).fillNull(0);
  const low = whole.str.extract("(\\d{0,9})$", 1).cast(pl.Float64, false).fillNull(0);
  const fraction = pl.concatString([pl.lit("0."), text.str.extract("\\.(\\d+)$", 1)], "")
    .cast(pl.Float64, false).fillNull(0);
  const sign = pl.when(text.str.startsWith("-")).then(pl.lit(-1)).otherwise(pl.lit(1));
  const billion = billionsOf(name);
  const exact = usdOfNanoParts({ sign, high, low, fraction, billion });
  const other = text.cast(pl.Float64, false);
  const otherOk = other.isNotNull().and(other.isFinite()).and(other.abs().lt(NANO_USD_LIMIT));
  // a Float64 cost sum's NaN or ±inf: unknown, counted (tellNonFinite); 1e300 stays refused
  const nonFinite = nonFiniteNumber(name);
  return {
    value: pl.when(present.not().or(nonFinite)).then(pl.lit(null).cast(pl.Float64))
      .when(decimal).then(exact)
      .otherwise(other.div(billion)),
    bad: present.and(nonFinite.not()).and(
      pl.when(decimal).then(digits.gt(38)).otherwise(otherOk.not()),
    ),
    message: (raw) => `${JSON.stringify(raw)} is not a finite cost`,
  };
}

/** A column of 1e9s, not a scalar: Polars divides a float column by a scalar as a multiplication
 * by its reciprocal (1.5e10 · 1e-9 = 15.000000000000002), JS divides (15). */
function billionsOf(name: string): pl.Expr {
  return pl.col(name).isNull().cast(pl.Float64).mul(0).add(1e9);
}

/** nanoUsdToUsd's float operations, in its order: sign · whole part + sign · (last nine digits
 * ÷ 1e9) + sign · (fraction ÷ 1e9). */
function usdOfNanoParts(
  { sign, high, low, fraction, billion }: Record<
    "sign" | "high" | "low" | "fraction" | "billion",
    pl.Expr
  >,
): pl.Expr {
  return sign.mul(high).add(sign.mul(low).div(billion)).add(sign.mul(fraction).div(billion));
}

/** Whole nano-USD below this magnitude are exact in a double (2^53). */
const EXACT_NANO = 2 ** 53;

/**
 * nanoUsd of a whole number read by the CSV reader (Int64): the text path's parts from integer
 * operations, so the same doubles, without its regular expressions (1.2 s of a million
 * organizations' usage, after ClickHouse had answered). Magnitudes from 2^53 on are flagged for
 * the text path, where the whole part is split before it becomes a double.
 */
function nanoUsdFromWhole(name: string): { value: pl.Expr; bad: pl.Expr } {
  const whole = pl.col(name);
  const magnitude = whole.abs();
  const billion = billionsOf(name);
  const low = magnitude.rem(pl.lit(1_000_000_000).cast(pl.Int64));
  const high = magnitude.sub(low).cast(pl.Float64).div(billion);
  const sign = pl.when(whole.lt(0)).then(pl.lit(-1)).otherwise(pl.lit(1));
  return {
    value: usdOfNanoParts({
      sign,
      high,
      low: low.cast(pl.Float64),
      fraction: pl.lit(0).cast(pl.Float64),
      billion,
    }),
    bad: magnitude.gtEq(EXACT_NANO),
  };
}

/** CSV text or bytes, or the path of a CSV file (a spooled query result). */
export type CsvSource = string | Uint8Array | { path: string };

/**
 * Numbers parsed by the CSV reader: ints and floats as Float64, what the text path casts to, so
 * the same values; nano-USD as Int64 (a value that does not fit, a fraction or an exponent fails
 * the read, and the text path takes the file).
 */
const PARSED: Partial<Record<QueryColumnType, pl.DataType>> = {
  int: pl.Float64,
  float: pl.Float64,
  nanoUsd: pl.Int64,
};
/** The column that flags a row holding a bad value (not a name a query returns). */
const BAD = "__csv_bad_value__";

function readRaw(source: CsvSource, dtypes: Record<string, pl.DataType>): pl.DataFrame {
  const body = typeof source === "string"
    ? Buffer.from(source, "utf-8")
    : source instanceof Uint8Array
    ? Buffer.from(source.buffer, source.byteOffset, source.length)
    : source.path;
  return pl.readCSV(body, {
    inferSchemaLength: 0,
    nullValues: ["\\N"],
    hasHeader: true,
    dtypes,
    rechunk: true,
  });
}

function assertColumns(raw: pl.DataFrame, names: string[], { query }: { query: string }): void {
  for (const name of names) {
    if (!raw.columns.includes(name)) {
      throw missingColumn({ query, column: name, returned: raw.columns });
    }
  }
}

/**
 * A frame with exactly `columns`, typed, from CSV with a header row (`\N` and unquoted empty
 * fields are null). Throws naming `query`, the column and the organization of the first value
 * that is not of its column's type.
 */
export function csvToFrame(
  source: CsvSource,
  columns: QueryColumns,
  { query = "query", ...options }: FrameReadOptions = {},
): pl.DataFrame {
  const names = Object.keys(columns);
  const parsed = names.filter((name) => PARSED[columns[name]]);
  let raw: pl.DataFrame;
  try {
    raw = readRaw(source, Object.fromEntries(parsed.map((name) => [name, PARSED[columns[name]]!])));
    assertColumns(raw, names, { query });
  } catch {
    return csvTextToFrame(source, columns, { query, ...options }); // says what is wrong
  }
  const conversions = names.map((name) => {
    if (!PARSED[columns[name]]) {
      return [name, typed(name, columns[name], { mode: "copy" })] as const;
    }
    if (columns[name] === "nanoUsd") return [name, nanoUsdFromWhole(name)] as const;
    const n = pl.col(name);
    return [name, {
      value: columns[name] === "int" ? n.cast(pl.Int64) : n,
      bad: n.isNotNull().and(n.isFinite().not()),
    }] as const;
  });
  const prepared = withPrepared(raw, conversions);
  const frame = prepared.select(
    ...conversions.map(([name, t]) => t.value.alias(name)),
    conversions.map(([, t]) => t.bad).reduce((a, b) => a.or(b), pl.lit(false)).alias(BAD),
  );
  if (frame.getColumn(BAD).any()) return csvTextToFrame(source, columns, { query, ...options });
  tellInfiniteTimestamps(prepared, columns, options);
  return frame.drop(BAD);
}

/** csvToFrame reading every column as text: slower, and the one that names a bad value. */
function csvTextToFrame(
  source: CsvSource,
  columns: QueryColumns,
  { query = "query", ...options }: FrameReadOptions,
): pl.DataFrame {
  const read = readRaw(source, {});
  const names = Object.keys(columns);
  assertColumns(read, names, { query });
  const conversions = names.map((name) => [name, typed(name, columns[name])] as const);
  const raw = withPrepared(read, conversions);
  const badRows = raw.filter(
    conversions.map(([, t]) => t.bad).reduce((a, b) => a.or(b), pl.lit(false)),
  );
  if (badRows.height > 0) {
    const [name, t] = conversions.find(([, t]) =>
      badRows.head(1).select(t.bad.alias("bad")).getColumn("bad").toArray()[0]
    )!;
    const orgId = raw.columns.includes("org_id") ? badRows.getColumn("org_id").get(0) : null;
    throw new UserError(
      `${query}: column ${name} of organization ${orgId ?? "(unknown)"}: ${
        t.message(String(badRows.getColumn(name).get(0)))
      }; fix the data or the query`,
    );
  }
  tellInfiniteTimestamps(raw, columns, options);
  tellNonFinite(raw, columns, options);
  return raw.select(...conversions.map(([name, t]) => t.value.alias(name)));
}
