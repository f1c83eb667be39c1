/**
 * The revenue tests' fake Stripe run (tests/fake_stripe.ts on tests/fixtures/stripe/scenarios.ts,
 * with EUR and JPY rates) shared by the revenue_*_test.ts files.
 */
import { revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { type FakeStripeData, withFakeStripe } from "./fake_stripe.ts";
import { AS_OF, FAKE_DATA } from "./fixtures/stripe/scenarios.ts";

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
