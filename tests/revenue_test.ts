/**
 * Stripe revenue through the real `stripe` SDK against tests/fake_stripe.ts. Every expected value
 * is computed by hand from tests/fixtures/stripe/scenarios.ts (arithmetic in the comments).
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { loadRevenue, type RevenueOptions } from "../lib/revenue/mod.ts";
import { computeCustomerRevenue, periodMonths } from "../lib/revenue/mrr.ts";
import { DEFAULT_RULES, revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { priceLite, subscriptionLite } from "../lib/revenue/stripe_objects.ts";
import { startFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  CUSTOMERS,
  invoices,
  products,
  subscriptions,
} from "./fixtures/stripe/scenarios.ts";

async function withFake(
  run: (fake: ReturnType<typeof startFakeStripe>, options: RevenueOptions) => Promise<void>,
  data = { subscriptions, products, invoices },
) {
  const fake = startFakeStripe(data);
  const cacheDir = await Deno.makeTempDir();
  try {
    await run(fake, {
      mode: "auto",
      apiKey: fake.apiKey,
      apiHost: "127.0.0.1",
      apiPort: fake.port,
      apiProtocol: "http",
      cacheDir,
      asOf: AS_OF,
      rules: revenueRulesFromEnv({ PRICING_FX_RATES: "EUR:1.1" }),
    });
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

/** [mrr, base, usage, prompts, other, recurring] per customer, USD per month */
const EXPECTED: Record<string, (number | null)[]> = {
  cus_seat: [100, 100, 0, 0, 0, 100], // $20 × 5 seats
  cus_team: [200, 200, 0, 0, 0, 200], // team bundle
  cus_prompts_on: [90, 40, 0, 50, 0, 90], // $20 × 2 + prompts $50
  cus_prompts_zero: [20, 20, 0, 0, 0, 20], // prompts item at quantity 0
  cus_yearly: [50, 50, 0, 0, 0, 50], // $600 / 12
  cus_quarterly: [100, 100, 0, 0, 0, 100], // $300 every 3 months / 3
  cus_coupon25: [60, 60, 0, 0, 0, 60], // $20 × 4 × (1 − 25%) forever
  cus_once10: [200, 200, 0, 0, 0, 200], // $10 off once is not recurring
  cus_repeating: [100, 100, 0, 0, 0, 100], // 50% off repeating, still running
  cus_trialing: [0, 0, 0, 0, 0, 0], // trialing does not count
  cus_past_due: [79, 79, 0, 0, 0, 79], // past_due counts
  cus_canceled: [0, 0, 0, 0, 0, 0],
  cus_cancelling: [79, 79, 0, 0, 0, 79], // counts until the period ends
  cus_two: [179, 79, 0, 0, 100, 179], // $79 plan + $100 evals on a second subscription
  cus_graduated: [100, 100, 0, 0, 0, 100], // 5 × $10 + 5 × $8 + 2 × $5
  cus_volume: [94, 94, 0, 0, 0, 94], // 12 units in the second tier: 12 × $7 + $10 flat
  cus_transform: [15, 15, 0, 0, 0, 15], // ceil(250 / 100) = 3 packs × $5
  cus_weekly: [43.33, 43.33, 0, 0, 0, 43.33], // $10 × 52 / 12
  cus_metered: [57.5, 20, 37.5, 0, 0, 20], // $20 seat + $37.50 usage on the latest closed invoice
  cus_eur: [110, 110, 0, 0, 0, 110], // €100 × 1.1
  cus_unknown: [15, 0, 0, 0, 15, 15], // unknown role: counted, under addon_other, with a warning
  cus_no_subscription: [0, 0, 0, 0, 0, 0],
};

