/** The spec's six key questions, by name: lib/analysis/questions.ts and question_charts.ts. */
import type pl from "nodejs-polars";
import { UserError } from "../core/config.ts";
import type { Chart } from "../report/charts.ts";
import type { FrameNote } from "../report/chart_frame.ts";
import {
  type Answer,
  churnRisk,
  featureAdoption,
  type ModelPrices,
  pricingModelComparison,
  ptbVsByok,
  type QuestionThresholds,
  underpricedCustomers,
  upgradeCandidates,
  type UsageBasis,
} from "../analysis/questions.ts";
import {
  adoptionChart,
  churnChart,
  pricingModelChart,
  trafficChart,
  underpricedChart,
  upgradeChart,
} from "../analysis/question_charts.ts";

export interface KeyQuestion {
  name: string;
  /** the spec's wording */
  question: string;
  answer: (
    frame: pl.DataFrame,
    thresholds: Partial<QuestionThresholds>,
    prices: Partial<ModelPrices>,
    basis: UsageBasis,
  ) => Answer<unknown>;
  /** `note.demo`: the dataset is demo, which the chart's caption says */
  chart: (answer: Answer<unknown>, prices: Partial<ModelPrices>, note?: FrameNote) => Chart;
  /** the thresholds it reads (the others do not apply to it) */
  thresholds: readonly (keyof QuestionThresholds)[];
  /** it reads the model prices */
  prices: boolean;
}

// deno-lint-ignore no-explicit-any
type AnyAnswer = Answer<any>;

export const KEY_QUESTIONS: readonly KeyQuestion[] = [
  {
    name: "underpriced",
    question:
      "Underpriced customers: which organizations have high usage (requests_30d or llm_cost_30d) but low MRR?",
    answer: (frame, t, _p, b) => underpricedCustomers(frame, t, b),
    chart: (a, _p, note) => underpricedChart(a as AnyAnswer, note),
    thresholds: [
      "underpricedMinRequests",
      "underpricedMinLlmCostUsd",
      "underpricedMaxMrrUsd",
      "top",
    ],
    prices: false,
  },
  {
    name: "upgrade_candidates",
    question: "Upgrade candidates: which free-tier organizations have high usage?",
    answer: (frame, t, _p, b) => upgradeCandidates(frame, t, b),
    chart: (a, _p, note) => upgradeChart(a as AnyAnswer, note),
    thresholds: ["upgradeMinRequests", "upgradeSeatPriceUsd", "top"],
    prices: false,
  },
  {
    name: "churn_risk",
    question:
      "Churn risk: which paying organizations have negative gross margin (gross_margin_pct < 0: LLM cost on a 30-day basis above MRR)?",
    answer: (frame, t, _p, b) => churnRisk(frame, t, b),
    chart: (a, _p, note) => churnChart(a as AnyAnswer, note),
    thresholds: ["top"],
    prices: false,
  },
  {
    name: "pricing_models",
    question:
      "Pricing model comparison: what would revenue be seat-based, usage-based (per request) and as a percentage of LLM cost, against current MRR?",
    answer: (frame, _t, p, b) => pricingModelComparison(frame, p, b),
    chart: (a, p, note) => pricingModelChart(a as AnyAnswer, p, note),
    thresholds: [],
    prices: true,
  },
  {
    name: "feature_adoption",
    question:
      "Feature adoption: who uses the prompts add-on, and should it be included in base tiers?",
    answer: (frame, _t, _p, b) => featureAdoption(frame, b),
    chart: (a, _p, note) => adoptionChart(a as AnyAnswer, note),
    thresholds: [],
    prices: false,
  },
  {
    name: "ptb_vs_byok",
    question:
      "PTB vs BYOK: should gateway-only (pass-through billing) customers be priced differently from bring-your-own-key ones?",
    answer: (frame, _t, _p, b) => ptbVsByok(frame, b),
    chart: (a, _p, note) => trafficChart(a as AnyAnswer, note),
    thresholds: [],
    prices: false,
  },
];

export const QUESTION_NAMES = KEY_QUESTIONS.map((q) => q.name) as [string, ...string[]];

export function keyQuestion(name: string): KeyQuestion {
  const found = KEY_QUESTIONS.find((q) => q.name === name);
  if (!found) throw new Error(`unknown question ${name}; questions: ${QUESTION_NAMES.join(", ")}`);
  return found;
}

/**
 * Refuses an override the question does not read (it would be dropped without a word), naming
 * the questions it applies to.
 */
export function refuseInapplicable(
  question: KeyQuestion,
  { thresholds, prices }: {
    /** the thresholds the call overrides */
    thresholds: Partial<QuestionThresholds>;
    /** the model prices the call overrides */
    prices: Partial<ModelPrices>;
  },
): void {
  for (const name of Object.keys(thresholds) as (keyof QuestionThresholds)[]) {
    if (question.thresholds.includes(name)) continue;
    const users = KEY_QUESTIONS.filter((q) => q.thresholds.includes(name)).map((q) => q.name);
    throw new UserError(
      `thresholds.${name} applies to ${users.join(", ")}, not ${question.name}; ` +
        (question.thresholds.length > 0
          ? `${question.name} takes thresholds ${question.thresholds.join(", ")}`
          : `${question.name} takes no thresholds: leave thresholds out`),
    );
  }
  if (!question.prices && Object.keys(prices).length > 0) {
    throw new UserError(
      `prices apply to pricing_models only, not ${question.name}: leave prices out`,
    );
  }
}
