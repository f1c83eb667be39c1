/**
 * What a snapshot's bridge row stands for, as users read it: the as-of instant closes the month
 * before it when it is the 1st at 00:00 UTC (as-of 2026-08-01 holds July's movements and July's
 * end), and is that month to date otherwise (as-of 2026-12-02: December so far, not a month end).
 */
import pl from "nodejs-polars";
import { isoDate } from "../formats/files.ts";

/**
 * A snapshot's as-of as the bridge frames' `month` key and the reports' `as_of`: the date,
 * `2026-08-01`, at 00:00 UTC, else the instant to the second, `2026-12-01T12:00:00Z`, with its
 * milliseconds when they are not zero, `2026-11-01T00:00:00.500Z` (two snapshots of one day, the
 * month end at 00:00 and an export later that day, are two keys; cut to the second, an export at
 * 00:00:00.500 would read as the month end it is not).
 */
export function asOfKey(asOf: Date): string {
  const date = isoDate(asOf);
  if (asOf.getTime() === Date.parse(`${date}T00:00:00Z`)) return date;
  const instant = asOf.toISOString(); // 2026-11-01T00:00:00.500Z
  return asOf.getUTCMilliseconds() === 0 ? `${instant.slice(0, 19)}Z` : instant;
}

/** The instant of an asOfKey. */
export function asOfOfKey(key: string): Date {
  return new Date(key.length === 10 ? `${key}T00:00:00Z` : key);
}

export interface SnapshotPeriod {
  /**
   * the as-of key, `2026-08-01`, `2026-12-01T12:00:00Z` or `2026-11-01T00:00:00.500Z` (asOfKey:
   * the bridge frames' `month`)
   */
  asOf: string;
  /** the month of the instant before the as-of: `2026-07` */
  month: string;
  /** the as-of is not the 1st at 00:00 UTC: the month so far, not its end */
  monthToDate: boolean;
  /**
   * the months the row's movements span: 1, or more when no snapshot stands for the months
   * before `month` (the previous one is older), whose movements the row then holds too
   */
  months: number;
  /** the first of those months: `month`, or the one after the previous snapshot's */
  firstMonth: string;
  /**
   * `2026-07`, `2026-12 (before 12-02)` for a month to date (toDateEnd), `2026-01 → 2026-05` for a
   * row of several months
   */
  label: string;
}

/**
 * Where a month to date ends, said so that it cannot be read as including the as-of's day: an
 * as-of at 00:00 UTC holds the days before it (`before 12-02`: through 12-01; "to 12-02" read as
 * including the 2nd), one later in the day its instant to the minute (`to 12-02 20:16 UTC`). The
 * `as_of` beside it has the instant whole.
 */
export function toDateEnd(asOfKeyText: string): string {
  const date = asOfKeyText.slice(5, 10);
  if (asOfKeyText.length === 10) return `before ${date}`;
  return `to ${date} ${asOfKeyText.slice(11, 16)} UTC`;
}

/** Months since year 0 of `2026-07`. */
const monthIndex = (month: string) =>
  Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
const monthOfIndex = (index: number) =>
  `${String(Math.floor(index / 12)).padStart(4, "0")}-${String(index % 12 + 1).padStart(2, "0")}`;
/** The month an as-of stands for: that of the instant before it (the 1st, 00:00 UTC, closes the month before). */
export const monthBefore = (asOf: Date): string =>
  new Date(asOf.getTime() - 1).toISOString().slice(0, 7);

/** Months since year 0 of the month an as-of stands for (monthBefore): 2026-12-01 is 2026-11's. */
export const asOfMonthIndex = (asOf: Date): number => monthIndex(monthBefore(asOf));

/**
 * The month an as-of closes, or is in when it is not the 1st at 00:00 UTC; with `previous` (the
 * bridge's snapshot before it), the months since that one's.
 */
export function snapshotPeriod(asOf: Date, previous?: Date): SnapshotPeriod {
  const month = monthBefore(asOf);
  const date = isoDate(asOf);
  const monthToDate = asOf.getTime() !== Date.parse(`${date.slice(0, 8)}01T00:00:00Z`);
  const months = previous ? Math.max(1, monthIndex(month) - monthIndex(monthBefore(previous))) : 1;
  const firstMonth = monthOfIndex(monthIndex(month) - months + 1);
  const span = months > 1 ? `${firstMonth} → ${month}` : month;
  const key = asOfKey(asOf);
  return {
    asOf: key,
    month,
    monthToDate,
    months,
    firstMonth,
    label: monthToDate ? `${span} (${toDateEnd(key)})` : span,
  };
}

