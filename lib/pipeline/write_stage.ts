/**
 * The export's write stage: history and this export's snapshot, then the CSV/XLSX, segment files
 * and the brief, into the staging folder (lib/export.ts publishes it with the charts and the
 * manifest).
 */
import { outDirChosenBy } from "../core/export_options.ts";
import { join } from "node:path";
import type { Env } from "../core/config.ts";
import type { ExportOptions, PricingData } from "../core/types.ts";
import type { StageTimer } from "../core/stage_timer.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { untilAborted } from "../core/abort.ts";
import { type FileDigest } from "../formats/files.ts";
import { exportFileName, exportStamp, stampOptions } from "../formats/export_names.ts";
import { writeExportFiles, xlsxCutWarning } from "../formats/export_files.ts";
import { digestOffThread } from "../formats/digest_worker.ts";
import { writeExportBrief, type WrittenBrief } from "../report/brief_file.ts";
import { exportTrimmedPlan } from "../report/trimmed_file.ts";
import {
  segmentFrames,
  segmentSheets,
  segmentThresholdsFromEnv,
  writeSegmentFiles,
} from "../report/segments.ts";
import { exportHistoryDir } from "../history/history_dir.ts";
import { keepDailyDays } from "../history/superseded.ts";
import { exportHistoryStage, type ExportSnapshot } from "../history/export_stage.ts";
import { readEarlierUsage } from "../history/earlier_usage.ts";
import type { EarlierUsage } from "../analysis/outlook.ts";
import {
  NO_CHARTS_NOTE,
  type SummaryChart,
  summaryChartNames,
  summarySheetInput,
  summarySheets,
} from "../economics/xlsx_summary.ts";

/**
 * Organizations above which an export is large: the writers wait for the chart worker's drawing
 * (their peaks would add up) and its files are hashed in a worker (hundreds of MB); below, both
 * cost more than they save (see writeStage).
 */
const LARGE_EXPORT_ABOVE = 250_000;

