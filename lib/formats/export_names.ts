/**
 * The export-name grammar, built and read in one place:
 * `helicone_pricing_data_<stamp>[_<part>].<ext>`, the stamp being `<date>[_demo][_<N>d]`
 * (exportStamp) or, for a history snapshot, `<date>T<time>[_demo]` (lib/history/snapshot_names.ts).
 *
 * Two readings of it, on purpose: a reader (exportNameInfo) takes any 1–4-digit window, as a name
 * a user or an older kit gave a file may carry one; retention (lib/delivery/kit_names.ts) deletes
 * files, so it takes a window only as exportStamp writes it (WRITTEN_STAMP_SOURCE).
 */
import { basename } from "node:path";
import { parseIsoDate, readIsoInstant } from "../core/window.ts";
import { isoDate } from "./files.ts";

/** What names an export's files: its as-of date, demo data or not, and its window. */
export interface ExportStampOptions {
  asOf: Date;
  demo: boolean;
  /** the window's days; a window other than 30 days is in the name (default 30) */
  windowDays?: number;
}

/** The days of the standard export's window, whose names carry no window. */
export const STANDARD_WINDOW_DAYS = 30;

/**
 * The stamp in file names: `2026-11-25`; demo data adds `_demo`, a window other than 30 days its
 * length: `2026-11-25_7d`, `2026-11-25_demo_7d`. Exports of one date with different windows then
 * never replace each other's files.
 */
export function exportStamp({ asOf, demo, windowDays }: ExportStampOptions): string {
  const window = windowDays === undefined || windowDays === STANDARD_WINDOW_DAYS
    ? ""
    : `_${windowDays}d`;
  return `${isoDate(asOf)}${demo ? "_demo" : ""}${window}`;
}

/** The naming fields of an export's data (PricingData): as-of, demo, window. */
export function stampOptions(
  { asOf, demo, windowDays }: Required<ExportStampOptions>,
): ExportStampOptions {
  return { asOf, demo, windowDays };
}

/** The stamp of a 30-day export: `2026-11-25`, or `2026-11-25_demo` for demo data. */
export function dateStamp(asOf: Date, demo: boolean): string {
  return exportStamp({ asOf, demo });
}

/**
 * `helicone_pricing_data_2026-11-25.csv` (the spec's name); demo data adds `_demo`, a window other
 * than 30 days `_<N>d`, and a `suffix` (a segment, `trimmed`) comes before the extension:
 * `…_2026-11-25_gateway_only.csv`.
 */
export interface ExportFileNameOptions extends ExportStampOptions {
  /** `csv`, `xlsx`, `md`, `manifest.json`… */
  ext: string;
  /** a segment or `trimmed`, before the extension */
  suffix?: string;
}

export function exportFileName({ ext, suffix, ...stamp }: ExportFileNameOptions): string {
  return stampedFileName(exportStamp(stamp), { ext, suffix });
}

/** The same name from a stamp already made (see exportStamp, dateStamp). */
export function stampedFileName(
  stamp: string,
  { ext, suffix }: { ext: string; suffix?: string },
): string {
  return `helicone_pricing_data_${stamp}${suffix ? `_${suffix}` : ""}.${ext}`;
}

// ---- reading names: regex sources, for the names of other writers that hold a stamp too ----

/** The as-of date of a stamp: `2026-11-25`. */
export const DATE_SOURCE = String.raw`\d{4}-\d{2}-\d{2}`;
/**
 * A history snapshot's time after its date when not 00:00 UTC: `T120000Z`, with milliseconds when
 * they are not zero, `T000000.500Z` (lib/history/snapshot_names.ts).
 */
export const TIME_SOURCE = String.raw`T\d{6}(?:\.\d{3})?Z`;
/**
 * exportStamp's window suffix as written: `_<N>d` for a window of N = 1…3660 (MAX_WINDOW_DAYS)
 * days but 30, whose names carry none (a `_30d` or `_0007d` is someone else's name).
 */
export const WRITTEN_WINDOW_SOURCE = `_(?:${
  [
    "[1-9]",
    "[12]\\d",
    "3[1-9]",
    "[4-9]\\d",
    "[1-9]\\d{2}",
    "[12]\\d{3}",
    "3[0-5]\\d{2}",
    "36[0-5]\\d",
    "3660",
  ]
    .join("|")
})d`;
/** exportStamp's shapes: `2026-11-25`, then `_demo` for demo data, `_<N>d` for a window ≠ 30 days. */
export const WRITTEN_STAMP_SOURCE = `${DATE_SOURCE}(?:_demo)?(?:${WRITTEN_WINDOW_SOURCE})?`;

/** The window a reader takes: any 1–4 digits without a leading zero (`_30d` reads as 30 days). */
const READ_WINDOW = String.raw`[1-9]\d{0,3}`;
/**
 * The mark a browser or file manager adds before the extension of a second copy: ` (1)`
 * (browsers), `-1` (Safari), ` copy`, ` copy 2` (macOS), ` - Copy`, ` - Copy (2)` (Windows).
 */
