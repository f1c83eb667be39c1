/**
 * History snapshots (lib/history: Parquet files in the history folder) as the MCP tools serve
 * them: the list describe_dataset shows, the `history` table query_sql selects from (every
 * snapshot's rows with its `as_of` key and `as_of_time` instant), and a snapshot picked by as-of date for
 * compare_exports. Only snapshots of the served kind (demo or live) are served, as the history
 * report keeps them apart. The table is read once per set of snapshot files.
 */
import pl from "nodejs-polars";
import { basename } from "node:path";
import { UserError } from "../core/config.ts";
import { asOfKey } from "../history/periods.ts";
import { earlierSnapshot, earlierSnapshotError } from "../formats/earlier_snapshot.ts";
import {
  historyDir,
  listSnapshots,
  readSnapshotFrame,
  readSnapshotMeta,
  readWholeSnapshot,
  type SnapshotInfo,
} from "../history/mod.ts";
import { minorPerUnit } from "../history/bridge_currency.ts";
import { currencyCode } from "../history/bridge_fx.ts";
import { futureSnapshotWarning } from "../history/points.ts";
import { SNAPSHOT_ONLY_COLUMNS } from "../frame/columns.ts";
import { fileStamp } from "../formats/files.ts";
import type { McpSettings } from "./settings.ts";
import type { PiecewiseTable } from "./sql_process.ts";

export const HISTORY_TABLE = "history";

export interface ServedSnapshot {
  /**
   * the as-of date, YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ for one not at 00:00 UTC, .mmm before the Z
   * when its milliseconds are not 0 (the `as_of` value in the history table: asOfKey)
   */
  as_of: string;
  file: string;
  /** organizations, from the sidecar (null without one) */
  rows: number | null;
  /** export, import or backfill, from the sidecar */
  origin: string | null;
}

export function historyFolder(settings: McpSettings): string {
  return historyDir(settings.env, settings.exportsDir);
}

/** The snapshots of the served kind, oldest first. */
export function snapshotFiles(settings: McpSettings, demo: boolean): Promise<SnapshotInfo[]> {
  return listSnapshots(historyFolder(settings), demo);
}

/** What a snapshot dated after now is left out of, and what still reads it, as the tools say. */
export const FUTURE_LEFT_OUT_OF =
  "mrr_history, though query_sql's table history and compare_exports read it";

/**
 * The snapshots as describe_dataset lists them, and a warning per damaged sidecar (read as
 * missing: rows and origin null), so one bad file never fails the tool, and per snapshot dated
 * after now (futureSnapshotWarning).
 */
export async function servedSnapshots(
  settings: McpSettings,
  demo: boolean,
): Promise<{ snapshots: ServedSnapshot[]; warnings: string[] }> {
  const files = await snapshotFiles(settings, demo);
  const snapshots = await Promise.all(files.map(async (info) => {
    const meta = await readSnapshotMeta(info.path);
    return {
      as_of: asOfKey(info.asOf),
      file: basename(info.path),
      rows: meta?.row_count ?? null,
      origin: meta?.origin ?? null,
    };
  }));
  // (one read where a killed run left it, too: not put back until a run can write the folder)
  const warnings = files.flatMap((info) => [
    info.sidecarWarning,
    info.asideWarning,
    // listed, in table history and compared, but not in the bridge: said, as mrr_history says it
    futureSnapshotWarning(info, { now: new Date(), leftOutOf: FUTURE_LEFT_OUT_OF }),
  ]);
  return { snapshots, warnings: warnings.filter((line) => line !== undefined && line !== null) };
}

let cached: { key: string; table: PiecewiseTable } | null = null;

/**
 * The history table's column of each snapshot's as-of instant (UTC, to the millisecond), next to
 * `as_of`: the key sorts as text out of time order within a second ('…00.250Z' < '…00Z'), so the
 * tool's description orders by this one.
 */
export const AS_OF_TIME = "as_of_time";

