/**
 * What a column definition holds: its type, unit, source, formula and description. The
 * definitions themselves are the one table in lib/frame/columns.ts (which re-exports these types),
 * its rows in lib/frame/spec_columns.ts and lib/frame/extra_columns.ts.
 */

export type ColumnType = "string" | "integer" | "number" | "boolean" | "datetime";

/** Units drive the XLSX number format and the dictionary's unit column. */
export type ColumnUnit =
  | "text"
  | "id"
  | "timestamp (UTC)"
  /** a day without a time (a Polars Date of a frame other than the export's) */
  | "date"
  /** a Polars Duration of a frame other than the export's, as a number of seconds */
  | "seconds"
  | "count"
  | "USD"
  | "USD per month"
  | "USD per seat"
  | "USD per request"
  | "percent"
  | "flag"
  | "minor units of currency per month";

/**
 * A unit as the dictionary (the workbook's sheet, docs/columns.md) writes it. Percent cells hold
 * 96.6 for 96.6 %, as the CSV does and the XLSX's `#,##0.0"%"` format shows it, not a spreadsheet's
 * 0.966 under a `%` format: a formula over them must divide by 100, so the unit says so.
 */
export function unitInWords(unit: ColumnUnit): string {
  return unit === "percent" ? "percent: 96.6 means 96.6 % (÷ 100 for a fraction)" : unit;
}

export type ColumnSource = "PostgreSQL" | "ClickHouse" | "Stripe" | "Derived";

/**
 * How a column reads the export window (`--days N`; lib/frame/monthly.ts): `window` holds the
 * window's figure as it is (a 7-day export's is 7 days' worth), `30-day basis` sets the window's
 * usage × 30 / N against monthly amounts, `window ratio` divides two window figures (the window's
 * length cancels). A comparison of two windows names them (windowMismatchWarning).
 */
export type WindowBasis = "window" | "30-day basis" | "window ratio";

export interface ColumnDef {
  name: string;
  type: ColumnType;
  unit: ColumnUnit;
  source: ColumnSource;
  /** How the value is computed, in words or as a formula over other columns. */
  formula: string;
  description: string;
  /** True for the 24 columns the spec defines; false for the kit's extras. */
  spec: boolean;
  /** How the column reads the export window; absent when it does not read it. */
  window?: WindowBasis;
  /**
   * The only values a text column holds (besides empty): the readers refuse others, which would
   * fall through every plan match to a catch-all (a free organization edited to "platinum").
   */
  values?: readonly string[];
  /**
   * Stored in history snapshots only (lib/history/snapshot.ts), not in the export's files: the
   * export columns (COLUMNS) leave it out, SNAPSHOT_COLUMNS list it after them.
   */
  snapshotOnly?: boolean;
}
