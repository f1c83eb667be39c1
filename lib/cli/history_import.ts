/**
 * `deno task history import`: older CSV/XLSX exports (or snapshots of another history folder)
 * stored as snapshots, all or none (lib/cli/history.ts runs it).
 */
import { UserError } from "../core/config.ts";
import type { UnmappedCustomers } from "../revenue/types.ts";
import { basename, dirname, extname, join } from "node:path";
import {
  exportNameDateProblem,
  type ExportNameInfo,
  exportNameInfo,
  stampedFileName,
  STANDARD_WINDOW_DAYS,
} from "../formats/export_names.ts";
import { readExportFile } from "../formats/read_export.ts";
import { exportPart } from "../report/export_parts.ts";
import { asOfKey } from "../history/periods.ts";
import { keptOverNoRevenue, replacedSnapshot } from "../history/keep.ts";
import {
  type PreparedSnapshot,
  prepareSnapshot,
  type PriceBookId,
  recordedUnmapped,
} from "../history/snapshot.ts";
import { readSnapshotSidecar, type SnapshotMeta } from "../formats/snapshot_sidecar.ts";
import { damagedSidecarWarnings } from "../history/stored_snapshots.ts";
import { ensureHistoryDir, historyDirChosenBy } from "../history/history_dir.ts";
import { settleHistoryFolder } from "../history/settle.ts";
import { withPublishLock } from "../formats/publish_lock.ts";
import { snapshotFileName } from "../history/snapshot_names.ts";
import { listInWords } from "../core/words.ts";
import {
  type ExactAsOf,
  exportAsOfProblem,
  exportExactAsOf,
  exportFileFacts,
  namedExportWindowDays,
  withRowsFacts,
} from "../formats/export_demo.ts";
import {
  manifestFxRates,
  manifestPriceBook,
  manifestUnmapped,
} from "../formats/export_manifest_records.ts";

/** What an import needs of the command line: the history folder, how it was chosen, the log. */
export interface ImportContext {
  historyDir: string;
  /** the flag or setting that chose historyDir (its errors name it), else the default */
  historyDirNamed?: string;
  log: (line: string) => void;
  /** a warning line (a damaged sidecar); the log's when not given */
  warn?: (line: string) => void;
}

/**
 * Imports export files as snapshots, all or none: every name is checked first (its as-of: the
 * manifest's exact one where it is beside the file, else the name's date; not in the future, one
 * file per snapshot), then each file is read and written under a temporary name, and only when all
 * are written are they put in place (a stored snapshot with revenue kept over a file without, as
 * an export's is: keep.ts).
 */
