/** Cell values shared by the CSV and XLSX writers: read a frame column-wise, neutralise text. */
import pl from "nodejs-polars";
import { type ColumnDef, COLUMNS } from "../frame/columns.ts";
import { parseStringsCsv, type TextBytes, XLSX_CELL_CHARS } from "./cell_text.ts";
import { NEEDS_GUARD_PATTERN } from "./formula_guard.ts";
import type { TypedColumn } from "./typed_column.ts";
export {
  BOOLEAN_CELLS,
  cellKinds,
  DATETIME_CELLS,
  neutraliseText,
  NUMBER_CELLS,
  TEXT_BYTE_CELLS,
  TEXT_CELLS,
  type TypedColumn,
  typedHeight,
} from "./typed_column.ts";
import { collectYoungGarbage } from "../core/memory.ts";

/**
 * Rows taken out of Polars at a time by the writers: bounds the JS values alive at once (a
 * million rows × 41 columns as JS values would be gigabytes, and 50k-row slices left 800 MB of
 * garbage behind at 1M rows before V8 collected it). A multiple of the CSV's 1,000-row chunks, so a
 * streamed CSV arrives in whole 1,000-row chunks.
 */
export const SLICE_ROWS = 16_000;

export interface FrameColumn {
  def: ColumnDef;
  values: unknown[];
}

/** Throws unless the frame has every column of the column table. */
export function assertExportColumns(frame: pl.DataFrame): void {
  const present = new Set(frame.columns);
  const missing = COLUMNS.filter((c) => !present.has(c.name)).map((c) => c.name);
  if (missing.length > 0) throw new Error(`export frame lacks columns: ${missing.join(", ")}`);
}

/**
 * A temporal column as epoch milliseconds (doubles), whatever Polars holds it as: a Date counts
 * days (a date is its midnight, UTC), a Datetime its own unit (ms, µs, ns; with a zone or not, the
 * instant in UTC). The cast to milliseconds floors finer digits (-1 µs is 1969-12-31T23:59:59.999)
 * and leaves a millisecond column as it is; the Int64 cast alone read days and µs as ms.
 */
function epochMs(name: string): pl.Expr {
  return pl.col(name).cast(pl.Datetime("ms")).cast(pl.Int64).cast(pl.Float64);
}

/**
 * A Duration column as seconds (doubles), whatever its unit: its raw count read ms and µs alike
 * (90 s as 90000 or 90000000). Finer than a µs is dropped.
 */
function durationSeconds(name: string): pl.Expr {
  return pl.col(name).cast(pl.Duration("us")).cast(pl.Int64).cast(pl.Float64).div(1e6);
}

/** A number, boolean or datetime column as doubles, nulls kept: datetimes epoch ms. */
function numberSource(def: ColumnDef): pl.Expr {
  return def.type === "datetime"
    ? epochMs(def.name)
    : def.unit === "seconds"
    ? durationSeconds(def.name)
    : pl.col(def.name).cast(pl.Float64);
}

/** A non-string column as doubles: null → NaN, booleans 1/0, datetimes epoch ms. */
function numericExpr(def: ColumnDef): pl.Expr {
  return numberSource(def).fillNull(pl.lit(Number.NaN)).alias(def.name);
}

/** A numeric column's expression, made once per definition (not per slice). */
const numericExprCache = new WeakMap<ColumnDef, pl.Expr>();
function cachedNumericExpr(def: ColumnDef): pl.Expr {
  let expr = numericExprCache.get(def);
  if (!expr) {
    expr = numericExpr(def);
    numericExprCache.set(def, expr);
  }
  return expr;
}

/**
 * A number column the slice holds as doubles already, with no null: its values as they are, with
 * no select (numericExpr's cast and fillNull made a column of the same values: the 35 number
 * columns of 1M stacked rows, 19 of them such, 296 → 285 ms of CPU).
 */
function isPlainDoubles(series: pl.Series, def: ColumnDef): boolean {
  return def.type !== "datetime" && def.unit !== "seconds" && series.nullCount() === 0 &&
    series.dtype.equals(pl.Float64);
}

/**
 * The columns `defs` of a frame (a slice) for the writers: every non-string column comes out of
 * one select as a Float64Array (a select per column cost ~0.7 ms each, 46 per slice). Strings
 * come through toArray, or with `textBytes` (String columns only) as UTF-8 spans of one CSV
 * Polars writes for all of them: a JS string per cell cost ~180 ns to make and as much again to
 * quote, escape and encode, half of the CSV's time.
 */