/** history, snapshot and write: every file but the charts and the manifest, into `staging`. */
export async function writeStage(
  data: PricingData,
  { options, env, staging, segments, summaryPngs, chartsDrawn, chartsDone, timed, folderNow }: {
    options: ExportOptions;
    env: Env;
    staging: string;
    /** where a path in the output folder is now (moved with it meanwhile: folder_watch.ts) */
    folderNow?: (path: string) => Promise<string>;
    segments?: ReturnType<typeof segmentFrames>;
    /** the summary sheet's PNGs, from the chart worker */
    summaryPngs?: Promise<SummaryChart[]>;
    /** settles once the chart worker has drawn (see ChartWorker.drawn) */
    chartsDrawn?: Promise<void>;
    /** settles once the chart worker is done (the second core is free) */
    chartsDone?: Promise<void>;
    timed: StageTimer;
  },
): Promise<{
  staged: string[];
  brief: WrittenBrief;
  snapshot?: ExportSnapshot;
  /** the export files' digests, hashed in a worker (large exports) */
  digests?: Promise<Map<string, FileDigest>>;
}> {
  const stamp = exportStamp(data);
  const chosenBy = outDirChosenBy(options);
  const staged: string[] = [];
  let digests: Promise<Map<string, FileDigest>> | undefined;
  // history and this export's snapshot (lib/history/export_stage.ts)
  const historyFolder = exportHistoryDir(options, env);
  const { history, snapshot } = options.history === false
    ? { history: null, snapshot: undefined }
    : await exportHistoryStage(data, {
      folder: historyFolder.dir,
      folderChosenBy: historyFolder.chosenBy,
      timed,
      now: options.ranAt,
      workbook: options.formats.includes("xlsx"),
      keepDailyDays: keepDailyDays(env),
      // placed under the output folder's publish lock, and the history folder's (unless the same)
      lockHeldOn: options.outDir,
      ...(folderNow ? { folderNow } : {}),
      ...(options.quiet ? { onLockWait: () => {} } : {}),
      // Ctrl-C while another run holds the history folder's lock
      ...(options.signal ? { signal: options.signal } : {}),
    });

  // the brief's outlook trends: a snapshot's usage a window or more before the as-of
  const earlier = options.history === false
    ? null
    : await earlierTrendUsage(historyFolder.dir, data);

  // write: the export, segments, then the brief (it quotes the files' sizes). Above 250k
  // organizations it starts once the charts are drawn: the worker's chart columns and aggregates
  // (~100–200 MB at a million) and the writers' slices would add up. History and snapshot take
  // about as long as the drawing, so the wait is short; the worker's rasterising overlaps the
  // write. Below, both are small and the write starts at once (the charts are the long pole).
  // A stop (Ctrl-C, SIGTERM) ends the waits on the chart worker at once, and the files at their
  // next slice; the caller ends the worker and removes the staging folder.
  // (inside the try: a stop there discards the snapshot too)
  const { signal } = options;
  try {
    if (data.frame.height > LARGE_EXPORT_ABOVE && chartsDrawn) {
      await untilAborted(chartsDrawn, signal);
    }
    // (awaited after the data sheet; a stop before then is the slices' to throw)
    const pngs = summaryPngs && untilAborted(summaryPngs, signal);
    pngs?.catch(() => {});
    const brief = await timed("write", async () => {
      // the brief's trimmed CSV, from the CSV's own pass, unless it could not be uploaded either
      const csv = options.formats.includes("csv");
      const trimmed = exportTrimmedPlan(data, { dir: staging, env, csv });
      const leadSheets = () =>
        summarySheets(summarySheetInput(data.frame, {
          ...data.economics,
          asOf: data.asOf,
          demo: data.demo,
          warnings: data.warnings,
          fxRates: data.revenue.fxRates,
          ...(data.revenue.unmappedCustomers
            ? { unmappedCustomers: data.revenue.unmappedCustomers }
            : {}),
          // the summary sheet's PNGs, awaited after the data sheet (the worker draws them)
          charts: pngs ? { names: summaryChartNames(data.frame), pngs } : undefined,
          ...(options.charts ? {} : { chartsNotDrawn: NO_CHARTS_NOTE }),
        }));
      const files = await writeExportFiles({
        frame: data.frame,
        formats: options.formats,
        pathOf: (ext) => join(staging, exportFileName({ ...stampOptions(data), ext })),
        chosenBy,
        xlsx: {
          sheets: [
            ...(segments ? segmentSheets(segments) : []),
            ...(history ? [history.sheet, history.retentionSheet, history.cohortSheet] : []),
            ...(history?.currencySheet ? [history.currencySheet] : []),
          ],
          // made for a workbook only: its KPIs and per-plan rows are the brief's work again
          leadSheets: options.formats.includes("xlsx") ? leadSheets() : undefined,
          documentDate: data.asOf,
        },
        subset: trimmed.subset,
        // a large CSV's rows are formatted on the second core too, once the charts leave it
        secondCoreFree: chartsDone,
        // synced to disk beside the brief, not before it (the staging folder is published whole)
        csvSyncLater: true,
        ...(signal ? { signal } : {}),
      });
      const exportPaths = files.paths;
      staged.push(...exportPaths);
      if (files.xlsxCutCells > 0) data.warnings.push(xlsxCutWarning(files.xlsxCutCells));
      // a large export's files are hashed for the manifest beside the brief, not after it
      if (data.frame.height > LARGE_EXPORT_ABOVE) {
        digests = digestOffThread([...exportPaths, ...(files.subset ? [files.subset.path] : [])]);
      }
      signal?.throwIfAborted();
      if (segments) {
        staged.push(...await writeSegmentFiles(segments, { outDir: staging, stamp, chosenBy }));
      }
      // the writers' slices are garbage now: freed before the brief's statistics add their own
      await collectDroppedFrames({ rows: data.frame.height });
      signal?.throwIfAborted();
      const written = await writeExportBrief({
        data,
        outDir: staging,
        chosenBy,
        exportPaths,
        segments,
        segmentThresholds: segmentThresholdsFromEnv(env),
        trimAboveBytes: trimmed.uploadLimitBytes,
        trimmedWritten: files.subset,
        trimmedAboveLimit: trimmed.aboveLimit,
        history: history?.section,
        historyByCurrency: history?.currencySection,
        earlier,
      });
      staged.push(written.briefPath, ...(written.trimmedPath ? [written.trimmedPath] : []));
      await files.synced; // (before the manifest and the publish)
      return written;
    });
    return { staged, brief, snapshot, digests };
  } catch (error) {
    await snapshot?.discard();
    throw error;
  }
}

/** readEarlierUsage, its warnings among the run's (the brief then says the trends are not known). */
async function earlierTrendUsage(
  dir: string,
  data: Pick<PricingData, "asOf" | "demo" | "warnings">,
): Promise<EarlierUsage | null> {
  const { earlier, warnings } = await readEarlierUsage(dir, { asOf: data.asOf, demo: data.demo });
  data.warnings.push(...warnings);
  return earlier;
}