/** The history table's column of each organization's recurring MRR in its billing currency. */
const NATIVE_MINOR = "mrr_recurring_minor";
const NATIVE_UNITS = "mrr_recurring_native";
const NATIVE_STORED = "mrr_recurring_minor_stored";

/** A column the history table has besides the export's, as describe_dataset defines it. */
export interface HistoryColumn {
  name: string;
  type: string;
  unit: string;
  definition: string;
}

/**
 * The history table's columns after the export's: the snapshot-only ones of the column table
 * (lib/frame/extra_columns.ts: mrr_recurring_minor; pricing://dictionary has its whole
 * description), the same amount in the currency's units, and whether the snapshot stores it at
 * all (an older one does not: said, never guessed). Briefly: describe_dataset stays well under its
 * cap.
 */
export const HISTORY_COLUMNS: readonly HistoryColumn[] = [
  ...SNAPSHOT_ONLY_COLUMNS.map((c) => ({
    name: c.name,
    type: c.type,
    unit: c.unit,
    definition: c.formula,
  })),
  {
    name: NATIVE_UNITS,
    type: "number",
    unit: "currency units per month",
    definition:
      `${NATIVE_MINOR} ÷ the currency's minor units per unit (100; JPY 1, KWD 1000): 90 = €90.00; sum it per currency, never across`,
  },
  {
    name: NATIVE_STORED,
    type: "boolean",
    unit: "flag",
    definition:
      `false: the snapshot holds no native amounts (stored before ${NATIVE_MINOR}, or imported from an export file): its two are empty, not 0; use mrr_recurring there`,
  },
];

/**
 * The native-amount columns of one snapshot's frame (readWholeSnapshot): HISTORY_COLUMNS in their
 * order, empty with NATIVE_STORED false where the file has no value of them.
 */
function nativeColumns(frame: pl.DataFrame): pl.Expr[] {
  const present = frame.columns.includes(NATIVE_MINOR);
  const minor = present ? pl.col(NATIVE_MINOR).cast(pl.Int64) : pl.lit(null).cast(pl.Int64);
  const stored = present &&
    (frame.getColumn(NATIVE_MINOR).nullCount() < frame.height ||
      frame.filter(pl.col("mrr_recurring").gt(0)).height === 0);
  return [
    minor.alias(NATIVE_MINOR),
    // the code as the bridge reads it (bridge_fx.ts): "jpy" is JPY, in whole yen
    minor.cast(pl.Float64).div(minorPerUnit(currencyCode(pl.col("currency")))).alias(NATIVE_UNITS),
    pl.lit(stored).alias(NATIVE_STORED),
  ];
}

/**
 * Every snapshot's rows, `as_of` (asOfKey: YYYY-MM-DD text, YYYY-MM-DDTHH:MM:SSZ for a snapshot not
 * at 00:00 UTC, .mmm before the Z when its milliseconds are not 0: compare with '2026-11-01') and
 * `as_of_time` (AS_OF_TIME) first, then the export's columns and HISTORY_COLUMNS. With no
 * snapshot, an empty table of the same columns (`shape`, an export frame, gives them).
 */
export async function historyTable(
  settings: McpSettings,
  options: { demo: boolean; shape: pl.DataFrame },
): Promise<pl.DataFrame | PiecewiseTable> {
  const files = await snapshotFiles(settings, options.demo);
  // A snapshot rewritten for the same as-of keeps its name: its time, size and identity (another
  // file of the same size and time renamed into its place) date it.
  const stamps = await Promise.all(files.map(async (f) => fileStamp(await Deno.stat(f.path))));
  const key = files.map((f, i) => `${f.path}|${stamps[i]}`).join("\n");
  if (cached?.key === key) return cached.table;
  const withAsOf = (frame: pl.DataFrame, asOf: Date | null) =>
    frame.select(
      pl.lit(asOf ? asOfKey(asOf) : "").cast(pl.Utf8).alias("as_of"),
      pl.lit(asOf?.getTime() ?? null).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")).alias(
        AS_OF_TIME,
      ),
      ...frame.columns.filter((c) => c !== NATIVE_MINOR).map((c) => pl.col(c)),
      ...nativeColumns(frame),
    );
  if (files.length === 0) return withAsOf(options.shape.head(0), null);
  // a snapshot at a time (query_sql's process writes each and drops it before the next): all of
  // them at once held twelve 1M-organization month ends in the server, ~6.5 GB kept, 11.6 GB peak
  const table = {
    *pieces() {
      for (const f of files) yield withAsOf(readWholeSnapshot(f.path), f.asOf);
    },
  };
  cached = { key, table };
  return table;
}

