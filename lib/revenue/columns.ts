/**
 * Puts each organization's Stripe revenue into the revenue columns, by stripe_customer_id.
 *
 * - Revenue not fetched (skipped, failed): every revenue column empty, revenue_source "none".
 * - No stripe_customer_id: no subscription, so 0 revenue; revenue_source "no_customer".
 * - A customer id shared by several organizations: the revenue goes to the first organization in
 *   export order only (newest), the others get empty revenue and "shared_customer", so totals
 *   never count a subscription twice.
 */
import pl from "nodejs-polars";
import type { CustomerRevenue, RevenueResult } from "./types.ts";

const MONEY: [string, keyof CustomerRevenue][] = [
  ["mrr", "mrr"],
  ["base_subscription", "baseSubscription"],
  ["usage_charges", "usageCharges"],
  ["addon_prompts", "addonPrompts"],
  ["addon_other", "addonOther"],
  ["mrr_recurring", "mrrRecurring"],
];
const TEXT: [string, keyof CustomerRevenue][] = [
  ["subscription_status", "subscriptionStatus"],
  ["billing_interval", "billingInterval"],
  ["currency", "currency"],
  ["stripe_plan_names", "stripePlanNames"],
];

export interface RevenueColumnsResult {
  frame: pl.DataFrame;
  warnings: string[];
}

export function attachRevenue(
  frame: pl.DataFrame,
  revenue: RevenueResult | null,
): RevenueColumnsResult {
  const customerIds = frame.getColumn("stripe_customer_id").toArray() as (string | null)[];
  const rows = customerIds.length;
  const money = MONEY.map(() => new Array<number | null>(rows).fill(null));
  const text = TEXT.map(() => new Array<string | null>(rows).fill(null));
  const cancelAtPeriodEnd = new Array<boolean | null>(rows).fill(null);
  const source = new Array<string>(rows).fill("none");
  const warnings: string[] = [];
  const seen = new Set<string>();
  let shared = 0;
  let unknown = 0;
  const knownUnknown = new Set(revenue?.unknownCustomerIds ?? []);

  if (revenue && revenue.source !== "none") {
    for (let row = 0; row < rows; row++) {
      const customerId = customerIds[row];
      if (!customerId) {
        money.forEach((column) => (column[row] = 0));
        source[row] = "no_customer";
        continue;
      }
      if (seen.has(customerId)) {
        shared++;
        source[row] = "shared_customer";
        continue;
      }
      seen.add(customerId);
      const customer = revenue.byCustomer.get(customerId);
      if (!customer) {
        // Customers Stripe does not know are already named in the revenue stage's warning.
        if (!knownUnknown.has(customerId)) unknown++;
        continue;
      }
      MONEY.forEach(([, key], i) => (money[i][row] = customer[key] as number | null));
      TEXT.forEach(([, key], i) => (text[i][row] = customer[key] as string | null));
      cancelAtPeriodEnd[row] = customer.cancelAtPeriodEnd;
      source[row] = revenue.source;
    }
    if (shared > 0) {
      warnings.push(
        `${shared} organizations share a stripe_customer_id with another organization; the revenue is shown once, on the newest (revenue_source = shared_customer on the others)`,
      );
    }
    if (unknown > 0) {
      warnings.push(`${unknown} organizations have a stripe_customer_id with no revenue data`);
    }
  }

  return {
    frame: frame.withColumns(
      ...MONEY.map(([name], i) => pl.Series(name, money[i], pl.Float64)),
      ...TEXT.map(([name], i) => pl.Series(name, text[i], pl.Utf8)),
      pl.Series("cancel_at_period_end", cancelAtPeriodEnd, pl.Bool),
      pl.Series("revenue_source", source, pl.Utf8),
    ),
    warnings,
  };
}
