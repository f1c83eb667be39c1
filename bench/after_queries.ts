/**
 * The export after its queries (charts, history, snapshot, write, brief, manifest, publish) on the
 * demo export stacked to `--rows` rows (bench/write_stage_frame.ts; organization and customer ids
 * made unique; metric and economics columns and warnings worked out by the metrics stage on the
 * stacked frame, untimed), without databases: the CPU seconds of the whole process (every
 * thread) and by thread kind (bench/cpu_sampler.ts), and the wall time. Figures only.
 *
 *   deno run -A --v8-flags=--expose-gc bench/after_queries.ts [--rows 1000000] [--runs 3]
 *     [--shared-pct 5] [--format csv|both] [--keep DIR] [--no-charts] [--no-history]
 */
import { parseArgs } from "node:util";
import process from "node:process";
import pl from "nodejs-polars";
import { exportFiles, exportOptions } from "../lib/export.ts";
import { startChartWorker } from "../lib/report/chart_worker.ts";
import { CpuSampler } from "./cpu_sampler.ts";
import { stackedRevenueFrame, withMetrics } from "./write_stage_frame.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "1000000" },
    runs: { type: "string", default: "3" },
    format: { type: "string", default: "csv" },
    /** keep the last run's output folder here (to compare bytes across versions) */
    keep: { type: "string" },
    "no-charts": { type: "boolean", default: false },
    "no-history": { type: "boolean", default: false },
    /** share a Stripe customer between pairs of organizations, this percent of them (0: none) */
    "shared-pct": { type: "string", default: "0" },
  },
});
const rows = Number(values.rows);
const formats = values.format === "both" ? ["csv", "xlsx"] as const : ["csv"] as const;
const asOf = new Date("2026-11-01T00:00:00Z");
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const stacked = await stackedRevenueFrame(rows, {
  uniqueIds: true,
  sharedPct: Number(values["shared-pct"]),
});
const sharedRows =
  stacked.frame.filter(pl.col("revenue_source").eq(pl.lit("shared_customer"))).height;

const ms = (cpu: number) => `${(cpu / 1000).toFixed(2)} s`;
for (let run = 0; run < Number(values.runs); run++) {
  const dir = await Deno.makeTempDir({ prefix: "after-queries-" });
  const options = exportOptions({
    demo: true,
    asOf,
    ranAt: asOf,
    outDir: dir,
    formats: [...formats],
    env: {},
    quiet: true,
    log: () => {},
    charts: !values["no-charts"],
    history: !values["no-history"],
  });
  // the export's metrics stage on the stacked frame, untimed (an export's is before the write):
  // its columns and warnings are the stacked frame's, and a frame object of its own each run, as
  // what is worked out once per frame (the per-plan sums, the customer losses, the company
  // margins) is kept by frame object, so the same object would let a second run skip them
  const data = await withMetrics(stacked);
  if (run === 0) {
    console.log(
      `frame: ${data.frame.height} rows × ${data.frame.width} columns, ${sharedRows} shared_customer`,
    );
  }
  const chartWorker = values["no-charts"] ? undefined : startChartWorker();
  // the worker loads Plot, linkedom and resvg during the queries in an export: not timed here
  await new Promise((resolve) => setTimeout(resolve, 3000));
  gc();
  Deno.writeTextFileSync("/proc/self/clear_refs", "5"); // VmHWM from here (Linux)
  const sampler = new CpuSampler({ intervalMs: 50 });
  sampler.watch(Deno.pid);
  sampler.start();
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    await exportFiles(data, { options, env: {}, chartWorker });
  } finally {
    chartWorker?.close();
  }
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - started;
  const peakMb = Math.round(
    Number(Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) / 1024,
  );
  const last = sampler.stop().at(-1)!.seconds;
  // (the sampler also counts every database server and client on the machine: here, with no
  // databases of its own, those are other processes', so only this process's threads are shown)
  const kinds = Object.entries(last)
    .filter(([kind, s]) => s > 0 && !["clickhouse", "postgres", "clients"].includes(kind))
    .map(([kind, s]) => `${kind} ${s.toFixed(2)}`).join(", ");
  const stages = ["history", "snapshot", "charts", "write"]
    .map((s) => `${s} ${data.stages[s] ?? "-"}`).join(", ");
  console.log(
    `run ${run + 1}: ${ms(wall)} wall, ${ms((used.user + used.system) / 1000)} CPU ` +
      `(user ${ms(used.user / 1000)}, sys ${
        ms(used.system / 1000)
      }; ${kinds}); peak ${peakMb} MB; ` +
      `ms: ${stages}`,
  );
  if (values.keep && run === Number(values.runs) - 1) {
    await Deno.rename(dir, values.keep);
  } else {
    await Deno.remove(dir, { recursive: true });
  }
}
