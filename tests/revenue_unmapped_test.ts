/**
 * Stripe customers no organization maps to (lib/revenue/unmapped.ts): their MRR at the as-of is
 * counted in one warning and on the result (the manifest, brief and describe_dataset carry it:
 * tests/export_stripe_test.ts), never their ids; none, none said. Read through the real `stripe`
 * SDK from tests/fake_stripe.ts, fetched, from the cache and from the cache computed ahead (the
 * revenue worker's path); every figure by hand.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { loadRevenue, readCacheComputeAhead } from "../lib/revenue/mod.ts";
import { revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { unmappedCustomersSentence } from "../lib/revenue/unmapped.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  invoice,
  line,
  price,
  PRICES,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const T = AS_OF.getTime() / 1000;
const DAY = 86_400;

const metered = price("prod_request_volume", null, { id: "price_u_requests", metered: true });
const gbp = price("prod_enterprise", 5000, { id: "price_u_gbp", currency: "gbp" });

/** Started 40 days before the as-of, periods anchored then. */
const running = (customer: string, items: [Json, number | null][], options: Json = {}) => ({
  ...subscription(customer, items, options),
  created: T - 40 * DAY,
  start_date: T - 40 * DAY,
  billing_cycle_anchor: T - 40 * DAY,
});

/** The organizations' customers: $79 and $200 (mapped, in the export). */
const MAPPED = ["cus_u_mapped_pro", "cus_u_mapped_team"];

const subscriptions: Json[] = [
  running("cus_u_mapped_pro", [[PRICES.pro2025, 1]]),
  running("cus_u_mapped_team", [[PRICES.teamBundle, 1]]),
  // no organization maps to these:
  // Team $200
  running("cus_u_team", [[PRICES.teamBundle, 1]]),
  // a $20 seat and $30 of requests billed last cycle: mrr $50, mrr_recurring $20
  running("cus_u_metered", [[PRICES.proUsers, 1], [metered, null]], { id: "sub_u_metered" }),
  // trialing at the as-of: MRR 0, not counted among them
  running("cus_u_trialing", [[PRICES.pro2025, 1]], {
    status: "trialing",
    trial_start: T - 3 * DAY,
    trial_end: T + 11 * DAY,
  }),
  // canceled before the as-of: MRR 0
  running("cus_u_canceled", [[PRICES.teamBundle, 1]], { status: "canceled" }),
  // deleted in Stripe (its subscription canceled with it): not a customer any more
  { ...running("cus_u_deleted", [[PRICES.teamBundle, 1]], { status: "canceled" }) },
  // £50 with no GBP rate: MRR unknown, counted apart
  running("cus_u_gbp", [[gbp, 1]], { currency: "gbp" }),
];

const invoices: Json[] = [
  invoice("in_u_metered", "cus_u_metered", "sub_u_metered", T - 10 * DAY, [
    line("il_u_seat", "price_pro_users", 2000, "sub_u_metered"),
    line("il_u_requests", "price_u_requests", 3000, "sub_u_metered"),
  ]),
];

const customers: Json[] = [
  ...new Set(subscriptions.map((s) => String(s.customer)).filter((c) => c !== "cus_u_deleted")),
].map((id) => ({ id, object: "customer" }));

const WARNING =
  "2 Stripe customers that no organization's stripe_customer_id names had MRR above $0 at the as-of: $250.00 a month of mrr ($220.00 of mrr_recurring), which Stripe's dashboard MRR includes and the export's totals leave out (map them to an organization to include them). 1 more such customer has MRR in a currency without a rate to USD (set PRICING_FX_RATES), in no sum.";

