/**
 * The `pricing://export.csv` resource within PRICING_MCP_MAX_BYTES, like a tool result: the CSV's
 * first whole records (its header first), then, when the file is longer, a second text part saying
 * how much was left out and where the rest is. Production CSVs run to tens of MB; a model reads
 * them through query_sql. Its text cells are data (organization names): each field is escaped as
 * the tools' data literals are (literalBody), so a name's line break, control or bidi character
 * cannot start a line of its own or hide text; numbers pass through as the file writes them.
 */
import { basename } from "node:path";
import { csvChunks } from "../formats/csv.ts";
import { parseCsv } from "../formats/csv_parse.ts";
import { quote } from "../formats/csv_rows.ts";
import type { Dataset, DatasetStore } from "./dataset.ts";
import { NOTE_BYTES } from "./resource_cut.ts";
import { notNewestNote } from "./served_note.ts";
import { literalBody, sentLength } from "./text.ts";

export interface CsvPrefix {
  /** whole records only (the header is the first); all of it when complete */
  text: string;
  /** data records in `text` (the header not counted) */
  records: number;
  /** UTF-8 bytes of `text` */
  bytes: number;
  /** the bytes held all of the CSV */
  complete: boolean;
}

const QUOTE = 0x22;
const LF = 0x0a;

/**
 * The first whole records of a CSV within `maxBytes`. A record ends at an LF outside quotes (RFC
 * 4180: a quoted field may hold line breaks; a doubled "" toggles twice, which keeps the state);
 * both are ASCII, so UTF-8 bytes are scanned as they are.
 */
export function csvPrefix(bytes: Uint8Array, maxBytes: number): CsvPrefix {
  if (bytes.length <= maxBytes) {
    const text = new TextDecoder().decode(bytes);
    const records = Math.max(0, recordEnds(bytes, bytes.length).count - 1);
    return { text, records, bytes: bytes.length, complete: true };
  }
  const { count, last } = recordEnds(bytes, maxBytes);
  return {
    text: new TextDecoder().decode(bytes.subarray(0, last)),
    records: Math.max(0, count - 1),
    bytes: last,
    complete: false,
  };
}

/** How many records end within the first `limit` bytes, and where the last of them ends. */
function recordEnds(bytes: Uint8Array, limit: number): { count: number; last: number } {
  let quoted = false;
  let count = 0;
  let last = 0;
  for (let i = 0; i < limit; i++) {
    const b = bytes[i];
    if (b === QUOTE) quoted = !quoted;
    else if (b === LF && !quoted) {
      count++;
      last = i + 1;
    }
  }
  // a last record without a final line break
  if (limit === bytes.length && last < limit) {
    count++;
    last = limit;
  }
  return { count, last };
}

/** Up to `count` bytes from the start of a file (a 30 MB export is not read for 64 KB). */
async function fileStart(path: string, count: number): Promise<Uint8Array> {
  const file = await Deno.open(path);
  try {
    const buffer = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const read = await file.read(buffer.subarray(filled));
      if (read === null) break;
      filled += read;
    }
    return buffer.subarray(0, filled);
  } finally {
    file.close();
  }
}

/** The in-memory dataset's CSV, written only until it passes `count` bytes. */
function frameCsvStart(chunks: Iterable<string>, count: number): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const chunk of chunks) {
    const bytes = encoder.encode(chunk);
    parts.push(bytes);
    length += bytes.length;
    if (length > count) break;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The records of `csv` (whole records, the header first) with every field escaped as data
 * (literalBody: a line break reads \n, a bidi control \u202e; digits, signs and ISO dates
 * are unchanged), quoted where RFC 4180 needs it, CRLF-ended as the export writes them; as many
 * as fit `maxBytes` (the raw records read within them may take more room escaped: fewer are
 * served).
 */
export function escapedCsv(csv: string, maxBytes: number): CsvPrefix {
  const lines: string[] = [];
  let bytes = 0;
  const rows = parseCsv(csv);
  for (const row of rows) {
    const line = row.map((field) => quote(literalBody(field))).join(",") + "\r\n";
    const size = sentLength(line);
    if (bytes + size > maxBytes) break;
    lines.push(line);
    bytes += size;
  }
  return {
    text: lines.join(""),
    records: Math.max(0, lines.length - 1),
    bytes,
    complete: lines.length === rows.length,
  };
}

/** The resource's text parts: the CSV (whole, or its first records) escaped and, if cut, the note. */
export async function csvResourceTexts(
  store: DatasetStore,
): Promise<{ csv: string; note: string | null; dataset: Dataset }> {
  const dataset = await store.current();
  const maxBytes = store.settings.maxBytes;
  // (an older export than the newest says so in a part of its own, within the cap too)
  const budget = maxBytes - NOTE_BYTES - (notNewestNote(dataset)?.bytes ?? 0);
  // one byte past the budget tells a file that fits from one that does not
  const path = dataset.source.csvPath;
  const bytes = path
    ? await fileStart(path, budget + 1)
    : frameCsvStart(csvChunks(dataset.frame), budget);
  const prefix = csvPrefix(bytes, budget);
  const served = escapedCsv(prefix.text, budget);
  if (prefix.complete && served.complete) return { csv: served.text, note: null, dataset };
  const size = path ? ` of the file's ${(await Deno.stat(path)).size}` : "";
  const where = path ? `, or open the export file ${basename(path)}` : "";
  return {
    dataset,
    csv: served.text,
    note: `pricing://export.csv is cut to its first ${served.records} of ${dataset.frame.height} ` +
      `organizations (${served.bytes} bytes${size}; PRICING_MCP_MAX_BYTES is ${maxBytes}): ` +
      "query the rest with the query_sql " +
      `tool${where}`,
  };
}
