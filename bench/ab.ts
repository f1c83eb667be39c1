/**
 * `deno task bench:ab --other DIR`: this checkout's export against another checkout's (an earlier
 * commit: `git worktree add DIR <rev>`), in alternating pairs against the same seeded servers and
 * fake Stripe API (bench/main.ts's). This machine's speed drifts by up to ~20 % within an hour, so
 * two versions are compared in runs made together, never across bench runs. Prints each run's
 * whole time, queries stage, time after the queries, peak RSS (overall and in the queries
 * stage) and CPU time (every thread's, and up to the end of the queries), then the medians and in
 * how many pairs this checkout was faster and used less CPU. Figures only; no pass/fail.
 *
 *   deno task bench:ab --other ../pricing-kit-old                      # 100k organizations, 5 pairs
 *   deno task bench:ab --other ../pricing-kit-old --scale large --pairs 3 --format both
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { benchChoice, benchFail, benchFlags, benchWholeNumber, FORMATS } from "./args.ts";
import { startFakeStripe } from "../tests/fake_stripe.ts";
import { benchEnv, measuredExport, seededStripeData } from "./export_run.ts";
import { type Measured, median } from "./report.ts";
import { BENCH_DIR, ROOT, say, SCALES, seeded } from "./seed.ts";

const values = benchFlags(Deno.args, {
  options: {
    other: { type: "string" },
    scale: { type: "string", default: "default" },
    pairs: { type: "string", default: "5" },
    format: { type: "string", default: "csv" },
  },
  usage:
    "Usage: deno task bench:ab --other DIR [--scale small|default|large] [--pairs 5] [--format csv|xlsx|both]",
});
const scale = SCALES[benchChoice("scale", values.scale, Object.keys(SCALES))];
const pairs = benchWholeNumber("pairs", values.pairs, 1);
benchChoice("format", values.format, FORMATS);
if (!values.other) {
  benchFail("--other DIR is required: a checkout to compare with (git worktree add DIR <rev>)");
}
const other = resolve(values.other) + "/";
if (!existsSync(`${other}bench/measure.ts`)) {
  benchFail(
    `--other ${values.other}: no bench/measure.ts there; give a checkout of this repository`,
  );
}

interface Side {
  name: string;
  root: string;
  outDir: string;
  runs: Figures[];
}
const sides: Side[] = [
  { name: "this", root: ROOT, outDir: `${BENCH_DIR}/ab-${values.scale}-this`, runs: [] },
  { name: "other", root: other, outDir: `${BENCH_DIR}/ab-${values.scale}-other`, runs: [] },
];

/** What runs are compared by: one run's figures, or each figure's median over the runs. */
interface Figures {
  wallMs: number;
  queriesMs: number;
  /** the whole less the queries stage (its median is not the medians' difference) */
  afterMs: number;
  peakRssMb: number;
  /** (absent from an older checkout's measure.ts, as are the CPU times) */
  queriesPeakRssMb?: number;
  cpuMs?: number;
  queriesCpuMs?: number;
}
const figuresOf = (run: Measured): Figures => ({
  wallMs: run.wallMs,
  queriesMs: run.stages.queries ?? 0,
  afterMs: run.wallMs - (run.stages.queries ?? 0),
  peakRssMb: run.peakRssMb,
  queriesPeakRssMb: run.stagePeakRssMb.queries,
  cpuMs: run.cpuMs,
  queriesCpuMs: run.queriesCpuMs,
});
/** the median of the runs' values, when every run has one */
const medianOf = (values: (number | undefined)[]) =>
  values.every((v) => v !== undefined) ? median(values as number[]) : undefined;
const medians = (runs: Figures[]): Figures => ({
  wallMs: median(runs.map((r) => r.wallMs)),
  queriesMs: median(runs.map((r) => r.queriesMs)),
  afterMs: median(runs.map((r) => r.afterMs)),
  peakRssMb: median(runs.map((r) => r.peakRssMb)),
  queriesPeakRssMb: medianOf(runs.map((r) => r.queriesPeakRssMb)),
  cpuMs: medianOf(runs.map((r) => r.cpuMs)),
  queriesCpuMs: medianOf(runs.map((r) => r.queriesCpuMs)),
});
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
/** seconds, or – where a checkout's measure.ts does not report the figure */
const maybe = (ms: number | undefined) => ms === undefined ? "–" : seconds(ms);
const describe = (f: Figures) =>
  `whole ${seconds(f.wallMs)}  queries ${seconds(f.queriesMs)}  ` +
  `after ${seconds(f.afterMs)}  peak ${f.peakRssMb} MB ` +
  `(queries stage ${f.queriesPeakRssMb ?? "–"} MB)  cpu ${maybe(f.cpuMs)} ` +
  `(queries ${maybe(f.queriesCpuMs)})`;

const servers = await seeded(values.scale!, scale);
const fake = startFakeStripe(seededStripeData(scale.orgs), "sk_test_bench", 0);
const env = benchEnv(servers, fake);
try {
  const exportOf = (side: Side) =>
    measuredExport(env, { format: values.format!, outDir: side.outDir, root: side.root });
  say(`${values.scale}: warm-up (each side's Stripe cache) …`);
  for (const side of sides) await exportOf(side);
  for (let pair = 0; pair < pairs; pair++) {
    // this side first in even pairs, the other first in odd ones: neither always runs second
    for (const side of pair % 2 === 0 ? sides : [...sides].reverse()) {
      const run = figuresOf(await exportOf(side));
      side.runs.push(run);
      say(`pair ${pair + 1}/${pairs}: ${side.name.padEnd(5)}  ${describe(run)}`);
    }
  }
} finally {
  await fake.close();
  await Promise.allSettled([servers.postgres.stop(), servers.clickhouse.stop()]);
}

const [self, them] = sides;
const faster = self.runs.filter((run, i) => run.wallMs < them.runs[i].wallMs).length;
console.log(
  `\n${
    scale.orgs.toLocaleString("en-US")
  } organizations, ${values.format} export, ${pairs} alternating pairs (this: ${ROOT}, other: ${other})`,
);
for (const side of sides) {
  console.log(`median ${side.name.padEnd(5)}  ${describe(medians(side.runs))}`);
}
console.log(`this checkout was faster in ${faster} of ${pairs} pairs`);
// CPU time moves less with the machine's speed than wall time does (a change's CPU is what the
// databases, sharing the cores, feel); compared when both sides report it
const cpuPairs = self.runs.map((run, i) => [run.cpuMs, them.runs[i].cpuMs]);
if (cpuPairs.every(([mine, theirs]) => mine !== undefined && theirs !== undefined)) {
  const lessCpu = cpuPairs.filter(([mine, theirs]) => mine! < theirs!).length;
  console.log(`this checkout used less CPU in ${lessCpu} of ${pairs} pairs`);
}
