/**
 * Revenue settings from the environment, item roles, and the calculator's units.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { revenueConfigFromEnv } from "../lib/revenue/stripe_settings.ts";
import { minorUnitsToMajor } from "../lib/revenue/currency.ts";
import { computeCustomerRevenue } from "../lib/revenue/mrr.ts";
import { itemPeriodAmount, priceFactsMemo } from "../lib/revenue/price_facts.ts";
import {
  classifyItem,
  DEFAULT_RULES,
  resolveRules,
  revenueRulesFromEnv,
} from "../lib/revenue/rules.ts";
import { type PriceLite, priceLite, type ProductLite } from "../lib/revenue/stripe_objects.ts";

const AS_OF = new Date("2026-11-01T00:00:00Z");

Deno.test("revenueConfigFromEnv reads every setting and returns only those set", () => {
  assertEquals(revenueConfigFromEnv({}), {
    apiKey: undefined,
    apiHost: undefined,
    apiPort: undefined,
    apiProtocol: undefined,
  });
  assertEquals(
    revenueConfigFromEnv({
      STRIPE_SECRET_KEY: "rk_live_abc",
      STRIPE_API_HOST: "127.0.0.1",
      STRIPE_API_PORT: "12111",
      STRIPE_API_PROTOCOL: "http",
      PRICING_STRIPE_PRICE_ROLES: "price_1:base, price_2:addon_prompts",
      PRICING_STRIPE_ROLE_METADATA_KEY: "role",
      PRICING_STRIPE_NAME_ROLES: "^Seats \\d{1,3}$:base;gpu hours:usage",
      PRICING_STRIPE_COUNTED_STATUSES: "active,past_due,paused",
      PRICING_STRIPE_DISCOUNTS: "forever",
      PRICING_FX_RATES: "EUR:1.08,gbp:1.27",
      PRICING_STRIPE_MAX_RETRIES: "3",
      PRICING_STRIPE_RATE_LIMIT_RETRIES: "7",
      PRICING_STRIPE_TIMEOUT_SECONDS: "12",
      PRICING_STRIPE_CONCURRENCY: "2",
      PRICING_STRIPE_USAGE_LOOKBACK_DAYS: "40",
      PRICING_STRIPE_LOOKUP_LIMIT: "10",
    }),
    {
      apiKey: "rk_live_abc",
      apiHost: "127.0.0.1",
      apiPort: 12111,
      apiProtocol: "http",
      priceRoles: { price_1: "base", price_2: "addon_prompts" },
      productRoleMetadataKey: "role",
      namePatterns: [{ pattern: "^Seats \\d{1,3}$", role: "base" }, {
        pattern: "gpu hours",
        role: "usage",
      }],
      countedStatuses: ["active", "past_due", "paused"],
      discountPolicy: "forever",
      fxRates: { eur: 1.08, gbp: 1.27 },
      maxNetworkRetries: 3,
      maxRateLimitRetries: 7,
      timeoutSeconds: 12,
      concurrency: 2,
      usageLookbackDays: 40,
      lookupLimit: 10,
    },
  );
  assertEquals(revenueRulesFromEnv({}), DEFAULT_RULES);
});

Deno.test("a bad setting is a one-line error naming the variable and the fix", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { PRICING_STRIPE_PRICE_ROLES: "price_1:plan" },
      /^PRICING_STRIPE_PRICE_ROLES entry "price_1:plan" must be price_id:role/,
    ],
    [
      { PRICING_STRIPE_NAME_ROLES: "([:base" },
      /^PRICING_STRIPE_NAME_ROLES entry "\(\[:base" must be regex:role/,
    ],
    [
      { PRICING_STRIPE_COUNTED_STATUSES: "active,open" },
      /^PRICING_STRIPE_COUNTED_STATUSES has open: use active, past_due/,
    ],
    [
      { PRICING_STRIPE_DISCOUNTS: "all" },
      /^PRICING_STRIPE_DISCOUNTS must be recurring, forever or none/,
    ],
    [{ PRICING_FX_RATES: "EURO:1.1" }, /^PRICING_FX_RATES entry "EURO:1.1" must be CUR:rate/],
    [{ PRICING_FX_RATES: "EUR:-1" }, /^PRICING_FX_RATES entry/],
    [
      { PRICING_STRIPE_COUNTED_STATUSES: "actve" },
      /^PRICING_STRIPE_COUNTED_STATUSES has actve \(did you mean active\?\): use active, past_due/,
    ],
    // a second role for one price silently replaced the first
    [
      { PRICING_STRIPE_PRICE_ROLES: "price_1:base,price_2:usage,price_1:usage" },
      /^PRICING_STRIPE_PRICE_ROLES gives price_1 twice \(base, usage\); give each price one role$/,
    ],
    // a number as every setting reads one: no exponent
    [{ PRICING_FX_RATES: "EUR:1e0" }, /^PRICING_FX_RATES entry "EUR:1e0" must be CUR:rate/],
    // USD is never converted: its rate was ignored without a word
    [
      { PRICING_FX_RATES: "USD:2" },
      /^PRICING_FX_RATES entry "USD:2": USD amounts are not converted \(rates are USD per unit\); remove the entry$/,
    ],
    // the second rate silently replaced the first
    [
      { PRICING_FX_RATES: "EUR:1.08,eur:1.1" },
      /^PRICING_FX_RATES gives EUR twice; give one rate per currency$/,
    ],
    [
      { PRICING_STRIPE_CONCURRENCY: "0" },
      /^PRICING_STRIPE_CONCURRENCY must be a whole number from 1 to 20, got 0$/,
    ],
    [{ PRICING_STRIPE_MAX_RETRIES: "two" }, /^PRICING_STRIPE_MAX_RETRIES must be a whole number/],
    [{ STRIPE_API_PORT: "http" }, /^STRIPE_API_PORT must be a port number/],
    [
      { PRICING_STRIPE_TIMEOUT_SECONDS: "0" },
      /^PRICING_STRIPE_TIMEOUT_SECONDS must be a whole number from 1 to 600, got 0$/,
    ],
    [
      { STRIPE_API_HOST: "https://api.stripe.com/" },
      /^STRIPE_API_HOST must be a host name only \(e\.g\. api\.stripe\.com\), got "https:\/\/api\.stripe\.com\/"/,
    ],
    [{ STRIPE_API_PROTOCOL: "ftp" }, /^STRIPE_API_PROTOCOL must be http or https/],
  ];
  for (const [env, expected] of cases) {
    throws(
      () => revenueConfigFromEnv({ STRIPE_SECRET_KEY: "sk_live_never_shown", ...env }),
      (e: Error) => {
        ok(expected.test(e.message), e.message);
        ok(!e.message.includes("\n") && !e.message.includes("sk_live_never_shown"));
        return e.name === "UserError";
      },
    );
  }
});

Deno.test("resolveRules fills the defaults without sharing them", () => {
  const rules = resolveRules({ discountPolicy: "none", maxNetworkRetries: undefined });
  assertEquals(rules.discountPolicy, "none");
  assertEquals(rules.maxNetworkRetries, DEFAULT_RULES.maxNetworkRetries);
  rules.countedStatuses.push("trialing");
  rules.fxRates.eur = 2;
  assertEquals(DEFAULT_RULES.countedStatuses, ["active", "past_due"]);
  assertEquals(DEFAULT_RULES.fxRates, {});
});

function price(id: string, options: { metered?: boolean; nickname?: string } = {}): PriceLite {
  return priceLite({
    id,
    product: "prod_x",
    currency: "usd",
    nickname: options.nickname ?? null,
    unit_amount_decimal: "100",
    recurring: {
      interval: "month",
      interval_count: 1,
      usage_type: options.metered ? "metered" : "licensed",
    },
  });
}
const product = (name: string, metadata: Record<string, string> = {}): ProductLite => ({
  id: "prod_x",
  name,
  metadata,
});

Deno.test("item roles: price id, then product metadata, then configured names, then Helicone's price families; metered is usage", () => {
  const rules = resolveRules({
    priceRoles: { price_special: "addon_other" },
    namePatterns: [{ pattern: "^gpu", role: "usage" }],
  });
  // configured price id wins over a name that says base
  assertEquals(
    classifyItem(price("price_special"), { product: product("pro-users"), rules: rules }),
    "addon_other",
  );
  // metadata wins over the name
  assertEquals(
    classifyItem(price("p"), {
      product: product("pro-users", { pricing_role: "addon_prompts" }),
      rules: rules,
    }),
    "addon_prompts",
  );
  // a metadata value that is not a role is ignored
  assertEquals(
    classifyItem(price("p"), {
      product: product("pro-users", { pricing_role: "x" }),
      rules: rules,
    }),
    "base",
  );
  // configured name pattern before the built-in ones
  assertEquals(classifyItem(price("p"), { product: product("GPU plan"), rules: rules }), "usage");
  // a metered price is usage whatever its name or configuration says
  assertEquals(
    classifyItem(price("price_special", { metered: true }), {
      product: product("prompts"),
      rules: rules,
    }),
    "usage",
  );
  const families: [string, string][] = [
    ["pro-users", "base"],
    ["team_bundle", "base"],
    ["pro-20251210", "base"],
    ["team-20251210", "base"],
    ["Enterprise plan", "base"],
    ["request-volume", "usage"],
    ["storage", "usage"],
    ["prompts", "addon_prompts"],
    ["Prompts add-on", "addon_prompts"],
    ["experiments", "addon_other"],
    ["evals", "addon_other"],
    ["alerts", "addon_other"],
    ["Mystery thing", "unknown"],
  ];
  for (const [name, role] of families) {
    assertEquals(
      classifyItem(price("p"), { product: product(name), rules: DEFAULT_RULES }),
      role,
      name,
    );
  }
  // no product: the price nickname, then the price id
  assertEquals(
    classifyItem(price("p", { nickname: "Team bundle" }), {
      product: undefined,
      rules: DEFAULT_RULES,
    }),
    "base",
  );
  assertEquals(
    classifyItem(price("price_prompts_monthly"), { product: undefined, rules: DEFAULT_RULES }),
    "addon_prompts",
  );
});

Deno.test("minor units as Stripe's currency page has them: zero-, three-decimal and the special cases", () => {
  // zero-decimal: whole units
  assertEquals(minorUnitsToMajor(500, "jpy"), 500);
  assertEquals(minorUnitsToMajor(500, "KRW"), 500);
  // two-decimal: cents
  assertEquals(minorUnitsToMajor(500, "usd"), 5);
  assertEquals(minorUnitsToMajor(500, "eur"), 5);
  // three-decimal: 10.000 KWD is 10000, 5.120 BHD 5120
  assertEquals(minorUnitsToMajor(10000, "kwd"), 10);
  assertEquals(minorUnitsToMajor(5120, "BHD"), 5.12);
  for (const currency of ["jod", "omr", "tnd"]) assertEquals(minorUnitsToMajor(2000, currency), 2);
  // special cases: ISK and UGX are passed with two decimals (5 ISK is 500), HUF and TWD are
  // charged in two decimals (zero-decimal for payouts only)
  assertEquals(minorUnitsToMajor(500, "isk"), 5);
  assertEquals(minorUnitsToMajor(500, "ugx"), 5);
  assertEquals(minorUnitsToMajor(1045, "huf"), 10.45);
  assertEquals(minorUnitsToMajor(80045, "twd"), 800.45);
});

Deno.test("tiers: graduated per tier with flat fees, volume at the quantity's tier (up_to inclusive), quantity 0 costs nothing; transform_quantity rounds down or up", () => {
  const tiered = (mode: "graduated" | "volume") =>
    priceLite({
      id: "p",
      product: "prod",
      currency: "usd",
      billing_scheme: "tiered",
      tiers_mode: mode,
      tiers: [
        { up_to: 10, unit_amount_decimal: "100", flat_amount_decimal: "400" },
        { up_to: null, unit_amount_decimal: "50", flat_amount_decimal: "1000" },
      ],
      recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
    });
  // graduated, 15 units: 10 × 100 + 400 flat + 5 × 50 + 1000 flat = 2650 cents
  assertEquals(itemPeriodAmount(tiered("graduated"), 15), 2650);
  // volume, 15 units: all 15 at the second tier: 15 × 50 + 1000 = 1750 cents
  assertEquals(itemPeriodAmount(tiered("volume"), 15), 1750);
  // volume, exactly 10: first tier (up_to is inclusive): 10 × 100 + 400 = 1400, not the second
  // tier's 10 × 50 + 1000 = 1500
  assertEquals(itemPeriodAmount(tiered("volume"), 10), 1400);
  // graduated, exactly 10: the first tier only, its flat fee once: 10 × 100 + 400 = 1400
  assertEquals(itemPeriodAmount(tiered("graduated"), 10), 1400);
  assertEquals(itemPeriodAmount(tiered("graduated"), 0), 0);
  // transform_quantity rounding down: floor(250 / 100) = 2 packs × 500
  const packs = priceLite({
    id: "p",
    product: "prod",
    currency: "usd",
    unit_amount_decimal: "500",
    transform_quantity: { divide_by: 100, round: "down" },
    recurring: { interval: "month", interval_count: 1 },
  });
  assertEquals(itemPeriodAmount(packs, 250), 1000);
  // rounding up: ceil(210 / 100) = 3 packs × 500 (a pack begun is billed whole)
  const packsUp = priceLite({
    id: "p",
    product: "prod",
    currency: "usd",
    unit_amount_decimal: "500",
    transform_quantity: { divide_by: 100, round: "up" },
    recurring: { interval: "month", interval_count: 1 },
  });
  assertEquals(itemPeriodAmount(packsUp, 210), 1500);
});

Deno.test("amount_off is per billing period: $120 off a yearly plan is $10 a month; discounts never go below zero", () => {
  const sub = (amountOff: number) => ({
    id: "sub",
    customer: "cus",
    status: "active",
    currency: "usd",
    cancel_at_period_end: false,
    cancel_at: null,
    start_date: null,
    created: null,
    trial_start: null,
    trial_end: null,
    billing_cycle_anchor: null,
    canceled_at: null,
    ended_at: null,
    discounts: [{
      id: "di",
      coupon: {
        id: "co",
        percent_off: null,
        amount_off: amountOff,
        currency: "usd",
        duration: "forever" as const,
        applies_to_products: null,
        amount_off_by_currency: null,
      },
      start: null,
      end: null,
    }],
    items: [{
      id: "si",
      quantity: 1,
      discounts: [],
      trial_start: null,
      trial_end: null,
      price: priceLite({
        id: "p",
        product: "prod",
        currency: "usd",
        unit_amount_decimal: "120000",
        recurring: { interval: "year", interval_count: 1 },
      }),
    }],
  });
  const mrr = (amountOff: number) =>
    computeCustomerRevenue({
      customerId: "cus",
      subscriptions: [sub(amountOff)],
      products: new Map([["prod", { id: "prod", name: "Enterprise plan", metadata: {} }]]),
      usageLines: [],
      asOf: AS_OF,
    }, DEFAULT_RULES).revenue.mrr;
  assertEquals(mrr(12_000), 90); // $1,200 / 12 = $100 − $120 / 12 = $90
  assertEquals(mrr(200_000), 0); // more off than the price: 0, not negative
});

Deno.test("a price's facts (role, plan name, interval, months) are worked out once per price", () => {
  const quarterly = priceLite({
    id: "price_q",
    product: "prod_x",
    currency: "usd",
    nickname: "Quarterly seats",
    unit_amount_decimal: "100",
    recurring: { interval: "month", interval_count: 3, usage_type: "licensed" },
  });
  const unnamed = priceLite({ ...quarterly, id: "price_u", product: "prod_gone", nickname: null });
  const factsOf = priceFactsMemo({
    products: new Map([["prod_x", product("pro-users")]]),
    rules: DEFAULT_RULES,
  });
  // the product's name says the plan and the role (pro-users: base); a 3-month period
  assertEquals(factsOf(quarterly), {
    role: "base",
    planName: "pro-users",
    interval: "3 month",
    months: 3,
  });
  ok(factsOf(quarterly) === factsOf(quarterly)); // the same object: not worked out again
  // another object of the same price (the live fetch gives each item its own): the same facts
  ok(factsOf({ ...quarterly }) === factsOf(quarterly));
  // a price of that id read with another nickname and no product: facts of its own
  assertEquals(factsOf({ ...quarterly, product: "prod_gone", nickname: "Seat pack" }), {
    role: "base",
    planName: "Seat pack",
    interval: "3 month",
    months: 3,
  });
  // no product: the nickname names it and says its role (seat: base)
  assertEquals(factsOf({ ...unnamed, nickname: "seat pack" }).planName, "seat pack");
  // neither: the price id, whose name says nothing known
  assertEquals(factsOf(unnamed), {
    role: "unknown",
    planName: "price_u",
    interval: "3 month",
    months: 3,
  });
});
