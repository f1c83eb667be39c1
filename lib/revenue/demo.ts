/**
 * Demo revenue: Stripe-shaped subscriptions, products and invoice lines generated for the demo
 * organizations (fixed seed), then priced by the same calculator as live data.
 */
import { seededRandom } from "../demo.ts";
import { DEFAULT_RULES } from "./rules.ts";
import type { StripeSnapshot } from "./fetch.ts";
import { revenueFromSnapshot } from "./mod.ts";
import type {
  DiscountLite,
  ItemLite,
  PriceLite,
  ProductLite,
  SubscriptionLite,
  UsageLineLite,
} from "./stripe_objects.ts";
import type { RevenueResult } from "./types.ts";

export interface DemoRevenueOrg {
  customerId: string;
  /** tier family: free | pro | team | growth | enterprise | other */
  tier: string;
  tierRaw: string | null;
  seats: number;
  /** add-ons from stripe_metadata, e.g. ["prompts"] */
  addons: string[];
  requests30d: number;
}

const PRODUCTS: ProductLite[] = [
  ["prod_pro_users", "Pro (per seat)"],
  ["prod_team_bundle", "Team bundle"],
  ["prod_pro_2025", "Pro 2025-12"],
  ["prod_team_2025", "Team 2025-12"],
  ["prod_enterprise", "Enterprise plan"],
  ["prod_request_volume", "Request volume"],
  ["prod_prompts", "Prompts add-on"],
  ["prod_evals", "Evals add-on"],
  ["prod_experiments", "Experiments add-on"],
].map(([id, name]) => ({ id, name, metadata: {} }));

function price(
  id: string,
  product: string,
  unitCents: number | null,
  interval: "month" | "year" = "month",
  usage: "licensed" | "metered" = "licensed",
): PriceLite {
  return {
    id,
    product,
    currency: "usd",
    nickname: null,
    billing_scheme: "per_unit",
    tiers_mode: null,
    tiers: null,
    unit_amount_decimal: unitCents === null ? null : String(unitCents),
    transform_quantity: null,
    recurring: { interval, interval_count: 1, usage_type: usage },
  };
}

const PRICES = {
  proUsers: price("price_pro_users", "prod_pro_users", 2000),
  teamBundle: price("price_team_bundle", "prod_team_bundle", 20000),
  pro2025: price("price_pro_20251210", "prod_pro_2025", 7900),
  team2025: price("price_team_20251210", "prod_team_2025", 79900),
  requestVolume: price("price_request_volume", "prod_request_volume", null, "month", "metered"),
  prompts: price("price_prompts", "prod_prompts", 5000),
  evals: price("price_evals", "prod_evals", 10000),
  experiments: price("price_experiments", "prod_experiments", 5000),
};

export function demoRevenue(orgs: DemoRevenueOrg[], seed: number, asOf: Date): RevenueResult {
  const random = seededRandom(seed ^ 0x5eed);
  const subscriptions: SubscriptionLite[] = [];
  const usageLines: UsageLineLite[] = [];
  let itemNumber = 0;
  const item = (p: PriceLite, quantity: number | null): ItemLite => ({
    id: `si_demo${++itemNumber}`,
    quantity,
    price: p,
    discounts: [],
  });

  orgs.forEach((org, index) => {
    const raw = org.tierRaw ?? "free";
    const items: ItemLite[] = [];
    let metered = false;
    if (org.tier === "pro" && raw === "pro-20251210") items.push(item(PRICES.pro2025, 1));
    else if (org.tier === "pro" || org.tier === "growth") {
      items.push(item(PRICES.proUsers, Math.max(1, org.seats)));
      metered = true;
    } else if (org.tier === "team" && raw === "team-20251210") items.push(item(PRICES.team2025, 1));
    else if (org.tier === "team") items.push(item(PRICES.teamBundle, 1));
    else if (org.tier === "enterprise") {
      const yearly = random() < 0.3;
      const monthlyCents = Math.round((2000 + random() * 13000) / 50) * 5000;
      const custom = price(
        `price_enterprise_${index}`,
        "prod_enterprise",
        yearly ? monthlyCents * 12 : monthlyCents,
        yearly ? "year" : "month",
      );
      items.push(item(custom, 1));
    }
    // Dated 2025-12 plans include add-ons; legacy plans bill them as items (quantity 0 = removed).
    const legacy = !raw.endsWith("20251210");
    if (legacy && items.length > 0) {
      if (org.addons.includes("prompts")) items.push(item(PRICES.prompts, 1));
      else if (random() < 0.1) items.push(item(PRICES.prompts, 0));
      if (org.addons.includes("evals")) items.push(item(PRICES.evals, 1));
    }
    if (metered) items.push(item(PRICES.requestVolume, null));

    const roll = random();
    const status = items.length === 0
      ? "canceled" // a former customer, now on the free tier
      : roll < 0.06
      ? "past_due"
      : roll < 0.11
      ? "trialing"
      : "active";
    if (items.length === 0) items.push(item(PRICES.proUsers, Math.max(1, org.seats)));
    const discounts: DiscountLite[] = [];
    const discountRoll = random();
    if (discountRoll < 0.1) {
      discounts.push({
        coupon: { percent_off: 20, amount_off: null, currency: null, duration: "forever" },
        end: null,
      });
    } else if (discountRoll < 0.15) {
      discounts.push({
        coupon: { percent_off: null, amount_off: 1000, currency: "usd", duration: "once" },
        end: null,
      });
    }
    const subscriptionId = `sub_demo${index + 1}`;
    subscriptions.push({
      id: subscriptionId,
      customer: org.customerId,
      status,
      currency: "usd",
      cancel_at_period_end: status === "active" && random() < 0.08,
      discounts,
      items,
    });
    // Request overages: $0.50 per 1,000 requests above 10,000, billed on the last closed invoice.
    if (metered && org.requests30d > 10_000) {
      usageLines.push({
        customer: org.customerId,
        subscription: subscriptionId,
        price_id: PRICES.requestVolume.id,
        amount: Math.round((org.requests30d - 10_000) * 0.05),
        currency: "usd",
      });
    }
  });

  const snapshot: StripeSnapshot = { subscriptions, products: PRODUCTS, usageLines };
  const customerIds = orgs.map((o) => o.customerId);
  return {
    ...revenueFromSnapshot(snapshot, customerIds, asOf, DEFAULT_RULES, "demo"),
    apiCalls: 0,
    durationMs: 0,
    failed: false,
  };
}
