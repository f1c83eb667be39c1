/**
 * Comparison with current MRR per organization (its Stripe customer's figures when it shares one)
 * and per tier, and the breakeven price of the scenario's parameter (breakeven.ts).
 */
import pl from "nodejs-polars";
import { collectDroppedFrames } from "../../core/memory.ts";
import type { Scenario } from "./model.ts";
import { type PricedOrganizations, priceOrganizations } from "./pricing.ts";
import { type PricingInputs, pricingInputs } from "./pricing_inputs.ts";
import { activeUserTiersWarning, usageWarnings } from "./usage_notes.ts";
import { STANDARD_WINDOW_DAYS } from "../../formats/export_names.ts";
import { customerFigures } from "./customers.ts";
import { type Breakeven, findBreakeven } from "./breakeven.ts";
import { notComparableWarning, unknownCurrentWarning } from "./unknown_notes.ts";
import { planMatchWarnings, tierCounts, unitSlipWarnings } from "./plan_notes.ts";
import { termBillingWarning } from "./term_notes.ts";
import { currencyWarning } from "./currency_notes.ts";
import { costUnrecordedWarnings } from "./cost_notes.ts";
import { type ScenarioTotals, totalsOf } from "./totals.ts";
import { byTierFrame } from "./breakdown.ts";
import { byPlanFrame } from "./by_plan.ts";
import { type CompanyMargin, marginInputs, marginLeftOutWarning, totalMargin } from "./margins.ts";

// ── comparison ──────────────────────────────────────────────────────────────────────────────

/** |delta| below half a cent counts as unchanged. */
const UNCHANGED_USD = 0.005;

/**
 * An organization's outcome (perOrgFrame's `outcome` column), its Stripe customer's when it shares
 * one (customers.ts): not_comparable when the customer cannot be compared (NOT_COMPARABLE_REASON),
 * else unknown_current when the current or proposed MRR is unknown, else unchanged when
 * |proposed − current| < UNCHANGED_USD, else by sign.
 */
export type Outcome =
  | "pays_more"
  | "pays_less"
  | "unchanged"
  | "unknown_current"
  | "not_comparable";

/**
 * Per-organization proposed revenue next to current MRR. Columns: org_id, org_name, tier,
 * tier_raw, seats, requests_30d, llm_cost_30d, addons, plan, current_mrr (the export's mrr: empty
 * on a shared_customer row), proposed_base, proposed_usage, proposed_minimum_topup,
 * proposed_addons, proposed_usage_carried (usage charges carried as billed), proposed_mrr,
 * customer_organizations (organizations sharing its Stripe customer, itself included),
 * customer_current_mrr and customer_proposed_mrr (its customer's: the sums over those
 * organizations; its own when alone), delta_usd, change_pct (empty when current is 0 or unknown)
 * and outcome, all three of the customer's figures.
 */
export function proposedRevenue(frame: pl.DataFrame, scenario: Scenario): pl.DataFrame {
  const inputs = pricingInputs(frame);
  return perOrgFrame(frame, { inputs, scenario, priced: priceOrganizations(inputs, scenario) });
}

function perOrgFrame(
  frame: pl.DataFrame,
  { inputs, scenario, priced }: {
    inputs: PricingInputs;
    scenario: Scenario;
    priced: PricedOrganizations;
  },
): pl.DataFrame {
  // the organizations' own columns straight from the frame (no JS string per organization);
  // usage as pricing reads it (unknown = 0)
  const known = (name: string) => pl.col(name).cast(pl.Float64).fillNull(0);
  const own = frame.select(
    pl.col("org_id").cast(pl.Utf8),
    pl.col("org_name").cast(pl.Utf8),
    pl.col("tier").cast(pl.Utf8),
    pl.col("tier_raw").cast(pl.Utf8),
    known("seats").cast(pl.Int64).alias("seats"),
    known("requests_30d").cast(pl.Int64).alias("requests_30d"),
    known("llm_cost_30d").alias("llm_cost_30d"),
  );
  // add-ons and plan names: one text per distinct value, picked by each organization's index
  const addonTexts = pl.Series(
    "addons",
    inputs.addonLists.map((list) => list.length ? list.join(",") : null),
    pl.Utf8,
  );
  const planNames = pl.Series(
    "plan",
    [null, ...scenario.plans.map((plan) => plan.name)], // index 0: no plan (-1 + 1)
    pl.Utf8,
  );
  const picked = pl.DataFrame([
    pl.Series("addons_index", inputs.addonsOf),
    pl.Series("plan_index", priced.plan.map((plan) => plan + 1)),
  ]).lazy()
    .join(indexed(addonTexts, "addons_index"), {
      on: "addons_index",
      how: "left",
      maintainOrder: "left",
    })
    .join(indexed(planNames, "plan_index"), {
      on: "plan_index",
      how: "left",
      maintainOrder: "left",
    })
    .select("addons", "plan")
    .collectSync();
  // NaN marks an unknown value in the typed arrays: null in the frame. delta, change and
  // outcome of the customer's figures, value by value (the same floats)
  const customer = customerFigures(inputs, {
    scenario,
    plans: priced.plan,
    proposed: priced.total,
  });
  const current = pl.col("customer_current_mrr");
  const proposed = pl.col("customer_proposed_mrr");
  const delta = pl.col("delta_usd");
  const unknown = current.isNull().or(proposed.isNull());
  const notComparable = pl.col("customer_not_comparable");
  const amounts = pl.DataFrame([
    pl.Series("current_mrr", inputs.currentMrr),
    pl.Series("proposed_base", priced.base),
    pl.Series("proposed_usage", priced.usage),
    pl.Series("proposed_minimum_topup", priced.minimumTopup),
    pl.Series("proposed_addons", priced.addons),
    pl.Series("proposed_usage_carried", priced.carriedUsage),
    pl.Series("proposed_mrr", priced.total),
    pl.Series("customer_current_mrr", customer.current),
    pl.Series("customer_proposed_mrr", customer.proposed),
  ]).select(
    pl.all().fillNan(null),
  ).withColumns(
    pl.Series("customer_not_comparable", customer.notComparable),
    pl.Series("customer_organizations", customer.organizations),
    pl.when(unknown).then(pl.lit(null)).otherwise(proposed.minus(current)).alias("delta_usd"),
  ).withColumns(
    pl.when(unknown.or(current.eq(0))).then(pl.lit(null))
      .otherwise(delta.div(current).mul(100)).alias("change_pct"),
    // a customer's unknown MRR first: split between plans or not, it cannot be compared for that
    pl.when(current.isNull()).then(pl.lit("unknown_current"))
      .when(notComparable.eq(1)).then(pl.lit("not_comparable"))
      .when(unknown).then(pl.lit("unknown_current"))
      .when(delta.abs().lt(UNCHANGED_USD)).then(pl.lit("unchanged"))
      .when(delta.gt(0)).then(pl.lit("pays_more"))
      .otherwise(pl.lit("pays_less")).alias("outcome"),
  ).select(...AMOUNT_COLUMNS);
  return pl.concat([own, picked, amounts], { how: "horizontal" });
}

