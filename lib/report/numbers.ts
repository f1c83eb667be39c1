/**
 * Number formatting shared by the brief, compare, scenario, the history, the economics tables and
 * the command lines: one formatter per kind, "-" for a negative that does not round to zero and
 * "–" for a number not known (null, NaN, infinite), the rule of lib/core/signs.ts. A chart draws
 * them through pictureMinus (U+2212).
 */
import { isUnknownNumber, plainNumber, UNKNOWN_MARK, withSign } from "../core/signs.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";

export { pictureMinus, UNKNOWN_MARK } from "../core/signs.ts";

/**
 * 1,234,567 (rounded to a whole number, half away from zero as Intl does: 2.5 → 3, -2.5 → -3,
 * where Math.round gave -2)
 */
export function formatCount(value: number): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  return plainNumber(value, { digits: 0 });
}

/**
 * A count put on another basis (another window's on a 30-day basis: a fraction): as formatCount,
 * but "< 1" where it is above 0 and rounds to 0, which would read as none beside the text it bears
 * out (an upper bound); `one` is whether to say it in the singular ("1", "< 1").
 */
export function formatScaledCount(value: number): { text: string; one: boolean } {
  const text = formatCount(value);
  const below = text === "0" && value > 0;
  return { text: below ? "< 1" : text, one: below || text === "1" };
}

// $1,234.50: lib/core/usd.ts (the stages before the report word amounts too)
export { formatUsd, signedUsd } from "../core/usd.ts";

/** $1,236.9286: four decimals, for amounts per 1,000 requests (a fraction of a cent each). */
export function formatUsd4(value: number): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  return withSign(value, `$${plainNumber(Math.abs(value), { digits: 4 })}`);
}

/** 96.6 %, -5,933.5 %: one decimal, thousands separated, as every other number */
export function formatPct(value: number): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  return `${plainNumber(value, { digits: 1 })} %`;
}

/** +12.3 %, -4.0 %, 0.0 % (no sign when it rounds to zero), – for null */
export function formatChangePct(value: number | null): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  const shown = plainNumber(Math.abs(value), { digits: 1 });
  return `${value > 0 && shown !== "0.0" ? "+" : ""}${withSign(value, shown)} %`;
}

/** 0.5 KB, 12.3 MB */
export function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * `n` requests with no cost recorded, as the analyses say them: "12 requests", and for a window
 * other than 30 days "12 requests in the 7-day window itself (its count, not on the 30-day
 * basis)": usageOnMonthlyBasis leaves those counts, while the figures around them are on that
 * basis. `what`: the noun ("pass-through request" for those).
 */
export function unrecordedCountWords(
  n: number,
  { windowDays, what = "request" }: { windowDays: number; what?: string },
): string {
  const count = `${formatCount(n)} ${what}${n === 1 ? "" : "s"}`;
  return windowDays === MONTH_DAYS
    ? count
    : `${count} in the ${windowDays}-day window itself (its count, not on the ${MONTH_DAYS}-day basis)`;
}
