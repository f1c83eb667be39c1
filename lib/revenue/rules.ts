/**
 * Revenue rules: what an item is (base plan, usage, prompts add-on, other add-on), which
 * subscriptions count, how discounts and currencies are treated, and how politely Stripe is read.
 * Every rule is a setting with a documented default; `revenueConfigFromEnv` reads them.
 */
import { settingNumber, UserError } from "../core/config.ts";
import { nearestName } from "../core/nearest_name.ts";
import type { PriceLite, ProductLite } from "./stripe_objects.ts";

export type ItemRole = "base" | "usage" | "addon_prompts" | "addon_other" | "unknown";

/**
 * Which discounts count as recurring: `recurring` (default) = forever, and repeating ones that
 * covered the invoice of the billing period under way at the as-of (ChartMogul/Baremetrics; a
 * yearly plan's whole year when its first invoice was discounted: discountCounts); `forever` =
 * only forever coupons (Stripe's dashboard); `none` = list prices. `once` coupons never count.
 */
export type DiscountPolicy = "recurring" | "forever" | "none";

/** What each discount policy takes off, in the words the brief and the dictionary use. */
export const DISCOUNT_POLICY_WORDS: Record<DiscountPolicy, string> = {
  recurring:
    "forever discounts and repeating ones that covered the invoice of the billing period under way come off, once ones do not",
  forever: "only forever discounts come off, as Stripe's dashboard counts",
  none: "no discount comes off: list prices",
};

/** A product-name pattern (case-insensitive regular expression) and the role it means. */
export interface NamePattern {
  pattern: string;
  role: Exclude<ItemRole, "unknown">;
}

export interface RevenueRules {
  /** price id → role; wins over everything else */
  priceRoles: Record<string, Exclude<ItemRole, "unknown">>;
  /** product metadata key whose value is a role (base, usage, addon_prompts, addon_other) */
  productRoleMetadataKey: string;
  /** tried on product name, price nickname and price id before the built-in patterns */
  namePatterns: NamePattern[];
  countedStatuses: string[];
  discountPolicy: DiscountPolicy;
  /** USD per unit of another currency (lower-case code), e.g. { eur: 1.08 } */
  fxRates: Record<string, number>;
  /** retries of 5xx, 409 and network errors (refused, reset, cut off, timed out), with backoff */
  maxNetworkRetries: number;
  /** seconds one Stripe request attempt may take before it counts as a network error */
  timeoutSeconds: number;
  /** retries of a rate-limited (429) request, after Retry-After */
  maxRateLimitRetries: number;
  /** Stripe requests in flight at once */
  concurrency: number;
  /** days before the as-of within which the most recent closed invoice is looked for */
  usageLookbackDays: number;
  /** prices the lists leave open (tiers, currency options) are looked up one by one up to this
   * many; beyond it, every recurring price is listed (100 per call). 1 keeps a cold run within
   * its call bound (fetch.ts) */
  lookupLimit: number;
  /** the Stripe product of prepaid PTB credits (token usage); null = PTB revenue unknown */
  ptbProductId: string | null;
}

export const DEFAULT_RULES: RevenueRules = {
  priceRoles: {},
  productRoleMetadataKey: "pricing_role",
  namePatterns: [],
  countedStatuses: ["active", "past_due"],
  discountPolicy: "recurring",
  fxRates: {},
  maxNetworkRetries: 2,
  maxRateLimitRetries: 5,
  timeoutSeconds: 30,
  concurrency: 4,
  usageLookbackDays: 35,
  lookupLimit: 1,
  ptbProductId: null,
};

/** Every subscription status Stripe has; PRICING_STRIPE_COUNTED_STATUSES picks from these. */
export const SUBSCRIPTION_STATUSES = [
  "active",
  "past_due",
  "trialing",
  "incomplete",
  "incomplete_expired",
  "unpaid",
  "canceled",
  "paused",
];

const ROLES: Exclude<ItemRole, "unknown">[] = ["base", "usage", "addon_prompts", "addon_other"];
const isRole = (value: unknown): value is Exclude<ItemRole, "unknown"> =>
  ROLES.includes(value as Exclude<ItemRole, "unknown">);

/** Fills the unset rules with the defaults (copies, so callers can mutate the result). */
export function resolveRules(partial: Partial<RevenueRules> = {}): RevenueRules {
  const defined = Object.fromEntries(
    Object.entries(partial).filter(([, value]) => value !== undefined),
  );
  return {
    ...DEFAULT_RULES,
    ...defined,
    priceRoles: { ...(partial.priceRoles ?? DEFAULT_RULES.priceRoles) },
    namePatterns: [...(partial.namePatterns ?? DEFAULT_RULES.namePatterns)],
    countedStatuses: [...(partial.countedStatuses ?? DEFAULT_RULES.countedStatuses)],
    fxRates: { ...(partial.fxRates ?? DEFAULT_RULES.fxRates) },
  };
}

