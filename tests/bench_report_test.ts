/**
 * bench/report.ts's shape of one scale (what `deno task bench` writes as JSON) and the line under a
 * scale's stage table for the run that filled the Stripe cache, from small made-up runs whose
 * figures are chosen by hand. Nothing is seeded or started.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  type Measured,
  scaleResult,
  stageTable,
  stripeFillLine,
  type StripeRun,
} from "../bench/report.ts";

function run(wallMs: number, peakRssMb: number, stagePeakRssMb: Record<string, number>): Measured {
  return {
    wallMs,
    exportMs: wallMs - 300,
    peakRssMb,
    stagePeakRssMb,
    rows: 10,
    stages: Object.fromEntries(Object.keys(stagePeakRssMb).map((s) => [s, 1000])),
    marks: [],
    queries: [],
    stripe: { source: "cache", apiCalls: 0, durationMs: 0 },
    bytes: {},
  };
}

const SIZE = { orgs: 1_000_000, memberships: 4_000_000, requests: 20_000_000 };

function fill(latencyMs: number): StripeRun {
  return {
    ...run(12_340, 1_139, { queries: 1_139, join: 700, write: 960 }),
    stripe: { source: "refresh", apiCalls: 2_035, durationMs: 9_000 },
    subscriptions: 200_000,
    latencyMs,
  };
}

function result(latencyMs: number) {
  return scaleResult({
    scale: "large",
    size: SIZE,
    floorsMs: [3_000, 1_000, 2_000],
    floorBytes: { "a.csv": 5 },
    csvRuns: [run(9_000, 900, {}), run(7_000, 800, {}), run(8_000, 850, {})],
    bothRuns: [run(11_000, 950, {}), run(10_000, 940, {}), run(12_000, 990, {})],
    stripeFill: fill(latencyMs),
  });
}

Deno.test("scaleResult: the JSON keeps the cache-fill run's wall and peak at every scale; stripeCold only with latency", () => {
  const written = JSON.parse(JSON.stringify(result(0)));
  assertEquals(written.runs, 3);
  assertEquals(written.floorMs, 2_000); // the median of 3,000, 1,000 and 2,000
  assertEquals(written.csv.wallMs, 8_000); // the median run, whole
  assertEquals(written.both.peakRssMb, 950);
  assertEquals(written.stripeFill.wallMs, 12_340);
  assertEquals(written.stripeFill.peakRssMb, 1_139);
  assertEquals(written.stripeFill.stagePeakRssMb, { queries: 1_139, join: 700, write: 960 });
  assertEquals(written.stripeFill.latencyMs, 0);
  assertEquals("stripeCold" in written, false);

  const cold = result(50);
  assertEquals(cold.stripeCold, cold.stripeFill);
  assertEquals(cold.stripeCold?.latencyMs, 50);
});

Deno.test("stripeFillLine: wall, peak and the stage with the highest peak; the cold row named when it has latency", () => {
  assertEquals(
    stripeFillLine(result(0)),
    "Stripe cache fill (cold cache, refresh export to CSV, 200,000 subscriptions, no latency): 12.34 s, peak RSS 1,139 MB (highest stage: queries, 1,139 MB)",
  );
  assertEquals(
    stripeFillLine(result(50)),
    "Stripe cache fill (cold cache, refresh export to CSV, 200,000 subscriptions, 50 ms a call: the Stripe cold row): 12.34 s, peak RSS 1,139 MB (highest stage: queries, 1,139 MB)",
  );
  // without stage figures (a run that failed to mark them), the overall peak alone
  const bare = { ...result(0), stripeFill: { ...fill(0), stagePeakRssMb: {} } };
  assertEquals(stripeFillLine(bare).endsWith(": 12.34 s, peak RSS 1,139 MB"), true);
});

Deno.test("stageTable: the Stripe cold row only where the fill had latency (the line stands for it elsewhere)", () => {
  assertEquals(stageTable(result(0)).includes("Stripe cold (CSV)"), false);
  assertEquals(stageTable(result(50)).split("\n").at(-1)?.startsWith("| Stripe cold (CSV)"), true);
});
