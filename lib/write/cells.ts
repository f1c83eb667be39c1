/** Cell values shared by the CSV and XLSX writers: read a frame column-wise, neutralise text. */
import type pl from "nodejs-polars";
import { type ColumnDef, COLUMNS } from "../columns.ts";

/**
 * Text starting with = + - @ tab or CR is prefixed with `'`, so a spreadsheet shows it as text
 * instead of running it as a formula (org names are user-controlled).
 */
export function neutraliseText(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export interface FrameColumn {
  def: ColumnDef;
  values: unknown[];
}

/** The frame's columns in the column table's order, with their definitions; extras rejected. */
export function exportColumns(frame: pl.DataFrame): FrameColumn[] {
  const present = new Set(frame.columns);
  const missing = COLUMNS.filter((c) => !present.has(c.name)).map((c) => c.name);
  if (missing.length > 0) throw new Error(`export frame lacks columns: ${missing.join(", ")}`);
  return COLUMNS.map((def) => ({ def, values: frame.getColumn(def.name).toArray() as unknown[] }));
}

/** Columns of any frame (segments, comparisons): known names get their definition, others a guess. */
export function frameColumns(frame: pl.DataFrame): FrameColumn[] {
  return frame.columns.map((name) => {
    const series = frame.getColumn(name);
    const known = COLUMNS.find((c) => c.name === name);
    const dtype = String(series.dtype);
    const def: ColumnDef = known ?? {
      name,
      type: dtype.startsWith("Bool")
        ? "boolean"
        : dtype.startsWith("Datetime") || dtype.startsWith("Date")
        ? "datetime"
        : /Int/.test(dtype)
        ? "integer"
        : /Float/.test(dtype)
        ? "number"
        : "string",
      unit: "text",
      source: "Derived",
      formula: "",
      description: "",
      spec: false,
    };
    return { def, values: series.toArray() as unknown[] };
  });
}

/** A finite number, or null (NaN and ±Infinity never reach a file). */
export function finiteOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === "bigint" ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : null;
}