export async function importFiles(
  files: string[],
  context: ImportContext,
  { replace, signal }: {
    replace: boolean;
    /**
     * the command's Ctrl-C or SIGTERM: before the snapshots are put in place (a wait for the
     * folder's lock too), none is
     */
    signal?: AbortSignal;
  },
): Promise<void> {
  if (files.length === 0) throw new UserError("pass one or more export files to import");
  const now = new Date();
  // per file, its exact as-of (exportExactAsOf)
  const asOfs = new Map<string, ExactAsOf>();
  for (const file of files) {
    if (!(await Deno.stat(file).catch(() => null))?.isFile) {
      throw new UserError(`${file} does not exist or is not a file; pass an export of this kit`);
    }
    const name = exportNameInfo(file);
    // the kit's other files are no export whatever their name says: no rename makes one
    const other = /^helicone_pricing_(compare|scenario|history)_/.exec(basename(file))?.[1];
    if (!name && other) {
      throw new UserError(
        `${file} is a ${other} file, not an export: import takes the exports the kit wrote (helicone_pricing_data_<YYYY-MM-DD>[_demo].csv or .xlsx)`,
      );
    }
    if (!name) {
      // a name of the right form with no such day: say so, not that the form is wrong
      const dateProblem = exportNameDateProblem(file);
      throw new UserError(
        dateProblem
          ? `${file}: the as-of date comes from the name, and ${dateProblem}; rename the file to the date it was exported`
          : `${file}: the as-of date comes from the name helicone_pricing_data_<YYYY-MM-DD>[_demo].csv; rename the file`,
      );
    }
    // an earlier kit named a 7-day export as a 30-day one: its manifest says which it is
    const windowDays = await namedExportWindowDays(file, name);
    if (windowDays !== STANDARD_WINDOW_DAYS) {
      const named = windowDays === name.windowDays
        ? ""
        : ` (its manifest says so; an earlier kit named it without _${windowDays}d)`;
      throw new UserError(
        `${file}: a ${windowDays}-day export${named}; history compares 30-day exports only (export without --days)`,
      );
    }
    if (name.suffix !== null) throw new UserError(partOfExportError(file, name));
    const exact = (await exportExactAsOf(file))!;
    // a damaged sidecar of a .parquet is read as missing: the as-of then is its name's
    if (exact.sidecarWarning) (context.warn ?? context.log)(exact.sidecarWarning);
    const problem = exportAsOfProblem(exact.asOf, now.getTime());
    if (problem !== null) {
      throw new UserError(`${file}: ${problem}; rename it to the date it was exported`);
    }
    asOfs.set(file, exact);
  }
  await ensureHistoryDir(context.historyDir, { named: context.historyDirNamed });
  const dir = context.historyDir;
  // what killed runs left is put back once, before any stored snapshot is looked at (keep.ts)
  await settleHistoryFolder(dir, {
    chosenBy: historyDirChosenBy(context.historyDirNamed),
    warn: context.warn ?? context.log,
    onLockWait: context.log,
    // a stop while another run holds the lock ends the wait: nothing stored yet
    ...(signal ? { signal } : {}),
  });
  // per file, in order: its snapshot and what it replaces, or why the stored one is kept
  const outcomes: {
    file: string;
    demo: boolean;
    snapshot?: PreparedSnapshot;
    replaced?: string | null;
    kept?: string;
    lacks?: string | null;
    demoLine?: string | null;
  }[] = [];
  // per snapshot name, the file that goes there (known once the rows say demo data or not)
  const bySnapshot = new Map<string, string>();
  try {
    for (const file of files) {
      signal?.throwIfAborted();
      // an earlier kit version's export too: the past as-of's revenue cannot be exported again
      // a stored snapshot's exact native amounts (mrr_recurring_minor) go with it
      const read = await readExportFile(file, {
        earlier: true,
        snapshotOnly: true,
        ...(signal ? { signal } : {}),
      });
      signal?.throwIfAborted(); // (~2 s at 100,000 organizations: seen before the snapshot's write)
      const lacks = read.lacks.length > 0 ? lacksLine(read.lacks) : null;
      // demo data whatever the name says (a renamed demo export stored as live history would
      // read as every customer churning or signing up beside the real months)
      const mark = withRowsFacts(await exportFileFacts(file), read.frame).demo;
      const { demo } = mark;
      const demoLine = demo && !read.name!.demo
        ? `stored as a demo snapshot, not a live one: ${mark.why}`
        : null;
      const { asOf } = asOfs.get(file)!;
      const snapshotName = snapshotFileName(asOf, demo);
      const same = bySnapshot.get(snapshotName);
      if (same) {
        const stamp = snapshotName.replace(/^helicone_pricing_data_|\.parquet$/g, "");
        throw new UserError(`${same} and ${file} are both dated ${stamp}; import one`);
      }
      bySnapshot.set(snapshotName, file);
      // the rules of an export's snapshot (keep.ts): without revenue, a stored one with revenue
      // stays, unless --replace
      const kept = replace
        ? null
        : await keptOverNoRevenue(dir, { asOf, demo, frame: read.frame, writer: "import" });
      if (kept) {
        outcomes.push({ file, demo, kept: kept.reason });
        continue;
      }
      outcomes.push({
        file,
        demo,
        lacks,
        demoLine,
        replaced: await replacedSnapshot(dir, { asOf, demo, frame: read.frame }),
        snapshot: await prepareSnapshot(read.frame, {
          dir,
          dirChosenBy: historyDirChosenBy(context.historyDirNamed),
          asOf,
          demo,
          origin: "import",
          sourceFile: file,
          // placed holding the folder's lock, taken once for them all (below)
          lockHeldOn: dir,
          recovered: true,
          // the book that priced its plan column, as its manifest (a snapshot's: its sidecar)
          // records it (none without one)
          ...await priceBookOf(file, asOf),
          // the rates that converted its revenue, likewise
          ...await fxRatesOf(file, asOf),
          // and the MRR of Stripe customers no organization maps to, when it records some (a
          // manifest without it may be older than their counting: not recorded, not 0)
          ...await unmappedOf(file, asOf),
          warnings: [
            `imported from ${file}`,
            ...(demoLine ? [demoLine] : []),
            ...(lacks ? [lacks] : []),
          ],
        }),
      });
    }
    signal?.throwIfAborted(); // (all are put in place, or none)
  } catch (error) {
    for (const { snapshot } of outcomes) await snapshot?.discard();
    throw error;
  }
  // all put in place under one hold of the folder's lock; a stop while another run holds it ends
  // the wait, and none is
  let placing = false;
  try {
    await withPublishLock(dir, async () => {
      signal?.throwIfAborted(); // (granted after the stop)
      placing = true;
      for (const { file, snapshot, replaced, kept, lacks, demoLine } of outcomes) {
        if (!snapshot) {
          context.log(`${file}: ${kept}`);
          continue;
        }
        await snapshot.commit();
        if (demoLine) context.log(`${file}: ${demoLine}`);
        if (lacks) context.log(`${file}: ${lacks}`);
        context.log(
          `imported ${file} as ${asOfKey(snapshot.asOf)} (${
            asOfs.get(file)!.from
          }) → ${snapshot.path}${replaced ? ` (${replaced})` : ""}`,
        );
      }
    }, {
      onWait: context.log,
      signal,
      chosenBy: historyDirChosenBy(context.historyDirNamed),
      action: "store a history snapshot",
    });
  } catch (error) {
    if (!placing) { for (const { snapshot } of outcomes) await snapshot?.discard(); }
    throw error;
  }
  // the stored snapshots read beside them (kept or replaced ones): a damaged sidecar left there
  for (const demo of new Set(outcomes.map((o) => o.demo))) {
    for (const line of await damagedSidecarWarnings(dir, demo)) (context.warn ?? context.log)(line);
  }
}

