/**
 * CSV: UTF-8, RFC 4180 (CRLF line ends, fields with , " CR or LF quoted, quotes doubled), one
 * header row, one row per organization; empty field = null. Numbers never use exponents.
 */
import type pl from "nodejs-polars";
import { open } from "node:fs/promises";
import { writeFileAtomic } from "./files.ts";
import {
  exportColumns,
  finiteOrNull,
  type FrameColumn,
  frameColumns,
  neutraliseText,
  SLICE_ROWS,
} from "./cells.ts";

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Plain decimal text, 12 significant digits (drops float noise like 0.30000000000000004). */
export function formatNumber(value: number): string {
  // Whole numbers below 1e21 print exactly and without an exponent: the common case, kept cheap.
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  // The shortest text that reads back as the value: when it has 12 significant digits or fewer
  // and no exponent, rounding to 12 digits gives that same value, so the same text (and
  // toPrecision, a third of the CSV's time, is skipped).
  const shortest = String(value);
  if (!shortest.includes("e") && significantDigits(shortest) <= 12) return shortest;
  const rounded = Number(value.toPrecision(12));
  const text = String(rounded);
  if (!text.includes("e")) return text;
  if (Math.abs(rounded) >= 1e21) return BigInt(rounded).toString(); // toFixed would use an exponent
  const decimals = Math.min(100, Math.max(0, 11 - Math.floor(Math.log10(Math.abs(rounded)))));
  return rounded.toFixed(decimals).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

/** Significant digits of a plain decimal text ("-0.00120" has 3; "1200.5" has 5). */
function significantDigits(text: string): number {
  let start = text.charCodeAt(0) === 45 ? 1 : 0; // "-"
  while (start < text.length && (text[start] === "0" || text[start] === ".")) start++;
  const rest = text.length - start;
  return text.indexOf(".", start) === -1 ? rest : rest - 1;
}

export type Formatter = (value: unknown) => string;

/** One formatter per column, chosen once (not per cell). */
function formatterFor(column: FrameColumn): Formatter {
  switch (column.def.type) {
    case "string":
      return (v) => v === null || v === undefined ? "" : quote(neutraliseText(String(v)));
    case "integer":
    case "number":
      return (v) => {
        const n = finiteOrNull(v);
        return n === null ? "" : formatNumber(n);
      };
    case "boolean":
      return (v) => v === null || v === undefined ? "" : v ? "true" : "false";
    case "datetime":
      return (v) => {
        if (v === null || v === undefined) return "";
        const date = v instanceof Date ? v : new Date(v as number);
        return Number.isNaN(date.getTime()) ? "" : date.toISOString().replace(/\.000Z$/, "Z");
      };
  }
}

const ROWS_PER_CHUNK = 1000;

export interface CsvChunkOptions {
  /** rows per slice out of Polars (default SLICE_ROWS); the bytes do not depend on it */
  sliceRows?: number;
}

/** The header line of `columns`. */
export function csvHeader(columns: FrameColumn[]): string {
  return columns.map((c) => quote(c.def.name)).join(",") + "\r\n";
}

/** One formatter per column (for csvLines). */
export function csvFormatters(columns: FrameColumn[]): Formatter[] {
  return columns.map(formatterFor);
}

/**
 * CSV lines of rows `from` to `to` of `columns`: [every row, the rows `keep` holds for] (the
 * second is "" without `keep`), so a subset file comes out of the same formatting pass.
 */
export function csvLines(
  columns: FrameColumn[],
  range: { formatters: Formatter[]; from: number; to: number; keep?: boolean[] },
): [string, string] {
  const values = columns.map((c) => c.values);
  const width = columns.length;
  const { formatters, keep } = range;
  let chunk = "";
  let kept = "";
  for (let row = range.from; row < range.to; row++) {
    let line = formatters[0](values[0][row]);
    for (let c = 1; c < width; c++) line += "," + formatters[c](values[c][row]);
    chunk += line + "\r\n";
    if (keep?.[row]) kept += line + "\r\n";
  }
  return [chunk, kept];
}

/** Where `keep` holds for each row of `slice` (null = no, as Polars' filter reads it). */
export function keepMask(slice: pl.DataFrame, keep: pl.Expr): boolean[] {
  return slice.select(keep.fillNull(false).alias("keep")).getColumn("keep").toArray() as boolean[];
}

/** CSV text in chunks of ROWS_PER_CHUNK rows, reading the frame slice by slice. */
function* chunksOf(
  frame: pl.DataFrame,
  { columnsOf, sliceRows = SLICE_ROWS }: {
    columnsOf: (slice: pl.DataFrame) => FrameColumn[];
    sliceRows?: number;
  },
): Generator<string> {
  let formatters: Formatter[] | undefined;
  for (let offset = 0; offset === 0 || offset < frame.height; offset += sliceRows) {
    const columns = columnsOf(frame.slice(offset, sliceRows));
    if (!formatters) {
      yield csvHeader(columns);
      formatters = csvFormatters(columns);
    }
    const height = columns[0]?.values.length ?? 0;
    for (let from = 0; from < height; from += ROWS_PER_CHUNK) {
      yield csvLines(columns, { formatters, from, to: Math.min(height, from + ROWS_PER_CHUNK) })[0];
    }
  }
}

/** The export frame as CSV text chunks, in the column table's order. */
export function csvChunks(frame: pl.DataFrame, options: CsvChunkOptions = {}): Generator<string> {
  return chunksOf(frame, { columnsOf: exportColumns, sliceRows: options.sliceRows });
}

/** Any frame (segments, comparisons) as CSV text chunks, in its own column order. */
export function frameCsvChunks(
  frame: pl.DataFrame,
  options: CsvChunkOptions = {},
): Generator<string> {
  return chunksOf(frame, { columnsOf: frameColumns, sliceRows: options.sliceRows });
}

/** Writes chunks to `path` atomically; returns the byte count. */
export async function writeChunksFile(chunks: Iterable<string>, path: string): Promise<number> {
  let bytes = 0;
  await writeFileAtomic(path, async (tmp) => {
    const file = await open(tmp, "w");
    try {
      const encoder = new TextEncoder();
      for (const chunk of chunks) {
        const data = encoder.encode(chunk);
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
  return writeChunksFile(csvChunks(frame), path);
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
  await writeChunksFile(frameCsvChunks(main), paths[0]);
  await writeChunksFile(frameCsvChunks(second.frame), paths[1]);
  await writeFileAtomic(paths[2], (tmp) => Deno.writeTextFile(tmp, markdown));
  return paths;
}
