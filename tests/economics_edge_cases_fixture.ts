/**
 * The seven-organization fixture the tests/economics_edge_cases*_test.ts files run lib/economics/
 * on, built for the edge cases: MRR in two currencies (USD, EUR converted at a rate that leaves
 * fractions of a cent) and one a rate was missing for (GBP, unconverted: mrr empty), PTB and BYOK
 * traffic, an organization with no seats, a free one with no usage, a negative spec margin, a plan
 * whose company margin PTB timing pulls down and a plan with cost and no revenue; its economics,
 * and the exact sums the tests compare with.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { addEconomicsColumns, costModelFromEnv, loadPriceBook } from "../lib/economics/mod.ts";
import { addMetricColumns } from "../lib/frame/metrics.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import type { CustomerRevenue, RevenueResult } from "../lib/revenue/types.ts";

/** EUR → USD, as PRICING_FX_RATES would give it: 79 EUR = $85.6123, 18.45 EUR = $19.994265. */
export const EUR = 1.0837;

/**
 * 30-day window, infrastructure $0.20 per 1,000 requests (company cost = PTB cost + that):
 * m pro-20251210, EUR, 3 seats, 79 EUR, 40,000 requests, LLM $60 (PTB $45, BYOK $15), PTB rev. $30
 * n legacy pro, EUR, 0 seats (its members left), 18.45 EUR, 5,000 requests, LLM $8 all BYOK
 * o free, no Stripe customer, 1 seat, no usage at all
 * p legacy team, USD, 6 seats, $200, 100,000 requests, LLM $350 all BYOK: spec margin −75 %
 * q legacy pro, GBP without a rate (unconverted: mrr empty), 2 seats, 3,000 requests, PTB $9
 * r enterprise, USD, 20 seats, $1,000, 200,000 requests, LLM $500 (PTB $400), PTB revenue $0:
 *   spends credits bought before the window (PTB timing)
 * s free on a Stripe customer, $0, 1 seat, 1,000 requests, PTB $5, PTB revenue $0
 */
export function fixture(): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["m", "n", "o", "p", "q", "r", "s"],
    org_name: ["M", "N", "O", "P", "Q", "R", "S"],
    tier: ["pro", "pro", "free", "team", "pro", "enterprise", "free"],
    tier_raw: ["pro-20251210", "pro", "free", "team-20250130", "pro", "enterprise", "free"],
    stripe_customer_id: ["cus_m", "cus_n", null, "cus_p", "cus_q", "cus_r", "cus_s"],
    seats: [3, 0, 1, 6, 2, 20, 1],
    active_users_30d: [3, 0, 0, 6, 2, 15, 1],
    requests_30d: [40_000, 5_000, 0, 100_000, 3_000, 200_000, 1_000],
    llm_cost_30d: [60, 8, 0, 350, 9, 500, 5],
    llm_cost_ptb_30d: [45, 0, 0, 0, 9, 400, 5],
    llm_cost_byok_30d: [15, 8, 0, 350, 0, 100, 0],
    addon_prompts: [0, 0, 0, 0, 0, 0, 0],
    mrr: [79 * EUR, 18.45 * EUR, 0, 200, null, 1000, 0],
    mrr_recurring: [79 * EUR, 18.45 * EUR, 0, 200, null, 1000, 0],
    currency: ["EUR", "EUR", null, "USD", "GBP", "USD", null],
    revenue_source: [
      "stripe",
      "stripe",
      "no_customer",
      "stripe",
      "unconverted",
      "stripe",
      "stripe",
    ],
  });
}

/** PTB revenue per customer in USD; q's (GBP, no rate) is not known. */
export function revenue(): RevenueResult {
  const ptb: Record<string, number | undefined> = {
    cus_m: 30,
    cus_n: 0,
    cus_p: 0,
    cus_q: undefined,
    cus_r: 0,
    cus_s: 0,
  };
  const byCustomer = new Map<string, CustomerRevenue>();
  for (const [id, usd] of Object.entries(ptb)) {
    const customer = { customerId: id } as CustomerRevenue;
    if (usd !== undefined) customer.ptbRevenueUsd30d = usd;
    byCustomer.set(id, customer);
  }
  return { source: "stripe", byCustomer, warnings: [], apiCalls: 0, durationMs: 0, failed: false };
}

export async function economics() {
  const priceBook = await loadPriceBook();
  const result = addEconomicsColumns(addMetricColumns(fixture(), { windowDays: 30 }), {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.2" }),
    priceBook,
    revenue: revenue(),
    windowDays: 30,
  });
  return { ...result, priceBook };
}

export const column = (frame: pl.DataFrame, name: string) =>
  frame.getColumn(name).toArray() as unknown[];

export function closeList(actual: unknown[], expected: (number | null)[], what: string) {
  assertEquals(actual.length, expected.length, what);
  expected.forEach((e, i) => {
    const a = actual[i] as number | null;
    if (e === null) assertEquals(a, null, `${what}[${i}]: expected empty, got ${a}`);
    else ok(a !== null && Math.abs(a - e) < 1e-9, `${what}[${i}]: expected ${e}, got ${a}`);
  });
}

export const M = 79 * EUR; // 85.6123
export const N = 18.45 * EUR; // 19.994265

/** Σ mrr over the organizations whose MRR is known: every one but q. */
export const MRR_ALL = M + N + 1200; // 1,305.606565
