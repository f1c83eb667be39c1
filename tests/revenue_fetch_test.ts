/**
 * How the Stripe fetch talks to Stripe (through the real SDK, against tests/fake_stripe.ts): the
 * pinned API version, 100-object pages and their cursors, expansions within Stripe's limit,
 * Retry-After, bounded concurrency, lookups versus whole lists, progress, and error lines.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import Stripe from "stripe";
import {
  describeStripeError,
  loadRevenue,
  redactKeys,
  revenueSummaryLine,
} from "../lib/revenue/mod.ts";
import { revenueModeFromFlags } from "../lib/revenue/stripe_settings.ts";
import { limiter } from "../lib/revenue/pool.ts";
import { FetchAbandoned, StripeReader } from "../lib/revenue/reader.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
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

Deno.test("every request pins the SDK's API version; lists ask for 100, subscriptions for every status, expansions stay within 4 levels; no Search API, no upcoming invoice", async () => {
  await withFake(async (fake, options) => {
    await loadRevenue(CUSTOMERS, options);
    assertEquals(Stripe.API_VERSION, "2026-10-28.endive");
    ok(fake.log.length > 0);
    for (const request of fake.log) {
      assertEquals(request.stripeVersion, Stripe.API_VERSION, request.path);
      // revenue-rules.md: the Search API is not read-after-write (minutes behind), and
      // /v1/invoices/upcoming is gone since 2025-03-31: lists and retrieves only
      ok(!/\/search$|\/invoices\/(upcoming|create_preview)/.test(request.path), request.path);
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

Deno.test("an archived tiered price a subscription still holds gets its tiers from the price listing too", async () => {
  // cus_graduated's price is archived (Stripe lists it only with active=false); 12 seats cost
  // 5 × $10 + 5 × $8 + 2 × $5 = $100 whether the price is active or not
  const data = structuredClone(FAKE_DATA);
  const held = data.subscriptions.find((s: { customer: string }) => s.customer === "cus_graduated");
  held.items.data[0].price.active = false;
  await withFake(async (fake, options) => {
    const result = await loadRevenue(["cus_graduated"], options);
    assertEquals(result.byCustomer.get("cus_graduated")?.mrr, 100);
    // the open prices (5 > the lookup limit of 1) in two listings: active, and archived
    assertEquals(
      fake.log.filter((r) => r.path === "/v1/prices").map((r) => r.params.get("active")).sort(),
      ["false", "true"],
    );
  }, data);
});

Deno.test("open prices are looked up one by one up to PRICING_STRIPE_LOOKUP_LIMIT, else read in one page of recurring prices, with the same revenue", async () => {
  await withFake(async (fake, options) => {
    // default limit 1: the 5 open prices (2 tiered, 3 in another currency) come in one page
    const byList = await loadRevenue(CUSTOMERS, options);
    const listRequests = [...fake.requests];
    ok(listRequests.includes("GET /v1/prices"));
    ok(!listRequests.some((r) => r.startsWith("GET /v1/prices/")), listRequests.join());
    const pricesRequest = fake.log.find((r) => r.path === "/v1/prices")!;
    assertEquals(pricesRequest.params.get("type"), "recurring");
    assertEquals(
      [...pricesRequest.params].filter(([k]) => k.startsWith("expand")).map(([, v]) => v),
      ["data.tiers", "data.currency_options", "data.currency_options.eur.tiers"],
    );
    const byLookup = await loadRevenue(CUSTOMERS, {
      ...options,
      rules: { ...options.rules, lookupLimit: 10 },
    });
    const lookupRequests = fake.requests.slice(listRequests.length);
    assertEquals(
      lookupRequests.filter((r) => r.startsWith("GET /v1/prices/")).toSorted(),
      [
        "GET /v1/prices/price_seats_graduated_3",
        "GET /v1/prices/price_seats_graduated_4",
        "GET /v1/prices/price_tiered_with_eur",
        "GET /v1/prices/price_usd_only",
        "GET /v1/prices/price_usd_with_eur",
      ],
    );
    ok(!lookupRequests.includes("GET /v1/prices"));
    for (const [id, revenue] of byList.byCustomer) {
      assertEquals(byLookup.byCustomer.get(id), revenue, id);
    }
    // 5 lookups spend the call bound: the 3 customers without a subscription stay unchecked
    assertEquals(byList.unknownCustomerIds, ["cus_deleted", "cus_not_in_stripe"]);
    assertEquals(byLookup.unknownCustomerIds, []);
    ok(byLookup.warnings.some((w) => w.startsWith("3 stripe_customer_id values without")));
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
  assertEquals(progressLine(6, { total: 24 }), `Stripe [██████${"·".repeat(18)}] 6/24 customers`);
  assertEquals(progressLine(0, { total: 0 }), `Stripe [${"█".repeat(24)}] 0/0 customers`);
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
    }, { apiKey: key }),
    "STRIPE_SECRET_KEY may not read everything needed (403: The provided key 'rk_live_***' does not have the required permissions): give the restricted key read access to Subscriptions, Products, Prices, Invoices, Coupons and Customers (and PaymentIntents with PRICING_STRIPE_PTB_PRODUCT set)",
  );
  const line = describeStripeError({
    type: "StripeAPIError",
    statusCode: 500,
    message: `boom ${key}\nsecond line`,
  }, { apiKey: key });
  assertEquals(
    line,
    "Stripe request failed (500): boom ***; try again later, or raise PRICING_STRIPE_MAX_RETRIES",
  );
  assertEquals(redactKeys("key sk_test_abc and pk_live_XYZ9"), "key sk_test_*** and pk_live_***");
  match(
    describeStripeError({ type: "StripeConnectionError", message: "connect ECONNREFUSED" }, {
      endpoint: "127.0.0.1:1",
    }),
    /^cannot reach Stripe at 127\.0\.0\.1:1 \(connect ECONNREFUSED\)/,
  );
});

Deno.test("a request abandoned after another failed carries that failure, and its line is the failure's", async () => {
  const reader = new StripeReader(new Stripe("sk_test_unused"), resolveRules({ concurrency: 1 }));
  const failure = Object.assign(new Error("No such price: 'price_x'"), {
    type: "StripeInvalidRequestError",
    statusCode: 400,
  });
  const first = reader.request("subscriptions", () => Promise.reject(failure));
  // queued behind the first (one slot): it starts after the failure and is abandoned unsent
  let sent = false;
  const second = reader.request("invoices", () => {
    sent = true;
    return Promise.resolve(null);
  });
  await rejects(first, (error) => error === failure);
  const abandoned = await second.then(() => null, (error) => error);
  ok(abandoned instanceof FetchAbandoned);
  assertEquals([abandoned.cause === failure, sent], [true, false]);
  // whichever of the two reaches the caller first, the line names the 400
  assertEquals(describeStripeError(abandoned), describeStripeError(failure));
  assertEquals(
    describeStripeError(abandoned),
    "Stripe request failed (400): No such price: 'price_x'",
  );
});

/** A cold run on the fake: its API calls, as the result counts them and as the fake saw them. */
async function coldCalls(data: FakeStripeData, customerIds: string[]) {
  let calls = { counted: -1, seen: -1, warnings: [] as string[] };
  await withFake(async (fake, options) => {
    const result = await loadRevenue(customerIds, options);
    calls = { counted: result.apiCalls, seen: fake.requests.length, warnings: result.warnings };
  }, data);
  return calls;
}

