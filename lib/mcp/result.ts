/**
 * Tool results: text plus structuredContent within one byte cap (PRICING_MCP_MAX_BYTES counts
 * both), and one-line errors a model can act on.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import { collectDroppedFrames } from "../core/memory.ts";
import {
  byteLength,
  capText,
  cutMark,
  dataLiteral,
  jsonText,
  oneLineError,
  type Row,
  sentLength,
  tableText,
} from "./text.ts";

/** UTF-8 bytes of a value as JSON (as structuredContent travels: jsonText). */
export function jsonBytes(value: unknown): number {
  return byteLength(jsonText(value));
}

/** Text that always fits, whatever the structured part takes (a cut text says so). */
const MIN_TEXT_BYTES = 256;

/**
 * A result whose text and structuredContent together stay within `maxBytes`: tools cut their
 * tables to fit first (tableOut); the text is cut to what the structured part leaves, as a last
 * resort. structuredContent is the structured part as jsonText writes it: an infinity or NaN the
 * figures hold is a string ("Infinity", "-Infinity", "NaN"), never null.
 */
export function textResult(
  text: string,
  structured: Record<string, unknown>,
  { maxBytes }: { maxBytes: number },
): CallToolResult {
  const json = jsonText(structured);
  const structuredBytes = byteLength(json);
  const room = Math.max(MIN_TEXT_BYTES, maxBytes - structuredBytes);
  // the note names the setting, not the room left (it once read "cut at 256 bytes
  // (PRICING_MCP_MAX_BYTES)" under a setting of 65,536)
  const note =
    `structuredContent takes ${structuredBytes} of PRICING_MCP_MAX_BYTES (${maxBytes}) bytes`;
  return {
    content: [{ type: "text", text: capText(text, { maxBytes: room, reason: note }) }],
    structuredContent: JSON.parse(json),
  };
}

/** A long text value cut to its first `maxChars` characters, saying so and how long it was. */
export function cutLongText(value: string, maxChars: number): string {
  const chars = [...value];
  if (chars.length <= maxChars) return value;
  const cut = `${chars.slice(0, maxChars).join("")}${cutMark(chars.length)}`;
  // (a value hardly longer than the cut would come out longer with the mark: kept whole)
  return [...cut].length < chars.length ? cut : value;
}

/** The row with each text value longer than `maxChars` cut (cutLongText). */
export function rowWithTextCut(row: Row, maxChars: number): Row {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, typeof v === "string" ? cutLongText(v, maxChars) : v]),
  );
}

/** The longest text values a fitting result tries, in turn (no cut first). */
const TEXT_CUTS = [Infinity, 1000, 300, 100, 40];

/**
 * A result made by `build` whose text and structuredContent fit `maxBytes` together: data text
 * (an organization's name, its tier_raw, …) is cut shorter and shorter until they do, so a
 * 5,000-character name no longer pushes the figures out of the text. Past the shortest cut the
 * text is capped (textResult).
 */
export function fittingResult(
  build: (maxChars: number) => { text: string; structured: Record<string, unknown> },
  maxBytes: number,
): CallToolResult {
  let built = build(TEXT_CUTS[0]);
  for (const maxChars of TEXT_CUTS.slice(1)) {
    if (sentLength(built.text) + jsonBytes(built.structured) <= maxBytes) break;
    built = build(maxChars);
  }
  return textResult(built.text, built.structured, { maxBytes });
}

/** Warnings listed at most; the rest are counted (a scenario of 5,000 plans warned 5,002 times). */
export const MAX_WARNINGS = 10;
/** Characters a listed warning keeps, the longer if it fits (one may name thousands of plans). */
const WARNING_CUTS = [1000, 200];

export interface ListedWarnings {
  /** the warnings listed, each cut to fit: structuredContent's `warnings` */
  shown: string[];
  /** the text's lines: "warnings:", a literal per warning shown, how many more there are */
  lines: string[];
  /** UTF-8 bytes the warnings take in both channels */
  bytes: number;
}

/**
 * The first MAX_WARNINGS warnings that fit `maxBytes` in both channels (a text line and a JSON
 * string each), then a line saying how many more there are: "… and 4992 more warnings".
 */
export function listedWarnings(warnings: readonly string[], maxBytes: number): ListedWarnings {
  const size = (warning: string) =>
    sentLength(`- ${dataLiteral(warning)}\n`) + jsonBytes(warning) + 1;
  const shown: string[] = [];
  let bytes = 0;
  for (const warning of warnings.slice(0, MAX_WARNINGS)) {
    const fitting = WARNING_CUTS.map((maxChars) => cutLongText(warning, maxChars))
      .find((cut) => bytes + size(cut) <= maxBytes);
    if (fitting === undefined) break;
    shown.push(fitting);
    bytes += size(fitting);
  }
  const more = warnings.length - shown.length;
  const lines = warnings.length === 0 ? [] : [
    "warnings:",
    ...shown.map((warning) => `- ${dataLiteral(warning)}`),
    ...(more > 0
      ? [`… and ${more} more warning${more === 1 ? "" : "s"} (${warnings.length} in all)`]
      : []),
  ];
  return { shown, lines, bytes: sentLength(lines.join("\n")) + 2 + jsonBytes(shown) };
}