Deno.test("every revenue scenario, fetched through the Stripe SDK, matches hand-computed values", async () => {
  await withFake(async (fake, options) => {
    const result = await loadRevenue(CUSTOMERS, options);
    assertEquals(result.source, "stripe");
    assertEquals(result.failed, false);
    for (const [customer, expected] of Object.entries(EXPECTED)) {
      const r = result.byCustomer.get(customer)!;
      assertEquals(
        [r.mrr, r.baseSubscription, r.usageCharges, r.addonPrompts, r.addonOther, r.mrrRecurring],
        expected,
        customer,
      );
    }
    const statusOf = (c: string) => result.byCustomer.get(c)!.subscriptionStatus;
    assertEquals(statusOf("cus_trialing"), "trialing");
    assertEquals(statusOf("cus_no_subscription"), null);
    assertEquals(result.byCustomer.get("cus_cancelling")!.cancelAtPeriodEnd, true);
    assertEquals(result.byCustomer.get("cus_seat")!.cancelAtPeriodEnd, false);
    assertEquals(result.byCustomer.get("cus_yearly")!.billingInterval, "year");
    assertEquals(result.byCustomer.get("cus_quarterly")!.billingInterval, "3 month");
    assertEquals(result.byCustomer.get("cus_eur")!.currency, "EUR");
    assertEquals(
      result.byCustomer.get("cus_prompts_on")!.stripePlanNames,
      "Prompts add-on, pro-users",
    );
    ok(!result.byCustomer.has("cus_not_ours"));
    ok(result.warnings.some((w) => w.includes("price_mystery")), result.warnings.join("\n"));
    // subscriptions, products and invoices: one page each
    assertEquals(result.apiCalls, 3);
    assertEquals(fake.requests.length, 3);
  });
});

Deno.test("a currency without a configured rate leaves that customer's revenue empty, with a warning", async () => {
  await withFake(async (_fake, options) => {
    const result = await loadRevenue(["cus_eur", "cus_seat"], { ...options, rules: DEFAULT_RULES });
    assertEquals(result.byCustomer.get("cus_eur")!.mrr, null);
    assertEquals(result.byCustomer.get("cus_seat")!.mrr, 100);
    ok(result.warnings.some((w) => w.includes("EUR") && w.includes("PRICING_FX_RATES")));
  });
});

Deno.test("Stripe's glossary check: 100 × $100/month + 50 × $600/year = $12,500 MRR, in ceil(150/100)+2 calls", async () => {
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
    // 150 subscriptions = 2 pages, products 1, invoices 1
    assertEquals(result.apiCalls, 4);
    assertEquals(fake.requests.filter((r) => r.endsWith("/subscriptions")).length, 2);
  }, { subscriptions: subs, products, invoices: [] });
});

Deno.test("a few hundred customers cost ceil(subscriptions/100) + products + invoices calls; the cache then costs none", async () => {
  const template = subscriptions[0];
  const many = Array.from({ length: 420 }, (_, i) => ({
    ...structuredClone(template),
    id: `sub_many${String(i).padStart(4, "0")}`,
    customer: `cus_many${i}`,
  }));
  await withFake(async (fake, options) => {
    const customers = many.map((s) => s.customer);
    const first = await loadRevenue(customers, options);
    assertEquals(first.apiCalls, 5 + 1 + 1); // ceil(420/100) = 5 subscription pages
    assertEquals(fake.requests.length, 7);
    const second = await loadRevenue(customers, options);
    assertEquals(second.source, "cache");
    assertEquals(second.apiCalls, 0);
    assertEquals(fake.requests.length, 7, "no request on a cache hit");
    assertEquals(second.byCustomer.get("cus_many7"), first.byCustomer.get("cus_many7"));
    const refreshed = await loadRevenue(customers, { ...options, mode: "refresh" });
    assertEquals(refreshed.source, "stripe");
    assertEquals(fake.requests.length, 14);
    // the cache holds no key
    for (const entry of Deno.readDirSync(options.cacheDir)) {
      const text = await Deno.readTextFile(`${options.cacheDir}/${entry.name}`);
      ok(!text.includes(fake.apiKey));
    }
  }, { subscriptions: many, products, invoices: [] });
});

