/**
 * Which snapshots a history report reads: one per month (the latest, with revenue), from the
 * history folder or beside the export under way (report.ts builds the report from them).
 */
import { basename } from "node:path";
import { HISTORY_COLUMNS, type HistoryPoint } from "./bridge.ts";
import { type HistorySource, mrrStats } from "./history_source.ts";
import { asOfKey, monthBefore } from "./periods.ts";
import { staleStoredExport } from "./keep.ts";
import { recordedFxRates, recordedPriceBook, recordedUnmapped } from "./snapshot.ts";
import {
  listSnapshots,
  readSnapshotFrame,
  readSnapshotMeta,
  type SnapshotInfo,
} from "./stored_snapshots.ts";
import { scanSnapshotFrame } from "./snapshot_scan.ts";
import { compareText } from "../core/text_order.ts";

/**
 * One snapshot per month, the latest: an as-of stands for the month of the instant before it (the
 * 1st, 00:00 UTC, closes the month before), so daily exports give a month-end bridge, not a daily
 * one. Oldest first.
 */
export function monthlyPoints<T extends HistorySource>(points: T[]): T[] {
  const latest = new Map<string, T>();
  for (const point of points) {
    const month = monthBefore(point.asOf);
    const kept = latest.get(month);
    if (!kept || kept.asOf.getTime() < point.asOf.getTime()) latest.set(month, point);
  }
  return [...latest.values()].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
}

/** Snapshots that hold revenue: a snapshot whose MRR is empty everywhere would read as churn. */
export function withRevenue<T extends HistorySource>(points: T[]): T[] {
  return points.filter((p) => {
    const { rows, unknown } = mrrStats(p);
    return rows === 0 || unknown < rows;
  });
}

/** A stored snapshot the report reads. */
export interface StoredPoint extends HistorySource {
  /**
   * why it does not stand for its as-of, when an older kit's live export stored it long after
   * that (keep.ts staleStoredExport: the subscriptions of the day it ran, not of its as-of)
   */
  stale?: string;
}

/**
 * One warning per snapshot of the folder dated after `now`, which a report and an export leave
 * out (loadMonthlyHistoryPoints `until`): no export, import or backfill stores one (each refuses an
 * as-of to come), so it is a file renamed or written by a clock set ahead, and read as a month
 * end it would make a row of the months up to it.
 */
export async function futureSnapshotWarnings(
  dir: string,
  { demo, now, leftOutOf = "the report" }: {
    demo: boolean;
    now: Date;
    /** what leaves it out, as the warning names it: the report, an export's history section */
    leftOutOf?: string;
  },
): Promise<string[]> {
  return (await listSnapshots(dir, demo)).flatMap((info) => {
    const warning = futureSnapshotWarning(info, { now, leftOutOf });
    return warning === null ? [] : [warning];
  });
}

/** futureSnapshotWarnings' warning of one listed snapshot; null when it is not after `now`. */
export function futureSnapshotWarning(
  info: SnapshotInfo,
  { now, leftOutOf }: { now: Date; leftOutOf: string },
): string | null {
  if (info.asOf.getTime() <= now.getTime()) return null;
  return `history snapshot ${basename(info.path)} is dated as-of ${
    asOfKey(info.asOf)
  }, after now: left out of ${leftOutOf} (no export, import or backfill stores one for a time to come: a clock set ahead when it was written, or a file renamed); delete it, or rename it to the as-of it holds`;
}

/** Snapshots of the history folder (demo or live), read as export frames, oldest first. */
export async function loadHistoryPoints(dir: string, demo: boolean): Promise<HistoryPoint[]> {
  // (a month end a killed run moved aside is listed where it lies: listSnapshots)
  const snapshots = await listSnapshots(dir, demo);
  return snapshots.map((s) => ({ asOf: s.asOf, frame: readSnapshotFrame(s.path) }));
}

/**
 * What the bridge reads, without reading every daily snapshot: per month the latest snapshot with
 * revenue (later ones without revenue are read too, so the report can name them). Oldest first.
 * Snapshots `current` (this export) stands in for are not read at all: one of the same date, and
 * when it has revenue, earlier ones of its month. The others are lazy scans of the columns the
 * report reads (HISTORY_COLUMNS): buildHistoryReport reads them one at a time.
 */
