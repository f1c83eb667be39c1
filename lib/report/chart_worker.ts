/**
 * Charts off the main thread: the worker draws the export's charts (reportCharts: the economics
 * and pricing charts), writes their SVG and PNG files and rasterises the summary sheet's PNGs
 * (Plot, linkedom, resvg: seconds at a million organizations) while the main thread writes the
 * CSV and XLSX. The frame crosses as Arrow IPC bytes of the columns the charts read, not as JS
 * values; the PNGs come back as bytes.
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import type { SummaryChart } from "../economics/xlsx_summary.ts";

/**
 * The columns reportCharts reads (lib/economics/charts.ts and the per-plan table it draws from,
 * lib/report/charts.ts); tests/chart_worker_test.ts fails when a chart reads another one.
 */
export const CHART_COLUMNS = [
  "org_id", // per-plan table: organizations
  "org_name",
  "tier",
  "plan",
  "seats",
  "requests_30d",
  "llm_cost_30d",
  "llm_cost_ptb_30d",
  "mrr",
  "ptb_revenue_30d",
  "company_cost_30d",
  "list_price_mrr",
  "gross_margin_pct",
  "gross_margin_company_pct",
];

export interface ChartJob {
  /** the export frame; only CHART_COLUMNS cross to the worker */
  frame: pl.DataFrame;
  outDir: string;
  stamp: string;
  /** also rasterise the summary sheet's PNGs (an XLSX is written) */
  summary: boolean;
}

export interface RenderedCharts {
  /** the SVG and PNG files written, in chart order */
  paths: string[];
  /** the summary sheet's PNGs (summaryCharts), when asked for */
  summary: SummaryChart[];
}

interface WorkerJob {
  ipc: ArrayBuffer;
  outDir: string;
  stamp: string;
  summary: boolean;
}

type WorkerReply = RenderedCharts | { error: string };

/** A chart worker started ahead of its job, so its start-up overlaps the queries. */
export interface ChartWorker {
  /** Draws and writes the charts of `frame`. One job per worker; the worker ends with it. */
  render(job: ChartJob): Promise<RenderedCharts>;
  /** Ends the worker (done, failed elsewhere, or not needed after all). */
  close(): void;
}

/** The chart columns of `frame` as IPC bytes in a buffer of their own (handed over, not copied). */
function chartIpc(frame: pl.DataFrame): ArrayBuffer {
  const bytes = frame.select(...CHART_COLUMNS.filter((c) => frame.columns.includes(c)))
    .writeIPC();
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer;
  return whole ? bytes.buffer as ArrayBuffer : new Uint8Array(bytes).buffer;
}

/** Starts a worker that loads Plot, linkedom and resvg while the caller does other work. */
export function startChartWorker(): ChartWorker {
  const worker = new Worker(import.meta.url, { type: "module" });
  return {
    render({ frame, outDir, stamp, summary }) {
      const ipc = chartIpc(frame);
      return new Promise<RenderedCharts>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<WorkerReply>) => {
          worker.terminate();
          if ("error" in event.data) reject(new Error(`charts failed: ${event.data.error}`));
          else resolve(event.data);
        };
        worker.onerror = (event) => {
          event.preventDefault();
          worker.terminate();
          reject(new Error(`charts failed: ${event.message}`));
        };
        worker.postMessage({ ipc, outDir, stamp, summary } satisfies WorkerJob, [ipc]);
      });
    },
    close: () => worker.terminate(),
  };
}

/** Writes the charts in a worker; resolves once the worker is done. */
export function writeChartsOffThread(job: ChartJob): Promise<RenderedCharts> {
  return startChartWorker().render(job);
}

// In the worker: one job, one reply.
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function") {
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<WorkerJob>) => void;
    postMessage: (reply: WorkerReply) => void;
  };
  // Loaded here only, and at once: Plot, linkedom and resvg stay out of the main thread, and load
  // while it queries. A failed load is reported with the job.
  const modules = Promise.all([import("../economics/charts.ts"), import("./charts.ts")]);
  modules.catch(() => {});
  scope.onmessage = async (event) => {
    try {
      const [{ reportCharts, summaryCharts }, { writeChartFiles }] = await modules;
      const job = event.data;
      const frame = pl.readIPC(Buffer.from(job.ipc));
      job.ipc = new ArrayBuffer(0); // the columns are in Polars now: the bytes can go
      const charts = reportCharts(frame);
      const paths = await writeChartFiles(charts, { outDir: job.outDir, stamp: job.stamp });
      scope.postMessage({ paths, summary: job.summary ? summaryCharts(charts) : [] });
    } catch (error) {
      scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
  };
}
