/**
 * The export pipeline, top to bottom:
 *   config → queries → join → revenue → metrics and economics → write (charts beside it) → publish
 * (revenue comes before metrics because revenue_per_seat and gross_margin_pct need mrr.)
 * loadPricingData runs the stages up to the data, runExport the rest. Each stage is a module with
 * a small typed interface; this file wires them, and publishes the staged files with their
 * manifest. The write stage, which reaches across formats, report, history and economics, is
 * lib/pipeline/; the charts are drawn in a worker (lib/report/chart_worker.ts) while it writes.
 */
import type pl from "nodejs-polars";
import { basename, join } from "node:path";
import { COLUMN_NAMES } from "./frame/columns.ts";
import { type Env, loadEnv, sourceSettings, UserError } from "./core/config.ts";
import { drawsCharts, exportOptions, outDirChosenBy } from "./core/export_options.ts";
import { demoQueryResults } from "./sources/demo.ts";
import { exportFileName, exportStamp, stampOptions } from "./formats/export_names.ts";
import {
  ensureWritableDir,
  makeStagingDir,
  publishStaged,
  removeDeadStaging,
} from "./formats/staging.ts";
import { withPublishLock } from "./formats/publish_lock.ts";
import { stageTimer } from "./core/stage_timer.ts";
import { windowOf } from "./core/window.ts";
import { segmentFrames, segmentThresholdsFromEnv } from "./report/segments.ts";
import { joinOrgFrames } from "./frame/join.ts";
import { filesLeftByPreviousRun, writeManifest } from "./report/manifest.ts";
import { addMetricColumns } from "./frame/metrics.ts";
import { windowWarning } from "./frame/monthly.ts";
import { keepForDelivery, publishedSizes, removeDeliveryFiles } from "./delivery/kept_files.ts";
import { type QueryFrames, type QueryResults, runQueries } from "./sources/queries.ts";
import { demoQueriesDirWarning } from "./sources/sql.ts";
import type {
  ExportFormat,
  ExportOptions,
  ExportResult,
  ExportWindow,
  PricingData,
} from "./core/types.ts";
import { attachRevenue } from "./revenue/columns.ts";
import type { RevenueResult } from "./revenue/types.ts";
import { customerIdsInExportOrder, loadRevenueStage } from "./revenue/stage.ts";
import { prepareRevenueWorker } from "./revenue/worker.ts";
import { loadExcelJs } from "./formats/xlsx.ts";
import { ensureHistoryDir, exportHistoryDir } from "./history/history_dir.ts";
import { type ExportSnapshot, publishWithSnapshot } from "./history/export_stage.ts";
import { keepDailyDays } from "./history/superseded.ts";
// Economics from its files, not lib/economics/mod.ts: that one loads the charts (Plot), which
// this thread never draws (the chart worker does).
import { addEconomicsColumns } from "./economics/columns.ts";
import { costModelFromEnv } from "./economics/cost_model.ts";
import { loadPriceBook, usagePricedPlans } from "./economics/price_book.ts";
import { sharePtbTimingPlans } from "./economics/ptb_timing.ts";
import { type ChartWorker, startChartWorker } from "./report/chart_worker.ts";
import { writeStage } from "./pipeline/write_stage.ts";

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
    /**
     * called as every query but one is done (at once for the demo): runExport starts its chart
     * worker then, on the core the last query leaves free
     */
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
  const settings = options.demo ? null : sourceSettings(env);
  if (options.demo === false && !settings) {
    throw new UserError(
      "no database configured: set PRICING_PG_URL and PRICING_CH_URL (see .env.example), or pass --demo (a notebook: demo = true) for the demo data",
    );
  }
  const demo = settings === null;
  const demoReason = !demo ? null : options.demo ? "requested" : "no-database";
  // Live Stripe revenue is read in a worker, started at the first query result when it has a
  // fetch or a large cache to read (else with the ids), given the customer ids once the
  // organizations query is done: it overlaps the ClickHouse queries, and its memory goes with it.
  // Not started before the queries: creating a worker holds this thread 20–100 ms, which held
  // every query back. `using` ends it however this function ends (no worker left behind).
  const stripeRevenue = !demo && options.stripe !== "skip" && !options.revenueFor;
  const revenueOptions = {
    env,
    mode: options.stripe,
    asOf: window.end,
    windowDays: window.days,
    outDir: options.outDir,
    quiet: options.quiet,
  };
  using revenueWorker = stripeRevenue
    ? prepareRevenueWorker({ ...revenueOptions, signal: options.signal })
    : undefined;

  // queries
  log(demo ? "building the demo dataset…" : "querying PostgreSQL and ClickHouse…");
  if (demo) underway?.(); // (no query to wait for)
  const onFirstResult = () => revenueWorker?.startAhead();
  const onOrganizations = (organizations: pl.DataFrame) => {
    organizationCount = organizations.height;
    if (!revenueWorker) return;
    log("reading Stripe revenue…");
    revenueWorker.load(customerIdsInExportOrder(organizations));
  };
  const results: Omit<QueryResults, "frames"> & { frames?: QueryFrames } = await timed(
    "queries",
    () =>
      settings
        ? runQueries(settings, window, {
          onFirstResult,
          onOrganizations,
          onOneLeft: underway,
          // ClickHouse's usage of a million organizations is read into Polars after the worker
          // has answered (it usually has: ClickHouse answers later), so their peaks never add up
          clickHouseReadAfter: revenueWorker?.answered,
          signal: options.signal,
        })
        : demoQueryResults(window.end, window.days),
  );
  // a demo run reads no query file, but says so of a PRICING_QUERIES_DIR a live run fails on
  const queriesDirNote = demo ? await demoQueriesDirWarning(env.PRICING_QUERIES_DIR) : null;
  if (queriesDirNote) results.warnings = [...(results.warnings ?? []), queriesDirNote];
  organizationCount = results.frames!.organizations.height; // (the demo's too)
  onStage({ stage: "queries", frames: { ...results.frames! }, stats: results.stats });
  // The revenue worker's peak (today's Stripe cache parsed: ~400 MB at a million organizations)
  // must not add to the join's: the join starts once the worker has answered, which it usually
  // has (ClickHouse answers later). A wait counts as revenue time.
  const revenueWaitStarted = performance.now();
  await revenueWorker?.answered; // (at once when the signal is aborted: it ends the worker)
  const revenueWaitMs = Math.round(performance.now() - revenueWaitStarted);

  // join; the query frames are let go as they are joined, so the GC that ends the stage frees
  // them (a million organizations' worth of native memory) before revenue and metrics run
  const joined = await timed("join", () => {
    const frames = results.frames!;
    results.frames = undefined;
    return joinOrgFrames(frames);
  });
  onStage({ stage: "join", frame: joined.frame, warnings: joined.warnings });

  // revenue: live Stripe revenue is the worker's answer; demo revenue (it needs the usage
  // columns), --skip-stripe and revenueFor (a history backfill's, from Stripe invoices) are read
  // here, from the joined frame
  if (!demo && options.stripe !== "skip" && !revenueWorker) log("reading Stripe revenue…");
  const revenueFor = options.revenueFor;
  const readRevenue = async (): Promise<RevenueResult> => {
    if (revenueWorker) return await revenueWorker.result;
    if (revenueFor) {
      return revenueFor(
        joined.frame.getColumn("stripe_customer_id").dropNulls().toArray() as string[],
      );
    }
    return await loadRevenueStage(joined.frame, { demo, ...revenueOptions });
  };
  // the revenue columns are attached inside the stage, so its GC frees the join's and the Stripe
  // cache's garbage before the metrics run
  const { revenue, withRevenue } = await timed("revenue", async () => {
    const revenue = await readRevenue();
    return { revenue, withRevenue: attachRevenue(joined.frame, revenue) };
  });
  stages.revenue += revenueWaitMs;
  const costModel = costModelFromEnv(env);
  const priceBook = await loadPriceBook(env);
  onStage({
    stage: "revenue",
    frame: withRevenue.frame,
    revenue,
    warnings: [...revenue.warnings, ...withRevenue.warnings],
  });

  // metrics and economics, then the column table's order (CSV order, what notebooks and the
  // server see)
  const economics = await timed(
    "metrics",
    () =>
      addEconomicsColumns(addMetricColumns(withRevenue.frame, { windowDays: window.days }), {
        costModel,
        priceBook,
        revenue,
        windowDays: window.days,
        ptbRevenueAttached: true,
      }),
  );
  const frame = economics.frame.select(...COLUMN_NAMES);
  // the metrics stage's PTB timing (its warnings) is the chart worker's and the brief's too
  sharePtbTimingPlans(economics.frame, frame);
  onStage({ stage: "metrics", frame });

  const warnings = [
    ...(results.warnings ?? []),
    ...joined.warnings,
    ...revenue.warnings,
    ...withRevenue.warnings,
    ...economics.warnings,
  ];
  const economicsContext = { costModel, priceBook, ptbRevenueRead: economics.ptbRevenueRead };
  const warningKinds = new Map([...revenue.warningKinds ?? [], ...economics.warningKinds]);
  const windowNote = windowWarning(options.windowDays);
  if (windowNote) {
    warnings.push(windowNote);
    warningKinds.set(windowNote, "window");
  }
  return {
    frame,
    asOf: window.end,
    windowDays: window.days,
    window,
    demo,
    demoReason,
    queries: results.stats,
    revenue,
    warnings,
    warningKinds,
    stages,
    economics: { ...economicsContext, windowDays: window.days },
  };
}