/**
 * Built-in name patterns for Helicone's price families (production-schema.md): pro-users,
 * team_bundle, pro-/team-20251210, request-volume, storage, and the prompts / experiments /
 * evals / alerts add-ons. Order matters: the prompts add-on before anything that merely mentions
 * a plan.
 */
const BUILT_IN_PATTERNS: [RegExp, Exclude<ItemRole, "unknown">][] = [
  [/prompt/i, "addon_prompts"],
  [/experiment|eval|alert/i, "addon_other"],
  [/request[-_ ]?volume|overage|usage|storage/i, "usage"],
  [
    /pro[-_ ]?users|team[-_ ]?bundle|^pro\b|^team\b|pro-\d{8}|team-\d{8}|growth|enterprise|seat|plan/i,
    "base",
  ],
];

const compiled = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let value = compiled.get(pattern);
  if (!value) compiled.set(pattern, value = new RegExp(pattern, "i"));
  return value;
}

/**
 * The role of a recurring price: configured price id, then product metadata, then configured
 * name patterns, then the built-in ones (each tried on the product name, price nickname and
 * price id). A metered price is usage whatever its name says: it has no fixed monthly amount,
 * what it billed is read from invoices.
 */
export function classifyItem(
  price: PriceLite,
  { product, rules }: { product: ProductLite | undefined; rules: RevenueRules },
): ItemRole {
  if (price.recurring?.usage_type === "metered") return "usage";
  const configured = rules.priceRoles[price.id];
  if (configured) return configured;
  const fromMetadata = product?.metadata[rules.productRoleMetadataKey];
  if (isRole(fromMetadata)) return fromMetadata;
  const names = [product?.name, price.nickname, price.id].filter((n): n is string => !!n);
  for (const { pattern, role } of rules.namePatterns) {
    if (names.some((name) => regex(pattern).test(name))) return role;
  }
  for (const name of names) {
    for (const [pattern, role] of BUILT_IN_PATTERNS) {
      if (pattern.test(name)) return role;
    }
  }
  return "unknown";
}

type Env = Record<string, string | undefined>;

/** Splits `a:b,c:d` at the LAST colon of each entry. */
function pairs(value: string | undefined, separator = ","): [string, string, string][] {
  return (value ?? "").split(separator).map((entry) => entry.trim()).filter(Boolean).map(
    (entry) => {
      const colon = entry.lastIndexOf(":");
      return [entry, entry.slice(0, colon).trim(), colon < 0 ? "" : entry.slice(colon + 1).trim()];
    },
  );
}

function wholeNumber(
  env: Env,
  name: string,
  { min, max }: { min: number; max: number },
): number | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  const value = settingNumber(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`${name} must be a whole number from ${min} to ${max}, got ${text}`);
  }
  return value;
}

/**
 * The revenue rules set in the environment (only those set; `resolveRules` adds the defaults).
 * Variables (docs/revenue.md):
 * - PRICING_STRIPE_PRICE_ROLES        `price_123:base,price_456:addon_prompts`
 * - PRICING_STRIPE_ROLE_METADATA_KEY  product metadata key holding a role (pricing_role)
 * - PRICING_STRIPE_NAME_ROLES         `regex:role;regex:role`, on product/price names
 * - PRICING_STRIPE_COUNTED_STATUSES   `active,past_due`
 * - PRICING_STRIPE_DISCOUNTS          recurring | forever | none
 * - PRICING_FX_RATES                  `EUR:1.08,GBP:1.27` (USD per unit)
 * - PRICING_STRIPE_MAX_RETRIES        2   (5xx / 409 / network, with backoff)
 * - PRICING_STRIPE_RATE_LIMIT_RETRIES 5   (429, after Retry-After)
 * - PRICING_STRIPE_TIMEOUT_SECONDS    30  (per request attempt)
 * - PRICING_STRIPE_CONCURRENCY        4
 * - PRICING_STRIPE_USAGE_LOOKBACK_DAYS 35
 * - PRICING_STRIPE_LOOKUP_LIMIT      1
 * - PRICING_STRIPE_PTB_PRODUCT       the token-usage product of prepaid PTB credits (prod_…)
 */
