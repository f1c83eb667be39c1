/**
 * Tool results: text plus structuredContent within one byte cap (PRICING_MCP_MAX_BYTES counts
 * both), and one-line errors a model can act on.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import { collectDroppedFrames } from "../core/memory.ts";
import { byteLength, capText, oneLineError, type Row, tableText } from "./text.ts";

/** UTF-8 bytes of a value as JSON (as structuredContent travels). */
export function jsonBytes(value: unknown): number {
  return byteLength(JSON.stringify(value));
}

/** Text that always fits, whatever the structured part takes (a cut text says so). */
const MIN_TEXT_BYTES = 256;

/**
 * A result whose text and structuredContent together stay within `maxBytes`: tools cut their
 * tables to fit first (tableOut); the text is cut to what the structured part leaves, as a last
 * resort.
 */
export function textResult(
  text: string,
  structured: Record<string, unknown>,
  maxBytes: number,
): CallToolResult {
  const room = Math.max(MIN_TEXT_BYTES, maxBytes - jsonBytes(structured));
  return {
    content: [{ type: "text", text: capText(text, room) }],
    structuredContent: structured,
  };
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

/** Room for tableOut's "(n of m rows shown; …)" line. */
const NOTE_BYTES = 100;

export interface TableOut {
  text: string;
  rows: Row[];
  /** rows left out by the row or byte cap */
  cut: number;
}

/**
 * A table for both channels within `maxBytes`: the text lines and the JSON rows of
 * structuredContent are counted together, rows stop where both no longer fit, and a last line
 * says how many were left out.
 */
export function tableOut(
  columns: string[],
  rows: Row[],
  options: { maxBytes: number; total?: number; moreThan?: boolean },
): TableOut {
  // (the last line's room kept back)
  const table = tableText(columns, rows, Math.max(0, options.maxBytes - NOTE_BYTES));
  const total = options.total ?? rows.length;
  const cut = total - table.shown;
  // moreThan: the row cap stopped reading, so the real total is unknown
  const of = options.moreThan ? `more than ${total}` : `${total}`;
  const text = cut > 0 || options.moreThan
    ? `${table.text}\n(${table.shown} of ${of} rows shown; narrow the query or aggregate)`
    : table.text;
  return { text, rows: rows.slice(0, table.shown), cut };
}
