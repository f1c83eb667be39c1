/**
 * The demo Stripe account's catalog (lib/revenue/demo_stripe.ts bills the demo organizations on
 * it): its products, the list prices of production-schema.md (growth invented), the coupons, and
 * the requests each plan includes before request-volume overage bills.
 */
import { DEMO_PTB_PRODUCT } from "./demo_ptb.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

export const PRODUCTS: Json[] = [
  ["prod_pro_users", "pro-users"],
  ["prod_team_bundle", "team_bundle"],
  ["prod_pro_20251210", "pro-20251210"],
  ["prod_team_20251210", "team-20251210"],
  ["prod_growth", "Growth seats"],
  ["prod_enterprise", "Enterprise plan"],
  ["prod_request_volume", "request-volume"],
  ["prod_storage", "storage"],
  ["prod_prompts", "prompts"],
  ["prod_experiments", "experiments"],
  ["prod_evals", "evals"],
  [DEMO_PTB_PRODUCT, "Cloud Gateway token usage"], // PTB credits' product: no subscription item
].map(([id, name]) => ({
  id,
  object: "product",
  name,
  active: true,
  // one product says its role in metadata, as the rules allow
  metadata: id === "prod_enterprise" ? { pricing_role: "base" } : {},
}));

export interface PriceSpec {
  id: string;
  product: string;
  unitAmountDecimal?: string | null;
  interval?: "month" | "year";
  intervalCount?: number;
  metered?: boolean;
  currency?: string;
  tiers?: { up_to: number | null; unit_amount_decimal: string }[];
}

export function price(spec: PriceSpec): Json {
  const unit = spec.unitAmountDecimal ?? null;
  return {
    id: spec.id,
    object: "price",
    active: true,
    type: "recurring",
    product: spec.product,
    currency: spec.currency ?? "usd",
    nickname: null,
    billing_scheme: spec.tiers ? "tiered" : "per_unit",
    tiers_mode: spec.tiers ? "graduated" : null,
    ...(spec.tiers
      ? {
        tiers: spec.tiers.map((t) => ({
          up_to: t.up_to,
          unit_amount: Number(t.unit_amount_decimal),
          unit_amount_decimal: t.unit_amount_decimal,
          flat_amount: null,
          flat_amount_decimal: null,
        })),
      }
      : {}),
    unit_amount: unit !== null && Number.isInteger(Number(unit)) ? Number(unit) : null,
    unit_amount_decimal: unit,
    transform_quantity: null,
    recurring: {
      interval: spec.interval ?? "month",
      interval_count: spec.intervalCount ?? 1,
      usage_type: spec.metered ? "metered" : "licensed",
      meter: spec.metered ? `mtr_${spec.product.replace("prod_", "")}` : null,
    },
  };
}

export const PRICES = {
  proUsers: price({ id: "price_pro_users", product: "prod_pro_users", unitAmountDecimal: "2000" }),
  proUsersYearly: price({
    id: "price_pro_users_yearly",
    product: "prod_pro_users",
    unitAmountDecimal: "20000",
    interval: "year",
  }),
  teamBundle: price({
    id: "price_team_bundle",
    product: "prod_team_bundle",
    unitAmountDecimal: "20000",
  }),
  pro2025: price({
    id: "price_pro_20251210",
    product: "prod_pro_20251210",
    unitAmountDecimal: "7900",
  }),
  pro2025Yearly: price({
    id: "price_pro_20251210_yearly",
    product: "prod_pro_20251210",
    unitAmountDecimal: "79000",
    interval: "year",
  }),
  team2025: price({
    id: "price_team_20251210",
    product: "prod_team_20251210",
    unitAmountDecimal: "79900",
  }),
  team2025Yearly: price({
    id: "price_team_20251210_yearly",
    product: "prod_team_20251210",
    unitAmountDecimal: "799000",
    interval: "year",
  }),
  growth: price({
    id: "price_growth_seats",
    product: "prod_growth",
    tiers: [
      { up_to: 5, unit_amount_decimal: "3000" },
      { up_to: null, unit_amount_decimal: "2500" },
    ],
  }),
  // $0.50 per 1,000 requests = 0.05 cents a request
  requestVolume: price({
    id: "price_request_volume",
    product: "prod_request_volume",
    unitAmountDecimal: "0.05",
    metered: true,
  }),
  storage: price({
    id: "price_storage",
    product: "prod_storage",
    unitAmountDecimal: "600",
    metered: true,
  }),
  prompts: price({ id: "price_prompts", product: "prod_prompts", unitAmountDecimal: "5000" }),
  experiments: price({
    id: "price_experiments",
    product: "prod_experiments",
    unitAmountDecimal: "5000",
  }),
  evals: price({ id: "price_evals", product: "prod_evals", unitAmountDecimal: "10000" }),
};

function coupon(
  id: string,
  duration: "forever" | "once" | "repeating",
  off: { percent?: number; amountCents?: number },
): Json {
  return {
    id,
    object: "coupon",
    valid: true,
    duration,
    duration_in_months: duration === "repeating" ? 3 : null,
    percent_off: off.percent ?? null,
    amount_off: off.amountCents ?? null,
    currency: off.amountCents ? "usd" : null,
  };
}

export const COUPONS = {
  twentyForever: coupon("co_demo_20_forever", "forever", { percent: 20 }),
  tenOnce: coupon("co_demo_10usd_once", "once", { amountCents: 1000 }),
  halfThreeMonths: coupon("co_demo_50_3months", "repeating", { percent: 50 }),
  halfPrompts: coupon("co_demo_50_prompts", "forever", { percent: 50 }),
};

/** Included requests before request-volume overage bills, by plan. */
export const INCLUDED_REQUESTS = { legacy: 10_000, team: 50_000, dated: 100_000 };
