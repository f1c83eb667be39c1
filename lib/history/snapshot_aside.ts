/**
 * Replacing a stored snapshot so that a run killed halfway (SIGKILL, power cut) loses nothing. The
 * replaced pair is renamed aside under a name of its own
 * (`.<name>.p<pid>s<start>h<host>.aside.parquet` and its sidecar `….aside.parquet.json`, the writer
 * in it, as a temp file's: staging.ts ownerTag) rather
 * than a temp name, which removeDeadTempFiles would have removed as a dead run's: between the
 * renames that left the folder without that month end. A snapshot an older kit named by the date
 * of another instant is moved to its own name through `.<its name>.<owner>.moving.parquet` the same way.
 * A dead run's files are dealt with by the next run under the folder's lock
 * (recoverInterruptedPlacing): a replacement cut short is undone (the old pair back), a finished
 * one tidied (its aside files removed), a move finished or undone, so a whole pair is left, never a
 * Parquet file without its sidecar or a sidecar beside another Parquet file. A reader that cannot
 * write the folder reads what those rules say is current where it lies (interruptedView), and its
 * sidecar where it lies too (sidecarWhereItLies).
 */
import { existsSync, readdirSync } from "node:fs";
import { lstat, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ownerTag, ownerTagState, probeWritable } from "../formats/staging.ts";
import { withPublishLock } from "../formats/publish_lock.ts";
import { writeProblem } from "../formats/files.ts";
import type { ChosenBy } from "../core/chosen_by.ts";
import { parseSnapshotName, snapshotFileName } from "./snapshot_names.ts";

/**
 * `.<snapshot>.<owner>.aside.parquet` and its sidecar `….aside.parquet.json`; an older kit's are
 * `.<snapshot>.<owner>.aside` and `.<snapshot>.json.<owner>.aside` (groups: name, owner, the new
 * form's `.parquet`, its `.json`). The new names end as a Parquet file's and its sidecar's do, so
 * a reader reads an aside pair as it reads any snapshot (the Parquet reader takes a path only by
 * its `.parquet` ending).
 */
const ASIDE = /^\.(helicone_pricing_.+)\.(p\d+s\d*h[0-9a-f]{8})\.aside(\.parquet)?(\.json)?$/;
/** `.<timed name>.<owner>.moving.parquet`: a date-named snapshot on its way to its own name */
const MOVING = /^\.(helicone_pricing_.+\.parquet)\.(p\d+s\d*h[0-9a-f]{8})\.moving\.parquet$/;

/** Where `target` (a snapshot, else its sidecar) waits while a snapshot replaces it. */
export function asidePath(target: string, owner: string = ownerTag()): string {
  const sidecar = target.endsWith(".json");
  const snapshot = sidecar ? target.slice(0, -".json".length) : target;
  // the sidecar beside its Parquet file's aside name: `<aside>.json`, so a reader of the aside
  // Parquet file finds its sidecar where every reader looks (interruptedView)
  const aside = join(dirname(snapshot), `.${basename(snapshot)}.${owner}.aside.parquet`);
  return sidecar ? `${aside}.json` : aside;
}

/**
 * Puts the written pair (`written`, `writtenMeta`: its Parquet file and sidecar) at `path` and its sidecar, each step a `move`: what
 * is there is renamed aside, sidecar first, then the new sidecar and last the Parquet file (a
 * reader that finds it finds its sidecar). Returns the aside paths (removed once the run is
 * done with them). Killed between any two steps, recoverInterruptedPlacing puts the old pair back.
 */
export async function placeSnapshotFiles(
  path: string,
  { written, writtenMeta, move, owner }: {
    written: string;
    writtenMeta: string;
    move: (from: string, to: string) => Promise<void>;
    /** the writer's ownerTag (default: this process's) */
    owner?: string;
  },
): Promise<string[]> {
  const aside: string[] = [];
  for (const target of [`${path}.json`, path]) {
    const there = await lstat(target).catch(() => null);
    if (there && !there.isFile()) throw new Error(`${target} exists and is not a file`);
    if (!there) continue;
    const kept = asidePath(target, owner);
    await move(target, kept);
    aside.push(kept);
  }
  await move(writtenMeta, `${path}.json`);
  await move(written, path);
  return aside;
}

/**
 * Moves the pair at `from` (a date's name holding another instant's snapshot) to `to` (that
 * instant's name), each step a `move`: the Parquet file first to `.<to>.<owner>.moving.parquet` (the
 * date's name no longer lists it: its sidecar alone is no snapshot), then the sidecar to its new
 * name, last the Parquet file. Killed between any two, recoverInterruptedPlacing finishes the move
 * (the sidecar at its new name) or undoes it.
 */
export async function moveSnapshotFiles(
  from: string,
  to: string,
  { move, owner = ownerTag() }: {
    move: (from: string, to: string) => Promise<void>;
    owner?: string;
  },
): Promise<void> {
  const moving = join(dirname(to), `.${basename(to)}.${owner}.moving.parquet`);
  await move(from, moving);
  await move(`${from}.json`, `${to}.json`);
  await move(moving, to);
}