/** perOrgFrame's columns after the organization's own and its plan, in order. */
const AMOUNT_COLUMNS = [
  "current_mrr",
  "proposed_base",
  "proposed_usage",
  "proposed_minimum_topup",
  "proposed_addons",
  "proposed_usage_carried",
  "proposed_mrr",
  "customer_organizations",
  "customer_current_mrr",
  "customer_proposed_mrr",
  "delta_usd",
  "change_pct",
  "outcome",
];

/** A small Series with its row numbers in column `index` (a lookup table to join on). */
function indexed(values: pl.Series, index: string): pl.LazyDataFrame {
  return pl.DataFrame([
    pl.Series(index, Int32Array.from({ length: values.length }, (_, i) => i)),
    values,
  ]).lazy();
}

/**
 * The columns of a scenario's biggest movers (the summary's tables, the MCP tool's): one row per
 * Stripe customer, named by the organization whose row carries its revenue; current_mrr,
 * proposed_mrr and delta_usd are the customer's, over its customer_organizations.
 */
export const MOVER_COLUMNS = [
  "org_id",
  "org_name",
  "tier",
  "plan",
  "current_mrr",
  "proposed_mrr",
  "delta_usd",
  "customer_organizations",
] as const;

/**
 * The `limit` customers whose MRR rises most (`pays_more`) or falls most (`pays_less`), with
 * MOVER_COLUMNS only: they are picked before the filter (no copy), so it copies only those, not
 * every column of every organization that pays more (~300 MB at a million). A customer's other
 * organizations (current_mrr empty, their customer's on its revenue row) are not listed again.
 */
export function biggestMovers(
  perOrg: pl.DataFrame,
  { outcome, limit }: { outcome: Extract<Outcome, "pays_more" | "pays_less">; limit: number },
): pl.DataFrame {
  return perOrg.select(
    "org_id",
    "org_name",
    "tier",
    "plan",
    pl.col("customer_current_mrr").alias("current_mrr"),
    pl.col("customer_proposed_mrr").alias("proposed_mrr"),
    "delta_usd",
    "customer_organizations",
    "outcome",
    pl.col("customer_organizations").eq(1).or(pl.col("current_mrr").isNotNull()).alias("listed"),
  )
    .filter(pl.col("outcome").eq(pl.lit(outcome)).and(pl.col("listed")))
    .sort("delta_usd", outcome === "pays_more")
    .head(limit)
    .select(...MOVER_COLUMNS);
}

function organizations(n: number): string {
  return `${n.toLocaleString("en-US")} organization${n === 1 ? "" : "s"}`;
}

