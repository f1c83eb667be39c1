/**
 * The one rule for an export's window, `[asOf − days, asOf)`, used by the command lines (export,
 * scenario), the server, compare (dates in file names) and notebooks (through exportWindow):
 * - as-of: `2026-11-01` (midnight UTC) or a timestamp with a zone, `2026-11-01T12:00:00Z`,
 *   `2026-11-01T12:00:00.250+02:00` (up to milliseconds). Impossible dates (2026-02-30, hour 25)
 *   and instants after now are refused; a timestamp without a zone is refused as ambiguous.
 * - days: a whole number from 1 to 3660, written without sign or leading zero.
 * Errors are one-line UserErrors that name the setting as the caller spells it (`--as-of`, `as_of`).
 */
import { UserError } from "./config.ts";
import { quoteParameter, quoteValue } from "./quote.ts";

export const MAX_WINDOW_DAYS = 3660;
export const DEFAULT_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

/** The export window: `[start, end)`, end = the as-of instant. */
export interface Window {
  start: Date;
  end: Date;
  days: number;
}

const AS_OF_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * AS_OF_PATTERN with a year past 9999 or before 0 too, as toISOString writes one (`+010000-01-01`,
 * `-000001-06-30`: six digits and a sign, never -000000), and so the CSV writer
 * (lib/formats/csv_rows.ts).
 */
const EXPANDED_YEAR_PATTERN =
  /^(\d{4}|\+\d{6}|-(?!000000)\d{6})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * The earliest instant a window may start at, and so the earliest as-of: the window's bounds go
 * to ClickHouse as DateTime, which counts from the Unix epoch (an earlier one is no data's).
 */
const EARLIEST_MS = 0;
const EARLIEST = "1970-01-01";

/** Whether `YYYY-MM-DD` is a real calendar date (Date.UTC rolls 2026-02-30 over to March). */
export function isCalendarDate(
  { year, month, day }: { year: number; month: number; day: number },
): boolean {
  const date = new Date(EARLIEST_MS);
  date.setUTCFullYear(year, month - 1, day); // (Date.UTC reads years 0–99 as 1900–1999)
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day;
}

/** `2026-11-01` → midnight UTC, or null when it is not a real date in that form. */
export function parseIsoDate(text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match || !isCalendarDate({ year: +match[1], month: +match[2], day: +match[3] })) return null;
  return new Date(`${text}T00:00:00Z`);
}

/**
 * A date or timestamp read by the as-of's strict form (`2026-11-01`, midnight UTC, or a timestamp
 * with a zone): its epoch ms; `zoneless` for a timestamp without a zone (`new Date` reads it in the
 * computer's own zone, hours off on another machine); `impossible` for a date or time the calendar
 * or clock lacks (2026-02-30, hour 25: `new Date` rolls them over), with the reason; `malformed`
 * for any other text.
 */
export type IsoInstant =
  | { ms: number }
  | { zoneless: true }
  | { impossible: string }
  | { malformed: true };

/** A timestamp without a zone (`T` or a space before the time, as spreadsheets write it). */
const ZONELESS_PATTERN = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

export function readIsoInstant(
  text: string,
  /** a year of six digits and a sign too (an export's cell; never an as-of) */
  { expandedYears = false }: { expandedYears?: boolean } = {},
): IsoInstant {
  const match = (expandedYears ? EXPANDED_YEAR_PATTERN : AS_OF_PATTERN).exec(text);
  if (!match) return ZONELESS_PATTERN.test(text) ? { zoneless: true } : { malformed: true };
  const [, y, mo, d, h, mi, s] = match;
  const [year, month, day] = [+y, +mo, +d];
  if (month < 1 || month > 12) return { impossible: "months run 01 to 12" };
  if (!isCalendarDate({ year, month, day })) {
    const days = [31, 30, 29, 28].find((last) => isCalendarDate({ year, month, day: last }));
    return { impossible: `${y}-${mo} has ${days} days` };
  }
  if (+(h ?? 0) > 23 || +(mi ?? 0) > 59 || +(s ?? 0) > 59) {
    return { impossible: "hours run 00 to 23, minutes and seconds 00 to 59" };
  }
  const ms = new Date(h === undefined ? `${text}T00:00:00Z` : text).getTime();
  return Number.isNaN(ms) ? { impossible: "the zone is no real offset" } : { ms };
}

/**
 * Parses an as-of by the strict rule. `name` is how the caller's user spells the setting;
 * `now` (epoch ms, default the clock) is the latest instant accepted.
 */
export function parseAsOf(
  value: string,
  options: {
    name?: string;
    now?: number;
    /** the fix a future one is given (default: an export's, leave it out to export up to now) */
    futureFix?: string;
  } = {},
): Date {
  const name = options.name ?? "--as-of";
  const read = readIsoInstant(value);
  if (!("ms" in read)) {
    throw new UserError(
      `${name} must be a date like 2026-11-01 or a timestamp with a zone like ` +
        `2026-11-01T12:00:00Z, got ${quoteValue(value)}${whyNoInstant(value, read)}`,
    );
  }
  const date = new Date(read.ms);
  const now = options.now ?? Date.now();
  if (date.getTime() > now) {
    // now in UTC, as the as-of is read: ahead of UTC (Asia, the Pacific) today's date is tomorrow's
    throw new UserError(
      `${name} ${value} is in the future (it is ${utcMinutes(new Date(now))} now); ${
        options.futureFix ?? "leave it out to export up to now"
      }`,
    );
  }
  if (date.getTime() < EARLIEST_MS) {
    throw new UserError(
      `${name} ${value} is before ${EARLIEST}, the earliest the kit takes (ClickHouse's DateTime starts there)`,
    );
  }
  return date;
}

