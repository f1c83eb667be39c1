/**
 * Which stored snapshot a new one of the same as-of does not replace: one with revenue is kept
 * over one without (an export with Stripe skipped or failed would otherwise turn a good month into
 * "no revenue", left out of every report), and a backfill keeps what an export or import wrote (it
 * has the base/add-on split, status, interval and plan names a backfill leaves empty) unless asked
 * to replace it, or it is a live export's run long after its as-of (staleLiveExport). Each says why
 * in one line, naming the file.
 */
import { basename } from "node:path";
import type pl from "nodejs-polars";
import { mrrStats } from "./history_source.ts";
import { HISTORY_COLUMNS } from "./bridge.ts";
import { asOfKey } from "./periods.ts";
import type { SnapshotMeta } from "./snapshot.ts";
import { type SnapshotInfo, storedSnapshotAt } from "./stored_snapshots.ts";
import { scanSnapshotFrame, SnapshotReplaced } from "./snapshot_scan.ts";

/**
 * How long after its as-of a live export may run and still store its snapshot. A live export's MRR
 * is Stripe's subscriptions as it runs (docs/columns.md, mrr_recurring), not as they were at its
 * as-of, so its snapshot stands for its as-of only when it runs soon after: a day takes in the
 * month-end run `--as-of` the 1st started after midnight and a scheduled job run late or retried
 * that day. Past month ends are a backfill's (MRR from invoices). Demo data is made for its as-of.
 */
export const LIVE_SNAPSHOT_MAX_LAG_HOURS = 24;

/**
 * Why a live export of `asOf` that ran at `ranAt` stores no snapshot, in one line; null when it
 * does (within LIVE_SNAPSHOT_MAX_LAG_HOURS, or demo data).
 */
export function staleLiveExport(
  { asOf, demo, ranAt }: { asOf: Date; demo: boolean; ranAt: Date },
): string | null {
  const lagHours = (ranAt.getTime() - asOf.getTime()) / 3_600_000;
  if (demo || lagHours <= LIVE_SNAPSHOT_MAX_LAG_HOURS) return null;
  const lag = lagHours < 48 ? `${lagHours.toFixed(1)} h` : `${(lagHours / 24).toFixed(1)} days`;
  return `as-of ${
    asOfKey(asOf)
  } is ${lag} before the export ran, and a live export's MRR is Stripe's subscriptions as it runs, not as of then (a snapshot is stored within ${LIVE_SNAPSHOT_MAX_LAG_HOURS} h of its as-of)`;
}

/** staleLiveExport of a stored export's snapshot, from its sidecar (its as-of, when it was written). */
export function staleStoredExport(meta: SnapshotMeta | null): string | null {
  if (meta?.origin !== "export" || !meta.as_of || !meta.written_at) return null;
  const [asOf, ranAt] = [new Date(meta.as_of), new Date(meta.written_at)];
  if (Number.isNaN(asOf.getTime()) || Number.isNaN(ranAt.getTime())) return null;
  return staleLiveExport({ asOf, demo: meta.demo === true, ranAt });
}

/** Whether a frame has any revenue: some organization's MRR known (an empty frame has none). */
export function holdsRevenue(frame: pl.DataFrame): boolean {
  const { rows, unknown } = mrrStats({ asOf: new Date(0), frame });
  return unknown < rows;
}

/**
 * Whether a stored snapshot has revenue; a file that cannot be read has none worth keeping. One
 * another run writes again meanwhile (SnapshotReplaced) is scanned again: the new file tells.
 */
function storedHoldsRevenue(info: SnapshotInfo): boolean {
  for (let scans = 1;; scans++) {
    try {
      const { rows, unknown } = mrrStats({
        asOf: info.asOf,
        frame: scanSnapshotFrame(info.path, HISTORY_COLUMNS),
        path: info.path,
      });
      return unknown < rows;
    } catch (error) {
      if (!(error instanceof SnapshotReplaced) || scans === 3) return false;
    }
  }
}

/** "written by an export", "… a backfill", or "origin unknown" (no sidecar). */
function writtenBy(meta: SnapshotMeta | null): string {
  if (!meta?.origin) return "origin unknown";
  return `written by ${/^[aeiou]/.test(meta.origin) ? "an" : "a"} ${meta.origin}`;
}

export interface KeptSnapshot {
  info: SnapshotInfo;
  /** why, in one line naming the file */
  reason: string;
}

/**
 * The stored snapshot of `asOf` that a new one without revenue (`frame`, from an export with Stripe
 * skipped or failed, a backfill, or an imported file of such an export) must not replace, as it has
 * revenue; null when the new one is stored.
 */
export async function keptOverNoRevenue(
  dir: string,
  { asOf, demo, frame, writer }: {
    asOf: Date;
    demo: boolean;
    frame: pl.DataFrame;
    writer: "export" | "backfill" | "import";
  },
): Promise<KeptSnapshot | null> {
  if (holdsRevenue(frame)) return null;
  const stored = await storedSnapshotAt(dir, { asOf, demo });
  if (!stored || !storedHoldsRevenue(stored.info)) return null;
  const name = basename(stored.info.path);
  const by = writtenBy(stored.meta);
  return {
    info: stored.info,
    reason: writer === "export"
      ? `history snapshot kept: ${name} (${by}) has revenue and this export has none (Stripe skipped or failed), so it is not replaced; delete it to store this export's`
      : writer === "import"
      ? `not imported: ${name} (${by}) has revenue and this file has none (Stripe skipped or failed), so it is kept; pass --replace to import over it`
      : `kept ${name} (${by}): it has revenue and this backfill's has none`,
  };
}

/**
 * What an import of `asOf` (`frame`, the file's) replaces, in words (`replaced <name>, written by
 * an export`, and that revenue goes when it does: --replace), or null when none of that as-of is
 * stored.
 */
export async function replacedSnapshot(
  dir: string,
  { asOf, demo, frame }: { asOf: Date; demo: boolean; frame: pl.DataFrame },
): Promise<string | null> {
  const stored = await storedSnapshotAt(dir, { asOf, demo });
  if (!stored) return null;
  const lost = !holdsRevenue(frame) && storedHoldsRevenue(stored.info);
  return `replaced ${basename(stored.info.path)}, ${writtenBy(stored.meta)}${
    lost ? ", which had revenue; this file has none" : ""
  }`;
}

/**
 * Before a backfill computes `asOf`: the stored snapshot it keeps, one with revenue that an export
 * or import wrote (or of unknown origin), unless `replace`; null when it writes its own.
 */
export async function keptOverBackfill(
  dir: string,
  { asOf, demo, replace, log = () => {} }: {
    asOf: Date;
    demo: boolean;
    replace: boolean;
    /** says why a stored export's snapshot is not kept: its export ran long after its as-of */
    log?: (line: string) => void;
  },
): Promise<KeptSnapshot | null> {
  if (replace) return null;
  const stored = await storedSnapshotAt(dir, { asOf, demo });
  if (!stored || stored.meta?.origin === "backfill" || !storedHoldsRevenue(stored.info)) {
    return null;
  }
  // written by an older kit, which stored a snapshot for any as-of: today's MRR, not the month's
  const stale = staleStoredExport(stored.meta);
  if (stale) {
    log(`replacing ${basename(stored.info.path)} (written by an export): ${stale}`);
    return null;
  }
  return {
    info: stored.info,
    reason: `kept ${basename(stored.info.path)} (${
      writtenBy(stored.meta)
    }): it has the base/add-on split, status, interval and plan names a backfill leaves empty; pass --replace to backfill over it`,
  };
}
