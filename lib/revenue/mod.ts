/**
 * The revenue stage's entry (load_revenue.ts): Stripe revenue per customer, from today's cache or a bulk fetch,
 * with the failure policy (auto: export without revenue, loudly; require: fail in one line).
 *
 * Modules: stripe_settings.ts (the revenue mode, the connection settings) · rules.ts (settings,
 * item roles) · stripe_objects.ts (trimmed Stripe objects) · snapshot.ts (objects → snapshot →
 * revenue) · snapshot_warnings.ts (what the revenue left unknown or assumed) · guess_warnings.ts
 * (warnings on guessed prices and subscriptions, mapped customers' or not) · unmapped.ts (customers no
 * organization maps to) · mrr.ts (the pure calculator) · price_facts.ts (what a recurring price
 * bills, its facts once per price) · ptb.ts (pass-through-billing revenue) · fetch.ts (bulk lists,
 * the call bound) · partition.ts (lists as concurrent created ranges) · reader.ts (the SDK client,
 * retries, counting) · cache.ts (daily file) · demo_stripe.ts, demo_catalog.ts, demo_ptb.ts
 * (generated Stripe objects) · stage.ts (the pipeline's revenue stage) · worker.ts (live revenue
 * off the main thread) · pipeline_revenue.ts (the export's worker or stage) · customers.ts (revenue
 * per customer as a frame) · columns.ts (revenue columns) · progress.ts (TTY bar) ·
 * load_revenue.ts (loadRevenue: the cache or a fetch, the failure policy).
 */
export type { CustomerRevenue, PtbSummary, RevenueResult, RevenueSource } from "./types.ts";
export type { DiscountPolicy, ItemRole, NamePattern, RevenueRules } from "./rules.ts";
export { DEFAULT_RULES, resolveRules, revenueRulesFromEnv } from "./rules.ts";
export { demoRevenue, type DemoRevenueOrg } from "./demo_stripe.ts";
export { stderrProgress } from "./progress.ts";
export { describeStripeError, redactKeys } from "./errors.ts";
export {
  requires,
  revenueConfigFromEnv,
  type RevenueMode,
  revenueModeFromFlags,
  stripeSettingsFromEnv,
} from "./stripe_settings.ts";
export {
  defaultCacheDir,
  loadRevenue,
  readCacheComputeAhead,
  type RevenueOptions,
  revenueSummaryLine,
  skippedRevenue,
  todaysCacheBytes,
} from "./load_revenue.ts";
