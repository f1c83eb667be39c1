/**
 * `deno task bench:memtrace`: where one export's memory peaks. Runs exports (bench/measure.ts, in
 * a process of their own) against the seeded servers and the fake Stripe API of bench/main.ts and
 * reads each one's resident set (VmRSS, with its anonymous and file-backed parts) from
 * /proc/<pid>/status every 20 ms from outside, then prints the peak within each stage's window
 * (from the stage marks measure.ts prints) and the overall peak with the stages open at it. With
 * `--other DIR` it alternates with another checkout (`git worktree add DIR <rev>`) on the same
 * servers. Figures only; no pass/fail.
 *
 * Why from outside: measure.ts's per-stage figures come from VmHWM, which Linux raises only at some
 * events (an unmap, the reset), so a stage's peak within freed-but-kept malloc memory can be
 * missed; and a stage that overlaps others (the charts: history, snapshot, the write) shares its
 * window. A 20 ms sample can miss a spike shorter than that; peak RSS does not depend on the
 * machine's load (wall times do, and are left out). The samples are kept as JSON in
 * outputs/bench/memtrace/ for a closer look.
 *
 *   deno task bench:memtrace --scale large --format both                  # one 1M export
 *   deno task bench:memtrace --scale large --format both --other ../old --runs 2
 *   deno task bench:memtrace --scale large --format both --cold-stripe   # Stripe fetched, cache written
 *
 * `--cold-stripe` removes each side's Stripe cache before each export, so the revenue worker lists
 * every subscription from the fake API and writes the cache beside the queries (the first export
 * of a day); the bench's exports find it warm.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { benchChoice, benchFail, benchFlags, benchWholeNumber, FORMATS } from "./args.ts";
import { startFakeStripe } from "../tests/fake_stripe.ts";
import { benchEnv, measuredExport, seededStripeData } from "./export_run.ts";
import { BENCH_DIR, ROOT, say, SCALES, seeded } from "./seed.ts";
import { type Mark, peakIn, type Sample, sample, SAMPLE_MS, stageWindows } from "./rss_samples.ts";

const values = benchFlags(Deno.args, {
  options: {
    scale: { type: "string", default: "default" },
    format: { type: "string", default: "both" },
    runs: { type: "string", default: "1" },
    other: { type: "string" },
    "cold-stripe": { type: "boolean", default: false },
  },
  usage:
    "Usage: deno task bench:memtrace [--scale small|default|large] [--format csv|xlsx|both] [--runs 1] [--other DIR] [--cold-stripe]",
});
const scale = SCALES[benchChoice("scale", values.scale, Object.keys(SCALES))];
const format = benchChoice("format", values.format, FORMATS);
const runs = benchWholeNumber("runs", values.runs, 1);
const other = values.other === undefined ? undefined : resolve(values.other) + "/";
if (other && !existsSync(`${other}bench/measure.ts`)) {
  benchFail(
    `--other ${values.other}: no bench/measure.ts there; give a checkout of this repository`,
  );
}

const servers = await seeded(values.scale!, scale);
const fake = startFakeStripe(seededStripeData(scale.orgs), "sk_test_bench", 50);
const env = benchEnv(servers, fake);
const sides = [
  { name: "this", root: ROOT },
  ...(other ? [{ name: "other", root: other }] : []),
];
const traceDir = `${BENCH_DIR}/memtrace`;
await Deno.mkdir(traceDir, { recursive: true });
const peaks = new Map<string, number[]>(sides.map((s) => [s.name, []]));
try {
  for (let run = 0; run < runs; run++) {
    // alternating which side goes first: a drift over the session falls on both
    const order = run % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const samples: Sample[] = [];
      let pid: number | undefined;
      let spawnedAt = 0;
      let done = false;
      const sampling = (async () => {
        while (!done) {
          if (pid !== undefined) {
            const s = sample(pid, Math.round(performance.now() - spawnedAt));
            if (s) samples.push(s);
          }
          await new Promise((r) => setTimeout(r, SAMPLE_MS));
        }
      })();
      // one output folder per side: the Stripe cache lives there, as it does in outputs/
      const outDir = `${BENCH_DIR}/memtrace-${values.scale}-${side.name}`;
      // a cold cache: the revenue worker fetches every page from the fake API and writes the file
      if (values["cold-stripe"]) {
        await Deno.remove(`${outDir}/.stripe-cache`, { recursive: true }).catch(() => {});
      }
      let measured;
      try {
        measured = await measuredExport(env, {
          format,
          outDir,
          root: side.root,
          spawned: (id) => {
            pid = id;
            spawnedAt = performance.now();
          },
        });
      } finally {
        done = true;
        await sampling;
      }
      const marks = measured.marks as Mark[];
      const top = peakIn(samples, 0, Infinity)!;
      const open = stageWindows(marks).filter((w) => w.from <= top.ms && top.ms <= w.to);
      const file = `${traceDir}/${values.scale}-${side.name}-run${run + 1}-${Date.now()}.json`;
      await Deno.writeTextFile(file, JSON.stringify({ root: side.root, format, marks, samples }));
      peaks.get(side.name)!.push(top.rss);
      console.log(
        `${side.name} run ${run + 1}: peak ${top.rss} MB (anon ${top.anon}, file ${top.file}) at ${
          (top.ms / 1000).toFixed(1)
        } s, in ${open.map((w) => w.stage).join(" + ") || "no stage"}; CPU ${
          ((measured.cpuMs as number) / 1000).toFixed(2)
        } s (queries ${
          ((measured.queriesCpuMs as number) / 1000).toFixed(2)
        }), VmHWM ${measured.peakRssMb} MB, ${measured.stripe?.apiCalls} Stripe calls (${measured.stripe?.source})`,
      );
      for (const w of stageWindows(marks)) {
        const p = peakIn(samples, w.from, w.to);
        console.log(`  ${w.stage.padEnd(10)} peak ${p ? `${p.rss} MB` : "(no sample)"}`);
      }
      say(`  samples: ${file}`);
    }
  }
  if (runs > 1 || other) {
    for (const [name, list] of peaks) console.log(`${name}: peaks ${list.join(", ")} MB`);
  }
} finally {
  await fake.close();
  await Promise.allSettled([servers.postgres.stop(), servers.clickhouse.stop()]);
}
