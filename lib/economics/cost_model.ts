/**
 * The cost model: what one organization costs the company in the export window.
 *
 *   company_cost_30d = llm_cost_ptb_30d                       (LLM cost of pass-through billing)
 *                    + requests_30d / 1000 × infra USD per 1,000 requests
 *                    (+ GB stored × infra USD per GB, once the export has storage data)
 *
 * BYOK traffic costs the company no LLM spend (the customer pays the provider), nor do PTB cache
 * hits (answered from Helicone's cache: no provider call). Settings come from
 * the environment (or .env) and are written into every export's manifest; unset = 0, said so.
 */
import { type Env, settingNumber, UserError } from "../core/config.ts";
import { quoteValue } from "../core/quote.ts";
import type { CostModel } from "./types.ts";
import { formatNumber } from "../formats/csv_rows.ts";

export type { CostModel } from "./types.ts";

export const COST_MODEL_SETTINGS = {
  infraUsdPer1kRequests: "PRICING_INFRA_USD_PER_1K_REQUESTS",
  infraUsdPerGbStored: "PRICING_INFRA_USD_PER_GB_STORED",
} as const;

/**
 * Upper bounds on the infrastructure costs, far above any real one (cents per 1,000 requests):
 * past them a typo's 1e24 read as a margin of −4.7e+25 % and 1e307 left company_cost_30d empty.
 * The same as a scenario's prices per 1,000 requests and per GB (lib/analysis/scenario/model.ts).
 */
export const MAX_INFRA_USD = { per1kRequests: 1_000, perGbStored: 1_000 } as const;

function optionalUsd(
  env: Env,
  { name, max, unit }: { name: string; max: number; unit: string },
): number | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return null;
  const value = settingNumber(raw);
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new UserError(
      `${name} must be a number of USD from 0 to ${
        max.toLocaleString("en-US")
      } ${unit} (e.g. 0.05), got ${quoteValue(raw)}`,
    );
  }
  return value;
}

export function costModelFromEnv(env: Env): CostModel {
  return {
    infraUsdPer1kRequests: optionalUsd(env, {
      name: COST_MODEL_SETTINGS.infraUsdPer1kRequests,
      max: MAX_INFRA_USD.per1kRequests,
      unit: "per 1,000 requests",
    }),
    infraUsdPerGbStored: optionalUsd(env, {
      name: COST_MODEL_SETTINGS.infraUsdPerGbStored,
      max: MAX_INFRA_USD.perGbStored,
      unit: "per GB stored a month",
    }),
  };
}

/** Warnings a run's brief and manifest carry about the cost model. */
export function costModelWarnings(model: CostModel): string[] {
  const warnings: string[] = [];
  if (model.infraUsdPer1kRequests === null) {
    warnings.push(
      `infrastructure cost not set: company_cost_30d counts PTB LLM cost only (set ${COST_MODEL_SETTINGS.infraUsdPer1kRequests})`,
    );
  }
  if (model.infraUsdPerGbStored !== null) {
    warnings.push(
      `${COST_MODEL_SETTINGS.infraUsdPerGbStored} is set but the export has no storage data: storage cost not applied`,
    );
  }
  return warnings;
}

/** USD as set, in plain decimals: `${0.0000001}` is "1e-7" (README: numbers have no exponent). */
const settingUsd = (value: number) => `$${formatNumber(value)}`;

/** The cost model in words (brief, workbook, notebook, MCP). */
export function costModelInWords(model: CostModel): string[] {
  const per1k = model.infraUsdPer1kRequests;
  return [
    "Company cost (`company_cost_30d`) = LLM cost of pass-through-billed (PTB) requests in the window + infrastructure cost. BYOK requests cost the company no LLM spend: the customer pays the provider. PTB cache hits are not counted (`llm_cost_ptb_30d` leaves them out): Helicone answers them from its cache without calling the provider, and production does not invoice them either; their requests still count for infrastructure.",
    per1k === null
      ? "Infrastructure cost not set (counted as $0): margins on the company basis are an upper bound."
      : `Infrastructure: ${settingUsd(per1k)} per 1,000 requests in the window.`,
    model.infraUsdPerGbStored === null
      ? "Storage cost: not set (the export has no storage data)."
      : `Storage: ${
        settingUsd(model.infraUsdPerGbStored)
      } per GB set, not applied (the export has no storage data).`,
    "PTB revenue (`ptb_revenue_30d`) is cash in the window: credits bought and `ptb_usage` invoices issued in it; PTB cost is the usage in the window, whenever its credits were bought. PTB carries no markup, so over months the two match, but in one window they need not: an organization spending credits bought earlier has PTB cost and no PTB revenue, and a plan of such organizations shows a low or negative company margin for timing, not price (a short window, put on a 30-day basis × 30 / N, swings more).",
    // (the kit reads the invoices' totals, not organization.discounts: lib/revenue/ptb.ts)
    "Customer discounts on PTB usage (`organization.discounts`) are not read, yet postpaid PTB revenue is already net of them: a `ptb_usage` invoice bills the usage less its discount, while PTB cost is the full LLM cost, so the company margin bears them. Not counted: provider discounts Helicone may get. Stripe's fee on credit purchases is passed on to the customer and is neither revenue nor cost.",
  ];
}
