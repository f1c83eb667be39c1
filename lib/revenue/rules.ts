/**
 * Revenue rules: what an item is (base plan, usage, prompts add-on, other add-on), which
 * subscriptions count, how discounts and currencies are treated. Every rule is a setting with a
 * documented default; `revenueRulesFromEnv` reads them.
 */
import { UserError } from "../config.ts";
import type { PriceLite, ProductLite } from "./stripe_objects.ts";

export type ItemRole = "base" | "usage" | "addon_prompts" | "addon_other" | "unknown";

/**
 * Which discounts count as recurring: `recurring` (default) = forever, and repeating ones that
 * have not ended by the as-of date (ChartMogul/Baremetrics); `forever` = only forever coupons
 * (Stripe's dashboard); `none` = list prices.
 */
export type DiscountPolicy = "recurring" | "forever" | "none";

export interface RevenueRules {
  /** price id → role; wins over everything else */
  priceRoles: Record<string, ItemRole>;
  /** product metadata key whose value is a role (base, usage, addon_prompts, addon_other) */
  productRoleMetadataKey: string;
  countedStatuses: string[];
  discountPolicy: DiscountPolicy;
  /** USD per unit of another currency (lower-case code), e.g. { eur: 1.08 } */
  fxRates: Record<string, number>;
  maxNetworkRetries: number;
  /** days before the as-of within which the most recent closed invoice is looked for */
  usageLookbackDays: number;
}

export const DEFAULT_RULES: RevenueRules = {
  priceRoles: {},
  productRoleMetadataKey: "pricing_role",
  countedStatuses: ["active", "past_due"],
  discountPolicy: "recurring",
  fxRates: {},
  maxNetworkRetries: 2,
  usageLookbackDays: 35,
};

const ROLES: ItemRole[] = ["base", "usage", "addon_prompts", "addon_other"];

/**
 * Name patterns for Helicone's price families (production-schema.md), tried on the product name
 * and the price nickname/id when neither configuration nor metadata says. Order matters: the
 * prompts add-on before anything that merely mentions a plan.
 */
const NAME_PATTERNS: [RegExp, ItemRole][] = [
  [/prompt/i, "addon_prompts"],
  [/experiment|eval|alert/i, "addon_other"],
  [/request[-_ ]?volume|overage|usage|storage/i, "usage"],
  [
    /pro[-_ ]?users|team[-_ ]?bundle|^pro\b|^team\b|pro-\d{8}|team-\d{8}|growth|enterprise|seat|plan/i,
    "base",
  ],
];

export function classifyItem(
  price: PriceLite,
  product: ProductLite | undefined,
  rules: RevenueRules,
): ItemRole {
  const configured = rules.priceRoles[price.id];
  if (configured) return configured;
  const fromMetadata = product?.metadata[rules.productRoleMetadataKey] as ItemRole | undefined;
  if (fromMetadata && ROLES.includes(fromMetadata)) return fromMetadata;
  for (const name of [product?.name, price.nickname, price.id]) {
    if (!name) continue;
    for (const [pattern, role] of NAME_PATTERNS) {
      if (pattern.test(name)) {
        // A metered price is usage whatever its name says (e.g. "Pro plan request volume").
        return price.recurring?.usage_type === "metered" ? "usage" : role;
      }
    }
  }
  return price.recurring?.usage_type === "metered" ? "usage" : "unknown";
}

/** `PRICING_STRIPE_PRICE_ROLES=price_123:base,price_456:addon_prompts` and friends. */
export function revenueRulesFromEnv(env: Record<string, string | undefined>): RevenueRules {
  const rules: RevenueRules = { ...DEFAULT_RULES, priceRoles: {}, fxRates: {} };
  for (const pair of (env.PRICING_STRIPE_PRICE_ROLES ?? "").split(",").filter((p) => p.trim())) {
    const [priceId, role] = pair.split(":").map((s) => s.trim());
    if (!priceId || !ROLES.includes(role as ItemRole)) {
      throw new UserError(
        `PRICING_STRIPE_PRICE_ROLES entry ${
          JSON.stringify(pair)
        } must be price_id:role with role one of ${ROLES.join(", ")}`,
      );
    }
    rules.priceRoles[priceId] = role as ItemRole;
  }
  if (env.PRICING_STRIPE_ROLE_METADATA_KEY) {
    rules.productRoleMetadataKey = env.PRICING_STRIPE_ROLE_METADATA_KEY;
  }
  if (env.PRICING_STRIPE_COUNTED_STATUSES) {
    rules.countedStatuses = env.PRICING_STRIPE_COUNTED_STATUSES.split(",").map((s) => s.trim())
      .filter(Boolean);
  }
  const policy = env.PRICING_STRIPE_DISCOUNTS;
  if (policy) {
    if (policy !== "recurring" && policy !== "forever" && policy !== "none") {
      throw new UserError(
        `PRICING_STRIPE_DISCOUNTS must be recurring, forever or none, got ${
          JSON.stringify(policy)
        }`,
      );
    }
    rules.discountPolicy = policy;
  }
  for (const pair of (env.PRICING_FX_RATES ?? "").split(",").filter((p) => p.trim())) {
    const [currency, rate] = pair.split(":").map((s) => s.trim());
    const value = Number(rate);
    if (!/^[A-Za-z]{3}$/.test(currency ?? "") || !(value > 0)) {
      throw new UserError(
        `PRICING_FX_RATES entry ${
          JSON.stringify(pair)
        } must be CUR:rate (USD per unit), e.g. EUR:1.08`,
      );
    }
    rules.fxRates[currency.toLowerCase()] = value;
  }
  if (env.PRICING_STRIPE_MAX_RETRIES) {
    const retries = Number(env.PRICING_STRIPE_MAX_RETRIES);
    if (!Number.isInteger(retries) || retries < 0 || retries > 10) {
      throw new UserError("PRICING_STRIPE_MAX_RETRIES must be a whole number from 0 to 10");
    }
    rules.maxNetworkRetries = retries;
  }
  return rules;
}
