/**
 * What a snapshot's bridge row stands for, as users read it: the as-of instant closes the month
 * before it when it is the 1st at 00:00 UTC (as-of 2026-08-01 holds July's movements and July's
 * end), and is that month to date otherwise (as-of 2026-12-02: December so far, not a month end).
 */
import pl from "nodejs-polars";
import { isoDate } from "../formats/files.ts";

/**
 * A snapshot's as-of as the bridge frames' `month` key and the reports' `as_of`: the date,
 * `2026-08-01`, at 00:00 UTC, else the instant to the second, `2026-12-01T12:00:00Z` (two
 * snapshots of one day, the month end at 00:00 and an export later that day, are two keys).
 */
export function asOfKey(asOf: Date): string {
  const date = isoDate(asOf);
  return asOf.getTime() === Date.parse(`${date}T00:00:00Z`)
    ? date
    : `${asOf.toISOString().slice(0, 19)}Z`;
}

/** The instant of an asOfKey. */
export function asOfOfKey(key: string): Date {
  return new Date(key.length === 10 ? `${key}T00:00:00Z` : key);
}

export interface SnapshotPeriod {
  /** the as-of key, `2026-08-01` or `2026-12-01T12:00:00Z` (asOfKey: the bridge frames' `month`) */
  asOf: string;
  /** the month of the instant before the as-of: `2026-07` */
  month: string;
  /** the as-of is not the 1st at 00:00 UTC: the month so far, not its end */
  monthToDate: boolean;
  /** `2026-07`, or `2026-12 (to 12-02)` for a month to date */
  label: string;
}

/** The month an as-of closes, or is in when it is not the 1st at 00:00 UTC. */
export function snapshotPeriod(asOf: Date): SnapshotPeriod {
  const month = new Date(asOf.getTime() - 1).toISOString().slice(0, 7);
  const date = isoDate(asOf);
  const monthToDate = asOf.getTime() !== Date.parse(`${date.slice(0, 8)}01T00:00:00Z`);
  return {
    asOf: asOfKey(asOf),
    month,
    monthToDate,
    label: monthToDate ? `${month} (to ${date.slice(5)})` : month,
  };
}

/** The period of an as-of key (asOfKey) when `periods` lacks it. */
export function periodOf(periods: ReadonlyMap<string, SnapshotPeriod>, asOf: string) {
  return periods.get(asOf) ?? snapshotPeriod(asOfOfKey(asOf));
}

/**
 * `frame` (its `month` the as-of key, the bridge's) with `month` the month the row closes
 * (`2026-07` for as-of 2026-08-01), `as_of` the key and `month_to_date` (not a month end).
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
  const list = (ps: SnapshotPeriod[]) => ps.map((p) => `${p.month} (as-of ${p.asOf})`).join(", ");
  return [
    `${found.length} snapshots, the latest of each month: the baseline ${baseline}`,
    ...(ends.length > 0 ? [`month ends ${list(ends)}`] : []),
    ...(toDate.length > 0 ? [`month to date, not a month end: ${list(toDate)}`] : []),
  ].join("; ") +
    ". A row is the month its snapshot closes: as-of the 1st at 00:00 UTC closes the month before.";
}
