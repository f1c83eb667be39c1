/**
 * Which stored snapshot a new one of the same as-of does not replace: one with revenue is kept
 * over one without (an export with Stripe skipped or failed would otherwise turn a good month into
 * "no revenue", left out of every report), and a backfill keeps what an export or import wrote (it
 * has the base/add-on split, status, interval and plan names a backfill leaves empty) unless asked
 * to replace it. Each says why in one line, naming the file.
 */
import { basename } from "node:path";
import type pl from "nodejs-polars";
import { mrrStats } from "./aggregate.ts";
import { HISTORY_COLUMNS } from "./bridge.ts";
import {
  scanSnapshotFrame,
  type SnapshotInfo,
  type SnapshotMeta,
  storedSnapshotAt,
} from "./snapshot.ts";

/** Whether a frame has any revenue: some organization's MRR known (an empty frame has none). */
export function holdsRevenue(frame: pl.DataFrame): boolean {
  const { rows, unknown } = mrrStats({ asOf: new Date(0), frame });
  return unknown < rows;
}

/** Whether a stored snapshot has revenue; a file that cannot be read has none worth keeping. */
function storedHoldsRevenue(info: SnapshotInfo): boolean {
  try {
    const { rows, unknown } = mrrStats({
      asOf: info.asOf,
      frame: scanSnapshotFrame(info.path, HISTORY_COLUMNS),
      path: info.path,
    });
    return unknown < rows;
  } catch {
    return false;
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
 * skipped or failed, or a backfill) must not replace, as it has revenue; null when the new one is
 * stored.
 */
export async function keptOverNoRevenue(
  dir: string,
  { asOf, demo, frame, writer }: {
    asOf: Date;
    demo: boolean;
    frame: pl.DataFrame;
    writer: "export" | "backfill";
  },
): Promise<KeptSnapshot | null> {
  if (holdsRevenue(frame)) return null;
  const stored = await storedSnapshotAt(dir, asOf, demo);
  if (!stored || !storedHoldsRevenue(stored.info)) return null;
  const name = basename(stored.info.path);
  return {
    info: stored.info,
    reason: writer === "export"
      ? `history snapshot kept: ${name} (${
        writtenBy(stored.meta)
      }) has revenue and this export has none (Stripe skipped or failed), so it is not replaced; delete it to store this export's`
      : `kept ${name} (${writtenBy(stored.meta)}): it has revenue and this backfill's has none`,
  };
}

/**
 * Before a backfill computes `asOf`: the stored snapshot it keeps, one with revenue that an export
 * or import wrote (or of unknown origin), unless `replace`; null when it writes its own.
 */
export async function keptOverBackfill(
  dir: string,
  { asOf, demo, replace }: { asOf: Date; demo: boolean; replace: boolean },
): Promise<KeptSnapshot | null> {
  if (replace) return null;
  const stored = await storedSnapshotAt(dir, asOf, demo);
  if (!stored || stored.meta?.origin === "backfill" || !storedHoldsRevenue(stored.info)) {
    return null;
  }
  return {
    info: stored.info,
    reason: `kept ${basename(stored.info.path)} (${
      writtenBy(stored.meta)
    }): it has the base/add-on split, status, interval and plan names a backfill leaves empty; pass --replace to backfill over it`,
  };
}