/** The periods of the bridge's snapshots (oldest first), each counted from the one before. */
export function snapshotPeriods(asOfs: readonly Date[]): Map<string, SnapshotPeriod> {
  return new Map(asOfs.map((asOf, i) => [asOfKey(asOf), snapshotPeriod(asOf, asOfs[i - 1])]));
}

/**
 * `2026-06 to 2026-12 (before 12-02)`: from the first period (its first month, when it spans several)
 * to the last one's month.
 */
export function periodRange(periods: readonly SnapshotPeriod[]): string {
  const [first] = periods;
  const last = periods.at(-1);
  if (!first || !last) return "";
  if (first === last) return first.label;
  const end = last.monthToDate ? `${last.month} (${toDateEnd(last.asOf)})` : last.month;
  return `${first.months > 1 ? first.firstMonth : first.label} to ${end}`;
}

/**
 * A warning per row that spans months without a snapshot (with revenue), naming them: the row
 * nets their movements with its own month's per organization.
 */
export function gapSentences(
  months: readonly string[],
  periods: ReadonlyMap<string, SnapshotPeriod>,
): string[] {
  return months.slice(1).map((asOf) => periodOf(periods, asOf)).filter((p) => p.months > 1)
    .map((p) => {
      const lastMissing = monthOfIndex(monthIndex(p.month) - 1);
      const missing = p.months === 2 ? p.firstMonth : `${p.firstMonth} to ${lastMissing}`;
      return `**Gap:** no snapshot with revenue for ${missing}, so the row ${p.label} (as-of ${p.asOf}) holds ${p.months} months of movements, netted per organization.`;
    });
}

/** The period of an as-of key (asOfKey) when `periods` lacks it. */
export function periodOf(periods: ReadonlyMap<string, SnapshotPeriod>, asOf: string) {
  return periods.get(asOf) ?? snapshotPeriod(asOfOfKey(asOf));
}

/**
 * `frame` (its `month` the as-of key, the bridge's) with `month` the month the row closes
 * (`2026-07` for as-of 2026-08-01), `as_of` the key, `month_to_date` (not a month end) and
 * `months_covered` (1, or the months a row spans when the ones before it have no snapshot).
 */
export function withPeriodColumns(
  frame: pl.DataFrame,
  periods: ReadonlyMap<string, SnapshotPeriod>,
): pl.DataFrame {
  const found = (frame.getColumn("month").toArray() as string[]).map((asOf) =>
    periodOf(periods, asOf)
  );
  return frame.withColumns(
    pl.Series("as_of", found.map((p) => p.asOf), pl.Utf8),
    pl.Series("month_to_date", found.map((p) => p.monthToDate), pl.Bool),
    pl.Series("months_covered", found.map((p) => p.months), pl.Int32),
    pl.Series("month", found.map((p) => p.month), pl.Utf8),
  );
}

/**
 * Which snapshots (as-of keys, oldest first) the bridge reads, said as what they are: the first is the baseline (the end of
 * the month before its as-of), each later one closes a month, or is a month to date.
 */
export function snapshotsSentence(
  months: readonly string[],
  periods: ReadonlyMap<string, SnapshotPeriod>,
): string {
  const found = months.map((asOf) => periodOf(periods, asOf));
  const [first, ...rest] = found;
  if (!first) return "";
  const ends = rest.filter((p) => !p.monthToDate);
  const toDate = rest.filter((p) => p.monthToDate);
  const baseline = first.monthToDate
    ? `as-of ${first.asOf} (${first.month} to date)`
    : `as-of ${first.asOf} (the end of ${first.month})`;
  const list = (ps: SnapshotPeriod[]) =>
    ps.map((p) => `${p.months > 1 ? `${p.firstMonth} → ${p.month}` : p.month} (as-of ${p.asOf})`)
      .join(", ");
  return [
    `${found.length} snapshots, the latest of each month: the baseline ${baseline}`,
    ...(ends.length > 0 ? [`month ends ${list(ends)}`] : []),
    ...(toDate.length > 0 ? [`month to date, not a month end: ${list(toDate)}`] : []),
  ].join("; ") +
    ". A row is the month its snapshot closes: as-of the 1st at 00:00 UTC closes the month before.";
}
