/** The breakeven price of any one price in a scenario: where proposed MRR meets current MRR. */
import pl from "nodejs-polars";
import { UserError } from "../../core/config.ts";
import type { Scenario } from "./model.ts";
import {
  planOfParameter,
  priceParameter,
  priceParameterBound,
  priceParameterUnit,
  withPriceParameter,
} from "./parameters.ts";
import { comparableTotalsVarying, currentTotal, organizationPlans } from "./pricing.ts";
import { type PricingInputs, pricingInputs } from "./pricing_inputs.ts";
import { comparableOrganizations, leftOutOfComparison } from "./customers.ts";
import { noComparisonReason } from "./totals.ts";

export interface Breakeven {
  /** the parameter path, e.g. plans[0].pctOfLlmCost.percent */
  parameter: string;
  /** the parameter's value in the scenario */
  scenarioValue: number;
  /** what scenarioValue and value are in, e.g. "USD per seat per month" (priceParameterUnit) */
  unit: string;
  /** the value at which proposed MRR = current MRR over the comparable set; null when none */
  value: number | null;
  /** why there is no breakeven */
  reason?: string;
  /** current MRR of the comparable set; null when no organization is compared */
  currentMrrUsd: number | null;
}

/**
 * The value of one price parameter at which proposed MRR equals current MRR, summed over
 * organizations with known current MRR. Proposed revenue is piecewise linear and non-decreasing
 * in any price (minimums and tiers make the pieces), so bisection brackets the crossing and a
 * last linear step lands on it. The search stops at the price's bound (the most a scenario file
 * takes): a breakeven past it would be a price the scenario checker refuses.
 */
export function findBreakeven(
  frame: pl.DataFrame,
  { scenario, parameter, inputs }: {
    scenario: Scenario;
    parameter: string;
    /** the frame's pricing inputs, when the caller has them already */
    inputs?: PricingInputs;
  },
): Breakeven {
  let scenarioValue: number;
  try {
    scenarioValue = priceParameter(scenario, parameter);
  } catch (error) {
    throw new UserError(`breakeven parameter ${(error as Error).message}`);
  }
  const unit = priceParameterUnit(parameter);
  const pricing = inputs ?? pricingInputs(frame);
  const comparable = comparableOrganizations(pricing, {
    scenario,
    plans: organizationPlans(pricing, scenario),
  });
  // none compared (revenue not fetched, or split customers): nothing to break even with, not a
  // price of 0; the reason is the totals' (the summary's, stdout's)
  if (!comparable.includes(1)) {
    return {
      parameter,
      scenarioValue,
      unit,
      value: null,
      reason: noComparisonReason(leftOutOfComparison(pricing, comparable)),
      currentMrrUsd: null,
    };
  }
  const target = currentTotal(pricing, comparable);
  const totalOf = comparableTotalsVarying(pricing, {
    scenario,
    varyingPlan: planOfParameter(parameter),
  });
  const at = (value: number) => totalOf(withPriceParameter(scenario, { path: parameter, value }));
  const result = (value: number | null, reason?: string): Breakeven => ({
    parameter,
    scenarioValue,
    unit,
    value,
    ...(reason ? { reason } : {}),
    currentMrrUsd: target,
  });
  const tolerance = Math.max(1e-9, Math.abs(target) * 1e-12);
  let lo = 0;
  const atZero = at(0);
  const noChange = "the parameter changes no comparable organization's price";
  if (Math.abs(atZero - target) <= tolerance) {
    // a price that moves nothing has no breakeven, even where the totals already meet (it read
    // "= 0": cut the price to nothing); one that moves them breaks even from 0 up
    const first = Math.max(1, scenarioValue);
    const moves = [1, 2, 4, 8, 16].some((factor) => at(first * factor) !== atZero);
    return moves ? result(0) : result(null, noChange);
  }
  if (atZero > target) {
    return result(null, "proposed MRR exceeds current MRR even at a price of 0");
  }
  const bound = priceParameterBound(parameter);
  const pastBound = `proposed MRR stays below current MRR up to the price's bound, ${
    bound.value.toLocaleString("en-US")
  } ${bound.unit} (the most a scenario file takes)`;
  let hi = Math.min(Math.max(1, scenarioValue), bound.value);
  let atHi = at(hi);
  for (let doublings = 0; atHi < target; doublings++) {
    if (atHi === atZero && (doublings >= 4 || hi >= bound.value)) return result(null, noChange);
    if (hi >= bound.value) return result(null, pastBound);
    lo = hi;
    hi = Math.min(hi * 2, bound.value);
    atHi = at(hi);
  }
  let atLo = at(lo);
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    const atMid = at(mid);
    if (atMid < target) {
      lo = mid;
      atLo = atMid;
    } else {
      hi = mid;
      atHi = atMid;
    }
  }
  const value = atHi === atLo ? hi : lo + (target - atLo) * (hi - lo) / (atHi - atLo);
  return result(value);
}

/** The breakeven value itself; throws a UserError with the reason when there is none. */
export function breakevenPrice(
  frame: pl.DataFrame,
  { scenario, parameter }: { scenario: Scenario; parameter: string },
): number {
  const breakeven = findBreakeven(frame, { scenario, parameter });
  if (breakeven.value === null) {
    throw new UserError(`no breakeven for ${parameter}: ${breakeven.reason}`);
  }
  return breakeven.value;
}
