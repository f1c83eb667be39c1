/**
 * The revenue stage's entry: Stripe revenue per customer, from today's cache or a bulk fetch,
 * with the failure policy (auto: export without revenue, loudly; require: fail in one line).
 */
import { join } from "node:path";
import { UserError } from "../config.ts";
import { cachePath, readCache, writeCache } from "./cache.ts";
import { fetchStripeSnapshot, stripeClient, type StripeSnapshot } from "./fetch.ts";
import { computeCustomerRevenue } from "./mrr.ts";
import { DEFAULT_RULES, type RevenueRules } from "./rules.ts";
import type { CustomerRevenue, RevenueResult, RevenueSource } from "./types.ts";

export type { RevenueResult } from "./types.ts";
export { revenueRulesFromEnv } from "./rules.ts";

export interface RevenueOptions {
  mode: "auto" | "skip" | "refresh" | "require";
  apiKey?: string;
  apiHost?: string;
  apiPort?: number;
  apiProtocol?: "http" | "https";
  cacheDir: string;
  asOf: Date;
  rules?: RevenueRules;
  onProgress?: (subscriptionsSeen: number) => void;
}

/** Stripe connection settings from the environment (documented in README → Revenue). */
export function stripeSettingsFromEnv(env: Record<string, string | undefined>) {
  const port = env.STRIPE_API_PORT ? Number(env.STRIPE_API_PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new UserError("STRIPE_API_PORT must be a port number");
  }
  const protocol = env.STRIPE_API_PROTOCOL;
  if (protocol !== undefined && protocol !== "http" && protocol !== "https") {
    throw new UserError("STRIPE_API_PROTOCOL must be http or https");
  }
  return {
    apiKey: env.STRIPE_SECRET_KEY || undefined,
    apiHost: env.STRIPE_API_HOST || undefined,
    apiPort: port,
    apiProtocol: protocol as "http" | "https" | undefined,
  };
}

function none(warning: string, failed: boolean, durationMs = 0, apiCalls = 0): RevenueResult {
  return {
    source: "none",
    byCustomer: new Map(),
    warnings: [warning],
    apiCalls,
    durationMs,
    failed,
  };
}

/** Revenue per customer from a snapshot of Stripe objects (live, cached or generated). */
export function revenueFromSnapshot(
  snapshot: StripeSnapshot,
  customerIds: string[],
  asOf: Date,
  rules: RevenueRules,
  source: RevenueSource,
): Pick<RevenueResult, "byCustomer" | "warnings" | "source"> {
  const products = new Map(snapshot.products.map((p) => [p.id, p]));
  const subscriptionsByCustomer = Map.groupBy(snapshot.subscriptions, (s) => s.customer);
  const linesByCustomer = Map.groupBy(snapshot.usageLines, (l) => l.customer);
  const byCustomer = new Map<string, CustomerRevenue>();
  const unknownPrices = new Set<string>();
  const unconverted = new Set<string>();
  let withoutSubscriptions = 0;
  for (const customerId of customerIds) {
    const subscriptions = subscriptionsByCustomer.get(customerId) ?? [];
    if (subscriptions.length === 0) withoutSubscriptions++;
    const result = computeCustomerRevenue({
      customerId,
      subscriptions,
      products,
      usageLines: linesByCustomer.get(customerId) ?? [],
      asOf,
    }, rules);
    byCustomer.set(customerId, result.revenue);
    result.unknownPriceIds.forEach((id) => unknownPrices.add(id));
    result.unconvertedCurrencies.forEach((c) => unconverted.add(c));
  }
  const warnings: string[] = [];
  if (unknownPrices.size > 0) {
    warnings.push(
      `Stripe items of unknown role counted in mrr as addon_other (set PRICING_STRIPE_PRICE_ROLES): ${
        [...unknownPrices].sort().join(", ")
      }`,
    );
  }
  if (unconverted.size > 0) {
    warnings.push(
      `revenue left empty for customers billed in ${
        [...unconverted].sort().join(", ")
      }: set PRICING_FX_RATES (e.g. EUR:1.08) to convert`,
    );
  }
  if (withoutSubscriptions > 0) {
    warnings.push(`${withoutSubscriptions} Stripe customers have no subscription (mrr 0)`);
  }
  return { byCustomer, warnings, source };
}

/** One line about a Stripe failure, naming the kind of error; never the key. */
function describeStripeError(error: unknown, apiKey: string): string {
  const e = error as { type?: string; statusCode?: number; message?: string; code?: string };
  const message = String(e.message ?? error).split("\n")[0].replaceAll(apiKey, "***");
  if (e.type === "StripeAuthenticationError" || e.statusCode === 401) {
    return "Stripe rejected STRIPE_SECRET_KEY (401): check the key";
  }
  if (e.type === "StripeRateLimitError" || e.statusCode === 429) {
    return "Stripe kept rate-limiting (429) after retries: try again later";
  }
  if (e.type === "StripeConnectionError") return `cannot reach Stripe: ${message}`;
  return `Stripe request failed (${e.statusCode ?? e.type ?? "error"}): ${message}`;
}

export async function loadRevenue(
  customerIds: string[],
  options: RevenueOptions,
): Promise<RevenueResult> {
  const rules = options.rules ?? DEFAULT_RULES;
  if (options.mode === "skip") {
    return none("Stripe skipped (--skip-stripe): revenue columns are empty", false);
  }
  if (!options.apiKey) {
    if (options.mode === "require") {
      throw new UserError("--require-stripe: STRIPE_SECRET_KEY is not set");
    }
    return none("STRIPE_SECRET_KEY is not set: revenue columns are empty", false);
  }
  const started = performance.now();
  const path = cachePath(options.cacheDir, options.apiKey, options.asOf);
  if (options.mode !== "refresh") {
    const cached = await readCache(path);
    if (cached) {
      return {
        ...revenueFromSnapshot(cached, customerIds, options.asOf, rules, "cache"),
        apiCalls: 0,
        durationMs: Math.round(performance.now() - started),
        failed: false,
      };
    }
  }
  const stats = { apiCalls: 0 };
  try {
    const stripe = stripeClient({
      apiKey: options.apiKey,
      host: options.apiHost,
      port: options.apiPort,
      protocol: options.apiProtocol,
      maxNetworkRetries: rules.maxNetworkRetries,
    }, stats);
    const snapshot = await fetchStripeSnapshot(
      stripe,
      new Set(customerIds),
      options.asOf,
      rules.usageLookbackDays,
      rules.maxNetworkRetries,
      options.onProgress,
    );
    await writeCache(path, snapshot);
    return {
      ...revenueFromSnapshot(snapshot, customerIds, options.asOf, rules, "stripe"),
      apiCalls: stats.apiCalls,
      durationMs: Math.round(performance.now() - started),
      failed: false,
    };
  } catch (error) {
    const line = describeStripeError(error, options.apiKey);
    if (options.mode === "require") throw new UserError(`--require-stripe: ${line}`);
    return none(
      `REVENUE MISSING: ${line}; the export has empty revenue columns (revenue_source = none)`,
      true,
      Math.round(performance.now() - started),
      stats.apiCalls,
    );
  }
}

export function defaultCacheDir(outDir: string): string {
  return join(outDir, ".stripe-cache");
}
