/**
 * How the Stripe fetch talks to Stripe (through the real SDK, against tests/fake_stripe.ts): the
 * pinned API version, 100-object pages and their cursors, expansions within Stripe's limit,
 * Retry-After, bounded concurrency, lookups versus whole lists, progress, and error lines.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import Stripe from "stripe";
import {
  describeStripeError,
  loadRevenue,
  redactKeys,
  type RevenueOptions,
} from "../lib/revenue/mod.ts";
import { limiter } from "../lib/revenue/pool.ts";
import { progressLine, stderrProgress } from "../lib/revenue/progress.ts";
import { type FakeStripeData, withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  CUSTOMERS,
  FAKE_DATA,
  products,
  subscriptions,
} from "./fixtures/stripe/scenarios.ts";

function withFake(
  run: Parameters<typeof withFakeStripe>[0],
  data: FakeStripeData = FAKE_DATA,
  latencyMs = 0,
) {
  return withFakeStripe(run, {
    data,
    mode: "refresh",
    apiKey: "sk_test_fetch_777",
    latencyMs,
    asOf: AS_OF,
    rules: { fxRates: { eur: 1.1, jpy: 0.0067 } },
  });
}

Deno.test("every request pins the SDK's API version; lists ask for 100, subscriptions for every status, expansions stay within 4 levels", async () => {
  await withFake(async (fake, options) => {
    await loadRevenue(CUSTOMERS, options);
    assertEquals(Stripe.API_VERSION, "2026-10-28.endive");
    ok(fake.log.length > 0);
    for (const request of fake.log) {
      assertEquals(request.stripeVersion, Stripe.API_VERSION, request.path);
      const isList = !/\/v1\/(customers|prices)\/./.test(request.path);
      if (isList) assertEquals(request.params.get("limit"), "100", request.path);
      for (const [key, value] of request.params) {
        if (key.startsWith("expand")) ok(value.split(".").length <= 4, value);
      }
    }
    const subscriptionsRequest = fake.log.find((r) => r.path === "/v1/subscriptions")!;
    assertEquals(subscriptionsRequest.params.get("status"), "all");
    // invoices of the look-back window only: [as-of − 35 days, as-of)
    const invoicesRequest = fake.log.find((r) => r.path === "/v1/invoices")!;
    const asOf = AS_OF.getTime() / 1000;
    assertEquals(invoicesRequest.params.get("created[gte]"), String(asOf - 35 * 86_400));
    assertEquals(invoicesRequest.params.get("created[lt]"), String(asOf));
  });
});

Deno.test("250 subscriptions: 3 pages, each starting after the last id of the one before; nothing lost", async () => {
  const many = Array.from({ length: 250 }, (_, i) => ({
    ...structuredClone(subscriptions[0]),
    id: `sub_p${String(i).padStart(3, "0")}`,
    customer: `cus_p${i}`,
  }));
  await withFake(async (fake, options) => {
    const customers = many.map((s) => s.customer);
    const result = await loadRevenue(customers, options);
    const pages = fake.log.filter((r) => r.path === "/v1/subscriptions");
    assertEquals(pages.map((p) => p.params.get("starting_after")), [null, "sub_p099", "sub_p199"]);
    // every customer counted: 250 × $20 × 5 seats
    const total = customers.reduce((sum, c) => sum + result.byCustomer.get(c)!.mrr!, 0);
    assertEquals(total, 25_000);
  }, { subscriptions: many, products, invoices: [] });
});

Deno.test("a 429 waits for its Retry-After before the retry", async () => {
  await withFake(async (fake, options) => {
    fake.failNext(429, 1, 1); // the first request is told to come back in 1 s
    const started = performance.now();
    const result = await loadRevenue(["cus_seat"], options);
    const elapsed = performance.now() - started;
    assertEquals(result.byCustomer.get("cus_seat")!.mrr, 100);
    ok(elapsed >= 950, `retried after ${Math.round(elapsed)} ms`);
    assertEquals(result.apiCalls, fake.requests.length);
  }, { subscriptions: [subscriptions[0]], products, invoices: [] });
});

Deno.test("many open objects are read as whole lists instead of one lookup each (PRICING_STRIPE_LOOKUP_LIMIT), with the same revenue", async () => {
  let lookedUp: RevenueOptions["rules"];
  await withFake(async (fake, options) => {
    const byLookup = await loadRevenue(CUSTOMERS, options);
    const lookupRequests = [...fake.requests];
    lookedUp = options.rules;
    const byList = await loadRevenue(CUSTOMERS, {
      ...options,
      rules: { ...lookedUp, lookupLimit: 0 },
    });
    const listRequests = fake.requests.slice(lookupRequests.length);
    ok(lookupRequests.includes("GET /v1/customers/cus_not_in_stripe"));
    ok(lookupRequests.includes("GET /v1/prices/price_seats_graduated_3"));
    // lookups replaced by one customers page and one prices page
    ok(listRequests.includes("GET /v1/customers") && listRequests.includes("GET /v1/prices"));
    ok(!listRequests.some((r) => /\/v1\/(customers|prices)\/./.test(r)), listRequests.join());
    const pricesRequest = fake.log.find((r) => r.path === "/v1/prices")!;
    assertEquals(pricesRequest.params.get("expand[0]"), "data.tiers");
    assertEquals(byList.byCustomer, byLookup.byCustomer);
    assertEquals(byList.unknownCustomerIds, byLookup.unknownCustomerIds);
  });
});

Deno.test("requests in flight never exceed the concurrency setting", async () => {
  const run = limiter(3);
  let active = 0;
  let peak = 0;
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      run(async () => {
        peak = Math.max(peak, ++active);
        await new Promise((resolve) => setTimeout(resolve, 2));
        active--;
        return i;
      })),
  );
  assertEquals(results, Array.from({ length: 20 }, (_, i) => i));
  assertEquals(peak, 3);
  // a failing task frees its slot
  const one = limiter(1);
  await one(() => Promise.reject(new Error("x"))).catch(() => {});
  assertEquals(await one(() => Promise.resolve("next")), "next");
});

Deno.test("progress reports requested customers seen out of requested, ending at total/total", async () => {
  await withFake(async (_fake, options) => {
    const calls: [number, number][] = [];
    await loadRevenue(CUSTOMERS, {
      ...options,
      onProgress: (done, total) => calls.push([done, total]),
    });
    ok(calls.length >= 2);
    ok(calls.every(([, total]) => total === CUSTOMERS.length));
    ok(calls.every(([done], i) => i === 0 || done >= calls[i - 1][0]), "never goes back");
    assertEquals(calls.at(-1), [CUSTOMERS.length, CUSTOMERS.length]);
  });
  assertEquals(progressLine(6, 24), `Stripe [██████${"·".repeat(18)}] 6/24 customers`);
  assertEquals(progressLine(0, 0), `Stripe [${"█".repeat(24)}] 0/0 customers`);
  const off = stderrProgress({ isTerminal: false });
  off.onProgress(1, 2); // draws nothing off a terminal (nothing to assert but no throw)
  off.finish();
});

Deno.test("error lines name the problem and what to do, never the key", () => {
  const key = "sk_live_51HsecretSECRETsecret";
  assertEquals(
    describeStripeError({
      type: "StripePermissionError",
      statusCode: 403,
      message: "The provided key 'rk_live_abc123' does not have the required permissions",
    }, key),
    "STRIPE_SECRET_KEY may not read everything needed (403: The provided key 'rk_live_***' does not have the required permissions): give the restricted key read access to Subscriptions, Products, Invoices, Coupons and Customers",
  );
  const line = describeStripeError({
    type: "StripeAPIError",
    statusCode: 500,
    message: `boom ${key}\nsecond line`,
  }, key);
  assertEquals(line, "Stripe request failed (500): boom ***");
  assertEquals(redactKeys("key sk_test_abc and pk_live_XYZ9"), "key sk_test_*** and pk_live_***");
  match(
    describeStripeError({ type: "StripeConnectionError", message: "connect ECONNREFUSED" }),
    /^cannot reach Stripe/,
  );
});