export function typedColumns(
  frame: pl.DataFrame,
  defs: readonly ColumnDef[],
  options: { textBytes?: boolean } = {},
): TypedColumn[] {
  const plain = new Map<string, pl.Series>();
  const numeric: pl.Expr[] = [];
  for (const def of defs) {
    if (def.type === "string") continue;
    const series = frame.getColumn(def.name);
    if (isPlainDoubles(series, def)) plain.set(def.name, series);
    else numeric.push(cachedNumericExpr(def));
  }
  const selected = numeric.length > 0 ? frame.select(...numeric) : null;
  const asBytes = options.textBytes
    ? defs.filter((d) => d.type === "string" && frame.getColumn(d.name).dtype.equals(pl.String))
    : [];
  const texts = new Map<string, TextBytes>();
  if (asBytes.length > 0) {
    // by name, not pl.col(): a select of names is Polars' own pick of columns, where one of
    // expressions is planned and run as a lazy query every slice (~0.5 ms of CPU each, ~30 ms of
    // the main thread at a million rows)
    const csv = frame.select(...asBytes.map((d) => d.name)).writeCSV(STRINGS_CSV);
    const parsed = parseStringsCsv(new Uint8Array(csv.buffer, csv.byteOffset, csv.byteLength), {
      width: asBytes.length,
      height: frame.height,
    });
    asBytes.forEach((d, i) => texts.set(d.name, parsed[i]));
  }
  return defs.map((def) => {
    if (def.type !== "string") {
      const series = plain.get(def.name) ?? selected!.getColumn(def.name);
      return { def, numbers: series.toTypedArray() as Float64Array, strings: null };
    }
    const text = texts.get(def.name);
    if (text) return { def, numbers: null, strings: null, text };
    return {
      def,
      numbers: null,
      strings: frame.getColumn(def.name).toArray() as (string | null)[],
    };
  });
}

/** Polars' CSV of the string columns: fields quoted where needed, "" an empty string, null empty. */
const STRINGS_CSV = {
  includeHeader: false,
  separator: ",",
  quoteChar: '"',
  lineTerminator: "\n",
  nullValue: "",
  quoteStyle: "necessary",
} as const;

/** The export frame's typed columns, in the column table's order; strings as UTF-8 spans. */
export function exportTypedColumns(frame: pl.DataFrame): TypedColumn[] {
  assertExportColumns(frame);
  collectYoungGarbage(); // the previous slice's (lib/core/memory.ts)
  return typedColumns(frame, COLUMNS, { textBytes: true });
}

/** Plain JS values of a typed column (null, string, number, boolean; datetimes as epoch ms). */
function plainValues(column: TypedColumn): unknown[] {
  if (column.strings) return column.strings;
  const numbers = column.numbers!;
  if (column.def.type === "boolean") {
    return Array.from(numbers, (v) => Number.isNaN(v) ? null : v === 1);
  }
  return Array.from(numbers, (v) => Number.isNaN(v) ? null : v);
}

/** The frame's columns in the column table's order, with their definitions. */
export function exportColumns(frame: pl.DataFrame): FrameColumn[] {
  assertExportColumns(frame);
  return typedColumns(frame, COLUMNS).map((c) => ({ def: c.def, values: plainValues(c) }));
}

/** Columns of any frame (segments, comparisons): known names get their definition, others a guess. */
export function frameColumns(frame: pl.DataFrame): FrameColumn[] {
  const defs = frame.columns.map((name) => frameColumnDef(frame, name));
  return typedColumns(frame, defs).map((c) => ({ def: c.def, values: plainValues(c) }));
}

/** frameColumns as typed columns for the writers (strings as UTF-8 spans). */
export function frameTypedColumns(frame: pl.DataFrame): TypedColumn[] {
  const defs = frame.columns.map((name) => frameColumnDef(frame, name));
  return typedColumns(frame, defs, { textBytes: true });
}

/** Characters a text needs to pass XLSX_CELL_CHARS UTF-16 units with the guard's `'` (≤ 2 each). */
const CUT_CANDIDATE_CHARS = Math.ceil(XLSX_CELL_CHARS / 2);

/** A column's characters (lengths() cast: untyped in the plan, `add` took it for `concat`). */
const chars = (text: pl.Expr) => text.str.lengths().cast(pl.Int64);

/**
 * The text cells the XLSX writers cut to XLSX_CELL_CHARS (UTF-16 units, the formula guard's `'`
 * counted), in the data sheet (`frame`, the export's columns) and the extra sheets, known before
 * the workbook is written (its summary sheet says how many). One select finds each sheet's longest
 * text in characters; only a column whose longest has CUT_CANDIDATE_CHARS or more is counted, in
 * units: a character each, one more for each outside the BMP (a surrogate pair), one for the guard.
 */