Deno.test("a cold run stays within ceil(subscriptions/100) + ceil(invoices/100) + 5 calls, counted on the fake", async () => {
  const T = AS_OF.getTime() / 1000;
  const templates = ["cus_seat", "cus_graduated", "cus_volume", "cus_currency_option_tiered"]
    .map((c) => subscriptions.find((s) => s.customer === c)!);
  // 250 subscriptions on 4 prices, 3 of them tiered (their tiers must be read)
  const subs = Array.from({ length: 250 }, (_, i) => ({
    ...structuredClone(templates[i % 4]),
    id: `sub_b${String(i).padStart(3, "0")}`,
    customer: `cus_b${i}`,
  }));
  const invoices = Array.from({ length: 130 }, (_, i) => ({
    id: `in_b${String(i).padStart(3, "0")}`,
    object: "invoice",
    customer: `cus_b${i}`,
    status: "paid",
    billing_reason: "subscription_cycle",
    created: T - 5 * 86_400,
    currency: "usd",
    parent: { type: "subscription_details", subscription_details: { subscription: `sub_b${i}` } },
    lines: { object: "list", has_more: false, data: [] },
  }));
  // 60 exported customers without a subscription, among 510 customers of the account
  const free = Array.from({ length: 60 }, (_, i) => `cus_free${i}`);
  const accountCustomers = [
    ...free,
    ...subs.map((s) => s.customer),
    ...Array.from({ length: 200 }, (_, i) => `cus_other${i}`),
  ].map((id) => ({ id, object: "customer" }));
  const large = await coldCalls(
    { subscriptions: subs, products, invoices, customers: accountCustomers },
    [...subs.map((s) => s.customer), ...free],
  );
  // bound 3 + 2 + 5 = 10: subscriptions 3 pages, invoices 2, products, coupons, one page of
  // recurring prices (3 tiered > the lookup limit of 1) = 8; 2 pages of customers with the rest
  assertEquals(large.counted, 10);
  assertEquals(large.seen, 10);

  // an empty account: 4 empty lists, and the 1 call left checks the two ids in one page
  const empty = await coldCalls({ subscriptions: [], products: [], invoices: [] }, [
    "cus_x",
    "cus_y",
  ]);
  assertEquals([empty.counted, empty.seen], [5, 5]); // bound 0 + 0 + 5

  // the scenarios: 8 calls, bound 1 + 1 + 5 + 2 embedded pages (revenue_test.ts)
  const scenarios = await coldCalls(FAKE_DATA, CUSTOMERS);
  ok(scenarios.counted <= 9 && scenarios.seen === scenarios.counted, JSON.stringify(scenarios));
});

