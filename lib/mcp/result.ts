/** Tool results: capped text plus structuredContent, and one-line errors a model can act on. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import { collectDroppedFrames } from "../core/memory.ts";
import { capText, oneLineError, type Row, tableText } from "./text.ts";

export function textResult(
  text: string,
  structured: Record<string, unknown>,
  maxBytes: number,
): CallToolResult {
  return {
    content: [{ type: "text", text: capText(text, maxBytes) }],
    structuredContent: structured,
  };
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

export interface TableOut {
  text: string;
  rows: Row[];
  /** rows left out by the row or byte cap */
  cut: number;
}

/**
 * A table for both channels: text shows what fits in `maxBytes`, structuredContent carries the
 * same rows (so both stay within the cap), and a last line says how many were left out.
 */
export function tableOut(
  columns: string[],
  rows: Row[],
  options: { maxBytes: number; total?: number; moreThan?: boolean },
): TableOut {
  const table = tableText(columns, rows, options.maxBytes);
  const total = options.total ?? rows.length;
  const cut = total - table.shown;
  // moreThan: the row cap stopped reading, so the real total is unknown
  const of = options.moreThan ? `more than ${total}` : `${total}`;
  const text = cut > 0 || options.moreThan
    ? `${table.text}\n(${table.shown} of ${of} rows shown; narrow the query or aggregate)`
    : table.text;
  return { text, rows: rows.slice(0, table.shown), cut };
}
