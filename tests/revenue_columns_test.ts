/**
 * attachRevenue (lib/revenue/columns.ts): which organization gets which customer's revenue, in
 * export order, on a hand-made frame of six organizations.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { attachRevenue } from "../lib/revenue/columns.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { DEFAULT_RULES } from "../lib/revenue/rules.ts";
import type { CustomerRevenue, RevenueResult } from "../lib/revenue/types.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import { AS_OF, FAKE_DATA } from "./fixtures/stripe/scenarios.ts";

function customer(customerId: string, mrr: number): CustomerRevenue {
  return {
    customerId,
    mrr,
    baseSubscription: mrr - 10,
    usageCharges: 10,
    usageDiscounts: 0,
    addonPrompts: 0,
    addonOther: 0,
    mrrRecurring: mrr - 10,
    mrrRecurringMinor: (mrr - 10) * 100,
    subscriptionStatus: "active",
    billingInterval: "month",
    currency: "usd",
    stripePlanNames: `plan of ${customerId}`,
    cancelAtPeriodEnd: customerId === "cus_b",
    firstPeriodOpen: false,
    ptbRevenueUsd30d: null,
  };
}

// Export order (newest first): org 2 and org 4 share cus_a, org 2 comes first so it counts.
const frame = pl.DataFrame({
  org_id: ["o1", "o2", "o3", "o4", "o5", "o6", "o7"],
  stripe_customer_id: [null, "cus_a", "cus_b", "cus_a", "cus_gone", "cus_lost", ""],
});

const revenue: RevenueResult = {
  source: "stripe",
  byCustomer: new Map([["cus_a", customer("cus_a", 100)], ["cus_b", customer("cus_b", 40)]]),
  // cus_gone is named by the revenue stage already; cus_lost is not
  unknownCustomerIds: ["cus_gone"],
  warnings: [],
  apiCalls: 1,
  durationMs: 0,
} as unknown as RevenueResult;

Deno.test("each customer's revenue goes to its first organization; the rest say why not", () => {
  const { frame: out, warnings } = attachRevenue(frame, revenue);
  assertEquals(out.getColumn("org_id").toArray(), ["o1", "o2", "o3", "o4", "o5", "o6", "o7"]);
  assertEquals(out.getColumn("revenue_source").toArray(), [
    "no_customer",
    "stripe",
    "stripe",
    "shared_customer",
    "none",
    "none",
    "no_customer",
  ]);
  assertEquals(out.getColumn("mrr").toArray(), [0, 100, 40, null, null, null, 0]);
  assertEquals(out.getColumn("base_subscription").toArray(), [0, 90, 30, null, null, null, 0]);
  assertEquals(out.getColumn("stripe_plan_names").toArray(), [
    null,
    "plan of cus_a",
    "plan of cus_b",
    null,
    null,
    null,
    null,
  ]);
  assertEquals(out.getColumn("cancel_at_period_end").toArray(), [
    null,
    false,
    true,
    null,
    null,
    null,
    null,
  ]);
  assertEquals(warnings, [
    "1 organization shares a stripe_customer_id with another organization; the revenue is shown once, on the paying one (the highest tier, then the newest; revenue_source = shared_customer on the others)",
    "1 organization has a stripe_customer_id with no revenue data",
  ]);
});

Deno.test("a shared customer's revenue goes to its paying organization: highest tier, then newest", () => {
  // Export order, newest first. cus_eur: a newer pro "Labs" and the older enterprise → enterprise.
  // cus_two: a newer free staging org (null tier counts as free) and a pro → pro. cus_tie: two
  // pro → the newer. cus_other: an unknown tier beats free, team beats it. cus_one: alone.
  const shared = pl.DataFrame({
    org_id: ["labs", "staging", "tie1", "eu", "free2", "two", "tie2", "odd", "team", "one"],
    tier: ["pro", null, "pro", "enterprise", "free", "pro", "pro", "other", "team", "free"],
    stripe_customer_id: [
      "cus_eur",
      "cus_two",
      "cus_tie",
      "cus_eur",
      "cus_two",
      "cus_two",
      "cus_tie",
      "cus_other",
      "cus_other",
      "cus_one",
    ],
  });
  const rev = {
    ...revenue,
    byCustomer: new Map(
      ["cus_eur", "cus_two", "cus_tie", "cus_other", "cus_one"].map((
        id,
        i,
      ) => [id, customer(id, 100 + i)]),
    ),
    unknownCustomerIds: [],
  } as unknown as RevenueResult;
  const { frame: out, warnings } = attachRevenue(shared, rev);
  assertEquals(out.getColumn("mrr").toArray(), [
    null,
    null,
    102,
    100,
    null,
    101,
    null,
    null,
    103,
    104,
  ]);
  assertEquals(out.getColumn("revenue_source").toArray().filter((s) => s === "stripe").length, 5);
  assertEquals(warnings, [
    "5 organizations share a stripe_customer_id with another organization; the revenue is shown once, on the paying one (the highest tier, then the newest; revenue_source = shared_customer on the others)",
  ]);
  // without a tier column (a hand-made frame): the first in export order
  const noTier = attachRevenue(shared.drop("tier"), rev).frame.getColumn("mrr").toArray();
  assertEquals(noTier, [100, 101, 102, null, null, null, null, 103, null, 104]);
});

Deno.test("the shared-customer warnings count in words that agree: 1 organization, 2 organizations", () => {
  const more = pl.DataFrame({
    org_id: ["o1", "o2", "o3", "o4", "o5"],
    stripe_customer_id: ["cus_a", "cus_a", "cus_a", "cus_lost", "cus_lost2"],
  });
  assertEquals(attachRevenue(more, revenue).warnings, [
    "2 organizations share a stripe_customer_id with another organization; the revenue is shown once, on the paying one (the highest tier, then the newest; revenue_source = shared_customer on the others)",
    "2 organizations have a stripe_customer_id with no revenue data",
  ]);
});

Deno.test("revenue not fetched: every revenue column empty, source none, no warning", () => {
  for (const none of [null, { ...revenue, source: "none" } as RevenueResult]) {
    const { frame: out, warnings } = attachRevenue(frame, none);
    assertEquals(out.getColumn("mrr").toArray(), [null, null, null, null, null, null, null]);
    assertEquals(out.getColumn("currency").toArray(), [null, null, null, null, null, null, null]);
    assertEquals(out.getColumn("revenue_source").toArray(), Array(7).fill("none"));
    assertEquals(warnings, []);
  }
});

Deno.test("ptb_revenue_30d comes in the same join: the counted customer's, 0 without a customer", () => {
  const withPtb = (id: string, mrr: number, ptb: number) => ({
    ...customer(id, mrr),
    ptbRevenueUsd30d: ptb,
  });
  const read = {
    ...revenue,
    byCustomer: new Map([["cus_a", withPtb("cus_a", 100, 7)], ["cus_b", withPtb("cus_b", 40, 3)]]),
  } as RevenueResult;
  // o1 and o7 have no customer (0); o2 counts cus_a (7), o4 shares it (empty); o3 cus_b (3);
  // cus_gone and cus_lost have no revenue data (empty)
  assertEquals(attachRevenue(frame, read).frame.getColumn("ptb_revenue_30d").toArray(), [
    0,
    7,
    3,
    null,
    null,
    null,
    0,
  ]);
  // no customer has a PTB value and no PTB summary says it was read: empty everywhere
  assertEquals(
    attachRevenue(frame, revenue).frame.getColumn("ptb_revenue_30d").toArray(),
    Array(7).fill(null),
  );
});

Deno.test("revenue read but not convertible to USD is revenue_source unconverted, not stripe", async () => {
  await withFakeStripe(async (_fake, options) => {
    // no FX rates: cus_eur is billed in EUR (€100 a month); cus_foreign_price is a EUR
    // subscription on a USD-only price (no currency_options); cus_seat is $20 × 5 seats
    const customers = ["cus_eur", "cus_foreign_price", "cus_seat"];
    const revenue = await loadRevenue(customers, options);
    assertEquals(revenue.source, "stripe");
    const { frame: out } = attachRevenue(
      pl.DataFrame({ org_id: ["o1", "o2", "o3"], stripe_customer_id: customers }),
      revenue,
    );
    assertEquals(out.getColumn("revenue_source").toArray(), [
      "unconverted",
      "unconverted",
      "stripe",
    ]);
    assertEquals(out.getColumn("mrr").toArray(), [null, null, 100]);
    assertEquals(out.getColumn("mrr_recurring").toArray(), [null, null, 100]);
    // what Stripe said is still shown
    assertEquals(out.getColumn("currency").toArray(), ["EUR", "EUR", "USD"]);
    assertEquals(out.getColumn("subscription_status").toArray(), ["active", "active", "active"]);
  }, { data: FAKE_DATA, mode: "auto", asOf: AS_OF, rules: DEFAULT_RULES });
});
