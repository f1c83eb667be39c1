/**
 * Charts off the main thread: the worker draws the export's charts (reportCharts: the economics
 * and pricing charts), writes their SVG and PNG files and rasterises the summary sheet's PNGs
 * (Plot, linkedom, resvg: seconds at a million organizations) while the main thread writes the
 * CSV and XLSX. The frame crosses as an Arrow IPC file of the columns the charts read, written by
 * Polars into the output folder and removed by the worker once drawn: IPC bytes through JS buffers
 * cost twice their size on each side (Polars' buffer and its JS copy), ~550 MB at a million
 * organizations against ~140 MB this way. Each chart reads only its own columns of the file
 * (CHART_READS), so the worker holds one chart's columns at a time, not all of them (~110 MB at a
 * million organizations), each read once a run (chart_reads.ts). The PNGs come back as bytes.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { UserError } from "../core/config.ts";
import { writeFailure } from "../formats/files.ts";
import type { ChosenBy } from "../core/chosen_by.ts";
import type { SummaryChart } from "../economics/xlsx_summary.ts";
import type { Chart } from "./charts.ts";
import type { ExportChartName } from "../economics/charts.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import {
  CUSTOMER_CHART_COLUMNS,
  CUSTOMER_READ,
  withCustomerChartColumns,
} from "./chart_customers.ts";
import { hasEconomicsColumns } from "../economics/columns.ts";
import {
  type MarginCounts,
  marginCountsOf,
  type PerPlanRow,
  perPlanRows,
  perPlanTable,
} from "../economics/per_plan.ts";
import { type PtbTimingPlan, ptbTimingPlans } from "../economics/ptb_timing.ts";
import { isWorkerEntry } from "../core/worker_entry.ts";
import { chartFrameReader } from "./chart_reads.ts";

/**
 * The columns reportCharts reads (lib/economics/charts.ts, lib/report/charts.ts) besides the
 * per-plan table, which the main thread computes and sends (its sums need five more columns, a
 * million UUIDs among them); tests/chart_worker_test.ts fails when a chart reads another one.
 */
export const CHART_COLUMNS = [
  "org_name",
  "tier",
  "plan",
  "requests_30d",
  "llm_cost_30d",
  "mrr",
  "company_cost_30d",
  "gross_margin_pct",
  "gross_margin_company_pct",
  "revenue_source",
];

/**
 * The chart columns each chart reads (of CHART_COLUMNS and, when a Stripe customer is shared,
 * CUSTOMER_CHART_COLUMNS): the worker reads only these of its file for that chart, so at a million
 * organizations it holds 23–60 MB of columns while a chart draws instead of all ~110 MB. The
 * per-organization charts built on withCustomerChartColumns read the columns it works the
 * customer figures out from (gross_margin_pct, requests_30d) too. The per-plan charts are drawn
 * from the job's table (chartPlanTable, which comes with the economics columns they need): none.
 * tests/chart_worker_test.ts fails when a chart reads another column or draws differently.
 */
export const CHART_READS: Record<ExportChartName, readonly string[]> = {
  margin_by_plan: [],
  mrr_vs_requests: [
    "org_name",
    "plan",
    "tier",
    "mrr",
    "requests_30d",
    "gross_margin_pct",
    ...Object.values(CUSTOMER_CHART_COLUMNS),
  ],
  mrr_per_1k_requests_by_plan: [],
  margin_vs_mrr: [
    "org_name",
    "tier",
    "mrr",
    "requests_30d",
    "gross_margin_pct",
    ...Object.values(CUSTOMER_CHART_COLUMNS),
  ],
  margin_by_tier: [
    "tier",
    "requests_30d",
    "gross_margin_pct",
    ...Object.values(CUSTOMER_CHART_COLUMNS),
  ],
  requests_vs_llm_cost: ["org_name", "tier", "requests_30d", "llm_cost_30d"],
  usage_by_tier: ["tier", "requests_30d"],
  cost_and_mrr_by_tier: ["tier", "llm_cost_30d", "mrr", "company_cost_30d", "revenue_source"],
};

