/**
 * CSV: UTF-8, RFC 4180 (CRLF line ends, fields with , " CR or LF quoted, quotes doubled), one
 * header row, one row per organization; empty field = null. Numbers never use exponents.
 */
import type pl from "nodejs-polars";
import { open } from "node:fs/promises";
import { writeFileAtomic } from "../files.ts";
import {
  exportColumns,
  finiteOrNull,
  type FrameColumn,
  frameColumns,
  neutraliseText,
} from "./cells.ts";

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Plain decimal text, 12 significant digits (drops float noise like 0.30000000000000004). */
export function formatNumber(value: number): string {
  const rounded = Number(value.toPrecision(12));
  const text = String(rounded);
  if (!/e/i.test(text)) return text;
  if (Math.abs(rounded) >= 1e21) return BigInt(rounded).toString(); // toFixed would use an exponent
  const decimals = Math.min(100, Math.max(0, 11 - Math.floor(Math.log10(Math.abs(rounded)))));
  return rounded.toFixed(decimals).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

function formatCell(column: FrameColumn, value: unknown): string {
  if (value === null || value === undefined) return "";
  switch (column.def.type) {
    case "string":
      return quote(neutraliseText(String(value)));
    case "integer":
    case "number": {
      const n = finiteOrNull(value);
      return n === null ? "" : formatNumber(n);
    }
    case "boolean":
      return value ? "true" : "false";
    case "datetime": {
      const date = value instanceof Date ? value : new Date(value as number);
      return Number.isNaN(date.getTime()) ? "" : date.toISOString().replace(/\.000Z$/, "Z");
    }
  }
}

const ROWS_PER_CHUNK = 1000;

function* chunksOf(columns: FrameColumn[], height: number): Generator<string> {
  yield columns.map((c) => quote(c.def.name)).join(",") + "\r\n";
  let chunk = "";
  for (let row = 0; row < height; row++) {
    chunk += columns.map((c) => formatCell(c, c.values[row])).join(",") + "\r\n";
    if ((row + 1) % ROWS_PER_CHUNK === 0) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

/** The export frame as CSV text chunks, in the column table's order. */
export function csvChunks(frame: pl.DataFrame): Generator<string> {
  return chunksOf(exportColumns(frame), frame.height);
}

/** Any frame (segments, comparisons) as CSV text chunks, in its own column order. */
export function frameCsvChunks(frame: pl.DataFrame): Generator<string> {
  return chunksOf(frameColumns(frame), frame.height);
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