/** A dead run's unfinished work on one snapshot, from the folder's names. */
interface Interrupted {
  /** the snapshot's path (a move's: the name it moves to) */
  snapshot: string;
  /** an aside Parquet file, and sidecar (a replacement's), or the moving Parquet file (a move's) */
  parquet?: string;
  json?: string;
  /** a move's: the date's name it comes from */
  from?: string;
  /** an older kit's aside Parquet file, whose name the Parquet reader does not take */
  olderName?: boolean;
}

/**
 * The work in `dir` (whose entries are `names`) of runs that died (a live run's are its own;
 * another machine's cannot be told and stay), by the snapshot it is on.
 */
function deadWork(dir: string, names: readonly string[]): Map<string, Interrupted> {
  const bySnapshot = new Map<string, Interrupted>();
  const entry = (snapshot: string) => {
    const found = bySnapshot.get(snapshot) ?? { snapshot };
    bySnapshot.set(snapshot, found);
    return found;
  };
  for (const name of names) {
    const moving = name.match(MOVING);
    if (moving && ownerTagState(moving[2]) === "dead") {
      const to = parseSnapshotName(moving[1]);
      if (!to || to.precision === "date") continue; // (no move of the kit's makes one)
      const from = snapshotFileName(new Date(`${to.date}T00:00:00Z`), to.demo);
      Object.assign(entry(join(dir, moving[1])), {
        parquet: join(dir, name),
        from: join(dir, from),
      });
      continue;
    }
    const match = name.match(ASIDE);
    if (!match || ownerTagState(match[2]) !== "dead") continue;
    const [, named, , newForm, json] = match;
    const olderSidecar = newForm === undefined && named.endsWith(".json");
    const snapshot = olderSidecar ? named.slice(0, -".json".length) : named;
    // (one writer per snapshot: two dead ones would be two replacements, each of which the next
    // run dealt with, so a second one of a snapshot is not met)
    const found = entry(join(dir, snapshot));
    if (json !== undefined || olderSidecar) found.json = join(dir, name);
    else Object.assign(found, { parquet: join(dir, name), olderName: newForm === undefined });
  }
  return bySnapshot;
}

/** The snapshot a reader reads for a dead run's work, where it lies, and the name it goes by. */
export interface InterruptedSnapshot {
  /** the snapshot's own name (its as-of, its kind) */
  name: string;
  /** the Parquet file to read: an aside or moving one (its sidecar, if any, at `<file>.json`) */
  file: string;
}

/**
 * What the rules of recoverInterruptedPlacing say is current in `dir` (entries `names`), for a
 * reader that cannot put it back: a snapshot whose Parquet file a dead run moved aside or was
 * moving is read there, and so is its sidecar wherever the run left it (sidecarWhereItLies: the
 * sidecar of a moving one at its new or old name, the sidecar alone moved aside beside the aside
 * name). `pending`: the snapshots a dead run left work on (nothing when there is none: the folder
 * reads as it is).
 */
export function interruptedView(
  dir: string,
  names: readonly string[],
): { current: InterruptedSnapshot[]; pending: string[] } {
  if (!names.some((name) => ASIDE.test(name) || MOVING.test(name))) {
    return { current: [], pending: [] };
  }
  const here = new Set(names);
  const current: InterruptedSnapshot[] = [];
  const work = deadWork(dir, names);
  for (const { snapshot, parquet, from, olderName } of work.values()) {
    const name = basename(snapshot);
    if (!parquet || olderName || here.has(name)) continue;
    // a move undone lists it under the date's name, which gives it that date's 00:00: its own
    // name gives its instant either way
    if (from === undefined || !here.has(basename(from))) current.push({ name, file: parquet });
  }
  return { current, pending: [...work.keys()].map((path) => basename(path)).sort() };
}

/**
 * Where a dead run left the sidecar of the snapshot read at `parquetPath`, when it is not at
 * `<parquetPath>.json`: for a reader that cannot write the folder (interruptedView), so the
 * snapshot reads with its as-of, demo-ness and rates as it will once put back. A moving Parquet
 * file's sidecar is at the name it moves to once that step was done, else still at the date's
 * name it comes from (moveSnapshotFiles); a snapshot whose sidecar alone was moved aside (a
 * replacement cut short after its first step) has it at its aside name, or an older kit's
 * `.<name>.json.<owner>.aside`. Null when there is none (a snapshot without a sidecar), and for a
 * live run's files, which that run is still moving. Synchronous: the sums cache reads sidecars so.
 */
