/**
 * The revenue worker (lib/revenue/worker.ts) and how the export uses it: the worker's revenue is
 * the in-thread stage's (the real SDK against tests/fake_stripe.ts), a live export with it gives
 * the frame the in-thread path gives, a UserError in the worker stays a one-line UserError, and a
 * second export is answered by the first's Stripe cache. How a worker ends (a failed export, a
 * close, an aborted signal) is in revenue_worker_stop_test.ts.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import pl from "nodejs-polars";
import { UserError } from "../lib/core/config.ts";
import { loadPricingData, runExport } from "../lib/export.ts";
import type { StageEvent } from "../lib/core/types.ts";
import { isoDate } from "../lib/formats/files.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { cachePath } from "../lib/revenue/cache.ts";
import { customersToFrame } from "../lib/revenue/customers.ts";
import { defaultCacheDir } from "../lib/revenue/mod.ts";
import { liveRevenueOptions, loadLiveRevenue } from "../lib/revenue/live.ts";
import { customerIdsInExportOrder, loadRevenueStage } from "../lib/revenue/stage.ts";
import type { RevenueResult } from "../lib/revenue/types.ts";
import { prepareRevenueWorker } from "../lib/revenue/worker.ts";
import { startFakeStripe } from "./fake_stripe.ts";
import { AS_OF, CUSTOMERS } from "./fixtures/stripe/scenarios.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
// a revenue worker gets two messages: its settings as it starts, the customer ids once the
// organizations are in
import { countingWorkers } from "./counting_workers.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";
import { ACCOUNT, scenarioDatabases, stripeEnv } from "./revenue_worker_fixture.ts";

/** A result's fields but its customers (byCustomer is compared on its own). */
function meta(revenue: RevenueResult) {
  const { byCustomer: _map, customers: _frame, durationMs: _ms, ...rest } = revenue;
  return rest;
}

Deno.test("the worker's revenue is the in-thread stage's: every scenario, PTB, unknown ids, warnings, calls", async () => {
  const fake = startFakeStripe(ACCOUNT);
  const here = await Deno.makeTempDir();
  const there = await Deno.makeTempDir();
  try {
    const stage = { env: stripeEnv(fake), mode: "auto" as const, asOf: AS_OF, windowDays: 30 };
    const inThread = await loadLiveRevenue(CUSTOMERS, {
      ...liveRevenueOptions({ ...stage, outDir: here }),
      quiet: true,
    });
    const worker = prepareRevenueWorker({ ...stage, outDir: there, quiet: true });
    worker.startAhead(); // no cache for today: a fetch, started ahead of the ids
    assertEquals(worker.started, true);
    worker.load(pl.Series(CUSTOMERS));
    const offThread = await worker.result;
    worker.close();

    // both fetched (each has its own cache folder), with the same calls and warnings
    assertEquals(offThread.source, "stripe");
    assertEquals(meta(offThread), meta(inThread));
    assertEquals(offThread.unknownCustomerIds, ["cus_deleted", "cus_not_in_stripe"]);
    // the customers arrive as a frame, one row per customer with every field
    ok(offThread.customers);
    ok(offThread.customers.frameEqual(customersToFrame(inThread.byCustomer), true));
    // and byCustomer, built from it on demand, is the in-thread Map, in the same order
    assertEquals([...offThread.byCustomer.entries()], [...inThread.byCustomer.entries()]);
    // by hand (tests/revenue_test.ts): $20 × 5 seats; €100 × 1.1; unknown role in addon_other;
    // PTB credits $25 and $100, none for the others; billed via currency_options: empty
    const seat = offThread.byCustomer.get("cus_seat")!;
    assertEquals([seat.mrr, seat.ptbRevenueUsd30d, seat.cancelAtPeriodEnd], [100, 25, false]);
    assertEquals(offThread.byCustomer.get("cus_team")!.ptbRevenueUsd30d, 100);
    assertEquals(offThread.byCustomer.get("cus_eur")!.mrr, 110);
    assertEquals(offThread.byCustomer.get("cus_eur")!.currency, "EUR");
    assertEquals(offThread.byCustomer.get("cus_unknown")!.addonOther, 15);
    assertEquals(offThread.byCustomer.get("cus_cancelling")!.cancelAtPeriodEnd, true);
    assertEquals(offThread.byCustomer.get("cus_no_subscription")!.ptbRevenueUsd30d, 0);
    assertEquals(offThread.byCustomer.get("cus_foreign_price")!.mrr, null);
    assertEquals([offThread.ptb?.status, offThread.ptb?.totalUsd], ["read", 125]);

    // A second worker on the same folder reads today's cache: the same revenue, no Stripe call.
    // The cache is small (a few KB), so it is read once the ids are in, not ahead of them; above
    // the threshold (here 0 bytes) it is read ahead.
    const calls = fake.requests.length;
    for (const readAheadAboveBytes of [undefined, 0]) {
      const again = prepareRevenueWorker({
        ...stage,
        outDir: there,
        quiet: true,
        readAheadAboveBytes,
      });
      again.startAhead();
      assertEquals(again.started, readAheadAboveBytes === 0);
      again.load(pl.Series(CUSTOMERS));
      assertEquals(again.started, true);
      const cached = await again.result;
      again.close();
      assertEquals([cached.source, cached.apiCalls, fake.requests.length], ["cache", 0, calls]);
      assertEquals([...cached.byCustomer.entries()], [...inThread.byCustomer.entries()]);
    }
  } finally {
    await fake.close();
    await Deno.remove(here, { recursive: true });
    await Deno.remove(there, { recursive: true });
  }
});

