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
 * `"30"`; a longer value as its first 40 characters quoted and `… (5,000 characters)` (cut by code
 * point, never inside an emoji). `quote` quotes the kept text: JSON.stringify (a newline shows as
 * `\n`), or the MCP server's dataLiteral; `maxChars` is QUOTED_NAME_CHARS for a name.
 */
export function quoteValue(
  value: string,
  quote: (text: string) => string = JSON.stringify,
  maxChars: number = QUOTED_VALUE_CHARS,
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
  return json === undefined ? Object.prototype.toString.call(value) : quoteValue(json, (t) => t);
}
