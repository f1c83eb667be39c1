/**
 * The export's history section over a long history: exportHistory as the export's history stage
 * calls it (lib/history/export_stage.ts), the stored month ends of bench/history_months.ts and this
 * export's frame in memory as the next month end, in a process of its own per run (its peak RSS
 * is the section's and the frame's). `--runs cold,warm`: cold forgets the sums and the bridge
 * state first (the first export after a backfill), warm resumes what the previous run kept.
 *
 *   deno run -A --v8-flags=--expose-gc bench/history_section.ts --dir DIR [--orgs 1000000] [--months 12]
 *
 * Prints per run: wall time, CPU-seconds, peak RSS (reset once the frame is built), the RSS before the section (frame built) and
 * the section's SHA-256 (the same every run, before and after a change).
 */
// float sums the same every run, as the kit's own processes (POLARS_NO_PARTITION)
import "../lib/core/polars_sums.ts";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { exportHistory } from "../lib/history/export_history.ts";
import {
  forgetCaches,
  FX_RATES,
  monthEnd,
  monthFrame,
  writeHistoryMonths,
} from "./history_months.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    orgs: { type: "string", default: "1000000" },
    months: { type: "string", default: "12" },
    dir: { type: "string" },
    runs: { type: "string", default: "cold,warm" },
    child: { type: "string" },
  },
});
if (!values.dir) {
  console.error("error: --dir DIR is required (the history is written there once and kept)");
  Deno.exit(1);
}
const orgs = Number(values.orgs);
const months = Number(values.months);
const dir = values.dir;

const statusMb = (key: string) =>
  Number(Deno.readTextFileSync("/proc/self/status").match(new RegExp(`${key}:\\s+(\\d+)`))![1]) /
  1024;

if (values.child) {
  // one run: the frame of the month after the stored ones, then the section
  const frame = monthFrame(orgs, months);
  const asOf = monthEnd(months, months);
  // the frame's building garbage gone and the peak reset (clear_refs 5): the peak is the section's
  (globalThis as { gc?: () => void }).gc?.();
  Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  const before = statusMb("VmRSS");
  const cpuBefore = ownCpu();
  const started = performance.now();
  const history = await exportHistory(join(dir, "history"), {
    demo: false,
    asOf,
    workbook: true,
    current: { asOf, frame, fxRates: FX_RATES },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = ownCpu() - cpuBefore;
  const digest = createHash("sha256").update(
    JSON.stringify([history?.section, history?.currencySection, history?.sheet.frame.toRecords()]),
  ).digest("hex").slice(0, 16);
  console.log(JSON.stringify({
    seconds,
    cpu,
    rssBeforeMb: Math.round(before),
    peakMb: Math.round(statusMb("VmHWM")),
    digest,
  }));
  Deno.exit(0);
}

await writeHistoryMonths({ dir, orgs, months, keep: true });
for (const run of values.runs.split(",")) {
  if (run === "cold") await forgetCaches(join(dir, "history"));
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      ...["--dir", dir, "--orgs", String(orgs), "--months", String(months), "--child", run],
    ],
    stdout: "piped",
    stderr: "inherit",
  });
  const cpuBefore = childCpu();
  const output = await command.output();
  const cpu = childCpu() - cpuBefore;
  if (!output.success) {
    console.log(`${run}: failed (exit ${output.code})`);
    continue;
  }
  const result = JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!);
  console.log(
    `${run}: section ${result.seconds.toFixed(2)} s, ${result.cpu.toFixed(2)} CPU-s (the process ${
      cpu.toFixed(2)
    }, the frame built too), RSS before the section ${result.rssBeforeMb} MB, peak ${result.peakMb} MB, section sha256 ${result.digest}`,
  );
}

/** CPU-seconds of this process (utime + stime, /proc/self/stat) */
function ownCpu(): number {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU-seconds of this process's ended children (cutime + cstime, /proc/self/stat) */
function childCpu(): number {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
