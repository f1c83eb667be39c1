/**
 * The spec's 24 export columns in the spec's order (pricing-export-spec.md): the first part of the
 * column table, which lib/frame/columns.ts puts together with the kit's extras
 * (lib/frame/extra_columns.ts).
 */
import type { ColumnDef } from "./column_def.ts";
import { TIER_VALUES } from "./tiers.ts";

const spec = true;

export const SPEC_COLUMN_TABLE: readonly ColumnDef[] = [
  // ── Core ──────────────────────────────────────────────────────────────────────────────
  {
    name: "org_id",
    type: "string",
    unit: "id",
    source: "PostgreSQL",
    formula: "organization.id",
    description: "Organization UUID; soft-deleted and demo-tier organizations are not exported.",
    spec,
  },
  {
    name: "org_name",
    type: "string",
    unit: "text",
    source: "PostgreSQL",
    formula: "organization.name",
    description:
      "Organization name (user-controlled; text starting with = + - @ tab or CR, or with ', spaces or NUL before one of those, is prefixed with ' so spreadsheets do not run it as a formula).",
    spec,
  },
  {
    name: "tier",
    type: "string",
    unit: "text",
    source: "PostgreSQL",
    formula: `family of organization.tier: ${TIER_VALUES.join(" | ")}`,
    values: TIER_VALUES,
    description:
      "Pricing tier family derived from the dated raw tier (pro-20251210 → pro, team-20250130 → team); a null or empty tier counts as free. The raw value is in tier_raw. The spec lists free/pro/team/enterprise/demo: demo organizations are excluded (as the spec's SQL does), growth, a tier production has, is a family of its own, and a tier the kit does not know is other, not guessed.",
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
    description:
      "Stripe customer id, without blanks around it (Stripe ids have none); empty if the organization has none. The spec says null if no subscription: an organization whose customer has no counted subscription (canceled, trialing) keeps its id, with mrr 0 and subscription_status saying why (empty: no subscription then).",
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
      "Requests logged in the window, each request counted once (re-inserted versions are deduplicated with FINAL), cache hits included. 0 when the organization sent none.",
    spec,
  },
  {
    name: "llm_cost_30d",
    type: "number",
    unit: "USD",
    source: "ClickHouse",
    formula: "sum(cost) / 1e9 FROM request_response_rmt FINAL in the window",
    description:
      "Provider cost of the window's requests in USD, cache hits included (at their recorded cost, though no provider is called). For BYOK traffic the customer pays the provider, so this is not a cost to the company; llm_cost_ptb_30d is the part that is.",
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
      "The spec's MRR: recurring items normalised to a month plus the last closed period's metered usage, per month of that period, of the counted subscriptions (status in PRICING_STRIPE_COUNTED_STATUSES, active and past_due by default), net of tax included in prices and of the discounts PRICING_STRIPE_DISCOUNTS counts (see base_subscription). Parts are rounded to the cent; mrr is their sum. Industry MRR (recurring only) is mrr_recurring. Empty when revenue was not fetched or could not be converted to USD (revenue_source none or unconverted; shared_customer: on another organization's row).",
    spec,
  },
  {
    name: "base_subscription",
    type: "number",
    unit: "USD per month",
    source: "Stripe",
    formula: "monthly amount of items whose role is base (e.g. $20 × quantity on pro-users)",
    description:
      "Base plan revenue per month, net of the discounts PRICING_STRIPE_DISCOUNTS counts: by default (recurring) forever discounts and repeating ones that covered the invoice of the billing period under way (a 3-month coupon on a yearly plan's first invoice: that whole year), not once ones; forever = forever ones only, as Stripe's dashboard; none = list prices. The brief's Scope and the manifest's revenue.discount_policy name the run's setting.",
    spec,
  },
  {
    name: "usage_charges",
    type: "number",
    unit: "USD per month",
    source: "Stripe",
    formula:
      "metered lines (whatever metered price they are on now) of a counted subscription's most recent paid or open billing-cycle invoice and of the threshold invoices of the period it closes (last 35 days, × the billing period's months for longer periods), net of counted discounts and included tax, ÷ months in the billing period",
    description:
      "What Stripe billed for metered usage (request overages, storage) in the most recent closed period, per month of it, billing-threshold invoices of that period included: a quarterly plan's usage invoice counts a third of its amount, and keeps counting until the next cycle's invoice (the look-back, 35 days by default, stretched × the period's months: 105 days for a quarter, 420 for a year); week × 52/12, day × 365/12 like base prices. A billing threshold that resets the billing cycle (reset_billing_cycle_anchor) ends the period: its invoice closes it as a cycle invoice does. Metered prices have no fixed monthly amount.",
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
      "Has ever had pass-through-billing (AI Gateway) spend. All time, not the window: an organization can be is_ptb with no requests in the window. Empty where ptb_spend_all_time is unknown (a NaN or infinite spend in ClickHouse, counted in a warning).",
    spec,
  },
  {
    name: "is_byok",
    type: "boolean",
    unit: "flag",
    source: "Derived",
    formula: "non-PTB requests in the window > 0",
    description:
      "Sent bring-your-own-key (non pass-through) requests in the window. Empty where byok_requests_30d is unknown (a NaN or infinite count from a query, counted in a warning).",
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
      "Gateway-only: PTB requests and no BYOK requests in the window (the spec's column table; its BYOK SQL has this backwards). Where ptb_requests_30d or byok_requests_30d is unknown (a NaN or infinite count from a query, counted in a warning): false when the other count decides it (no PTB requests, or BYOK requests), else empty.",
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
];