export async function loadMonthlyHistoryPoints(
  dir: string,
  { demo, current, until = current?.asOf, leftOut }: {
    /** the demo dataset's snapshots, else the live ones */
    demo: boolean;
    /** this export, standing in for the snapshots of its date (and, with revenue, its month's) */
    current?: HistorySource;
    /**
     * the export's as-of: snapshots after it are its future and are left out (a backfill ahead of a
     * past-dated export put the next month's figures, and not its own, in its brief)
     */
    until?: Date;
    /** paths of snapshots not to read (unreadable ones an export leaves out: export_stage.ts) */
    leftOut?: ReadonlySet<string>;
  },
): Promise<StoredPoint[]> {
  // (a month end a killed run moved aside is listed where it lies: listSnapshots; the run's
  // entry point puts it back, once: settle.ts)
  const currentHasRevenue = current !== undefined && withRevenue([current]).length > 0;
  const replaced = (info: SnapshotInfo) =>
    current !== undefined &&
    (asOfKey(info.asOf) === asOfKey(current.asOf) ||
      (currentHasRevenue && monthBefore(info.asOf) === monthBefore(current.asOf) &&
        info.asOf.getTime() <= current.asOf.getTime()));
  const byMonth = new Map<string, SnapshotInfo[]>();
  for (const info of await listSnapshots(dir, demo)) {
    if (replaced(info) || (until && info.asOf.getTime() > until.getTime())) continue;
    if (leftOut?.has(info.path)) continue;
    const month = monthBefore(info.asOf);
    byMonth.set(month, [...(byMonth.get(month) ?? []), info]);
  }
  const points: StoredPoint[] = [];
  for (const infos of byMonth.values()) {
    for (const info of [...infos].sort((a, b) => b.asOf.getTime() - a.asOf.getTime())) {
      const meta = await readSnapshotMeta(info.path);
      const stale = staleStoredExport(meta);
      const priceBook = recordedPriceBook(meta);
      const fxRates = recordedFxRates(meta);
      const unmappedCustomers = recordedUnmapped(meta);
      const point: StoredPoint = {
        asOf: info.asOf,
        frame: scanSnapshotFrame(info.path, HISTORY_COLUMNS),
        path: info.path,
        ...(stale ? { stale } : {}),
        ...(priceBook ? { priceBook } : {}),
        ...(fxRates ? { fxRates } : {}),
        ...(unmappedCustomers ? { unmappedCustomers } : {}),
      };
      points.push(point);
      if (withRevenue([point]).length > 0) break;
    }
  }
  return points.sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
}

/** A month the report reads from one snapshot, and the earlier ones of that month it does not. */
export interface PassedOverMonth {
  /** the month the snapshots stand for (monthBefore): `2026-10` */
  month: string;
  /** file name of the snapshot read for the month: its latest with revenue */
  kept: string;
  /** file names of the month's earlier snapshots, oldest first: not read */
  passedOver: string[];
}

/**
 * The snapshots of `dir` a reading of one per month passed over (loadMonthlyHistoryPoints reads
 * each month from its latest back to its latest with revenue, `read`): per month, those before the
 * earliest read. A month with none read passes over none (its snapshots are the export's own, or
 * after `until`, said elsewhere). Oldest month first.
 */
export async function passedOverSnapshots(
  dir: string,
  { demo, read, until }: { demo: boolean; read: readonly StoredPoint[]; until?: Date },
): Promise<PassedOverMonth[]> {
  const earliestRead = new Map<string, StoredPoint>();
  for (const point of read) {
    const month = monthBefore(point.asOf);
    const known = earliestRead.get(month);
    if (!known || point.asOf.getTime() < known.asOf.getTime()) earliestRead.set(month, point);
  }
  const listed = await listSnapshots(dir, demo);
  const months: PassedOverMonth[] = [];
  for (const [month, kept] of [...earliestRead].sort(([a], [b]) => compareText(a, b))) {
    const passedOver = listed.filter((info) =>
      monthBefore(info.asOf) === month && info.asOf.getTime() < kept.asOf.getTime() &&
      !(until && info.asOf.getTime() > until.getTime())
    ).map((info) => basename(info.path));
    if (passedOver.length > 0 && kept.path) {
      months.push({ month, kept: basename(kept.path), passedOver });
    }
  }
  return months;
}
