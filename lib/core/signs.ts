/**
 * The kit's minus sign and its mark for a number not known, one rule per kind of output (why:
 * docs/development.md, "Signs and unknowns"):
 * - text (Markdown, HTML, MCP text, the command line, warnings): the hyphen-minus "-", which a
 *   spreadsheet, a program, a search and the kit's own number reading take as a minus;
 * - pictures (a chart's ticks, labels, title and caption): the minus sign U+2212 "−", as Plot's
 *   own ticks draw it: never copied or parsed, and as wide as "+";
 * - CSV, XLSX and JSON values: the number itself, never formatted (a CSV writes "-").
 * A negative that rounds to zero at the digits shown has no sign (never "-0" or "-$0.00"); a
 * number not known (null, NaN, infinite) is UNKNOWN_MARK in text and pictures alike.
 */

/** What the kit writes for a number not known (null, NaN or infinite): an en dash. */
export const UNKNOWN_MARK = "–";

/** The minus sign of pictures (U+2212); text writes the hyphen-minus "-". */
export const PICTURE_MINUS = "\u2212";

/**
 * True for a number the formatters cannot show: null, undefined, NaN or infinite (false narrows
 * the value to a number; true does not make a NaN null, it only says "write UNKNOWN_MARK").
 */
export function isUnknownNumber(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

/**
 * `value` in en-US digits with thousands separators at `digits` decimals (at most `digits` when
 * `trimZeros`), "-" only when what is shown is not zero: -0.04 at one decimal is "0.0", not "-0.0".
 */
export function plainNumber(
  value: number,
  { digits, trimZeros = false }: { digits: number; trimZeros?: boolean },
): string {
  const key = `${digits}${trimZeros ? "t" : ""}`;
  let format = NUMBER_FORMATS.get(key);
  if (!format) {
    format = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: trimZeros ? 0 : digits,
      maximumFractionDigits: digits,
      signDisplay: "negative",
    });
    NUMBER_FORMATS.set(key, format);
  }
  return format.format(value);
}

/**
 * plainNumber's formats, one per digits: toLocaleString with options builds one on each call
 * (~18 µs of CPU against ~0.6 µs: docs/performance_history.md, stop 53).
 */
const NUMBER_FORMATS = new Map<string, Intl.NumberFormat>();

/** `abs` (a formatted magnitude, "$1.50") after "-" when `value` is negative and `abs` not zero. */
export function withSign(
  value: number,
  abs: string,
  { minus = "-" }: { minus?: string } = {},
): string {
  return value < 0 && /[1-9]/.test(abs) ? `${minus}${abs}` : abs;
}

/**
 * A formatted number (or its words) as a picture draws it: each hyphen-minus that is a sign (at the
 * start, or after a space or "(", before a digit, "." or a currency symbol) as U+2212. Only numbers
 * the kit formatted: a name from the data keeps its hyphens.
 */
export function pictureMinus(text: string): string {
  return text.replace(/(^|[\s(])-(?=[\d.$€£¥])/g, `$1${PICTURE_MINUS}`);
}
