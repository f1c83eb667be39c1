/**
 * The revenue worker driven as the export drives it, on the bench's 1M Stripe cache: prepared,
 * started ahead (startAhead), given the customer ids once its work ahead is done (its threads'
 * CPU still for a second), from a Polars column, newest organization first as the export gives them
 * (every fifth organization's customer, the soft-deleted left out: bench/seed_postgres.sql). Prints
 * per run the process's CPU ahead and from the ids to the answer, the main thread's share of the
 * latter (Linux's per-thread counters, 10 ms ticks), and a digest of the customers' frame, which
 * is the same on both sides of an A/B. bench/revenue_worker.ts does the same work on one thread
 * (no Worker, no postMessage, ids already hashed); run it first: it fills the cache this reads.
 *
 *   deno run -A --v8-flags=--no-memory-pool-share-memory-on-teardown \
 *     bench/revenue_worker_driven.ts [--runs 3] [--root CHECKOUT]
 */
import "../lib/core/polars_sums.ts";
import { fileURLToPath, pathToFileURL } from "node:url";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { createHash } from "node:crypto";
import pl from "nodejs-polars";
import { benchFail, benchFlags, benchWholeNumber } from "./args.ts";
import { BENCH_DIR } from "./seed.ts";

const values = benchFlags(Deno.args, {
  options: {
    runs: { type: "string", default: "3" },
    root: { type: "string", default: fileURLToPath(new URL("..", import.meta.url)) },
  },
  usage: "Usage: bench/revenue_worker_driven.ts [--runs 3] [--root CHECKOUT]",
});
const runs = benchWholeNumber("runs", values.runs, 1);
const root = values.root!;
const { prepareRevenueWorker } = await import(
  pathToFileURL(join(root, "lib/revenue/worker.ts")).href
);
// checkouts before stop 53 take the ids as an array, which their export made from the column
const takesColumn = readFileSync(join(root, "lib/revenue/worker.ts"), "utf8")
  .includes("load(customerIds: pl.Series)");

// bench/revenue_worker.ts's cache (its account's key), where the worker looks: <outDir>/.stripe-cache
const API_KEY = "sk_test_bench";
const filled = join(BENCH_DIR, "revenue-worker");
const outDir = join(BENCH_DIR, "revenue-worker-driven");
const today = new Date().toISOString().slice(0, 10);
const cacheFile = existsSync(filled)
  ? readdirSync(filled).find((name) => name.endsWith(`_${today}.json`))
  : undefined;
if (!cacheFile) {
  benchFail(`no Stripe cache of today in ${filled}: run bench/revenue_worker.ts first`);
}
mkdirSync(join(outDir, ".stripe-cache"), { recursive: true, mode: 0o700 });
copyFileSync(join(filled, cacheFile), join(outDir, ".stripe-cache", cacheFile));
const asOf = new Date(`${today}T00:00:01Z`);

const organizations = [];
for (let g = 5; g <= 1_000_000; g += 5) if (g % 101 !== 0) organizations.push(g);
// newest first: created_at is the as-of less (g % 1500) days; ties by id
organizations.sort((a, b) => (a % 1500) - (b % 1500) || a - b);
const ids = pl.Series("stripe_customer_id", organizations.map((g) => `cus_${g}`), pl.Utf8);

const processCpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const threadCpu = (tid: number) => {
  const fields = Deno.readTextFileSync(`/proc/self/task/${tid}/stat`).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // ticks of 10 ms
};
const threads = () => new Set(readdirSync("/proc/self/task").map(Number));

for (let run = 0; run < runs; run++) {
  const before = threads();
  const t0 = processCpu();
  const worker = prepareRevenueWorker({
    env: { STRIPE_SECRET_KEY: API_KEY },
    mode: "auto",
    asOf,
    windowDays: 30,
    outDir,
    quiet: true,
  });
  worker.startAhead();
  // its work ahead is done once its threads' CPU stops growing for a second (four polls: under
  // load a busy thread can go unscheduled for one)
  for (let last = -1, still = 0; still < 4;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const used = [...threads()].filter((tid) => !before.has(tid)).reduce((sum, tid) => {
      try {
        return sum + threadCpu(tid);
      } catch {
        return sum; // ended meanwhile
      }
    }, 0);
    still = used > 0 && used === last ? still + 1 : 0;
    last = used;
  }
  const t1 = processCpu();
  const main1 = threadCpu(Deno.pid);
  worker.load(takesColumn ? ids : ids.toArray());
  const revenue = await worker.result;
  const t2 = processCpu();
  const main2 = threadCpu(Deno.pid);
  const digest = createHash("sha256").update(JSON.stringify(revenue.customers.toRecords()))
    .digest("hex").slice(0, 12);
  console.log(
    `${root} run ${run + 1}: ahead ${(t1 - t0).toFixed(0)} ms, ids → answer ${
      (t2 - t1).toFixed(0)
    } ms CPU (main thread ${
      main2 - main1
    } ms), ${revenue.customers.height} customers, answer ${digest}`,
  );
}
