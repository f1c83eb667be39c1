/**
 * Charts off the main thread: the worker renders and rasterises the export's charts (Plot,
 * linkedom, resvg: a CPU-bound second) while the main thread writes the CSV and XLSX. The frame
 * crosses as Arrow IPC bytes of the columns the charts read, not as JS values.
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";

/** The columns pricingCharts reads; a chart that reads another column must add it here. */
export const CHART_COLUMNS = [
  "org_name",
  "tier",
  "requests_30d",
  "llm_cost_30d",
  "mrr",
  "gross_margin_pct",
  "company_cost_30d", // read when present (the economics columns)
];

interface ChartJob {
  ipc: ArrayBuffer;
  outDir: string;
  stamp: string;
}

type ChartReply = { paths: string[] } | { error: string };

/** A chart worker started ahead of its job, so its start-up overlaps the queries. */
export interface ChartWorker {
  /** Writes the charts of `frame`; resolves with their paths. One job per worker. */
  render(job: { frame: pl.DataFrame; outDir: string; stamp: string }): Promise<string[]>;
  /** Ends the worker (done, or not needed after all). */
  close(): void;
}

/** Starts a worker that loads Plot, linkedom and resvg while the caller does other work. */
export function startChartWorker(): ChartWorker {
  const worker = new Worker(import.meta.url, { type: "module" });
  return {
    render({ frame, outDir, stamp }) {
      const bytes = frame.select(...CHART_COLUMNS.filter((c) => frame.columns.includes(c)))
        .writeIPC();
      // The IPC bytes' own buffer is handed over (no copy) when they fill it, as a large one does.
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength &&
        bytes.buffer instanceof ArrayBuffer;
      const ipc = whole ? bytes.buffer as ArrayBuffer : new Uint8Array(bytes).buffer;
      return new Promise<string[]>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<ChartReply>) => {
          worker.terminate();
          if ("paths" in event.data) resolve(event.data.paths);
          else reject(new Error(`charts failed: ${event.data.error}`));
        };
        worker.onerror = (event) => {
          event.preventDefault();
          worker.terminate();
          reject(new Error(`charts failed: ${event.message}`));
        };
        worker.postMessage({ ipc, outDir, stamp } satisfies ChartJob, [ipc]);
      });
    },
    close: () => worker.terminate(),
  };
}

/** Writes the charts in a worker; resolves with their paths once the worker is done. */
export function writeChartsOffThread(
  frame: pl.DataFrame,
  outDir: string,
  stamp: string,
): Promise<string[]> {
  return startChartWorker().render({ frame, outDir, stamp });
}

// In the worker: one job, one reply.
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function") {
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<ChartJob>) => void;
    postMessage: (reply: ChartReply) => void;
  };
  // Loaded here only, and at once: Plot, linkedom and resvg stay out of the main thread, and load
  // while it queries. A failed load is reported with the job.
  const charts = import("./charts.ts");
  charts.catch(() => {});
  scope.onmessage = async (event) => {
    try {
      const { writeCharts } = await charts;
      const frame = pl.readIPC(Buffer.from(event.data.ipc));
      scope.postMessage({ paths: await writeCharts(frame, event.data.outDir, event.data.stamp) });
    } catch (error) {
      scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
  };
}