const AS_OF = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{3})?Z)?$/;

/**
 * Whether a compare_exports argument names a snapshot (an as-of date, or date and time) rather
 * than a file.
 */
export function isSnapshotDate(name: string): boolean {
  return AS_OF.test(name);
}

/**
 * The `as_of` a snapshot argument names, as the history table writes it (asOfKey): a midnight UTC
 * instant (2026-10-01T00:00:00Z) is its date's snapshot, listed as 2026-10-01, and `.000` before
 * the Z is no part of a key.
 */
export function snapshotAsOf(name: string): string {
  return name.replace(/\.000Z$/, "Z").replace(/T00:00:00Z$/, "");
}

/** The as-of dates of the served kind's snapshots, oldest first (for error messages). */
export async function snapshotDates(settings: McpSettings, demo: boolean): Promise<string[]> {
  return (await snapshotFiles(settings, demo)).map((f) => asOfKey(f.asOf));
}

/**
 * The as-ofs snapshotDates lists (`all`) and those up to now (`toNow`): a snapshot dated after now
 * (futureSnapshotWarning) is no month to suggest comparing.
 */
export async function snapshotDatesToNow(
  settings: McpSettings,
  demo: boolean,
): Promise<{ all: string[]; toNow: string[] }> {
  const files = await snapshotFiles(settings, demo);
  const now = Date.now();
  return {
    all: files.map((f) => asOfKey(f.asOf)),
    toNow: files.filter((f) => f.asOf.getTime() <= now).map((f) => asOfKey(f.asOf)),
  };
}

/** The snapshot file of one as-of (its `as_of`); a clear error lists the ones there are. */
export async function snapshotFile(
  settings: McpSettings,
  { asOf, demo }: { asOf: string; demo: boolean },
): Promise<SnapshotInfo> {
  const files = await snapshotFiles(settings, demo);
  const found = files.find((f) => asOfKey(f.asOf) === asOf);
  if (found) return found;
  const dates = files.map((f) => asOfKey(f.asOf));
  throw new UserError(
    `no ${demo ? "demo " : ""}history snapshot as of ${asOf} in ${historyFolder(settings)}; ` +
      `snapshots: ${dates.join(", ") || "none"}`,
  );
}

/**
 * The snapshot of one as-of (its `as_of`), read as an export frame; a clear error lists them. An
 * earlier kit version's snapshot is refused in one line, as compare refuses it (its empty plan
 * would read as every organization changing plan); one whose missing columns every reader takes as
 * they are is read, `lacks` naming those of `columns` it does not have (empty in the frame).
 */
export async function snapshotByDate(
  settings: McpSettings,
  options: { asOf: string; demo: boolean; columns?: readonly string[] },
): Promise<{ label: string; frame: pl.DataFrame; lacks: readonly string[] }> {
  const found = await snapshotFile(settings, options);
  let lacks: readonly string[] = [];
  const frame = readSnapshotFrame(found.path, {
    columns: options.columns,
    lacks: (names) => lacks = names,
  });
  const earlier = await earlierSnapshot(found.path);
  if (earlier) throw new UserError(earlierSnapshotError(found.path, earlier));
  return { label: `snapshot ${options.asOf}`, frame, lacks };
}
