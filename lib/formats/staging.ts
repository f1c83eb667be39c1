/**
 * The staging folder of an export run and how its files are published.
 *
 * A run writes into `<outDir>/.staging-<random>/` with an owner file (`.owner.json`: pid, host,
 * start) so that a later run can tell a folder of a killed run from one of a run still writing,
 * and remove it (issue 10, item 4). Publishing moves the files into place and rolls every move back
 * when one fails, so a failed run leaves the previous set exactly as it was (item 5); a run killed
 * while moving leaves a journal, and the next run puts the previous set back before removing it.
 * Moves into a folder are made holding its publish lock (publish_lock.ts): one run at a time.
 */
import { lstat, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { STAGING_PREFIX, tempPathFor, writeProblem } from "./files.ts";
import { ensureWritableDir, outputFolderFailure } from "./folders.ts";
import { UserError } from "../core/config.ts";
import { anotherFolder, type ChosenBy } from "../core/chosen_by.ts";
import { type PublishLockOptions, publishLocksReleased, withPublishLock } from "./publish_lock.ts";

export { STAGING_PREFIX };
const OWNER_FILE = ".owner.json";
/** Where the files a publish replaces wait until the whole set is in place. */
const PREVIOUS_DIR = ".previous";
/** What a publish is about to move (names and inodes), to undo it if the run is killed meanwhile. */
const JOURNAL_FILE = ".publish.json";

interface JournalEntry {
  name: string;
  /** the staged file's inode: still the same under the real name = the file this run placed */
  ino: number | null;
}
/**
 * A staging folder without an owner file (older kit, or killed in the first instant) this old is
 * dead; one of another machine goes no younger than this, whatever the retention.
 */
const UNOWNED_GRACE_MS = 60 * 60 * 1000;

interface StagingOwner {
  pid: number;
  host: string;
  started: string;
  /** the process's start in /proc (clock ticks since boot): tells a reused pid apart */
  procStart?: string;
}

/** Field 22 of /proc/<pid>/stat (start time), or undefined when there is no such process. */
function procStartOf(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces) start at field 3.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * Makes this run's staging folder in `outDir`, owned by this process. A folder gone read-only (or
 * full, or a file) since it was checked is one line naming it as the user did, with the fix for
 * how they chose it (`chosenBy`): the staging folder is the kit's, the output folder theirs
 * (Deno's error names only `tmpdir`).
 */
export async function makeStagingDir(
  outDir: string,
  { chosenBy }: { chosenBy: ChosenBy },
): Promise<string> {
  let staging: string | undefined;
  try {
    staging = await Deno.makeTempDir({ dir: outDir, prefix: STAGING_PREFIX });
    const owner: StagingOwner = {
      pid: Deno.pid,
      host: hostname(),
      started: new Date().toISOString(),
      procStart: procStartOf(Deno.pid),
    };
    await writeFile(join(staging, OWNER_FILE), JSON.stringify(owner));
    return staging;
  } catch (error) {
    if (staging) await rm(staging, { recursive: true, force: true }).catch(() => {});
    throw await outputFolderFailure(outDir, error, chosenBy);
  }
}

function hasProc(): boolean {
  try {
    Deno.statSync("/proc/self");
    return true;
  } catch {
    return false;
  }
}

/** Whether the owner's process still runs on this machine (Linux: /proc), not a reused pid. */
function processAlive(owner: Pick<StagingOwner, "pid" | "procStart">): boolean {
  const start = procStartOf(owner.pid);
  if (start === undefined) return false;
  return owner.procStart === undefined || owner.procStart === start;
}

/**
 * Whether the staging folder's run is alive, dead, or cannot be told from here (another host,
 * no /proc, or no owner file yet).
 */
async function stagingState(path: string, now: Date): Promise<"alive" | "dead" | "unknown"> {
  let owner: StagingOwner;
  try {
    owner = JSON.parse(await readFile(join(path, OWNER_FILE), "utf8"));
  } catch {
    const info = await stat(path);
    return now.getTime() - info.mtime!.getTime() > UNOWNED_GRACE_MS ? "dead" : "unknown";
  }
  // Another machine sharing the folder: its pids mean nothing here.
  if (owner.host !== hostname() || !Number.isInteger(owner.pid)) return "unknown";
  if (!hasProc()) return "unknown";
  return processAlive(owner) ? "alive" : "dead";
}

/**
 * Removes this run's staging folder: its files first, then the owner file with the folder in one
 * synchronous step. A run stopped at once (a second signal's exit, which lands between two awaits)
 * leaves the folder owned, removed by the next run as a dead run's; a recursive removal cut there
 * could leave it unowned with files in it, kept for UNOWNED_GRACE_MS.
 */
export async function removeStagingDir(staging: string): Promise<void> {
  for (const entry of await folderEntries(staging)) {
    if (entry.name !== OWNER_FILE) {
      await rm(join(staging, entry.name), { recursive: true, force: true });
    }
  }
  try {
    Deno.removeSync(staging, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** The entries of a folder; none when it does not exist (yet). */
export async function folderEntries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
}

async function stagingDirs(outDir: string): Promise<string[]> {
  const entries = await folderEntries(outDir);
  return entries
    .filter((entry) => entry.isDirectory() && entry.name.startsWith(STAGING_PREFIX))
    .map((entry) => join(outDir, entry.name));
}

/**
 * Removes the staging folders in `outDir` left by runs that are no longer alive (killed exports)
 * and, when `olderThanDays` is given, those whose owner cannot be told (another host) not touched
 * for that many days, and never for less than UNOWNED_GRACE_MS: with 0 days, a folder another
 * machine is writing right now would go. A folder of a run still alive on this machine always
 * stays. Returns the removed paths, sorted.
 */
export async function removeDeadStaging(
  outDir: string,
  options: {
    now?: Date;
    olderThanDays?: number;
    /** a folder that could not be removed: told, and the others still tried (else: thrown) */
    onFailure?: (path: string, error: unknown) => void;
  } = {},
): Promise<string[]> {
  const now = options.now ?? new Date();
  const removed: string[] = [];
  for (const path of await stagingDirs(outDir)) {
    try {
      const state = await stagingState(path, now);
      if (state === "alive") continue; // a run still writing
      const old = options.olderThanDays !== undefined &&
        now.getTime() - (await stat(path)).mtime!.getTime() >
          Math.max(options.olderThanDays * 86_400_000, UNOWNED_GRACE_MS);
      if (state === "dead" || old) {
        // under the lock: a run publishing meanwhile must not have its files moved under it
        if (state === "dead") {
          await withPublishLock(outDir, () => undoInterruptedPublish(path, outDir));
        }
        await rm(path, { recursive: true, force: true });
        removed.push(path);
      }
    } catch (error) {
      // Another run starting at the same moment removed it first, or its run just finished.
      if ((error as { code?: string }).code === "ENOENT") continue;
      if (!options.onFailure) throw error;
      options.onFailure(path, error);
    }
  }
  return removed.sort();
}

// ── temporary files of a run ──────────────────────────────────────────────────────────────

/** A short tag of this machine's name (file names carry it; the name itself may hold anything). */
function hostTag(): string {
  let hash = 0x811c9dc5; // FNV-1a, 32 bits
  for (const char of hostname()) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

/** `.<name>.<random>.p<pid>s<start>h<host>.tmp`: the owner is in the name, as in `.owner.json`. */
const OWNED_TEMP = /\.p(\d+)s(\d*)h([0-9a-f]{8})\.tmp$/;
/** The kit's temporary files of atomic writes (`.helicone_pricing_….<random>.tmp`, any owner). */
const KIT_TEMP_FILE = /^\.helicone_pricing_.*\.tmp$/;

/**
 * A temp path next to `path` (same folder, so the final rename is atomic) whose name says which
 * process writes it, so removeDeadTempFiles can tell a killed run's file from a live one's.
 */
export function ownedTempPath(path: string): string {
  return tempPathFor(path).replace(/\.tmp$/, `.${ownerTag()}.tmp`); // (tempPathFor's name, tagged)
}

/** This process as `p<pid>s<start>h<host>`: temporary names carry it so a later run can tell. */
export function ownerTag(): string {
  return `p${Deno.pid}s${procStartOf(Deno.pid) ?? ""}h${hostTag()}`;
}

const OWNER_TAG = /p(\d+)s(\d*)h([0-9a-f]{8})/;

/**
 * Whether the process an ownerTag in `name` names is alive, dead, or cannot be told (no tag,
 * another machine, no /proc).
 */
export function ownerTagState(name: string): "alive" | "dead" | "unknown" {
  const match = name.match(OWNER_TAG);
  if (!match || match[3] !== hostTag() || !hasProc()) return "unknown";
  const owner = { pid: Number(match[1]), procStart: match[2] === "" ? undefined : match[2] };
  return processAlive(owner) ? "alive" : "dead";
}

/** Whether a kit temp file's writer is alive, dead, or cannot be told (as stagingState). */
function tempFileState(
  name: string,
  { mtime, now }: { mtime: Date; now: Date },
): "alive" | "dead" | "unknown" {
  const match = name.match(OWNED_TEMP);
  if (!match) {
    // no owner in the name (an older kit, or a writer that does not tag): age alone tells
    return now.getTime() - mtime.getTime() > UNOWNED_GRACE_MS ? "dead" : "unknown";
  }
  return ownerTagState(`p${match[1]}s${match[2]}h${match[3]}`);
}

/**
 * Removes the kit's temporary files in `dir` (`.helicone_pricing_….tmp`: a snapshot's Parquet
 * file and sidecar while written) whose writer is dead: killed runs leave them full-size forever.
 * A file of a run still alive on this machine, or of another machine, stays. Returns the removed
 * paths, sorted.
 */
export async function removeDeadTempFiles(
  dir: string,
  options: { now?: Date } = {},
): Promise<string[]> {
  const now = options.now ?? new Date();
  const entries = await folderEntries(dir);
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !KIT_TEMP_FILE.test(entry.name)) continue;
    const path = join(dir, entry.name);
    try {
      const info = await lstat(path);
      if (tempFileState(entry.name, { mtime: info.mtime!, now }) !== "dead") continue;
      await rm(path);
      removed.push(path);
    } catch {
      // its run renamed it into place meanwhile, or another run removed it first; or it cannot
      // be removed (a disk gone read-only): it stays for a later run, and the write that follows
      // says what is wrong in words (a raw `EROFS: …, rm` named no folder)
    }
  }
  return removed.sort();
}

/**
 * A run killed while publishing leaves its journal: put back what it had moved, so the folder holds
 * the previous set again. A file under the real name that is not the one this run placed (a later
 * run replaced it) is left alone.
 */
async function undoInterruptedPublish(staging: string, outDir: string): Promise<void> {
  let journal: unknown;
  try {
    journal = JSON.parse(await readFile(join(staging, JOURNAL_FILE), "utf8"));
  } catch {
    return; // killed before publishing: nothing under the real names is this run's
  }
  if (!Array.isArray(journal)) return;
  // a publish journals names of files in outDir only: anyone who can write outDir can write a
  // journal, and "../../x" moved a file of theirs out of it, or removed one there by its inode
  for (const { name, ino } of journal.filter(isJournalEntry).reverse()) {
    const target = join(outDir, name);
    const backup = join(staging, PREVIOUS_DIR, name);
    const current = await lstat(target).catch(() => null);
    const hasBackup = (await lstat(backup).catch(() => null)) !== null;
    const placedByRun = ino !== null && current !== null && current.ino === ino;
    if (placedByRun) {
      if (hasBackup) await rename(backup, target);
      else await rm(target);
    } else if (current === null && hasBackup) {
      await rename(backup, target); // moved aside, killed before the new file went in
    }
  }
}

/** A journal's entry as publishStaged writes it: a file name in outDir (no path) and an inode. */
function isJournalEntry(entry: unknown): entry is JournalEntry {
  const { name, ino } = (entry ?? {}) as Record<string, unknown>;
  return typeof name === "string" && name !== "" && name !== "." && name !== ".." &&
    basename(name) === name && !name.includes("\\") &&
    (ino === null || Number.isInteger(ino));
}

/** One step of a publish, undone in reverse order when a later step fails. */
type Step = { kind: "aside"; target: string; backup: string } | {
  kind: "placed";
  target: string;
  from: string;
};

/**
 * Moves `files` (paths inside `staging`, in order; the manifest last) into `outDir`. A file of the
 * same name is first moved aside into the staging folder, and so is each file named in `retire`
 * (an earlier run's file of the set that this run does not make); if any move fails, every move
 * is undone, so `outDir` holds exactly the previous set, and a one-line UserError says what
 * failed. Returns the published paths.
 */
export async function publishStaged(
  staging: string,
  options: PublishOptions,
): Promise<string[]> {
  // one publish at a time into a folder: two at once would interleave their moves into a mix
  if (options.lockHeld) return await moveStaged(staging, options);
  return await withPublishLock(options.outDir, () => moveStaged(staging, options), options);
}

interface PublishOptions extends PublishLockOptions {
  outDir: string;
  /** how the user chose `outDir`, for the fix a failed publish names */
  chosenBy: ChosenBy;
  /** what the files are, as a failure names them: "the export" (default), or "the files" */
  what?: string;
  files: readonly string[];
  /** names in `outDir` the published set no longer has (moved aside with the replaced files) */
  retire?: readonly string[];
  /**
   * the caller holds `outDir`'s publish lock already (withPublishLock): the export, which reads
   * the previous manifest and places its snapshot under the same lock
   */
  lockHeld?: boolean;
}

/**
 * Settles once no publish of this process is under way: a process stopping at once (a second
 * Ctrl-C) waits for this, a fraction of a second, so it leaves a whole set, not half the moves.
 * Every publish moves its files holding the folder's publish lock, so this is its release; a
 * publish still waiting for another run's has moved nothing and is not waited for.
 */
export async function publishesSettled(): Promise<void> {
  await publishLocksReleased();
}

/** publishStaged's moves. */
async function moveStaged(
  staging: string,
  { outDir, files, retire = [], what = "the export", chosenBy }: PublishOptions,
): Promise<string[]> {
  const previous = join(staging, PREVIOUS_DIR);
  const steps: Step[] = [];
  const published: string[] = [];
  try {
    await Deno.mkdir(previous, { recursive: true });
    // a retired file has no inode of this run's: an interrupted publish puts it back if it is gone
    const journal: JournalEntry[] = retire.map((name) => ({ name, ino: null }));
    for (const path of files) {
      journal.push({ name: basename(path), ino: (await stat(path)).ino ?? null });
    }
    await writeFile(join(staging, JOURNAL_FILE), JSON.stringify(journal));
    for (const name of retire) {
      const target = join(outDir, name);
      const existing = await lstat(target).catch(() => null);
      if (!existing?.isFile()) continue; // none (or not a file: not the kit's, left alone)
      const backup = join(previous, name);
      await rename(target, backup);
      steps.push({ kind: "aside", target, backup });
    }
    for (const path of files) {
      const target = join(outDir, basename(path));
      const existing = await lstat(target).catch(() => null);
      if (existing && !existing.isFile()) {
        throw new Error(`${target} exists and is not a file; move it away`);
      }
      if (existing) {
        const backup = join(previous, basename(path));
        await rename(target, backup);
        steps.push({ kind: "aside", target, backup });
      }
      await rename(path, target);
      steps.push({ kind: "placed", target, from: path });
      published.push(target);
    }
    // The whole set is in place: from here a kill must not undo it.
    await rm(join(staging, JOURNAL_FILE), { force: true });
  } catch (error) {
    const undoFailures: string[] = [];
    for (const step of steps.reverse()) {
      try {
        if (step.kind === "placed") await rename(step.target, step.from);
        else await rename(step.backup, step.target);
      } catch (undoError) {
        undoFailures.push(`${step.target} (${(undoError as Error).message.split("\n")[0]})`);
      }
    }
    // a disk gone read-only (or full) is said in words, with its fix (the folder is named)
    const problem = writeProblem(error);
    const reason = problem
      ? `${problem.reason} in ${outDir}`
      : (error as Error).message.split("\n")[0];
    if (undoFailures.length > 0) {
      throw new UserError(
        `publishing ${what} failed (${reason}) and ${undoFailures.length} file(s) could not be put back: ${
          undoFailures.join(", ")
        }`,
      );
    }
    const another = anotherFolder(chosenBy);
    const fix = problem ? `: ${problem.fix}${another ? ` or ${another}` : ""}` : "";
    throw new UserError(
      `publishing ${what} failed (${reason}); nothing new was written, the previous files are unchanged${fix}`,
    );
  }
  return published;
}

/**
 * A set of files written together (a comparison's or scenario's CSVs and summary): into a staging
 * folder in `outDir` first, then published at once, so all of them appear or none does (the
 * previous set stays). `write` gets the staging folder and returns the paths it wrote there, in
 * order; the published paths are returned in that order. Killed runs' staging folders in `outDir`
 * go first (their half-done publishes undone), as an export's run clears them. `retire`: names in `outDir` of an
 * earlier run of the set that this one does not write, moved out with the same undo.
 * `chosenBy`: how the user chose `outDir` (--out-dir, a notebook's outDir…): a folder that cannot
 * be made or written is named as they named it, with the fix for how they chose it. `signal`
 * (a command's Ctrl-C, SIGTERM): aborted before the publish, nothing is published (its reason
 * thrown, the staging folder removed); a publish under way completes.
 */
export async function writeFileSet(
  outDir: string,
  write: (staging: string) => Promise<string[]>,
  { retire = [], chosenBy, signal }: {
    retire?: readonly string[];
    chosenBy: ChosenBy;
    signal?: AbortSignal;
  },
): Promise<string[]> {
  // made if missing; a file in its way or a parent that cannot be written is the output folder's
  // error, in one line (not a staging folder's, which is the kit's own)
  await ensureWritableDir(outDir, chosenBy);
  // a killed run's staging folder (scenario, compare, history report) would stay full-size, and a
  // half-done publish a mixed set, until an export ran in this folder: cleared as an export does.
  // Best effort: one that cannot go is no reason to fail this set, whose publish holds the lock
  await removeDeadStaging(outDir, { onFailure: () => {} });
  signal?.throwIfAborted();
  const staging = await makeStagingDir(outDir, { chosenBy });
  try {
    const files = await write(staging);
    signal?.throwIfAborted(); // (staged whole, or not: never published once stopped)
    return await publishStaged(staging, {
      outDir,
      files,
      retire,
      what: "the files",
      chosenBy,
      signal, // a wait for another run's publish ends at the stop
    });
  } finally {
    await removeStagingDir(staging).catch(() => {});
  }
}

// the folder checks, once here (callers import them from this module)
export {
  ensureWritableDir,
  type FolderChoice,
  folderError,
  probeWritable,
  removeMadeFolders,
} from "./folders.ts";
