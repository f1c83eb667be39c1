/**
 * `deno task bench:timeline`: where the CPU goes, over time, in one floor run and one export of
 * the benchmark (bench/main.ts's seeded servers, fake Stripe API and command line). Every
 * `--interval-ms` it reads from /proc the cores used by ClickHouse, PostgreSQL, the floor's
 * clients and the export's threads by kind (main thread, workers — revenue, charts, CSV rows,
 * digests —, Polars' pool, V8's helpers, I/O), then prints both timelines with the stages that
 * started in each interval, and the core-seconds of each group during the queries and after.
 * docs/performance.md's CPU accounting comes from it. Linux only.
 *
 *   deno task bench:timeline                         # 100k organizations, CSV export
 *   deno task bench:timeline --scale large --format both --interval-ms 500
 */
import { benchChoice, benchFlags, benchWholeNumber, FORMATS } from "./args.ts";
import { startFakeStripe } from "../tests/fake_stripe.ts";
import { floor } from "./floor.ts";
import { benchEnv, measuredExport, seededStripeData } from "./export_run.ts";
import {
  coresBetween,
  CPU_GROUPS,
  type CpuGroup,
  type CpuSample,
  CpuSampler,
  noCpu,
} from "./cpu_sampler.ts";
import type { Measured } from "./report.ts";
import { BENCH_DIR, say, SCALES, seeded } from "./seed.ts";

const values = benchFlags(Deno.args, {
  options: {
    scale: { type: "string", default: "default" },
    format: { type: "string", default: "csv" },
    "interval-ms": { type: "string", default: "250" },
  },
  usage:
    "Usage: deno task bench:timeline [--scale small|default|large] [--format csv|xlsx|both] [--interval-ms 250]",
});
const scale = SCALES[benchChoice("scale", values.scale, Object.keys(SCALES))];
benchChoice("format", values.format, FORMATS);
const intervalMs = benchWholeNumber("interval-ms", values["interval-ms"], 50);
if (Deno.build.os !== "linux") {
  console.error("error: bench:timeline reads /proc: run it on Linux");
  Deno.exit(1);
}

const FLOOR_GROUPS: CpuGroup[] = ["clickhouse", "postgres", "clients"];
const KIT_GROUPS: CpuGroup[] = CPU_GROUPS.filter((g) => g !== "clients");

/** Columns right-aligned but a last text column (the stages), which runs on. */
function table(rows: string[][], { textLast = false } = {}): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const cell = (c: string, i: number) =>
    textLast && i === widths.length - 1 ? c : c.padStart(widths[i]);
  return rows.map((r) => r.map(cell).join("  ").trimEnd()).join("\n");
}

const cores = (value: number) => value.toFixed(1);

/** One line per interval: cores used per group, and what started then. */
function timelineTable(
  samples: CpuSample[],
  groups: CpuGroup[],
  startedIn?: (fromMs: number, toMs: number) => string,
): string {
  const rows = [["t (s)", ...groups, ...(startedIn ? ["started"] : [])]];
  let previous: CpuSample = { ms: 0, seconds: noCpu() };
  for (const sample of samples) {
    const used = coresBetween(previous, sample);
    rows.push([
      (sample.ms / 1000).toFixed(2),
      ...groups.map((g) => cores(used[g])),
      ...(startedIn ? [startedIn(previous.ms, sample.ms)] : []),
    ]);
    previous = sample;
  }
  return table(rows, { textLast: startedIn !== undefined });
}

/** Core-seconds per group up to `splitMs` and after it. */
function totalsTable(samples: CpuSample[], groups: CpuGroup[], splitMs: number): string {
  const split = samples.reduce((best, s) => s.ms <= splitMs ? s : best, samples[0]);
  const last = samples[samples.length - 1];
  const rows = [["", "during the queries", "after", "whole run"]];
  for (const group of groups) {
    rows.push([
      group,
      split.seconds[group].toFixed(2),
      (last.seconds[group] - split.seconds[group]).toFixed(2),
      last.seconds[group].toFixed(2),
    ]);
  }
  const sum = (s: CpuSample) => groups.reduce((total, g) => total + s.seconds[g], 0);
  rows.push([
    "all",
    sum(split).toFixed(2),
    (sum(last) - sum(split)).toFixed(2),
    sum(last).toFixed(2),
  ]);
  return table(rows);
}

const servers = await seeded(values.scale!, scale);
const fake = startFakeStripe(seededStripeData(scale.orgs), "sk_test_bench", 0);
const env = benchEnv(servers, fake);
const outDir = `${BENCH_DIR}/exports-${values.scale}`;
const floorDir = `${BENCH_DIR}/floor-${values.scale}`;
const sampler = new CpuSampler({ intervalMs });
try {
  say(`${values.scale}: warm-up (floor, export) …`);
  await floor(servers, floorDir);
  await measuredExport(env, { format: values.format!, outDir });

  say(`${values.scale}: floor …`);
  sampler.start();
  const floorRun = await floor(servers, floorDir);
  const floorSamples = sampler.stop();

  say(`${values.scale}: export …`);
  sampler.start();
  let spawnedAtMs = 0; // on the samples' clock; the export's marks count from its own start
  const run: Measured = await measuredExport(env, {
    format: values.format!,
    outDir,
    spawned: (pid) => {
      sampler.watch(pid);
      spawnedAtMs = sampler.elapsedMs();
    },
  });
  const exportSamples = sampler.stop();
  const markMs = (ms: number) => ms + spawnedAtMs;
  const queriesEnd = run.marks.find((m) => m.stage === "queries" && m.phase === "end");

  console.log(
    `Timeline at the ${values.scale} scale (${
      scale.orgs.toLocaleString("en-US")
    } organizations), export ${values.format}; cores used per ${intervalMs} ms (2 = both cores of a 2-core machine)\n`,
  );
  console.log(`floor (COPY CSV + CSVWithNames): ${(floorRun.ms / 1000).toFixed(2)} s\n`);
  console.log(timelineTable(floorSamples, FLOOR_GROUPS));
  console.log(`\ncore-seconds:\n${totalsTable(floorSamples, FLOOR_GROUPS, Infinity)}`);
  console.log(
    `\nexport: ${(run.wallMs / 1000).toFixed(2)} s, queries stage ${
      (run.stages.queries / 1000).toFixed(2)
    } s (the floor's ${(run.stages.queries / floorRun.ms).toFixed(2)}×), whole ${
      (run.wallMs / floorRun.ms).toFixed(2)
    }× the floor; peak RSS ${run.peakRssMb} MB\n`,
  );
  const startedIn = (fromMs: number, toMs: number) =>
    run.marks.filter((m) => m.phase === "start" && markMs(m.ms) > fromMs && markMs(m.ms) <= toMs)
      .map((m) => m.stage).join(", ");
  console.log(timelineTable(exportSamples, KIT_GROUPS, startedIn));
  console.log(
    `\ncore-seconds (queries end at ${
      ((queriesEnd ? markMs(queriesEnd.ms) : 0) / 1000).toFixed(2)
    } s):\n${
      totalsTable(exportSamples, KIT_GROUPS, queriesEnd ? markMs(queriesEnd.ms) : Infinity)
    }`,
  );
} finally {
  await fake.close();
  await Promise.allSettled([servers.postgres.stop(), servers.clickhouse.stop()]);
}
