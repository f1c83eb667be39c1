/**
 * Retention for scheduled runs: deletes files this kit wrote in the output folder once their date
 * is more than `keepDays` days old. A file is the kit's only if its name is exactly one the kit's
 * writers produce (kit_names.ts: an export's data, brief, trimmed and segment CSVs, charts and
 * manifest; a scenario's, comparison's or history report's files; or a left-over temporary
 * `.<that name>.….tmp`): a renamed copy (`…_2026-11-01_backup.csv`) is the user's. Anything else,
 * sub-folders (the Stripe cache, history snapshots, benchmarks) and symbolic links are never
 * touched, except the kit's own `.staging-*` folders of runs that died or that were last touched
 * more than `keepDays` days (and at least an hour: another machine may be writing one) ago.
 * The date is the one in the name (the data's as-of date; the newer one for comparisons), not the
 * modification time, so copying files around changes nothing.
 * The newest export set of each kind (live, demo) stays whatever its date: it is what the MCP
 * server serves, and scheduled runs that failed for longer than `keepDays` (or a `--demo` run, or
 * one with an old `--as-of`) must not leave it nothing to serve.
 */
import { lstat, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { UserError } from "../core/config.ts";
import type { ChosenBy } from "../core/chosen_by.ts";
import { folderEntries, removeDeadStaging } from "../formats/staging.ts";
import { withPublishLock } from "../formats/publish_lock.ts";
import { exportDataNames, type KitFile, kitFile } from "./kit_names.ts";
import { stampIsDemo, stampIsStandardWindow } from "../formats/export_names.ts";

export { kitFile, kitFileDate, type KitFileKind } from "./kit_names.ts";

const DAY_MS = 86_400_000;

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

/** An export set kept because it is the newest of its kind, though dated before the window. */
export interface KeptNewestSet {
  /** its stamp (`2026-10-01`, `2026-10-01_demo_7d`) */
  stamp: string;
  demo: boolean;
}

/** What retention did. */
export interface RetentionResult {
  /** the kit's files deleted, sorted */
  deleted: string[];
  /** the `.staging-*` folders removed (of killed runs, or another machine's long untouched) */
  staging: string[];
  /** the newest export set of a kind (live, demo) that stayed only for being the newest */
  keptNewest: KeptNewestSet[];
}

/**
 * Some of the old files could not be deleted; the others were. `result` says what went (and
 * what stayed for being the newest), `failures` each that stayed with its reason.
 */
export class RetentionError extends UserError {
  override name = "RetentionError";
  constructor(readonly result: RetentionResult, readonly failures: RetentionFailure[]) {
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

/** How pruneExports is told what to keep and how it waits. */
export interface PruneOptions {
  keepDays: number;
  now: Date;
  /** this run's files (an export with an old --as-of is dated in the past): they stay */
  protect?: Iterable<string>;
  /** told once when another run is publishing into the folder and retention waits for it */
  onWait?: (line: string) => void;
  /** how the user chose the folder (--out-dir…), for the fix a lock that cannot be made names */
  chosenBy?: ChosenBy;
}

/**
 * Deletes the kit's files in `outDir` dated more than `keepDays` days before `now` (UTC days),
 * except the newest export set of each kind (newestSets) and the files named in `protect`, and
 * the dead or long untouched `.staging-*` folders. keepDays = 0 keeps only today's files. Not
 * recursive. The files are judged and deleted holding the folder's publish lock, as an export
 * publishes: a set being published meanwhile (another run's, of an old date) goes whole after
 * its publish, or stays whole, never half. A file that cannot be deleted does not stop the
 * others: once all were tried, a RetentionError names each that stayed, and why.
 */
export async function pruneExports(
  outDir: string,
  { keepDays, now, protect = [], onWait, chosenBy }: PruneOptions,
): Promise<RetentionResult> {
  const protectedNames = new Set([...protect].map((path) => basename(path)));
  if (!Number.isInteger(keepDays) || keepDays < 0) {
    throw new UserError(`retention must be a whole number of days ≥ 0, got ${keepDays}`);
  }
  const failures: RetentionFailure[] = [];
  // Staging folders first (`.staging-*`): a killed publish's is undone as it goes, so the files
  // are judged as the previous set left them. Those of killed runs go, and any not touched for
  // keepDays days (an hour at least, whatever keepDays: another machine's run may be writing it);
  // each folder that stays is named, and the others still tried.
  const staging = await removeDeadStaging(outDir, {
    now,
    olderThanDays: keepDays,
    onFailure: (path, error) => failures.push({ path, reason: failureReason(error) }),
  });
  let files = { deleted: [] as string[], keptNewest: [] as KeptNewestSet[] };
  if (await stat(outDir).then(() => true, () => false)) {
    files = await withPublishLock(
      outDir,
      () => pruneFiles(outDir, { keepDays, now, protectedNames, failures }),
      { onWait, chosenBy, action: "prune old files" },
    );
  }
  const result = { ...files, staging };
  if (failures.length > 0) {
    throw new RetentionError(result, failures.sort((a, b) => a.path < b.path ? -1 : 1));
  }
  return result;
}

/** pruneExports' files, under the publish lock. */
async function pruneFiles(
  outDir: string,
  { keepDays, now, protectedNames, failures }: {
    keepDays: number;
    now: Date;
    protectedNames: Set<string>;
    failures: RetentionFailure[];
  },
): Promise<{ deleted: string[]; keptNewest: KeptNewestSet[] }> {
  const files: { name: string; file: KitFile }[] = [];
  for (const entry of await folderEntries(outDir)) {
    if (!entry.isFile()) continue; // folders and symbolic links are never ours to delete
    const file = kitFile(entry.name);
    if (file) files.push({ name: entry.name, file });
  }
  const newest = await newestSets(outDir, files);
  const deleted: string[] = [];
  const keptNewest = new Set<string>();
  for (const { name, file } of files) {
    if (ageInDays(file.date, now) <= keepDays || protectedNames.has(name)) continue;
    if (file.stamp !== undefined && newest.has(file.stamp)) {
      keptNewest.add(file.stamp);
      continue;
    }
    const path = join(outDir, name);
    try {
      await rm(path);
      deleted.push(path);
    } catch (error) {
      // another run's retention deleted it first: gone either way
      if ((error as { code?: string }).code === "ENOENT") continue;
      failures.push({ path, reason: failureReason(error) });
    }
  }
  return {
    deleted: deleted.sort(),
    keptNewest: [...keptNewest].sort().map((stamp) => ({ stamp, demo: stampIsDemo(stamp) })),
  };
}

/**
 * The stamps of the newest export set of each kind (live, demo) among `files`: the newest whose
 * data (CSV or XLSX) is there, in the MCP server's order (lib/mcp/dataset.ts listExports: as-of
 * date, of one date the 30-day export, then the newer file). A set's brief or charts without its
 * data is nothing a server reads, so it is not the newest set.
 */
async function newestSets(
  outDir: string,
  files: { name: string; file: KitFile }[],
): Promise<Set<string>> {
  const sets = new Map<string, { stamp: string; date: Date; mtimeMs: number }>();
  for (const { name, file } of files) {
    if (file.stamp === undefined || !exportDataNames(file.stamp).includes(name)) continue;
    const info = await lstat(join(outDir, name)).catch(() => null);
    if (!info) continue;
    const mtimeMs = info.mtime?.getTime() ?? 0;
    const known = sets.get(file.stamp);
    sets.set(file.stamp, {
      stamp: file.stamp,
      date: file.date,
      mtimeMs: Math.max(mtimeMs, known?.mtimeMs ?? 0),
    });
  }
  const otherWindow = (stamp: string) => stampIsStandardWindow(stamp) ? 0 : 1;
  const ordered = [...sets.values()].sort((a, b) =>
    b.date.getTime() - a.date.getTime() || otherWindow(a.stamp) - otherWindow(b.stamp) ||
    b.mtimeMs - a.mtimeMs || (a.stamp < b.stamp ? -1 : 1)
  );
  const newest = new Set<string>();
  for (const demo of [false, true]) {
    const set = ordered.find((candidate) => stampIsDemo(candidate.stamp) === demo);
    if (set) newest.add(set.stamp);
  }
  return newest;
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