/**
 * What `chart` is drawn from of `columns` (the file's): its CHART_READS, in the file's order (a
 * chart sees the frame it would with every column, less the ones it does not read); an empty frame
 * for a chart drawn from the table alone.
 */
export function chartFrameColumns(chart: ExportChartName, columns: readonly string[]): string[] {
  return columns.filter((c) => CHART_READS[chart].includes(c));
}

/**
 * The per-plan table the economics charts draw, margin by plan's n per plan (from the table's
 * group-by: its shared customers' grouping needs the customer ids, a million strings the worker
 * then need not get) and the plans PTB timing pulls down (from PTB columns the worker does not
 * get), when the frame has the economics columns. `usagePricedPlans` only moves
 * mrr_to_list_pct, which no chart draws: an export passes its price book's, so the table's sums
 * are the ones its brief and summary sheet read (per_plan.ts keeps them per frame and plans: with a
 * price book that prices usage, [] here worked them out twice, ~0.35 s of CPU at a million
 * organizations).
 */
export function chartPlanTable(
  frame: pl.DataFrame,
  windowDays: number,
  { usagePricedPlans = [] }: { usagePricedPlans?: readonly string[] } = {},
):
  | {
    plans: PerPlanRow[];
    marginCounts: Record<string, MarginCounts>;
    ptbTiming: readonly PtbTimingPlan[];
  }
  | undefined {
  return hasEconomicsColumns(frame)
    ? {
      plans: perPlanRows(perPlanTable(frame, { windowDays, usagePricedPlans })),
      marginCounts: marginCountsOf(frame, { windowDays, usagePricedPlans }),
      ptbTiming: ptbTimingPlans(frame, windowDays),
    }
    : undefined;
}

export interface ChartJob {
  /** the export frame; only CHART_COLUMNS cross to the worker */
  frame: pl.DataFrame;
  outDir: string;
  /** how the user chose the folder the files are for (an export's --out-dir…), for its errors */
  chosenBy: ChosenBy;
  stamp: string;
  /** also rasterise the summary sheet's PNGs (an XLSX is written) */
  summary: boolean;
  /** write the charts' SVG and PNG files (default true; false: the summary's PNGs only) */
  files?: boolean;
  /** the export window's days (the per-plan table's margins are on a 30-day basis) */
  windowDays: number;
  /** the export is demo data: each chart says so */
  demo: boolean;
  /** the price book's usage-priced plans (chartPlanTable: the brief's table sums, shared) */
  usagePricedPlans?: readonly string[];
}

export interface RenderedCharts {
  /** the SVG and PNG files written, in chart order */
  paths: string[];
  /** the summary sheet's PNGs (summaryCharts), when asked for */
  summary: SummaryChart[];
}

interface WorkerJob {
  /** the chart columns as an Arrow IPC file, removed by the worker once the charts are drawn */
  ipcPath: string;
  /** the file's columns, and its rows (organizations) */
  columns: string[];
  rows: number;
  /** one Int32: the next chart whose files are to be written, shared with the main thread */
  claims: SharedArrayBuffer;
  plans?: PerPlanRow[];
  marginCounts?: Record<string, MarginCounts>;
  ptbTiming?: readonly PtbTimingPlan[];
  /** the export's window: its days are named where charts show window usage */
  windowDays: number;
  demo: boolean;
  outDir: string;
  chosenBy: ChosenBy;
  stamp: string;
  summary: boolean;
  files: boolean;
}

/**
 * `drawn` comes first, with the charts: the SVGs exist and the chart columns are freed; writing
 * their files (rasterising) is left, shared with the main thread.
 */
type WorkerReply =
  | { paths: string[] }
  | { drawn: Pick<Chart, "name" | "svg">[] }
  | { summary: SummaryChart[] }
  /** `worded`: a UserError's message (a full or read-only disk), already one line with its fix */
  | { error: string; worded?: boolean };