Deno.test("Stripe customers no organization maps to: their MRR counted in one warning and on the result, fetched, cached and computed ahead", async () => {
  // the deleted customer's subscription says so, as Stripe lists a deleted customer's
  const data = {
    subscriptions: subscriptions.map((s) =>
      s.customer === "cus_u_deleted"
        ? { ...s, customer: { id: "cus_u_deleted", object: "customer", deleted: true } }
        : s
    ),
    products,
    invoices,
    customers,
    coupons: [],
  };
  await withFakeStripe(async (_fake, options) => {
    const fetched = await loadRevenue(MAPPED, options);
    const cached = await loadRevenue(MAPPED, options);
    const ahead = await loadRevenue(MAPPED, {
      ...options,
      cacheAhead: readCacheComputeAhead(options),
    });
    for (
      const [how, result, source] of [
        ["fetched", fetched, "stripe"],
        ["cached", cached, "cache"],
        ["computed ahead", ahead, "cache"],
      ] as const
    ) {
      assertEquals(result.source, source, how);
      // the export's own customers as ever: $79 and $200
      assertEquals(result.byCustomer.get("cus_u_mapped_pro")!.mrr, 79, how);
      assertEquals(result.byCustomer.get("cus_u_mapped_team")!.mrr, 200, how);
      assertEquals([...result.byCustomer.keys()].sort(), MAPPED, how);
      // Team $200 + ($20 seat + $30 usage) = $250 of mrr; $200 + $20 = $220 recurring; the
      // trialing, canceled and deleted ones are not among them; the GBP one is unknown
      assertEquals(result.unmappedCustomers, {
        customers: 2,
        mrrUsd: 250,
        mrrRecurringUsd: 220,
        unknownMrrCustomers: 1,
      }, how);
      assertEquals(result.warnings.filter((w) => w.includes("no organization")), [WARNING], how);
      // counted, never named
      ok(!result.warnings.some((w) => w.includes("cus_u_")), result.warnings.join("\n"));
    }
  }, { data, asOf: AS_OF, mode: "auto" });
});

Deno.test("Stripe customers no organization maps to: with a rate, the GBP one is summed; when every customer maps, nothing is said", async () => {
  const data = { subscriptions, products, invoices, customers, coupons: [] };
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(MAPPED, options);
    // + £50 × 1.27 = $63.50: $313.50 of mrr, $283.50 recurring, 3 customers
    assertEquals(result.unmappedCustomers, {
      customers: 3,
      mrrUsd: 313.5,
      mrrRecurringUsd: 283.5,
      unknownMrrCustomers: 0,
    });
    assertEquals(result.warnings.filter((w) => w.includes("no organization")), [
      "3 Stripe customers that no organization's stripe_customer_id names had MRR above $0 at the as-of: $313.50 a month of mrr ($283.50 of mrr_recurring), which Stripe's dashboard MRR includes and the export's totals leave out (map them to an organization to include them).",
    ]);
    // every subscribed customer asked for (the deleted one is unknown, its revenue empty)
    const everyone = [...new Set(subscriptions.map((s) => String(s.customer)))];
    const all = await loadRevenue(everyone, options);
    assertEquals(all.unmappedCustomers, undefined);
    assertEquals(all.warnings.filter((w) => w.includes("no organization")), []);
  }, {
    data,
    asOf: AS_OF,
    mode: "auto",
    rules: revenueRulesFromEnv({ PRICING_FX_RATES: "GBP:1.27" }),
  });
});

Deno.test("the unmapped customers' sentence: one wording, plain for the page and workbook, code spans for the brief; alone, the unconverted ones are said in full", () => {
  const both = { customers: 2, mrrUsd: 1250.5, mrrRecurringUsd: 1200, unknownMrrCustomers: 1 };
  assertEquals(
    unmappedCustomersSentence(both),
    "2 Stripe customers that no organization's stripe_customer_id names had MRR above $0 at the as-of: $1,250.50 a month of mrr ($1,200.00 of mrr_recurring), which Stripe's dashboard MRR includes and no organization's row holds. 1 more such customer has MRR in a currency without a rate to USD (PRICING_FX_RATES), in no sum.",
  );
  assertEquals(
    unmappedCustomersSentence(both, "brief"),
    "2 Stripe customers that no organization's `stripe_customer_id` names had MRR above $0 at the as-of: $1,250.50 a month of `mrr` ($1,200.00 of `mrr_recurring`), which Stripe's dashboard MRR includes; add it when reconciling the two. 1 more such customer has MRR in a currency without a rate to USD (`PRICING_FX_RATES`), in no sum.",
  );
  // none with MRR in USD: no "more such" with nothing before it
  const unconvertedOnly = { customers: 0, mrrUsd: 0, mrrRecurringUsd: 0, unknownMrrCustomers: 3 };
  assertEquals(
    unmappedCustomersSentence(unconvertedOnly, "brief"),
    "3 Stripe customers that no organization's `stripe_customer_id` names have MRR in a currency without a rate to USD (`PRICING_FX_RATES`), in no sum.",
  );
  assertEquals(
    unmappedCustomersSentence(unconvertedOnly),
    "3 Stripe customers that no organization's stripe_customer_id names have MRR in a currency without a rate to USD (PRICING_FX_RATES), in no sum.",
  );
});
