/**
 * The one table of export columns. CSV column order, XLSX cell formats, the data dictionary
 * sheet and the Markdown brief are all generated from it. Its rows live in two files: the spec's
 * 24 columns in the spec's order (lib/frame/spec_columns.ts, pricing-export-spec.md), then the
 * kit's extras (lib/frame/extra_columns.ts: add a column there first). This file puts them
 * together and derives the lists the kit reads (names, spec names, headline columns).
 * Names ending in `_30d` cover the export window, `[as_of - days, as_of)`, 30 days by default.
 * What the as-of does to each column is in lib/frame/as_of.ts, appended to its description, with
 * the column notes descriptions point to (COLUMN_NOTES), which every dictionary says once.
 */
import { withAsOfEffect } from "./as_of.ts";
import type { ColumnDef } from "./column_def.ts";
import { EXTRA_COLUMN_TABLE } from "./extra_columns.ts";
import { SPEC_COLUMN_TABLE } from "./spec_columns.ts";

export { COLUMN_NOTES } from "./as_of.ts";
export type { ColumnDef, ColumnSource, ColumnType, ColumnUnit, WindowBasis } from "./column_def.ts";
export { unitInWords } from "./column_def.ts";

const COLUMN_TABLE: readonly ColumnDef[] = [...SPEC_COLUMN_TABLE, ...EXTRA_COLUMN_TABLE];

/** A `_30d` column holds the window's figure unless the table says otherwise. */
function withWindowBasis(def: ColumnDef): ColumnDef {
  return def.name.endsWith("_30d") && !def.window ? { ...def, window: "window" } : def;
}

/**
 * The table, each description followed by what the as-of does to the column, each `_30d` column
 * marked as a window figure: the export's columns, then those history snapshots store besides.
 */
const ALL_COLUMNS: readonly ColumnDef[] = COLUMN_TABLE.map(withAsOfEffect).map(withWindowBasis);

/** The export's columns (CSV, XLSX, the frame of a run), in order. */
export const COLUMNS: readonly ColumnDef[] = ALL_COLUMNS.filter((c) => !c.snapshotOnly);

/** The columns a history snapshot stores besides the export's (ColumnDef.snapshotOnly). */
export const SNAPSHOT_ONLY_COLUMNS: readonly ColumnDef[] = ALL_COLUMNS.filter((c) =>
  c.snapshotOnly
);

/** A history snapshot's columns, in order: the export's, then SNAPSHOT_ONLY_COLUMNS. */
export const SNAPSHOT_COLUMNS: readonly ColumnDef[] = [...COLUMNS, ...SNAPSHOT_ONLY_COLUMNS];

export const COLUMN_NAMES: readonly string[] = COLUMNS.map((c) => c.name);

/**
 * The five numbers a pricing reader looks at first: the brief gives their distributions, a
 * comparison their old and new values beside the deltas.
 */
export const HEADLINE_COLUMNS = [
  "seats",
  "requests_30d",
  "llm_cost_30d",
  "mrr",
  "gross_margin_pct",
] as const;
export const SPEC_COLUMN_NAMES: readonly string[] = COLUMNS.filter((c) => c.spec).map((c) =>
  c.name
);

export function columnDef(name: string): ColumnDef {
  const def = COLUMNS.find((c) => c.name === name);
  if (!def) throw new Error(`unknown export column: ${name}`);
  return def;
}
