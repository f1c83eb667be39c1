/** The scenario model: the typed description of a pricing model that a scenario JSON file holds. */
import { ALL_PLANS_LABEL, namesTakenFor, NO_PLAN } from "../../core/no_plan.ts";

// ── the model ───────────────────────────────────────────────────────────────────────────────

/** Which LLM cost a percentage applies to: all traffic, pass-through billed only, or BYOK only. */
export type CostBasis = "all" | "ptb" | "byok";
export const COST_BASIS_COLUMNS: Record<CostBasis, string> = {
  all: "llm_cost_30d",
  ptb: "llm_cost_ptb_30d",
  byok: "llm_cost_byok_30d",
};

/** A band of requests in the window; `upTo` is inclusive, null = no upper bound (last tier). */
export interface RequestTier {
  upTo: number | null;
  usdPer1k: number;
}

export interface PerRequestPricing {
  /** requests a month that cost nothing, counted from the first (usage on a 30-day basis) */
  includedRequests: number;
  /**
   * graduated: each band's requests at that band's rate (Stripe "graduated");
   * volume: every billable request at the rate of the band the total falls in (Stripe "volume").
   * Bands are over the total request count; included requests are free in either mode.
   */
  mode: "graduated" | "volume";
  tiers: RequestTier[];
}

export type FlatTierMetric = "seats" | "active_users_30d" | "requests_30d" | "llm_cost_30d";

/** A flat monthly price chosen by where a metric falls: the first tier with value ≤ upTo. */
export interface FlatTierPricing {
  metric: FlatTierMetric;
  tiers: { upTo: number | null; usd: number }[];
}

export interface PctOfLlmCost {
  /** percent, e.g. 2 for 2 % */
  percent: number;
  basis: CostBasis;
}

/** Which organizations a plan prices; both lists given = both must match; no match = everyone. */
export interface PlanMatch {
  /** tier families (`tier` column): free, pro, team, growth, enterprise, other */
  tiers?: string[];
  /** raw tier values (`tier_raw` column), e.g. pro-20251210 */
  tiersRaw?: string[];
}

export interface Plan {
  name: string;
  match?: PlanMatch;
  /** proposed = current MRR (e.g. negotiated enterprise contracts); no prices allowed with it */
  keepCurrentMrr?: boolean;
  /** USD per month */
  flatUsd?: number;
  /** USD per seat per month, on seats above `includedSeats` */
  perSeatUsd?: number;
  includedSeats?: number;
  flatTiers?: FlatTierPricing;
  perRequest?: PerRequestPricing;
  pctOfLlmCost?: PctOfLlmCost;
  /** true: add-ons cost nothing extra on this plan */
  addonsIncluded?: boolean;
  /** the plan's charges before add-ons are raised to at least this, USD per month */
  minimumUsd?: number;
  /**
   * List prices of metered usage (the price book: 2025-12-10 request and storage tiers). Listed,
   * not priced by the scenario: Stripe bills them, and they reach MRR as usage_charges, which a
   * plan with them that prices no usage itself carries into proposed MRR as billed. Empty ({}):
   * the plan is billed metered usage whose list prices are not known (legacy request-volume).
   */
  meteredPrices?: MeteredPrices;
}

/** Metered list prices: requests per month over an allowance, storage per GB by band. */
export interface MeteredPrices {
  requests?: PerRequestPricing;
  /** USD per GB per month by band; `upToGb` inclusive, null = no upper bound */
  storagePerGb?: { upToGb: number | null; usdPerGb: number }[];
}

export interface Scenario {
  /** file-safe: names the output files */
  name: string;
  description: string;
  /** USD per month per add-on an organization has (prompts, evals, experiments, alerts) */
  addonPrices: Record<string, number>;
  plans: Plan[];
  /** default parameter for the breakeven price, e.g. "plans[0].pctOfLlmCost.percent" */
  breakeven?: string;
}

/**
 * Labels the per-plan table (lib/economics/per_plan.ts) and the history (lib/history/plan_label.ts)
 * give rows of their own: every organization, organizations with no plan (`(none)`, NO_PLAN of
 * lib/core/no_plan.ts, in both and in the scenario's By plan), and every customer. A plan of any
 * of these names would merge with that row (or be relabelled `(all) plan` or `(none) plan` there
 * and read as named everywhere else), so parseScenario refuses them, and the names the history
 * relabels (HISTORY_RELABELLED_PLAN, NONE_NAMED_PLAN) and the per-plan table (ALL_NAMED_PLAN), case, surrounding spaces and the characters
 * the Markdown outputs drop aside (nameAsRead): a price book is a scenario.
 */
export { ALL_PLANS_LABEL };
export const HISTORY_ALL_PLANS_LABEL = "(all)";
/**
 * The names the history relabels (lib/history/plan_label.ts): `(all)`, and `(all) plan`,
 * `(all) plan plan`, … (each one " plan" longer, so that none reads as another's label), case and
 * surrounding spaces aside (`(all) `: namesTakenFor).
 */
export const HISTORY_RELABELLED_PLAN = namesTakenFor(HISTORY_ALL_PLANS_LABEL);
export const RESERVED_PLAN_NAMES: Record<string, string> = {
  [ALL_PLANS_LABEL]: "the per-plan table's row of every organization",
  [HISTORY_ALL_PLANS_LABEL]: "the history's rows of every customer",
  // the label of organizations with none (lib/core/no_plan.ts), relabelled as (all)
  [NO_PLAN]: "the label of organizations with no plan, in the per-plan table and the history",
};

/**
 * The add-ons `addonPrices` may price: those the company sells (the price book's products). An
 * organization's other add-on names (addons_in_metadata) are reported as unpriced.
 */
export const KNOWN_ADDONS = ["prompts", "experiments", "evals"] as const;

/**
 * Upper bounds on prices, far above any real one (the dearest list price is a few thousand
 * dollars): past them sums overflow to ∞ and percentages to 1e+308 %.
 * A month per plan, seat, flat tier, minimum or add-on: $10,000,000.
 */
export const MAX_MONTHLY_USD = 10_000_000;
/** Per 1,000 requests: $1,000 ($1 a request). */
export const MAX_USD_PER_1K = 1_000;
/** Per GB of storage a month: $1,000. */
export const MAX_USD_PER_GB = 1_000;
/** pctOfLlmCost.percent: 10,000 % (100 × the LLM cost). */
export const MAX_PERCENT_OF_LLM_COST = 10_000;
/** A scenario's name names its output files; longer ones fail as file names (ENAMETOOLONG). */
export const MAX_NAME_LENGTH = 64;
