/**
 * Stored snapshots read lazily, and the check that what was read is still the file under the name.
 * A history folder is written by other runs meanwhile (an export of the same as-of, history
 * backfill or import replace a snapshot by a rename): Polars keeps a scan's file footer and reads
 * the bytes under the name when collected, so a snapshot replaced between scan and read mixed two
 * files (wrong sums, cached for the new file) or failed as damaged ("move it out of the history
 * folder"). Its readers collect through collectSnapshot, which says SnapshotReplaced instead, and
 * store what they read only for the file they read (sums_cache.ts ReadFrom).
 */
import pl from "nodejs-polars";
import { SNAPSHOT_COLUMNS } from "../frame/columns.ts";
import { UserError } from "../core/config.ts";
import { exportSeries } from "../formats/read_export.ts";
import { fileStamp, specialFileProblem } from "../formats/files.ts";
import { isLazy } from "./lazy.ts";
import { UnreadableSnapshot, unreadableSnapshot } from "./stored_snapshots.ts";

/**
 * A stored snapshot written again (by another run: an export, history backfill or history import
 * of its as-of) between a reader's scan and its read: what was read may mix the two files.
 */
export class SnapshotReplaced extends UserError {
  constructor(readonly path: string) {
    super(
      `${path} was replaced while it was read (another run wrote its as-of: an export, history backfill or history import); run again`,
    );
  }
}

/** The file under `path` now (fileStamp: its size, time and identity); null when there is none. */
function stampOf(path: string): string | null {
  try {
    return fileStamp(Deno.statSync(path));
  } catch {
    return null;
  }
}

/** The file each scan (scanSnapshotFrame) was made from, as it was just before. */
const scannedFiles = new WeakMap<pl.LazyDataFrame, { path: string; stamp: string | null }>();

/**
 * Whether the file a scan of scanSnapshotFrame reads is no longer the one scanned: Polars keeps
 * the scanned file's footer and reads the bytes under the name when collected, so a snapshot
 * replaced in between (a rename: another inode) is read as a mix or fails as damaged. False for a
 * frame that is no such scan.
 */
export function scanReplaced(frame: pl.LazyDataFrame): boolean {
  const scanned = scannedFiles.get(frame);
  return scanned !== undefined && stampOf(scanned.path) !== scanned.stamp;
}

/**
 * A snapshot as a lazy scan of `columns` (in the column table's order, missing newer columns
 * empty, as readSnapshotFrame gives them; snapshot-only columns too: SNAPSHOT_COLUMNS): nothing is read but the schema until it is collected.
 * Whoever collects it checks scanReplaced after.
 */
export function scanSnapshotFrame(path: string, columns: readonly string[]): pl.LazyDataFrame {
  const special = specialFileProblem(path);
  if (special) throw new UnreadableSnapshot(path, special);
  // before the scan: a file replaced between the two then reads as replaced, never as the same
  const stamp = stampOf(path);
  let scan: pl.LazyDataFrame;
  let inFile: Set<string>;
  try {
    scan = pl.scanParquet(path);
    inFile = new Set(scan.columns);
  } catch (error) {
    throw unreadableSnapshot(path, error);
  }
  if (!inFile.has("org_id")) {
    throw new UnreadableSnapshot(path, "has no org_id column; not a pricing-kit snapshot");
  }
  const frame = scan.select(
    ...SNAPSHOT_COLUMNS.filter((def) => columns.includes(def.name)).map((def) =>
      inFile.has(def.name)
        ? pl.col(def.name)
        : pl.lit(null).cast(exportSeries(def, []).dtype).alias(def.name)
    ),
  );
  scannedFiles.set(frame, { path, stamp });
  return frame;
}

/** A frame a history reader collects: a stored snapshot's scan carries its `path`. */
export interface ScannedSource {
  frame: pl.DataFrame | pl.LazyDataFrame;
  path?: string;
}

/** Whether the stored snapshot `source` scans was written again since its scan. */
export function sourceReplaced(source: ScannedSource): boolean {
  return source.path !== undefined && isLazy(source.frame) && scanReplaced(source.frame);
}

/**
 * `query` of `source`'s frame, collected. A stored snapshot is read only here (a lazy scan), so a
 * file damaged past its schema fails here: in one line naming it, as an unreadable one does; one
 * replaced since its scan, before or while it was read, is SnapshotReplaced (checked after each
 * read: a file replaced meanwhile may have been read in part).
 */
export function collectSnapshot(
  source: ScannedSource,
  query: pl.LazyDataFrame,
  options?: { engine: "streaming" | "auto" },
): pl.DataFrame {
  let collected: pl.DataFrame;
  try {
    collected = query.collectSync(options);
  } catch (error) {
    if (!source.path) throw error;
    if (sourceReplaced(source)) throw new SnapshotReplaced(source.path);
    throw unreadableSnapshot(source.path, error);
  }
  if (sourceReplaced(source)) throw new SnapshotReplaced(source.path!);
  return collected;
}

/** Reads of a history made again when another run replaced a snapshot meanwhile, at most. */
export const REPLACED_READS = 3;

/**
 * `read`, made again (`again` true: list the folder anew) when it meets a snapshot another run
 * wrote again meanwhile (SnapshotReplaced), up to REPLACED_READS reads; then that error.
 */
export async function readAgainIfReplaced<T>(read: (again: boolean) => Promise<T>): Promise<T> {
  for (let reads = 1;; reads++) {
    try {
      return await read(reads > 1);
    } catch (error) {
      if (!(error instanceof SnapshotReplaced) || reads === REPLACED_READS) throw error;
    }
  }
}
