/**
 * What every answer from a dataset that is not the newest export says (Dataset.notNewest: the
 * newest cannot be read, cut short or empty, and the newest export that can is served): a first
 * line of its text, `warning: not the newest export: this is from <file> (as of …)`, and
 * `not_newest` in its structuredContent, so an older export's figures are never passed off as
 * current. Its room is taken from the answer's byte cap before the answer is built, so both
 * still fit the cap.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import { basename } from "node:path";
import { type Dataset, UNREADABLE_LISTED } from "./dataset.ts";
import { jsonBytes } from "./result.ts";
import { sentLength } from "./text.ts";

/** The note in both channels. */
export interface NotNewestNote {
  /** the text's first line */
  line: string;
  /** structuredContent's `not_newest` */
  structured: {
    file: string;
    as_of: string;
    window_days: number;
    unreadable: { file: string; problem: string }[];
    unreadable_total: number;
  };
  /** UTF-8 bytes both take in an answer */
  bytes: number;
}

/** The note for answers from `dataset`; null when it is the newest export (or the demo). */
export function notNewestNote(dataset: Dataset): NotNewestNote | null {
  const unreadable = dataset.notNewest?.unreadable;
  if (!unreadable || unreadable.length === 0 || !dataset.source.path) return null;
  const file = basename(dataset.source.path);
  const listed = unreadable.slice(0, UNREADABLE_LISTED);
  const [newest, ...after] = listed;
  const more = unreadable.length - 1;
  const others = more === 0
    ? ""
    : ` (nor can ${more} more ${more === 1 ? "export" : "exports"} newer than ${file}: ${
      after.map((u) => u.name).join(", ")
    }${unreadable.length > listed.length ? ", …" : ""})`;
  const asOf = dataset.asOf.toISOString();
  const line = `warning: not the newest export: this is from ${file} (as of ${asOf}, ` +
    `${dataset.window.days} days), the newest that can be read; the newest cannot be read: ` +
    `${newest.problem}${others}`;
  const structured = {
    file,
    as_of: asOf,
    window_days: dataset.window.days,
    unreadable: listed.map((u) => ({ file: u.name, problem: u.problem })),
    unreadable_total: unreadable.length,
  };
  // (the line and its newline; the key, its quotes, colon and comma)
  const bytes = sentLength(line) + 2 + jsonBytes(structured) + 16;
  return { line, structured, bytes };
}

/**
 * A tool's answer from `dataset`, built by `build` within `maxBytes` less the note's room, with
 * the note put first in its text and in its structuredContent (none when it is the newest).
 */
export async function answerFrom(
  { dataset, maxBytes }: {
    dataset: Dataset;
    /** the answer's cap (PRICING_MCP_MAX_BYTES), the note's room included */
    maxBytes: number;
  },
  build: (maxBytes: number) => CallToolResult | Promise<CallToolResult>,
): Promise<CallToolResult> {
  const note = notNewestNote(dataset);
  if (!note) return await build(maxBytes);
  return withNote(await build(Math.max(0, maxBytes - note.bytes)), note);
}

/** `result` with the note first in its text (its first text part) and in structuredContent. */
export function withNote(result: CallToolResult, note: NotNewestNote): CallToolResult {
  const content = [...result.content];
  const at = content.findIndex((part) => part.type === "text");
  if (at >= 0) {
    const part = content[at] as { type: "text"; text: string };
    content[at] = { ...part, text: `${note.line}\n${part.text}` };
  } else content.unshift({ type: "text", text: note.line });
  return {
    ...result,
    content,
    ...(result.structuredContent
      ? { structuredContent: { ...result.structuredContent, not_newest: note.structured } }
      : {}),
  };
}
