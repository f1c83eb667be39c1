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
 * Here the main thread's side of a job (start, send, share the file writing, end); what crosses is
 * chart_columns.ts, the drawing in the worker chart_worker_thread.ts.
 */
import type pl from "nodejs-polars";
import { join } from "node:path";
import { UserError } from "../core/config.ts";
import { writeFailure } from "../formats/files.ts";
import type { ChosenBy } from "../core/chosen_by.ts";
import type { SummaryChart } from "../economics/xlsx_summary.ts";
import type { Chart } from "./charts.ts";
import { chartColumns, chartPlanTable } from "./chart_columns.ts";
import type { WorkerReply } from "./chart_worker_thread.ts";
import { ChartThread, type ThreadJob } from "./chart_thread.ts";
import { untilAborted } from "../core/abort.ts";
import { collectDroppedFrames } from "../core/memory.ts";

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
  /** the per-plan table sent after the job (default: up to TABLE_AFTER_JOB_UP_TO organizations) */
  tableAfterJob?: boolean;
}

export interface RenderedCharts {
  /** the SVG and PNG files written, in chart order */
  paths: string[];
  /** the summary sheet's PNGs (summaryCharts), when asked for */
  summary: SummaryChart[];
}

/** A chart worker started ahead of its job, so its start-up overlaps the ClickHouse queries. */
export interface ChartWorker {
  /**
   * Draws and writes the charts of `frame`. One job per ChartWorker; the worker ends with it,
   * unless it is a thread's kept across exports (startChartWorker's `thread`).
   */
  render(job: ChartJob): Promise<RenderedCharts>;
  /**
   * Settles (never rejects) once the job's charts are drawn: their columns and Polars work are
   * freed and only rasterising (little memory) is left; or once the job failed or the worker
   * was closed. The export starts its writers then, so the two peaks never add up.
   */
  readonly drawn: Promise<void>;
  /**
   * Settles (never rejects) once this thread's part of the job is done (the per-plan table and
   * the columns' file made, the job sent), or the job failed or the worker was closed before: the
   * frames that part dropped are garbage from then on.
   */
  readonly sent: Promise<void>;
  /**
   * Writes chart files beside the worker until none is left (the charts come from the worker
   * once drawn; each is written once, by whichever thread claims it first). For the main thread
   * once its own work is done: at 100k organizations a CSV export ends ~0.25 s sooner. Resolves
   * at once when there is no job or it failed. A stop (`signal`, a command's Ctrl-C or SIGTERM)
   * ends it after the file under way (nothing written past its folder's removal): its reason is
   * thrown.
   */
  shareFileWriting(signal?: AbortSignal): Promise<void>;
  /**
   * The summary sheet's PNGs of a job that asked for them, rasterised right after the drawing
   * (before the chart files: the XLSX waits for them); rejects when the job fails.
   */
  readonly summary: Promise<SummaryChart[]>;
  /**
   * Ends the job (done, failed elsewhere, or not needed after all): its worker, or a kept thread's
   * is told to drop it.
   */
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
 * Organizations up to which a job's per-plan table (chartPlanTable: ~30 ms of the main thread at
 * 100k organizations) is worked out after the job is sent, while the worker draws the charts that
 * do not read it (the drawing is the long pole after the queries). Above, the plan charts would
 * come last and the columns they share with the others be held across the drawing (a million
 * organizations' peak is set there), so the table goes with the job, as before.
 */
const TABLE_AFTER_JOB_UP_TO = 250_000;

/**
 * Starts a worker that loads Plot, linkedom and resvg while the caller does other work: `thread`'s
 * (a server's, kept across its exports; started by its first export), else one of its own, ended
 * with the job.
 */
export function startChartWorker(thread?: ChartThread): ChartWorker {
  const workerThread = thread ?? new ChartThread();
  workerThread.warm();
  let sentJob: ThreadJob | undefined;
  let markDrawn = () => {};
  const drawn = new Promise<void>((resolve) => markDrawn = resolve);
  let markSent = () => {};
  const sent = new Promise<void>((resolve) => markSent = resolve);
  let job: {
    files: boolean;
    charts: Pick<Chart, "name" | "svg">[];
    claims: Int32Array;
    outDir: string;
    chosenBy: ChosenBy;
    stamp: string;
  } | undefined;
  const claims = new SharedArrayBuffer(4);
  const stopped = new SharedArrayBuffer(4);
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
  const endJob = (why = "the chart worker was closed", worded = false) => {
    ended = true;
    sentJob?.giveUp();
    if (!thread) workerThread.close();
    markDrawn();
    markSent();
    summaryFailed(worded ? new UserError(why) : new Error(why));
  };
  return {
    drawn,
    sent,
    summary: summaryPromise,
    async render({
      frame,
      outDir,
      chosenBy,
      stamp,
      summary,
      files = true,
      windowDays,
      demo,
      usagePricedPlans,
      tableAfterJob,
    }) {
      let ipcPath: string;
      let columns: string[];
      const failureOf = (error: unknown) => {
        const worded = error instanceof UserError;
        return {
          message: worded ? error.message : `charts failed: ${(error as Error)?.message ?? error}`,
          worded,
        };
      };
      // the per-plan table after the job when small (TABLE_AFTER_JOB_UP_TO), else in it
      const tableLater = tableAfterJob ?? frame.height <= TABLE_AFTER_JOB_UP_TO;
      let table: ReturnType<typeof chartPlanTable>;
      try {
        if (!tableLater) {
          table = chartPlanTable(frame, windowDays, { usagePricedPlans });
          // its frames are garbage: freed before the columns' file adds its own (a million
          // organizations' peak was the two together)
          await collectDroppedFrames({ rows: frame.height });
          if (ended) throw new Error("the chart worker was closed");
        }
        ({ path: ipcPath, columns } = writeChartColumns(frame, {
          dir: outDir,
          windowDays,
          chosenBy,
        }));
      } catch (error) {
        const { message, worded } = failureOf(error);
        endJob(message, worded);
        // worded as a failure after the job is sent (the table's, or the worker's), whichever
        // side of it the table was worked out on (TABLE_AFTER_JOB_UP_TO)
        return Promise.reject(worded ? error : new Error(message));
      }
      // a worded failure (a full or read-only disk) is said as it is: one line with its fix
      const failed = (
        reject: (error: Error) => void,
        message: string,
        { worded = false } = {},
      ) => {
        endJob(message, worded);
        Deno.remove(ipcPath).catch(() => {}).finally(() =>
          reject(worded ? new UserError(message) : new Error(message))
        );
      };
      return new Promise<RenderedCharts>((resolve, reject) => {
        const reply = (data: WorkerReply) => {
          if ("drawn" in data) {
            job = {
              files,
              charts: data.drawn,
              claims: new Int32Array(claims),
              outDir,
              chosenBy,
              stamp,
            };
            return markDrawn();
          }
          if ("summary" in data) {
            summaryPngs = data.summary;
            return summaryDone(summaryPngs);
          }
          if ("error" in data) {
            const { error, worded } = data;
            return failed(reject, worded ? error : `charts failed: ${error}`, { worded });
          }
          summaryDone(summaryPngs); // (none asked: [])
          endJob();
          resolve({ paths: data.paths, summary: summaryPngs });
        };
        try {
          sentJob = workerThread.send({
            ipcPath,
            columns,
            rows: frame.height,
            claims,
            stopped,
            plans: table?.plans,
            marginCounts: table?.marginCounts,
            ptbTiming: table?.ptbTiming,
            tableLater,
            windowDays,
            demo,
            outDir,
            chosenBy,
            stamp,
            summary,
            files,
            kept: thread !== undefined,
          }, { reply, broken: (message) => failed(reject, message) });
        } catch (error) {
          return failed(reject, (error as Error).message); // the thread was closed
        }
        markSent();
        if (!tableLater) return;
        try {
          table = chartPlanTable(frame, windowDays, { usagePricedPlans });
        } catch (error) {
          const { message, worded } = failureOf(error);
          return failed(reject, message, { worded });
        }
        sentJob.sendTable({
          plans: table?.plans,
          marginCounts: table?.marginCounts,
          ptbTiming: table?.ptbTiming,
        });
      });
    },
    async shareFileWriting(signal) {
      await untilAborted(drawn, signal);
      if (!job?.files) return;
      const { charts, claims, outDir, chosenBy, stamp } = job;
      const { writeClaimedChartFiles } = await chartFiles;
      try {
        await writeClaimedChartFiles(charts, {
          outDir,
          chosenBy,
          stamp,
          // a failed or closed job, or a stop: no more files (the export is failing or stopping)
          claim: () => ended || signal?.aborted ? charts.length : Atomics.add(claims, 0, 1),
        });
        signal?.throwIfAborted();
      } catch (error) {
        if (error === signal?.reason) throw error;
        if (error instanceof UserError) throw error; // a full or read-only disk, worded
        throw new Error(
          `charts failed: ${String((error as Error)?.message ?? error).split("\n")[0]}`,
        );
      }
    },
    close: () => endJob(),
  };
}

/** Writes the charts in a worker; resolves once the worker is done. */
export function writeChartsOffThread(job: ChartJob): Promise<RenderedCharts> {
  return startChartWorker().render(job);
}