/** Resolves once `condition` holds (checked every few ms; fails past HANG_GUARD_MS naming `what`) */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS; // (a hang guard, not a budget)
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A cache file's text with its `written_at` blanked (the rest is the snapshot's). */
async function cacheText(outDir: string, apiKey: string): Promise<string> {
  const path = cachePath(defaultCacheDir(outDir), { apiKey, asOf: AS_OF });
  return (await Deno.readTextFile(path)).replace(/"written_at":"[^"]*"/, '"written_at":""');
}

Deno.test("a cold cache: the worker lists Stripe before the customer ids arrive, the same revenue, calls and cache", async () => {
  const fake = startFakeStripe(ACCOUNT);
  const here = await Deno.makeTempDir();
  const there = await Deno.makeTempDir();
  try {
    const stage = { env: stripeEnv(fake), mode: "auto" as const, asOf: AS_OF, windowDays: 30 };
    const inThread = await loadLiveRevenue(CUSTOMERS, {
      ...liveRevenueOptions({ ...stage, outDir: here }),
      quiet: true,
    });
    const inThreadCalls = fake.requests.length;
    const worker = prepareRevenueWorker({ ...stage, outDir: there, quiet: true });
    worker.startAhead();
    // every list (PTB's PaymentIntents too) answered its first page before the ids are sent
    const lists = ["subscriptions", "products", "invoices", "coupons", "payment_intents"];
    const asked = () => fake.requests.slice(inThreadCalls);
    await waitFor(
      () => lists.every((list) => asked().includes(`GET /v1/${list}`)),
      "Stripe's lists before the customer ids",
    );
    // the customers without a subscription are looked up only once their ids are known
    ok(!asked().some((request) => request.startsWith("GET /v1/customers")));
    worker.load(pl.Series(CUSTOMERS));
    const offThread = await worker.result;
    worker.close();
    assertEquals(offThread.source, "stripe");
    assertEquals(meta(offThread), meta(inThread));
    assertEquals([...offThread.byCustomer.entries()], [...inThread.byCustomer.entries()]);
    assertEquals(offThread.apiCalls, fake.requests.length - inThreadCalls);
    ok(asked().some((request) => request.startsWith("GET /v1/customers")));
    assertEquals(await cacheText(there, fake.apiKey), await cacheText(here, fake.apiKey));
  } finally {
    await fake.close();
    await Deno.remove(here, { recursive: true });
    await Deno.remove(there, { recursive: true });
  }
});

Deno.test("customer ids in export order: newest organization first, org_id breaking ties, each id once at its first organization", () => {
  const day = (d: number) => new Date(Date.UTC(2026, 9, d));
  const organizations = pl.DataFrame([
    pl.Series("org_id", ["o5", "o1", "o4", "o2", "o3", "o6", "o7", "o8"]),
    pl.Series("created_at", [day(3), day(3), day(1), null, day(3), day(9), day(2), day(5)]),
    pl.Series("stripe_customer_id", [
      "cus_a", // day 3, after o1 and o3 (org_id)
      "cus_b", // day 3, first of the three
      "cus_a", // day 1: cus_a is o3's already
      "cus_d", // no created_at: last
      "cus_a", // day 3, second: cus_a's first organization
      null, // no id: not asked for
      "", // empty: not asked for
      "cus_e", // day 5: newest with an id
    ]),
  ]);
  assertEquals(customerIdsInExportOrder(organizations).toArray(), [
    "cus_e",
    "cus_b",
    "cus_a",
    "cus_d",
  ]);
});

