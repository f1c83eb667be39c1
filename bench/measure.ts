/**
 * One measured export, in its own process so its memory is its own: runs runExport with the
 * settings in the environment and prints a JSON line (wall time, stages, peak RSS overall and per
 * stage, Stripe calls, the process's CPU time: every thread's, start-up included, and up to the end
 * of the queries stage).
 *   deno run -A bench/measure.ts --out-dir DIR --format csv|xlsx|both --as-of ISO [--ran-at ISO]
 *     [--stripe MODE]
 *     [--no-charts]
 *
 * Peak RSS per stage: Linux keeps a high-water mark (VmHWM) that writing 5 to
 * /proc/self/clear_refs resets; it is reset when a stage starts with no other stage running and
 * read when a stage ends, so a stage's figure is the peak since it (or an overlapping stage) began.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { loadEnv } from "../lib/core/config.ts";
import { type ExportFormat, runExport, type StripeMode } from "../lib/export.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "out-dir": { type: "string" },
    format: { type: "string", default: "csv" },
    "as-of": { type: "string" },
    "ran-at": { type: "string" },
    stripe: { type: "string", default: "auto" },
    "no-charts": { type: "boolean", default: false },
  },
});

/** Peak resident set size since start or the last reset (VmHWM), in MB. */
function peakRssMb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kb = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** CPU time of the whole process (every thread: main, workers, Polars', V8's), in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
}

let overallPeakMb = 0;
let queriesCpuMs: number | undefined;
let open = 0;
const stagePeakRssMb: Record<string, number> = {};
/** each stage's start and end, ms since the process started (bench/timeline.ts lines them up) */
const marks: { stage: string; phase: "start" | "end"; ms: number }[] = [];
function onStage(name: string, phase: "start" | "end") {
  marks.push({ stage: name, phase, ms: Math.round(performance.now()) });
  if (phase === "start") {
    if (open++ === 0) {
      overallPeakMb = Math.max(overallPeakMb, peakRssMb());
      Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    }
  } else {
    if (name === "queries") queriesCpuMs = cpuMs();
    open--;
    stagePeakRssMb[name] = peakRssMb();
    overallPeakMb = Math.max(overallPeakMb, stagePeakRssMb[name]);
  }
}

const formats: ExportFormat[] = values.format === "both"
  ? ["csv", "xlsx"]
  : [values.format as ExportFormat];
const started = performance.now();
const result = await runExport({
  outDir: values["out-dir"]!,
  formats,
  asOf: new Date(values["as-of"]!),
  // the seed's fixed as-of, run as if then: a live export stores its history snapshot (its
  // Parquet encoding is part of what an export costs) only within 24 h of its as-of
  ...(values["ran-at"] ? { ranAt: new Date(values["ran-at"]) } : {}),
  demo: false,
  stripe: values.stripe as StripeMode,
  charts: !values["no-charts"],
  env: await loadEnv("/nonexistent"),
  quiet: true,
  log: () => {},
  onStageTime: onStage,
});
console.log(JSON.stringify({
  exportMs: Math.round(performance.now() - started),
  cpuMs: cpuMs(),
  queriesCpuMs,
  peakRssMb: Math.max(overallPeakMb, peakRssMb()),
  stagePeakRssMb,
  rows: result.data.frame.height,
  stages: result.data.stages,
  marks,
  queries: result.data.queries.map((q) => ({
    name: q.name,
    rows: q.rows,
    durationMs: q.durationMs,
  })),
  stripe: {
    source: result.data.revenue.source,
    apiCalls: result.data.revenue.apiCalls,
    durationMs: result.data.revenue.durationMs,
  },
  bytes: Object.fromEntries(
    result.files.filter((f) => /\.(csv|xlsx)$/.test(f) && !f.includes("_trimmed")).map((
      f,
    ) => [f.split(".").pop(), Deno.statSync(f).size]),
  ),
}));
// ended as `deno task export` ends (lib/cli/args.ts runMain: Deno.exit), not by waiting for the
// runtime to wind down on its own
Deno.exit(0);