Deno.test("429 with Retry-After and a 500 are retried; the run completes", async () => {
  await withFake(async (fake, options) => {
    fake.failNext(429, 2, 0);
    fake.failNext(500, 1);
    const result = await loadRevenue(["cus_seat"], { ...options, mode: "refresh" });
    assertEquals(result.source, "stripe");
    assertEquals(result.byCustomer.get("cus_seat")!.mrr, 100);
    assertEquals(fake.requests.length, 3 + 3); // three pages plus three failed tries
    assertEquals(result.apiCalls, fake.requests.length);
  });
});

Deno.test("401, endless 429 and endless 500: export goes on without revenue, or fails in one line with --require-stripe", async () => {
  await withFake(async (fake, options) => {
    const wrongKey = { ...options, apiKey: "sk_test_wrong_key_999", mode: "refresh" as const };
    const unauthorised = await loadRevenue(["cus_seat"], wrongKey);
    assertEquals([unauthorised.source, unauthorised.failed], ["none", true]);
    match(unauthorised.warnings[0], /REVENUE MISSING: Stripe rejected STRIPE_SECRET_KEY \(401\)/);
    ok(!unauthorised.warnings[0].includes("sk_test_wrong_key_999"));
    await rejects(
      loadRevenue(["cus_seat"], { ...wrongKey, mode: "require" }),
      (e: Error) =>
        /^--require-stripe: Stripe rejected STRIPE_SECRET_KEY/.test(e.message) &&
        !e.message.includes("sk_test_wrong"),
    );

    fake.failNext(429, 50, 0);
    const limited = await loadRevenue(["cus_seat"], { ...options, mode: "refresh" });
    assertEquals(limited.failed, true);
    match(limited.warnings[0], /rate-limiting \(429\)/);

    fake.clearFailures();
    fake.failNext(500, 50);
    const broken = await loadRevenue(["cus_seat"], {
      ...options,
      mode: "refresh",
      rules: { ...DEFAULT_RULES, maxNetworkRetries: 1 },
    });
    assertEquals(broken.failed, true);
    match(broken.warnings[0], /Stripe request failed \(500\)/);
  });
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

Deno.test("period normalisation pins week = 52/12 and day = 365/12 per month", () => {
  assertEquals(periodMonths({ interval: "month", interval_count: 1, usage_type: "licensed" }), 1);
  assertEquals(periodMonths({ interval: "year", interval_count: 2, usage_type: "licensed" }), 24);
  const perMonth = (interval: "week" | "day") =>
    1 / periodMonths({ interval, interval_count: 1, usage_type: "licensed" });
  ok(Math.abs(perMonth("week") - 52 / 12) < 1e-12);
  ok(Math.abs(perMonth("day") - 365 / 12) < 1e-12);
});

Deno.test("discount policy: forever only, none, and a repeating discount that has ended", () => {
  const sub = subscriptionLite({
    id: "sub_x",
    customer: "cus_x",
    status: "active",
    currency: "usd",
    discounts: [
      { coupon: { percent_off: 50, duration: "repeating" }, end: AS_OF.getTime() / 1000 - 1 }, // ended
      { coupon: { percent_off: 10, duration: "forever" }, end: null },
    ],
    items: {
      data: [{
        id: "si",
        quantity: 1,
        price: {
          id: "p",
          product: "prod_pro_users",
          currency: "usd",
          unit_amount_decimal: "10000",
          recurring: { interval: "month", interval_count: 1 },
        },
      }],
    },
  });
  const compute = (policy: "recurring" | "forever" | "none") =>
    computeCustomerRevenue(
      {
        customerId: "cus_x",
        subscriptions: [sub],
        products: new Map(),
        usageLines: [],
        asOf: AS_OF,
      },
      { ...DEFAULT_RULES, discountPolicy: policy },
    ).revenue.mrr;
  assertEquals(compute("recurring"), 90); // the ended 50% no longer counts; 10% forever does
  assertEquals(compute("forever"), 90);
  assertEquals(compute("none"), 100);
});
