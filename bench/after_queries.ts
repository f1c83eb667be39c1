/**
 * The export after its queries (charts, history, snapshot, write, brief, manifest, publish) on the
 * demo export stacked to `--rows` rows (bench/write_stage_frame.ts; organization and customer ids
 * made unique), without databases: the CPU seconds of the whole process (every thread) and by
 * thread kind (bench/cpu_sampler.ts), and the wall time. Figures only; no pass/fail.
 *
 *   deno run -A --v8-flags=--expose-gc bench/after_queries.ts [--rows 1000000] [--runs 3]
 *     [--shared-pct 5] [--format csv|both] [--keep DIR] [--no-charts] [--no-history]
 */
import { parseArgs } from "node:util";
import process from "node:process";
import pl from "nodejs-polars";
import { exportFiles, exportOptions, loadPricingData } from "../lib/export.ts";
import { startChartWorker } from "../lib/report/chart_worker.ts";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { ptbTimingPlans } from "../lib/economics/ptb_timing.ts";
import { SIBLING_CARRIED_NUMBERS } from "../lib/revenue/columns.ts";
import type { RevenueResult } from "../lib/revenue/types.ts";
import { CpuSampler } from "./cpu_sampler.ts";
import { uniqueStackedFrame } from "./write_stage_frame.ts";

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

const uniqueIds = await uniqueStackedFrame(rows);
const frame = sharedPairs(uniqueIds, Number(values["shared-pct"])).select(...COLUMN_NAMES)
  .rechunk();
console.log(
  `frame: ${frame.height} rows × ${frame.width} columns, ${
    frame.filter(pl.col("revenue_source").eq(pl.lit("shared_customer"))).height
  } shared_customer`,
);

/**
 * `pct` percent of the organizations in pairs sharing a Stripe customer: of rows 2k and 2k+1 (k in
 * every 100 / pct pairs' first), the first carries the revenue (revenue_source demo) and the second
 * reads shared_customer with its money columns and ptb_revenue_30d empty, as attachRevenue has it.
 */
function sharedPairs(frame: pl.DataFrame, pct: number): pl.DataFrame {
  if (!(pct > 0)) return frame;
  const every = Math.max(2, Math.round(200 / pct)); // rows per pair, so 2 / every = pct %
  const at = pl.col("__at");
  const inPair = at.modulo(every).lt(2);
  const second = at.modulo(every).eq(1);
  const pair = pl.concatString([pl.lit("cus_pair"), at.sub(at.modulo(every)).cast(pl.Utf8)], "_");
  const carried = [...SIBLING_CARRIED_NUMBERS];
  return frame.withColumns(pl.col("__row").cast(pl.Int64).alias("__at")).withColumns(
    pl.when(inPair).then(pair).otherwise(pl.col("stripe_customer_id")).alias("stripe_customer_id"),
    pl.when(second).then(pl.lit("shared_customer"))
      .when(inPair).then(pl.lit("demo")).otherwise(pl.col("revenue_source"))
      .alias("revenue_source"),
    ...carried.map((name) =>
      pl.when(second).then(pl.lit(null).cast(pl.Float64)).otherwise(pl.col(name)).alias(name)
    ),
  );
}

/**
 * The demo's revenue with a customer per stacked customer id that carries revenue (the stacked
 * ids match none of the demo's), as a 1M export's revenue stage hands them on: the history
 * stage's join for the snapshot's mrr_recurring_minor (lib/revenue/columns.ts withRecurringMinor)
 * then finds its customers, as in an export. Its other fields stay the demo's customers' (unread
 * after the revenue stage).
 */
function stackedRevenue(revenue: RevenueResult, frame: pl.DataFrame): RevenueResult {
  const carrying = frame.filter(
    pl.col("stripe_customer_id").isNotNull().and(
      pl.col("revenue_source").neq(pl.lit("shared_customer")),
    ),
  );
  return {
    ...revenue,
    customers: carrying.select(
      pl.col("stripe_customer_id").alias("customerId"),
      pl.col("mrr_recurring").mul(100).round(0).alias("mrrRecurringMinor"),
      pl.col("ptb_revenue_30d").alias("ptbRevenueUsd30d"),
    ),
  };
}

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
  const data = await loadPricingData(options);
  // a frame object of its own each run: what is worked out once per frame (the per-plan sums,
  // the customer losses, the company margins) is kept by frame object, so the same object would
  // let a second run skip them; the ptb-timing plans, which an export works out in its metrics
  // stage and hands on (lib/pipeline/metrics_stage.ts), are worked out before the timing
  data.frame = frame.select(...frame.columns);
  ptbTimingPlans(data.frame, data.windowDays);
  data.revenue = stackedRevenue(data.revenue, frame);
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
