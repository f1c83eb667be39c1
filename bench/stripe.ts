/**
 * The Stripe fetch alone, against the fake API with a per-call latency (issue 13's target: a cold
 * fetch of 20k subscriptions at 50 ms a call in ≤ 4 s, calls still ≈ ceil(n/100)). Runs the
 * fetch sequentially (concurrency 1, the old way) and with the concurrency setting, prints calls,
 * time and pass/fail. The fake runs on a worker thread (Stripe's work is not the kit's). The SDK is
 * loaded before the clock starts, as the export loads it ahead. Figures, not assertions: tests
 * never time things.
 *
 *   deno run -A bench/stripe.ts [--subscriptions 20000] [--invoices 0] [--latency-ms 50]
 *                               [--concurrency 4] [--no-sequential]
 */
import { parseArgs } from "node:util";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { DEFAULT_RULES } from "../lib/revenue/rules.ts";
import { fakeStripeData } from "./stripe_data.ts";
import { benchWholeNumber } from "./args.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    subscriptions: { type: "string", default: "20000" },
    invoices: { type: "string", default: "0" },
    "latency-ms": { type: "string", default: "50" },
    concurrency: { type: "string", default: String(DEFAULT_RULES.concurrency) },
    "no-sequential": { type: "boolean", default: false },
  },
});
const subscriptionCount = benchWholeNumber("subscriptions", values.subscriptions, 1);
const invoiceCount = benchWholeNumber("invoices", values.invoices, 0);
const latencyMs = benchWholeNumber("latency-ms", values["latency-ms"], 0);
const concurrency = benchWholeNumber("concurrency", values.concurrency, 1);

const AS_OF = new Date("2026-11-01T00:00:00Z");
const T = AS_OF.getTime() / 1000;
const DAY = 86_400;

/**
 * Subscriptions created over three years (Stripe lists them newest first), one seat price; the
 * invoices are listed beside them, 35 days of them, with no lines.
 */
function data() {
  const invoices = Array.from({ length: invoiceCount }, (_, i) => ({
    id: `in_${String(i).padStart(8, "0")}`,
    object: "invoice",
    customer: `cus_${i}`,
    status: "paid",
    billing_reason: "subscription_cycle",
    created: T - 1 - Math.floor((i * 35 * DAY) / Math.max(1, invoiceCount)),
    currency: "usd",
    lines: { object: "list", has_more: false, data: [] },
  }));
  return fakeStripeData({
    customers: Array.from({ length: subscriptionCount }, (_, i) => i),
    subscriptionIds: "padded",
    created: { asOf: AS_OF, rank: (i) => i, ranks: subscriptionCount },
    invoices,
  });
}

/** Starts the fake API on a worker thread; ask() sends a message and waits for the answer. */
async function fakeOnWorker(stripeData: ReturnType<typeof data>) {
  const worker = new Worker(new URL("./stripe_fake_worker.ts", import.meta.url), {
    type: "module",
  });
  const ask = (message: unknown) =>
    new Promise<Record<string, number>>((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.postMessage(message);
    });
  const apiKey = "sk_test_bench_stripe";
  const { port } = await ask({ start: { data: stripeData, apiKey, latencyMs } });
  return {
    port,
    apiKey,
    stats: () => ask({ stats: true }),
    close: async () => {
      await ask({ close: true });
      worker.terminate();
    },
  };
}

async function coldFetch(slots: number) {
  const stripeData = data();
  const fake = await fakeOnWorker(stripeData);
  const cacheDir = await Deno.makeTempDir();
  try {
    const options = {
      apiKey: fake.apiKey,
      apiHost: "127.0.0.1",
      apiPort: fake.port,
      apiProtocol: "http" as const,
      cacheDir,
      asOf: AS_OF,
      rules: { concurrency: slots },
    };
    const customers = stripeData.subscriptions.map((s) => s.customer);
    const started = performance.now();
    const cold = await loadRevenue(customers, { ...options, mode: "refresh" });
    const seconds = (performance.now() - started) / 1000;
    const { peak, requests } = await fake.stats();
    const cached = await loadRevenue(customers, { ...options, mode: "auto" });
    const mrr = customers.reduce((sum, c) => sum + (cold.byCustomer.get(c)?.mrr ?? 0), 0);
    return {
      seconds,
      calls: cold.apiCalls,
      seenByFake: requests,
      cachedCalls: cached.apiCalls,
      peak,
      mrr,
    };
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

// The export's revenue worker starts its listing, the SDK with it, as its settings arrive, while the
// queries run (readCacheComputeAhead): here the SDK's load is printed apart.
const sdkStarted = performance.now();
await import("stripe");
const sdkMs = performance.now() - sdkStarted;

const floorCalls = Math.ceil(subscriptionCount / 100) + Math.ceil(invoiceCount / 100);
console.log(
  `Stripe cold fetch: ${subscriptionCount} subscriptions, ${invoiceCount} invoices, ${latencyMs} ms a call; ceil(n/100) pages = ${floorCalls} (+ products, coupons); the SDK loaded ahead in ${
    sdkMs.toFixed(0)
  } ms`,
);
const runs: [string, number][] = values["no-sequential"]
  ? [["concurrent", concurrency]]
  : [["sequential", 1], ["concurrent", concurrency]];
const results: Record<string, Awaited<ReturnType<typeof coldFetch>>> = {};
for (const [label, slots] of runs) {
  const r = await coldFetch(slots);
  results[label] = r;
  console.log(
    `  ${label.padEnd(10)} concurrency ${slots}: ${
      r.seconds.toFixed(2)
    } s, ${r.calls} calls (the fake saw ${r.seenByFake}; ${
      (r.calls / floorCalls).toFixed(3)
    }× ceil(n/100)), peak ${r.peak} in flight, cached rerun ${r.cachedCalls} calls, MRR $${
      r.mrr.toFixed(2)
    }`,
  );
}
const concurrent = results.concurrent;
if (results.sequential && results.sequential.mrr !== concurrent.mrr) {
  console.log("  MISMATCH: the concurrent fetch's MRR differs from the sequential one");
}
const atTarget = subscriptionCount === 20_000 && latencyMs === 50;
console.log(
  `  target ≤ 4 s${atTarget ? "" : " (stated for 20,000 at 50 ms)"}: ${
    concurrent.seconds <= 4 ? "PASS" : "FAIL"
  } (${concurrent.seconds.toFixed(2)} s); calls ≈ ceil(n/100): ${
    concurrent.calls <= floorCalls * 1.1 + 5 ? "PASS" : "FAIL"
  } (${concurrent.calls} for ${floorCalls} pages)`,
);
