/**
 * The chart worker's thread: draws a job's charts (chart_worker.ts sends the job, through
 * chart_thread.ts), each from its own columns of the job's file, and writes their files and the
 * summary sheet's PNGs; one job at a time, the worker kept for the next (a server's exports).
 * Apart from the main thread's side so that Plot, linkedom and resvg load only here, and the job's
 * messages (WorkerJob, WorkerReply) are one protocol both sides import.
 */
import pl from "nodejs-polars";
import { UserError } from "../core/config.ts";
import type { ChosenBy } from "../core/chosen_by.ts";
import type { SummaryChart } from "../economics/xlsx_summary.ts";
import type { Chart } from "./charts.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import type { MarginCounts, PerPlanRow } from "../economics/per_plan.ts";
import type { PtbTimingPlan } from "../economics/ptb_timing.ts";
import { isWorkerEntry } from "../core/worker_entry.ts";
import { chartFrameReader } from "./chart_reads.ts";
import { chartFrameColumns } from "./chart_columns.ts";

/** A chart job as it crosses to the worker: the chart columns' file and what the charts say. */
export interface WorkerJob {
  /** the job's number: its replies carry it (a reply of a job given up is not the next one's) */
  job: number;
  /** the chart columns as an Arrow IPC file, removed by the worker once the charts are drawn */
  ipcPath: string;
  /** the file's columns, and its rows (organizations) */
  columns: string[];
  rows: number;
  /** one Int32: the next chart whose files are to be written, shared with the main thread */
  claims: SharedArrayBuffer;
  /** one Int32, set once the main thread gives the job up: dropped at the next chart or file */
  stopped: SharedArrayBuffer;
  plans?: PerPlanRow[];
  marginCounts?: Record<string, MarginCounts>;
  ptbTiming?: readonly PtbTimingPlan[];
  /**
   * the per-plan table (plans, marginCounts, ptbTiming) comes after the job, in a message of its
   * own (WorkerTable): the charts that do not read it are drawn first, meanwhile
   */
  tableLater?: boolean;
  /** the export's window: its days are named where charts show window usage */
  windowDays: number;
  demo: boolean;
  outDir: string;
  chosenBy: ChosenBy;
  stamp: string;
  summary: boolean;
  files: boolean;
  /** the worker is kept for another job (chart_thread.ts): the job's garbage goes once answered */
  kept: boolean;
}

/** The per-plan table of a job with `tableLater`, as it follows the job. */
export interface WorkerTable {
  job: number;
  table: Pick<WorkerJob, "plans" | "marginCounts" | "ptbTiming">;
}

/** The job given up (its table, awaited, will not come). */
export interface WorkerStop {
  job: number;
  stop: true;
}

/** Omit over each member of a union (Omit of the union keeps only their common keys). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * `drawn` comes first, with the charts: the SVGs exist and the chart columns are freed; writing
 * their files (rasterising) is left, shared with the main thread.
 */
export type WorkerReply =
  & { job: number }
  & (
    | { paths: string[] }
    | { drawn: Pick<Chart, "name" | "svg">[] }
    | { summary: SummaryChart[] }
    /** `worded`: a UserError's message (a full or read-only disk), already one line with its fix */
    | { error: string; worded?: boolean }
  );

