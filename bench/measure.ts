/**
 * One measured export, in its own process so its peak RSS is its own: runs runExport with the
 * settings in the environment and prints a JSON line (wall time, stages, peak RSS, Stripe calls).
 *   deno run -A bench/measure.ts --out-dir DIR --format csv|xlsx|both --as-of ISO [--stripe MODE]
 */
import { parseArgs } from "node:util";
import { loadEnv } from "../lib/core/config.ts";
import { type ExportFormat, runExport, type StripeMode } from "../lib/export.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "out-dir": { type: "string" },
    format: { type: "string", default: "csv" },
    "as-of": { type: "string" },
    stripe: { type: "string", default: "auto" },
  },
});

/** Peak resident set size of this process (VmHWM), in MB. */
function peakRssMb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kb = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

const formats: ExportFormat[] = values.format === "both"
  ? ["csv", "xlsx"]
  : [values.format as ExportFormat];
const started = performance.now();
const result = await runExport({
  outDir: values["out-dir"]!,
  formats,
  asOf: new Date(values["as-of"]!),
  demo: false,
  stripe: values.stripe as StripeMode,
  env: await loadEnv("/nonexistent"),
  quiet: true,
  log: () => {},
});
console.log(JSON.stringify({
  wallMs: Math.round(performance.now() - started),
  peakRssMb: peakRssMb(),
  rows: result.data.frame.height,
  stages: result.data.stages,
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
    result.files.filter((f) => /\.(csv|xlsx)$/.test(f)).map((
      f,
    ) => [f.split(".").pop(), Deno.statSync(f).size]),
  ),
}));
