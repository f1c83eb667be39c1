/** What lib/analysis/ offers. */
export {
  cleanDelta,
  COMPARED_COLUMNS,
  compareExports,
  type ComparisonContext,
  type ComparisonCounts,
  comparisonMarkdown,
  type ComparisonSummary,
  type ExportComparison,
  HEADLINE_COLUMNS,
  isAdditive,
  type Presence,
} from "./compare.ts";
export {
  comparisonFileBase,
  type ComparisonFiles,
  writeComparison,
  writeComparisonFiles,
} from "./compare_files.ts";
export {
  adoptionChart,
  churnChart,
  pricingModelChart,
  trafficChart,
  underpricedChart,
  upgradeChart,
} from "./question_charts.ts";
export {
  type Answer,
  columnTotal,
  DEFAULT_MODEL_PRICES,
  DEFAULT_THRESHOLDS,
  exportFrameFromCsv,
  type ModelPrices,
  type QuestionThresholds,
  type UsageBasis,
  usd,
} from "./question_common.ts";
export {
  type AdoptionFacts,
  type ChurnFacts,
  churnRisk,
  featureAdoption,
  type ModelFacts,
  pricingModelComparison,
  ptbVsByok,
  TRAFFIC_TYPES,
  TRAFFIC_UNKNOWN,
  type TrafficFacts,
  type TrafficType,
  type TrafficTypeFacts,
  underpricedCustomers,
  type UnderpricedFacts,
  upgradeCandidates,
  type UpgradeFacts,
} from "./questions.ts";
// Scenarios have a folder of their own: lib/analysis/scenario/mod.ts names what they offer.
export * from "./scenario/mod.ts";
