/**
 * What a server keeps between exports: the process's RSS once idle after each of `--runs` exports
 * (after the queries: the demo stacked to `--rows` organizations, bench/write_stage_frame.ts, CSV
 * and XLSX with charts) drawn by a chart worker kept across them (lib/report/chart_thread.ts, as
 * `deno task mcp` and `deno task serve` do) or, with `--own`, by a worker of each export's own,
 * ended with it (`deno task export`'s); and the file descriptors open. Idle: the main thread's
 * garbage collected, then `--idle-ms` (default 3 s) of nothing. Figures only.
 *
 *   deno run -A --v8-flags=--expose-gc,--no-memory-pool-share-memory-on-teardown \
 *     bench/chart_thread_rss.ts [--rows 100000] [--runs 3] [--own] [--idle-ms 3000]
 */
import { parseArgs } from "node:util";
import { exportFiles, exportOptions } from "../lib/export.ts";
import { ChartThread } from "../lib/report/chart_thread.ts";
import { startChartWorker } from "../lib/report/chart_worker.ts";
import { collectDroppedFrames } from "../lib/core/memory.ts";
import { stackedRevenueFrame, withMetrics } from "./write_stage_frame.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
    own: { type: "boolean", default: false },
    "idle-ms": { type: "string", default: "3000" },
  },
});
const asOf = new Date("2026-11-01T00:00:00Z");
const status = (field: string) =>
  Number(Deno.readTextFileSync("/proc/self/status").match(new RegExp(`${field}:\\s+(\\d+)`))![1]);
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const openFiles = () => [...Deno.readDirSync("/proc/self/fd")].length;

/** RSS once idle: the main thread's frames collected, then `--idle-ms` of nothing. */
async function idleRss(): Promise<number> {
  await collectDroppedFrames();
  await new Promise((resolve) => setTimeout(resolve, Number(values["idle-ms"])));
  return status("VmRSS");
}

const stacked = await stackedRevenueFrame(Number(values.rows), { uniqueIds: true });
const thread = values.own ? undefined : new ChartThread();
console.log(
  `${values.rows} organizations, ${values.own ? "a worker per export" : "one kept worker"}; ` +
    `before any export: ${mb(await idleRss())} RSS, ${openFiles()} files open`,
);
try {
  for (let run = 1; run <= Number(values.runs); run++) {
    const dir = await Deno.makeTempDir({ prefix: "chart-thread-rss-" });
    const options = exportOptions({
      demo: true,
      asOf,
      ranAt: asOf,
      outDir: dir,
      formats: ["csv", "xlsx"],
      env: {},
      quiet: true,
      log: () => {},
    });
    let data = await withMetrics(stacked);
    const chartWorker = startChartWorker(thread);
    try {
      await exportFiles(data, { options, env: {}, chartWorker });
    } finally {
      chartWorker.close();
    }
    data = null!; // (the export's frame: a server lets it go)
    await Deno.remove(dir, { recursive: true });
    console.log(`after export ${run}: ${mb(await idleRss())} RSS, ${openFiles()} files open`);
  }
} finally {
  thread?.close();
}
