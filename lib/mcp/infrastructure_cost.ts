/**
 * Whether the served export counted infrastructure cost in company_cost_30d, and the words that
 * say a company-basis margin is an upper bound where it did not (PRICING_INFRA_USD_PER_1K_REQUESTS
 * unset: PTB LLM cost alone, infrastructure at $0). The brief's cost model and describe_dataset's
 * warnings said so; run_scenario's margin and key_question's readings did not.
 */
import type { Dataset } from "./dataset.ts";

/** True or false as its manifest's cost model records it; null for an export without one. */
export function infrastructureCostSet(dataset: Dataset): boolean | null {
  const per1k = dataset.costModel?.infra_usd_per_1k_requests;
  return per1k === undefined ? null : per1k !== null;
}

/** run_scenario's margin line, where infrastructure cost is not set. */
export const MARGIN_WITHOUT_INFRASTRUCTURE =
  "infrastructure cost not set (PRICING_INFRA_USD_PER_1K_REQUESTS: counted as $0), an upper bound";

/** key_question's `cost model:` line, where its reading states company-basis margins. */
export const MARGINS_WITHOUT_INFRASTRUCTURE =
  "infrastructure cost not set (PRICING_INFRA_USD_PER_1K_REQUESTS: counted as $0): the " +
  "company-basis margins here are upper bounds, and BYOK traffic, which costs the company " +
  "infrastructure alone, reads as costing it nothing";
