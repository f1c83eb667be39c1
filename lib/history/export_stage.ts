/**
 * The export's history stage: the MRR history over the stored snapshots and this export (the
 * brief's section, the XLSX sheet), and this export's Parquet snapshot, prepared here and published
 * with the export's files (publishWithSnapshot).
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import type { ExportOptions, PricingData } from "../core/types.ts";
import type { StageTimer } from "../core/stage_timer.ts";
import { type Env, UserError } from "../core/config.ts";
import {
  type PreparedSnapshot,
  prepareSnapshot,
  priceBookId,
  snapshotSkipped,
} from "./snapshot.ts";
import { damagedSidecarWarnings, UnreadableSnapshot } from "./stored_snapshots.ts";
import { exportHistory } from "./export_history.ts";
import { futureSnapshotWarnings } from "./points.ts";
import { REPLACED_READS, SnapshotReplaced } from "./snapshot_scan.ts";
import { keptOverNoRevenue, staleLiveExport } from "./keep.ts";
import { keepDailyDays, removeSupersededSnapshots } from "./superseded.ts";
import { settleHistoryFolder } from "./settle.ts";
import { ensureHistoryDir, exportHistoryDir, historyFolderExposure } from "./history_dir.ts";
import { recordedUnmapped } from "../revenue/unmapped_record.ts";
import { withRecurringMinor } from "../revenue/columns.ts";

/**
 * What the history stage will need, checked before any query (a failure at the end of the run
 * costs the queries): a bad PRICING_HISTORY_KEEP_DAILY_DAYS, a history folder that cannot be
 * written. Nothing without history (`history: false`).
 */
export async function checkExportHistory(
  options: Pick<ExportOptions, "history" | "historyDir" | "outDir">,
  env: Env,
): Promise<void> {
  if (options.history === false) return;
  keepDailyDays(env);
  const history = exportHistoryDir(options, env);
  await ensureHistoryDir(history.dir, { named: history.chosenBy.named });
}

export interface ExportHistoryStage {
  /** the history section and sheet; null with fewer than two months to show */
  history: Awaited<ReturnType<typeof exportHistory>>;
  /**
   * this export's snapshot, not yet in place; none for a window other than 30 days, a live export
   * run more than a day after its as-of (keep.ts, staleLiveExport), or without revenue over a
   * stored one of its as-of with revenue
   */
  snapshot?: ExportSnapshot;
}

