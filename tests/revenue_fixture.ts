/**
 * The revenue tests' fake Stripe run (tests/fake_stripe.ts on tests/fixtures/stripe/scenarios.ts,
 * with EUR and JPY rates) shared by the revenue_*_test.ts files.
 */
import { loadRevenue } from "../lib/revenue/mod.ts";
import type { StripeSnapshot } from "../lib/revenue/snapshot.ts";
import { revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { type FakeStripeData, withFakeStripe } from "./fake_stripe.ts";
import { AS_OF, FAKE_DATA } from "./fixtures/stripe/scenarios.ts";

/** A Stripe snapshot with nothing in it but one customer known to exist (a cache's least content). */
export const EMPTY_SNAPSHOT: StripeSnapshot = {
  subscriptions: [],
  customerDiscounts: {},
  products: [],
  usageLines: [],
  customers: { listed: false, existing: ["cus_a"], missing: [], unverified: [] },
  unreadableDiscounts: [],
  ptb: null,
};

export function withFake(
  run: Parameters<typeof withFakeStripe>[0],
  data: FakeStripeData = FAKE_DATA,
) {
  return withFakeStripe(run, {
    data,
    mode: "auto",
    asOf: AS_OF,
    rules: revenueRulesFromEnv({ PRICING_FX_RATES: "EUR:1.1,JPY:0.0067" }),
  });
}

/**
 * Each customer's [mrr, subscription_status, cancel_at_period_end] at each of `hours` after the
 * as-of, in turn on one fake account (and its cache: the first run fetches and writes it), with
 * the revenue's source.
 */
export async function rowsAt(data: FakeStripeData, customers: string[], hours: number[] = [0]) {
  const T = AS_OF.getTime() / 1000;
  const runs: { source: string; rows: Record<string, unknown[]> }[] = [];
  await withFakeStripe(async (_fake, options) => {
    for (const hour of hours) {
      const asOf = new Date((T + hour * 3600) * 1000);
      const result = await loadRevenue(customers, { ...options, asOf });
      runs.push({
        source: result.source,
        rows: Object.fromEntries(customers.map((c) => {
          const row = result.byCustomer.get(c)!;
          return [c, [row.mrr, row.subscriptionStatus, row.cancelAtPeriodEnd]];
        })),
      });
    }
  }, { data, asOf: AS_OF, mode: "auto" });
  return runs;
}
