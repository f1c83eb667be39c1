/**
 * The stored snapshots: which the history folder holds (oldest first, by their real as-of), the
 * one a write of an as-of would replace, and each read back (its sidecar, its frame; a lazy scan is
 * snapshot_scan.ts's), or refused in one line naming it and the fix when it cannot be read. Writing
 * them is snapshot.ts's.
 */
import type pl from "nodejs-polars";
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { UserError } from "../core/config.ts";
import { errorReason } from "../core/quote.ts";
import { whichOpenFileLimit } from "../core/process_limits.ts";
import { exportFrameFromParquetFile } from "../formats/read_export.ts";
import { readSnapshotSidecar, type SnapshotMeta } from "../formats/snapshot_sidecar.ts";
import { asOfKey } from "./periods.ts";
import { parseSnapshotName, realAsOf, secondFileName, snapshotFileName } from "./snapshot_names.ts";
import { interruptedView } from "./snapshot_aside.ts";

export interface SnapshotInfo {
  path: string;
  /**
   * the as-of: the sidecar's when it agrees with the name (an older kit named a snapshot of any
   * instant by its date alone), else the name's (a date alone: 00:00 UTC)
   */
  asOf: Date;
  demo: boolean;
  bytes: number;
  sha256: string;
  /** its sidecar is damaged and read as missing: the warning (snapshot_sidecar.ts) */
  sidecarWarning?: string;
  /**
   * read where a killed run left it (`path` an aside or moving file, snapshot_aside.ts), not put
   * back yet: the warning saying so
   */
  asideWarning?: string;
}

/**
 * The snapshots in `dir` (demo or live ones), oldest first (by their real as-of, see SnapshotInfo);
 * none when the folder is missing.
 */
export async function listSnapshots(dir: string, demo: boolean): Promise<SnapshotInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") {
      throw new UserError(`history folder ${dir} is a file, not a folder`);
    }
    // (the open-file limit is the run's, said as such where it is caught)
    if (whichOpenFileLimit(error) !== null) throw error;
    // another user's folder (EACCES), a link to itself (ELOOP): said in one line, so a reader
    // that can go on without the history (the outlook's earlier snapshot) does
    const reason = String((error as Error)?.message ?? error).split("\n")[0];
    throw new UserError(
      `history folder ${dir} cannot be listed (${reason}): fix its permissions or set PRICING_HISTORY_DIR to another folder`,
    );
  }
  // a snapshot a killed run moved aside is read where it lies until a run that can write the
  // folder puts it back (snapshot_aside.ts): from the names already read, no other listing
  const aside = interruptedView(dir, names).current;
  const files = [
    ...names.sort().map((file) => ({ file, path: join(dir, file) })),
    ...aside.map(({ name, file }) => ({ file: name, path: file })),
  ];
  const found: SnapshotInfo[] = [];
  for (const { file, path } of files) {
    const name = parseSnapshotName(file);
    if (!name) continue;
    const { meta, warning } = await readSnapshotSidecar(path);
    // demo or live as the run recorded it (its sidecar), the name (`_demo`) only without one
    if ((typeof meta?.demo === "boolean" ? meta.demo : name.demo) !== demo) continue;
    const wasAside = path !== join(dir, file);
    found.push({
      path,
      asOf: realAsOf(meta?.as_of, name),
      demo,
      bytes: (await Deno.stat(path)).size,
      sha256: "",
      ...(warning ? { sidecarWarning: warning } : {}),
      ...(wasAside
        ? {
          asideWarning:
            `history snapshot ${file} is read from ${path}, where a killed run left it; the next export, history report, backfill or import that can write ${dir} puts it back`,
        }
        : {}),
    });
  }
  return found.sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
}

/**
 * The warnings about the damaged sidecars of the folder's snapshots of that kind (each read as
 * missing), for the commands that read them to print once.
 */
export async function damagedSidecarWarnings(dir: string, demo: boolean): Promise<string[]> {
  return (await listSnapshots(dir, demo)).flatMap((s) => s.sidecarWarning ?? []);
}

/**
 * The stored snapshot a write of `asOf` would replace: the one under its name, of the same as-of
 * (one of another instant is moved aside, not replaced), or for an as-of with milliseconds the one
 * an older kit stored under its second (`T000000Z`, which the write then removes); null when there
 * is none.
 */
export async function storedSnapshotAt(
  dir: string,
  { asOf, demo }: { asOf: Date; demo: boolean },
): Promise<{ info: SnapshotInfo; meta: SnapshotMeta | null } | null> {
  const names = [snapshotFileName(asOf, demo), secondFileName(asOf, demo)];
  for (const file of names.filter((n) => n !== null)) {
    const path = join(dir, file);
    const found = await stat(path).catch(() => null);
    if (!found?.isFile()) continue;
    const meta = await readSnapshotMeta(path);
    const there = realAsOf(meta?.as_of, parseSnapshotName(file)!);
    if (asOfKey(there) !== asOfKey(asOf)) continue;
    return { info: { path, asOf: there, demo, bytes: found.size, sha256: "" }, meta };
  }
  return null;
}

/**
 * A stored snapshot that cannot be read (cut short, damaged, not a kit's snapshot), in one line
 * naming it and the fix. The export leaves it out of its history section (export_stage.ts); the
 * history report and the MCP `history` table refuse.
 */
export class UnreadableSnapshot extends UserError {
  constructor(readonly path: string, problem: string) {
    super(`${path} ${problem}; move it out of the history folder or write it again`);
  }
}

/** `path` is not a readable Parquet snapshot: `error`'s first line, cut short (errorReason). */
export const unreadableSnapshot = (path: string, error: unknown): UnreadableSnapshot =>
  new UnreadableSnapshot(path, `is not a readable Parquet snapshot (${errorReason(error)})`);

/**
 * The sidecar of a snapshot, or null when it has none or it is damaged (the commands say so once:
 * damagedSidecarWarnings).
 */
export async function readSnapshotMeta(path: string): Promise<SnapshotMeta | null> {
  return (await readSnapshotSidecar(path)).meta;
}

/**
 * A snapshot read back as the export frame (missing newer columns empty, see read_export.ts);
 * with `columns`, only those; `lacks` is told which of them the file does not have.
 */
export function readSnapshotFrame(
  path: string,
  options: { columns?: readonly string[]; lacks?: (names: readonly string[]) => void } = {},
): pl.DataFrame {
  return unreadableSaid(path, () => exportFrameFromParquetFile(path, options));
}

/**
 * A snapshot read back whole: the export frame, then the snapshot-only columns the file has
 * (mrr_recurring_minor; a snapshot written before it has none).
 */
export function readWholeSnapshot(path: string): pl.DataFrame {
  return unreadableSaid(path, () => exportFrameFromParquetFile(path, { snapshotOnly: true }));
}

/** `read`'s frame; its one-line error about `path` as an UnreadableSnapshot. */
function unreadableSaid(path: string, read: () => pl.DataFrame): pl.DataFrame {
  try {
    return read();
  } catch (error) {
    // its one-line errors start with the path: said again with the fix
    if (!(error instanceof UserError) || !error.message.startsWith(`${path} `)) throw error;
    throw new UnreadableSnapshot(path, error.message.slice(path.length + 1));
  }
}

/** `2026-11-30`, or `2026-12-01T12:00:00Z` not at 00:00 UTC (asOfKey), of a snapshot, for labels. */
export function snapshotLabel(info: SnapshotInfo): string {
  return asOfKey(info.asOf);
}

export function snapshotName(info: SnapshotInfo): string {
  return basename(info.path);
}
