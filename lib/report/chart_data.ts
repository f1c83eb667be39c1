/**
 * Chart data out of Polars: filtered in Polars, columns through typed arrays, row objects only
 * for the points a chart draws (aggregates where a mark per organization adds nothing:
 * chart_aggregates.ts).
 */
import type pl from "nodejs-polars";
import { columnDef } from "../frame/columns.ts";
import { columnValues } from "../formats/cells.ts";
import type { ColumnDef } from "../frame/column_def.ts";
import { CUSTOMER_CHART_DEFS } from "./chart_customers.ts";

export type Row = Record<string, unknown>;

/** An export column's definition, or one of the columns only charts have (chart_customers.ts). */
function chartColumnDef(name: string): ColumnDef {
  return CUSTOMER_CHART_DEFS.find((def) => def.name === name) ?? columnDef(name);
}

/** A column's values for Plot channels (typed arrays out of Polars, no row objects). */
export function channel(frame: pl.DataFrame, name: string): unknown[] {
  return columnValues(frame, chartColumnDef(name));
}

/** Row objects for Plot; columns leave Polars through typed arrays (fast at 100k rows). */
export function rows(frame: pl.DataFrame, columns: string[]): Row[] {
  const arrays = columns.map((name) => columnValues(frame, chartColumnDef(name)));
  const height = frame.height; // a native call: not once per row
  const out: Row[] = new Array(height);
  for (let i = 0; i < height; i++) {
    const row: Row = {};
    for (let j = 0; j < columns.length; j++) row[columns[j]] = arrays[j][i];
    out[i] = row;
  }
  return out;
}