export function revenueRulesConfigFromEnv(env: Env): Partial<RevenueRules> {
  const rules: Partial<RevenueRules> = {};
  if (env.PRICING_STRIPE_PRICE_ROLES?.trim()) {
    rules.priceRoles = {};
    for (const [entry, priceId, role] of pairs(env.PRICING_STRIPE_PRICE_ROLES)) {
      if (!priceId || !isRole(role)) {
        throw new UserError(
          `PRICING_STRIPE_PRICE_ROLES entry ${
            JSON.stringify(entry)
          } must be price_id:role with role one of ${ROLES.join(", ")}`,
        );
      }
      // a second role for one price silently replaced the first
      if (rules.priceRoles[priceId] !== undefined) {
        throw new UserError(
          `PRICING_STRIPE_PRICE_ROLES gives ${priceId} twice (${
            rules.priceRoles[priceId]
          }, ${role}); give each price one role`,
        );
      }
      rules.priceRoles[priceId] = role;
    }
  }
  if (env.PRICING_STRIPE_ROLE_METADATA_KEY?.trim()) {
    rules.productRoleMetadataKey = env.PRICING_STRIPE_ROLE_METADATA_KEY.trim();
  }
  if (env.PRICING_STRIPE_NAME_ROLES?.trim()) {
    rules.namePatterns = pairs(env.PRICING_STRIPE_NAME_ROLES, ";").map(([entry, pattern, role]) => {
      let valid = !!pattern && isRole(role);
      try {
        new RegExp(pattern, "i");
      } catch {
        valid = false;
      }
      if (!valid) {
        throw new UserError(
          `PRICING_STRIPE_NAME_ROLES entry ${
            JSON.stringify(entry)
          } must be regex:role (entries separated by ;) with role one of ${ROLES.join(", ")}`,
        );
      }
      return { pattern, role: role as Exclude<ItemRole, "unknown"> };
    });
  }
  if (env.PRICING_STRIPE_COUNTED_STATUSES?.trim()) {
    const statuses = env.PRICING_STRIPE_COUNTED_STATUSES.split(",").map((s) => s.trim())
      .filter(Boolean);
    const wrong = statuses.filter((s) => !SUBSCRIPTION_STATUSES.includes(s));
    if (wrong.length > 0) {
      const near = nearestName(wrong[0], SUBSCRIPTION_STATUSES);
      throw new UserError(
        `PRICING_STRIPE_COUNTED_STATUSES has ${wrong.join(", ")}${
          near ? ` (did you mean ${near}?)` : ""
        }: use ${SUBSCRIPTION_STATUSES.join(", ")}`,
      );
    }
    rules.countedStatuses = statuses;
  }
  const policy = env.PRICING_STRIPE_DISCOUNTS?.trim();
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
  if (env.PRICING_FX_RATES?.trim()) {
    rules.fxRates = {};
    for (const [entry, currency, rate] of pairs(env.PRICING_FX_RATES)) {
      const value = settingNumber(rate); // (plain decimals, as every setting: not 1e3 or 0x10)
      if (!/^[A-Za-z]{3}$/.test(currency) || !(value > 0) || !Number.isFinite(value)) {
        throw new UserError(
          `PRICING_FX_RATES entry ${
            JSON.stringify(entry)
          } must be CUR:rate (USD per unit), e.g. EUR:1.08`,
        );
      }
      const code = currency.toLowerCase();
      // USD is never converted, and a second rate silently replaced the first
      if (code === "usd") {
        throw new UserError(
          `PRICING_FX_RATES entry ${
            JSON.stringify(entry)
          }: USD amounts are not converted (rates are USD per unit); remove the entry`,
        );
      }
      if (rules.fxRates[code] !== undefined) {
        throw new UserError(
          `PRICING_FX_RATES gives ${currency.toUpperCase()} twice; give one rate per currency`,
        );
      }
      rules.fxRates[code] = value;
    }
  }
  const ptbProduct = env.PRICING_STRIPE_PTB_PRODUCT?.trim();
  if (ptbProduct) {
    if (!/^[A-Za-z0-9_]+$/.test(ptbProduct)) {
      throw new UserError(
        `PRICING_STRIPE_PTB_PRODUCT must be a Stripe product id (e.g. prod_ABC123), got ${
          JSON.stringify(ptbProduct)
        }`,
      );
    }
    rules.ptbProductId = ptbProduct;
  }
  const numbers: [keyof RevenueRules, string, number, number][] = [
    ["maxNetworkRetries", "PRICING_STRIPE_MAX_RETRIES", 0, 10],
    ["maxRateLimitRetries", "PRICING_STRIPE_RATE_LIMIT_RETRIES", 0, 20],
    ["timeoutSeconds", "PRICING_STRIPE_TIMEOUT_SECONDS", 1, 600],
    ["concurrency", "PRICING_STRIPE_CONCURRENCY", 1, 20],
    ["usageLookbackDays", "PRICING_STRIPE_USAGE_LOOKBACK_DAYS", 1, 400],
    ["lookupLimit", "PRICING_STRIPE_LOOKUP_LIMIT", 0, 10_000],
  ];
  for (const [key, name, min, max] of numbers) {
    const value = wholeNumber(env, name, { min, max });
    if (value !== undefined) (rules as Record<string, unknown>)[key] = value;
  }
  return rules;
}

/** The full rules from the environment: set variables over the defaults. */
export function revenueRulesFromEnv(env: Env): RevenueRules {
  return resolveRules(revenueRulesConfigFromEnv(env));
}
