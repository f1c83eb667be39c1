/**
 * `deno task history report` (and a backfill's report after it): which snapshots it reads, the
 * folder's warnings, the report's files, the bridge's reconciliation.
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import { UserError } from "../core/config.ts";
import { asOfKey } from "../history/periods.ts";
import { zeroMrrSentences } from "../history/zero_mrr.ts";
import { fxUnknownSentence } from "../history/bridge_fx.ts";
import { loadHistoryReport, loadMonthlyHistoryPoints } from "../history/report.ts";
import { futureSnapshotWarnings, passedOverSnapshots } from "../history/points.ts";
import { writeHistoryReport } from "../history/report_files.ts";
import { damagedSidecarWarnings, listSnapshots } from "../history/stored_snapshots.ts";
import { readAgainIfReplaced } from "../history/snapshot_scan.ts";
import { historyFolderExposure } from "../history/history_dir.ts";

/** What a history command has of its command line: the folders, the log, the stop. */
export interface HistoryCliContext {
  historyDir: string;
  /** the flag or setting that chose historyDir (its errors name it), else the default */
  historyDirNamed?: string;
  outDir: string;
  /** how outDir was chosen (--out-dir passed or not), for the fix a failed write names */
  outDirChosenBy: ChosenBy;
  quiet: boolean;
  log: (line: string) => void;
  /** a warning (`warning: …` on stderr; nothing with --quiet) */
  warn: (line: string) => void;
  /** the command's Ctrl-C or SIGTERM: the work stops at its next step, nothing half published */
  signal?: AbortSignal;
}

/**
 * Which snapshots a report reads. --demo/--live choose; otherwise the live ones (reading a
 * shared folder needs no database), or the demo ones when the folder holds no live snapshot.
 * When both kinds are there, `note` says which was taken and how to pick the other.
 */
export async function reportKind(
  dir: string,
  chosen: boolean | undefined,
): Promise<{ demo: boolean; note: string | null }> {
  if (chosen !== undefined) return { demo: chosen, note: null };
  const live = (await listSnapshots(dir, false)).length;
  const demo = (await listSnapshots(dir, true)).length;
  if (live === 0 && demo > 0) return { demo: true, note: null };
  return {
    demo: false,
    note: live > 0 && demo > 0
      ? `${dir} holds ${live} live and ${demo} demo snapshot(s): reporting the live ones (pass --demo for the demo ones)`
      : null,
  };
}

export async function writeHistoryReportFiles(
  context: HistoryCliContext,
  { demo, charts, notes = [], kindNote = null, afterBackfill = false }: {
    demo: boolean;
    charts: boolean;
    notes?: string[];
    /** which kind reportKind took, when the folder holds both: said once the report can run */
    kindNote?: string | null;
    /**
     * the backfill's snapshots are its product: with one month in the folder the report waits
     * for a second, said in a line, exit 0 (`--months 1` into an empty folder is no failure)
     */
    afterBackfill?: boolean;
  },
): Promise<number> {
  if (!(await Deno.stat(context.historyDir).then((s) => s.isDirectory, () => false))) {
    // (said as "holds 0 snapshot month(s)" before: a mistyped folder read as an empty one)
    throw new UserError(
      `the history folder ${context.historyDir}${
        context.historyDirNamed ? ` (${context.historyDirNamed})` : ""
      } does not exist or is no folder; name the folder the exports' snapshots are in, or export at two as-of dates or run deno task history backfill`,
    );
  }
  // a damaged sidecar is read as missing (as-of from the name, origin unknown): said once
  for (const line of await damagedSidecarWarnings(context.historyDir, demo)) context.warn(line);
  const exposure = await historyFolderExposure(context.historyDir);
  if (exposure) context.warn(exposure);
  // a snapshot dated after now is left out, named (a row up to a month to come is no history)
  const now = new Date();
  for (const line of await futureSnapshotWarnings(context.historyDir, { demo, now })) {
    context.warn(line);
  }
  let points = await loadMonthlyHistoryPoints(context.historyDir, { demo, until: now });
  if (points.length === 1 && afterBackfill) {
    context.log(
      `no history report yet: ${context.historyDir} holds 1 ${
        demo ? "demo" : "live"
      } snapshot month (as-of ${
        asOfKey(points[0].asOf)
      }, kept) and a report needs two; backfill more months (--months 2) or export at the next month end, then run deno task history report`,
    );
    return 0;
  }
  if (points.length < 2) { // (buildHistoryReport also refuses fewer than two with revenue)
    const other = (await listSnapshots(context.historyDir, !demo)).length;
    throw new UserError(
      `${context.historyDir} holds ${points.length} ${
        demo ? "demo" : "live"
      } snapshot month(s) and a report needs two; ${
        other >= 2
          ? `pass ${demo ? "--live" : "--demo"} for its ${other} ${
            demo ? "live" : "demo"
          } snapshot(s)`
          : "export at two as-of dates or run deno task history backfill"
      }`,
    );
  }
  if (kindNote) context.log(kindNote);
  // a snapshot another run (an export, a backfill, an import) wrote again while it was read: the
  // folder is listed and read again
  const built = await readAgainIfReplaced(async (again) => {
    if (again) points = await loadMonthlyHistoryPoints(context.historyDir, { demo, until: now });
    return await loadHistoryReport(points, demo);
  });
  context.signal?.throwIfAborted();
  if (built.months.length === 0) {
    // every snapshot is of a time before the first organization: a bridge of nothing
    context.log(
      `${context.historyDir}: its ${points.length} ${demo ? "demo" : "live"} snapshot month(s), ${
        asOfKey(points[0].asOf)
      } to ${
        asOfKey(points.at(-1)!.asOf)
      }, hold no organizations: no history report written (nothing to bridge)`,
    );
    return 0;
  }
  // revenue read but $0 everywhere after a month with some, and FX drift that reads as movements:
  // said where the run is watched too, not only in the report
  for (const line of zeroMrrSentences(built.zeroMrr)) context.warn(line);
  for (const line of fxUnknownSentence(built.fxUnknown)) context.warn(line);
  // a month's earlier snapshots (a daily export's) are not read: named in the report
  const passedOver = await passedOverSnapshots(context.historyDir, {
    demo,
    read: points,
    until: now,
  });
  const files = await writeHistoryReport(built, {
    outDir: context.outDir,
    chosenBy: context.outDirChosenBy,
    charts,
    notes,
    passedOver,
    signal: context.signal,
  });
  context.log(
    `history ${built.months[0]} to ${built.months.at(-1)} (${built.months.length} snapshots):`,
  );
  for (
    const path of [
      files.csvPath,
      files.changesPath,
      files.retentionPath,
      files.cohortsPath,
      ...(files.currenciesPath ? [files.currenciesPath] : []),
      files.markdownPath,
      ...files.chartPaths,
    ]
  ) {
    context.log(`  ${path}`);
  }
  if (built.failures.length > 0) {
    const f = built.failures[0];
    console.error(
      `error: the bridge does not reconcile in ${built.failures.length} place(s), first ${f.month}${
        f.plan === null ? "" : ` plan ${f.plan}`
      }: ${f.problem}`,
    );
    return 1;
  }
  return 0;
}
