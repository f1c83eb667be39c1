/**
 * Retention for scheduled runs: deletes files this kit wrote in the output folder once their date
 * is more than `keepDays` days old. A file is the kit's only if its name is exactly one the kit's
 * writers produce (an export's data, brief, trimmed and segment CSVs, charts and manifest; a
 * scenario's, comparison's or history report's files; or a left-over temporary `.<that name>.….tmp`):
 * a renamed copy (`…_2026-11-01_backup.csv`) is the user's. Anything else, sub-folders (the Stripe
 * cache, history snapshots, benchmarks) and symbolic links are never touched, except the kit's own
 * `.staging-*` folders of runs that died or that were last touched more than `keepDays` days (and
 * at least an hour: another machine may be writing one) ago.
 * The date is the one in the name (the data's as-of date; the newer one for comparisons), not the
 * modification time, so copying files around changes nothing.
 */
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { UserError } from "../core/config.ts";
import { exportStamp, type ExportStampOptions, stampedFileName } from "../formats/files.ts";
import { folderEntries, removeDeadStaging } from "../formats/staging.ts";
import { briefFileName, trimmedFileName } from "../report/brief.ts";
import { SEGMENT_NAMES, segmentFileName } from "../report/segments.ts";
import { TRIMMED_SUFFIX } from "../report/export_parts.ts";
import { chartFilePaths } from "../report/chart_files.ts";
import { comparisonFileBase } from "../analysis/compare.ts";
import { scenarioFileBase } from "../analysis/scenario/report.ts";
import type { Scenario } from "../analysis/scenario/model.ts";
import { historyReportNames } from "../history/report_names.ts";

const DAY_MS = 86_400_000;

// ── the names the kit writes ─────────────────────────────────────────────────────────────────
// Built with the writers' own name functions from a sample stamp, which then stands for any
// stamp: a name the writers cannot produce (a user's `…_2026-11-01_backup.csv`) is not the kit's.

const DATE = String.raw`\d{4}-\d{2}-\d{2}`;
/**
 * exportStamp's window suffix: `_<N>d` for a window of N = 1…3660 (MAX_WINDOW_DAYS) days but 30,
 * whose names carry none (a `_30d` or `_0007d` is someone else's name).
 */
