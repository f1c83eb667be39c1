/**
 * The MRR rules at their edges, one customer at a time (computeCustomerRevenue on plain Stripe
 * objects), figures by hand in the comments (mutation probe survivors of lib/revenue/).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { computeCustomerRevenue } from "../lib/revenue/mrr.ts";
import { anchorOfPeriod, periodStartAt, usageInvoicedAt } from "../lib/revenue/status_at.ts";
import { DEFAULT_RULES, type RevenueRules } from "../lib/revenue/rules.ts";
import type {
  DiscountLite,
  ItemLite,
  PriceLite,
  SubscriptionLite,
} from "../lib/revenue/stripe_objects.ts";
import { AS_OF, DAY, T } from "./fixtures/stripe/scenarios.ts";

function price(cents: number, extra: Partial<PriceLite> = {}): PriceLite {
  return {
    id: "price_plan",
    product: "prod_plan",
    currency: "usd",
    nickname: "pro plan",
    billing_scheme: "per_unit",
    tiers_mode: null,
    tiers: null,
    unit_amount_decimal: String(cents),
    transform_quantity: null,
    recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
    currency_options: null,
    ...extra,
  };
}

function item(of: PriceLite, extra: Partial<ItemLite> = {}): ItemLite {
  return {
    id: `si_${of.id}`,
    quantity: 1,
    price: of,
    discounts: [],
    trial_start: null,
    trial_end: null,
    ...extra,
  };
}

function subscription(items: ItemLite[], extra: Partial<SubscriptionLite> = {}): SubscriptionLite {
  return {
    id: "sub_1",
    customer: "cus_1",
    status: "active",
    currency: "usd",
    cancel_at_period_end: false,
    cancel_at: null,
    start_date: T - 400 * DAY,
    created: T - 400 * DAY,
    trial_start: null,
    trial_end: null,
    billing_cycle_anchor: T - 400 * DAY,
    canceled_at: null,
    ended_at: null,
    discounts: [],
    items,
    ...extra,
  } as SubscriptionLite;
}

function discount(
  coupon: Partial<DiscountLite["coupon"]>,
  { start = T - 100 * DAY, end = null }: { start?: number | null; end?: number | null } = {},
): DiscountLite {
  return {
    id: `di_${coupon.id ?? "x"}`,
    coupon: {
      id: "co_x",
      percent_off: null,
      amount_off: null,
      currency: null,
      duration: "forever",
      applies_to_products: null,
      amount_off_by_currency: null,
      ...coupon,
    },
    start,
    end,
  };
}

function revenueOf(
  subscriptions: SubscriptionLite[],
  { customerDiscounts = [], rules = DEFAULT_RULES }: {
    customerDiscounts?: DiscountLite[];
    rules?: RevenueRules;
  } = {},
) {
  return computeCustomerRevenue({
    customerId: "cus_1",
    subscriptions,
    products: new Map(),
    usageLines: [],
    customerDiscounts,
    asOf: AS_OF,
  }, rules).revenue;
}

Deno.test("a subscription's own discount applied at the very second of the as-of counts, and stands the customer's down", () => {
  // $100 a month; its own 50 % off applied at the as-of; the customer's $10 off since long ago.
  // At the as-of the own discount is there (from its start on): $100 × 0.5 = $50, not the
  // customer's $100 − $10 = $90, nor the list $100
  const sub = subscription([item(price(10000))], {
    discounts: [discount({ id: "co_half", percent_off: 50 }, { start: T })],
  });
  const customerTen = discount({ id: "co_ten", amount_off: 1000, currency: "usd" });
  assertEquals(revenueOf([sub], { customerDiscounts: [customerTen] }).mrr, 50);
});

Deno.test("a discount applied 5 seconds after a backdated subscription was created came with it: the customer's never stood in", () => {
  // $100 a month, started 30 days before the as-of but created (backdated) 10 days after it, its
  // 50 % coupon applied 5 seconds after its creation (Stripe stamps both while creating it: the
  // bound is 5 seconds, inclusive). At the as-of the coupon was not applied yet, and the
  // subscription never had the customer's $10 off either: the list $100, not $100 − $10 = $90
  const created = T + 10 * DAY;
  const sub = subscription([item(price(10000))], {
    start_date: T - 30 * DAY,
    billing_cycle_anchor: T - 30 * DAY,
    created,
    discounts: [discount({ id: "co_half", percent_off: 50 }, { start: created + 5 })],
  });
  const customerTen = discount({ id: "co_ten", amount_off: 1000, currency: "usd" });
  assertEquals(revenueOf([sub], { customerDiscounts: [customerTen] }).mrr, 100);
});

Deno.test("an amount_off restricted to one product comes off that product's items only, in full", () => {
  // the plan $100 and an add-on $50 (another product); $10 off the add-on's product only: the
  // plan stays $100, the add-on $50 − $10 = $40, MRR $140 (not the $10 spread as if over $150)
  const addon = price(5000, { id: "price_addon", product: "prod_addon", nickname: "prompts" });
  const sub = subscription([item(price(10000)), item(addon)], {
    discounts: [
      discount({
        id: "co_addon_ten",
        amount_off: 1000,
        currency: "usd",
        applies_to_products: ["prod_addon"],
      }),
    ],
  });
  const revenue = revenueOf([sub]);
  assertEquals([revenue.mrr, revenue.baseSubscription, revenue.addonPrompts], [140, 100, 40]);
});

Deno.test("an amount_off restricted to a yearly item comes off once its year, though a monthly item bills each month", () => {
  // the plan $100 a month and a yearly add-on $1,200 (another product); $30 off forever on the
  // add-on's product only. The monthly invoices carry no add-on line, so nothing comes off them;
  // the add-on's yearly invoice takes the $30: ($1,200 - $30) / 12 = $97.50 a month, MRR $197.50
  // whichever item is listed first (not $30 a month off the add-on: $70, MRR $170)
  const addon = price(120000, {
    id: "price_addon",
    product: "prod_addon",
    nickname: "prompts",
    recurring: { interval: "year", interval_count: 1, usage_type: "licensed" },
  });
  const thirtyOffAddon = discount({
    id: "co_addon_thirty",
    amount_off: 3000,
    currency: "usd",
    applies_to_products: ["prod_addon"],
  });
  for (const items of [[item(price(10000)), item(addon)], [item(addon), item(price(10000))]]) {
    const revenue = revenueOf([subscription(items, { discounts: [thirtyOffAddon] })]);
    assertEquals([revenue.mrr, revenue.baseSubscription, revenue.addonPrompts], [197.5, 100, 97.5]);
  }
});

Deno.test("a repeating amount_off that covered a yearly item's invoice, not the monthly item's under way, comes off once a year", () => {
  // From March 15: a yearly $1,200 add-on and the $100 monthly plan, $30 off for 3 months (its
  // end June 15). At November 1 the monthly item's invoice under way (October 15) was billed
  // without it and the yearly item's (March 15) with it: the $30 came off once that year, so
  // ($1,200 - $30) / 12 = $97.50 a month, MRR $197.50 (not $30 a month off the add-on all year,
  // $360 for a coupon worth $90: MRR $170). On April 20, both invoices under way carried it:
  // once a month, ($100 + $100) - $30 = $170, split over the two in proportion: $85 each
  const addon = price(120000, {
    id: "price_addon",
    product: "prod_addon",
    nickname: "prompts",
    recurring: { interval: "year", interval_count: 1, usage_type: "licensed" },
  });
  const march15 = Date.UTC(2026, 2, 15) / 1000;
  const thirtyFor3Months = discount(
    { id: "co_thirty_x3", amount_off: 3000, currency: "usd", duration: "repeating" },
    { start: march15, end: Date.UTC(2026, 5, 15) / 1000 },
  );
  for (const items of [[item(price(10000)), item(addon)], [item(addon), item(price(10000))]]) {
    const sub = subscription(items, {
      start_date: march15,
      created: march15,
      billing_cycle_anchor: march15,
      discounts: [thirtyFor3Months],
    });
    const revenue = revenueOf([sub]);
    assertEquals([revenue.mrr, revenue.baseSubscription, revenue.addonPrompts], [197.5, 100, 97.5]);
    const april = computeCustomerRevenue({
      customerId: "cus_1",
      subscriptions: [sub],
      products: new Map(),
      usageLines: [],
      asOf: new Date("2026-04-20T00:00:00Z"),
    }, DEFAULT_RULES).revenue;
    assertEquals([april.mrr, april.baseSubscription, april.addonPrompts], [170, 85, 85]);
  }
});

Deno.test("a EUR subscription at a tiered USD price whose EUR option's tiers were not read is left empty, not billed at the USD tiers", () => {
  // graduated tiers in USD ($10 a unit); currency_options.eur without its tiers (not read): the
  // EUR amount cannot be told, so MRR is unknown and the price is named (not 3 × $10 as EUR)
  const tiered = price(0, {
    id: "price_tiered",
    billing_scheme: "tiered",
    tiers_mode: "graduated",
    tiers: [{ up_to: null, unit_amount_decimal: "1000", flat_amount_decimal: null }],
    unit_amount_decimal: null,
    currency_options: { eur: { unit_amount_decimal: null, tiers: null } },
  });
  const result = computeCustomerRevenue({
    customerId: "cus_1",
    subscriptions: [subscription([item(tiered, { quantity: 3 })], { currency: "eur" })],
    products: new Map(),
    usageLines: [],
    asOf: AS_OF,
  }, { ...DEFAULT_RULES, fxRates: { eur: 1.1 } });
  assertEquals(result.revenue.mrr, null);
  assertEquals(result.foreignCurrencyPriceIds, ["price_tiered"]);
});

Deno.test("the customer's amount_off taken off one subscription's usage lowers that subscription's licensed share only", () => {
  // the customer's $10 off (one discount, so one id on both subscriptions); sub_a $100, sub_b
  // $50 and metered usage whose last invoice billed $20 with $3 of the $10 off it.
  // sub_a: $100 − $10 = $90 (sub_b's $3 off usage is not sub_a's); sub_b: $50 − ($10 − $3) = $43,
  // usage $20 − $3 = $17. MRR 90 + 43 + 17 = $150 (not sub_a at $100 − $7 = $93: $153)
  const customerTen = discount({ id: "co_ten", amount_off: 1000, currency: "usd" });
  const metered = price(0, {
    id: "price_usage",
    product: "prod_usage",
    nickname: "request volume",
    unit_amount_decimal: null,
    recurring: { interval: "month", interval_count: 1, usage_type: "metered" },
  });
  const subA = subscription([item(price(10000))], { id: "sub_a" });
  const subB = subscription([item(price(5000, { id: "price_b" })), item(metered)], {
    id: "sub_b",
  });
  const revenue = computeCustomerRevenue({
    customerId: "cus_1",
    subscriptions: [subA, subB],
    products: new Map(),
    usageLines: [{
      customer: "cus_1",
      subscription: "sub_b",
      price_id: "price_usage",
      amount: 2000,
      inclusive_tax: 0,
      discount_amounts: [{ discount: customerTen.id, amount: 300 }],
      currency: "usd",
      months: 1,
    }],
    customerDiscounts: [customerTen],
    asOf: AS_OF,
  }, DEFAULT_RULES).revenue;
  assertEquals([revenue.mrr, revenue.baseSubscription, revenue.usageCharges], [150, 133, 17]);
});

Deno.test("a billing anchor at the very second of the as-of is not ahead of it; a second later is", () => {
  // its first full period opens at the as-of: billed in full then, nothing to say
  const anchoredAt = (anchor: number) =>
    computeCustomerRevenue({
      customerId: "cus_1",
      subscriptions: [subscription([item(price(10000))], { billing_cycle_anchor: anchor })],
      products: new Map(),
      usageLines: [],
      asOf: AS_OF,
    }, DEFAULT_RULES).anchorAheadSubscriptionIds;
  assertEquals(anchoredAt(T), []);
  assertEquals(anchoredAt(T + 1), ["sub_1"]);
});

Deno.test("a customer billed in two currencies has no one native amount; its USD MRR is both converted", () => {
  // sub_usd $100; sub_eur €50 at 1.1 USD per EUR = $55: MRR $155, mrr_recurring_minor unknown
  // (cents and euro cents do not add up)
  const eur = price(5000, { id: "price_eur", currency: "eur" });
  const revenue = revenueOf([
    subscription([item(price(10000))], { id: "sub_usd" }),
    subscription([item(eur)], { id: "sub_eur", currency: "eur" }),
  ], { rules: { ...DEFAULT_RULES, fxRates: { eur: 1.1 } } });
  assertEquals([revenue.mrr, revenue.mrrRecurringMinor, revenue.currency], [155, null, "EUR,USD"]);
});

Deno.test("a subscription that ended at the very second of the as-of is over then; one ending a second later counts", () => {
  // canceled, $100 a month: ended at the as-of, not billed then ($0); ended a second after it,
  // still active at the as-of ($100)
  const endedAt = (ended: number) =>
    revenueOf([
      subscription([item(price(10000))], {
        status: "canceled",
        canceled_at: T - DAY,
        ended_at: ended,
      }),
    ]);
  assertEquals([endedAt(T).mrr, endedAt(T).subscriptionStatus], [0, "canceled"]);
  assertEquals([endedAt(T + 1).mrr, endedAt(T + 1).subscriptionStatus], [100, "active"]);
});

Deno.test("a trial is under way from its start's second up to, not at, its end's", () => {
  // a trial that ended at the very second of the as-of: billing then, $100 (not trialing, $0)
  const ended = revenueOf([
    subscription([item(price(10000))], { trial_start: T - 14 * DAY, trial_end: T }),
  ]);
  assertEquals([ended.mrr, ended.subscriptionStatus], [100, "active"]);
  // an add-on's own trial begun at the very second of the as-of: not billed yet, the plan's $100
  // alone (not $100 + $50)
  const addon = price(5000, { id: "price_addon", product: "prod_addon", nickname: "prompts" });
  const begun = revenueOf([
    subscription([
      item(price(10000)),
      item(addon, { trial_start: T, trial_end: T + 14 * DAY }),
    ]),
  ]);
  assertEquals([begun.mrr, begun.addonPrompts], [100, 0]);
});

Deno.test("a subscription that started at the very second of the as-of counts; one starting a second later does not", () => {
  const startingAt = (start: number) =>
    revenueOf([
      subscription([item(price(10000))], {
        start_date: start,
        created: start,
        billing_cycle_anchor: start,
      }),
    ]).mrr;
  assertEquals([startingAt(T), startingAt(T + 1)], [100, 0]);
});

Deno.test("the billing period under way of a 3-week price steps 21 days from its anchor", () => {
  // anchored 2026-10-01 (a Thursday), every 3 weeks: 10-22, 11-12; at 11-01 the period under way
  // opened on 10-22 (a week's step would give 10-29)
  const start = periodStartAt(
    subscription([], {
      billing_cycle_anchor: Date.parse("2026-10-01T00:00:00Z") / 1000,
      start_date: Date.parse("2026-10-01T00:00:00Z") / 1000,
    }),
    { recurring: { interval: "week", interval_count: 3 }, asOfSeconds: T },
  );
  assertEquals(new Date(start! * 1000).toISOString(), "2026-10-22T00:00:00.000Z");
});

Deno.test("a first period shorter than a month, its start's day after its end's, runs on from its end", () => {
  // a metered price from 2026-09-20 anchored on the 15th: its first period 09-20 – 10-15 is not
  // cut to a month's end (10-15 is not October's last day), so it runs on from 10-15: the
  // invoice billing the period under way at 11-01 is 11-15, not 11-20 (runs on from its start)
  const start = Date.parse("2026-09-20T00:00:00Z") / 1000;
  const end = Date.parse("2026-10-15T00:00:00Z") / 1000;
  const anchor = anchorOfPeriod({ start, end });
  assertEquals(anchor, end);
  const invoicedAt = usageInvoicedAt({ billing_cycle_anchor: anchor, start_date: null }, {
    recurring: { interval: "month", interval_count: 1 },
    asOfSeconds: T,
  });
  assertEquals(new Date(invoicedAt! * 1000).toISOString(), "2026-11-15T00:00:00.000Z");
});

Deno.test("a period cut to February's last day from an anchor on the 31st runs on from its start's day", () => {
  // 2026-01-31 – 02-28: 02-28 ends the month and the start's day (31) is later, so the anchor is
  // 01-31: the period under way at 03-15 ends 03-31 (from 02-28 it would end 03-28)
  const start = Date.parse("2026-01-31T00:00:00Z") / 1000;
  const end = Date.parse("2026-02-28T00:00:00Z") / 1000;
  assertEquals(anchorOfPeriod({ start, end }), start);
  const invoicedAt = usageInvoicedAt({
    billing_cycle_anchor: anchorOfPeriod({ start, end }),
    start_date: null,
  }, {
    recurring: { interval: "month", interval_count: 1 },
    asOfSeconds: Date.parse("2026-03-15T00:00:00Z") / 1000,
  });
  assertEquals(new Date(invoicedAt! * 1000).toISOString(), "2026-03-31T00:00:00.000Z");
});

Deno.test("at the very second a metered period ends, its usage is billed then, not a period on", () => {
  // monthly from 2026-10-01: at 11-01 00:00 the usage under way is October's (the invoice created
  // at that second is not yet read), billed by the invoice of 11-01 00:00: a repeating coupon
  // counts if it covers that one, not the invoice of 12-01
  const octoberFirst = Date.parse("2026-10-01T00:00:00Z") / 1000;
  const invoicedAt = usageInvoicedAt({ billing_cycle_anchor: octoberFirst, start_date: null }, {
    recurring: { interval: "month", interval_count: 1 },
    asOfSeconds: T,
  });
  assertEquals(new Date(invoicedAt! * 1000).toISOString(), "2026-11-01T00:00:00.000Z");
});
