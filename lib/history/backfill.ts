/**
 * `deno task history backfill`: a snapshot at each month end (as-of = the first instant of the
 * next month, UTC, so its 30-day window is the month's last 30 days), from the same pipeline as an
 * export run at that as-of: the demo generator, or the databases (queries take the as-of).
 */
import { type Env, sourceSettings, UserError } from "../config.ts";
import { loadPricingData } from "../export.ts";
import { isoDate } from "../files.ts";
import { type SnapshotInfo, writeSnapshot } from "./snapshot.ts";

export interface BackfillOptions {
  env: Env;
  historyDir: string;
  outDir: string;
  months: number;
  /** the last as-of (default: the first of the current month, UTC) */
  last?: Date;
  demo?: boolean;
  quiet: boolean;
  log: (line: string) => void;
}

export interface BackfillResult {
  snapshots: SnapshotInfo[];
  demo: boolean;
  durationMs: number;
}

/** The first instant (UTC) of `date`'s month. */
export function monthStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

/** `months` month-end as-ofs (first of each month, UTC), oldest first, ending at `last`'s month. */
export function monthEndAsOfs(months: number, last: Date): Date[] {
  if (!Number.isInteger(months) || months < 1 || months > 120) {
    throw new UserError(`--months must be a whole number from 1 to 120, got ${months}`);
  }
  const end = monthStart(last);
  return Array.from(
    { length: months },
    (_, i) => new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - (months - 1 - i), 1)),
  );
}

/** Live sources can see removed organizations' and members' absence only as it is today. */
const LIVE_WARNINGS = [
  "backfilled: members removed before this date cannot be seen, so seats count today's members who joined before it",
];

export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  const started = performance.now();
  const demo = options.demo ?? sourceSettings(options.env) === null;
  if (!demo) {
    throw new UserError(
      "live backfill needs revenue from Stripe invoices, which this version does not compute yet; run with --demo, or keep exporting (every export adds a snapshot)",
    );
  }
  const snapshots: SnapshotInfo[] = [];
  for (const asOf of monthEndAsOfs(options.months, options.last ?? new Date())) {
    const data = await loadPricingData({
      demo,
      asOf,
      env: options.env,
      outDir: options.outDir,
      quiet: true,
      log: () => {},
    });
    snapshots.push(
      await writeSnapshot(data.frame, {
        dir: options.historyDir,
        asOf,
        demo,
        origin: "backfill",
        warnings: [...data.warnings, ...(demo ? [] : LIVE_WARNINGS)],
      }),
    );
    options.log(`snapshot ${isoDate(asOf)}: ${data.frame.height} organizations`);
  }
  return { snapshots, demo, durationMs: Math.round(performance.now() - started) };
}