// In the worker: a job at a time, each answered last with its paths or its error.
if (isWorkerEntry(import.meta)) {
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<WorkerJob | WorkerTable | WorkerStop>) => void;
    postMessage: (reply: WorkerReply) => void;
  };
  const load = () =>
    Promise.all([
      import("../economics/charts.ts"),
      import("./chart_files.ts"),
      import("./chart_frame.ts"),
    ]);
  // Loaded here only, and at once: Plot, linkedom and resvg stay out of the main thread, and load
  // while it queries. A failed load is reported with the job, and tried again with the next.
  let modules: ReturnType<typeof load> | null = null;
  const loaded = () => {
    if (!modules) {
      const loading = modules = load();
      loading.catch(() => {
        if (modules === loading) modules = null;
      });
    }
    return modules;
  };
  loaded();
  /** A job under way: its table (a job with `tableLater`), once it comes, and its stop. */
  interface Underway {
    id: number;
    table: PromiseWithResolvers<WorkerTable["table"]>;
    stopped: Int32Array;
  }
  let current: Underway | null = null;
  const throwIfStopped = ({ stopped }: Underway) => {
    if (Atomics.load(stopped, 0) !== 0) throw new Error("the job was given up");
  };
  /**
   * The job's charts, one at a time, each from its own columns of the file (CHART_READS); with
   * many organizations each chart's columns and Polars frames are freed before the next (at a
   * million they would add up to ~200 MB; at 100k a few MB, less worth than the ~25 ms of a full
   * collection each: collectDroppedFrames' `rows`). The file goes once every chart is drawn.
   */
  const drawCharts = async (job: WorkerJob, underway: Underway): Promise<Chart[]> => {
    const [{ EXPORT_CHARTS, PLAN_TABLE_CHARTS, reportChartNames }, , { MAX_DOTS }] = await loaded();
    const options = { windowDays: job.windowDays, demo: job.demo };
    const jobTable = { plans: job.plans, marginCounts: job.marginCounts, ptbTiming: job.ptbTiming };
    // Above MAX_DOTS organizations a scatter's names are read only if it draws dots after all
    // (drawnRows): a hexbin names no one.
    const namesLater = job.rows > MAX_DOTS;
    const orgNames = () => pl.readIPC(job.ipcPath, { columns: ["org_name"] }).getColumn("org_name");
    const names = reportChartNames(job.columns);
    const readsTable = (i: number) => PLAN_TABLE_CHARTS.includes(names[i]);
    // the charts in the order drawn: with the table coming later, those that read it last (each
    // in its place in `charts`, the export's order, all the same)
    const order = [...names.keys()];
    if (job.tableLater) order.sort((a, b) => Number(readsTable(a)) - Number(readsTable(b)));
    const charts: Chart[] = new Array(names.length);
    try {
      const reads = order.map((i) =>
        chartFrameColumns(names[i], job.columns).filter((c) => !(namesLater && c === "org_name"))
      );
      const frameOf = chartFrameReader(job.ipcPath, reads);
      for (const [k, i] of order.entries()) {
        throwIfStopped(underway);
        const table = {
          ...options,
          ...(job.tableLater && readsTable(i) ? await underway.table.promise : jobTable),
        };
        charts[i] = EXPORT_CHARTS[names[i]](
          frameOf(k),
          namesLater ? { ...table, orgNames } : table,
        );
        // A per-plan chart drawn from the job's table leaves no organizations' frame behind, and
        // the last chart's go with the caller's collection: at a million organizations each
        // collection is ~30-50 ms of the drawing the writers wait for.
        if (k < order.length - 1 && reads[k].length > 0) {
          await collectDroppedFrames({ rows: job.rows });
        }
      }
    } finally {
      await Deno.remove(job.ipcPath).catch(() => {});
    }
    return charts;
  };
  scope.onmessage = async (event) => {
    const message = event.data;
    // (a table or stop of a job that is over is nobody's)
    if ("table" in message) {
      if (message.job === current?.id) current.table.resolve(message.table);
      return;
    }
    if ("stop" in message) {
      if (message.job === current?.id) current.table.reject(new Error("the job was given up"));
      return;
    }
    const job = message;
    const table = Promise.withResolvers<WorkerTable["table"]>();
    table.promise.catch(() => {}); // (awaited only by a job with tableLater)
    const underway = current = { id: job.job, table, stopped: new Int32Array(job.stopped) };
    const reply = (answer: DistributiveOmit<WorkerReply, "job">) =>
      scope.postMessage({ ...answer, job: job.job } as WorkerReply);
    try {
      const [{ summaryCharts }, { chartFilePaths, writeClaimedChartFiles }] = await loaded();
      const charts = await drawCharts(job, underway);
      await collectDroppedFrames({ rows: job.rows }); // the last chart's, before rasterising
      reply({ drawn: charts.map(({ name, svg }) => ({ name, svg })) });
      // the summary sheet's PNGs first: the XLSX writer waits for them
      throwIfStopped(underway);
      if (job.summary) reply({ summary: summaryCharts(charts) });
      if (!job.files) return reply({ paths: [] });
      const claims = new Int32Array(job.claims);
      const { stopped } = underway;
      const files = { outDir: job.outDir, stamp: job.stamp };
      await writeClaimedChartFiles(charts, {
        ...files,
        chosenBy: job.chosenBy,
        // a job given up writes no more files
        claim: () => Atomics.load(stopped, 0) !== 0 ? charts.length : Atomics.add(claims, 0, 1),
        rows: job.rows,
      });
      // the main thread may still be writing the files it claimed: it awaits those itself
      reply({ paths: chartFilePaths(charts, files) });
    } catch (error) {
      reply({
        error: error instanceof Error ? error.message : String(error),
        worded: error instanceof UserError,
      });
    } finally {
      current = null;
      // (else the charts, their frames and pixmaps stay resident while an idle server waits:
      // ~30-75 MB at 100k organizations)
      if (job.kept) await collectDroppedFrames();
    }
  };
}