/**
 * The whole export: data, then charts, files and the manifest in `outDir`. The charts are drawn
 * in a worker started as the last query runs (Plot, linkedom and resvg load meanwhile); it writes
 * their files and the summary sheet's PNGs while this thread writes the CSV and XLSX (and then
 * whichever chart files are still left).
 */
export async function runExport(overrides: Partial<ExportOptions> = {}): Promise<ExportResult> {
  const options = exportOptions(overrides);
  // Fail on an unwritable directory before spending minutes on queries (named as it was chosen).
  await ensureWritableDir(options.outDir, outDirChosenBy(options));
  // Staging folders of killed runs would otherwise stay forever (a live run's folder stays).
  await removeDeadStaging(options.outDir);
  let chartWorker: ChartWorker | undefined;
  try {
    const env = options.env ?? await loadEnv();
    if (options.history !== false) {
      keepDailyDays(env); // a bad PRICING_HISTORY_KEEP_DAILY_DAYS fails here, before any query
      const history = exportHistoryDir(options, env);
      await ensureHistoryDir(history.dir, { named: history.chosenBy.named });
    }
    // The chart worker (Plot, linkedom and resvg load in it) and ExcelJS load while the last
    // query runs (the others are done): not before the queries, which creating a worker (20–100
    // ms of this thread) and loading ExcelJS would hold back, nor beside the first second's three
    // queries, whose databases then share the two cores with them (at 100k organizations the
    // export ended ~80 ms later). A failed ExcelJS load is left to the XLSX writer, which awaits
    // the same load and reports it.
    const data = await loadPricingData({ ...options, env }, {
      underway: () => {
        if (drawsCharts(options)) chartWorker = startChartWorker();
        if (options.formats.includes("xlsx")) loadExcelJs().catch(() => {});
      },
    });
    return await exportFiles(data, { options, env, chartWorker });
  } finally {
    chartWorker?.close(); // done already, or not needed: a failed run leaves no worker behind
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
  const stamp = exportStamp(data);
  const segments = options.segments
    ? segmentFrames(data.frame, {
      thresholds: segmentThresholdsFromEnv(env),
      windowDays: data.windowDays,
    })
    : undefined;
  // Files are written into a staging folder inside outDir and moved into place at the end,
  // the manifest last; a failed move undoes every move, leaving the previous set (staging.ts).
  const chosenBy = outDirChosenBy(options);
  const staging = await makeStagingDir(options.outDir, { chosenBy });
  let snapshot: ExportSnapshot | undefined;
  let delivery: ExportResult["delivery"];
  try {
    // charts: in the worker, overlapping history, snapshot and write; awaited after the write
    const charts = chartWorker
      ? timed("charts", () =>
        chartWorker.render({
          frame: data.frame,
          outDir: staging,
          chosenBy,
          stamp,
          summary: options.formats.includes("xlsx"),
          files: options.chartFiles !== false,
          windowDays: data.windowDays,
          demo: data.demo,
          // the brief's and summary sheet's per-plan sums, worked out once (chartPlanTable)
          usagePricedPlans: usagePricedPlans(data.economics.priceBook),
        }))
      : undefined;
    charts?.catch(() => {}); // awaited below; a failure meanwhile must not go unhandled
    try {
      const written = await writeStage(data, {
        options,
        env,
        staging,
        segments,
        summaryPngs: chartWorker?.summary,
        chartsDrawn: chartWorker?.drawn,
        chartsDone: charts?.then(() => {}, () => {}),
        timed,
      });
      snapshot = written.snapshot;
      // this thread's own files are written: it writes chart files beside the worker until
      // none is left (the charts are the long pole after the write)
      await chartWorker?.shareFileWriting();
      const chartPaths = charts ? (await charts).paths : [];
      const staged = [...chartPaths, ...written.staged];
      const stagedManifest = await writeManifest(staging, {
        data,
        chosenBy,
        paths: staged,
        digests: written.digests,
        snapshot: snapshot && {
          name: basename(snapshot.path),
          path: snapshot.path,
          bytes: snapshot.bytes,
          sha256: snapshot.sha256,
        },
      });

      // what this run wrote, as it wrote it: the listing's sizes and the mail's attachments must
      // not be read from the folder after the publish, where a later run may have replaced them
      const bytes = await publishedSizes([...staged, stagedManifest], options.outDir);
      const fileName = (ext: ExportFormat) => exportFileName({ ...stampOptions(data), ext });
      const deliverable = {
        briefPath: written.brief.briefPath,
        ...(written.brief.trimmedPath ? { trimmedPath: written.brief.trimmedPath } : {}),
        ...(options.formats.includes("csv") ? { csvPath: join(staging, fileName("csv")) } : {}),
        ...(options.formats.includes("xlsx") ? { xlsxPath: join(staging, fileName("xlsx")) } : {}),
      };
      delivery = options.keepForDelivery
        ? await keepForDelivery(deliverable, { outDir: options.outDir, chosenBy })
        : undefined;

      // one run at a time reads the previous set and replaces it (another waits: publish_lock.ts);
      // what an earlier run of this file set left that this one does not write goes too
      const published = await withPublishLock(options.outDir, async () => {
        const leftBehind = await filesLeftByPreviousRun(options.outDir, {
          manifestName: basename(stagedManifest),
          written: staged.map((path) => basename(path)),
        });
        options.signal?.throwIfAborted(); // Ctrl-C: not once the moves (snapshot's, set's) begin
        return await publishWithSnapshot(snapshot, () =>
          publishStaged(staging, {
            outDir: options.outDir,
            files: [...staged, stagedManifest],
            retire: [...new Set([...written.brief.stale, ...leftBehind])],
            lockHeld: true,
            chosenBy,
          }), data.warnings);
      }, {
        onWait: options.quiet ? () => {} : undefined,
        // Ctrl-C while another run publishes: stopped at once, not once it is done
        signal: options.signal,
        chosenBy,
      });
      const files = published.slice(0, -1);
      const manifestPath = published[published.length - 1];
      options.onStage?.({ stage: "files", files, manifestPath });
      const final = (path: string) => join(options.outDir, basename(path));
      const kept = delivery;
      delivery = undefined; // (the caller's now)
      return {
        data,
        files,
        manifestPath,
        bytes,
        ...(kept ? { delivery: kept } : {}),
        briefPath: final(written.brief.briefPath),
        ...(written.brief.trimmedPath
          ? {
            trimmedPath: final(written.brief.trimmedPath),
            trimmedRows: written.brief.trimmedRows,
          }
          : {}),
        ...(options.formats.includes("csv") ? { csvPath: final(fileName("csv")) } : {}),
        ...(options.formats.includes("xlsx") ? { xlsxPath: final(fileName("xlsx")) } : {}),
      };
    } finally {
      // A failed write ends the worker before its staging folder goes (no chart file lands
      // after the folder is removed).
      chartWorker?.close();
    }
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    await snapshot?.discard(); // a failed run leaves no snapshot (once placed: nothing to drop)
    // a failed run's delivery copies go too (a returned run's are the caller's)
    if (delivery) await removeDeliveryFiles(delivery);
  }
}
