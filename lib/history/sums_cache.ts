/**
 * A stored snapshot's own aggregates, kept in its sidecar (`<name>.parquet.json`, key
 * `history_sums`) once computed: its organizations and unknown MRR (mrrStats) and its sums for the
 * company and per plan (snapshotSumsOf). They depend on the file alone, and every export with
 * history read them again from every stored month: with twelve month-ends of a million
 * organizations the history stage took ~6 s, two fifths of it these passes over the Parquet files.
 *
 * An entry counts only for the file it was made from (its size and the SHA-256 of its last 64 KB,
 * the Parquet footer with every row group's statistics) and this version of the sums; anything
 * else is computed again and stored over it. Storing is best effort: a read-only history folder or
 * a snapshot without a sidecar only means computing again next time. The sidecar stays 0600, as
 * prepareSnapshot wrote it (private_files.ts).
 */
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import { tempPathFor } from "../formats/files.ts";
import { PRIVATE_FILE_MODE } from "../formats/private_files.ts";
import { readSnapshotSidecarSync } from "../formats/snapshot_sidecar.ts";
import { idxColumn } from "./bridge.ts";

/**
 * Bumped whenever what the sums are computed from or how changes (bridge.ts's historyColumns,
 * snapshotSumsByColumn).
 */
// 2: llm_cost_company_usd renamed llm_cost_ptb_usd; 3: unknown MRR leaves out shared_customer rows;
// 4: a shared_customer organization's sums count in its customer's plan; 5: unknown LLM costs
// counted (llm_cost_unknown, llm_cost_ptb_unknown), not read as $0; 6: in a snapshot with plan
// versions an empty plan is (none), not the tier (plan_versions.ts)
const SUMS_VERSION = 6;
const TAIL_BYTES = 64 * 1024;

export interface MrrStats {
  rows: number;
  unknown: number;
}

export interface SnapshotSums {
  rows: number;
  /** grouped by idx (the snapshot's place in a report: replaced when read back) */
  company: pl.DataFrame;
  /** grouped by idx and plan, with the month */
  plans: pl.DataFrame;
}

/** A file's size and the SHA-256 of its last 64 KB (a Parquet file's footer). */
export interface FileFingerprint {
  bytes: number;
  tail_sha256: string;
}

interface StoredEntry {
  version: number;
  parquet: FileFingerprint;
  mrr_stats?: MrrStats;
  /** the frames as Arrow IPC in base64: their types come back as they were */
  sums?: { rows: number; company: string; plans: string };
}

/** The file's size and the SHA-256 of its last TAIL_BYTES; null when it cannot be read. */
export function fingerprint(path: string): FileFingerprint | null {
  try {
    const file = Deno.openSync(path, { read: true });
    try {
      const bytes = file.statSync().size;
      const tail = new Uint8Array(Math.min(TAIL_BYTES, bytes));
      file.seekSync(bytes - tail.length, Deno.SeekMode.Start);
      for (let read = 0; read < tail.length;) {
        const n = file.readSync(tail.subarray(read));
        if (n === null) return null;
        read += n;
      }
      return { bytes, tail_sha256: createHash("sha256").update(tail).digest("hex") };
    } finally {
      file.close();
    }
  } catch {
    return null;
  }
}

/** The sidecar's whole object; null when missing or damaged (nothing is stored in a damaged one). */
function readSidecar(path: string): Record<string, unknown> | null {
  return readSnapshotSidecarSync(path).raw;
}

/** Whether two fingerprints are of the same file. */
export function sameFingerprint(a: FileFingerprint, b: FileFingerprint | undefined): boolean {
  return a.bytes === b?.bytes && a.tail_sha256 === b.tail_sha256;
}

/** The sidecar's entry when it was made from the file of `parquet` by this version. */
function entryOf(
  meta: Record<string, unknown> | null,
  parquet: FileFingerprint | null,
): StoredEntry | null {
  const entry = meta?.history_sums as StoredEntry | undefined;
  return entry?.version === SUMS_VERSION && parquet && sameFingerprint(parquet, entry.parquet)
    ? entry
    : null;
}

/** The entry of the snapshot at `path` when it was made from this file by this version. */
function validEntry(path: string): StoredEntry | null {
  return entryOf(readSidecar(path), fingerprint(path));
}

/**
 * What was read, and from which file: `replaced` says whether the file under the path is no longer
 * the one read (another run wrote its as-of meanwhile: history_source.ts readFrom, snapshot_scan.ts
 * scanReplaced); then nothing is stored, neither for the new file nor over its sidecar.
 */
export interface ReadFrom {
  replaced: () => boolean;
}

/** The sidecar file's inode, to tell it was written again (another run's) since it was read. */
function sidecarInode(path: string): number | null {
  try {
    return Deno.statSync(`${path}.json`).ino;
  } catch {
    return null;
  }
}

/**
 * Adds `part` to the snapshot's entry (a fresh one when the stored one is stale), unless the file
 * it was read from is replaced or the sidecar written again meanwhile (a sidecar another run
 * placed stays whole: the rename below cannot be made conditional, so the last check is just
 * before it).
 */
function store(
  path: string,
  { part, from }: { part: Pick<StoredEntry, "mrr_stats" | "sums">; from: ReadFrom },
): void {
  const inode = sidecarInode(path);
  const meta = readSidecar(path);
  // fingerprinted, then checked: a file replaced before the check is not stored for
  const parquet = fingerprint(path);
  if (!meta || !parquet || from.replaced()) return;
  const entry: StoredEntry = entryOf(meta, parquet) ?? { version: SUMS_VERSION, parquet };
  const sidecar = `${path}.json`;
  const tmp = tempPathFor(sidecar);
  try {
    Deno.writeTextFileSync(
      tmp,
      JSON.stringify({ ...meta, history_sums: { ...entry, ...part } }, null, 2) + "\n",
      { mode: PRIVATE_FILE_MODE },
    );
    if (from.replaced() || sidecarInode(path) !== inode) throw new Error("written again");
    Deno.renameSync(tmp, sidecar);
  } catch {
    try {
      Deno.removeSync(tmp);
    } catch { /* never written */ }
  }
}

export function cachedMrrStats(path: string): MrrStats | null {
  return validEntry(path)?.mrr_stats ?? null;
}

export function storeMrrStats(
  path: string,
  { stats, from }: { stats: MrrStats; from: ReadFrom },
): void {
  store(path, { part: { mrr_stats: stats }, from });
}

const frameOf = (base64: string) => pl.readIPC(Buffer.from(base64, "base64"));
const base64Of = (frame: pl.DataFrame) => Buffer.from(frame.writeIPC()).toString("base64");

/**
 * The stored sums of the snapshot at `path`, placed at `idx` with its as-of key as `month` (an
 * older kit keyed a snapshot by the date in its name); null when there are none.
 */
export function cachedSums(
  path: string,
  { idx, month }: { idx: number; month: string },
): SnapshotSums | null {
  const sums = validEntry(path)?.sums;
  if (!sums) return null;
  try {
    return {
      rows: sums.rows,
      company: frameOf(sums.company).withColumns(idxColumn(idx)),
      plans: frameOf(sums.plans).withColumns(idxColumn(idx), pl.lit(month).alias("month")),
    };
  } catch {
    return null; // damaged: computed again
  }
}

export function storeSums(
  path: string,
  { sums, from }: { sums: SnapshotSums; from: ReadFrom },
): void {
  store(path, {
    part: {
      sums: { rows: sums.rows, company: base64Of(sums.company), plans: base64Of(sums.plans) },
    },
    from,
  });
}
