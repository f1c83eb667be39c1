/**
 * An output folder held open while a run writes into it. Moved (renamed) meanwhile, its path
 * names nothing, or another folder, and the run's staging folder and temporary files went along
 * with it: the open handle finds where (Linux: /proc/self/fd), so the run removes them there
 * rather than leave them in a folder it no longer names, and its error says what happened.
 */
import { basename, relative, resolve } from "node:path";
import { UserError } from "../core/config.ts";
import { anotherFolder, type ChosenBy } from "../core/chosen_by.ts";

/** Where a watched folder is now. */
export type FolderWhereabouts =
  | { kind: "here" }
  | { kind: "moved"; to: string }
  | { kind: "removed" }
  /** gone from its path, and where it went cannot be told (no /proc) */
  | { kind: "unknown" };

export interface FolderWatch {
  /** the folder's path as the run was given it */
  readonly path: string;
  whereNow(): Promise<FolderWhereabouts>;
  /** `path` (inside the folder) where it is now: moved with the folder, or unchanged */
  now(path: string): Promise<string>;
  close(): void;
}

/** Holds `dir` open; a folder that cannot be opened is watched by its path alone. */
export async function watchFolder(dir: string): Promise<FolderWatch> {
  const handle = await Deno.open(dir, { read: true }).catch(() => null);
  const held = handle ? await handle.stat().catch(() => null) : null;
  const whereNow = async (): Promise<FolderWhereabouts> => {
    if (!handle || !held) return { kind: "here" };
    const atPath = await Deno.stat(dir).catch(() => null);
    if (atPath && atPath.dev === held.dev && atPath.ino === held.ino) return { kind: "here" };
    const info = await handle.stat().catch(() => null);
    if (info?.nlink === 0) return { kind: "removed" };
    const to = await pathOfOpenFolder(held);
    return to === null ? { kind: "unknown" } : { kind: "moved", to };
  };
  return {
    path: dir,
    whereNow,
    now: async (path) => {
      const where = await whereNow();
      return where.kind === "moved" ? movedPath(path, { from: dir, to: where.to }) : path;
    },
    close: () => handle?.close(),
  };
}

/**
 * `path` inside `from`, as it is named once `from` is `to`; any other path unchanged, `from`
 * itself too (the user's folder, never the run's to remove).
 */
export function movedPath(path: string, { from, to }: { from: string; to: string }): string {
  const inside = relative(resolve(from), resolve(path));
  const outside = inside === ".." || inside.startsWith("../");
  if (inside === "" || outside || resolve(inside) === inside) return path;
  return resolve(to, inside);
}

/** The current path of the folder this process holds open as `held` (its device and inode). */
async function pathOfOpenFolder(held: Deno.FileInfo): Promise<string | null> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc/self/fd")];
  } catch {
    return null; // no /proc: cannot be told
  }
  for (const { name } of entries) {
    const link = `/proc/self/fd/${name}`;
    try {
      const info = await Deno.stat(link);
      if (!info.isDirectory || info.dev !== held.dev || info.ino !== held.ino) continue;
      const target = await Deno.readLink(link);
      if (target.startsWith("/") && !target.endsWith(" (deleted)")) return target;
    } catch {
      // closed meanwhile (another run's file), or not a path: not this folder
    }
  }
  return null;
}

/**
 * The run's one line for an output folder gone from its path while the run wrote: where it went
 * (when the open handle tells), that nothing was published, and whether the run's unfinished
 * files (`left`: what is still there, empty once removed) are gone from it.
 */
export function folderGoneError(
  where: Exclude<FolderWhereabouts, { kind: "here" }>,
  { dir, left, chosenBy }: { dir: string; left: readonly string[]; chosenBy: ChosenBy },
): UserError {
  const another = anotherFolder(chosenBy);
  const again = `${where.kind === "moved" ? "move it back" : `make ${dir} again`} and run again${
    another ? `, or ${another}` : ""
  }`;
  const leftText = left.length === 0
    ? ""
    : `; its unfinished files are left in ${left.join(", ")}: remove them`;
  if (where.kind === "moved") {
    return new UserError(
      `the output folder ${dir} was moved to ${where.to} while the run wrote its files: nothing ` +
        `was published${
          left.length === 0 ? ", and the run's unfinished files were removed from it" : leftText
        }; ${again}`,
    );
  }
  if (where.kind === "removed") {
    return new UserError(
      `the output folder ${dir} was removed while the run wrote its files: nothing was ` +
        `published; ${again}`,
    );
  }
  // (no staging folder made yet: nothing of the run's went along, wherever the folder is)
  const unfinished = left.length === 0
    ? ", and none of the run's unfinished files are in it"
    : `; if it was moved, the run's unfinished files are left in it (${
      left.join(", ")
    }): remove them`;
  return new UserError(
    `the output folder ${dir} is gone (moved or removed while the run wrote its files): nothing ` +
      `was published${unfinished}; ${again}`,
  );
}

/**
 * What a run that failed while writing into `folder` throws: its own error, unless the folder
 * went from its path meanwhile (and the run was not stopped): then, once `cleanUp` has removed
 * the run's unfinished files where the folder went, the one line of folderGoneError (not the
 * error of whichever write met it first).
 */
export async function failureInFolder(
  error: unknown,
  { folder, staging, chosenBy, stopped, cleanUp }: {
    folder: FolderWatch;
    /** the run's staging folder, once made */
    staging: string | undefined;
    chosenBy: ChosenBy;
    /** the run was stopped (its signal aborted): its error says so */
    stopped: boolean;
    cleanUp: () => Promise<void>;
  },
): Promise<unknown> {
  const where = stopped ? undefined : await folder.whereNow();
  if (!where || where.kind === "here") return error;
  await cleanUp();
  const left = staging ? await folder.now(staging) : undefined;
  const still = left && await Deno.lstat(left).then(() => true, () => false);
  return folderGoneError(where, {
    dir: folder.path,
    left: where.kind === "unknown" && staging ? [basename(staging)] : still ? [left] : [],
    chosenBy,
  });
}