export function xlsxCutCells(frame: pl.DataFrame, extras: { frame: pl.DataFrame }[] = []): number {
  const sheets = [
    { frame, defs: COLUMNS },
    ...extras.map((e) => ({
      frame: e.frame,
      defs: e.frame.columns.map((name) => frameColumnDef(e.frame, name)),
    })),
  ];
  let cells = 0;
  for (const sheet of sheets) {
    const names = sheet.defs.filter((d) => d.type === "string").map((d) => d.name);
    if (names.length === 0 || sheet.frame.height === 0) continue;
    const text = (name: string) => pl.col(name).cast(pl.Utf8);
    const longest = sheet.frame.select(...names.map((n) => chars(text(n)).max().alias(n))).row(0);
    names.forEach((name, i) => {
      if (!(Number(longest[i]) >= CUT_CANDIDATE_CHARS)) return; // (null: no text at all)
      const units = chars(text(name))
        .add(chars(text(name).str.replaceAll("[^\\x{10000}-\\x{10FFFF}]", "")))
        .add(text(name).str.contains(NEEDS_GUARD_PATTERN).cast(pl.Int64));
      const cut = sheet.frame.select(text(name)).filter(chars(text(name)).gtEq(CUT_CANDIDATE_CHARS))
        .select(units.gt(XLSX_CELL_CHARS).cast(pl.Int64).sum().alias("cut"));
      cells += Number(cut.getColumn("cut").get(0));
    });
  }
  return cells;
}

function frameColumnDef(frame: pl.DataFrame, name: string): ColumnDef {
  const series = frame.getColumn(name);
  const known = COLUMNS.find((c) => c.name === name);
  // the variant ("Bool", "Datetime", "Int64"): String(dtype) is "DataType(Bool)", which the
  // prefix checks below never matched, so booleans and dates went to extra sheets as text
  const dtype = series.dtype.variant;
  return known ?? {
    name,
    type: dtype.startsWith("Bool")
      ? "boolean"
      : dtype.startsWith("Datetime") || dtype.startsWith("Date")
      ? "datetime"
      : /Int/.test(dtype)
      ? "integer"
      : /Float/.test(dtype) || dtype.startsWith("Duration")
      ? "number"
      : "string", // (a Time as its text: 12:34:56.789)
    // a date's cells say YYYY-MM-DD, no time of day; an instant's its time too (no unit, ExcelJS
    // formatted it mm-dd-yy); a duration is seconds in any unit
    unit: dtype === "Date"
      ? "date"
      : dtype.startsWith("Datetime")
      ? "timestamp (UTC)"
      : dtype.startsWith("Duration")
      ? "seconds"
      : "text",
    source: "Derived",
    formula: "",
    description: "",
    spec: false,
  };
}

/**
 * A column's values as plain JS values (null, string, number, boolean; datetimes as epoch ms).
 * Numbers, booleans and datetimes come out through typed arrays: Series.toArray converts value
 * by value and costs ~25 ms per 100k-row column, a third of a CSV export.
 */
export function columnValues(frame: pl.DataFrame, def: ColumnDef): unknown[] {
  const typed = (expr: pl.Expr) =>
    frame.select(expr.alias("v")).getColumn("v").toTypedArray() as ArrayLike<number>;
  switch (def.type) {
    case "integer":
    case "number":
    case "datetime": {
      const values = typed(numberSource(def).fillNull(pl.lit(Number.NaN)));
      return Array.from(values, (v) => Number.isNaN(v) ? null : v);
    }
    case "boolean": {
      const values = typed(pl.col(def.name).cast(pl.UInt8).fillNull(pl.lit(2)));
      return Array.from(values, (v) => v === 2 ? null : v === 1);
    }
    case "string":
      return frame.getColumn(def.name).toArray() as unknown[];
  }
}

/** A finite number, or null (NaN and ±Infinity never reach a file). */
export function finiteOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === "bigint" ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * 1900-03-01 (UTC), Excel's serial 61: Excel shows no date before 1900-01-01 (a serial below 1
 * is ####) and counts those before 1900-03-01 one day too many (it takes 1900 for a leap year),
 * while LibreOffice and the kit's readers count from 1899-12-30.
 */
const EXCEL_FIRST_TRUE_DAY_MS = Date.UTC(1900, 2, 1);

/**
 * The text an XLSX cell holds for a date or instant (epoch `ms`) before EXCEL_FIRST_TRUE_DAY_MS,
 * which no serial shows right in Excel: ISO text as the CSV's (YYYY-MM-DD for a date), read back
 * by the kit as the same instant; null from that day on (a serial, as ExcelJS writes one).
 */
export function earlyDateText(ms: number, unit: string): string | null {
  if (!(ms < EXCEL_FIRST_TRUE_DAY_MS)) return null;
  const iso = new Date(ms).toISOString();
  return unit === "date" ? iso.slice(0, 10) : iso;
}