const WINDOW = `_(?:${
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
const STAMP = `${DATE}(?:_demo)?(?:${WINDOW})?`;
/** dateStamp's shapes (the history report's names carry no window). */
const DATE_STAMP = `${DATE}(?:_demo)?`;
/** The part of an export a scenario's or comparison's input may be: a segment or `trimmed`. */
const PART = `(?:_(?:${[TRIMMED_SUFFIX, ...SEGMENT_NAMES].join("|")}))?`;
/** A scenario's stamp: its input's exportStamp, with the input's part (scenario stageScenarioFiles). */
const INPUT_STAMP = `${STAMP}${PART}`;
/**
 * A comparison's stamp (lib/cli/compare.ts stampOf): an export's, or a history snapshot's with
 * its time when not 00:00 UTC (`2026-10-01T120000Z`, milliseconds when not zero), and its part.
 */
const TIME = String.raw`T\d{6}(?:\.\d{3})?Z`;
const COMPARED_STAMP = `${DATE}(?:${TIME})?(?:_demo)?(?:${WINDOW})?${PART}`;
/** A scenario's name as lib/analysis/scenario/validation.ts accepts it. */
const SCENARIO_NAME = "[a-z0-9][a-z0-9_-]*";
/** The charts of an export (lib/report/charts.ts, lib/economics/charts.ts). */
const EXPORT_CHARTS = [
  "margin_vs_mrr",
  "margin_by_tier",
  "requests_vs_llm_cost",
  "usage_by_tier",
  "cost_and_mrr_by_tier",
  "margin_by_plan",
  "mrr_vs_requests",
  "mrr_per_1k_requests_by_plan",
];
const SAMPLE: ExportStampOptions = { asOf: new Date("1999-12-31T00:00:00Z"), demo: false };
const SAMPLE_STAMP = exportStamp(SAMPLE);
// Slots in a sample name: control characters, which no name function writes or regex escapes.
const STAMP_SLOT = "\u0001";
const DATE_STAMP_SLOT = "\u0002";
const NAME_SLOT = "\u0003";
const INPUT_STAMP_SLOT = "\u0004";
const COMPARED_STAMP_SLOT = "\u0005";

/** A sample name as a regex source: literal text escaped, each slot its pattern. */
function namePattern(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replaceAll(STAMP_SLOT, STAMP)
    .replaceAll(DATE_STAMP_SLOT, DATE_STAMP)
    .replaceAll(NAME_SLOT, SCENARIO_NAME)
    .replaceAll(INPUT_STAMP_SLOT, INPUT_STAMP)
    .replaceAll(COMPARED_STAMP_SLOT, COMPARED_STAMP);
}

/** Every name the kit writes in the output folder, with slots for the stamps and names. */
function kitNameTemplates(): string[] {
  const sample = (name: string) => name.replace(SAMPLE_STAMP, STAMP_SLOT);
  const chartNames = (names: string[], stamp: string) =>
    chartFilePaths(names.map((name) => ({ name })), { outDir: "", stamp }).map((p) => basename(p));
  const history = historyReportNames(DATE_STAMP_SLOT);
  const comparison = comparisonFileBase(COMPARED_STAMP_SLOT, COMPARED_STAMP_SLOT);
  const scenario = scenarioFileBase({ name: NAME_SLOT } as Scenario, INPUT_STAMP_SLOT);
  return [
    ...["csv", "xlsx", "manifest.json"].map((ext) => stampedFileName(STAMP_SLOT, { ext })),
    sample(briefFileName(SAMPLE)),
    sample(trimmedFileName(SAMPLE)),
    ...SEGMENT_NAMES.map((segment) => segmentFileName(STAMP_SLOT, segment)),
    ...chartNames(EXPORT_CHARTS, STAMP_SLOT),
    ...[".csv", "_totals.csv", ".md"].map((ext) => `${comparison}${ext}`),
    ...[".csv", "_by_tier.csv", ".md"].map((ext) => `${scenario}${ext}`),
    history.csv,
    history.changes,
    history.markdown,
    ...history.charts,
  ];
}

const KIT_NAME = `(?:${kitNameTemplates().map(namePattern).join("|")})`;
/** Names the kit writes: exports, briefs, segments, charts, manifests, scenarios, comparisons. */
const KIT_FILE = new RegExp(`^${KIT_NAME}$`);
/**
 * Temporary files of atomic writes left behind by a killed run: tempPathFor's
 * `.<name>.<random>.tmp`, or ownedTempPath's `.<name>.<random>.p<pid>s<start>h<host>.tmp`.
 */
const KIT_TEMP = new RegExp(`^\\.${KIT_NAME}\\.[a-z0-9]+(?:\\.p\\d+s\\d*h[0-9a-f]{8})?\\.tmp$`);

/** The newest valid date in a kit file name, or null when the name is not the kit's. */
export function kitFileDate(name: string): Date | null {
  if (!KIT_FILE.test(name) && !KIT_TEMP.test(name)) return null;
  let newest: Date | null = null;
  for (const match of name.matchAll(/(\d{4})-(\d{2})-(\d{2})/g)) {
    const date = new Date(`${match[0]}T00:00:00Z`);
    // Reject impossible dates (2026-02-31 rolls over in Date): the name must round-trip.
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== match[0]) continue;
    if (!newest || date > newest) newest = date;
  }
  return newest;
}

/** Days since the file's date, counted in whole UTC days (today's files are 0 days old). */
function ageInDays(date: Date, now: Date): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.floor((today - date.getTime()) / DAY_MS);
}

/** A file retention could not delete, and why, as one line: what is wrong and the fix. */
export interface RetentionFailure {
  path: string;
  reason: string;
}

/**
 * Some of the old files could not be deleted; the others were. `deleted` lists those that went,
 * `failures` each that stayed with its reason (RetentionFailure).
 */
export class RetentionError extends UserError {
  override name = "RetentionError";
  constructor(readonly deleted: string[], readonly failures: RetentionFailure[]) {
    super(
      `could not delete ${failures.length} old file${failures.length === 1 ? "" : "s"}: ` +
        failures.map((failure) => failure.path).join(", "),
    );
  }
}

/** Why `rm` failed, and what to do about it, in a few words. */
function failureReason(error: unknown): string {
  const code = (error as { code?: string }).code;
  const fix = code === "EPERM"
    ? "it is immutable or append-only (lsattr shows it; chattr -i clears it), or the folder is sticky and the file another user's"
    : code === "EACCES"
    ? "this user may not write to the folder; give it write permission"
    : code === "EROFS"
    ? "the folder is on a read-only filesystem"
    : "delete it by hand";
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return `${message.replace(/, rm$/, "")}; ${fix}`;
}

/**
 * Deletes the kit's files in `outDir` dated more than `keepDays` days before `now` (UTC days) and
 * returns their paths, sorted. keepDays = 0 keeps only today's files. Not recursive. Files named
 * in `protect` (this run's files: an export with an old --as-of is dated in the past) stay.
 * A file that cannot be deleted does not stop the others: once all were tried, a RetentionError
 * names each that stayed, and why, beside those deleted.
 */
export async function pruneExports(
  outDir: string,
  { keepDays, now, protect = [] }: { keepDays: number; now: Date; protect?: Iterable<string> },
): Promise<string[]> {
  const protectedNames = new Set([...protect].map((path) => basename(path)));
  if (!Number.isInteger(keepDays) || keepDays < 0) {
    throw new UserError(`retention must be a whole number of days ≥ 0, got ${keepDays}`);
  }
  const entries = await folderEntries(outDir);
  const pruned: string[] = [];
  const failures: RetentionFailure[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue; // folders and symbolic links are never ours to delete
    const date = kitFileDate(entry.name);
    if (!date || ageInDays(date, now) <= keepDays || protectedNames.has(entry.name)) continue;
    const path = join(outDir, entry.name);
    try {
      await rm(path);
      pruned.push(path);
    } catch (error) {
      // another run's retention deleted it first: gone either way
      if ((error as { code?: string }).code === "ENOENT") continue;
      failures.push({ path, reason: failureReason(error) });
    }
  }
  // Staging folders (`.staging-*`) of killed runs, and any not touched for keepDays days (an hour
  // at least, whatever keepDays: another machine's run may be writing it).
  // (each folder that stays is named, and the others still tried)
  pruned.push(
    ...await removeDeadStaging(outDir, {
      now,
      olderThanDays: keepDays,
      onFailure: (path, error) => failures.push({ path, reason: failureReason(error) }),
    }),
  );
  if (failures.length > 0) {
    throw new RetentionError(pruned.sort(), failures.sort((a, b) => a.path < b.path ? -1 : 1));
  }
  return pruned.sort();
}

export const RETENTION_VARIABLE = "PRICING_RETENTION_DAYS";

/**
 * `--retention-days N` or PRICING_RETENTION_DAYS: days to keep; undefined = keep everything.
 * Pass the flag's text first (it wins over the environment).
 */
export function retentionDays(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): number | undefined {
  const [raw, name] = flag !== undefined
    ? [flag, "--retention-days"]
    : [env[RETENTION_VARIABLE], RETENTION_VARIABLE];
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw.trim())) {
    throw new UserError(`${name} must be a whole number of days ≥ 0, got ${JSON.stringify(raw)}`);
  }
  return Number(raw.trim());
}
