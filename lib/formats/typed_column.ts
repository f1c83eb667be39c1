/**
 * A slice's columns as the writers read them and how each column's cells are written, without
 * Polars: the CSV worker (lib/formats/csv_worker.ts) formats rows from these alone, and loading
 * nodejs-polars in it would cost ~14 MB of RSS. lib/formats/cells.ts makes them from a frame.
 */
import type { ColumnDef } from "../frame/columns.ts";
import type { TextBytes } from "./cell_text.ts";

// The writers' formula guard (lib/formats/formula_guard.ts), for the modules that take cells here.
export { neutraliseText } from "./formula_guard.ts";

/**
 * A column as the writers read it: numbers, integers, booleans (1/0) and datetimes (epoch ms) as
 * doubles with NaN for null, or strings.
 */
export interface TypedColumn {
  def: ColumnDef;
  numbers: Float64Array | null;
  strings: (string | null)[] | null;
  /** a string column as UTF-8 spans (typedColumns with `textBytes`), instead of `strings` */
  text?: TextBytes | null;
}

/** How a writer puts a column's cells: text prepared per row, or straight from its doubles. */
export const TEXT_CELLS = 0;
export const NUMBER_CELLS = 1;
export const BOOLEAN_CELLS = 2;
/** text columns as UTF-8 spans out of Polars (TypedColumn.text) */
export const TEXT_BYTE_CELLS = 3;
/** instants written as digits from their doubles (the CSV); without it (or dates), prepared text */
export const DATETIME_CELLS = 4;

/** Each column's cell kind; `datetimeDigits` when the writer writes instants from doubles. */
export function cellKinds(
  columns: TypedColumn[],
  { datetimeDigits }: { datetimeDigits: boolean },
): number[] {
  return columns.map((c) =>
    c.text
      ? TEXT_BYTE_CELLS
      : datetimeDigits && c.def.type === "datetime" && c.def.unit !== "date"
      ? DATETIME_CELLS
      : c.def.type === "boolean"
      ? BOOLEAN_CELLS
      : c.def.type === "number" || c.def.type === "integer"
      ? NUMBER_CELLS
      : TEXT_CELLS
  );
}

/** The rows of a typed slice. */
export function typedHeight(columns: TypedColumn[]): number {
  const first = columns[0];
  if (!first) return 0;
  return first.numbers?.length ?? first.strings?.length ?? first.text!.start.length;
}
