/**
 * compare_exports' two sides (tools_compare.ts): which files old and new are, as named or by
 * default, checked before anything is read, and how each is read. An as-of date names a history
 * snapshot, anything else an export file.
 */
import type pl from "nodejs-polars";
import { UserError } from "../core/config.ts";
import { QUOTED_NAME_CHARS, quoteValue } from "../core/quote.ts";
import {
  reversedOrderError,
  SUMMARY_COLUMNS,
  type SummarySide,
  summarySide,
} from "../analysis/compare.ts";
import { FX_BILLING_COLUMNS, type FxFile } from "../analysis/compare_fx.ts";
import { readExportFile } from "../formats/read_export.ts";
import { type DemoMark, demoMark, rowsSayDemo } from "../formats/export_demo.ts";
import { isoDate } from "../formats/files.ts";
import { STANDARD_WINDOW_DAYS } from "../formats/export_names.ts";
import type { Dataset, DatasetStoreHooks } from "./dataset.ts";
import { type ExportCandidate, exportNamed, refuseLiveOnDemoOnly } from "./export_folder.ts";
import { futureSnapshotWarning } from "../history/points.ts";
import type { SnapshotInfo } from "../history/mod.ts";
import {
  FUTURE_LEFT_OUT_OF,
  isSnapshotDate,
  snapshotAsOf,
  snapshotByDate,
  snapshotDates,
  snapshotDatesToNow,
  snapshotFile,
} from "./history.ts";
import type { McpSettings } from "./settings.ts";
import { UnreadableExport } from "./export_reading.ts";

/** One side of a comparison; snapshots are always of 30 days, an export's window is in its name. */
export interface CompareSide {
  label: string;
  asOfDate: string;
  windowDays: number;
  /** a snapshot dated after now: its warning, as describe_dataset's (else null) */
  futureWarning: string | null;
  /** demo data or not (a snapshot is of the served dataset's kind) */
  mark: () => Promise<DemoMark>;
  /**
   * its summary side, whether its rows say demo data (revenue_source demo), and the columns
   * read it did not have (written before them: read as empty)
   */
  read: () => Promise<SummarySide & { rowsDemo: boolean; lacks: readonly string[] }>;
  /** its file, for the FX rates it was converted at (compare_fx.ts) */
  fxFile: () => Promise<FxFile>;
  /** its currency and mrr_recurring, for the rates' part of the MRR change */
  billing: () => Promise<pl.DataFrame>;
}

/** Where the sides are found: the server's settings, the dataset it holds, the exports listed. */
export interface CompareFolder {
  settings: McpSettings;
  dataset: Dataset;
  /** the exports folder's exports, newest first (listExports) */
  exports: ExportCandidate[];
  /** tests: called once a side's export file is read (DatasetStoreHooks) */
  afterFileRead?: DatasetStoreHooks["afterFileRead"];
}

/**
 * old and new as the tool's arguments name them, or by default: new = the newest export, old =
 * the export before new of the same kind (demo or live) and window (a 7-day export's usage
 * against a 30-day one's is no change); one export per stamp, so never a file against its own
 * CSV or XLSX twin. Refused before either is read: the same file twice, old dated after new.
 */
export async function chosenSides(
  folder: CompareFolder,
  args: { old?: string; new?: string },
): Promise<{ older: CompareSide; newer: CompareSide }> {
  if (args.new !== undefined && isSnapshotDate(args.new) && args.old === undefined) {
    throw new UserError(
      "new is a snapshot date: name old too (an export file name or a snapshot as-of date)",
    );
  }
  const { exports } = folder;
  const unreadable = unreadableExports(folder.dataset);
  const newest = exports[0];
  if (args.new === undefined && !newest) throw await needTwoError(folder);
  if (args.new === undefined && unreadable.has(newest.name)) {
    // the newest's change cannot be told: another pair compared instead would pass for it
    throw new UnreadableExport(
      `new defaults to the newest export, which cannot be read: ${
        unreadable.get(newest.name)
      }; or name old and new to compare two others (exports: ${exportNames(folder).join(", ")})`,
    );
  }
  const newer = args.new === undefined
    ? exportSide(folder, newest!)
    : await namedSide(folder, { name: args.new, which: "new" });
  const older = args.old !== undefined
    ? await namedSide(folder, { name: args.old, which: "old" })
    : await defaultOlder(folder, args.new === undefined ? newest : exportNamed(exports, args.new));
  if (older.label === newer.label) {
    throw new UserError("old and new are the same; pick two exports or snapshots");
  }
  const reversed = reversedOrderError(older, newer);
  if (reversed) throw new UserError(reversed);
  return { older, newer };
}

