/**
 * The usage of a history snapshot one window or more before an export's as-of, for the brief's
 * outlook's usage and seat trends (lib/analysis/outlook.ts): the export holds its own window only. Of
 * the stored snapshots of the same kind (demo or live) from EARLIER_SNAPSHOT_DAYS before the
 * as-of (30 to 62 days: a month-end snapshot is always in that range when one is kept), the
 * newest readable, read for its org_id, requests_30d and seats only (a backfill's seats are not
 * compared: EarlierUsage.backfill). One that cannot be read is left out, as the export's history
 * section leaves it out, and the next newest in range is read.
 */
import pl from "nodejs-polars";
import {
  type AccountOutlook,
  accountOutlook,
  EARLIER_COLUMNS,
  EARLIER_SNAPSHOT_DAYS,
  type EarlierUsage,
} from "../analysis/outlook.ts";
import type { PriceBook } from "../economics/types.ts";
import { UserError } from "../core/config.ts";
import { quoteValue } from "../core/quote.ts";
import { fileStamp } from "../formats/files.ts";
import { formatCount } from "../report/numbers.ts";
import {
  listSnapshots,
  readSnapshotFrame,
  readSnapshotMeta,
  type SnapshotInfo,
  UnreadableSnapshot,
} from "./stored_snapshots.ts";

const DAY_MS = 24 * 3600 * 1000;

/**
 * What a warning of the earlier snapshot is about, in the section's own words (OUTLOOK_HEADING):
 * not "upgrade" and "churn", which the brief's questions use for other lists.
 */
const WARNING_FOR = "signs of leaving and expansion candidates";

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
  for (const found of await earlierCandidates(dir, { asOf, demo })) {
    try {
      let lacking: readonly string[] = [];
      const frame = readSnapshotFrame(found.path, {
        columns: EARLIER_COLUMNS,
        lacks: (names) => lacking = names,
      });
      // (read as empty, its organizations were said to be new since: "not in it")
      if (lacking.length > 0) {
        throw new UnreadableSnapshot(
          found.path,
          `has no ${lacking[0]} column, which the trends read`,
        );
      }
      refuseIdsNotText(frame, found.path);
      refuseRepeatedOrganizations(frame, found.path);
      // a backfill's seats are today's members who had joined by then: not compared
      const backfill = (await readSnapshotMeta(found.path))?.origin === "backfill";
      return { asOf: found.asOf, frame, ...(backfill ? { backfill } : {}) };
    } catch (error) {
      if (!(error instanceof UnreadableSnapshot)) throw error;
      leftOut?.(error);
    }
  }
  return null;
}

/** The snapshots in `dir` from 30 to 62 days before `asOf`, newest first: earlierUsage reads the
 * first readable one. */
async function earlierCandidates(
  dir: string,
  { asOf, demo }: { asOf: Date; demo: boolean },
): Promise<SnapshotInfo[]> {
  const latest = asOf.getTime() - EARLIER_SNAPSHOT_DAYS.min * DAY_MS;
  const earliest = asOf.getTime() - EARLIER_SNAPSHOT_DAYS.max * DAY_MS;
  return (await listSnapshots(dir, demo))
    .filter((s) => s.asOf.getTime() <= latest && s.asOf.getTime() >= earliest)
    .reverse(); // (listed oldest first)
}

/**
 * What earlierUsage would read, as it is now, without reading it: each snapshot in its range,
 * newest first, by path, as-of and file stamp (size, time, identity: fileStamp), so a snapshot
 * stored, rewritten, removed or mended since changes it. Null when the folder cannot be listed
 * (earlierUsage's warning then says why).
 */
export async function earlierSnapshotsStamp(
  dir: string,
  { asOf, demo }: { asOf: Date; demo: boolean },
): Promise<string | null> {
  let candidates: SnapshotInfo[];
  try {
    candidates = await earlierCandidates(dir, { asOf, demo });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return null;
  }
  const stamps = await Promise.all(candidates.map(async (found) => {
    try {
      return fileStamp(await Deno.stat(found.path));
    } catch {
      return "unreadable"; // (removed since it was listed, or not to be read: said when read)
    }
  }));
  return candidates.map((found, i) => `${found.path}|${found.asOf.getTime()}|${stamps[i]}`)
    .join("\n");
}

