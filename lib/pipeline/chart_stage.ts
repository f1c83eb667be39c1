/**
 * The export's charts: the chart worker (lib/report/chart_worker.ts), started as the last query
 * runs, draws the charts into the staging folder, and the summary sheet's PNGs, while this thread
 * runs the write stage.
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import type { StageTimer } from "../core/stage_timer.ts";
import type { ExportOptions, PricingData } from "../core/types.ts";
import { drawsCharts } from "../core/export_options.ts";
import { loadExcelJs } from "../formats/xlsx.ts";
import { exportStamp } from "../formats/export_names.ts";
import { type ChartWorker, type RenderedCharts, startChartWorker } from "../report/chart_worker.ts";
import type { ChartThread } from "../report/chart_thread.ts";
import { usagePricedPlans } from "../economics/price_book.ts";

/**
 * The chart worker (Plot, linkedom and resvg load in it) and ExcelJS, loaded while the last query
 * runs (the others are done): not before the queries, which creating a worker (20–100 ms of this
 * thread) and loading ExcelJS would hold back, nor beside the first second's three queries, whose
 * databases then share the two cores with them (at 100k organizations the export ended ~80 ms
 * later). A failed ExcelJS load is left to the XLSX writer, which awaits the same load and reports
 * it. The worker, when the export draws charts: `chartThread`'s, a server's kept across its
 * exports, else one of the export's own.
 */
export function startChartsAndExcel(
  options: ExportOptions,
  chartThread?: ChartThread,
): ChartWorker | undefined {
  const chartWorker = drawsCharts(options) ? startChartWorker(chartThread) : undefined;
  if (options.formats.includes("xlsx")) loadExcelJs().catch(() => {});
  return chartWorker;
}

/** The charts stage under way: its drawing, and this thread's part of the job. */
export interface ChartStage {
  /** the charts drawn and their files written (a failure is left to whoever awaits it) */
  rendered: Promise<RenderedCharts>;
  /**
   * Settles (never rejects) once this thread's part of the job is done (ChartWorker.sent), or the
   * stage failed first: a stop before it began never reaches the worker, whose `sent` alone would
   * then never settle (an export stopped while its folder was staged hung on it).
   */
  sent: Promise<void>;
}

/**
 * The charts of `data`, timed as the "charts" stage; undefined without a worker (no charts). A
 * failure is left to whoever awaits `rendered` (it is never unhandled meanwhile).
 */
export function chartStage(
  chartWorker: ChartWorker | undefined,
  data: PricingData,
  { options, staging, chosenBy, timed }: {
    options: ExportOptions;
    staging: string;
    chosenBy: ChosenBy;
    timed: StageTimer;
  },
): ChartStage | undefined {
  if (!chartWorker) return undefined;
  const rendered = timed("charts", () =>
    chartWorker.render({
      frame: data.frame,
      outDir: staging,
      chosenBy,
      stamp: exportStamp(data),
      summary: options.formats.includes("xlsx"),
      files: options.chartFiles !== false,
      windowDays: data.windowDays,
      demo: data.demo,
      // the brief's and summary sheet's per-plan sums, worked out once (chartPlanTable)
      usagePricedPlans: usagePricedPlans(data.economics.priceBook),
    }));
  const settled = rendered.then(() => {}, () => {}); // awaited after the write; never unhandled
  return { rendered, sent: Promise.race([chartWorker.sent, settled]) };
}
