/**
 * Stripe revenue's calls and failures against tests/fake_stripe.ts: the call bound and the cache,
 * retries on 429 and 500, 401, Stripe unreachable, no key, and --require-stripe.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { loadRevenue, type RevenueOptions } from "../lib/revenue/mod.ts";
import { DEFAULT_RULES } from "../lib/revenue/rules.ts";
import { priceLite } from "../lib/revenue/stripe_objects.ts";
import { AS_OF, products, subscriptions } from "./fixtures/stripe/scenarios.ts";
import { withFake } from "./revenue_fixture.ts";
import { refusedPort } from "./refused_port.ts";

Deno.test("Stripe's glossary check: 100 × $100/month + 50 × $600/year = $12,500 MRR, in ceil(150/100)+3 calls", async () => {
  const monthly = priceLite({
    id: "price_m",
    product: "prod_pro_users",
    currency: "usd",
    unit_amount_decimal: "10000",
    recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
  });
  const yearly = priceLite({
    id: "price_y",
    product: "prod_pro_users",
    currency: "usd",
    unit_amount_decimal: "60000",
    recurring: { interval: "year", interval_count: 1, usage_type: "licensed" },
  });
  const subs = Array.from({ length: 150 }, (_, i) => ({
    id: `sub_g${String(i).padStart(3, "0")}`,
    object: "subscription",
    customer: `cus_g${i}`,
    status: "active",
    currency: "usd",
    cancel_at_period_end: false,
    discounts: [],
    items: {
      object: "list",
      data: [{ id: `si_g${i}`, quantity: 1, price: i < 100 ? monthly : yearly, discounts: [] }],
    },
  }));
  await withFake(async (fake, options) => {
    const customers = subs.map((s) => s.customer);
    const result = await loadRevenue(customers, options);
    const total = customers.reduce((sum, c) => sum + result.byCustomer.get(c)!.mrr!, 0);
    assertEquals(total, 12_500);
    // 150 subscriptions = 2 pages, products 1, invoices 1, coupons 1
    assertEquals(result.apiCalls, 5);
    assertEquals(fake.requests.filter((r) => r.endsWith("/subscriptions")).length, 2);
  }, { subscriptions: subs, products, invoices: [] });
});

Deno.test("a few hundred customers cost the call bound at most; the cache then costs none", async () => {
  const template = subscriptions[0];
  const many = Array.from({ length: 420 }, (_, i) => ({
    ...structuredClone(template),
    id: `sub_many${String(i).padStart(4, "0")}`,
    customer: `cus_many${i}`,
  }));
  // Stripe lists customers newest first: the two without a subscription signed up last
  const customerObjects = [
    { id: "cus_free1", object: "customer" },
    { id: "cus_free2", object: "customer" },
    ...many.map((s) => ({ id: s.customer, object: "customer" })),
  ];
  await withFake(async (fake, options) => {
    // 420 subscribers, 2 customers without a subscription, 1 id Stripe does not know
    const customers = [...many.map((s) => s.customer), "cus_free1", "cus_free2", "cus_gone"];
    const first = await loadRevenue(customers, options);
    // bound: ceil(420/100) + ceil(0/100) + 5 = 10. The lists: 5 subscription pages + products,
    // invoices, coupons = 8; 2 calls left for 3 customers: a listing of customers cut off after
    // 2 pages, which finds cus_free1 and cus_free2 but cannot settle cus_gone
    assertEquals(first.apiCalls, 10);
    assertEquals(fake.requests.length, 10);
    assertEquals(fake.requests.filter((r) => r === "GET /v1/customers").length, 2);
    assertEquals(first.byCustomer.get("cus_many7")!.mrr, 100); // $20 × 5 seats
    assertEquals(first.byCustomer.get("cus_free1")!.mrr, 0);
    assertEquals(first.unknownCustomerIds, []);
    assertEquals(first.byCustomer.get("cus_gone")!.mrr, 0);
    ok(
      first.warnings.some((w) =>
        w.startsWith("1 stripe_customer_id values without a subscription were not checked")
      ),
      first.warnings.join("\n"),
    );
    // the next export reads the cache and checks the id it left unverified: unknown, not $0
    const second = await loadRevenue(customers, options);
    assertEquals([second.source, second.apiCalls], ["cache", 1]);
    assertEquals(fake.requests.at(-1), "GET /v1/customers/cus_gone");
    assertEquals(second.unknownCustomerIds, ["cus_gone"]);
    ok(!second.byCustomer.has("cus_gone"));
    ok(!second.warnings.some((w) => w.includes("were not checked")), second.warnings.join("\n"));
    // then the cache settles them all: no request on a cache hit
    const again = await loadRevenue(customers, options);
    assertEquals([again.source, again.apiCalls], ["cache", 0]);
    assertEquals(fake.requests.length, 11, "no request on a cache hit");
    assertEquals(again.byCustomer, second.byCustomer);
    assertEquals(again.warnings, second.warnings);
    // a later export that asks for one more customer: only that one is looked up (unknown)
    const third = await loadRevenue([...customers, "cus_new"], options);
    assertEquals([third.source, third.apiCalls], ["cache", 1]);
    assertEquals(fake.requests.at(-1), "GET /v1/customers/cus_new");
    assertEquals(third.unknownCustomerIds, ["cus_gone", "cus_new"]);
    assertEquals((await loadRevenue([...customers, "cus_new"], options)).apiCalls, 0);
    const refreshed = await loadRevenue(customers, { ...options, mode: "refresh" });
    assertEquals(refreshed.source, "stripe");
    assertEquals(fake.requests.length, 22);
    // the cache holds no key, and no more than the kit needs
    for (const entry of Deno.readDirSync(options.cacheDir)) {
      match(entry.name, /^stripe_[0-9a-f]{16}_2026-11-01\.json$/);
      const text = await Deno.readTextFile(`${options.cacheDir}/${entry.name}`);
      ok(!text.includes(fake.apiKey));
      assertEquals(Object.keys(JSON.parse(text).snapshot.subscriptions[0]).sort(), [
        "billing_cycle_anchor",
        "cancel_at",
        "cancel_at_period_end",
        "canceled_at",
        "created",
        "currency",
        "customer",
        "discounts",
        "ended_at",
        "id",
        "items",
        "start_date",
        "status",
        "trial_end",
        "trial_start",
      ]);
    }
  }, { subscriptions: many, products, invoices: [], customers: customerObjects });
});

Deno.test("429 with Retry-After and a 500 are retried; the run completes", async () => {
  await withFake(async (fake, options) => {
    fake.failNext(429, 2, 0);
    fake.failNext(500, 1);
    const result = await loadRevenue(["cus_seat"], { ...options, mode: "refresh" });
    assertEquals(result.source, "stripe");
    assertEquals(result.byCustomer.get("cus_seat")!.mrr, 100);
    // 7 calls of a normal run (4 lists, items, lines, prices) plus three failed tries
    assertEquals(fake.requests.length, 7 + 3);
    assertEquals(result.apiCalls, fake.requests.length);
  });
});

Deno.test("401, endless 429 and endless 500: export goes on without revenue, or fails in one line with --require-stripe", async () => {
  await withFake(async (fake, options) => {
    const wrongKey = { ...options, apiKey: "sk_test_wrong_key_999", mode: "refresh" as const };
    const unauthorised = await loadRevenue(["cus_seat"], wrongKey);
    assertEquals([unauthorised.source, unauthorised.failed], ["none", true]);
    assertEquals(unauthorised.byCustomer.size, 0);
    match(unauthorised.warnings[0], /REVENUE MISSING: Stripe rejected STRIPE_SECRET_KEY \(401\)/);
    ok(!unauthorised.warnings[0].includes("sk_test_wrong_key_999"));
    ok(!unauthorised.warnings[0].includes("_999"));
    await rejects(
      loadRevenue(["cus_seat"], { ...wrongKey, mode: "require" }),
      (e: Error) =>
        /^Stripe revenue required: Stripe rejected STRIPE_SECRET_KEY/.test(e.message) &&
        !e.message.includes("sk_test_wrong"),
    );

    fake.failNext(429, 50, 0);
    const limited = await loadRevenue(["cus_seat"], { ...options, mode: "refresh" });
    assertEquals([limited.source, limited.failed], ["none", true]);
    match(limited.warnings[0], /rate-limiting \(429\)/);
    ok(limited.apiCalls >= 6, "each list tried 1 + 5 times before giving up");
    await rejects(
      loadRevenue(["cus_seat"], { ...options, mode: "require" }),
      (e: Error) =>
        e.message ===
          "Stripe revenue required: Stripe kept rate-limiting (429) after 5 retries: try again later, raise PRICING_STRIPE_RATE_LIMIT_RETRIES or lower PRICING_STRIPE_CONCURRENCY",
    );

    fake.clearFailures();
    fake.failNext(500, 50);
    const broken = await loadRevenue(["cus_seat"], {
      ...options,
      mode: "refresh",
      rules: { ...DEFAULT_RULES, maxNetworkRetries: 1 },
    });
    assertEquals([broken.source, broken.failed], ["none", true]);
    match(broken.warnings[0], /Stripe request failed \(500\)/);
    await rejects(
      loadRevenue(["cus_seat"], {
        ...options,
        mode: "require",
        rules: { ...DEFAULT_RULES, maxNetworkRetries: 0 },
      }),
      (e: Error) =>
        /^Stripe revenue required: Stripe request failed \(500\)/.test(e.message) &&
        !e.message.includes("\n"),
    );
  });
});

Deno.test("Stripe unreachable: no revenue, loudly; --require-stripe fails in one line", async () => {
  // a port nothing listens on, held so no other process binds it
  const down = await refusedPort();
  const port = down.port;
  const cacheDir = await Deno.makeTempDir();
  try {
    const options: RevenueOptions = {
      mode: "auto",
      apiKey: "sk_test_unreachable_4242",
      apiHost: "127.0.0.1",
      apiPort: port,
      apiProtocol: "http",
      cacheDir,
      asOf: AS_OF,
      rules: { maxNetworkRetries: 0 },
    };
    const result = await loadRevenue(["cus_seat"], options);
    assertEquals([result.source, result.failed], ["none", true]);
    match(
      result.warnings[0],
      new RegExp(`^REVENUE MISSING: cannot reach Stripe at 127\\.0\\.0\\.1:${port} `),
    );
    // its kind goes with it (the admin page finds it by kind, the manifest stores it)
    assertEquals([...result.warningKinds!], [[result.warnings[0], "revenue_missing"]]);
    await rejects(
      loadRevenue(["cus_seat"], { ...options, mode: "require" }),
      (e: Error) =>
        /^Stripe revenue required: cannot reach Stripe/.test(e.message) &&
        !e.message.includes("\n") &&
        !e.message.includes("4242"),
    );
  } finally {
    await down.release();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("no key: skipped with a warning; --require-stripe without a key fails", async () => {
  const options = { mode: "auto" as const, cacheDir: "/nonexistent", asOf: AS_OF };
  const result = await loadRevenue(["cus_seat"], options);
  assertEquals([result.source, result.failed], ["none", false]);
  match(result.warnings[0], /STRIPE_SECRET_KEY is not set/);
  await rejects(
    loadRevenue(["cus_seat"], { ...options, mode: "require" }),
    /STRIPE_SECRET_KEY is not set/,
  );
});
