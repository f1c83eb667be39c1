/**
 * The usage of a history snapshot one window or more before an export's as-of, for the brief's
 * upgrade and churn trends (lib/analysis/outlook.ts): the export holds its own window only. Of
 * the stored snapshots of the same kind (demo or live) from EARLIER_SNAPSHOT_DAYS before the
 * as-of (30 to 62 days: a month-end snapshot is always in that range when one is kept), the
 * newest readable, read for its org_id, requests_30d and seats only. One that cannot be read is
 * left out, as the export's history section leaves it out, and the next newest in range is read.
 */
import { EARLIER_COLUMNS, EARLIER_SNAPSHOT_DAYS, type EarlierUsage } from "../analysis/outlook.ts";
import { listSnapshots, readSnapshotFrame, UnreadableSnapshot } from "./stored_snapshots.ts";

const DAY_MS = 24 * 3600 * 1000;

/**
 * The newest readable snapshot in `dir` from 30 to 62 days before `asOf`, read; null when there
 * is none. `leftOut` is told of each snapshot in range that could not be read.
 */
export async function earlierUsage(
  dir: string,
  { asOf, demo, leftOut }: {
    asOf: Date;
    demo: boolean;
    leftOut?: (error: UnreadableSnapshot) => void;
  },
): Promise<EarlierUsage | null> {
  const latest = asOf.getTime() - EARLIER_SNAPSHOT_DAYS.min * DAY_MS;
  const earliest = asOf.getTime() - EARLIER_SNAPSHOT_DAYS.max * DAY_MS;
  const inRange = (await listSnapshots(dir, demo))
    .filter((s) => s.asOf.getTime() <= latest && s.asOf.getTime() >= earliest)
    .reverse(); // (listed oldest first)
  for (const found of inRange) {
    try {
      return {
        asOf: found.asOf,
        frame: readSnapshotFrame(found.path, { columns: EARLIER_COLUMNS }),
      };
    } catch (error) {
      if (!(error instanceof UnreadableSnapshot)) throw error;
      leftOut?.(error);
    }
  }
  return null;
}
