/**
 * Pricing scenarios: a small typed description of a pricing model (per seat, flat tiers,
 * per-request with included volume and graduated or volume tiers, % of LLM cost, add-on prices,
 * minimums), each organization's monthly revenue under it, the comparison with current MRR per
 * organization, per tier and per plan, and the breakeven price of any one price in the model.
 *
 * A scenario is JSON (scenarios/*.json); `parseScenario` validates it and names the field that
 * is wrong. Plans are tried in order and the first whose `match` fits an organization prices it.
 *
 * Current MRR is the export's `mrr`. An empty `mrr` is unknown, never $0: such organizations are
 * priced but left out of the comparison totals (counted in `unknown_current`). Organizations that
 * share a Stripe customer (revenue_source shared_customer) are compared as one: the customer's
 * MRR against the sum of their proposed prices (customers.ts); those whose paying organizations'
 * parts of a kept contract are not known are `not_comparable`, counted apart from
 * `unknown_current` in the totals and in each tier's and plan's row (breakdown.ts).
 */
export {
  ALL_PLANS_LABEL,
  COST_BASIS_COLUMNS,
  type CostBasis,
  type FlatTierMetric,
  type FlatTierPricing,
  MAX_MONTHLY_USD,
  MAX_PERCENT_OF_LLM_COST,
  MAX_USD_PER_1K,
  type PctOfLlmCost,
  type PerRequestPricing,
  type Plan,
  type PlanMatch,
  type RequestTier,
  type Scenario,
} from "./model.ts";
export { loadScenarioFile, parseScenario, readScenarioFile } from "./validation.ts";
export { planMatchWarnings, type TierCount } from "./plan_notes.ts";
export { priceParameter, withPriceParameter } from "./parameters.ts";
export {
  flatTierUsd,
  partsAt,
  type PricedOrganizations,
  priceOrganizations,
  type ProposedParts,
  requestChargeUsd,
} from "./pricing.ts";
export {
  distinctIndex,
  doublesOf,
  perDistinctValue,
  type PricingInputs,
  pricingInputs,
  SCENARIO_INPUT_COLUMNS,
} from "./pricing_inputs.ts";
export { type Breakeven, breakevenPrice, findBreakeven } from "./breakeven.ts";
export { COST_UNRECORDED_COLUMNS } from "./cost_notes.ts";
export { planTotals } from "./by_plan.ts";
export { BREAKDOWN_COLUMNS, type BreakdownFigures } from "./breakdown.ts";
export {
  type CompanyMargin,
  MARGIN_BOUND_COLUMN,
  MARGIN_INPUT_COLUMNS,
  marginBoundBrief,
  type MarginInputs,
  marginInputs,
} from "./margins.ts";
export { isPriceBook, type PriceBookBaseline, priceBookBaseline } from "./price_book_baseline.ts";
export { marginLine, priceBookLine } from "./report_sections.ts";
export {
  groupTotals,
  NO_KNOWN_CURRENT,
  noComparisonReason,
  type NoneCompared,
  noneComparedReason,
  type ScenarioTotals,
} from "./totals.ts";
export {
  biggestMovers,
  compareScenario,
  type Outcome,
  proposedRevenue,
  type ScenarioComparison,
} from "./comparison.ts";
export {
  perOrgWithWindowUsage,
  SCENARIO_ASSUMPTIONS,
  scenarioFileBase,
  type ScenarioFiles,
  scenarioMarkdown,
  type ScenarioReport,
  type ScenarioReportContext,
  stageScenarioFiles,
  windowNote,
  writeScenarioFiles,
} from "./report.ts";
