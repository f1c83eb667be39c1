/**
 * The export pipeline, top to bottom:
 *   config → queries → join → revenue → metrics and economics → write (charts beside it) → publish
 * (revenue comes before metrics because revenue_per_seat and gross_margin_pct need mrr.)
 * loadPricingData runs the stages up to the data, exportFiles the rest, runExport both. Each stage
 * is a call into its room (lib/sources, lib/frame, lib/revenue…); the stages that reach across
 * rooms (metrics and economics, write, publish, the charts drawn in a worker beside the write)
 * are lib/pipeline/'s.
 */
// before any query: group-by float sums added in row order, the same bits every run
import "./core/polars_sums.ts";
import { type Env, loadEnv, sourceOrDemo } from "./core/config.ts";
import { exportOptions, outDirChosenBy } from "./core/export_options.ts";
import { stageTimer } from "./core/stage_timer.ts";
import { collectDroppedFrames, mapLargeAllocations } from "./core/memory.ts";
import { untilAborted } from "./core/abort.ts";
import { windowOf } from "./core/window.ts";
import type { ExportOptions, ExportResult, ExportWindow, PricingData } from "./core/types.ts";
import { type QueryFrames, type QueryResults, runQueries } from "./sources/queries.ts";
import { demoQueryResults } from "./sources/demo.ts";
import { demoQueriesDirWarning } from "./sources/sql.ts";
import { joinOrgFrames, newestFirstOrderAhead, type OrganizationsOrder } from "./frame/join.ts";
import { pipelineRevenue } from "./revenue/pipeline_revenue.ts";
import { shareRecurringMinor } from "./revenue/columns.ts";
// Economics from its files, not lib/economics/mod.ts: that one loads the charts (Plot), which
// this thread never draws (the chart worker does).
import { costModelFromEnv } from "./economics/cost_model.ts";
import { loadPriceBook, type PriceBook } from "./economics/price_book.ts";
import { ensureWritableDir, makeStagingDir, removeDeadStaging } from "./formats/staging.ts";
import { removeFailedStaging } from "./formats/failed_staging.ts";
import { failureInFolder, watchFolder } from "./formats/folder_watch.ts";
import { segmentFrames, segmentThresholdsFromEnv } from "./report/segments.ts";
import type { ChartWorker } from "./report/chart_worker.ts";
import type { ChartThread } from "./report/chart_thread.ts";
import { checkExportHistory, type ExportSnapshot } from "./history/export_stage.ts";
import {
  chartStage,
  metricsStage,
  pricingData,
  publishStage,
  startChartsAndExcel,
  writeStage,
} from "./pipeline/mod.ts";

// The shared types live in lib/core/types.ts; re-exported so callers of the pipeline find them here.
export type * from "./core/types.ts";

// The options' defaults and checks live in lib/core/export_options.ts; re-exported likewise.
export { DEFAULT_OUT_DIR, exportOptions } from "./core/export_options.ts";

/** `[asOf - days, asOf)`, validated by the one window rule (lib/core/window.ts). */
export function exportWindow(asOf: Date, days: number): ExportWindow {
  return windowOf(asOf, { days });
}

