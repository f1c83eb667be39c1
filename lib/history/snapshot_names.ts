/**
 * History snapshot file names and the as-of they stand for: `helicone_pricing_data_<as-of>[_demo]
 * .parquet`, the as-of being the date at 00:00 UTC (`2026-12-01`), else the date and time to the
 * second (`2026-12-01T120000Z`), with the milliseconds when they are not zero
 * (`2026-11-01T000000.500Z`). Cut to the second, an export at 00:00:00.500 on the 1st was named
 * `T000000Z` and read back as the month end it is not; names of that older kit still read, their
 * sidecar giving the milliseconds.
 */
import { isoDate } from "../formats/files.ts";
import { stampedFileName } from "../formats/export_names.ts";
import { asOfKey } from "./periods.ts";

// groups: date, hours, minutes, seconds, milliseconds (none before 2026-12), _demo
const SNAPSHOT_PATTERN =
  /^helicone_pricing_data_(\d{4}-\d{2}-\d{2})(?:T(\d{2})(\d{2})(\d{2})(?:\.(\d{3}))?Z)?(_demo)?\.parquet$/;

/** How much of the as-of a snapshot's name holds: the date alone, the time to the second or ms. */
export type NamePrecision = "date" | "second" | "ms";

/** What a snapshot's file name says. */
export interface SnapshotName {
  /** `2026-12-01` */
  date: string;
  /** the as-of the name says: its date at 00:00 UTC, or its date and time */
  asOf: Date;
  precision: NamePrecision;
  demo: boolean;
}

/** A snapshot file name read, or null when `name` is not one (or its date is no instant). */
export function parseSnapshotName(name: string): SnapshotName | null {
  const match = name.match(SNAPSHOT_PATTERN);
  if (!match) return null;
  const [, date, hours, minutes = "00", seconds = "00", ms, demo] = match;
  const asOf = new Date(`${date}T${hours ?? "00"}:${minutes}:${seconds}.${ms ?? "000"}Z`);
  if (Number.isNaN(asOf.getTime())) return null;
  const precision = hours === undefined ? "date" : ms === undefined ? "second" : "ms";
  return { date, asOf, precision, demo: demo !== undefined };
}

/**
 * `helicone_pricing_data_2026-12-01[_demo].parquet` at 00:00 UTC, else with the time to the
 * second, `helicone_pricing_data_2026-12-01T120000Z[_demo].parquet`, and the milliseconds when they
 * are not zero: `helicone_pricing_data_2026-11-01T000000.500Z[_demo].parquet`.
 */
export function snapshotFileName(asOf: Date, demo: boolean): string {
  return named(asOfKey(asOf), demo);
}

/**
 * The name an older kit gave a snapshot of `asOf` with milliseconds: its second
 * (`…_2026-11-01T000000Z.parquet` for 00:00:00.500); null for an as-of without milliseconds.
 */
export function secondFileName(asOf: Date, demo: boolean): string | null {
  if (asOf.getUTCMilliseconds() === 0) return null;
  return named(`${asOf.toISOString().slice(0, 19)}Z`, demo);
}

const named = (key: string, demo: boolean) =>
  stampedFileName(`${key.replaceAll(":", "")}${demo ? "_demo" : ""}`, { ext: "parquet" });

/**
 * The real as-of of a snapshot named `name` whose sidecar says `sidecarAsOf`: the sidecar's when
 * it falls within what the name says (the name's date, for a date alone; the name's second, for a
 * time without milliseconds), else the name's (no sidecar, or a file renamed).
 */
export function realAsOf(sidecarAsOf: string | undefined, name: SnapshotName): Date {
  const stored = sidecarAsOf ? new Date(sidecarAsOf) : null;
  if (!stored || Number.isNaN(stored.getTime())) return name.asOf;
  const named = name.asOf.getTime();
  const agrees = name.precision === "date"
    ? isoDate(stored) === name.date
    : name.precision === "second"
    ? stored.getTime() - stored.getUTCMilliseconds() === named
    : stored.getTime() === named;
  return agrees ? stored : name.asOf;
}