export function sidecarWhereItLies(parquetPath: string): string | null {
  const dir = dirname(parquetPath);
  const name = basename(parquetPath);
  const moving = name.match(MOVING);
  if (moving) {
    const to = parseSnapshotName(moving[1]);
    if (!to || to.precision === "date" || ownerTagState(moving[2]) !== "dead") return null;
    const from = snapshotFileName(new Date(`${to.date}T00:00:00Z`), to.demo);
    // a sidecar beside a Parquet file at that name is that file's, not this one's
    return [moving[1], from].map((target) => join(dir, target))
      .find((target) => !existsSync(target) && existsSync(`${target}.json`))
      ?.concat(".json") ?? null;
  }
  if (!parseSnapshotName(name)) return null;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const aside = names.find((entry) => {
    const match = entry.match(ASIDE);
    if (!match || ownerTagState(match[2]) !== "dead") return false;
    const [, named, newForm, json] = [match[0], match[1], match[3], match[4]];
    return newForm === undefined ? named === `${name}.json` : json !== undefined && named === name;
  });
  return aside === undefined ? null : join(dir, aside);
}

const exists = (path: string) => lstat(path).then(() => true, () => false);

/** What recoverInterruptedPlacing did, or why it could not. */
export interface Recovery {
  /** the snapshots put back (a replacement undone) */
  restored: string[];
  /**
   * with `readOnly: "read"`, the folder cannot be written: nothing was put back, and this line
   * says what is read instead and what to run
   */
  notRecovered?: string;
}

/**
 * Finishes what runs killed while replacing or moving a snapshot in `dir` left (placeSnapshotFiles,
 * moveSnapshotFiles): with the new Parquet file not in place, the old pair goes back (a new sidecar
 * already there is dropped); with it in place, the aside files are removed; a move is finished
 * once its sidecar is at the new name, else undone. Holds the folder's lock, taken only when there
 * is something to do; a folder it cannot write fails in one line (the lock's, naming the folder as
 * `chosenBy` chose it), or with `readOnly: "read"` (a reader) returns `notRecovered`.
 */
export async function recoverInterruptedPlacing(
  dir: string,
  options: {
    onLockWait?: (line: string) => void;
    chosenBy?: ChosenBy;
    readOnly?: "fail" | "read";
    /** ends a wait for the lock (its reason thrown, nothing put back), as a stop does */
    signal?: AbortSignal;
  } = {},
): Promise<Recovery> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const { pending } = interruptedView(dir, names);
  if (pending.length === 0) return { restored: [] };
  if (options.readOnly === "read") {
    // (a file made and removed: a mode check passes as root on a file system mounted read-only)
    const refused = await probeWritable(dir).then(() => null, (error) => error);
    if (refused && writeProblem(refused)) {
      return {
        restored: [],
        notRecovered: notRecoveredLine(dir, { pending, refused }),
      };
    }
  }
  const restored = await withPublishLock(dir, () => recoverHeld(dir), {
    ...(options.onLockWait ? { onWait: options.onLockWait } : {}),
    ...(options.chosenBy ? { chosenBy: options.chosenBy } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    action: "restore a history snapshot",
  });
  return { restored };
}

/** The reader's line for a folder it cannot write that holds a dead run's work. */
function notRecoveredLine(
  dir: string,
  { pending, refused }: { pending: string[]; refused: unknown },
): string {
  const why = writeProblem(refused)?.reason ?? String((refused as Error)?.message ?? refused);
  const shown = pending.length > 3 ? [...pending.slice(0, 3), "…"] : pending;
  return `history folder ${dir} holds ${pending.length} snapshot(s) a killed run was replacing or moving (${
    shown.join(", ")
  }), read where that run left them, not put back (the folder cannot be written: ${
    why.split("\n")[0]
  }); run \`deno task history report\` or an export with write access to ${dir} to put them back`;
}

/** recoverInterruptedPlacing's work, the lock held. */
async function recoverHeld(dir: string): Promise<string[]> {
  const restored: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const { snapshot, parquet, json, from } of deadWork(dir, names).values()) {
    const sidecar = `${snapshot}.json`;
    if (from !== undefined && parquet) {
      if (await exists(sidecar) && !(await exists(snapshot))) {
        await rename(parquet, snapshot); // cut short after the sidecar went: the move finished
      } else if (!(await exists(from))) {
        await rename(parquet, from); // cut short before: undone (its sidecar is still there)
        restored.push(from);
      } else if (!(await exists(snapshot))) {
        await rename(parquet, snapshot); // (the date's name taken since: its own name, alone)
      }
      continue;
    }
    if (parquet && !(await exists(snapshot))) {
      // cut short before the new Parquet file went in: the old pair back, sidecar first
      if (json) await rename(json, sidecar);
      else await rm(sidecar, { force: true }); // (the old one had none: this is the new one's)
      await rename(parquet, snapshot);
      restored.push(snapshot);
      continue;
    }
    if (json && !parquet && !(await exists(sidecar))) {
      await rename(json, sidecar); // cut short after moving only the sidecar aside
      restored.push(snapshot);
      continue;
    }
    // the new pair is in place: what it replaced goes (its run died before tidying)
    for (const file of [parquet, json]) if (file) await rm(file, { force: true });
  }
  return restored;
}
