/**
 * Whether a run counted infrastructure cost in company_cost_30d, and the words that say a
 * company-basis margin is an upper bound where it did not (PRICING_INFRA_USD_PER_1K_REQUESTS
 * unset: PTB LLM cost alone, infrastructure at $0). Shared by the brief's headline, the
 * scenario command and the MCP tools, which read it from a cost model or an export's manifest.
 */
import { COST_MODEL_SETTINGS } from "./cost_model.ts";

/**
 * True or false as the cost model's USD per 1,000 requests is set (a number) or not (null); null
 * when nothing records it (undefined: an export without a manifest, or one from before the cost
 * model).
 */
export function infrastructureCostSet(per1kRequests: number | null | undefined): boolean | null {
  return per1kRequests === undefined ? null : per1kRequests !== null;
}

/** A margin line's words (run_scenario, deno task scenario), where infrastructure cost is not set. */
export const MARGIN_WITHOUT_INFRASTRUCTURE =
  `infrastructure cost not set (${COST_MODEL_SETTINGS.infraUsdPer1kRequests}: counted as $0), an upper bound`;