/** History, then snapshot, each timed as its own stage; `data.warnings` says why none is stored. */
export async function exportHistoryStage(
  data: PricingData,
  {
    folder,
    folderChosenBy,
    timed,
    now = new Date(),
    workbook,
    keepDailyDays = null,
    lockHeldOn,
    onLockWait,
    folderNow,
    signal,
  }: {
    folder: string;
    /** how the user chose `folder` (PRICING_HISTORY_DIR…), for the fix a failed write names */
    folderChosenBy: ChosenBy;
    timed: StageTimer;
    /** the export writes a workbook: the history section names its `history` sheet */
    workbook: boolean;
    /** when the export runs (its live revenue is Stripe's of then) */
    now?: Date;
    /**
     * PRICING_HISTORY_KEEP_DAILY_DAYS (superseded.ts): once its snapshot is placed, a closed
     * month's daily snapshots older than this go; null keeps every one
     */
    keepDailyDays?: number | null;
    /** the output folder, whose publish lock the export holds as it places the snapshot */
    lockHeldOn?: string;
    /** told when another run is placing a snapshot in `folder` (snapshot.ts) */
    onLockWait?: (line: string) => void;
    /** where a path is now, its folder moved meanwhile (SnapshotWrite.folderNow) */
    folderNow?: (path: string) => Promise<string>;
    /**
     * the export's Ctrl-C or SIGTERM: ends a wait for the history folder's lock, the settle's
     * here or the snapshot's as it is placed (nothing put back or moved)
     */
    signal?: AbortSignal;
  },
): Promise<ExportHistoryStage> {
  // another window's usage is neither stored nor set beside the snapshots (snapshotSkipped)
  const window = snapshotSkipped(data.windowDays);
  // nor is a live export's of a past as-of: its MRR is today's (staleLiveExport)
  const stale = window ? null : staleLiveExport({ asOf: data.asOf, demo: data.demo, ranAt: now });
  const skipped = window ??
    (stale && `history snapshot not stored: ${stale}; history backfill makes past month ends`);
  if (skipped) data.warnings.push(skipped);
  // a snapshot a killed run was replacing is put back before anything reads the folder, once
  // for the export (its snapshot's write does not list the folder again for it)
  await settleHistoryFolder(folder, {
    chosenBy: folderChosenBy,
    warn: (line) => data.warnings.push(line),
    ...(onLockWait ? { onLockWait } : {}),
    ...(signal ? { signal } : {}),
  });
  // an older kit's folder others can read: said each run, with the chmod (not changed silently)
  const exposure = await historyFolderExposure(folder);
  if (exposure) data.warnings.push(exposure);
  // a damaged sidecar is read as missing (as-of from the name, origin unknown): said, not silent
  data.warnings.push(...await damagedSidecarWarnings(folder, data.demo));
  // one dated after now is left out, as any after the as-of (loadMonthlyHistoryPoints), but said
  data.warnings.push(
    ...await futureSnapshotWarnings(folder, {
      demo: data.demo,
      now,
      leftOutOf: "the history section",
    }),
  );
  // without revenue, a stored snapshot of this as-of that has some stays (keep.ts), and the
  // history reads it rather than this export
  const kept = skipped ? null : await keptOverNoRevenue(folder, { ...data, writer: "export" });
  const priceBook = priceBookId(data.economics.priceBook);
  const fxRates = data.revenue.fxRates;
  // none unmapped is recorded as 0 when revenue was read; not read, nothing is known of them
  const unmappedCustomers = recordedUnmapped(data.revenue);
  if (kept) data.warnings.push(kept.reason);
  // the frame as its snapshot stores it: with each organization's MRR in its billing currency
  // (read by this month's step of the bridge per currency too), unless none is stored
  const stored = skipped || kept ? data.frame : withRecurringMinor(data.frame, data.revenue);
  const history = await timed("history", () =>
    readableHistory(folder, {
      demo: data.demo,
      asOf: data.asOf,
      workbook,
      ...(skipped || kept ? {} : {
        current: {
          asOf: data.asOf,
          frame: stored,
          priceBook,
          fxRates,
          ...(unmappedCustomers ? { unmappedCustomers } : {}),
        },
      }),
      warnings: data.warnings,
    }));
  if (skipped) {
    const note = window ? OTHER_WINDOW_NOTE : STALE_NOTE;
    return { history: history && { ...history, section: storedOnly(history.section, note) } };
  }
  if (kept) return { history };
  const snapshot = await timed("snapshot", () =>
    prepareSnapshot(stored, {
      dir: folder,
      dirChosenBy: folderChosenBy,
      asOf: data.asOf,
      demo: data.demo,
      origin: "export",
      warnings: data.warnings,
      warningKinds: data.warningKinds,
      priceBook,
      fxRates,
      ...(unmappedCustomers ? { unmappedCustomers } : {}),
      lockHeldOn,
      onLockWait,
      ...(folderNow ? { folderNow } : {}),
      ...(signal ? { signal } : {}),
      recovered: true,
    }));
  // measured from its as-of (a daily export's: now), so an export `--as-of` a past day removes
  // nothing it would itself call recent
  const superseded = { folder, now: data.asOf, keepDailyDays };
  return { history, snapshot: withSupersededRemoved(snapshot, superseded) };
}

/**
 * An export's snapshot: also removes, once placed and the export published, the superseded daily
 * snapshots of closed months, of its kind (superseded.ts). The history above was read before, and
 * what goes is no month's report snapshot, so neither the reports nor the bridge state (keyed on
 * those) change.
 */
