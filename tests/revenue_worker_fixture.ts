/**
 * The revenue worker tests' fake Stripe account (the scenarios with PTB credits) and its settings,
 * shared by revenue_worker_test.ts and revenue_worker_stop_test.ts.
 */
import pg from "pg";
import { type FakeStripe, fakeStripeEnv } from "./fake_stripe.ts";
import { CUSTOMERS, FAKE_DATA, type Json, T } from "./fixtures/stripe/scenarios.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";

export const PTB_PRODUCT = "prod_token_usage";

/** Prepaid PTB credits in the window: $25 for cus_seat, $100 for cus_team (fees excluded). */
export const paymentIntents: Json[] = [
  ["pi_seat", "cus_seat", 2605, "2500", "105"],
  ["pi_team", "cus_team", 10330, "10000", "330"],
].map(([id, customer, amount, credits, fee]) => ({
  id,
  object: "payment_intent",
  customer,
  created: T - 3 * 86_400,
  currency: "usd",
  status: "succeeded",
  amount,
  amount_received: amount,
  metadata: { productId: PTB_PRODUCT, creditsAmountCents: credits, stripeFeeCents: fee },
}));

/** The fake Stripe account: the scenarios, with the token-usage product and its credits. */
export const ACCOUNT = {
  ...FAKE_DATA,
  products: [...FAKE_DATA.products, { id: PTB_PRODUCT, name: "Cloud Gateway token usage" }],
  paymentIntents,
};

/** The run's settings for the fake Stripe account, as a user would set them. */
export function stripeEnv(fake: FakeStripe): Record<string, string> {
  return {
    ...fakeStripeEnv(fake),
    PRICING_FX_RATES: "EUR:1.1,JPY:0.0067",
    PRICING_STRIPE_PTB_PRODUCT: PTB_PRODUCT,
  };
}

/**
 * The fixture databases plus 40 organizations holding the Stripe scenarios' customers: some
 * share a customer, several share a created_at (org_id breaks the tie), a few have none.
 */
export async function scenarioDatabases(label: string) {
  const databases = await freshFixtureDatabases(label);
  const client = new pg.Client({ connectionString: databases.env.PRICING_PG_URL });
  await client.connect();
  try {
    const rows = Array.from({ length: 40 }, (_, i) => {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      const customer = i % 9 === 8 ? null : CUSTOMERS[(i * 7) % CUSTOMERS.length];
      return [id, `Scenario ${i}`, `2025-0${1 + (i % 4)}-15T00:00:00Z`, customer];
    });
    await client.query(
      `INSERT INTO organization (id, name, created_at, tier, stripe_customer_id)
       SELECT id::uuid, name, created_at::timestamptz, 'pro-20251210', customer
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(id, name, created_at, customer)`,
      [0, 1, 2, 3].map((c) => rows.map((r) => r[c])),
    );
  } finally {
    await client.end();
  }
  return databases;
}
