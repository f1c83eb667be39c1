/**
 * The kit's extra export columns, after the spec's (lib/frame/spec_columns.ts): the second part of
 * the column table (lib/frame/columns.ts). A new column goes at the end of this table (and into
 * lib/frame/earlier_columns.ts, so earlier exports stay readable).
 */
import type { ColumnDef } from "./column_def.ts";

const extra = false;

export const EXTRA_COLUMN_TABLE: readonly ColumnDef[] = [
  // ── Extras (after the spec's columns) ─────────────────────────────────────────────────
  {
    name: "tier_raw",
    type: "string",
    unit: "text",
    source: "PostgreSQL",
    formula: "organization.tier",
    description: "The raw tier value (e.g. pro-20251210); empty when null.",
    spec: extra,
  },
  {
    name: "org_subscription_status",
    type: "string",
    unit: "text",
    source: "PostgreSQL",
    formula: "organization.subscription_status",
    description:
      "Subscription status as Helicone's own database records it (active, inactive, canceled).",
    spec: extra,
  },
  {
    name: "addons_in_metadata",
    type: "string",
    unit: "text",
    source: "PostgreSQL",
    formula: "keys of organization.stripe_metadata.addons that are true, comma-separated",
    description:
      "Add-ons the organization has according to its stored Stripe metadata (prompts, alerts, experiments, evals); available even when Stripe is skipped.",
    spec: extra,
  },
  {
    name: "ptb_requests_30d",
    type: "integer",
    unit: "count",
    source: "ClickHouse",
    formula: "countIf(is_passthrough_billing = 1) in the window",
    description: "Pass-through-billing (AI Gateway) requests in the window, cache hits included.",
    spec: extra,
  },
  {
    name: "byok_requests_30d",
    type: "integer",
    unit: "count",
    source: "ClickHouse",
    formula: "countIf(is_passthrough_billing = 0) in the window",
    description: "Bring-your-own-key requests in the window, cache hits included.",
    spec: extra,
  },
  {
    name: "llm_cost_ptb_30d",
    type: "number",
    unit: "USD",
    source: "ClickHouse",
    formula:
      "sumIf(cost, is_passthrough_billing = 1 AND cache_reference_id = zero UUID) / 1e9 in the window",
    description:
      "LLM cost of pass-through-billing requests: the part the company actually pays. Cache hits (cache_reference_id set) are left out: Helicone answers them from its cache without calling the provider, and production's PTB invoicing leaves them out too; llm_cost_30d keeps them, so llm_cost_ptb_30d + llm_cost_byok_30d can be less than llm_cost_30d.",
    spec: extra,
  },
  {
    name: "llm_cost_byok_30d",
    type: "number",
    unit: "USD",
    source: "ClickHouse",
    formula: "sumIf(cost, is_passthrough_billing = 0) / 1e9 in the window",
    description:
      "LLM cost of BYOK requests: paid by the customer to the provider. Cache hits included.",
    spec: extra,
  },
  {
    name: "ptb_cost_share_pct",
    type: "number",
    unit: "percent",
    source: "Derived",
    formula: "llm_cost_ptb_30d / llm_cost_30d * 100",
    description:
      "Share of the window's LLM cost that is pass-through billed (PTB cache hits in llm_cost_30d only); empty when cost is 0.",
    spec: extra,
    window: "window ratio",
  },
  {
    name: "ptb_spend_all_time",
    type: "number",
    unit: "USD",
    source: "ClickHouse",
    formula: "sum(organization_ptb_spend.spend) / 1e9",
    description:
      "All-time pass-through-billing spend (the source of is_ptb), as the materialized view feeding organization_ptb_spend summed it: every inserted version of a PTB request counts, so a request re-inserted by a score update or cost backfill is summed once per version and the figure can exceed the deduplicated spend (llm_cost_ptb_30d counts each request once). PTB cache hits are summed too.",
    spec: extra,
  },
  {
    name: "mrr_recurring",
    type: "number",
    unit: "USD per month",
    source: "Stripe",
    formula: "base_subscription + addon_prompts + addon_other (no metered usage)",
    description:
      "Industry-standard MRR (Stripe, ChartMogul, Lago): recurring items only; as Stripe's dashboard with PRICING_STRIPE_DISCOUNTS=forever.",
    spec: extra,
  },
  {
    name: "addon_other",
    type: "number",
    unit: "USD per month",
    source: "Stripe",
    formula: "monthly amount of add-ons other than prompts (experiments, evals, alerts, storage …)",
    description:
      "Other add-on revenue per month, plus items of unknown role and licensed (not metered) prices whose role is usage, e.g. a storage package bought by quantity (both reported as warnings).",
    spec: extra,
  },
  {
    name: "subscription_status",
    type: "string",
    unit: "text",
    source: "Stripe",
    formula: "statuses of the customer's subscriptions, comma-separated",
    description:
      "Stripe statuses of the customer's subscriptions (counted or not), at the as-of: active for one canceled after the as-of (it was live then), trialing for one whose trial ended after it (active for one whose trial began after it), one that started after it left out (a customer with none then: empty); paused also for one Stripe keeps active whose payment collection is paused (pause_collection), not counted by default.",
    spec: extra,
  },
  {
    name: "billing_interval",
    type: "string",
    unit: "text",
    source: "Stripe",
    formula: "interval × interval_count of the counted subscriptions (month, year, 3 month …)",
    description: "Billing interval(s) of the counted subscriptions; empty where none is counted.",
    spec: extra,
  },
  {
    name: "currency",
    type: "string",
    unit: "text",
    source: "Stripe",
    formula: "subscription currency (upper case)",
    description:
      "Currency of the counted subscriptions (several: EUR,USD); empty where none is counted. Revenue columns are USD; non-USD amounts are converted with configured rates or left empty with a warning.",
    spec: extra,
  },
  {
    name: "stripe_plan_names",
    type: "string",
    unit: "text",
    source: "Stripe",
    formula: "product names of the counted subscriptions' items (items at quantity 0 left out)",
    description:
      "Stripe product names on the counted subscriptions, comma-separated; empty where none is counted.",
    spec: extra,
  },
  {
    name: "cancel_at_period_end",
    type: "boolean",
    unit: "flag",
    source: "Stripe",
    formula:
      "any counted subscription is set to cancel after the as-of: a future cancel_at (Stripe's for a cancellation at the period's end too), or cancel_at_period_end without one",
    description:
      "Scheduled churn: still counted in MRR until the period ends. Empty where no subscription is counted. At a past as-of, only a cancellation asked by then (canceled_at) counts.",
    spec: extra,
  },
  {
    name: "revenue_source",
    type: "string",
    unit: "text",
    source: "Derived",
    formula: "stripe | cache | demo | no_customer | shared_customer | unconverted | none",
    description:
      "Where the revenue columns come from: a live Stripe fetch, today's Stripe cache, the demo generator (revenue known); no_customer = no stripe_customer_id, so revenue 0; shared_customer = another organization with the same customer id carries its revenue (the one likeliest to pay: the highest tier family (enterprise > team > growth > pro > other > free), then the newest); unconverted = read from Stripe but its amounts could not be put in USD (a currency without a PRICING_FX_RATES rate, or a price with no amount in the subscription's currency; a warning names them): money columns empty, status, currency and plan names filled; none = not fetched (Stripe skipped or failed) or unknown to Stripe, revenue empty.",
    spec: extra,
  },
  // ── Economics (lib/economics/: price book, cost model) ────────────────────────────────
  {
    name: "plan",
    type: "string",
    unit: "text",
    source: "Derived",
    formula: "first price-book plan matching tier / tier_raw (scenarios/current_seat_based.json)",
    description:
      "The priced plan version behind tier_raw, e.g. pro (seat, legacy) for pro, pro-20240913 or pro-20250202 ($20 a seat) vs pro 2025-12-10 ($79 flat). A plan holds every tier it matches: in the default price book pro (seat, legacy) also holds the growth tier, and a tier the kit does not know (tier other) is unknown tier (no plan), never free. Empty where no plan of the price book matches (a book without a plan for the tier: the per-plan table's (none) row; the run warns of them).",
    spec: extra,
  },
  {
    name: "list_price_mrr",
    type: "number",
    unit: "USD per month",
    source: "Derived",
    formula:
      "price book: per seat × seats or flat fee, + usage the plan prices (perRequest, pctOfLlmCost), raised to the plan's minimum, + add-ons at list unless included",
    description:
      "What the price book charges the organization per month: seats or flat fee, the usage the plan prices itself (per request, % of LLM cost) and add-ons (addons_in_metadata's, and prompts where addon_prompts > 0), at least the plan's minimum. Usage a plan lists under meteredPrices is billed by Stripe (usage_charges) and not in it (the default book's plans), so there mrr − list_price_mrr shows discounts, grandfathered prices and billed usage. Empty for enterprise contracts, unknown tiers (no list price) and organizations no plan of the price book matches (plan empty). A plan priced on usage reads the window's usage on a 30-day basis (× 30 / N for --days N).",
    spec: extra,
    window: "30-day basis",
  },
  {
    name: "ptb_revenue_30d",
    type: "number",
    unit: "USD",
    source: "Stripe",
    formula:
      "credits bought in the window (succeeded PaymentIntents on the token-usage product, creditsAmountCents, less refunds) + ptb_usage invoices created in the window, paid or open, net of tax",
    description:
      "Pass-through-billing revenue in the window: credits carry no markup and Stripe's fee line is passed on, not revenue. Cash in the window, not usage: credits are counted when bought, while llm_cost_ptb_30d is the window's usage, whenever its credits were bought, so an organization spending earlier credits has PTB cost and 0 here (over months the two match). 0 without a Stripe customer; empty when PTB revenue was not read (the brief says so), on a shared_customer row, or in a currency without a PRICING_FX_RATES rate.",
    spec: extra,
  },
  {
    name: "company_cost_30d",
    type: "number",
    unit: "USD",
    source: "Derived",
    formula:
      "llm_cost_ptb_30d + requests_30d / 1000 × PRICING_INFRA_USD_PER_1K_REQUESTS (unset = 0)",
    description:
      "What the organization cost the company in the window: the LLM cost of its PTB requests (BYOK requests are paid by the customer; cache hits call no provider) plus infrastructure cost from the cost model (README, manifest).",
    spec: extra,
  },
  {
    name: "gross_margin_company_pct",
    type: "number",
    unit: "percent",
    source: "Derived",
    formula:
      "(mrr + ptb_revenue_30d − company_cost_30d) / (mrr + ptb_revenue_30d) × 100; unread PTB revenue counts as 0 only when llm_cost_ptb_30d is 0",
    description:
      "Gross margin on the company's own cost basis; empty where the denominator is 0 or unknown. On the row of a Stripe customer several organizations share (the others read revenue_source shared_customer), mrr is the whole customer's against this organization's cost and PTB revenue only: group by stripe_customer_id before judging a customer. The spec's gross_margin_pct subtracts all LLM cost, including BYOK cost the customer pays. PTB revenue is the window's cash and PTB cost its usage: an organization spending credits bought before the window reads low or negative here for timing, not price (the run warns of plans this pulls down). With a window other than 30 days (--days N), ptb_revenue_30d and company_cost_30d are put on a 30-day basis (× 30 / N) to match monthly mrr.",
    spec: extra,
    window: "30-day basis",
  },
  {
    name: "requests_cost_unknown_30d",
    type: "integer",
    unit: "count",
    source: "ClickHouse",
    formula: "countIf(cost = 0) in the window",
    description:
      "Requests in the window with no cost recorded (cost 0: a model the gateway does not price, an unknown provider, a cost not yet backfilled; a free request reads the same). Where above 0, llm_cost_30d is a lower bound and gross_margin_pct an upper bound (the company basis: ptb_requests_cost_unknown_30d). 0 without requests in the window: cost is UInt64 in ClickHouse, never NULL, so a missing cost is a 0 and the count is always known.",
    spec: extra,
  },
  {
    name: "ptb_requests_cost_unknown_30d",
    type: "integer",
    unit: "count",
    source: "ClickHouse",
    formula: "countIf(cost = 0, PTB, no cache hit)",
    description:
      "Of requests_cost_unknown_30d, the PTB requests the company pays for (no cache hits): above 0, company_cost_30d is a lower bound and gross_margin_company_pct an upper one.",
    spec: extra,
  },
  {
    name: "unbilled_usage_usd",
    type: "number",
    unit: "USD per month",
    source: "Derived",
    formula:
      "meteredPrices.requests plans, counted subscription, usage_charges and usage_discounts 0: requests_30d (30-day basis) over includedRequests at list bands",
    description:
      "Requests above the plan's included amount (30-day basis) that Stripe billed nothing for before discounts, at list price a month (revenue leakage). usage_charges is the last closed period's. 0: within it, or billed. Empty: not judged (legacy plans, no counted subscription, first billing period not closed, revenue unknown, shared_customer).",
    spec: extra,
    window: "30-day basis",
  },
  {
    name: "usage_discounts",
    type: "number",
    unit: "USD per month",
    source: "Stripe",
    formula:
      "discount_amounts of usage_charges' lines, every discount, ÷ months in the billing period",
    description:
      "What discounts took off usage_charges' metered lines, a month, whether PRICING_STRIPE_DISCOUNTS counts them or not: billed, then discounted, not unbilled.",
    spec: extra,
  },
  {
    // stored in history snapshots only (snapshotOnly): the CSV, the workbook and every reader of
    // an export keep the columns above, byte for byte
    name: "mrr_recurring_minor",
    type: "integer",
    unit: "minor units of currency per month",
    source: "Stripe",
    formula:
      "mrr_recurring's items in the currency column's currency, in its minor units (cents; yen for JPY), summed before any conversion and rounded once",
    description:
      "In history snapshots only, not in the CSV or workbook: recurring MRR in the organization's billing currency as Stripe bills it, an integer of the currency's minor units (9000 = €90.00, 15000 = ¥15,000), so the history's bridge per currency reads it exactly rather than back from USD. 0 without a subscription; empty where another organization's row carries the customer's revenue (shared_customer), revenue was not read (none), or the customer is billed in several currencies at once (EUR,USD) or a price has no amount in its currency. Snapshots written before it came lack it: the bridge per currency derives theirs as USD ÷ the snapshot's FX rate and the report says which.",
    spec: extra,
    snapshotOnly: true,
  },
];