/**
 * Why an as-of is not one, in parentheses ("" when the form alone says it): the reason an
 * impossible date has, and the likely fix of the near misses an analyst types (a local time
 * without a zone, a date with an offset, a month alone), each of which names no one instant.
 */
function whyNoInstant(value: string, read: IsoInstant): string {
  if ("impossible" in read) return ` (${read.impossible})`;
  if ("zoneless" in read) {
    const time = value.replace(" ", "T");
    // (a long fraction of a second is not echoed twice more)
    return time.length > 23
      ? " (a time without a zone is no one instant: add Z for UTC, or its offset, +02:00)"
      : ` (a time without a zone is no one instant: add Z for UTC, ${time}Z, or its offset, ${time}+02:00)`;
  }
  const zoned = /^(\d{4}-\d{2}-\d{2})([+-]\d{2}:\d{2}|Z)$/.exec(value);
  if (zoned) {
    return zoned[2] === "Z"
      ? " (a date alone is midnight UTC already: leave out the Z)"
      : ` (a date takes no offset, it is midnight UTC; midnight at that offset is ${
        zoned[1]
      }T00:00${zoned[2]})`;
  }
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  if (month && +month[2] >= 1 && +month[2] <= 12) {
    const next = new Date(Date.UTC(+month[1], +month[2], 1)).toISOString().slice(0, 10);
    return ` (a month alone is no instant: ${value}-01 is its start, ${next} its end)`;
  }
  return "";
}

/** Parses a window length by the strict rule (`30`; not `030`, `7.5`, `-1`, `0`, `3661`). */
export function parseWindowDays(value: string, options: { name?: string } = {}): number {
  const days = /^[1-9]\d{0,3}$/.test(value) ? Number(value) : NaN;
  if (!(days <= MAX_WINDOW_DAYS)) {
    throw new UserError(
      `${options.name ?? "--days"} must be a whole number from 1 to ${MAX_WINDOW_DAYS}, got ${
        quoteValue(value)
      }`,
    );
  }
  return days;
}

/**
 * `[asOf − days, asOf)` for values already typed (notebooks, the pipeline); refuses bad ones,
 * including an as-of after `now` (a notebook's `new Date("2027-01-01")`).
 */
export function windowOf(
  asOf: Date,
  { days, now = Date.now() }: { days: number; now?: number },
): Window {
  // named as a notebook's parameters cell and the command line name them
  if (Number.isNaN(asOf.getTime())) {
    // the Date cannot say what it was made of: say what makes one, and how to write a good one
    // (in the user's words: not JavaScript's "Invalid Date")
    throw new UserError(
      `asOf (--as-of) is no real date: new Date(…) was given no day it can read (such as "2026-13-01"); write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now`,
    );
  }
  if (asOf.getTime() > now) {
    throw new UserError(
      `asOf (--as-of) ${asOf.toISOString()} is in the future; leave it out (a notebook: new Date()) to export up to now`,
    );
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
    throw new UserError(
      `windowDays (--days) must be a whole number from 1 to ${MAX_WINDOW_DAYS}, got ${
        quoteParameter(days)
      }`,
    );
  }
  checkWindowStart({ asOf, days });
  return { start: new Date(asOf.getTime() - days * DAY_MS), end: asOf, days };
}

/**
 * Refuses a window `[asOf − days, asOf)` that starts before EARLIEST. The names are the settings
 * as the caller's user spells them (the server's `as_of` and `days`; by default a notebook's
 * parameters and the command line's flags).
 */
export function checkWindowStart(
  { asOf, days, asOfName = "asOf (--as-of)", daysName = "windowDays (--days)" }: {
    asOf: Date;
    days: number;
    asOfName?: string;
    daysName?: string;
  },
): void {
  if (asOf.getTime() - days * DAY_MS < EARLIEST_MS) {
    throw new UserError(
      `the ${days}-day window before ${asOfName} ${asOf.toISOString()} starts before ${EARLIEST}, the earliest the kit reads (ClickHouse's DateTime starts there); use a later ${asOfName} or a smaller ${daysName}`,
    );
  }
}

/** `2026-11-01 00:00 UTC`, `2026-12-02 23:21:25 UTC`: seconds only when there are any, no milliseconds. */
export function utcMinutes(date: Date): string {
  const iso = date.toISOString();
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 16).replace("T", " ")}${seconds === "00" ? "" : `:${seconds}`} UTC`;
}

/**
 * "in the 30-day window": where a reading says what it counted over, the window's length named
 * (as charts say "(30 days)"); windowInWords names its dates where a file does not say them.
 */
export function inWindowWords(days: number): string {
  return `in the ${days}-day window`;
}

/**
 * The window `[asOf − days, asOf)` in words, for readers of a file that does not say it
 * otherwise. Midnight to midnight it is whole days, named first to last
 * (`30 days, 2026-11-05 to 2026-12-04 (as of 2026-12-05 00:00 UTC)`); another as-of cuts days,
 * so its instants are named (`7 days, from 2026-11-28 08:28:37 UTC up to 2026-12-05 08:28:37
 * UTC (the as-of, not included)`).
 */
export function windowInWords(asOf: Date, days: number): string {
  const start = new Date(asOf.getTime() - days * DAY_MS);
  if (asOf.getTime() % DAY_MS === 0) {
    const last = new Date(asOf.getTime() - DAY_MS);
    const date = (d: Date) => d.toISOString().slice(0, 10);
    return `${days} day${days === 1 ? "" : "s"}, ${date(start)} to ${date(last)} (as of ${
      utcMinutes(asOf)
    })`;
  }
  return `${days} day${days === 1 ? "" : "s"}, from ${utcMinutes(start)} up to ${
    utcMinutes(asOf)
  } (the as-of, not included)`;
}
