/**
 * Pass-through-billing revenue (lib/revenue/ptb.ts) read through the real SDK from the fake API:
 * prepaid credits (PaymentIntents on the token-usage product, fee excluded) and postpaid
 * `ptb_usage` invoices, per customer, for the export window. Values computed by hand below.
 */
import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { UserError } from "../lib/core/config.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { checkoutFeeCents, creditsFromTotalCents } from "../lib/revenue/ptb.ts";
import { revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { type FakeStripeData, withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  customers,
  DAY,
  FAKE_DATA,
  invoices,
  type Json,
  products,
  subscriptions,
  T,
} from "./fixtures/stripe/scenarios.ts";

const PRODUCT = "prod_token_usage";

function intent(id: string, customer: string | null, created: number, extra: Json): Json {
  return {
    id,
    object: "payment_intent",
    customer,
    created,
    currency: "usd",
    status: "succeeded",
    ...extra,
    metadata: { productId: PRODUCT, ...(extra.metadata ?? {}) },
  };
}

const paymentIntents: Json[] = [
  // $25 of credits + the $1.05 fee (3 % of 2,500 = 75, + 30): $25 is revenue
  intent("pi_seat_25", "cus_seat", T - 3 * DAY, {
    amount: 2605,
    amount_received: 2605,
    metadata: { creditsAmountCents: "2500", stripeFeeCents: "105", totalAmountCents: "2605" },
  }),
  // another product's payment, and a failed credit purchase: not PTB revenue
  intent("pi_seat_other", "cus_seat", T - 2 * DAY, {
    amount: 9900,
    amount_received: 9900,
    metadata: { productId: "prod_something_else" },
  }),
  intent("pi_seat_failed", "cus_seat", T - 2 * DAY, {
    status: "requires_payment_method",
    amount: 5180,
    amount_received: 0,
    metadata: { creditsAmountCents: "5000" },
  }),
  // a PTB-only customer: $100 of credits, and an old intent with only the fee: 5,180 − 180 = $50
  intent("pi_only_100", "cus_ptb_only", T - 10 * DAY, {
    amount: 10330,
    amount_received: 10330,
    metadata: { creditsAmountCents: "10000", stripeFeeCents: "330" },
  }),
  intent("pi_only_old", "cus_ptb_only", T - 20 * DAY, {
    amount: 5180,
    amount_received: 5180,
    metadata: { stripeFeeCents: "180" },
  }),
  // bought 40 days before the as-of: outside a 30-day window, inside a 60-day one ($200)
  intent("pi_only_early", "cus_ptb_only", T - 40 * DAY, {
    amount: 20630,
    amount_received: 20630,
    metadata: { creditsAmountCents: "20000" },
  }),
  // $40 of credits refunded in full, and $20 refunded by half: 0 + $10
  intent("pi_seat_refunded", "cus_seat", T - 4 * DAY, {
    amount: 4150,
    amount_received: 4150,
    latest_charge: { id: "ch_refunded", object: "charge", amount_refunded: 4150 },
    metadata: { creditsAmountCents: "4000", stripeFeeCents: "150" },
  }),
  intent("pi_seat_half", "cus_seat", T - 4 * DAY, {
    amount: 2090,
    amount_received: 2090,
    latest_charge: { id: "ch_half", object: "charge", amount_refunded: 1045 },
    metadata: { creditsAmountCents: "2000", stripeFeeCents: "90" },
  }),
  // neither creditsAmountCents nor stripeFeeCents: 1,060 paid = $10 + ceil(30) + 30 (estimated)
  intent("pi_eur_estimated", "cus_seat_estimate", T - 1 * DAY, {
    amount: 1060,
    amount_received: 1060,
  }),
];

function ptbInvoice(id: string, customer: string, extra: Json): Json {
  return {
    id,
    object: "invoice",
    customer,
    status: "paid",
    billing_reason: "manual",
    created: T - 6 * DAY,
    currency: "usd",
    metadata: { type: "ptb_usage" },
    parent: null,
    lines: { object: "list", has_more: false, data: [] },
    ...extra,
  };
}

const ptbInvoices: Json[] = [
  // postpaid: $123.45 before $16.55 of tax
  ptbInvoice("in_ptb_team", "cus_team", {
    subtotal: 12345,
    total_excluding_tax: 12345,
    total: 14000,
  }),
  // sent and not yet paid (open): billed, so revenue, $20.00 before $2.00 of tax
  ptbInvoice("in_ptb_open", "cus_ptb_only", {
    status: "open",
    subtotal: 2000,
    total_excluding_tax: 2000,
    total: 2200,
  }),
  // void, uncollectible and draft invoices are not revenue
  ptbInvoice("in_ptb_void", "cus_team", { status: "void", total_excluding_tax: 99900 }),
  ptbInvoice("in_ptb_bad", "cus_team", { status: "uncollectible", total_excluding_tax: 77700 }),
  ptbInvoice("in_ptb_draft", "cus_team", { status: "draft", total_excluding_tax: 88800 }),
];

/** The token-usage product, as the account lists it (credits are bought on it, no subscription). */
const tokenUsage = {
  id: PRODUCT,
  object: "product",
  name: "Cloud Gateway token usage",
  metadata: {},
};

const DATA: FakeStripeData = {
  ...FAKE_DATA,
  subscriptions,
  products: [...products, tokenUsage],
  invoices: [...invoices, ...ptbInvoices],
  customers: [
    ...customers,
    { id: "cus_ptb_only", object: "customer" },
    { id: "cus_seat_estimate", object: "customer" },
  ],
  paymentIntents,
};

const ASKED = ["cus_seat", "cus_team", "cus_two", "cus_ptb_only", "cus_seat_estimate"];
const ptbOf = (result: Awaited<ReturnType<typeof loadRevenue>>) =>
  Object.fromEntries(ASKED.map((c) => [c, result.byCustomer.get(c)?.ptbRevenueUsd30d]));

Deno.test("PTB revenue per customer: credits without the fee, postpaid invoices net of tax, the window only; one PaymentIntents listing, cached", async () => {
  await withFakeStripe(async (fake, options) => {
    const first = await loadRevenue(ASKED, options);
    assertEquals(first.source, "stripe");
    assertEquals(ptbOf(first), {
      cus_seat: 35, // $25 + the refunded $0 + half of $20
      cus_team: 123.45,
      cus_two: 0, // no PTB: 0, not unknown
      cus_ptb_only: 170, // $100 + $50 of credits + the open invoice's $20
      cus_seat_estimate: 10,
    });
    assertEquals(first.ptb?.status, "read");
    assertEquals(first.ptb?.totalUsd, 338.45); // 35 + 123.45 + 170 + 10
    assertEquals([first.ptb?.creditPayments, first.ptb?.usageInvoices], [6, 2]);
    ok(
      first.warnings.some((w) => w.startsWith("1 PTB credit payments carry no creditsAmountCents")),
    );
    // one listing of the window's PaymentIntents, by date only (Stripe has no status filter)
    const listings = fake.log.filter((r) => r.path === "/v1/payment_intents");
    assertEquals(listings.length, 1);
    assertEquals(listings[0].params.get("created[gte]"), String(T - 30 * DAY));
    assertEquals(listings[0].params.get("created[lt]"), String(T));
    assertEquals(listings[0].params.get("limit"), "100");
    assertEquals(listings[0].params.get("expand[0]"), "data.latest_charge");

    const cached = await loadRevenue(ASKED, options);
    assertEquals([cached.source, cached.apiCalls], ["cache", 0]);
    assertEquals(ptbOf(cached), ptbOf(first));

    // a 60-day window is not in the cache: fetched again, and the early $200 counts
    const longer = await loadRevenue(ASKED, { ...options, windowDays: 60 });
    assertEquals(longer.source, "stripe");
    assertEquals(longer.byCustomer.get("cus_ptb_only")!.ptbRevenueUsd30d, 370);
    const invoicesListing = fake.log.filter((r) => r.path === "/v1/invoices").at(-1)!;
    assertEquals(invoicesListing.params.get("created[gte]"), String(T - 60 * DAY));
  }, {
    data: DATA,
    mode: "auto",
    asOf: AS_OF,
    rules: revenueRulesFromEnv({ PRICING_STRIPE_PTB_PRODUCT: PRODUCT }),
  });
});

Deno.test("without PRICING_STRIPE_PTB_PRODUCT, PTB revenue is unknown (empty), said so, and no PaymentIntent is read", async () => {
  await withFakeStripe(async (fake, options) => {
    const result = await loadRevenue(ASKED, options);
    for (const customer of ASKED) {
      assertEquals(result.byCustomer.get(customer)!.ptbRevenueUsd30d, null, customer);
    }
    assertEquals([result.ptb?.status, result.ptb?.totalUsd], ["not_configured", null]);
    ok(
      result.warnings.some((w) => w.startsWith("PTB revenue unknown: PRICING_STRIPE_PTB_PRODUCT")),
    );
    ok(!fake.requests.includes("GET /v1/payment_intents"));
  }, { data: DATA, mode: "refresh", asOf: AS_OF });
  throws(
    () => revenueRulesFromEnv({ PRICING_STRIPE_PTB_PRODUCT: "prod x; drop" }),
    /PRICING_STRIPE_PTB_PRODUCT must be a Stripe product id/,
  );
});

Deno.test("a PTB product the account does not have: PTB revenue unknown (not $0) with one warning, from the cache too; required, one line", async () => {
  await withFakeStripe(async (_fake, options) => {
    const first = await loadRevenue(ASKED, options);
    const cached = await loadRevenue(ASKED, options);
    assertEquals([first.source, cached.source, cached.apiCalls], ["stripe", "cache", 0]);
    for (const result of [first, cached]) {
      assertEquals(ptbOf(result), Object.fromEntries(ASKED.map((c) => [c, null])));
      assertEquals(result.byCustomer.get("cus_seat")!.mrr, 100); // MRR kept: 5 seats × $20
      assertEquals(
        [result.ptb?.status, result.ptb?.productId, result.ptb?.totalUsd, result.failed],
        ["unknown_product", "prod_typo", null, false],
      );
      // the account's one product that looks like token-usage credits is named
      assertEquals(result.warnings.filter((w) => w.includes("PTB_PRODUCT")), [
        'PTB revenue unknown: PRICING_STRIPE_PTB_PRODUCT is prod_typo, a product this Stripe account does not have: set it to the id of the product of prepaid token-usage credits (e.g. prod_token_usage "Cloud Gateway token usage")',
      ]);
    }
    // required: one line, from today's cache as from a fetch
    for (const mode of ["require", "refresh-require"] as const) {
      await rejects(
        () => loadRevenue(ASKED, { ...options, mode }),
        (error: Error) =>
          error instanceof UserError &&
          /^Stripe revenue required: PRICING_STRIPE_PTB_PRODUCT is prod_typo, a product this Stripe account does not have: /
            .test(error.message) &&
          !error.message.includes("\n"),
      );
    }
    // the right id is another question than the cache's: fetched, and read
    const fixed = await loadRevenue(ASKED, {
      ...options,
      rules: revenueRulesFromEnv({ PRICING_STRIPE_PTB_PRODUCT: PRODUCT }),
    });
    assertEquals([fixed.source, fixed.ptb?.status, fixed.ptb?.totalUsd], [
      "stripe",
      "read",
      338.45,
    ]);
  }, {
    data: DATA,
    mode: "auto",
    asOf: AS_OF,
    rules: revenueRulesFromEnv({ PRICING_STRIPE_PTB_PRODUCT: "prod_typo" }),
  });
});

Deno.test("credits recovered from a total that includes the checkout fee (3 % rounded up + $0.30)", () => {
  assertEquals(checkoutFeeCents(2500), 105);
  assertEquals(checkoutFeeCents(1001), 61); // 30.03 → 31, + 30
  for (const credits of [0, 1, 99, 1000, 1001, 2500, 33_333, 1_000_000]) {
    assertEquals(creditsFromTotalCents(credits + checkoutFeeCents(credits)), credits);
  }
});
