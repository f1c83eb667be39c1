/**
 * The revenue worker's work on the bench's Stripe cache, piece by piece, in CPU-seconds of this
 * process (`process.cpuUsage()`, every thread: V8's collector included). The first run fills the
 * cache (a refresh against the fake API, on the bench's account: one subscription per fifth
 * organization); each run then does what the worker does: today's cache read and computed ahead
 * (readCacheComputeAhead: the file, its parse and shape check, the index, the revenue ahead),
 * then, given the customer ids, loadRevenue and the columns it answers with. Figures, not
 * assertions; alternate it with another checkout's (`--root`) on a loaded machine.
 *
 *   deno run -A --v8-flags=--no-memory-pool-share-memory-on-teardown bench/revenue_worker.ts \
 *     [--orgs 1000000] [--runs 3] [--cache-dir DIR] [--root CHECKOUT]
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { join } from "node:path";
import process from "node:process";
import { createHash } from "node:crypto";
import { startFakeStripe } from "../tests/fake_stripe.ts";
import { seededStripeData } from "./export_run.ts";
import { benchWholeNumber } from "./args.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    orgs: { type: "string", default: "1000000" },
    runs: { type: "string", default: "3" },
    "cache-dir": { type: "string" },
    root: { type: "string", default: fileURLToPath(new URL("..", import.meta.url)) },
  },
});
const orgs = benchWholeNumber("orgs", values.orgs, 5);
const runs = benchWholeNumber("runs", values.runs, 1);
const cacheDir = values["cache-dir"] ?? join(Deno.cwd(), "outputs", "bench", "revenue-worker");
const mod = await import(pathToFileURL(join(values.root, "lib/revenue/mod.ts")).href);
const columnsMod = await import(
  pathToFileURL(join(values.root, "lib/revenue/customer_columns.ts")).href
);

const API_KEY = "sk_test_bench";
const data = seededStripeData(orgs);
const customerIds = data.subscriptions.map((s) => s.customer);
// one as-of a day (the cache answers its own and later ones of the day), so answers compare
const asOf = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:01Z`);

// one fill a day (the cache is today's): a refresh against the fake
const fake = startFakeStripe(data, API_KEY, 0);
const endpoint = { apiHost: "127.0.0.1", apiPort: fake.port, apiProtocol: "http" as const };
try {
  if (mod.todaysCacheBytes({ mode: "auto", apiKey: API_KEY, cacheDir, asOf }) === null) {
    await mod.loadRevenue(customerIds, {
      mode: "refresh",
      apiKey: API_KEY,
      ...endpoint,
      cacheDir,
      asOf,
    });
  }
} finally {
  await fake.close();
}
const bytes = mod.todaysCacheBytes({ mode: "auto", apiKey: API_KEY, cacheDir, asOf });
console.log(`${values.root}: cache ${(bytes / 1e6).toFixed(1)} MB, ${customerIds.length} ids`);

const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
for (let run = 0; run < runs; run++) {
  const options = { mode: "auto", apiKey: API_KEY, ...endpoint, cacheDir, asOf };
  const t0 = cpu();
  const cacheAhead = mod.readCacheComputeAhead(options);
  await cacheAhead;
  const t1 = cpu();
  const revenue = await mod.loadRevenue(customerIds, { ...options, cacheAhead });
  const t2 = cpu();
  const columns = columnsMod.customerColumns(revenue.byCustomer);
  const t3 = cpu();
  // what the worker answers, as one digest: the same on both sides of an A/B
  const { byCustomer: _byCustomer, durationMs: _durationMs, ...meta } = revenue;
  const digest = createHash("sha256").update(
    JSON.stringify(
      [columns, meta],
      (_key, value) => ArrayBuffer.isView(value) ? Array.from(value as Uint8Array) : value,
    ),
  ).digest("hex").slice(0, 12);
  if (run === 0) console.log(revenue.warnings.join("\n"));
  console.log(
    `run ${run + 1}: ahead ${(t1 - t0).toFixed(0)} ms, ids ${(t2 - t1).toFixed(0)} ms, columns ${
      (t3 - t2).toFixed(0)
    } ms, total ${
      (t3 - t0).toFixed(0)
    } ms CPU (source ${revenue.source}, ${revenue.byCustomer.size} customers, ${revenue.apiCalls} calls, ${revenue.warnings.length} warnings, ${columns.customerIds.length} rows, answer ${digest})`,
  );
}
