/**
 * Which stored snapshots a daily export may remove: a daily `deno task export` (as-of now) stores a
 * snapshot a day, and the report reads one per month (points.ts: the latest with revenue, and the
 * later ones without, which it names), so a closed month's other daily snapshots are read only by
 * a compare or the MCP `history` table picking them by date. They go once older than
 * PRICING_HISTORY_KEEP_DAILY_DAYS (default 35: "compare with last week", and last month's, still
 * works); at 100k organizations they were ~15 MB a day that nothing ever removed. Only an export's
 * own snapshots go (sidecar origin `export`): a backfill's, an import's, one without a readable
 * sidecar and any file not named like a snapshot stay.
 */
import { rm } from "node:fs/promises";
import { basename } from "node:path";
import { UserError } from "../core/config.ts";
import { HISTORY_COLUMNS } from "./bridge.ts";
import { monthBefore } from "./periods.ts";
import { withRevenue } from "./points.ts";
import { listSnapshots, readSnapshotMeta, type SnapshotInfo } from "./stored_snapshots.ts";
import { scanSnapshotFrame } from "./snapshot_scan.ts";

export const KEEP_DAILY_VARIABLE = "PRICING_HISTORY_KEEP_DAILY_DAYS";
export const DEFAULT_KEEP_DAILY_DAYS = 35;
const DAY_MS = 86_400_000;

/**
 * PRICING_HISTORY_KEEP_DAILY_DAYS: days a closed month's superseded snapshots are kept, or null
 * for `all` (nothing removed). 0 is refused rather than read as "off" or as "at once": either
 * reading would surprise someone.
 */
export function keepDailyDays(env: Record<string, string | undefined>): number | null {
  const raw = env[KEEP_DAILY_VARIABLE]?.trim();
  if (raw === undefined || raw === "") return DEFAULT_KEEP_DAILY_DAYS;
  if (raw.toLowerCase() === "all") return null;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new UserError(
      `${KEEP_DAILY_VARIABLE} must be a whole number of days ≥ 1, or all to keep every history snapshot, got ${
        JSON.stringify(env[KEEP_DAILY_VARIABLE])
      }`,
    );
  }
  return Number(raw);
}

/** The 1st at 00:00 UTC after `month` (`2026-10` → 2026-11-01): when that month closes. */
function monthEnd(month: string): Date {
  return new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1));
}

/**
 * The snapshots of a month the report reads (points.ts loadMonthlyHistoryPoints): from the latest
 * back to the latest with revenue. One that cannot be read keeps the whole month (the report
 * refuses it; nothing here decides around it).
 */
function readByReport(infos: SnapshotInfo[]): Set<string> {
  const kept = new Set<string>();
  for (const info of [...infos].sort((a, b) => b.asOf.getTime() - a.asOf.getTime())) {
    kept.add(info.path);
    try {
      const frame = scanSnapshotFrame(info.path, HISTORY_COLUMNS);
      if (withRevenue([{ asOf: info.asOf, frame, path: info.path }]).length > 0) return kept;
    } catch {
      return new Set(infos.map((i) => i.path));
    }
  }
  return kept;
}

/**
 * The snapshots (demo or live) in `dir` that go: in a closed month (its end at or before `now`),
 * not read by the report for that month, as-of more than `keepDays` days before `now`, written by
 * an export. Oldest first. `now` is the export's as-of (a daily export's is the time it runs; one
 * `--as-of` a past day removes nothing that export would still call recent).
 */
export async function supersededSnapshots(
  dir: string,
  { demo, now, keepDays }: { demo: boolean; now: Date; keepDays: number },
): Promise<SnapshotInfo[]> {
  const byMonth = new Map<string, SnapshotInfo[]>();
  for (const info of await listSnapshots(dir, demo)) {
    const month = monthBefore(info.asOf);
    byMonth.set(month, [...(byMonth.get(month) ?? []), info]);
  }
  const bound = now.getTime() - keepDays * DAY_MS;
  const gone: SnapshotInfo[] = [];
  for (const [month, infos] of byMonth) {
    if (monthEnd(month).getTime() > now.getTime()) continue; // open (or ahead): its latest changes
    if (infos.length < 2) continue; // (a month pruned already: its one snapshot is the report's)
    // (a snapshot still lying where a killed run moved it aside is the settling's, never pruned)
    const candidates = infos.filter((i) =>
      i.asOf.getTime() < bound && !i.sidecarWarning && !i.asideWarning
    );
    if (candidates.length === 0) continue;
    const read = readByReport(infos);
    for (const info of candidates) {
      if (read.has(info.path)) continue;
      if ((await readSnapshotMeta(info.path))?.origin !== "export") continue;
      gone.push(info);
    }
  }
  return gone.sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
}

/**
 * Removes supersededSnapshots (each with its sidecar). Tidying after an export: a failure is one
 * warning naming what stays (the next export tries again), never the export's error.
 */
export async function removeSupersededSnapshots(
  dir: string,
  options: { demo: boolean; now: Date; keepDays: number | null },
): Promise<{ removed: string[]; warning: string | null }> {
  const { keepDays } = options;
  if (keepDays === null) return { removed: [], warning: null };
  const removed: string[] = [];
  const failed: string[] = [];
  let found: SnapshotInfo[];
  try {
    found = await supersededSnapshots(dir, { ...options, keepDays });
  } catch (error) {
    return { removed, warning: tidyWarning(dir, [`listing them: ${firstLine(error)}`]) };
  }
  for (const info of found) {
    try {
      // the Parquet file first: a sidecar left alone is no snapshot; gone already = another
      // export of this process tidied it at the same time
      await rm(info.path, { force: true });
      removed.push(info.path);
      await rm(`${info.path}.json`, { force: true });
    } catch (error) {
      failed.push(`${basename(info.path)} (${firstLine(error)})`);
    }
  }
  return { removed, warning: failed.length > 0 ? tidyWarning(dir, failed) : null };
}

function tidyWarning(dir: string, failures: string[]): string {
  return `history: superseded daily snapshots in ${dir} could not all be removed (${
    failures.join(", ")
  }); the export is complete, and the next one tries again (${KEEP_DAILY_VARIABLE}=all keeps every snapshot)`;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0];
}
