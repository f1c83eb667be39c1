/**
 * CSV: UTF-8, RFC 4180 (CRLF line ends, fields with , " CR or LF quoted, quotes doubled), one
 * header row, one row per organization; empty field = null. Numbers never use exponents.
 */
import pl from "nodejs-polars";
import { open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "./files.ts";
import { ANOTHER_OUTPUT_FOLDER, type ChosenBy } from "../core/chosen_by.ts";
import { writeFileSet } from "./staging.ts";
import type { ColumnDef } from "../frame/columns.ts";
import { exportTypedColumns, frameTypedColumns, SLICE_ROWS, type TypedColumn } from "./cells.ts";
import { utf8 } from "./cell_text.ts";
import { csvLineBytes, quote } from "./csv_rows.ts";
export {
  csvLineBytes,
  formatNumber,
  formatNumberText,
  putNumberField,
  roundShortestTo12,
} from "./csv_rows.ts";

export interface CsvChunkOptions {
  /** rows per slice out of Polars (default SLICE_ROWS); the bytes do not depend on it */
  sliceRows?: number;
}

/** Rows per chunk of csvChunks (what a streamed download gets at a time). */
const ROWS_PER_CHUNK = 1000;

/** The header line of `columns`. */
export function csvHeader(columns: readonly { def: ColumnDef }[]): string {
  return columns.map((c) => quote(c.def.name)).join(",") + "\r\n";
}

/**
 * Where `keep` holds for each row of `slice`, 1 or 0 (null = no, as Polars' filter reads it): a
 * typed array, moved to the CSV worker with the slice (toArray of booleans cost ~150 ms at 1M).
 */
export function keepMask(slice: pl.DataFrame, keep: pl.Expr): Uint8Array {
  return slice.select(keep.fillNull(false).cast(pl.UInt8).alias("keep")).getColumn("keep")
    .toTypedArray() as Uint8Array;
}

/** CSV bytes in chunks, reading the frame slice by slice. */
function* chunksOf(
  frame: pl.DataFrame,
  { columnsOf, sliceRows = SLICE_ROWS }: {
    columnsOf: (slice: pl.DataFrame) => TypedColumn[];
    sliceRows?: number;
  },
): Generator<Uint8Array> {
  for (let offset = 0; offset === 0 || offset < frame.height; offset += sliceRows) {
    const columns = columnsOf(frame.slice(offset, sliceRows));
    if (offset === 0) yield utf8(csvHeader(columns));
    for (const [all] of csvLineBytes(columns, { rowsPerChunk: ROWS_PER_CHUNK })) yield all;
  }
}

function* decoded(chunks: Iterable<Uint8Array>): Generator<string> {
  const decoder = new TextDecoder();
  for (const chunk of chunks) yield decoder.decode(chunk, { stream: true });
}

/** The export frame as CSV bytes in chunks, in the column table's order. */
export function csvByteChunks(
  frame: pl.DataFrame,
  options: CsvChunkOptions = {},
): Generator<Uint8Array> {
  return chunksOf(frame, { columnsOf: exportTypedColumns, sliceRows: options.sliceRows });
}

/** Any frame (segments, comparisons) as CSV bytes in chunks, in its own column order. */
export function frameCsvByteChunks(
  frame: pl.DataFrame,
  options: CsvChunkOptions = {},
): Generator<Uint8Array> {
  return chunksOf(frame, { columnsOf: frameTypedColumns, sliceRows: options.sliceRows });
}

/**
 * Frames of the same columns as one CSV, in chunks: one header, then each frame's rows (the bytes
 * of their concatenation; a caller can let each frame go once its rows are out).
 */
export function* framesCsvByteChunks(frames: Iterable<pl.DataFrame>): Generator<Uint8Array> {
  let first = true;
  for (const frame of frames) {
    let header = true; // a frame's first chunk is the header line
    for (const chunk of frameCsvByteChunks(frame)) {
      if (first || !header) yield chunk;
      header = false;
    }
    first = false;
  }
}

/** The export frame as CSV text chunks, in the column table's order. */
export function csvChunks(frame: pl.DataFrame, options: CsvChunkOptions = {}): Generator<string> {
  return decoded(csvByteChunks(frame, options));
}

/** Any frame (segments, comparisons) as CSV text chunks, in its own column order. */
export function frameCsvChunks(
  frame: pl.DataFrame,
  options: CsvChunkOptions = {},
): Generator<string> {
  return decoded(frameCsvByteChunks(frame, options));
}

/**
 * Writes chunks to `path` atomically; returns the byte count. `chosenBy`: how the user chose the
 * folder (--out-dir…), for the fix a failure names; by default it names no flag. `signal` (a
 * command's Ctrl-C or SIGTERM) is checked between chunks: a long file (compare's per-organization
 * rows, made as they are written) stops at the next chunk, its temporary file removed.
 */
export async function writeChunksFile(
  chunks: Iterable<string | Uint8Array>,
  path: string,
  { chosenBy = ANOTHER_OUTPUT_FOLDER, signal }: { chosenBy?: ChosenBy; signal?: AbortSignal } = {},
): Promise<number> {
  let bytes = 0;
  await writeFileAtomic(path, async (tmp) => {
    const file = await open(tmp, "w");
    try {
      const encoder = new TextEncoder();
      for (const chunk of chunks) {
        signal?.throwIfAborted();
        const data = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
        bytes += data.byteLength;
        await file.write(data);
      }
      await file.sync();
    } finally {
      await file.close();
    }
  }, { chosenBy });
  return bytes;
}

/** The export frame as a CSV file at `path`, atomically (`chosenBy`: see writeChunksFile). */
export function writeCsvFile(
  frame: pl.DataFrame,
  path: string,
  options: { chosenBy?: ChosenBy } = {},
): Promise<number> {
  return writeChunksFile(csvByteChunks(frame), path, options);
}

/**
 * A report: `<base>.csv` (the main frame), `<base><suffix>.csv` (a second frame, e.g. totals) and
 * `<base>.md` (the summary), each written atomically. Returns [main, second, summary] paths.
 */
export interface ReportFilesOptions {
  /** the path without extension: `<outDir>/<name>` */
  base: string;
  /** how the user chose `<outDir>`, for the fix a failure names */
  chosenBy: ChosenBy;
  main: pl.DataFrame;
  second: { suffix: string; frame: pl.DataFrame };
  markdown: string;
}

/** The three files of a report (`<base>.csv`, `<base><suffix>.csv`, `<base>.md`): all or none. */
export async function writeReportFiles(
  { base, chosenBy, main, second, markdown }: ReportFilesOptions,
): Promise<[string, string, string]> {
  const name = basename(base);
  const [csvPath, secondPath, markdownPath] = await writeFileSet(dirname(base), async (staging) => {
    const paths = [`${name}.csv`, `${name}${second.suffix}.csv`, `${name}.md`]
      .map((file) => join(staging, file));
    await writeChunksFile(frameCsvByteChunks(main), paths[0], { chosenBy });
    await writeChunksFile(frameCsvByteChunks(second.frame), paths[1], { chosenBy });
    await writeFileAtomic(paths[2], (tmp) => Deno.writeTextFile(tmp, markdown), { chosenBy });
    return paths;
  }, { chosenBy });
  return [csvPath, secondPath, markdownPath];
}