const COPY_MARK = String
  .raw` \(\d{1,4}\)|-\d{1,4}| [Cc]opy(?: \d{1,4})?| - [Cc]opy(?: \(\d{1,4}\))?`;
// groups: date, time, _demo, window days, suffix, copy mark, extension
const NAME_PATTERN = new RegExp(
  `^helicone_pricing_data_(${DATE_SOURCE})(${TIME_SOURCE})?(_demo)?(?:_(${READ_WINDOW})d)?` +
    `(?:_([a-z0-9_]+))?(${COPY_MARK})?\\.(csv|xlsx|parquet)$`,
);

/**
 * What an export's file name says: `helicone_pricing_data_2026-11-01[_demo][_<N>d][_<suffix>].csv`
 * (`_<N>d`: a window other than 30 days, exportStamp; `_<suffix>`: a part of the export, a segment
 * or `trimmed`, lib/report/export_parts.ts exportPart), also with the mark a second download or
 * copy gets before the extension (` (1)`, ` copy`…): the same export.
 */
export interface ExportNameInfo {
  /** the as-of in the name: its date at 00:00 UTC, or a snapshot's date and time (ms too) */
  asOf: Date;
  demo: boolean;
  /** the window's days: `_<N>d` in the name, else 30 */
  windowDays: number;
  /**
   * the export's stamp: `2026-11-01`, `2026-11-01_demo`, `2026-11-01_7d`, `2026-12-01T120000Z`…,
   * as in the name, without its suffix (the manifest beside a segment file is the export's)
   */
  stamp: string;
  /**
   * what follows the stamp: a segment's name (`underpriced`), `trimmed`, or another word someone
   * added; null for the whole export. A file with one holds part of the export, or is unknown.
   */
  suffix: string | null;
}

/** The as-of date and demo flag in an export's file name, or null if the name is not the kit's. */
export function exportNameInfo(path: string): ExportNameInfo | null {
  const match = basename(path).match(NAME_PATTERN);
  return match ? infoOf(match) : null;
}

function infoOf(match: RegExpMatchArray): ExportNameInfo | null {
  const [, day, time, demoPart, days, suffix] = match;
  const date = parseIsoDate(day); // strict: 2026-02-30 is not a date
  if (date === null) return null;
  const asOf = time === undefined ? date : new Date(
    `${day}T${time.slice(1, 3)}:${time.slice(3, 5)}:${time.slice(5, 7)}${time.slice(7)}`,
  );
  if (Number.isNaN(asOf.getTime())) return null;
  const demo = demoPart !== undefined;
  const windowDays = days === undefined ? STANDARD_WINDOW_DAYS : Number(days);
  const stamp = exportStamp({ asOf, demo, windowDays });
  return {
    asOf,
    demo,
    windowDays,
    stamp: time ? stamp.replace(day, day + time) : stamp,
    suffix: suffix ?? null,
  };
}

/**
 * The stamp and suffix of a name together (`2026-11-01_demo_underpriced`): what names the files
 * made from that file, so a segment's never take the whole export's names.
 */
export function suffixedStamp(name: Pick<ExportNameInfo, "stamp" | "suffix">): string {
  return name.suffix === null ? name.stamp : `${name.stamp}_${name.suffix}`;
}

/**
 * An export's own data file in an output folder, its CSV or XLSX as the writer names it (a date,
 * no time, no part, no copy mark), read as exportNameInfo reads it; null for any other name.
 */
export function exportDataFileInfo(name: string): ExportNameInfo | null {
  const match = name.match(NAME_PATTERN);
  if (!match) return null;
  const [, , time, , , suffix, copyMark, ext] = match;
  if (time !== undefined || suffix !== undefined || copyMark !== undefined) return null;
  return ext === "parquet" ? null : infoOf(match);
}

/**
 * Why a name shaped like an export's gives no as-of, in words (`2026-02-30 is not a date:
 * 2026-02 has 28 days`), or null when the name is not shaped so or its date and time are real:
 * exportNameInfo takes such a name for no export at all, and the fix is another date, not the
 * name's form.
 */
export function exportNameDateProblem(path: string): string | null {
  const match = basename(path).match(NAME_PATTERN);
  if (!match || infoOf(match) !== null) return null;
  const [, date, time] = match;
  const read = readIsoInstant(date);
  if (!("impossible" in read)) return `${time} is not a time of day (THHMMSSZ, UTC)`;
  return `${date} is not a date: ${read.impossible}`;
}

/** Whether an export stamp is demo data's (`…_demo`, `…_demo_7d`). */
export function stampIsDemo(stamp: string): boolean {
  return /_demo(?:_\d+d)?$/.test(stamp);
}

/** Whether an export stamp is a 30-day export's (its names carry no `_<N>d`). */
export function stampIsStandardWindow(stamp: string): boolean {
  return !/_\d+d$/.test(stamp);
}