/** What is left for tables after `reserved` bytes of other content (never below nothing). */
export function tableBudget(maxBytes: number, reserved: number): number {
  return Math.max(0, maxBytes - reserved);
}

export function errorResult(error: unknown): CallToolResult {
  return { content: [{ type: "text", text: `error: ${oneLineError(error)}` }], isError: true };
}

/**
 * Runs a tool body; any failure becomes a one-line error result (never a stack trace). Then the
 * body's dropped Polars frames are collected (under `--expose-gc`, as `deno task mcp` runs): their
 * native memory goes only when V8 collects their wrappers, which a server's small JS heap rarely
 * asks for, so over a million organizations cheap calls piled up ~50–230 MB each.
 */
export async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    return errorResult(error);
  } finally {
    await collectDroppedFrames();
  }
}

/** Room for tableOut's "(n of m rows shown, …)" line. */
const NOTE_BYTES = 128;

export interface TableOut {
  text: string;
  rows: Row[];
  /** rows left out by the row or byte cap */
  cut: number;
  /** the length text values were cut to (cutTableOut), null when none was */
  textCut: number | null;
}

export interface TableOutOptions {
  maxBytes: number;
  /** rows there are in all (default: the rows given) */
  total?: number;
  /** the total is a lower bound: the count stopped there */
  moreThan?: boolean;
  /** the caller's own limit: a table cut to it is what was asked, said without advice */
  limit?: number;
  /** what the limit is called in its line (default "limit": "limit 3 of 14 rows") */
  limitName?: string;
  /** what a caller can do about a cut, for tools that take a query */
  advice?: string;
  /** the rows' text values were cut to this many characters (cutTableOut): said in the last line */
  textCut?: number;
}

/** Room for the last line's words on cut text values. */
const TEXT_CUT_NOTE_BYTES = 64;

/**
 * A table for both channels within `maxBytes`: the text lines and the JSON rows of
 * structuredContent are counted together, rows stop where both no longer fit, and a last line
 * says how many were left out and by which cap (or that the caller's limit was kept).
 */
export function tableOut(columns: string[], rows: Row[], options: TableOutOptions): TableOut {
  const { textCut } = options;
  // (the last line's room kept back)
  const noteBytes = NOTE_BYTES + (textCut === undefined ? 0 : TEXT_CUT_NOTE_BYTES);
  const table = tableText(columns, rows, { maxBytes: Math.max(0, options.maxBytes - noteBytes) });
  const total = options.total ?? rows.length;
  const shown = table.shown;
  const cut = total - shown;
  const advice = options.advice ? `; ${options.advice}` : "";
  const textNote = textCut === undefined
    ? ""
    : `text values cut to ${textCut} characters, within PRICING_MCP_MAX_BYTES`;
  const out = (note: string | null) => ({
    text: note === null ? table.text : `${table.text}\n(${note})`,
    rows: rows.slice(0, shown),
    cut,
    textCut: textCut ?? null,
  });
  if (cut <= 0 && !options.moreThan) return out(textCut === undefined ? null : textNote + advice);
  const of = options.moreThan ? `more than ${total}` : `${total}`;
  if (options.limit !== undefined && shown === options.limit && shown === rows.length) {
    const limitNote = `${options.limitName ?? "limit"} ${options.limit} of ${of} rows`;
    return out(textCut === undefined ? limitNote : `${limitNote}; ${textNote}`);
  }
  const cap = shown < rows.length ? "within PRICING_MCP_MAX_BYTES" : "at most PRICING_MCP_MAX_ROWS";
  const rowsNote = `${shown} of ${of} rows shown, ${cap}`;
  return out(`${textCut === undefined ? rowsNote : `${rowsNote}; ${textNote}`}${advice}`);
}

/** At least this many rows (or all) are shown whole before text values are cut to show more. */
const ROWS_BEFORE_CUTTING = 10;

/**
 * tableOut for a query's result: when long text values crowd the rows out (fewer than
 * ROWS_BEFORE_CUTTING, or all, shown), they are cut (cutLongText, marked `…(cut, N chars)`), by
 * the least of TEXT_CUTS that shows that many (one 100,000-character value read "0 of 1 rows
 * shown" and nothing else); rows that merely outnumber the room are left out whole, as tableOut
 * does (cutting 200 URLs to 40 characters to show 25 more rows lost what told them apart).
 */
export function cutTableOut(columns: string[], rows: Row[], options: TableOutOptions): TableOut {
  const enough = Math.min(rows.length, ROWS_BEFORE_CUTTING);
  let best = tableOut(columns, rows, options);
  for (const maxChars of TEXT_CUTS.slice(1)) {
    if (best.rows.length >= enough) break;
    const cutRows = rows.map((row) => rowWithTextCut(row, maxChars));
    const out = tableOut(columns, cutRows, { ...options, textCut: maxChars });
    if (out.rows.length > best.rows.length) best = out;
  }
  return best;
}