export interface ExportSnapshot extends PreparedSnapshot {
  /** tidying, as `finish`: what it could not remove is a warning */
  removeSuperseded(): Promise<string | null>;
}

function withSupersededRemoved(
  snapshot: PreparedSnapshot,
  { folder, now, keepDailyDays }: { folder: string; now: Date; keepDailyDays: number | null },
): ExportSnapshot {
  return {
    ...snapshot,
    removeSuperseded: async () =>
      (await removeSupersededSnapshots(folder, {
        demo: snapshot.demo,
        now,
        keepDays: keepDailyDays,
      })).warning,
  };
}

/**
 * Publishes the export's files (`publish`) with its snapshot, together or not at all: the snapshot
 * goes in place first (a failure there publishes nothing), is taken back if the publish fails, and
 * is tidied after, the superseded daily snapshots removed (what that could not do is a warning
 * pushed on `warnings`: the set and the snapshot its manifest names are both in place).
 */
export async function publishWithSnapshot<T>(
  snapshot: ExportSnapshot | undefined,
  { publish, warnings }: { publish: () => Promise<T>; warnings: string[] },
): Promise<T> {
  if (!snapshot) return await publish();
  await snapshot.place();
  let published: T;
  try {
    published = await publish();
  } catch (error) {
    try {
      await snapshot.unplace();
    } catch (undo) {
      throw new UserError(`${(error as Error).message}; ${(undo as Error).message}: remove it`);
    }
    throw error;
  }
  for (const tidy of [snapshot.finish, snapshot.removeSuperseded]) {
    const warning = await tidy();
    if (warning) warnings.push(warning);
  }
  return published;
}

/**
 * exportHistory over the folder's readable snapshots. The export is the product and its history
 * one section of it, so a snapshot that cannot be read (cut short, damaged) is left out of the
 * section with a warning naming it and the fix, rather than failing the export. A damaged file
 * fails where it is read (its schema as the folder is listed, or only its values, mid-bridge), so
 * the history is made again without it; nothing is cached from a failed file (the sums and the
 * bridge state are stored only once read whole). A snapshot another run wrote again while it was
 * read (SnapshotReplaced: a backfill, an import, an export of its as-of) is no damage: the folder
 * is read again, the new file with it. `read` is exportHistory (tests give another).
 */
export async function readableHistory(
  folder: string,
  { warnings, read = exportHistory, ...options }:
    & Omit<Parameters<typeof exportHistory>[1], "leftOut">
    & { warnings: string[]; read?: typeof exportHistory },
): ReturnType<typeof exportHistory> {
  const leftOut = new Set<string>();
  let replaced = 0;
  for (;;) {
    try {
      return await read(folder, { ...options, leftOut });
    } catch (error) {
      if (error instanceof SnapshotReplaced && ++replaced < REPLACED_READS) continue;
      if (!(error instanceof UnreadableSnapshot) || leftOut.has(error.path)) throw error;
      leftOut.add(error.path);
      warnings.push(`history snapshot left out of the history section: ${error.message}`);
    }
  }
}

const OTHER_WINDOW_NOTE =
  "From the stored 30-day exports' snapshots only: this export's window is not 30 days, so it is neither stored nor among them.";
const STALE_NOTE =
  "From the stored snapshots only: this export's MRR is Stripe's subscriptions as it ran, not as of its as-of, so it is neither stored nor among them (`deno task history backfill` makes past month ends from invoices).";

/**
 * The brief of an export whose snapshot is not stored (another window, a live export of a past
 * as-of): its history section (the stored snapshots only) says so under its heading.
 */
function storedOnly(section: string, note: string): string {
  const headingEnd = section.indexOf("\n");
  return headingEnd < 0
    ? `${section}\n\n${note}`
    : `${section.slice(0, headingEnd)}\n\n${note}${section.slice(headingEnd)}`;
}
