/**
 * The history folder: where it is (PRICING_HISTORY_DIR, else `<out-dir>/history`) and whether an
 * export or a report can use it, checked before any query.
 */
import { basename, dirname, join, resolve } from "node:path";
import { readdir, stat } from "node:fs/promises";
import type { Env } from "../core/config.ts";
import type { ChosenBy } from "../core/chosen_by.ts";
import type { ExportOptions } from "../core/types.ts";
import { folderError, probeWritable } from "../formats/staging.ts";
import { homeFolderError, startsWithHome } from "../core/home_folder.ts";
import { PUBLISH_LOCK_FILE } from "../formats/publish_lock.ts";

/** The history folder: PRICING_HISTORY_DIR, else `<outDir>/history`. */
export function historyDir(env: Env, outDir: string): string {
  const configured = env.PRICING_HISTORY_DIR?.trim();
  return configured ? configured : join(outDir, "history");
}

/** How historyDir chose the folder, for its errors: PRICING_HISTORY_DIR, else the default. */
export function historyDirNamed(env: Env): string | undefined {
  return env.PRICING_HISTORY_DIR?.trim() ? "PRICING_HISTORY_DIR" : undefined;
}

/**
 * How the history folder was chosen, for the fix its errors name: `named`, the flag, setting or
 * option that chose it (--history-dir, PRICING_HISTORY_DIR, an export's historyDir), else the
 * default `<out-dir>/history`, which PRICING_HISTORY_DIR moves.
 */
export function historyDirChosenBy(named: string | undefined): ChosenBy {
  return { named, otherwise: "set PRICING_HISTORY_DIR" };
}

/** An export's history folder (its historyDir option, else historyDir) and how it was chosen. */
export function exportHistoryDir(
  options: Pick<ExportOptions, "historyDir" | "outDir">,
  env: Env,
): { dir: string; chosenBy: ChosenBy } {
  if (options.historyDir) {
    return { dir: options.historyDir, chosenBy: historyDirChosenBy("historyDir") };
  }
  return {
    dir: historyDir(env, options.outDir),
    chosenBy: historyDirChosenBy(historyDirNamed(env)),
  };
}

/**
 * Fails, in one line, on a history folder that is a file or cannot be written: checked before any
 * query or snapshot (else a raw ENOTDIR came at the end of the run). A missing folder is not made
 * here (a failed run leaves nothing): its nearest existing parent must be a writable folder.
 * `named`: the flag or setting that chose it (--history-dir, PRICING_HISTORY_DIR), for the fix;
 * `write: false` (a report, which only reads) checks that it is no file only.
 */
export async function ensureHistoryDir(
  dir: string,
  { named, write = true }: { named?: string; write?: boolean } = {},
): Promise<void> {
  // a report reads the folder and refuses a missing one: not "made if missing"
  const wanted = write ? undefined : "the existing folder that holds the snapshots";
  const choice = { kind: "history folder", ...historyDirChosenBy(named), wanted };
  // only a shell expands it (from a .env, or --history-dir=~/…, the kit gets it as written): the
  // snapshot's Parquet write (Polars expands it) failed the export at its end
  if (startsWithHome(dir)) throw homeFolderError(dir, choice);
  let existing = resolve(dir);
  let info = await stat(existing).catch(() => null);
  while (!info && dirname(existing) !== existing) {
    existing = dirname(existing);
    info = await stat(existing).catch(() => null);
  }
  if (info && !info.isDirectory()) {
    throw folderError(existing === resolve(dir) ? dir : `${existing} (in ${dir})`, "file", choice);
  }
  if (!write) return;
  try {
    // two exports of one process (the server) may check at once: probeWritable's names are their own
    await probeWritable(existing);
  } catch (error) {
    throw folderError(dir, { notWritable: error as Error }, choice);
  }
}

/**
 * One line when the history folder, or a file or folder in it, can be read by other users of this
 * host (a folder an older kit made keeps 0755, its files 0644: every customer's numbers), naming
 * the chmod that closes it; null when it is the user's alone, or missing. The kit does not change
 * the modes itself: the folder is the user's, and may be shared on purpose.
 */
export async function historyFolderExposure(dir: string): Promise<string | null> {
  if (Deno.build.os === "windows") return null; // (no modes)
  const top = await Deno.lstat(dir).catch(() => null);
  if (!top?.isDirectory) return null;
  let exposed = exposedMode(top) ? 1 : 0;
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  for (const entry of entries) {
    if (basename(entry) === PUBLISH_LOCK_FILE) continue; // (a pid while held: no customer's data)
    const info = await Deno.lstat(join(dir, entry)).catch(() => null);
    if (info && exposedMode(info)) exposed++;
  }
  if (exposed === 0) return null;
  return `history folder ${dir}: ${exposed} ${
    exposed === 1 ? "entry is" : "entries are"
  } readable by other users of this host (an older kit's modes); \`chmod -R go= ${
    shellQuoted(dir)
  }\` makes them yours alone`;
}

/** Readable (a folder: also listable) by the group or others; a link's own mode is no matter. */
function exposedMode(info: Deno.FileInfo): boolean {
  if (info.mode === null || !(info.isDirectory || info.isFile)) return false;
  return (info.mode & (info.isDirectory ? 0o055 : 0o044)) !== 0;
}

/** `path` as one shell word. */
export function shellQuoted(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}