/** A chart worker started ahead of its job, so its start-up overlaps the ClickHouse queries. */
export interface ChartWorker {
  /** Draws and writes the charts of `frame`. One job per worker; the worker ends with it. */
  render(job: ChartJob): Promise<RenderedCharts>;
  /**
   * Settles (never rejects) once the job's charts are drawn: their columns and Polars work are
   * freed and only rasterising (little memory) is left; or once the job failed or the worker
   * was closed. The export starts its writers then, so the two peaks never add up.
   */
  readonly drawn: Promise<void>;
  /**
   * Writes chart files beside the worker until none is left (the charts come from the worker
   * once drawn; each is written once, by whichever thread claims it first). For the main thread
   * once its own work is done: at 100k organizations a CSV export ends ~0.25 s sooner. Resolves
   * at once when there is no job or it failed.
   */
  shareFileWriting(): Promise<void>;
  /**
   * The summary sheet's PNGs of a job that asked for them, rasterised right after the drawing
   * (before the chart files: the XLSX waits for them); rejects when the job fails.
   */
  readonly summary: Promise<SummaryChart[]>;
  /** Ends the worker (done, failed elsewhere, or not needed after all). */
  close(): void;
}

/**
 * Writes the chart columns of `frame` as an IPC file in `dir` (hidden: never published), with a
 * shared Stripe customer's figures on its revenue row (chart_customers.ts: worked out here, where
 * the customer ids are, which the worker then need not get).
 */
function writeChartColumns(
  frame: pl.DataFrame,
  { dir, windowDays, chosenBy }: { dir: string; windowDays: number; chosenBy: ChosenBy },
): { path: string; columns: string[] } {
  // the .ipc extension tells Polars' readIPC a path from inline bytes
  const path = join(dir, `.chart-columns-${crypto.randomUUID()}.ipc`);
  let columns: string[];
  try {
    // made here first: on a folder gone read-only Polars's own create panics (its Rust backtrace
    // on stderr before the error line), where Deno's fails cleanly
    Deno.writeFileSync(path, new Uint8Array());
    const written = chartColumns(frame, windowDays);
    columns = written.columns;
    // LZ4: Polars's IPC writer encodes the record batch whole in memory before writing it, which
    // uncompressed was a second copy of the chart columns on this thread (+106 MB at a million
    // organizations; compressed ~19 MB, and +26 MB of peak). Record batches instead of one cut
    // it too, but readIPC copies them into one chunk: twice a chart's columns in the worker.
    written.writeIPC(path, { compression: "lz4" });
  } catch (error) {
    // (Polars's error names neither the file nor the fix)
    throw writeFailure(path, error, { chosenBy });
  }
  return { path, columns };
}

/**
 * What the worker gets of `frame`: CHART_COLUMNS, and CUSTOMER_CHART_COLUMNS when a Stripe customer
 * is shared (without one every row is its own, which the worker works out again: at a million
 * organizations 20 MB less to write and read).
 */
export function chartColumns(frame: pl.DataFrame, windowDays: number): pl.DataFrame {
  const read = [...CHART_COLUMNS, ...CUSTOMER_READ].filter((c) => frame.columns.includes(c));
  const drawn = withCustomerChartColumns(frame.select(...new Set(read)), windowDays);
  const shared = Number(drawn.getColumn(CUSTOMER_CHART_COLUMNS.organizations).max() ?? 1) > 1;
  return drawn.select(
    ...CHART_COLUMNS.filter((c) => frame.columns.includes(c)),
    ...(shared ? Object.values(CUSTOMER_CHART_COLUMNS) : []),
  );
}

