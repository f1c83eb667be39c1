/**
 * Query results as CSV bytes (PostgreSQL `COPY … TO STDOUT WITH CSV HEADER`, ClickHouse
 * `CSVWithNames`) straight into Polars, every column read as text and typed by Polars
 * expressions: no JS object per row. The conversions and checks are those of rowsToFrame
 * (lib/sources/frames.ts), value for value: nano-USD text to USD exactly as nanoUsdToUsd does it
 * (whole part and the last nine digits apart), NaN, ±inf and costs past Decimal(38, 0) refused
 * naming the query, the column and the organization.
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { UserError } from "../core/config.ts";
import type { QueryColumns, QueryColumnType } from "./frames.ts";

/** A cost at or past this magnitude (nano-USD) is not a cost: Decimal(38, 0) holds less. */
const NANO_USD_LIMIT = 1e38;

interface Typed {
  /** the typed value */
  value: pl.Expr;
  /** true where the text is present but not a valid value of the type */
  bad: pl.Expr;
  /** the message for a bad value */
  message: (raw: string) => string;
}

function typed(name: string, type: QueryColumnType): Typed {
  const text = pl.col(name);
  const present = text.isNotNull().and(text.neq(pl.lit("")));
  switch (type) {
    case "string":
      return { value: text, bad: pl.lit(false), message: () => "" };
    case "int":
    case "float": {
      const n = text.cast(pl.Float64, false);
      return {
        value: type === "int" ? n.cast(pl.Int64) : n,
        bad: present.and(n.isNull().or(n.isFinite().not())),
        message: (raw) => `not a number: ${JSON.stringify(raw)}`,
      };
    }
    case "datetime": {
      // COPY runs with TimeZone UTC and DateStyle ISO: "2026-10-30 09:46:58.123456+00".
      const parsed = text.str.replace("\\+00$", "")
        .str.strptime(pl.Datetime("ms"), "%Y-%m-%d %H:%M:%S%.f").cast(pl.Datetime("ms"));
      return {
        value: parsed,
        bad: present.and(parsed.isNull()),
        message: (raw) => `not a timestamp: ${JSON.stringify(raw)}`,
      };
    }
    case "nanoUsd":
      return nanoUsd(name);
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
  // A column of 1e9s, not a scalar: Polars divides a float column by a scalar as a multiplication
  // by its reciprocal (1.5e10 · 1e-9 = 15.000000000000002), JS divides (15).
  const billion = pl.col(name).isNull().cast(pl.Float64).mul(0).add(1e9);
  const exact = sign.mul(high).add(sign.mul(low).div(billion))
    .add(sign.mul(fraction).div(billion));
  const other = text.cast(pl.Float64, false);
  const otherOk = other.isNotNull().and(other.isFinite()).and(other.abs().lt(NANO_USD_LIMIT));
  return {
    value: pl.when(present.not()).then(pl.lit(null).cast(pl.Float64))
      .when(decimal).then(exact)
      .otherwise(other.div(billion)),
    bad: present.and(
      pl.when(decimal).then(digits.gt(38)).otherwise(otherOk.not()),
    ),
    message: (raw) => `${JSON.stringify(raw)} is not a finite cost`,
  };
}

/**
 * A frame with exactly `columns`, typed, from CSV text with a header row (all fields read as
 * text; `\N` and unquoted empty fields are null). Throws naming `query`, the column and the
 * organization of the first value that is not of its column's type.
 */
export function csvToFrame(
  csv: string | Uint8Array,
  columns: QueryColumns,
  query = "query",
): pl.DataFrame {
  const body = typeof csv === "string" ? csv : Buffer.from(csv.buffer, csv.byteOffset, csv.length);
  const raw = pl.readCSV(body, { inferSchemaLength: 0, nullValues: ["\\N"], hasHeader: true });
  const names = Object.keys(columns);
  for (const name of names) {
    if (!raw.columns.includes(name)) throw new Error(`query result has no column ${name}`);
  }
  const conversions = names.map((name) => [name, typed(name, columns[name])] as const);
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
  return raw.select(...conversions.map(([name, t]) => t.value.alias(name)));
}
