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
];

interface ChartJob {
  ipc: ArrayBuffer;
  outDir: string;
  stamp: string;
}

type ChartReply = { paths: string[] } | { error: string };

/** Writes the charts in a worker; resolves with their paths once the worker is done. */
export function writeChartsOffThread(
  frame: pl.DataFrame,
  outDir: string,
  stamp: string,
): Promise<string[]> {
  const bytes = frame.select(...CHART_COLUMNS).writeIPC();
  // The IPC bytes' own buffer is handed over (no copy) when they fill it, as a large one does.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer;
  const ipc = whole ? bytes.buffer as ArrayBuffer : new Uint8Array(bytes).buffer;
  const worker = new Worker(import.meta.url, { type: "module" });
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
}

// In the worker: one job, one reply.
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function") {
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<ChartJob>) => void;
    postMessage: (reply: ChartReply) => void;
  };
  scope.onmessage = async (event) => {
    try {
      // Loaded here only: Plot, linkedom and resvg stay out of the main thread's start-up.
      const { writeCharts } = await import("./charts.ts");
      const frame = pl.readIPC(Buffer.from(event.data.ipc));
      scope.postMessage({ paths: await writeCharts(frame, event.data.outDir, event.data.stamp) });
    } catch (error) {
      scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
  };
}
