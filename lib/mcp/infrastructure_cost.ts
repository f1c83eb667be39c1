/**
 * Whether the served export counted infrastructure cost in company_cost_30d (its manifest's cost
 * model, lib/economics/infrastructure_cost.ts), and key_question's words where it did not. The
 * brief's cost model and describe_dataset's warnings said so; run_scenario's margin and
 * key_question's readings did not.
 */
import type { Dataset } from "./dataset.ts";
import { infrastructureCostSet as costModelSets } from "../economics/infrastructure_cost.ts";

/** True or false as its manifest's cost model records it; null for an export without one. */
export function infrastructureCostSet(dataset: Dataset): boolean | null {
  return costModelSets(dataset.costModel?.infra_usd_per_1k_requests);
}

/** key_question's `cost model:` line, where its reading states company-basis margins. */
export const MARGINS_WITHOUT_INFRASTRUCTURE =
  "infrastructure cost not set (PRICING_INFRA_USD_PER_1K_REQUESTS: counted as $0): the " +
  "company-basis margins here are upper bounds, and BYOK traffic, which costs the company " +
  "infrastructure alone, reads as costing it nothing";
