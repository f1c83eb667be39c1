/**
 * A text resource within PRICING_MCP_MAX_BYTES, as pricing://export.csv is: its first whole lines,
 * then, when longer, a second, plain-text part saying how much was left out and where the whole
 * is. The brief is ~46 KB on the demo data and grows with the export's caveats; the dictionary
 * ~21 KB: a client that set a smaller cap for its context got them whole.
 */
import { sentLength } from "./text.ts";

/** Room kept for the note beside a cut resource. */
export const NOTE_BYTES = 512;

export interface CutResource {
  /** the text's first whole lines (all of it when it fits) */
  text: string;
  /** what was left out and where the whole is; null when nothing was */
  note: string | null;
}

/**
 * `text` within `maxBytes` less the note's room, cut after its last whole line that fits (a
 * Markdown line is never split), and the note naming `uri`, the lines and bytes kept, the setting
 * and `whereWhole`. `maxBytes` is what the resource may take, its other parts' room taken out.
 */
export function cutResource(
  text: string,
  { uri, maxBytes, setting, whereWhole }: {
    uri: string;
    maxBytes: number;
    /** the cap, for the note (PRICING_MCP_MAX_BYTES's value) */
    setting: number;
    whereWhole: string;
  },
): CutResource {
  const total = sentLength(text);
  if (total <= maxBytes) return { text, note: null };
  const budget = Math.max(0, maxBytes - NOTE_BYTES);
  const lines = text.split("\n");
  let kept = 0;
  let bytes = 0;
  // every line but the last ends with its "\n"
  while (kept < lines.length - 1 && bytes + sentLength(lines[kept]) + 2 <= budget) {
    bytes += sentLength(lines[kept]) + 2;
    kept++;
  }
  const lineCount = text.endsWith("\n") ? lines.length - 1 : lines.length;
  return {
    text: lines.slice(0, kept).map((line) => `${line}\n`).join(""),
    note: `${uri} is cut to its first ${kept} of ${lineCount} lines (${bytes} of ${total} ` +
      `bytes; PRICING_MCP_MAX_BYTES is ${setting}): ${whereWhole}`,
  };
}
