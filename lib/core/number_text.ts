/**
 * A number sent as text (`"15%"`, `"$23"`, `"1,000"`), which a model writes for a price or a
 * percent: the error refusing it says the number to write. Imports nothing (a scenario file's
 * validation and the MCP input schema both use it).
 */

/** `"$1,000.50"`, `"15 %"`, `" 23 "`: a sign, a currency symbol, digits with commas, a percent. */
const NUMBER_TEXT = /^\s*([-+]?)\s*[$€£]?\s*(\d[\d,]*(?:\.\d+)?|\.\d+)\s*(%?)\s*$/;

/**
 * `: write 15 (a number, in percent: 15 is 15 %)` for `"15%"` in a field named in percent (its
 * name holds pct or percent), `: write 23 (a number, not text)` for `"$23"` or `"23"`; "" for any
 * other value, and for a percent sent to a field that is not one.
 */
export function numberTextHint(value: unknown, field: string): string {
  if (typeof value !== "string") return "";
  const match = value.match(NUMBER_TEXT);
  if (!match) return "";
  const number = Number(`${match[1]}${match[2].replaceAll(",", "")}`);
  if (!Number.isFinite(number)) return "";
  const inPercent = /pct|percent/i.test(field);
  if (match[3] === "%" && !inPercent) return "";
  return inPercent
    ? `: write ${number} (a number, in percent: ${number} is ${number} %)`
    : `: write ${number} (a number, not text)`;
}