export interface ScenarioComparison {
  scenario: Scenario;
  perOrg: pl.DataFrame;
  /** totals per tier, last row `all` (breakdown.ts): the per-tier CSV, By tier, MCP's by_tier */
  byTier: pl.DataFrame;
  /** totals per plan (by_plan.ts): the summary's By plan, MCP's by_plan */
  byPlan: pl.DataFrame;
  totals: ScenarioTotals;
  /**
   * the company margin before and after, over the compared organizations whose company cost is
   * known (margins.ts); each tier's and plan's in byTier's and byPlan's margin columns
   */
  margin: CompanyMargin;
  /**
   * each organization's revenue row (PricingInputs.revenueRowOf): pass it to groupTotals to count
   * a Stripe customer's organizations in one group
   */
  revenueRowOf: Int32Array;
  breakeven?: Breakeven;
  /**
   * organizations that matched no plan (priced $0), plans that price none, add-ons without a
   * price, unknown MRR, usage charges carried, left out or re-priced, organizations kept at $0 by
   * subscription status
   */
  warnings: string[];
}

/**
 * Current vs proposed for every organization, per tier and in total, plus the breakeven of
 * `breakeven` (default: the scenario's own `breakeven` field). Above COLLECT_ABOVE_ROWS
 * organizations each step's garbage (typed arrays, Polars frames: native memory V8 does not
 * count) is collected before the next step, so their peaks do not add up (the MCP server's
 * run_scenario on a million organizations grew ~500 MB over the dataset it holds).
 */
export async function compareScenario(
  frame: pl.DataFrame,
  { scenario, priceBook, ...options }: {
    scenario: Scenario;
    breakeven?: string;
    /** what organizations are billed on: a carried plan's differing meteredPrices are named */
    priceBook?: Scenario;
    /**
     * the data's window in days (default 30): user tiers on another window's active users, which
     * cannot be put on a 30-day basis, are warned about
     */
    windowDays?: number;
  },
): Promise<ScenarioComparison> {
  const settle = () => collectDroppedFrames({ rows: frame.height });
  const inputs = pricingInputs(frame);
  const parameter = options.breakeven ?? scenario.breakeven;
  const { perOrg, unmatched, unpricedAddons, usage } = pricedPerOrg(frame, {
    inputs,
    scenario,
    priceBook,
    windowDays: options.windowDays ?? STANDARD_WINDOW_DAYS,
    breakeven: parameter,
  });
  await settle(); // the priced parts: in the frame now
  const totals = totalsOf(perOrg);
  const warnings: string[] = [];
  if (unmatched > 0) {
    warnings.push(
      `${organizations(unmatched)} ${unmatched === 1 ? "matches" : "match"} no plan and ${
        unmatched === 1 ? "is" : "are"
      } priced $0; add a last plan without match to price them`,
    );
  }
  if (unpricedAddons.length > 0) {
    warnings.push(
      `add-ons without a price in addonPrices, priced $0: ${unpricedAddons.join(", ")}`,
    );
  }
  warnings.push(...planMatchWarnings(tierCounts(inputs), scenario));
  warnings.push(...unitSlipWarnings(scenario));
  const revenueRowOf = inputs.revenueRowOf;
  const unknown = unknownCurrentWarning(frame, { perOrg, revenueRowOf, totals });
  if (unknown) warnings.push(unknown);
  if (totals.notComparable > 0) warnings.push(notComparableWarning(totals.notComparable));
  warnings.push(...usage);
  const term = termBillingWarning(frame, perOrg);
  if (term) warnings.push(term);
  const currency = currencyWarning(frame, perOrg);
  if (currency) warnings.push(currency);
  const margins = marginInputs(frame, {
    perOrg,
    revenueRowOf,
    windowDays: options.windowDays ?? STANDARD_WINDOW_DAYS,
  });
  const margin = totalMargin(margins, revenueRowOf);
  const leftOut = marginLeftOutWarning(margin, margins);
  if (leftOut) warnings.push(leftOut);
  const byTier = byTierFrame(perOrg, { all: { totals, margin }, margins, revenueRowOf });
  const byPlan = byPlanFrame({ scenario, perOrg, margins, revenueRowOf });
  await settle(); // the totals', tiers', plans' and margins' columns
  const result: ScenarioComparison = {
    scenario,
    perOrg,
    byTier,
    byPlan,
    totals,
    margin,
    revenueRowOf,
    warnings,
  };
  if (parameter) result.breakeven = findBreakeven(frame, { scenario, parameter, inputs });
  return result;
}

/** The per-organization frame, and what the warnings need of the priced parts (let go here). */
function pricedPerOrg(
  frame: pl.DataFrame,
  { inputs, scenario, priceBook, windowDays, breakeven }: {
    inputs: PricingInputs;
    scenario: Scenario;
    priceBook?: Scenario;
    windowDays: number;
    /** the breakeven's price: a share of LLM cost's percent is bounded by the same requests */
    breakeven?: string;
  },
): { perOrg: pl.DataFrame; unmatched: number; unpricedAddons: string[]; usage: string[] } {
  const priced = priceOrganizations(inputs, scenario);
  const users = activeUserTiersWarning(inputs, { scenario, priced, windowDays });
  return {
    perOrg: perOrgFrame(frame, { inputs, scenario, priced }),
    unmatched: priced.unmatched,
    unpricedAddons: priced.unpricedAddons,
    usage: [
      ...usageWarnings(inputs, { scenario, priced, priceBook }),
      ...(users ? [users] : []),
      ...costUnrecordedWarnings(frame, { inputs, scenario, priced, breakeven, windowDays }),
    ],
  };
}
