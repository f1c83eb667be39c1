/**
 * The brief's statistics (briefStatistics: Totals, By tier, unit economics, PTB vs BYOK,
 * Distributions, the paying-free caveat) on the demo export stacked to `--rows` rows with unique
 * ids (bench/write_stage_frame.ts), alternated round by round with another checkout's (`--other
 * DIR`, a `git worktree add DIR <rev>`) in this process: each side's process CPU (every thread),
 * medians, and whether both sides' sections are the same text. Each run gets a frame object of its
 * own with the PTB-timing plans worked out untimed, as an export's metrics stage hands them on.
 * Figures only; no pass/fail.
 *
 *   deno run -A --v8-flags=--expose-gc bench/brief_statistics.ts [--rows 400] [--rounds 9]
 *     [--other DIR [--other-only]]
 *
 * An export works its statistics out once per process: `--rounds 1` in fresh processes, this
 * checkout's alone and then `--other DIR --other-only`, alternated, times first calls.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import process from "node:process";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { exportOptions, loadPricingData } from "../lib/export.ts";
import { ptbTimingPlans } from "../lib/economics/ptb_timing.ts";
import { briefStatistics } from "../lib/report/brief.ts";
import type { PricingData } from "../lib/core/types.ts";
import { median } from "./report.ts";
import { uniqueStackedFrame } from "./write_stage_frame.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "400" },
    rounds: { type: "string", default: "9" },
    other: { type: "string" },
    /** time the other checkout's alone (with --rounds 1: its first call in a fresh process) */
    "other-only": { type: "boolean", default: false },
  },
});
const rows = Number(values.rows);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const asOf = new Date("2026-11-01T00:00:00Z");

// each side's own modules: what is kept per frame (the PTB-timing plans) is kept by its module
interface Side {
  statistics: typeof briefStatistics;
  timing: typeof ptbTimingPlans;
}
const sides: [string, Side][] = [["this", { statistics: briefStatistics, timing: ptbTimingPlans }]];
if (values.other) {
  const url = (path: string) => pathToFileURL(resolve(values.other!, path)).href;
  sides.push([`other (${values.other})`, {
    statistics: (await import(url("lib/report/brief.ts"))).briefStatistics,
    timing: (await import(url("lib/economics/ptb_timing.ts"))).ptbTimingPlans,
  }]);
  if (values["other-only"]) sides.shift();
}

const data: PricingData = await loadPricingData(
  exportOptions({ demo: true, asOf, ranAt: asOf, env: {}, quiet: true, log: () => {} }),
);
const frame = (await uniqueStackedFrame(rows)).select(...COLUMN_NAMES).rechunk();
console.log(`frame: ${frame.height} rows; economics: ${data.economics ? "yes" : "no"}`);

const cpuMs: Record<string, number[]> = Object.fromEntries(sides.map(([name]) => [name, []]));
const texts: Record<string, string> = {};
for (let round = 0; round < Number(values.rounds); round++) {
  // alternate which side goes first
  const order = round % 2 === 0 ? sides : [...sides].reverse();
  for (const [name, { statistics, timing }] of order) {
    const run = { ...data, frame: frame.select(...frame.columns) };
    timing(run.frame, run.windowDays);
    gc();
    const cpu = process.cpuUsage();
    const result = await statistics(run, { between: () => Promise.resolve() });
    const used = process.cpuUsage(cpu);
    cpuMs[name].push((used.user + used.system) / 1000);
    texts[name] = JSON.stringify(result);
  }
}
for (const [name] of sides) {
  const runs = cpuMs[name];
  console.log(
    `${name}: median ${median(runs).toFixed(1)} ms CPU (${
      runs.map((ms) => ms.toFixed(0)).join(", ")
    })`,
  );
}
if (sides.length === 2) {
  const [a, b] = sides.map(([name]) => texts[name]);
  console.log(a === b ? "sections: the same text" : "sections: DIFFERENT text");
}
