/**
 * CSV: UTF-8, RFC 4180 (CRLF line ends, fields with , " CR or LF quoted, quotes doubled), one
 * header row, one row per organization; empty field = null. Numbers never use exponents.
 */
import pl from "nodejs-polars";
import { open } from "node:fs/promises";
import { writeFileAtomic } from "./files.ts";
import type { ColumnDef } from "../frame/columns.ts";
import {
  BOOLEAN_CELLS,
  cellKinds,
  DATETIME_CELLS,
  exportTypedColumns,
  frameTypedColumns,
  neutraliseText,
  NUMBER_CELLS,
  SLICE_ROWS,
  TEXT_BYTE_CELLS,
  TEXT_CELLS,
  type TypedColumn,
  typedHeight,
} from "./cells.ts";
import {
  ByteWriter,
  isSafeWhole,
  putBytes,
  putCsvText,
  putDecimal12,
  putInteger,
  putIsoInstant,
  utf8,
} from "./cell_text.ts";

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Plain decimal text, 12 significant digits (drops float noise like 0.30000000000000004). */
export function formatNumber(value: number): string {
  return formatNumberText(value, String(value));
}

/**
 * formatNumber of a finite `value` given `shortest` = String(value) (computed once per cell and
 * shared with the XLSX writer, which writes it as is).
 */
