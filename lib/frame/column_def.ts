/**
 * What a column definition holds: its type, unit, source, formula and description. The
 * definitions themselves are the one table in lib/frame/columns.ts (which re-exports these types).
 */

export type ColumnType = "string" | "integer" | "number" | "boolean" | "datetime";

/** Units drive the XLSX number format and the dictionary's unit column. */
export type ColumnUnit =
  | "text"
  | "id"
  | "timestamp (UTC)"
  | "count"
  | "USD"
  | "USD per month"
  | "USD per seat"
  | "USD per request"
  | "percent"
  | "flag";

export type ColumnSource = "PostgreSQL" | "ClickHouse" | "Stripe" | "Derived";

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
}
