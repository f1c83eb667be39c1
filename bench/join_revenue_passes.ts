/**
 * The passes from the seeded 1M queries to the export frame, each measured alone and alternated
 * with another checkout's in one process: the join (`joinOrgFrames`), the revenue columns
 * (`attachRevenue`, `carriesCustomerRevenue` inside it) and the snapshot's native MRR
 * (`withRecurringMinor`, from attachRevenue's join where a checkout hands it on). One export's data is loaded once against the seeded servers and the
 * fake Stripe API (bench/ab.ts's); then each round runs every piece of both checkouts on the same
 * query frames and revenue answer. Prints each piece's CPU (every thread: Polars' too) per side,
 * medians, and whether both sides' frames are equal (`frameEqual`, nulls equal).
 *
 *   deno run -A --v8-flags=--expose-gc bench/join_revenue_passes.ts --other DIR \
 *     [--scale large] [--rounds 7]
 */
import "../lib/core/polars_sums.ts";
import process from "node:process";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type pl from "nodejs-polars";
import { benchChoice, benchFail, benchFlags, benchWholeNumber } from "./args.ts";
import { startFakeStripe } from "../tests/fake_stripe.ts";
import { benchEnv, seededStripeData } from "./export_run.ts";
import { median } from "./report.ts";
import { AS_OF, BENCH_DIR, say, SCALES, seeded } from "./seed.ts";
import { loadPricingData } from "../lib/export.ts";
import type { RevenueResult } from "../lib/revenue/types.ts";

const values = benchFlags(Deno.args, {
  options: {
    other: { type: "string" },
    scale: { type: "string", default: "large" },
    rounds: { type: "string", default: "7" },
  },
  usage: "Usage: bench/join_revenue_passes.ts --other DIR [--scale large] [--rounds 7]",
});
const scale = SCALES[benchChoice("scale", values.scale, Object.keys(SCALES))];
const rounds = benchWholeNumber("rounds", values.rounds, 1);
if (!values.other) benchFail("--other DIR is required: a checkout to compare with");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) benchFail("run with --v8-flags=--expose-gc (each piece starts from a collected heap)");

/** One checkout's pieces. */
interface Pieces {
  name: string;
  joinOrgFrames: (frames: Record<string, pl.DataFrame>) => { frame: pl.DataFrame };
  attachRevenue: (frame: pl.DataFrame, revenue: RevenueResult) => { frame: pl.DataFrame };
  carriesCustomerRevenue: (frame: pl.DataFrame) => pl.Series;
  withRecurringMinor: (frame: pl.DataFrame, revenue: RevenueResult) => pl.DataFrame;
  /** (from stop 55: attachRevenue's column handed on, as lib/export.ts hands it on) */
  shareRecurringMinor?: (withRevenue: { frame: pl.DataFrame }, to: pl.DataFrame) => void;
}
async function piecesOf(name: string, root: string): Promise<Pieces> {
  const load = (path: string) => import(pathToFileURL(join(root, path)).href);
  const joinModule = await load("lib/frame/join.ts");
  const columns = await load("lib/revenue/columns.ts");
  return {
    name,
    joinOrgFrames: joinModule.joinOrgFrames,
    attachRevenue: columns.attachRevenue,
    carriesCustomerRevenue: columns.carriesCustomerRevenue,
    withRecurringMinor: columns.withRecurringMinor,
    shareRecurringMinor: columns.shareRecurringMinor,
  };
}
const sides = [
  await piecesOf("this", resolve(new URL("..", import.meta.url).pathname)),
  await piecesOf("other", resolve(values.other)),
];

// one export's query frames, joined frame and revenue answer, loaded once
const servers = await seeded(values.scale!, scale);
const fake = startFakeStripe(seededStripeData(scale.orgs), "sk_test_bench", 0);
let frames: Record<string, pl.DataFrame> | undefined;
let revenue: RevenueResult | undefined;
try {
  say("loading one export's data …");
  const outDir = `${BENCH_DIR}/join-revenue-passes`;
  await Deno.mkdir(outDir, { recursive: true });
  await loadPricingData({
    outDir,
    asOf: AS_OF,
    ranAt: new Date(AS_OF.getTime() + 10 * 60_000),
    demo: false,
    env: benchEnv(servers, fake),
    quiet: true,
    log: () => {},
    onStage: (event) => {
      if (event.stage === "queries") frames = { ...event.frames };
      if (event.stage === "revenue") revenue = event.revenue;
    },
  });
} finally {
  await fake.close();
  await Promise.allSettled([servers.postgres.stop(), servers.clickhouse.stop()]);
}
if (!frames || !revenue) benchFail("the export gave no query frames or revenue");

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
/** CPU of `work` from a collected heap, and what it returned. */
function timed<T>(work: () => T): [number, T] {
  gc!();
  const start = cpuMs();
  const result = work();
  return [cpuMs() - start, result];
}

const PIECES = ["join", "carries", "attachRevenue", "withRecurringMinor", "all"] as const;
const figures = new Map(
  sides.map((s) => [s.name, new Map(PIECES.map((p) => [p, [] as number[]]))]),
);
let equal = true;
for (let round = 0; round < rounds; round++) {
  const outputs: pl.DataFrame[] = [];
  for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
    const mine = figures.get(side.name)!;
    const [joinMs, joined] = timed(() => side.joinOrgFrames(frames!));
    const [carriesMs] = timed(() => side.carriesCustomerRevenue(joined.frame));
    const [revenueMs, withRevenue] = timed(() => {
      const attached = side.attachRevenue(joined.frame, revenue!);
      side.shareRecurringMinor?.(attached, attached.frame);
      return attached;
    });
    const [minorMs, stored] = timed(() => side.withRecurringMinor(withRevenue.frame, revenue!));
    mine.get("join")!.push(joinMs);
    mine.get("carries")!.push(carriesMs);
    mine.get("attachRevenue")!.push(revenueMs);
    mine.get("withRecurringMinor")!.push(minorMs);
    mine.get("all")!.push(joinMs + revenueMs + minorMs);
    outputs.push(stored);
    say(
      `round ${round + 1}/${rounds} ${side.name.padEnd(5)} join ${joinMs.toFixed(0)}  carries ${
        carriesMs.toFixed(0)
      }  attachRevenue ${revenueMs.toFixed(0)}  withRecurringMinor ${minorMs.toFixed(0)} ms`,
    );
  }
  equal &&= outputs[0].frameEqual(outputs[1], true);
}
console.log(`\n${scale.orgs.toLocaleString("en-US")} organizations, ${rounds} rounds, CPU ms`);
for (const side of sides) {
  const mine = figures.get(side.name)!;
  console.log(
    `median ${side.name.padEnd(5)} ` +
      PIECES.map((p) => `${p} ${median(mine.get(p)!).toFixed(0)}`).join("  "),
  );
}
console.log(`frames equal on both sides: ${equal}`);