export function formatNumberText(value: number, shortest: string): string {
  // Whole numbers below 1e21 print exactly and without an exponent: the common case, kept cheap.
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return shortest;
  // The shortest text that reads back as the value, rounded to 12 significant digits as text:
  // the same digits toPrecision(12) gives (see roundShortestTo12), without its cost.
  if (!shortest.includes("e")) {
    const rounded = roundShortestTo12(shortest);
    if (rounded !== null) return rounded;
  }
  const rounded = Number(value.toPrecision(12));
  const text = String(rounded);
  if (!text.includes("e")) return text;
  if (Math.abs(rounded) >= 1e21) return BigInt(rounded).toString(); // toFixed would use an exponent
  const decimals = Math.min(100, Math.max(0, 11 - Math.floor(Math.log10(Math.abs(rounded)))));
  return rounded.toFixed(decimals).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

/**
 * A plain decimal (String(x) without exponent) rounded to 12 significant digits, trailing zeros
 * dropped; null when its 13th digit is a final 5 (a tie in the text: the exact binary value
 * decides, so the caller asks toPrecision). Otherwise the exact value and its shortest text lie
 * on the same side of every 13-digit decimal (one between them would be a shorter text for the
 * same double), so rounding the text rounds the value.
 */
export function roundShortestTo12(text: string): string | null {
  const n = text.length;
  let at = text.charCodeAt(0) === 45 ? 1 : 0; // "-"
  while (at < n && (text.charCodeAt(at) === 48 || text.charCodeAt(at) === 46)) at++; // 0 and .
  let digits = 0;
  for (; at < n; at++) {
    if (text.charCodeAt(at) !== 46 && ++digits === 12) break;
  }
  if (at >= n - 1) return text; // 12 significant digits or fewer
  const twelfth = at;
  let next = twelfth + 1;
  if (text.charCodeAt(next) === 46) next++;
  if (next >= n) return text;
  const thirteenth = text.charCodeAt(next) - 48;
  if (thirteenth === 5 && next === n - 1) return null;
  const dot = text.indexOf(".");
  const integerEnd = dot === -1 ? n : dot;
  const kept = thirteenth >= 5
    ? incremented(text.slice(0, twelfth + 1))
    : text.slice(0, twelfth + 1);
  if (twelfth < integerEnd) return kept + "0".repeat(integerEnd - twelfth - 1);
  let end = kept.length;
  while (kept.charCodeAt(end - 1) === 48) end--; // trailing zeros of the fraction
  if (kept.charCodeAt(end - 1) === 46) end--; // and a bare point
  return kept.slice(0, end);
}

/** A decimal text plus one unit in its last digit ("0.129" → "0.130", "-9.99" → "-10.00"). */
function incremented(text: string): string {
  const chars = text.split("");
  let i = chars.length - 1;
  for (; i >= 0; i--) {
    const c = chars[i];
    if (c === ".") continue;
    if (c === "-") break;
    if (c === "9") {
      chars[i] = "0";
      continue;
    }
    chars[i] = String.fromCharCode(c.charCodeAt(0) + 1);
    return chars.join("");
  }
  chars.splice(i + 1, 0, "1"); // carried past the first digit: 99.9 → 100.0
  return chars.join("");
}

const TRUE = utf8("true");
const FALSE = utf8("false");

/** The field text of a string or datetime column, per row of the slice ("" = empty). */
function textFields(column: TypedColumn): string[] {
  const strings = column.strings;
  if (strings) {
    return strings.map((v) =>
      v === null || v === undefined ? "" : quote(neutraliseText(String(v)))
    );
  }
  return Array.from(column.numbers!, (v) => v !== v ? "" : isoField(v));
}

/** A datetime's field: toISOString without `.000`, "" for an invalid date. */
function isoField(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().replace(/\.000Z$/, "Z");
}

/**
 * formatNumber(value) of a finite value at `at` of `out`'s buffer (which has its slack free):
 * whole numbers and 12-digit decimals as digits from the double, the rest through formatNumber.
 * Returns the position after it (the buffer may have grown: read out.buffer again).
 */
export function putNumberField(out: ByteWriter, at: number, value: number): number {
  if (isSafeWhole(value)) return putInteger(out.buffer, at, value);
  if (!Number.isInteger(value)) {
    const end = putDecimal12(out.buffer, at, value);
    if (end >= 0) return end;
  }
  out.length = at;
  out.text(formatNumber(value));
  return out.length;
}

export interface CsvChunkOptions {
  /** rows per slice out of Polars (default SLICE_ROWS); the bytes do not depend on it */
  sliceRows?: number;
}

/** Rows per chunk of csvChunks (what a streamed download gets at a time). */
const ROWS_PER_CHUNK = 1000;

/** Bytes per chunk handed to the file. */
const CHUNK_BYTES = 1 << 16;

/** The header line of `columns`. */
export function csvHeader(columns: readonly { def: ColumnDef }[]): string {
  return columns.map((c) => quote(c.def.name)).join(",") + "\r\n";
}

/**
 * CSV lines of a typed slice as UTF-8 chunks: [every row, the rows `keep` holds for] (the second
 * is empty without `keep`), so a subset file comes out of the same formatting pass.
 */
export function* csvLineBytes(
  columns: TypedColumn[],
  /** truthy for the rows of the second file */
  keep?: ArrayLike<boolean | number>,
  /** a chunk every this many rows (the text chunks' 1,000) instead of every ~64 KB */
  rowsPerChunk?: number,
): Generator<[Uint8Array, Uint8Array]> {
  const width = columns.length;
  const kinds = cellKinds(columns, { datetimeDigits: true });
  const textBytes = columns.map((c) => c.text ?? null);
  const texts = columns.map((c, i) => kinds[i] === TEXT_CELLS ? textFields(c) : []);
  const numbers = columns.map((c) => c.numbers ?? new Float64Array(0));
  const height = typedHeight(columns);
  // slack: a row's numbers, booleans and separators (≤ 27 bytes a field) without a bounds check
  const all = new ByteWriter({ capacity: CHUNK_BYTES + (CHUNK_BYTES >> 2), slack: 32 * width + 8 });
  const kept = new ByteWriter({ capacity: CHUNK_BYTES + (CHUNK_BYTES >> 2), slack: 0 });
  for (let row = 0; row < height; row++) {
    const start = all.length;
    all.reserve(0);
    let buffer = all.buffer;
    let at = start;
    for (let c = 0; c < width; c++) {
      if (c > 0) buffer[at++] = 44; // ,
      switch (kinds[c]) {
        case TEXT_CELLS: {
          const text = texts[c][row];
          if (text.length === 0) break;
          all.length = at;
          all.text(text);
          buffer = all.buffer;
          at = all.length;
          break;
        }
        case NUMBER_CELLS: {
          const v = numbers[c][row];
          if (v - v !== 0) break; // NaN (null) and ±Infinity stay empty
          at = putNumberField(all, at, v);
          buffer = all.buffer;
          break;
        }
        case BOOLEAN_CELLS: {
          const v = numbers[c][row];
          if (v === v) at = putBytes(buffer, at, v === 1 ? TRUE : FALSE);
          break;
        }
        case TEXT_BYTE_CELLS:
          at = putCsvText(all, at, textBytes[c]!, row);
          buffer = all.buffer;
          break;
        case DATETIME_CELLS: {
          const v = numbers[c][row];
          if (v !== v) break; // null
          const end = putIsoInstant(buffer, at, v);
          if (end >= 0) {
            at = end;
            break;
          }
          all.length = at;
          all.text(isoField(v));
          buffer = all.buffer;
          at = all.length;
          break;
        }
      }
    }
    buffer[at++] = 13;
    buffer[at++] = 10;
    all.length = at;
    if (keep?.[row]) kept.copy(buffer.subarray(start, at));
    if (rowsPerChunk ? (row + 1) % rowsPerChunk === 0 : at >= CHUNK_BYTES) {
      yield [all.take(), kept.take()];
    }
  }
  if (all.length > 0) yield [all.take(), kept.take()];
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
    for (const [all] of csvLineBytes(columns, undefined, ROWS_PER_CHUNK)) yield all;
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

/** Writes chunks to `path` atomically; returns the byte count. */
export async function writeChunksFile(
  chunks: Iterable<string | Uint8Array>,
  path: string,
): Promise<number> {
  let bytes = 0;
  await writeFileAtomic(path, async (tmp) => {
    const file = await open(tmp, "w");
    try {
      const encoder = new TextEncoder();
      for (const chunk of chunks) {
        const data = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
        bytes += data.byteLength;
        await file.write(data);
      }
      await file.sync();
    } finally {
      await file.close();
    }
  });
  return bytes;
}

export function writeCsvFile(frame: pl.DataFrame, path: string): Promise<number> {
  return writeChunksFile(csvByteChunks(frame), path);
}

/**
 * A report: `<base>.csv` (the main frame), `<base><suffix>.csv` (a second frame, e.g. totals) and
 * `<base>.md` (the summary), each written atomically. Returns [main, second, summary] paths.
 */
export interface ReportFilesOptions {
  /** the path without extension: `<outDir>/<name>` */
  base: string;
  main: pl.DataFrame;
  second: { suffix: string; frame: pl.DataFrame };
  markdown: string;
}

export async function writeReportFiles(
  { base, main, second, markdown }: ReportFilesOptions,
): Promise<[string, string, string]> {
  const paths: [string, string, string] = [
    `${base}.csv`,
    `${base}${second.suffix}.csv`,
    `${base}.md`,
  ];
  await writeChunksFile(frameCsvByteChunks(main), paths[0]);
  await writeChunksFile(frameCsvByteChunks(second.frame), paths[1]);
  await writeFileAtomic(paths[2], (tmp) => Deno.writeTextFile(tmp, markdown));
  return paths;
}