Deno.test("a live export reads Stripe in a worker and gives the frame of the in-thread path", async () => {
  const fake = startFakeStripe(ACCOUNT);
  const databases = await scenarioDatabases("revenue_worker");
  const outDir = await Deno.makeTempDir();
  const elsewhere = await Deno.makeTempDir();
  try {
    const env = { ...databases.env, ...stripeEnv(fake) };
    const events: StageEvent[] = [];
    const common = { asOf: AS_OF, env, outDir, quiet: true, log: () => {} };
    const run = await countingWorkers(() =>
      loadPricingData({ ...common, onStage: (event) => events.push(event) })
    );
    const data = run.value!;
    // one worker, given its settings and the ids, ended once it answered
    assertEquals([run.started, run.messages, run.terminated], [1, 2, 1]);
    assertEquals(data.revenue.source, "stripe");
    ok(data.revenue.customers, "the revenue came from the worker");

    // The worker got the customer ids before the join: those of the joined frame, in its order.
    const stage = <S extends StageEvent["stage"]>(name: S) =>
      events.find((e) => e.stage === name) as Extract<StageEvent, { stage: S }>;
    const joined = stage("join").frame;
    const joinedIds = (joined.getColumn("stripe_customer_id").toArray() as (string | null)[])
      .filter((id): id is string => !!id);
    const workerIds = customerIdsInExportOrder(stage("queries").frames.organizations).toArray();
    assertEquals(workerIds, [...new Set(joinedIds)]);
    ok(workerIds.length > 30);

    // The in-thread stage on the joined frame (its own cache folder: it fetches too), fed to the
    // same pipeline: the same frame, column for column, and the same warnings.
    const inThread = await loadRevenueStage(joined, {
      demo: false,
      env,
      mode: "auto",
      asOf: AS_OF,
      windowDays: 30,
      outDir: elsewhere,
      quiet: true,
    });
    assertEquals(meta(inThread), meta(data.revenue));
    const direct = await loadPricingData({ ...common, revenueFor: () => inThread });
    assertEquals(direct.revenue.customers, undefined);
    assertEquals(data.frame.columns, direct.frame.columns);
    ok(data.frame.frameEqual(direct.frame, true));
    assertEquals(data.warnings, direct.warnings);
    // revenue columns the frames share, so the comparison above covers them
    const column = (frame: pl.DataFrame, name: string) => frame.getColumn(name).toArray();
    const sources = column(data.frame, "revenue_source");
    for (const kind of ["stripe", "no_customer", "shared_customer", "none"]) {
      ok(sources.includes(kind), kind);
    }
    ok(column(data.frame, "ptb_revenue_30d").includes(25));
  } finally {
    await fake.close();
    await databases.drop();
    await Deno.remove(outDir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});

const REQUIRE_NO_KEY =
  "Stripe revenue required: STRIPE_SECRET_KEY is not set (set it in the environment or .env)";

Deno.test("--require-stripe without a key: the worker's UserError is a one-line UserError here", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const worker = prepareRevenueWorker({
      env: {},
      mode: "require",
      asOf: AS_OF,
      outDir,
      quiet: true,
    });
    worker.load(pl.Series(["cus_seat"]));
    await rejects(worker.result, (e: Error) => {
      ok(e instanceof UserError, `${e.name}: ${e.message}`);
      assertEquals(e.message, REQUIRE_NO_KEY);
      return true;
    });
    worker.close();

    // through a live export: the same error, and the worker gone
    const databases = await freshFixtureDatabases("revenue_worker_require");
    try {
      const run = await countingWorkers(() =>
        runExport({
          asOf: AS_OF,
          outDir,
          env: databases.env,
          stripe: "require",
          formats: ["csv"],
          charts: false,
          quiet: true,
          log: () => {},
        })
      );
      ok(run.error instanceof UserError, String(run.error));
      assertEquals(run.error.message, REQUIRE_NO_KEY);
      assertEquals([run.started, run.terminated], [1, 1]);
    } finally {
      await databases.drop();
    }
    // a bad Stripe setting fails before any query, naming the variable
    await rejects(
      loadPricingData({
        asOf: AS_OF,
        outDir,
        env: {
          PRICING_PG_URL: "postgres://x@127.0.0.1:9/x",
          PRICING_CH_URL: "http://127.0.0.1:9",
          STRIPE_API_PORT: "http",
        },
        quiet: true,
        log: () => {},
      }),
      (e: Error) =>
        e instanceof UserError && /^STRIPE_API_PORT must be a port number/.test(e.message),
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("two exports without a fixed as-of: the second is answered by the first's Stripe cache", async () => {
  const fake = startFakeStripe(ACCOUNT);
  const databases = await scenarioDatabases("revenue_worker_now");
  const outDir = await Deno.makeTempDir();
  try {
    // as `deno task export` runs: no as-of, so each export's is now, to the second
    const exportNow = () =>
      runExport({
        outDir,
        env: { ...databases.env, ...stripeEnv(fake) },
        formats: ["csv"],
        charts: false,
        quiet: true,
        log: () => {},
      });
    const first = await exportNow();
    assertEquals(first.data.revenue.source, "stripe");
    const calls = fake.requests.length;
    ok(calls > 0);
    // the next export's as-of a second later at least (an as-of one second on missed the cache)
    const firstSecond = Math.floor(first.data.asOf.getTime() / 1000);
    while (Math.floor(Date.now() / 1000) === firstSecond) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const second = await exportNow();
    ok(second.data.asOf.getTime() >= (firstSecond + 1) * 1000);
    // the same UTC day (always, but in the second after midnight): the cache answers
    const sameDay = isoDate(second.data.asOf) === isoDate(first.data.asOf);
    const later = fake.requests.slice(calls);
    if (sameDay) {
      assertEquals(second.data.revenue.source, "cache");
      // Nothing is listed again. Only customers without a subscription that the first export
      // left unverified (its call bound spent, which depends on how many of the account's
      // invoices fall in today's window) are looked up, one call each.
      const leftUnverified = first.data.revenue.warnings.some((w) =>
        w.includes("were not checked against Stripe")
      );
      ok(later.every((r) => /^GET \/v1\/customers\/[^/?]+$/.test(r)), later.join(", "));
      if (!leftUnverified) assertEquals(later, []);
      assertEquals(second.data.revenue.apiCalls, later.length);
    } else {
      assertEquals(second.data.revenue.source, "stripe");
      ok(later.length > 0);
    }
    const { records } = parseCsvRecords(await Deno.readTextFile(second.files[0]));
    const sources = new Set(records.map((r) => r.revenue_source));
    ok(sources.has(sameDay ? "cache" : "stripe"), [...sources].join(", "));
    ok(!sources.has(sameDay ? "stripe" : "cache"), [...sources].join(", "));
  } finally {
    await fake.close();
    await databases.drop();
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("an ill-shaped cache read ahead by the worker: fetched again, with a warning naming it", async () => {
  const fake = startFakeStripe(ACCOUNT);
  const outDir = await Deno.makeTempDir();
  try {
    const stage = { env: stripeEnv(fake), mode: "auto" as const, asOf: AS_OF, windowDays: 30 };
    const first = await loadLiveRevenue(CUSTOMERS, {
      ...liveRevenueOptions({ ...stage, outDir }),
      quiet: true,
    });
    assertEquals(first.source, "stripe");
    const path = cachePath(defaultCacheDir(outDir), { apiKey: fake.apiKey, asOf: AS_OF });
    const file = JSON.parse(await Deno.readTextFile(path));
    delete file.snapshot.subscriptions[0].discounts;
    await Deno.writeTextFile(path, JSON.stringify(file));
    const calls = fake.requests.length;
    // read ahead of the ids (any cache above 0 bytes), as at a million organizations
    const worker = prepareRevenueWorker({ ...stage, outDir, quiet: true, readAheadAboveBytes: 0 });
    worker.startAhead();
    assertEquals(worker.started, true);
    worker.load(pl.Series(CUSTOMERS));
    const again = await worker.result;
    worker.close();
    assertEquals([again.source, again.failed], ["stripe", false]);
    ok(fake.requests.length > calls);
    assertEquals(again.warnings.filter((w) => w.includes(path)), [
      `the Stripe cache ${path} could not be used (snapshot.subscriptions[0].discounts is missing): Stripe was asked again`,
    ]);
    assertEquals([...again.byCustomer.entries()], [...first.byCustomer.entries()]);
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
  }
});
