/**
 * The brief's "Read with care" lines that hold for every export, and the one on shared Stripe
 * customers, written only when some are shared (lib/report/brief.ts).
 */

/** Caveats of every brief. */
export const CAVEATS = [
  "An empty cell means unknown or not applicable, never zero. Do not read an empty `mrr` as $0: revenue was not fetched for that organization, could not be converted to USD, or is on another organization's row (`revenue_source` says which).",
  "`llm_cost_30d` is the provider cost of all of an organization's requests. For bring-your-own-key (BYOK) traffic the customer pays the provider, so it is not a cost to the company; `llm_cost_ptb_30d` is the part the company pays (pass-through billing). `gross_margin_pct` uses all LLM cost, as the spec defines it, so it understates margins of BYOK-heavy customers.",
  "`mrr` is the spec's MRR: recurring items normalised to a month plus metered usage. `usage_charges` is what Stripe billed for the most recent closed period, per month of it (a quarterly plan's ÷ 3), not the export window. `mrr_recurring` leaves usage out (the industry's MRR; Stripe's dashboard takes off forever coupons only, as PRICING_STRIPE_DISCOUNTS=forever does, so under the default it can read lower by repeating coupons).",
  "`is_ptb` is all-time pass-through spend; `is_byok` and `has_gateway_only` describe the window. An organization can be `is_ptb` with no requests in the window.",
  "`has_gateway_only` follows the spec's column table (PTB requests and no BYOK requests); the spec's BYOK SQL had it backwards.",
  "`active_users_30d` counts members whose last sign-in falls in the window (the only activity timestamp production has).",
  "`prompts_created` counts live prompts of both prompt tables (prompts_2025 and the legacy prompt_v2); the spec's prompt_v3 does not exist.",
  "Seats are organization members of every role. `tier` is the family of the raw, dated tier (`tier_raw`, e.g. pro-20251210 → pro); demo organizations and deleted organizations are excluded.",
];

/**
 * The caveat on Stripe customers several organizations share: only when some are (Totals has their
 * line then; with none, a caveat about them would send the reader looking for it).
 */
export const SHARED_CUSTOMER_CAVEAT =
  "A Stripe customer several organizations share has its revenue on one of their rows only (the paying one: highest tier, then newest; the others read `revenue_source` shared_customer, money empty), so that row's `gross_margin_pct`, `gross_margin_company_pct`, `revenue_per_seat` and `revenue_per_request` set the whole customer's revenue against one organization's cost, seats and requests. For per-customer questions (most and least profitable customers, underpriced, churn risk) group by `stripe_customer_id` first and sum revenue and cost over the group; Totals counts these customers.";
