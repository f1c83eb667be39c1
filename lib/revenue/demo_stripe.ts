/**
 * Demo revenue: Stripe-shaped JSON objects (subscriptions with items and discounts, products,
 * coupons, invoices with metered lines) generated for the demo organizations from a seed, then
 * trimmed and priced by exactly the code a live fetch goes through (snapshot.ts, mrr.ts). The
 * same objects served by a fake Stripe API give the same revenue (tests/revenue_demo_test.ts).
 *
 * What the demo bills (list prices from production-schema.md; enterprise and growth invented):
 * - legacy pro (pro, pro-2024…, pro-2025 before 12-10): pro-users $20 × seats a month ($200 a
 *   seat a year on ~10%), request-volume overage ($0.50 per 1,000 requests over 10,000), add-ons
 *   as items ($50 prompts — some kept at quantity 0 —, $100 evals, $50 experiments);
 * - pro-20251210 $79/month (or $790/year), team-20251210 $799/month (or $7,990/year): add-ons
 *   included, metered request volume (over 100,000) and storage ($6/GB);
 * - legacy team: team_bundle $200/month plus add-on items and request volume over 50,000;
 * - growth: graduated seats ($30 each for the first 5, $25 after) plus request volume;
 * - enterprise: a custom price of $1,500–15,000 a month, billed monthly, quarterly or yearly,
 *   a few in EUR (converted at the demo rate EUR 1.08);
 * - free organizations with a customer id: a canceled former subscription or none at all;
 * - ~5% past_due, ~5% trialing, ~1% paused, ~1% incomplete; ~6% cancel at period end; 20% off
 *   forever, $10 off once, 50% off for 3 months (some ended), 50% off the prompts add-on;
 * - PTB (demo_ptb.ts): credits bought on the token-usage product or postpaid usage invoices,
 *   tracking each organization's PTB cost of the window.
 */
import { resolveRules, type RevenueRules } from "./rules.ts";
import { revenueFromSnapshot, snapshotFromStripeObjects, type StripeObjects } from "./snapshot.ts";
import type { RevenueResult } from "./types.ts";
import { seededRandom } from "../core/random.ts";
import { DEMO_PTB_PRODUCT, demoPtbObjects } from "./demo_ptb.ts";
import { COUPONS, INCLUDED_REQUESTS, price, PRICES, PRODUCTS } from "./demo_catalog.ts";
import { ptbWindow } from "./ptb.ts";

export { DEMO_PTB_PRODUCT } from "./demo_ptb.ts";

export interface DemoRevenueOrg {
  customerId: string;
  /** tier family: free | pro | team | growth | enterprise | other */
  tier: string;
  tierRaw: string | null;
  seats: number;
  /** add-ons from stripe_metadata, e.g. ["prompts"] */
  addons: string[];
  requests30d: number;
  /** PTB LLM cost of the window in USD (what its prepaid credits or postpaid invoices cover) */
  ptbCost30d?: number;
}

/** USD per EUR in demo data (the demo sets PRICING_FX_RATES itself). */
export const DEMO_FX_RATES: Record<string, number> = { eur: 1.08 };

// deno-lint-ignore no-explicit-any
type Json = any;

const DAY = 86_400;