/** The export before `newExport` of its kind and window, the default old. */
async function defaultOlder(
  folder: CompareFolder,
  newExport: ExportCandidate | undefined,
): Promise<CompareSide> {
  const { exports } = folder;
  const at = newExport ? exports.indexOf(newExport) : -1;
  const before = exports.slice(at + 1).find((e) =>
    e.demo === newExport!.demo && e.windowDays === newExport!.windowDays
  );
  if (before) return exportSide(folder, before);
  if (exports.length < 2) throw await needTwoError(folder);
  // two or more exports, none earlier of new's kind and window: that is the reason
  const names = exportNames(folder);
  const kind = newExport!.demo ? "demo" : "live";
  throw new UserError(
    `no export before ${newExport!.name} of the same kind (${kind}) and window (${
      newExport!.windowDays
    } days) in ${folder.settings.exportsDir} to compare it with (or name old and new); found ${names.length}: ${
      names.join(", ")
    }`,
  );
}

/**
 * Fewer than two exports to default to. With history snapshots there, the two newest are named:
 * "how did MRR move last month?" is answered by them when the folder holds one export.
 */
async function needTwoError(folder: CompareFolder): Promise<UserError> {
  const { settings, dataset } = folder;
  const names = exportNames(folder);
  // (a hint only: a history folder that cannot be listed leaves the compare's own error)
  const dates = await snapshotDatesToNow(settings, dataset.demo)
    .catch(() => ({ all: [] as string[], toNow: [] as string[] }));
  return new UserError(
    `comparing needs two exports in ${settings.exportsDir} (or name old and new); found ${names.length}: ${
      names.join(", ") || "none"
    }${
      dates.toNow.length < 2
        ? ""
        : `; or compare two history snapshots by as-of date, e.g. old "${
          dates.toNow.at(-2)
        }", new "${
          dates.toNow.at(-1)
        }" (${dates.all.length} snapshots; describe_dataset lists them)`
    }`,
  );
}

/** The side `name` names for `which` (old or new): a snapshot by as-of date, else an export. */
async function namedSide(
  folder: CompareFolder,
  { name, which }: { name: string; which: "old" | "new" },
): Promise<CompareSide> {
  const { settings, dataset } = folder;
  if (isSnapshotDate(name)) {
    // there, before old and new are put in order: "swap them" for a date with no snapshot
    // sent the caller round in a circle
    const asOf = snapshotAsOf(name);
    const info = await snapshotFile(settings, { asOf, demo: dataset.demo });
    return snapshotSide(folder, { asOf, info });
  }
  const found = exportNamed(folder.exports, name);
  if (!found) {
    // (a hint only: a history folder that cannot be listed leaves the compare's own error)
    const dates = await snapshotDates(settings, dataset.demo).catch(() => [] as string[]);
    throw new UserError(
      `no export named ${
        quoteValue(name, { quote: JSON.stringify, maxChars: QUOTED_NAME_CHARS })
      } for ${which}` +
        ` (an export file name, or a snapshot as-of date YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS.mmmZ); ` +
        `exports: ${exportNames(folder).join(", ") || "none"}; snapshots: ${
          dates.join(", ") || "none"
        }`,
    );
  }
  return exportSide(folder, found);
}

/** The folder's exports by name (one file name each), as errors and the answer list them. */
export function exportNames({ exports }: Pick<CompareFolder, "exports">): string[] {
  return exports.map((e) => e.name);
}

/** The exports the store found unreadable (Dataset.notNewest), by name, with the problem. */
function unreadableExports(dataset: Dataset): Map<string, string> {
  return new Map((dataset.notNewest?.unreadable ?? []).map((u) => [u.name, u.problem]));
}

/**
 * A history snapshot's side, read for the columns a summary reads only. Its totals are taken as
 * it is read and only its slices' four columns kept (summarySide).
 */
function snapshotSide(
  { settings, dataset }: CompareFolder,
  { asOf, info }: { asOf: string; info: SnapshotInfo },
): CompareSide {
  const snapshotRead = (names: readonly string[]) =>
    snapshotByDate(settings, { asOf, demo: dataset.demo, columns: names });
  const snapshotFrame = async (names: readonly string[]) => (await snapshotRead(names)).frame;
  return {
    label: `snapshot ${asOf}`,
    asOfDate: asOf,
    windowDays: STANDARD_WINDOW_DAYS,
    // a snapshot dated after now (a clock set ahead, a file renamed) is compared, and said
    futureWarning: futureSnapshotWarning(info, { now: new Date(), leftOutOf: FUTURE_LEFT_OUT_OF }),
    mark: () => Promise.resolve({ demo: dataset.demo, why: "a demo history snapshot" }),
    read: async () => {
      const { frame, lacks } = await snapshotRead(SUMMARY_COLUMNS);
      return {
        ...summarySide(frame, { reread: (names) => snapshotFrame(["org_id", ...names]) }),
        rowsDemo: false, // the snapshot's kind is the dataset's: mark says it
        lacks,
      };
    },
    fxFile: async () => ({
      path: (await snapshotFile(settings, { asOf, demo: dataset.demo })).path,
      asOf: null, // a snapshot's rates are in its sidecar
    }),
    billing: () => snapshotFrame(FX_BILLING_COLUMNS),
  };
}

/**
 * Whether `found` is the file the dataset held here was read from: the same path, size, file time
 * and file (ExportCandidate.fileId: a file published again since, under the same name, is read
 * from disk, even of the same size and time).
 */
export function isHeldExport(dataset: Dataset, found: ExportCandidate): boolean {
  const { source } = dataset;
  return found.path === source.path && found.size === source.size &&
    found.mtimeMs === source.mtimeMs && found.fileId === source.fileId;
}

/**
 * An export file's side, read for the columns a summary reads only, and not at all when it is
 * the dataset held here; an export the store found unreadable is refused as it said it.
 */
function exportSide(folder: CompareFolder, found: ExportCandidate): CompareSide {
  const problem = unreadableExports(folder.dataset).get(found.name);
  if (problem !== undefined) throw new UnreadableExport(problem);
  const { settings, dataset } = folder;
  // (the held export is in memory whole: nothing to read)
  const held = isHeldExport(dataset, found);
  const fromDisk = async (names: readonly string[]) => {
    const file = await readExportFile(found.path, { columns: [...names] });
    await folder.afterFileRead?.(found.path);
    return file;
  };
  return {
    label: found.name,
    asOfDate: isoDate(found.asOf),
    windowDays: found.windowDays,
    futureWarning: null,
    mark: () => demoMark(found.path),
    read: async () => {
      const file = async (names: readonly string[]) =>
        held ? { frame: dataset.frame, lacks: dataset.lacks ?? [] } : await fromDisk(names);
      const { frame, lacks } = await file([...SUMMARY_COLUMNS, "revenue_source"]);
      const rowsDemo = rowsSayDemo(frame);
      await refuseLiveOnDemoOnly(found, { demoOnly: settings.demoOnly, rowsDemo });
      // a file read again only where a value is unknown (the totals' change like for like)
      const reread = async (names: string[]) => (await file(["org_id", ...names])).frame;
      return { ...summarySide(frame, { reread }), rowsDemo, lacks };
    },
    fxFile: () => Promise.resolve({ path: found.path, asOf: found.asOf }),
    billing: async () =>
      held
        ? dataset.frame.select(
          ...FX_BILLING_COLUMNS.filter((name) => dataset.frame.columns.includes(name)),
        )
        : (await fromDisk(FX_BILLING_COLUMNS)).frame,
  };
}