/** org_id types the outlook joins on as text (the kit writes String; numbers cast as they read). */
const ID_TYPES: readonly string[] = ["String", "Categorical", "Null"];

/**
 * Throws an UnreadableSnapshot for a snapshot whose org_id is no text or number (a list, a struct:
 * written by another tool): the outlook casts it to text to join on, and Polars' cast of a list
 * failed the brief's section, account_outlook, the admin page and the notebook in its own words.
 */
function refuseIdsNotText(frame: pl.DataFrame, path: string): void {
  const ids = frame.getColumn("org_id");
  if (ID_TYPES.includes(ids.dtype.variant) || ids.isNumeric()) return;
  throw new UnreadableSnapshot(
    path,
    `column org_id holds values (${ids.dtype.variant}), not text; the kit writes each organization's id there as text`,
  );
}

/**
 * Throws an UnreadableSnapshot for a snapshot holding an organization on several rows (one written
 * by another tool: the kit's have one row per organization, as its exports): the outlook joins it
 * to each paying row, and a repeated row counted that organization, and its MRR, once per row.
 */
function refuseRepeatedOrganizations(frame: pl.DataFrame, path: string): void {
  // distinct hashes first (a repeat always repeats its hash): ~7x cheaper than distinct texts at a
  // million ids (0.14-0.2 s against 1.0-1.2 s, load ~20); only a repeat, or a collision, looks on
  const [{ distinct, ids }] = frame.lazy().select(
    pl.col("org_id").dropNulls().hash(1, 2, 3, 4).nUnique().alias("distinct"),
    pl.col("org_id").count().alias("ids"),
  ).collectSync().toRecords();
  if (Number(distinct) === Number(ids)) return;
  const [first] = frame.lazy().filter(pl.col("org_id").isNotNull())
    .groupBy("org_id", { maintainOrder: true }).agg(pl.len().alias("rows"))
    .filter(pl.col("rows").gt(1)).head(1).collectSync().toRecords();
  if (first === undefined) return; // (two ids of one hash)
  throw new UnreadableSnapshot(
    path,
    `holds organization ${quoteValue(String(first.org_id))} on ${
      formatCount(Number(first.rows))
    } rows, and a snapshot has one row per organization`,
  );
}

/**
 * The outlook of an export (accountOutlook) against the history folder's earlier snapshot, as the
 * brief works it out: for the surfaces that show it beside the brief (MCP account_outlook, the
 * admin page, the questions notebook). A snapshot that cannot be read leaves the trends unknown,
 * said in `warning` (the brief's run warns the same), rather than failing the answer.
 */
export async function outlookFromHistory(
  frame: pl.DataFrame,
  { dir, asOf, demo, windowDays, book, top }: {
    /** the history folder (historyDir) */
    dir: string;
    asOf: Date;
    demo: boolean;
    windowDays: number;
    book?: PriceBook;
    top?: number;
  },
): Promise<{ outlook: AccountOutlook; warning: string | null }> {
  const { earlier, warnings } = await readEarlierUsage(dir, { asOf, demo });
  const warning = warnings.length ? warnings.join("; ") : null;
  return { outlook: accountOutlook(frame, { earlier, book, windowDays, top }), warning };
}

/**
 * earlierUsage with a warning for each snapshot in its range that cannot be read (the next newest
 * is read), or null with a warning when the folder cannot be listed (the trends are then not
 * known, and said so): the export, or the answer, goes on. For the brief's run and
 * outlookFromHistory alike.
 */
export async function readEarlierUsage(
  dir: string,
  { asOf, demo }: { asOf: Date; demo: boolean },
): Promise<{ earlier: EarlierUsage | null; warnings: string[] }> {
  const warnings: string[] = [];
  try {
    const earlier = await earlierUsage(dir, {
      asOf,
      demo,
      leftOut: (error) =>
        warnings.push(`${WARNING_FOR}: history snapshot left out: ${error.message}`),
    });
    return { earlier, warnings };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    // (listSnapshots' errors name the folder: "history folder … cannot be listed (…): …")
    warnings.push(`${WARNING_FOR} not read: ${error.message}`);
    return { earlier: null, warnings };
  }
}