/** The demo organizations' Stripe account, as Stripe's API would return its objects. */
export function demoStripeObjects(
  orgs: DemoRevenueOrg[],
  options: { seed: number; asOf: Date; windowDays?: number },
): StripeObjects {
  const { seed, asOf } = options;
  // One stream per customer: a customer's plan change (the demo evolves with the as-of, see
  // lib/sources/demo_lifecycle.ts) must not reshuffle every other customer's draws.
  let random = seededRandom((seed ^ 0x5eed) >>> 0);
  const chance = (p: number) => random() < p;
  const T = Math.floor(asOf.getTime() / 1000);
  const subscriptions: Json[] = [];
  const invoices: Json[] = [];
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_demo${String(++counter).padStart(6, "0")}`;

  const discount = (
    c: Json,
    { end, subscription, item }: { end: number | null; subscription: string; item?: string },
  ): Json => ({
    id: nextId("di"),
    object: "discount",
    source: { type: "coupon", coupon: c },
    start: T - 40 * DAY,
    end,
    subscription,
    subscription_item: item ?? null,
  });

  orgs.forEach((org) => {
    random = seededRandom((seed ^ 0x5eed ^ stringHash(org.customerId)) >>> 0);
    const raw = org.tierRaw ?? org.tier;
    const dated = raw.endsWith("20251210");
    const seats = Math.max(1, org.seats);
    const key = org.customerId.replace(/^cus_/, "");
    const subscriptionId = `sub_${key}`;
    const lines: [Json, number | null][] = []; // price, quantity (null: metered)
    let included = INCLUDED_REQUESTS.legacy;
    let currency = "usd";
    const addonItems = () => {
      if (org.addons.includes("prompts")) lines.push([PRICES.prompts, 1]);
      else if (chance(0.1)) lines.push([PRICES.prompts, 0]); // removed, item kept
      if (org.addons.includes("evals")) lines.push([PRICES.evals, 1]);
      if (org.addons.includes("experiments")) lines.push([PRICES.experiments, 1]);
    };

    if (org.tier === "pro" && dated) {
      const yearly = chance(0.2);
      lines.push([yearly ? PRICES.pro2025Yearly : PRICES.pro2025, 1]);
      if (!yearly) lines.push([PRICES.requestVolume, null], [PRICES.storage, null]);
      included = INCLUDED_REQUESTS.dated;
    } else if (org.tier === "team" && dated) {
      const yearly = chance(0.2);
      lines.push([yearly ? PRICES.team2025Yearly : PRICES.team2025, 1]);
      if (!yearly) lines.push([PRICES.requestVolume, null], [PRICES.storage, null]);
      included = INCLUDED_REQUESTS.dated;
    } else if (org.tier === "pro") {
      const yearly = chance(0.1);
      lines.push([yearly ? PRICES.proUsersYearly : PRICES.proUsers, seats]);
      if (!yearly) {
        addonItems();
        lines.push([PRICES.requestVolume, null]);
      }
    } else if (org.tier === "team") {
      lines.push([PRICES.teamBundle, 1]);
      addonItems();
      lines.push([PRICES.requestVolume, null]);
      included = INCLUDED_REQUESTS.team;
    } else if (org.tier === "growth") {
      lines.push([PRICES.growth, seats]);
      addonItems();
      lines.push([PRICES.requestVolume, null]);
    } else if (org.tier === "enterprise") {
      const roll = random();
      const [interval, intervalCount] = roll < 0.25 ? ["year", 1] : roll < 0.4 ? ["month", 3] : [
        "month",
        1,
      ];
      const months = interval === "year" ? 12 : intervalCount;
      const monthlyCents = Math.round((1500 + random() * 13500) / 500) * 500 * 100;
      currency = chance(0.1) ? "eur" : "usd";
      lines.push([
        price({
          id: `price_enterprise_${key}`,
          product: "prod_enterprise",
          unitAmountDecimal: String(monthlyCents * months),
          interval: interval as "month" | "year",
          intervalCount,
          currency,
        }),
        1,
      ]);
    } else if (chance(0.5)) {
      // a free organization that paid once: its former subscription, canceled
      lines.push([PRICES.proUsers, seats]);
      subscriptions.push(subscription({
        id: subscriptionId,
        customer: org.customerId,
        status: "canceled",
        currency: "usd",
        lines,
        asOfSeconds: T,
        nextId,
      }));
      subscriptions[subscriptions.length - 1].ended_at = T - Math.floor(random() * 200) * DAY;
      return;
    } else {
      return; // a customer that never subscribed
    }

    const roll = random();
    const status = roll < 0.05
      ? "past_due"
      : roll < 0.10
      ? "trialing"
      : roll < 0.11
      ? "paused"
      : roll < 0.12
      ? "incomplete"
      : "active";
    const sub = subscription({
      id: subscriptionId,
      customer: org.customerId,
      status,
      currency,
      lines,
      asOfSeconds: T,
      nextId,
    });
    if (status === "active" && chance(0.06)) sub.cancel_at_period_end = true;
    else if (status === "active" && chance(0.02)) sub.cancel_at = T + 45 * DAY;
    if (status === "trialing") sub.trial_end = T + Math.floor(1 + random() * 13) * DAY;

    const discountRoll = random();
    if (discountRoll < 0.08) {
      sub.discounts.push(
        discount(COUPONS.twentyForever, { end: null, subscription: subscriptionId }),
      );
    } else if (discountRoll < 0.12) {
      sub.discounts.push(discount(COUPONS.tenOnce, { end: null, subscription: subscriptionId }));
    } else if (discountRoll < 0.17) {
      // 50% off for three months: about half are still running at the as-of date
      const end = T + Math.floor(-45 + random() * 90) * DAY;
      sub.discounts.push(discount(COUPONS.halfThreeMonths, { end, subscription: subscriptionId }));
    }
    for (const item of sub.items.data) {
      if (item.price.id === PRICES.prompts.id && item.quantity > 0 && chance(0.15)) {
        item.discounts.push(
          discount(COUPONS.halfPrompts, { end: null, subscription: subscriptionId, item: item.id }),
        );
      }
    }
    subscriptions.push(sub);

    // The last closed billing cycle's invoice, with its metered lines (trials bill nothing yet).
    const meteredItems = sub.items.data.filter((i: Json) =>
      i.price.recurring.usage_type === "metered"
    );
    if (meteredItems.length === 0 || status === "trialing" || status === "incomplete") return;
    const created = T - Math.floor(1 + random() * 27) * DAY;
    const percentOff = sub.discounts
      .map((d: Json) => ({ d, c: d.source.coupon }))
      .filter(({ d, c }: Json) =>
        c.percent_off &&
        (c.duration === "forever" || (c.duration === "repeating" && d.end > created))
      );
    const invoiceLines = sub.items.data.map((item: Json) => {
      const metered = item.price.recurring.usage_type === "metered";
      const amount = !metered
        ? 0 // licensed lines are billed in advance; their amounts do not matter here
        : item.price.id === PRICES.storage.id
        ? Math.floor(random() * 25) * 600 // whole GB at $6
        : Math.round(Math.max(0, org.requests30d - included) * 0.05);
      return {
        id: nextId("il"),
        object: "line_item",
        amount,
        currency,
        discount_amounts: percentOff.map(({ d, c }: Json) => ({
          discount: d.id,
          amount: Math.round(amount * c.percent_off / 100),
        })),
        taxes: [],
        pricing: {
          type: "price_details",
          price_details: { price: item.price.id, product: item.price.product },
          unit_amount_decimal: item.price.unit_amount_decimal,
        },
        parent: {
          type: "subscription_item_details",
          subscription_item_details: {
            subscription: subscriptionId,
            subscription_item: item.id,
            proration: false,
          },
        },
      };
    });
    invoices.push({
      id: nextId("in"),
      object: "invoice",
      customer: org.customerId,
      status: status === "past_due" ? "open" : "paid",
      billing_reason: "subscription_cycle",
      created,
      currency,
      parent: {
        type: "subscription_details",
        subscription_details: { subscription: subscriptionId },
      },
      lines: { object: "list", data: invoiceLines, has_more: false, url: "/v1/invoices/lines" },
    });
  });

  // pass-through billing: credits bought (PaymentIntents) and postpaid usage invoices
  const windowDays = options.windowDays ?? 30;
  const ptb = demoPtbObjects(
    orgs.map((o) => ({ customerId: o.customerId, ptbCost30d: o.ptbCost30d ?? 0 })),
    { seed, asOf, windowDays },
  );
  return {
    subscriptions,
    products: structuredClone(PRODUCTS),
    invoices: [...invoices, ...ptb.invoices],
    coupons: Object.values(COUPONS).map((c) => structuredClone(c)),
    ptb: { productId: DEMO_PTB_PRODUCT, ...ptbWindow(asOf, windowDays), ...ptb },
  };
}

/** FNV-1a of a string: a stable per-customer seed. */
function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A subscription of `customer` with an item per line (price, quantity; null: metered). */
function subscription(
  { id, customer, status, currency, lines, asOfSeconds: T, nextId }: {
    id: string;
    customer: string;
    status: string;
    currency: string;
    lines: [Json, number | null][];
    /** the as-of in Unix seconds: the subscription's dates are around it */
    asOfSeconds: number;
    /** the account's next object id of a kind (the items' ids) */
    nextId: (prefix: string) => string;
  },
): Json {
  return {
    id,
    object: "subscription",
    customer,
    status,
    currency,
    cancel_at_period_end: false,
    cancel_at: null,
    created: T - 200 * DAY,
    discounts: [] as Json[],
    items: {
      object: "list",
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
      data: lines.map(([p, quantity]) => ({
        id: nextId("si"),
        object: "subscription_item",
        subscription: id,
        price: structuredClone(p),
        ...(quantity === null ? {} : { quantity }),
        discounts: [] as Json[],
        current_trial: null,
        current_period_start: T - 10 * DAY,
        current_period_end: T + 20 * DAY,
      })),
    },
  };
}

/**
 * Revenue of the demo organizations (source "demo"), computed from `demoStripeObjects` by the
 * live path's code. `rules` (e.g. from the environment) override the defaults; EUR is converted
 * at the demo rate unless a rate is configured; PTB revenue is read for the demo's token-usage
 * product.
 */
export function demoRevenue(
  orgs: DemoRevenueOrg[],
  options: { seed: number; asOf: Date; windowDays?: number; rules?: Partial<RevenueRules> },
): RevenueResult {
  const { asOf, rules = {} } = options;
  const windowDays = options.windowDays ?? 30;
  const objects = demoStripeObjects(orgs, { seed: options.seed, asOf, windowDays });
  const resolved = resolveRules({
    ...rules,
    fxRates: { ...DEMO_FX_RATES, ...(rules.fxRates ?? {}) },
    ptbProductId: DEMO_PTB_PRODUCT,
  });
  const snapshot = snapshotFromStripeObjects(objects, {
    asOf,
    usageLookbackDays: resolved.usageLookbackDays,
  });
  snapshot.customers.existing = orgs.map((o) => o.customerId);
  return {
    ...revenueFromSnapshot(snapshot, {
      customerIds: orgs.map((o) => o.customerId),
      asOf,
      windowDays,
      rules: resolved,
      source: "demo",
    }),
    apiCalls: 0,
    durationMs: 0,
    failed: false,
  };
}
