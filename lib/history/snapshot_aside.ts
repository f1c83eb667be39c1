/**
 * Replacing a stored snapshot so that a run killed halfway (SIGKILL, power cut) loses nothing. The
 * replaced pair is renamed aside under a name of its own (`.<name>.p<pid>s<start>h<host>.aside`,
 * the writer in it, as a temp file's: staging.ts ownerTag) rather than a temp name, which
 * removeDeadTempFiles would have removed as a dead run's: between the renames that left the folder
 * without that month end. A dead run's aside files are dealt with by the next run or reader, under
 * the folder's lock (recoverInterruptedPlacing): a replacement cut short is undone (the old pair
 * back), a finished one tidied (its aside files removed).
 */
import { lstat, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ownerTag, ownerTagState } from "../formats/staging.ts";
import { withPublishLock } from "../formats/publish_lock.ts";
import type { ChosenBy } from "../core/chosen_by.ts";

/** `.<snapshot file or its sidecar>.<owner tag>.aside` */
const ASIDE = /^\.(helicone_pricing_.+)\.(p\d+s\d*h[0-9a-f]{8})\.aside$/;

/** Where `target` waits while a snapshot replaces it, named after its writer (`owner`). */
export function asidePath(target: string, owner: string = ownerTag()): string {
  return join(dirname(target), `.${basename(target)}.${owner}.aside`);
}

/**
 * Puts the written pair (`tmp`, `tmpMeta`) at `path` and its sidecar, each step a `move`: what
 * is there is renamed aside, sidecar first, then the new sidecar and last the Parquet file (a
 * reader that finds it finds its sidecar). Returns the aside paths (removed once the run is
 * done with them). Killed between any two steps, recoverInterruptedPlacing puts the old pair back.
 */
export async function placeSnapshotFiles(
  path: string,
  { tmp, tmpMeta, move, owner }: {
    tmp: string;
    tmpMeta: string;
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
  await move(tmpMeta, `${path}.json`);
  await move(tmp, path);
  return aside;
}

/**
 * The aside files in `dir` of runs that died (a live run's are its own; another machine's cannot
 * be told and stay), by the snapshot they belong to.
 */
async function deadAsides(dir: string): Promise<Map<string, { parquet?: string; json?: string }>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const bySnapshot = new Map<string, { parquet?: string; json?: string }>();
  for (const name of names) {
    const match = name.match(ASIDE);
    if (!match || ownerTagState(match[2]) !== "dead") continue;
    const isSidecar = match[1].endsWith(".json");
    const snapshot = join(dir, isSidecar ? match[1].slice(0, -".json".length) : match[1]);
    // (one writer per snapshot: two dead ones would be two replacements, each of which the next
    // run dealt with, so a second one of a snapshot is not met)
    const entry = bySnapshot.get(snapshot) ?? {};
    entry[isSidecar ? "json" : "parquet"] = join(dir, name);
    bySnapshot.set(snapshot, entry);
  }
  return bySnapshot;
}

const exists = (path: string) => lstat(path).then(() => true, () => false);

/**
 * Finishes what runs killed while replacing a snapshot in `dir` left (placeSnapshotFiles): with
 * the new Parquet file not in place, the old pair goes back (a new sidecar already there is
 * dropped); with it in place, the aside files are removed. Holds the folder's lock, taken only when
 * there is something to do (readers call this too). Returns the snapshots put back.
 */
export async function recoverInterruptedPlacing(
  dir: string,
  options: { onLockWait?: (line: string) => void; chosenBy?: ChosenBy } = {},
): Promise<string[]> {
  if ((await deadAsides(dir)).size === 0) return [];
  return await withPublishLock(dir, async () => {
    const restored: string[] = [];
    for (const [snapshot, { parquet, json }] of await deadAsides(dir)) {
      const sidecar = `${snapshot}.json`;
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
  }, {
    ...(options.onLockWait ? { onWait: options.onLockWait } : {}),
    ...(options.chosenBy ? { chosenBy: options.chosenBy } : {}),
    action: "restore a history snapshot",
  });
}
