/**
 * Retention for scheduled runs: deletes files this kit wrote in the output folder once their date
 * is more than `keepDays` days old. A file is the kit's only if its name is one the kit writes
 * (`helicone_pricing_…_YYYY-MM-DD….csv|xlsx|md|json|svg|png`, or a left-over temporary
 * `.helicone_pricing_….tmp`); anything else, sub-folders (the Stripe cache, benchmarks) and
 * symbolic links are never touched, except the kit's own `.staging-*` folders of runs that died or
 * that were last touched more than `keepDays` days ago. The date is the one in the name (the data's as-of date; the
 * newer one for comparisons), not the modification time, so copying files around changes nothing.
 */
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { UserError } from "../core/config.ts";
import { folderEntries, removeDeadStaging } from "../formats/staging.ts";

const DAY_MS = 86_400_000;

/**
 * Names the kit writes: exports, briefs, trimmed and segment CSVs, manifests, charts, scenario
 * and comparison outputs. Each carries at least one ISO date after `helicone_pricing_`.
 */
const KIT_FILE =
  /^helicone_pricing_[a-z0-9_.-]*\d{4}-\d{2}-\d{2}[a-z0-9_.-]*\.(csv|xlsx|md|json|svg|png)$/;
/** Temporary files of atomic writes (`.<name>.<random>.tmp`) left behind by a killed run. */
const KIT_TEMP = /^\.helicone_pricing_[a-z0-9_.-]*\d{4}-\d{2}-\d{2}[a-z0-9_.-]*\.[a-z0-9]+\.tmp$/;

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

/**
 * Deletes the kit's files in `outDir` dated more than `keepDays` days before `now` (UTC days) and
 * returns their paths, sorted. keepDays = 0 keeps only today's files. Not recursive. Files named
 * in `protect` (this run's files: an export with an old --as-of is dated in the past) stay.
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
  for (const entry of entries) {
    if (!entry.isFile()) continue; // folders and symbolic links are never ours to delete
    const date = kitFileDate(entry.name);
    if (!date || ageInDays(date, now) <= keepDays || protectedNames.has(entry.name)) continue;
    const path = join(outDir, entry.name);
    await rm(path);
    pruned.push(path);
  }
  // Staging folders (`.staging-*`) of killed runs, and any not touched for keepDays days.
  pruned.push(...await removeDeadStaging(outDir, { now, olderThanDays: keepDays }));
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
