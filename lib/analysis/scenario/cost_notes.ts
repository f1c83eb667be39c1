/**
 * What a comparison says about a plan priced on a share of LLM cost (pctOfLlmCost) whose
 * organizations sent requests with no cost recorded (requests_cost_unknown_30d: cost 0 in
 * ClickHouse, e.g. a model the gateway does not price): their LLM cost is short of those requests'
 * cost, so the proposed MRR the plan charges them is a lower bound.
 */
import pl from "nodejs-polars";
import { formatCount, unrecordedCountWords } from "../../report/numbers.ts";
import type { CostBasis, Scenario } from "./model.ts";
import type { PricedOrganizations } from "./pricing.ts";
import { doublesOrZeros, type PricingInputs } from "./pricing_inputs.ts";
import { sameParameter } from "./parameters.ts";

/** The columns read (an export from before them: empty, read as none). */
export const COST_UNRECORDED_COLUMNS = [
  "requests_cost_unknown_30d",
  "ptb_requests_cost_unknown_30d",
] as const;

/** The requests without a cost on each basis, and the words naming them. */
function unrecordedOn(
  frame: pl.DataFrame,
): Record<CostBasis, { of: Float64Array; column: string }> {
  const all = doublesOrZeros(frame, COST_UNRECORDED_COLUMNS[0]);
  const ptb = doublesOrZeros(frame, COST_UNRECORDED_COLUMNS[1]);
  return {
    all: { of: all, column: COST_UNRECORDED_COLUMNS[0] },
    ptb: { of: ptb, column: COST_UNRECORDED_COLUMNS[1] },
    // the rest: BYOK requests, and PTB cache hits (so at most)
    byok: {
      of: all.map((n, i) => Math.max(0, n - ptb[i])),
      column: `${COST_UNRECORDED_COLUMNS[0]} less ${COST_UNRECORDED_COLUMNS[1]}: at most`,
    },
  };
}

/**
 * One warning per pctOfLlmCost plan whose priced organizations (not those kept at $0 by their
 * subscriptions' status) sent requests without a cost on its basis.
 */
export function costUnrecordedWarnings(
  frame: pl.DataFrame,
  { inputs, scenario, priced, breakeven, windowDays }: {
    inputs: PricingInputs;
    scenario: Scenario;
    priced: PricedOrganizations;
    /** the breakeven's price (its path): this plan's percent is an upper bound too */
    breakeven?: string;
    /** the data's window: the counts are its own (usageOnMonthlyBasis leaves them) */
    windowDays: number;
  },
): string[] {
  if (!scenario.plans.some((plan) => plan.pctOfLlmCost)) return [];
  const unrecorded = unrecordedOn(frame);
  return scenario.plans.flatMap((plan, index) => {
    if (!plan.pctOfLlmCost) return [];
    const { of, column } = unrecorded[plan.pctOfLlmCost.basis];
    let requests = 0;
    let organizations = 0;
    for (let i = 0; i < inputs.height; i++) {
      if (priced.plan[i] !== index || inputs.notCounted[i] || !(of[i] > 0)) continue;
      requests += of[i];
      organizations++;
    }
    if (requests === 0) return [];
    const { percent, basis } = plan.pctOfLlmCost;
    // the percent that makes up current MRR on a cost short of theirs is at most that
    const path = `plans[${index}].pctOfLlmCost.percent`;
    const bound = breakeven !== undefined && sameParameter(breakeven, path)
      ? `, and the breakeven of ${path} an upper bound`
      : "";
    const sent = `${formatCount(organizations)} of its organizations sent ${
      unrecordedCountWords(requests, { windowDays })
    }`;
    return [
      `plan ${
        JSON.stringify(plan.name)
      } charges ${percent} % of LLM cost (basis ${basis}), but ${sent} with no cost recorded (${column}): their LLM cost lacks those requests' cost, so their proposed MRR is a lower bound${bound}`,
    ];
  });
}
