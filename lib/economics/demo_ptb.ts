/**
 * Demo PTB revenue: the demo's customers buy credits in $25 top-ups, enough to cover the PTB
 * cost of their requests in the window (credits carry no markup, so revenue ≈ cost, rounded up
 * to whole top-ups). Deterministic, from the joined frame; live runs read Stripe instead.
 */
import type pl from "nodejs-polars";
import type { RevenueResult } from "../revenue/types.ts";

export const DEMO_TOP_UP_USD = 25;

export function withDemoPtbRevenue(revenue: RevenueResult, frame: pl.DataFrame): RevenueResult {
  const ids = frame.getColumn("stripe_customer_id").toArray() as (string | null)[];
  const ptbCost = frame.getColumn("llm_cost_ptb_30d").toArray() as number[];
  const costByCustomer = new Map<string, number>();
  // The first organization with a customer id carries its revenue (revenue_columns.ts).
  ids.forEach((id, i) => {
    if (id && !costByCustomer.has(id)) costByCustomer.set(id, ptbCost[i] ?? 0);
  });
  const byCustomer = new Map(
    [...revenue.byCustomer].map(([id, customer]) => {
      const cost = costByCustomer.get(id) ?? 0;
      const topUps = Math.ceil(cost / DEMO_TOP_UP_USD);
      return [id, { ...customer, ptbRevenueUsd30d: topUps * DEMO_TOP_UP_USD }];
    }),
  );
  return { ...revenue, byCustomer };
}