/** config → queries → join → revenue → metrics: the data, with nothing written. */
export async function loadPricingData(
  overrides: Partial<ExportOptions> = {},
  { underway }: {
    /** called as every query but one is done (at once for the demo): runExport's chart worker */
    underway?: () => void;
  } = {},
): Promise<PricingData> {
  const options = exportOptions(overrides);
  const stages: Record<string, number> = {};
  let organizationCount: number | undefined; // known once the organizations query is read
  const timed = stageTimer(stages, {
    onTime: options.onStageTime,
    rows: () => organizationCount,
    signal: options.signal,
  });
  const log = options.log ?? ((line: string) => console.error(line));
  const onStage = options.onStage ?? (() => {});

  // config
  const env = options.env ?? await loadEnv();
  const window = exportWindow(options.asOf, options.windowDays);
  const { settings, demo, demoReason } = sourceOrDemo(options.demo, env);
  // live Stripe revenue is read in a worker beside the queries (lib/revenue/pipeline_revenue.ts),
  // ended however this function ends
  using revenueSource = pipelineRevenue(options, { demo, env, window, log });

  // the join's sort of the organizations, started as their query is done (newestFirstOrderAhead)
  let organizationsOrder: Promise<OrganizationsOrder | undefined> | undefined;
  // the price book, read then too, not between the join and the metrics (~10 ms of the main
  // thread and a file read); its error, if any, still comes where it is awaited
  let priceBookRead: Promise<PriceBook> | undefined;
  const readPriceBook = () => priceBookRead ??= loadPriceBook(env);

  // queries; from here Polars' large buffers are mapped on their own, each back to the kernel
  // as it is freed, not kept in glibc's arenas (lib/core/memory.ts)
  mapLargeAllocations();
  log(demo ? "building the demo dataset…" : "querying PostgreSQL and ClickHouse…");
  if (demo) underway?.(); // (no query to wait for)
  const results: Omit<QueryResults, "frames"> & { frames?: QueryFrames } = await timed(
    "queries",
    () =>
      settings
        ? runQueries(settings, window, {
          onFirstResult: revenueSource.onFirstResult,
          onOrganizations: (organizations) => {
            organizationCount = organizations.height;
            revenueSource.onOrganizations(organizations);
            organizationsOrder = newestFirstOrderAhead(organizations);
            readPriceBook().catch(() => {}); // (awaited in the revenue stage's wake)
          },
          onOneLeft: underway,
          // ClickHouse's usage of a million organizations is read into Polars after the worker
          // has answered (it usually has: ClickHouse answers later), so their peaks never add up
          clickHouseReadAfter: revenueSource.answered,
          signal: options.signal,
        })
        : demoQueryResults(window.end, window.days),
  );
  // a demo run reads no query file, but says so of a PRICING_QUERIES_DIR a live run fails on
  const queriesDirNote = demo ? await demoQueriesDirWarning(env.PRICING_QUERIES_DIR) : null;
  if (queriesDirNote) results.warnings = [...(results.warnings ?? []), queriesDirNote];
  organizationCount = results.frames!.organizations.height; // (the demo's too)
  onStage({ stage: "queries", frames: { ...results.frames! }, stats: results.stats });
  const revenueWaitMs = await revenueSource.waitForWorker(); // (its peak and the join's apart)

  // join; the query frames are let go as they are joined, so the GC that ends the stage frees
  // them (a million organizations' worth of native memory) before revenue and metrics run
  const joined = await timed("join", async () => {
    const frames = results.frames!;
    results.frames = undefined;
    return joinOrgFrames(frames, { organizationsOrder: await organizationsOrder });
  });
  onStage({ stage: "join", frame: joined.frame, warnings: joined.warnings });

  // revenue: the worker's answer, or read here from the joined frame; a wait counts as its time
  const { revenue, withRevenue } = await revenueSource.stage(joined.frame, timed);
  stages.revenue += revenueWaitMs;
  const costModel = costModelFromEnv(env);
  const priceBook = await readPriceBook();
  onStage({
    stage: "revenue",
    frame: withRevenue.frame,
    revenue,
    warnings: [...revenue.warnings, ...withRevenue.warnings],
  });

  // metrics and economics, then the column table's order (CSV order)
  const metrics = await metricsStage(withRevenue.frame, {
    costModel,
    priceBook,
    revenue,
    windowDays: window.days,
    timed,
  });
  // the snapshot's native MRR, read in the revenue stage's join, is the export frame's too
  shareRecurringMinor(withRevenue, metrics.frame);
  onStage({ stage: "metrics", frame: metrics.frame });

  // the data: the frame, what each stage read and warned of, and their times
  return pricingData({
    window,
    demo,
    demoReason,
    queries: results,
    joined,
    revenue,
    withRevenue,
    metrics,
    stages,
  });
}

/**
 * The whole export: data, then charts, files and the manifest in `outDir`. The charts are drawn
 * in a worker started as the last query runs (Plot, linkedom and resvg load meanwhile); it writes
 * their files and the summary sheet's PNGs while this thread writes the CSV and XLSX (and then
 * whichever chart files are still left). A server passes its `chartThread`, the worker kept across
 * its exports (lib/report/chart_thread.ts: a worker ended leaves two file descriptors open).
 */
