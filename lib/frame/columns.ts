/**
 * The one table of export columns. CSV column order, XLSX cell formats, the data dictionary
 * sheet and the Markdown brief are all generated from it: add a column here first.
 *
 * The first 24 are the spec's columns in the spec's order (pricing-export-spec.md); extras follow.
 * Names ending in `_30d` cover the export window, `[as_of - days, as_of)`, 30 days by default.
 * What the as-of does to each column is in lib/frame/as_of.ts, appended to its description.
 */
import { withAsOfEffect } from "./as_of.ts";
import type { ColumnDef } from "./column_def.ts";

export type { ColumnDef, ColumnSource, ColumnType, ColumnUnit, WindowBasis } from "./column_def.ts";

const spec = true;
const extra = false;

const COLUMN_TABLE: readonly ColumnDef[] = [
  // ── Core ──────────────────────────────────────────────────────────────────────────────
  {
    name: "org_id",
    type: "string",
    unit: "id",
    source: "PostgreSQL",
    formula: "organization.id",
    description: "Organization UUID.",
    spec,
  },
  {
    name: "org_name",
    type: "string",
    unit: "text",
    source: "PostgreSQL",
    formula: "organization.name",
    description:
      "Organization name (user-controlled; text starting with = + - @ tab or CR, or with ' before one of those, is prefixed with ' so spreadsheets do not run it as a formula).",
    spec,
  },
  {
    name: "tier",
    type: "string",
    unit: "text",
    source: "PostgreSQL",
    formula: "family of organization.tier: free | pro | team | growth | enterprise | other",
    description:
      "Pricing tier family derived from the dated raw tier (pro-20251210 → pro, team-20250130 → team); null tier counts as free. The raw value is in tier_raw. Demo organizations are excluded.",
    spec,
  },
  {
    name: "created_at",
    type: "datetime",
    unit: "timestamp (UTC)",
    source: "PostgreSQL",
    formula: "organization.created_at",
    description: "When the organization was created (ISO 8601, UTC); empty where unknown.",
    spec,
  },
  {
    name: "stripe_customer_id",
    type: "string",
    unit: "id",
    source: "PostgreSQL",
    formula: "organization.stripe_customer_id",
    description: "Stripe customer id; empty if the organization has none.",
    spec,
  },
  // ── Team / seats ──────────────────────────────────────────────────────────────────────
  {
    name: "seats",
    type: "integer",
    unit: "count",
    source: "PostgreSQL",
    formula: "count(distinct organization_member.member) joined before the as-of",
    description: "Members of the organization (every role counts as a seat).",
    spec,
  },
  {
    name: "active_users_30d",
    type: "integer",
    unit: "count",
    source: "PostgreSQL",
    formula: "members with auth.users.last_sign_in_at in [as_of - days, as_of)",
    description:
      "Members who signed in during the window. Supabase's last_sign_in_at is the only activity timestamp production has (user_settings.last_active does not exist).",
    spec,
  },
  // ── Usage ─────────────────────────────────────────────────────────────────────────────
  {
    name: "requests_30d",
    type: "integer",
    unit: "count",
    source: "ClickHouse",
    formula: "count() FROM request_response_rmt FINAL in the window",
    description:
      "Requests logged in the window, each request counted once (re-inserted versions are deduplicated with FINAL). 0 when the organization sent none.",
    spec,
  },
  {
    name: "llm_cost_30d",
    type: "number",
    unit: "USD",
    source: "ClickHouse",
    formula: "sum(cost) / 1e9 FROM request_response_rmt FINAL in the window",
    description:
      "Provider cost of the window's requests in USD. For BYOK traffic the customer pays the provider, so this is not a cost to the company; llm_cost_ptb_30d is the part that is.",
    spec,
  },
  {
    name: "prompts_created",
    type: "integer",
    unit: "count",
    source: "PostgreSQL",
    formula: "live rows of prompts_2025 + prompt_v2 (null soft_delete = live)",
    description:
      "Prompts the organization has (not deleted), created before the as-of. prompt_v3 named by the spec does not exist in production.",
    spec,
  },
  {
    name: "prompts_used_30d",
    type: "integer",
    unit: "count",
    source: "ClickHouse",
    formula: "countIf(prompt_id != '') in the window",
    description: "Requests in the window that used a stored prompt.",
    spec,
  },
  // ── Revenue ───────────────────────────────────────────────────────────────────────────
  {
    name: "mrr",
    type: "number",
    unit: "USD per month",
    source: "Stripe",
    formula: "base_subscription + usage_charges + addon_prompts + addon_other",
    description:
      "The spec's MRR: recurring items normalised to a month plus the last closed period's metered usage, per month of that period. Industry MRR (recurring only) is mrr_recurring. Empty when revenue was not fetched or could not be converted to USD (revenue_source none or unconverted; shared_customer: on another organization's row).",
    spec,
  },
  {
    name: "base_subscription",
    type: "number",
    unit: "USD per month",
    source: "Stripe",
    formula: "monthly amount of items whose role is base (e.g. $20 × seats on pro-users)",
    description: "Base plan revenue per month after recurring discounts.",
    spec,
  },
  {
    name: "usage_charges",
    type: "number",
    unit: "USD per month",
    source: "Stripe",
    formula:
      "metered lines (whatever metered price they are on now) of the most recent paid or open billing-cycle invoice and of the threshold invoices of the period it closes (last 35 days, × the billing period's months for longer periods), net of counted discounts and included tax, ÷ months in the billing period",
    description:
      "What Stripe billed for metered usage (request overages, storage) in the most recent closed period, per month of it, billing-threshold invoices of that period included: a quarterly plan's usage invoice counts a third of its amount, and keeps counting until the next cycle's invoice (the look-back, 35 days by default, stretched × the period's months: 105 days for a quarter, 420 for a year); week × 52/12, day × 365/12 like base prices. Metered prices have no fixed monthly amount.",
    spec,
  },
  {
    name: "addon_prompts",
    type: "number",
    unit: "USD per month",
    source: "Stripe",
    formula: "monthly amount of items whose role is addon_prompts",
    description: "Prompts add-on revenue per month ($50 list); 0 when the item is at quantity 0.",
    spec,
  },
  // ── Customer type ─────────────────────────────────────────────────────────────────────
  {
    name: "is_ptb",
    type: "boolean",
    unit: "flag",
    source: "ClickHouse",
    formula: "sum(organization_ptb_spend.spend) > 0",
    description:
      "Has ever had pass-through-billing (AI Gateway) spend. All time, not the window: an organization can be is_ptb with no requests in the window.",
    spec,
  },
  {
    name: "is_byok",
    type: "boolean",
    unit: "flag",
    source: "Derived",
    formula: "non-PTB requests in the window > 0",
    description: "Sent bring-your-own-key (non pass-through) requests in the window.",
    spec,
    window: "window",
  },
  {
    name: "has_gateway_only",
    type: "boolean",
    unit: "flag",
    source: "Derived",
    formula: "PTB requests in the window > 0 and non-PTB requests in the window = 0",
    description:
      "Gateway-only: PTB requests and no BYOK requests in the window (the spec's column table; its BYOK SQL has this backwards).",
    spec,
    window: "window",
  },
  // ── Calculated metrics ────────────────────────────────────────────────────────────────
  {
    name: "cost_per_seat",
    type: "number",
    unit: "USD per seat",
    source: "Derived",
    formula: "llm_cost_30d / seats",
    description: "LLM cost per seat in the window; empty when seats is 0.",
    spec,
    window: "window",
  },
  {
    name: "revenue_per_seat",
    type: "number",
    unit: "USD per seat",
    source: "Derived",
    formula: "mrr / seats",
    description:
      "MRR per seat; empty when seats is 0 or mrr is empty. On the row of a Stripe customer several organizations share (the others read revenue_source shared_customer), mrr is the whole customer's against this organization's seats only: group by stripe_customer_id before judging a customer.",
    spec,
  },
  {
    name: "cost_per_request",
    type: "number",
    unit: "USD per request",
    source: "Derived",
    formula: "llm_cost_30d / requests_30d",
    description: "LLM cost per request; empty when requests_30d is 0.",
    spec,
    window: "window ratio",
  },
  {
    name: "revenue_per_request",
    type: "number",
    unit: "USD per request",
    source: "Derived",
    formula: "mrr / requests_30d",
    description:
      "MRR per request; empty when requests_30d is 0 or mrr is empty. On the row of a Stripe customer several organizations share (the others read revenue_source shared_customer), mrr is the whole customer's against this organization's requests only: group by stripe_customer_id before judging a customer. With a window other than 30 days (--days N), requests_30d is put on a 30-day basis (× 30 / N) to match monthly mrr.",
    spec,
    window: "30-day basis",
  },
  {
    name: "gross_margin_pct",
    type: "number",
    unit: "percent",
    source: "Derived",
    formula: "(mrr - llm_cost_30d) / mrr * 100",
    description:
      "Gross margin in percent (can be far below -100); empty when mrr is 0 or empty. On the row of a Stripe customer several organizations share (the others read revenue_source shared_customer), mrr is the whole customer's against this organization's LLM cost only: group by stripe_customer_id before judging a customer. Uses all LLM cost as the spec does; see llm_cost_ptb_30d for the part the company pays. With a window other than 30 days (--days N), llm_cost_30d is put on a 30-day basis (× 30 / N) to match monthly mrr.",
    spec,
    window: "30-day basis",
  },
  {
    name: "seat_utilization_pct",
    type: "number",
    unit: "percent",
    source: "Derived",
    formula: "active_users_30d / seats * 100",
    description: "Share of seats that signed in during the window; empty when seats is 0.",
    spec,
    window: "window",
  },
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
    description: "Pass-through-billing (AI Gateway) requests in the window.",
    spec: extra,
  },
  {
    name: "byok_requests_30d",
    type: "integer",
    unit: "count",
    source: "ClickHouse",
    formula: "countIf(is_passthrough_billing = 0) in the window",
    description: "Bring-your-own-key requests in the window.",
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
    description: "LLM cost of BYOK requests: paid by the customer to the provider.",
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
      "All-time pass-through-billing spend (the source of is_ptb), as the materialized view feeding organization_ptb_spend summed it: every inserted version of a PTB request counts, so a request re-inserted by a score update or cost backfill is summed once per version and the figure can exceed the deduplicated spend (llm_cost_ptb_30d counts each request once).",
    spec: extra,
  },
  {
    name: "mrr_recurring",
    type: "number",
    unit: "USD per month",
    source: "Stripe",
    formula: "base_subscription + addon_prompts + addon_other (no metered usage)",
    description:
      "Industry-standard MRR (Stripe, ChartMogul, Lago): recurring items only, comparable with Stripe's dashboard.",
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
      "Stripe statuses of the customer's subscriptions (counted or not); paused also for one Stripe keeps active whose payment collection is paused (pause_collection), not counted by default.",
    spec: extra,
  },
  {
    name: "billing_interval",
    type: "string",
    unit: "text",
    source: "Stripe",
    formula: "interval × interval_count of the counted subscriptions (month, year, 3 month …)",
    description: "Billing interval(s) of the counted subscriptions.",
    spec: extra,
  },
  {
    name: "currency",
    type: "string",
    unit: "text",
    source: "Stripe",
    formula: "subscription currency (upper case)",
    description:
      "Currency of the counted subscriptions. Revenue columns are USD; non-USD amounts are converted with configured rates or left empty with a warning.",
    spec: extra,
  },
  {
    name: "stripe_plan_names",
    type: "string",
    unit: "text",
    source: "Stripe",
    formula: "product names of the counted subscriptions' items (items at quantity 0 left out)",
    description: "Stripe product names on the counted subscriptions, comma-separated.",
    spec: extra,
  },
  {
    name: "cancel_at_period_end",
    type: "boolean",
    unit: "flag",
    source: "Stripe",
    formula: "any counted subscription has cancel_at_period_end or a future cancel_at",
    description: "Scheduled churn: still counted in MRR until the period ends.",
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
      "The priced plan version behind tier_raw, e.g. pro (seat, legacy) for pro, pro-20240913 or pro-20250202 ($20 a seat) vs pro 2025-12-10 ($79 flat). A plan holds every tier it matches: in the default price book pro (seat, legacy) also holds the growth tier, and a tier the kit does not know (tier other) is unknown tier (no plan), never free.",
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
      "What the price book charges the organization per month: seats or flat fee, the usage the plan prices itself (per request, % of LLM cost) and add-ons, at least the plan's minimum. Usage a plan lists under meteredPrices is billed by Stripe (usage_charges) and not in it (the default book's plans), so there mrr − list_price_mrr shows discounts, grandfathered prices and billed usage. Empty for enterprise contracts and unknown tiers (no list price). A plan priced on usage reads the window's usage on a 30-day basis (× 30 / N for --days N).",
    spec: extra,
    window: "30-day basis",
  },
  {
    name: "ptb_revenue_30d",
    type: "number",
    unit: "USD",
    source: "Stripe",
    formula:
      "credits bought in the window (PaymentIntents on the token-usage product, creditsAmountCents) + ptb_usage invoices created in the window, paid or open, net of tax",
    description:
      "Pass-through-billing revenue in the window: credits carry no markup and Stripe's fee line is passed on, not revenue. Cash in the window, not usage: credits are counted when bought, while llm_cost_ptb_30d is the window's usage, whenever its credits were bought, so an organization spending earlier credits has PTB cost and 0 here (over months the two match). 0 without a Stripe customer; empty when PTB revenue was not read (the brief says so).",
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
];

/** A `_30d` column holds the window's figure unless the table says otherwise. */
function withWindowBasis(def: ColumnDef): ColumnDef {
  return def.name.endsWith("_30d") && !def.window ? { ...def, window: "window" } : def;
}

/**
 * The table, each description followed by what the as-of does to the column, each `_30d` column
 * marked as a window figure.
 */
export const COLUMNS: readonly ColumnDef[] = COLUMN_TABLE.map(withAsOfEffect).map(withWindowBasis);

export const COLUMN_NAMES: readonly string[] = COLUMNS.map((c) => c.name);

/**
 * The five numbers a pricing reader looks at first: the brief gives their distributions, a
 * comparison their old and new values beside the deltas.
 */
export const HEADLINE_COLUMNS = [
  "seats",
  "requests_30d",
  "llm_cost_30d",
  "mrr",
  "gross_margin_pct",
] as const;
export const SPEC_COLUMN_NAMES: readonly string[] = COLUMNS.filter((c) => c.spec).map((c) =>
  c.name
);

export function columnDef(name: string): ColumnDef {
  const def = COLUMNS.find((c) => c.name === name);
  if (!def) throw new Error(`unknown export column: ${name}`);
  return def;
}