Deno.test("when a list fails, the count includes the requests still retrying (they settle first)", async () => {
  await withFakeStripe(async (fake, options) => {
    // subscriptions fail at once (400, not retried); products fail with 500, and the reader backs
    // off before retrying, so they are still in flight when the subscriptions fail; once another
    // request has failed, a request backing off gives up instead of retrying
    fake.failPath("/v1/subscriptions", 400, 1);
    fake.failPath("/v1/products", 500, 2);
    const result = await loadRevenue(["cus_seat"], options);
    assertEquals([result.source, result.failed], ["none", true]);
    // subscriptions 1 + products 1 (its retry not sent) + invoices 1 + coupons 1
    assertEquals(fake.requests.filter((r) => r === "GET /v1/products").length, 1);
    assertEquals(fake.requests.length, 4);
    assertEquals(result.apiCalls, 4);
  }, {
    data: FAKE_DATA,
    mode: "refresh",
    asOf: AS_OF,
    rules: { maxNetworkRetries: 2, fxRates: { eur: 1.1 } },
  });
});

Deno.test("--refresh-stripe and --require-stripe combine: the cache is ignored and a failure is one line", async () => {
  assertEquals(revenueModeFromFlags({ refresh: true, require: true }), "refresh-require");
  assertEquals(revenueModeFromFlags({ refresh: true }), "refresh");
  assertEquals(revenueModeFromFlags({ require: true }), "require");
  assertEquals(revenueModeFromFlags({}), "auto");
  assertEquals(revenueModeFromFlags({ skip: true }), "skip");
  assertEquals(revenueModeFromFlags({ skip: true, require: true }), null);
  await withFake(async (fake, options) => {
    const first = await loadRevenue(["cus_seat"], { ...options, mode: "auto" });
    const calls = fake.requests.length;
    const again = await loadRevenue(["cus_seat"], { ...options, mode: "refresh-require" });
    assertEquals(again.source, "stripe", "the cache was ignored");
    assertEquals(fake.requests.length, calls * 2);
    assertEquals(again.byCustomer, first.byCustomer);
    fake.failPath("/v1/subscriptions", 400, 1);
    await rejects(
      loadRevenue(["cus_seat"], { ...options, mode: "refresh-require" }),
      (e: Error) => /^Stripe revenue required: Stripe request failed \(400\)/.test(e.message),
    );
    assertEquals(
      revenueSummaryLine(again).replace(/[\d.]+ s$/, "… s"),
      `Revenue: stripe, ${calls} Stripe API calls, … s`,
    );
  });
});