/** Starts a worker that loads Plot, linkedom and resvg while the caller does other work. */
export function startChartWorker(): ChartWorker {
  const worker = new Worker(import.meta.url, { type: "module" });
  let markDrawn = () => {};
  const drawn = new Promise<void>((resolve) => markDrawn = resolve);
  let job: {
    files: boolean;
    charts: Pick<Chart, "name" | "svg">[];
    claims: Int32Array;
    outDir: string;
    chosenBy: ChosenBy;
    stamp: string;
  } | undefined;
  const claims = new SharedArrayBuffer(4);
  // resvg loads on this thread while it queries (it rasterises here only when it shares)
  const chartFiles = import("./chart_files.ts");
  chartFiles.catch(() => {});
  let summaryDone: (pngs: SummaryChart[]) => void = () => {};
  let summaryFailed: (error: Error) => void = () => {};
  const summaryPromise = new Promise<SummaryChart[]>((resolve, reject) => {
    summaryDone = resolve;
    summaryFailed = reject;
  });
  summaryPromise.catch(() => {}); // awaited by whoever wants it; render reports a failure too
  let summaryPngs: SummaryChart[] = [];
  // Whatever ends the worker settles what waits on it (settled promises ignore the rest): a
  // writer awaiting the summary PNGs never hangs on a worker that is gone.
  let ended = false;
  const terminate = (why = "the chart worker was closed", worded = false) => {
    ended = true;
    worker.terminate();
    markDrawn();
    summaryFailed(worded ? new UserError(why) : new Error(why));
  };
  return {
    drawn,
    summary: summaryPromise,
    render(
      { frame, outDir, chosenBy, stamp, summary, files = true, windowDays, demo, usagePricedPlans },
    ) {
      let ipcPath: string;
      let columns: string[];
      let table: ReturnType<typeof chartPlanTable>;
      try {
        table = chartPlanTable(frame, windowDays, { usagePricedPlans });
        ({ path: ipcPath, columns } = writeChartColumns(frame, {
          dir: outDir,
          windowDays,
          chosenBy,
        }));
      } catch (error) {
        const worded = error instanceof UserError;
        terminate(
          worded ? error.message : `charts failed: ${(error as Error)?.message ?? error}`,
          worded,
        );
        return Promise.reject(error);
      }
      // a worded failure (a full or read-only disk) is said as it is: one line with its fix
      const failed = (reject: (error: Error) => void, message: string, worded = false) => {
        terminate(message, worded);
        Deno.remove(ipcPath).catch(() => {}).finally(() =>
          reject(worded ? new UserError(message) : new Error(message))
        );
      };
      return new Promise<RenderedCharts>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<WorkerReply>) => {
          if ("drawn" in event.data) {
            job = {
              files,
              charts: event.data.drawn,
              claims: new Int32Array(claims),
              outDir,
              chosenBy,
              stamp,
            };
            return markDrawn();
          }
          if ("summary" in event.data) {
            summaryPngs = event.data.summary;
            return summaryDone(summaryPngs);
          }
          if ("error" in event.data) {
            const { error, worded } = event.data;
            return failed(reject, worded ? error : `charts failed: ${error}`, worded);
          }
          summaryDone(summaryPngs); // (none asked: [])
          terminate();
          resolve({ paths: event.data.paths, summary: summaryPngs });
        };
        worker.onerror = (event) => {
          event.preventDefault();
          failed(reject, `charts failed: ${event.message}`);
        };
        worker.postMessage(
          {
            ipcPath,
            columns,
            rows: frame.height,
            claims,
            plans: table?.plans,
            marginCounts: table?.marginCounts,
            ptbTiming: table?.ptbTiming,
            windowDays,
            demo,
            outDir,
            chosenBy,
            stamp,
            summary,
            files,
          } satisfies WorkerJob,
        );
      });
    },
    async shareFileWriting() {
      await drawn;
      if (!job?.files) return;
      const { charts, claims, outDir, chosenBy, stamp } = job;
      const { writeClaimedChartFiles } = await chartFiles;
      try {
        await writeClaimedChartFiles(charts, {
          outDir,
          chosenBy,
          stamp,
          // a failed or closed job: no more files (the export is failing)
          claim: () => ended ? charts.length : Atomics.add(claims, 0, 1),
        });
      } catch (error) {
        if (error instanceof UserError) throw error; // a full or read-only disk, worded
        throw new Error(
          `charts failed: ${String((error as Error)?.message ?? error).split("\n")[0]}`,
        );
      }
    },
    close: () => terminate(),
  };
}