export async function runExport(
  overrides: Partial<ExportOptions> = {},
  { chartThread }: { chartThread?: ChartThread } = {},
): Promise<ExportResult> {
  const options = exportOptions(overrides);
  // Fail on an unwritable directory before spending minutes on queries (named as it was chosen).
  await ensureWritableDir(options.outDir, outDirChosenBy(options));
  // Staging folders of killed runs would otherwise stay forever (a live run's folder stays).
  await removeDeadStaging(options.outDir);
  let chartWorker: ChartWorker | undefined;
  try {
    const env = options.env ?? await loadEnv();
    await checkExportHistory(options, env); // its settings and folder, before any query
    // the chart worker and ExcelJS load while the last query runs (lib/pipeline/chart_stage.ts)
    const data = await loadPricingData({ ...options, env }, {
      underway: () => chartWorker = startChartsAndExcel(options, chartThread),
    });
    return await exportFiles(data, { options, env, chartWorker });
  } finally {
    // done already, or not needed: a failed run leaves no worker behind (a kept one no job)
    chartWorker?.close();
  }
}

/** The files of one export: staged, then published together with the manifest. */
export async function exportFiles(
  data: PricingData,
  { options, env, chartWorker }: {
    options: ExportOptions;
    env: Env;
    chartWorker?: ChartWorker;
  },
): Promise<ExportResult> {
  const timed = stageTimer(data.stages, {
    onTime: options.onStageTime,
    rows: () => data.frame.height,
    signal: options.signal,
  });
  const segments = options.segments
    ? segmentFrames(data.frame, {
      thresholds: segmentThresholdsFromEnv(env),
      windowDays: data.windowDays,
    })
    : undefined;
  // Files are written into a staging folder inside outDir and moved into place at the end,
  // the manifest last; a failed move undoes every move, leaving the previous set (staging.ts).
  const chosenBy = outDirChosenBy(options);
  // held open: moved meanwhile, the run's unfinished files are removed where it went
  const folder = await watchFolder(options.outDir);
  let staging: string | undefined;
  let snapshot: ExportSnapshot | undefined;
  const cleanUp = async () => {
    // (a run that failed on the open-file limit retries as its other writes close theirs)
    if (staging) await removeFailedStaging(() => folder.now(staging!));
    await snapshot?.discard(); // a failed run leaves no snapshot (once placed: nothing to drop)
  };
  try {
    staging = await makeStagingDir(options.outDir, { chosenBy });
    // charts: in the worker, overlapping history, snapshot and write; awaited after the write
    const charts = chartStage(chartWorker, data, { options, staging, chosenBy, timed });
    // the job's preparation on this thread (per-plan table, the columns' file) left frames: freed
    // before history and the snapshot add theirs beside the drawing (the 1M peak was there)
    if (charts) {
      await charts.sent;
      await collectDroppedFrames({ rows: data.frame.height });
    }
    try {
      // write: history and snapshot, the CSV/XLSX, segments and the brief (lib/pipeline/)
      const written = await writeStage(data, {
        options,
        env,
        staging,
        segments,
        summaryPngs: chartWorker?.summary,
        chartsDrawn: chartWorker?.drawn,
        chartsDone: charts?.rendered.then(() => {}, () => {}),
        timed,
        folderNow: folder.now,
      });
      snapshot = written.snapshot;
      // this thread's own files are written: it writes chart files beside the worker until
      // none is left (the charts are the long pole after the write), or a stop (between files)
      await chartWorker?.shareFileWriting(options.signal);
      // a stop while the worker draws or writes: not waited for (the worker is ended below)
      const chartPaths = charts ? (await untilAborted(charts.rendered, options.signal)).paths : [];
      // publish: the manifest, the delivery step's copies, the set moved into outDir
      return await publishStage(data, {
        options,
        staging,
        chosenBy,
        staged: [...chartPaths, ...written.staged],
        written,
        folderNow: folder.now,
      });
    } finally {
      // A failed write ends the worker before its staging folder goes (no chart file lands
      // after the folder is removed).
      chartWorker?.close();
    }
  } catch (error) {
    // the folder moved or removed under the run: said so (folder_watch.ts), else the error itself
    throw await failureInFolder(error, {
      folder,
      staging,
      chosenBy,
      stopped: Boolean(options.signal?.aborted),
      cleanUp,
    });
  } finally {
    await cleanUp();
    folder.close();
  }
}
