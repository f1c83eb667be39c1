/**
 * The spec's six Key Pricing Questions as functions over the export frame. Each returns a small
 * frame; thresholds are parameters with documented defaults. The notebook
 * notebooks/pricing_questions.ipynb shows each with a chart and a sentence.
 */
import pl from "nodejs-polars";

export interface QuestionThresholds {
  /** underpriced: at least this many requests in the window … */
  underpricedMinRequests: number;
  /** … or at least this much LLM cost (USD) … */
  underpricedMinLlmCostUsd: number;
  /** … while paying at most this MRR (USD; empty MRR counts as 0) */
  underpricedMaxMrrUsd: number;
  /** upgrade candidates: free tier with at least this many requests */
  upgradeMinRequests: number;
  /** rows per table */
  top: number;
}

export const DEFAULT_THRESHOLDS: QuestionThresholds = {
  underpricedMinRequests: 100_000,
  underpricedMinLlmCostUsd: 500,
  underpricedMaxMrrUsd: 100,
  upgradeMinRequests: 50_000,
  top: 15,
};

/** Pricing models to compare with current MRR. */
export interface ModelPrices {
  /** seat-based: USD per seat per month */
  seatPriceUsd: number;
  /** usage-based: USD per 1,000 requests */
  per1kRequestsUsd: number;
  /** % of LLM cost */
  pctOfLlmCost: number;
}

export const DEFAULT_MODEL_PRICES: ModelPrices = {
  seatPriceUsd: 20,
  per1kRequestsUsd: 0.5,
  pctOfLlmCost: 2,
};

const mrrOrZero = () => pl.col("mrr").fillNull(0);

function thresholds(overrides: Partial<QuestionThresholds>): QuestionThresholds {
  return { ...DEFAULT_THRESHOLDS, ...overrides };
}

/** 1. High requests or LLM cost, low MRR: biggest LLM cost first. */
export function underpricedCustomers(
  frame: pl.DataFrame,
  overrides: Partial<QuestionThresholds> = {},
): pl.DataFrame {
  const t = thresholds(overrides);
  return frame
    .filter(
      pl.col("requests_30d").gtEq(t.underpricedMinRequests)
        .or(pl.col("llm_cost_30d").gtEq(t.underpricedMinLlmCostUsd))
        .and(mrrOrZero().ltEq(t.underpricedMaxMrrUsd)),
    )
    .sort("llm_cost_30d", true)
    .select("org_name", "tier", "seats", "requests_30d", "llm_cost_30d", "mrr", "gross_margin_pct")
    .head(t.top);
}

/** 2. Free tier with high usage: most requests first. */
export function upgradeCandidates(
  frame: pl.DataFrame,
  overrides: Partial<QuestionThresholds> = {},
): pl.DataFrame {
  const t = thresholds(overrides);
  return frame
    .filter(
      pl.col("tier").eq(pl.lit("free")).and(pl.col("requests_30d").gtEq(t.upgradeMinRequests)),
    )
    .sort("requests_30d", true)
    .select("org_name", "seats", "active_users_30d", "requests_30d", "llm_cost_30d", "is_ptb")
    .head(t.top);
}

/** 3. Negative gross margin: LLM cost above MRR (paying organizations), worst first. */
export function churnRisk(
  frame: pl.DataFrame,
  overrides: Partial<QuestionThresholds> = {},
): pl.DataFrame {
  const t = thresholds(overrides);
  return frame
    .filter(pl.col("mrr").gt(0).and(pl.col("llm_cost_30d").gt(pl.col("mrr"))))
    .sort("gross_margin_pct", false)
    .select("org_name", "tier", "mrr", "llm_cost_30d", "llm_cost_ptb_30d", "gross_margin_pct")
    .head(t.top);
}

/**
 * 4. Revenue by tier today and under three simple models: seats × price, requests × price per
 * 1,000, and a percentage of LLM cost.
 */
export function pricingModelComparison(
  frame: pl.DataFrame,
  prices: Partial<ModelPrices> = {},
): pl.DataFrame {
  const p = { ...DEFAULT_MODEL_PRICES, ...prices };
  return frame
    .groupBy("tier")
    .agg(
      pl.col("org_id").count().alias("organizations"),
      mrrOrZero().sum().alias("current_mrr"),
      pl.col("seats").sum().mul(p.seatPriceUsd).alias("seat_based"),
      pl.col("requests_30d").sum().div(1000).mul(p.per1kRequestsUsd).alias("usage_based"),
      pl.col("llm_cost_30d").sum().mul(p.pctOfLlmCost / 100).alias("pct_of_llm_cost"),
    )
    .sort("current_mrr", true);
}

/** 5. Prompts add-on (billed, or in stripe_metadata) against prompt usage. */
export function featureAdoption(frame: pl.DataFrame): pl.DataFrame {
  const hasAddon = pl.col("addon_prompts").fillNull(0).gt(0)
    .or(pl.col("addons_in_metadata").fillNull("").str.contains("prompts"));
  return frame
    .withColumns(
      hasAddon.alias("has_prompts_addon"),
      pl.col("prompts_used_30d").gt(0).alias("uses_prompts"),
    )
    .groupBy(["has_prompts_addon", "uses_prompts"])
    .agg(
      pl.col("org_id").count().alias("organizations"),
      pl.col("prompts_created").sum().alias("prompts_created"),
      pl.col("prompts_used_30d").sum().alias("prompt_requests_30d"),
      mrrOrZero().sum().alias("mrr"),
    )
    .sort(["has_prompts_addon", "uses_prompts"], [true, true]);
}

/** 6. Organizations by traffic type in the window: gateway-only, mixed, BYOK-only, none. */
export function ptbVsByok(frame: pl.DataFrame): pl.DataFrame {
  const type = pl.when(pl.col("has_gateway_only")).then(pl.lit("gateway only (PTB)"))
    .when(pl.col("is_byok").and(pl.col("ptb_requests_30d").gt(0))).then(pl.lit("mixed"))
    .when(pl.col("is_byok")).then(pl.lit("BYOK only"))
    .otherwise(pl.lit("no requests"));
  return frame
    .withColumns(type.alias("traffic"))
    .groupBy("traffic")
    .agg(
      pl.col("org_id").count().alias("organizations"),
      pl.col("requests_30d").sum().alias("requests_30d"),
      pl.col("llm_cost_30d").sum().alias("llm_cost_30d"),
      pl.col("llm_cost_ptb_30d").sum().alias("llm_cost_ptb_30d"),
      mrrOrZero().sum().alias("mrr"),
    )
    .sort("organizations", true);
}