/** Writes the charts in a worker; resolves once the worker is done. */
export function writeChartsOffThread(job: ChartJob): Promise<RenderedCharts> {
  return startChartWorker().render(job);
}

// In the worker: one job, one reply.
if (isWorkerEntry(import.meta)) {
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<WorkerJob>) => void;
    postMessage: (reply: WorkerReply) => void;
  };
  // Loaded here only, and at once: Plot, linkedom and resvg stay out of the main thread, and load
  // while it queries. A failed load is reported with the job.
  const modules = Promise.all([
    import("../economics/charts.ts"),
    import("./chart_files.ts"),
    import("./chart_frame.ts"),
  ]);
  modules.catch(() => {});
  /**
   * The job's charts, one at a time, each from its own columns of the file (CHART_READS); with
   * many organizations each chart's columns and Polars frames are freed before the next (at a
   * million they would add up to ~200 MB; at 100k a few MB, less worth than the ~25 ms of a full
   * collection each: collectDroppedFrames' `rows`). The file goes once every chart is drawn.
   */
  const drawCharts = async (job: WorkerJob): Promise<Chart[]> => {
    const [{ EXPORT_CHARTS, reportChartNames }, , { MAX_DOTS }] = await modules;
    const table = {
      plans: job.plans,
      marginCounts: job.marginCounts,
      ptbTiming: job.ptbTiming,
      windowDays: job.windowDays,
      demo: job.demo,
    };
    // Above MAX_DOTS organizations a scatter's names are read only if it draws dots after all
    // (drawnRows): a hexbin names no one.
    const namesLater = job.rows > MAX_DOTS;
    const orgNames = () => pl.readIPC(job.ipcPath, { columns: ["org_name"] }).getColumn("org_name");
    const charts: Chart[] = [];
    try {
      const names = reportChartNames(job.columns);
      const reads = names.map((name) =>
        chartFrameColumns(name, job.columns).filter((c) => !(namesLater && c === "org_name"))
      );
      const frameOf = chartFrameReader(job.ipcPath, reads);
      for (const [i, name] of names.entries()) {
        const read = reads[i];
        charts.push(EXPORT_CHARTS[name](frameOf(i), namesLater ? { ...table, orgNames } : table));
        // A per-plan chart drawn from the job's table leaves no organizations' frame behind, and
        // the last chart's go with the caller's collection: at a million organizations each
        // collection is ~30-50 ms of the drawing the writers wait for.
        if (i < names.length - 1 && read.length > 0) {
          await collectDroppedFrames({ rows: job.rows });
        }
      }
    } finally {
      await Deno.remove(job.ipcPath).catch(() => {});
    }
    return charts;
  };
  scope.onmessage = async (event) => {
    try {
      const [{ summaryCharts }, { chartFilePaths, writeClaimedChartFiles }] = await modules;
      const job = event.data;
      const charts = await drawCharts(job);
      await collectDroppedFrames({ rows: job.rows }); // the last chart's, before rasterising
      scope.postMessage({ drawn: charts.map(({ name, svg }) => ({ name, svg })) });
      // the summary sheet's PNGs first: the XLSX writer waits for them
      if (job.summary) scope.postMessage({ summary: summaryCharts(charts) });
      if (!job.files) return scope.postMessage({ paths: [] });
      const claims = new Int32Array(job.claims);
      const files = { outDir: job.outDir, stamp: job.stamp };
      await writeClaimedChartFiles(charts, {
        ...files,
        chosenBy: job.chosenBy,
        claim: () => Atomics.add(claims, 0, 1),
      });
      // the main thread may still be writing the files it claimed: it awaits those itself
      scope.postMessage({ paths: chartFilePaths(charts, files) });
    } catch (error) {
      scope.postMessage({
        error: error instanceof Error ? error.message : String(error),
        worded: error instanceof UserError,
      });
    }
  };
}