/** What an earlier kit version's export lacks, in one line (lib/frame/earlier_columns.ts). */
function lacksLine(lacks: readonly string[]): string {
  return `an export of an earlier kit version: it has no ${
    listInWords(lacks)
  } (added since), left empty in its snapshot`;
}

/**
 * Why a segment, the trimmed CSV or a file with another suffix is not imported, and which file
 * to import instead: a snapshot stands for the whole company at its month end, so a segment's 14
 * organizations would read as everyone else churning.
 */
function partOfExportError(file: string, name: ExportNameInfo): string {
  const whole = join(dirname(file), stampedFileName(name.stamp, { ext: "csv" }));
  const part = exportPart(name.suffix!);
  return part
    ? `${file} is ${part.name} (${part.holds}), not the whole company a snapshot stands for; import the whole export ${whole} (or its .xlsx)`
    : `${file}: "_${name.suffix}" after the date is not a name the kit gives a whole export; if it is the whole export, rename it ${
      basename(whole).replace(/\.csv$/, () => extname(file))
    }`;
}

/**
 * A stored snapshot's sidecar, when `file` is one (`.parquet`, copied from another history folder)
 * and its sidecar is of `asOf`: it records what converted and priced the snapshot, as an export's
 * manifest does; null otherwise (an export file, or a sidecar missing, damaged or of another as-of).
 */
async function sidecarOf(file: string, asOf: Date): Promise<SnapshotMeta | null> {
  if (extname(file) !== ".parquet") return null;
  const { meta } = await readSnapshotSidecar(file);
  return meta !== null && new Date(meta.as_of).getTime() === asOf.getTime() ? meta : null;
}

/** prepareSnapshot's fxRates of an imported file: its sidecar's or manifest's, when one says. */
async function fxRatesOf(file: string, asOf: Date): Promise<{ fxRates?: Record<string, number> }> {
  const rates = (await sidecarOf(file, asOf))?.fx_rates ?? await manifestFxRates(file, asOf);
  return rates ? { fxRates: rates } : {};
}

/** prepareSnapshot's priceBook of an imported file: its sidecar's or manifest's, when one says. */
async function priceBookOf(file: string, asOf: Date): Promise<{ priceBook?: PriceBookId }> {
  const book = (await sidecarOf(file, asOf))?.price_book ?? await manifestPriceBook(file, asOf);
  return book ? { priceBook: book } : {};
}

/**
 * prepareSnapshot's unmappedCustomers of an imported file: its sidecar's or manifest's (zeros:
 * none), if any.
 */
async function unmappedOf(
  file: string,
  asOf: Date,
): Promise<{ unmappedCustomers?: UnmappedCustomers }> {
  const unmapped = recordedUnmapped(await sidecarOf(file, asOf)) ??
    await manifestUnmapped(file, asOf);
  return unmapped ? { unmappedCustomers: unmapped } : {};
}
