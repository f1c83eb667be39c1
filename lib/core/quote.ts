/**
 * A value the user gave, quoted for an error message and cut after QUOTED_VALUE_CHARS characters,
 * so `days=<5,000 nines>` is not echoed back whole: a 400, a log line or an MCP answer stays one
 * short line. The server, the command lines (lib/core/window.ts) and the MCP server share it.
 */

/** Characters of a bad value an error message shows at most. */
export const QUOTED_VALUE_CHARS = 40;

/**
 * Characters of a name (a file name, an origin) shown whole: cut at 40, a standard export name
 * (`helicone_pricing_data_2026-11-01_demo.csv`, 41) would look misspelled. The MCP schemas
 * take names up to 200.
 */
export const QUOTED_NAME_CHARS = 200;

/**
 * Characters of a library's error message (Polars') a one-line error quotes at most: Polars'
 * first line can quote the file's own data whole (a column name of thousands of characters).
 */
export const QUOTED_REASON_CHARS = 200;

/**
 * What JSON.stringify leaves raw and a reader's line would act on: C1 controls, line separators,
 * and the bidirectional and zero-width format characters (U+202E echoed in a 400 drew the rest of
 * the client's line reversed).
 */
const UNSEEN = /[\u0080-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g;

/** A value as a JSON string literal, with UNSEEN as \u escapes: the default quote. */
export function jsonQuoted(text: string): string {
  return JSON.stringify(text).replace(
    UNSEEN,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * `"30"`; a longer value as its first 40 characters quoted and `… (5,000 characters)` (cut by code
 * point, never inside an emoji). `quote` quotes the kept text: jsonQuoted (a newline shows as
 * `\n`, a bidi control as `\u202e`), or the MCP server's dataLiteral; `maxChars` is QUOTED_NAME_CHARS for a name.
 */
export function quoteValue(
  value: string,
  { quote = jsonQuoted, maxChars = QUOTED_VALUE_CHARS }: {
    quote?: (text: string) => string;
    maxChars?: number;
  } = {},
): string {
  const chars = Array.from(value);
  if (chars.length <= maxChars) return quote(value);
  return `${quote(chars.slice(0, maxChars).join(""))}… (${
    chars.length.toLocaleString("en-US")
  } characters)`;
}

/**
 * A parameter's value as it was typed, for an error message: a string quoted (so `"100000"` shows
 * its quotes and is not read as the number 100000), a number, boolean, null or undefined as
 * written (`-1`, `NaN`), anything else as JSON; cut as quoteValue cuts.
 */
export function quoteParameter(value: unknown): string {
  if (typeof value === "string") return quoteValue(value);
  if (value === null || value === undefined || typeof value !== "object") return String(value);
  if (value instanceof Date) return `Date ${String(value)}`;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined; // a cycle
  }
  return json === undefined
    ? Object.prototype.toString.call(value)
    : quoteValue(json, { quote: (t) => t });
}

/**
 * An error's message as the reason in a one-line error: its first line, its first
 * QUOTED_REASON_CHARS characters and `… (3,059 characters)` when longer (as quoteValue cuts).
 */
export function errorReason(error: unknown): string {
  const line = String((error as Error)?.message ?? error).split("\n")[0];
  return quoteValue(line, { quote: (text) => text, maxChars: QUOTED_REASON_CHARS });
}
