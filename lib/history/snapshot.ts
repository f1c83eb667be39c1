/**
 * History snapshots: the export frame of one as-of instant as a typed, zstd-compressed Parquet
 * file in the history folder (default `<out-dir>/history/`, setting PRICING_HISTORY_DIR), named like
 * the export (`helicone_pricing_data_<as-of>[_demo].parquet`, snapshot_names.ts: the date at 00:00
 * UTC, else the instant), so that an export later on the 1st, even within its first second, never
 * replaces or reads as the month end its 00:00 snapshot closes. A sidecar `<name>.json` says where
 * the snapshot came from (export, import, backfill), its exact as-of and its warnings. Writing the
 * same as-of again replaces both (temp file, then rename; the replaced pair renamed aside until the
 * new one is in, and put back by the next run if this one is killed meanwhile: snapshot_aside.ts).
 * Both are 0600, and a history folder the kit makes 0700 (private_files.ts): they hold every
 * customer's numbers. Listing and reading the stored ones is stored_snapshots.ts's.
 */
import pl from "nodejs-polars";
import { readdir, realpath, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { SNAPSHOT_COLUMNS } from "../frame/columns.ts";
import { assertFiniteSnapshotNumbers } from "./snapshot_finite.ts";
import { exportSeries } from "../formats/export_cells.ts";
import { UserError } from "../core/config.ts";
import { anotherFolder, type ChosenBy } from "../core/chosen_by.ts";
import { storedWarningKinds, type WarningKinds } from "../core/warning_kinds.ts";
import { historyDirChosenBy } from "./history_dir.ts";
import { fileDigest, isoDate, writeFailure, writeProblem } from "../formats/files.ts";
import { STANDARD_WINDOW_DAYS } from "../formats/export_names.ts";
import { ownedTempPath, removeDeadTempFiles } from "../formats/staging.ts";
import { withPublishLock } from "../formats/publish_lock.ts";
import { createPrivateFile, makePrivateDir, PRIVATE_FILE_MODE } from "../formats/private_files.ts";
import { asOfKey } from "./periods.ts";
import type { PriceBook } from "../economics/types.ts";
import { parseSnapshotName, realAsOf, snapshotFileName } from "./snapshot_names.ts";
import type { UnmappedCustomers } from "../revenue/types.ts";
import { unmappedFromRecord, unmappedRecord } from "../revenue/unmapped_record.ts";
import type { PriceBookId, SnapshotMeta, SnapshotOrigin } from "../formats/snapshot_sidecar.ts";
import { readSnapshotMeta, type SnapshotInfo } from "./stored_snapshots.ts";
import {
  moveSnapshotFiles,
  placeSnapshotFiles,
  recoverInterruptedPlacing,
} from "./snapshot_aside.ts";

export type { PriceBookId, SnapshotMeta, SnapshotOrigin };

/** A run's price book as a sidecar records it. */
export function priceBookId(book: Pick<PriceBook, "file" | "sha256">): PriceBookId {
  return { name: basename(book.file), sha256: book.sha256 };
}

/** The price book a sidecar records, or null (none recorded; its shape is checked on reading). */
export function recordedPriceBook(meta: SnapshotMeta | null): PriceBookId | null {
  const book = meta?.price_book;
  return book ? { name: book.name, sha256: book.sha256 } : null;
}

/** The FX rates a sidecar records, or undefined (none recorded: older sidecars and imports). */
export function recordedFxRates(meta: SnapshotMeta | null): Record<string, number> | undefined {
  return meta?.fx_rates ? { ...meta.fx_rates } : undefined;
}

/**
 * The unmapped customers' MRR a sidecar records (zeros: none), or undefined when it records none
 * (older sidecars, backfills): not recorded, which is not 0.
 */
export function recordedUnmapped(meta: SnapshotMeta | null): UnmappedCustomers | undefined {
  return unmappedFromRecord(meta?.unmapped_customers) ?? undefined;
}

export interface SnapshotWrite {
  dir: string;
  /**
   * how the user chose `dir` (--history-dir, PRICING_HISTORY_DIR…), for the fix a failed write
   * names; default the history folder's default, which PRICING_HISTORY_DIR moves
   */
  dirChosenBy?: ChosenBy;
  asOf: Date;
  demo: boolean;
  origin: SnapshotOrigin;
  warnings?: string[];
  /** the kinds of those that are not `other` (PricingData.warningKinds), stored beside them */
  warningKinds?: WarningKinds;
  sourceFile?: string;
  /** the price book that priced the frame (an export's, a backfill's), recorded in the sidecar */
  priceBook?: PriceBookId;
  /** the FX rates that converted its revenue (RevenueResult.fxRates), recorded in the sidecar */
  fxRates?: Record<string, number>;
  /**
   * the MRR of Stripe customers no organization maps to (zeros when every one maps), recorded in
   * the sidecar; absent when unknown (revenue not read, a backfill from invoices)
   */
  unmappedCustomers?: UnmappedCustomers;
  /**
   * the folder whose publish lock the caller holds while it places the snapshot (the export's
   * output folder): when it is `dir` too, place and unplace do not take that lock again
   */
  lockHeldOn?: string;
  /** told when another run is placing a snapshot in `dir` (default: a line on stderr) */
  onLockWait?: (line: string) => void;
  /**
   * the caller put back what killed runs left in `dir` as its run began (recoverInterruptedPlacing:
   * an export's history stage), so the folder is not listed again for it here
   */
  recovered?: boolean;
  /**
   * the command's Ctrl-C or SIGTERM: ends `place`'s wait for `dir`'s lock (its reason thrown,
   * nothing moved); an `unplace` under way is never stopped
   */
  signal?: AbortSignal;
  /**
   * where a path in `dir` is now: the export's output folder (which holds the history folder by
   * default) moved while the run wrote; `discard` removes the temporary files there
   */
  folderNow?: (path: string) => Promise<string>;
}

/** zstd level of the snapshots (1 to 22): at 1M organizations 0.93 s of CPU vs 1.15 s at 3. */
const SNAPSHOT_ZSTD_LEVEL = 1;
/** Rows per Parquet row group of a snapshot (see prepareSnapshot). */
const SNAPSHOT_ROW_GROUP = 50_000;

/**
 * Why an export of `windowDays` stores no snapshot, or null when it stores one: history compares
 * month-ends of the standard (30-day) export, and a snapshot keeps no window.
 */
export function snapshotSkipped(windowDays: number): string | null {
  return windowDays === STANDARD_WINDOW_DAYS
    ? null
    : `window is ${windowDays} days: no history snapshot stored (history compares 30-day exports only)`;
}

/** A rename, recorded so it can be undone. */
type Move = (from: string, to: string) => Promise<void>;

/**
 * Before a snapshot is put at `path` (as-of `asOf`): a snapshot there of another instant (an older
 * kit named any as-of by its date) is not the same as-of, so it is moved to its own name rather
 * than replaced, unless a snapshot already holds that name.
 */
async function moveOtherInstantAside(
  path: string,
  { asOf, demo, move }: { asOf: Date; demo: boolean; move: Move },
): Promise<void> {
  const name = parseSnapshotName(basename(path));
  if (name?.precision !== "date") return; // a timed name is its instant's alone
  if (!(await stat(path).catch(() => null))) return;
  const there = realAsOf((await readSnapshotMeta(path))?.as_of, name);
  if (asOfKey(there) === asOfKey(asOf)) return;
  const own = join(dirname(path), snapshotFileName(there, demo));
  if (await stat(own).catch(() => null)) return;
  // a sidecar there alone describes no file (its Parquet file gone by hand): it would be taken
  // for this one's if the move were cut short (recoverInterruptedPlacing finishes a move whose
  // sidecar is at the new name)
  await rm(`${own}.json`, { force: true });
  // killed between its renames, the next run finishes or undoes it: a whole pair either way
  await moveSnapshotFiles(path, own, { move });
}

/**
 * After a snapshot of an instant other than 00:00 is put at `path`: the earlier such snapshots of
 * the same day go, so re-running an export (as-of now) through a day leaves one file per day, not
 * one per run. The day's 00:00 snapshot (a month end) stays, and so does an earlier one with
 * revenue when this one has none (keep.ts's rule); a later one stays too (this is not the day's
 * latest).
 */
async function removeEarlierSameDay(
  path: string,
  { asOf, demo, meta }: { asOf: Date; demo: boolean; meta: SnapshotMeta },
): Promise<void> {
  if (asOfKey(asOf) === isoDate(asOf)) return; // (00:00: a month end or a day's start)
  const dir = dirname(path);
  for (const file of await readdir(dir)) {
    const name = parseSnapshotName(file);
    if (!name || name.precision === "date" || name.demo !== demo) continue;
    if (file === basename(path) || name.date !== isoDate(asOf)) continue;
    const earlier = join(dir, file);
    const earlierMeta = await readSnapshotMeta(earlier);
    // (its real as-of: an older kit's name holds the second only; one of this instant under such
    // a name is this snapshot under its old name, and goes too)
    if (realAsOf(earlierMeta?.as_of, name).getTime() > asOf.getTime()) continue;
    const earlierHasRevenue = (earlierMeta?.mrr_known ?? 1) > 0;
    if (earlierHasRevenue && meta.mrr_known === 0) continue;
    await rm(earlier, { force: true });
    await rm(`${earlier}.json`, { force: true });
  }
}

/**
 * A snapshot written under temporary names. An export puts it in place before publishing its
 * files (`place`), takes it back if the publish fails (`unplace`) and tidies up after (`finish`),
 * so the set and the snapshot its manifest names are published together or not at all.
 */
export interface PreparedSnapshot extends SnapshotInfo {
  /** Moves it under its name (what it replaces kept aside); a failure undoes every move. */
  place(): Promise<void>;
  /** Undoes `place` (the export's publish failed); throws what it could not put back. */
  unplace(): Promise<void>;
  /** After `place`: drops what it replaced and the day's earlier ones; a failure is a warning. */
  finish(): Promise<string | null>;
  /** `place`, then `finish`, failing on what `finish` could not do (history import). */
  commit(): Promise<void>;
  /** Removes the temporary files (nothing once placed); never throws (best effort: cleanup). */
  discard(): Promise<void>;
}

/**
 * Writes the snapshot (and its sidecar) next to their final names without replacing anything yet,
 * so an export can list it in its manifest and put it in place only once its files are published.
 */
export async function prepareSnapshot(
  frame: pl.DataFrame,
  options: SnapshotWrite,
): Promise<PreparedSnapshot> {
  const chosenBy = options.dirChosenBy ?? historyDirChosenBy(undefined);
  const another = anotherFolder(chosenBy);
  // the first folder this made, if any: a discarded snapshot takes it along when left empty
  let made: string | undefined;
  try {
    made = await makePrivateDir(options.dir);
  } catch (error) {
    const problem = writeProblem(error);
    throw new UserError(
      `${chosenBy.named ?? "history folder"} ${options.dir} cannot be created (${
        problem?.reason ?? (error as Error).message.split("\n")[0]
      }); ${problem ? `${problem.fix.replace(/ there$/, "")} or ${another}` : another}`,
    );
  }
  const path = join(options.dir, snapshotFileName(options.asOf, options.demo));
  const meta: SnapshotMeta = {
    as_of: options.asOf.toISOString(),
    demo: options.demo,
    origin: options.origin,
    ...(options.sourceFile ? { source_file: options.sourceFile } : {}),
    row_count: frame.height,
    mrr_known: frame.columns.includes("mrr_recurring")
      ? frame.height - frame.getColumn("mrr_recurring").nullCount()
      : 0,
    written_at: new Date().toISOString(),
    warnings: options.warnings ?? [],
    warning_kinds: storedWarningKinds(options.warnings ?? [], options.warningKinds),
    ...(options.priceBook ? { price_book: options.priceBook } : {}),
    ...(options.fxRates ? { fx_rates: options.fxRates } : {}),
    ...(options.unmappedCustomers
      ? { unmapped_customers: unmappedRecord(options.unmappedCustomers) }
      : {}),
  };
  // Killed runs leave their full-size temp files behind: remove those of dead runs first, and
  // put back a snapshot one was killed replacing (unless the caller did as its run began)
  if (!options.recovered) {
    await recoverInterruptedPlacing(options.dir, {
      chosenBy,
      ...(options.onLockWait ? { onLockWait: options.onLockWait } : {}),
    });
  }
  await removeDeadTempFiles(options.dir);
  const tmp = ownedTempPath(path);
  const tmpMeta = ownedTempPath(`${path}.json`);
  // Cleanup, best effort: it runs as a failed export unwinds, and its own failure (a disk gone
  // read-only) would replace the export's error; a file it leaves, the next run's
  // removeDeadTempFiles removes.
  const discard = async () => {
    // its output folder moved meanwhile: the files are where it went, or under the old name
    // when the history folder was made again there (names of this run's own: safe in both)
    const now = options.folderNow ?? ((path: string) => Promise.resolve(path));
    const places = async (path: string) => [...new Set([path, await now(path)])];
    for (const path of [...await places(tmp), ...await places(tmpMeta)]) {
      await rm(path, { force: true }).catch(() => {});
    }
    // a run stopped before its publish leaves no empty history folder behind; each folder is
    // removed only while empty (another run's snapshot keeps it)
    if (made === undefined) return;
    const tops = (await places(made)).map((top) => resolve(top));
    for (const folder of (await places(options.dir)).map((dir) => resolve(dir))) {
      const top = tops.find((top) => folder === top || folder.startsWith(`${top}/`));
      for (let dir = folder; top !== undefined && dir.startsWith(top); dir = dirname(dir)) {
        if (!await rmdir(dir).then(() => true, () => false) || dir === top) break;
      }
    }
  };
  try {
    // sinkParquet encodes row groups on Polars's threads (writeParquet: one after another);
    // zstd level 1 costs a fifth less CPU than the default level and, on export frames, is no
    // larger. Row groups of SNAPSHOT_ROW_GROUP rows: with the sink's default, a 1M-organization
    // export kept ~50 MB more resident and peaked ~70 MB higher than with writeParquet; with
    // these, the same as writeParquet. The readers (readParquet) see the same frame.
    await createPrivateFile(tmp);
    frame.lazy().select(...snapshotColumnsOf(frame))
      .sinkParquet(tmp, {
        compression: "zstd",
        compressionLevel: SNAPSHOT_ZSTD_LEVEL,
        rowGroupSize: SNAPSHOT_ROW_GROUP,
      })
      .collectSync();
    await Deno.writeTextFile(tmpMeta, JSON.stringify(meta, null, 2) + "\n", {
      mode: PRIVATE_FILE_MODE,
    });
  } catch (error) {
    await discard();
    throw writeFailure(path, error, { chosenBy });
  }
  const { bytes, sha256 } = await fileDigest(tmp);
  const moves: { from: string; to: string }[] = [];
  const move: Move = async (from, to) => {
    await rename(from, to);
    moves.push({ from, to });
  };
  const replaced: string[] = [];
  // Moves into the folder are made holding its publish lock: two runs placing a snapshot of one
  // as-of at once (an export and a backfill --replace, an import) moved each other's files aside
  // and ended with one's sidecar over the other's Parquet file.
  const locked = async <T>(
    work: () => Promise<T>,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<T> =>
    options.lockHeldOn !== undefined && await sameFolder(options.dir, options.lockHeldOn)
      ? await work()
      : await withPublishLock(options.dir, work, {
        ...(options.onLockWait ? { onWait: options.onLockWait } : {}),
        ...(signal ? { signal } : {}),
        chosenBy,
        action: "store a history snapshot",
      });
  const unplace = () => locked(unplaceHeld);
  const unplaceHeld = async () => {
    const failures: string[] = [];
    for (const { from, to } of moves.splice(0).reverse()) {
      await rename(to, from).catch((error) => failures.push(`${from} (${firstLine(error)})`));
    }
    replaced.length = 0;
    if (failures.length > 0) {
      throw new UserError(`history snapshot ${path}: could not put back ${failures.join(", ")}`);
    }
  };
  // a stop while another run holds the folder: nothing is moved yet, so the wait may end
  const place = () => locked(placeHeld, { signal: options.signal });
  const placeHeld = async () => {
    try {
      await moveOtherInstantAside(path, { ...options, move });
      // what it replaces is renamed aside, not to a temp name: killed meanwhile, the next run
      // puts it back (snapshot_aside.ts)
      replaced.push(
        ...await placeSnapshotFiles(path, { written: tmp, writtenMeta: tmpMeta, move }),
      );
    } catch (error) {
      const putBack = await unplaceHeld().then(() => "", (undo) => `; ${firstLine(undo)}`);
      const problem = writeProblem(error); // (a disk gone read-only or full: nothing in the way)
      const fix = problem
        ? `${problem.fix} or ${another}`
        : `move what is in the way, or fix the history folder ${options.dir} (or ${another})`;
      throw new UserError(
        `history snapshot ${path} could not be put in place (${
          problem ? `${problem.reason} in ${options.dir}` : firstLine(error)
        })${putBack}; nothing new was written: ${fix}`,
      );
    }
  };
  const finish = async () => {
    try {
      for (const kept of replaced) await rm(kept, { force: true });
      await removeEarlierSameDay(path, { asOf: options.asOf, demo: options.demo, meta });
      return null;
    } catch (error) {
      return `history snapshot ${path} is stored, but tidying the history folder failed (${
        firstLine(error)
      }): earlier snapshots of ${
        isoDate(options.asOf)
      } or replaced files may be left in ${options.dir}`;
    }
  };
  return {
    path,
    asOf: options.asOf,
    demo: options.demo,
    bytes,
    sha256,
    place,
    unplace,
    finish,
    commit: async () => {
      await place();
      const warning = await finish();
      if (warning) throw new UserError(warning);
    },
    discard,
  };
}

/**
 * The columns a snapshot stores (SNAPSHOT_COLUMNS), from `frame`'s: a snapshot-only one it lacks
 * (an imported export's, mrr_recurring_minor: lib/revenue/columns.ts withRecurringMinor) stored
 * empty, typed, as a snapshot of an older kit reads it.
 */
function snapshotColumnsOf(frame: pl.DataFrame): pl.Expr[] {
  return SNAPSHOT_COLUMNS.map((def) =>
    frame.columns.includes(def.name) || !def.snapshotOnly
      ? pl.col(def.name)
      : pl.lit(null).cast(exportSeries(def, []).dtype).alias(def.name)
  );
}

/** Whether two paths name one folder (links resolved); false when either is missing. */
async function sameFolder(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([a, b].map((path) => realpath(path).catch(() => null)));
  return x !== null && x === y;
}

/** An error's first line. */
function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0];
}

/** Writes the frame (export columns) as the snapshot of `asOf`; returns what was written. */
export async function writeSnapshot(
  frame: pl.DataFrame,
  options: SnapshotWrite,
): Promise<SnapshotInfo> {
  // (a frame built by hand: the export stage's frames hold unknowns as null already)
  assertFiniteSnapshotNumbers(frame);
  const prepared = await prepareSnapshot(frame, options);
  try {
    await prepared.commit();
  } catch (error) {
    await prepared.discard();
    throw error;
  }
  const { path, asOf, demo, bytes, sha256 } = prepared;
  return { path, asOf, demo, bytes, sha256 };
}
