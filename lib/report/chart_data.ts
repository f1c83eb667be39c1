/**
 * Chart data out of Polars: filtered in Polars, columns through typed arrays, row objects only
 * for the points a chart draws, and an evenly spaced sample where a mark per organization adds
 * nothing (hexbins of a million points).
 */
import type pl from "nodejs-polars";
import { columnDef } from "../frame/columns.ts";
import { columnValues } from "../formats/cells.ts";

export type Row = Record<string, unknown>;

/**
 * Above this many points a chart draws from an evenly spaced sample (every k-th organization in
 * export order) and its caption says so: hexagon shades are relative counts and box quartiles
 * barely move, while a million points cost seconds and hundreds of MB for the same picture.
 */
export const MAX_HEXBIN_POINTS = 200_000;

/** Every k-th row when the frame is above `limit`; the note for the caption. */
export function sampled(
  frame: pl.DataFrame,
  { limit = MAX_HEXBIN_POINTS, marks = "Hexagons" }: { limit?: number; marks?: string } = {},
): { frame: pl.DataFrame; note: string } {
  if (frame.height <= limit) return { frame, note: "" };
  const every = Math.ceil(frame.height / limit);
  const sample = frame.gatherEvery(every);
  return {
    frame: sample,
    note: ` ${marks} drawn from a sample of ${sample.height} (1 in ${every} organizations).`,
  };
}

/** A column's values for Plot channels (typed arrays out of Polars, no row objects). */
export function channel(frame: pl.DataFrame, name: string): unknown[] {
  return columnValues(frame, columnDef(name));
}

/** Row objects for Plot; columns leave Polars through typed arrays (fast at 100k rows). */
export function rows(frame: pl.DataFrame, columns: string[]): Row[] {
  const arrays = columns.map((name) => columnValues(frame, columnDef(name)));
  const height = frame.height; // a native call: not once per row
  const out: Row[] = new Array(height);
  for (let i = 0; i < height; i++) {
    const row: Row = {};
    for (let j = 0; j < columns.length; j++) row[columns[j]] = arrays[j][i];
    out[i] = row;
  }
  return out;
}
