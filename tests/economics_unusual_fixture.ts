/**
 * The economics probe's unusual organizations through the real path: PostgreSQL 15 and ClickHouse
 * 18.16 loaded from tests/fixtures/{postgres,clickhouse}_economics_unusual.sql, Stripe through the
 * real SDK against the fake API, a price book of the probe's own, FX rates for EUR and JPY. One
 * export (CSV, XLSX, brief) per test process, shared by tests/economics_unusual_*_test.ts, which
 * compute every expected value by hand from the rows below.
 *
 * 30-day window [2026-10-02, 2026-11-01); infrastructure 2 USD per 1,000 requests; EUR 1.1 and JPY
 * 0.0065 USD; PTB product prod_token_usage.
 *
 *     org  tier           plan (this book)       seats  Stripe              requests (cost)
 *     A    pro            pro (seat, legacy)     0      cus_a 20 USD        500 BYOK, 2 USD
 *     B    platinum       unknown tier (no plan) 1      none                300 PTB, 3 USD
 *     C    pro-20251210   Pro 2025-12-10         3      cus_c 79 USD        1,000 BYOK, 50 USD
 *     D    pro            pro (seat, legacy)     2      cus_d 2 × 20 USD    200 PTB 4 USD + 100 PTB
 *                                                       + 10 USD credits    with no cost recorded
 *     E    team-20250130  (none: no team plan)   1      cus_e 200 USD       1,000 PTB, 300 USD
 *     F    pro-20251210   Pro 2025-12-10         2      cus_fg 79 USD       100 BYOK, 1 USD
 *     G    free           free (0 USD)           1      cus_fg (F's)        100 PTB, 5 USD
 *     H    pro            pro (seat, legacy)     4      cus_h 4 × 20 EUR    400 BYOK, 4 USD
 *     I    pro-20251210   Pro 2025-12-10         1      cus_i 12,000 JPY    100 PTB, 10 USD
 *                                                       + 1,500 JPY credits
 *     J    free           free (0 USD)           1      none                50 PTB, 1 USD
 *     K    pro (created 2026-10-20) legacy       1      cus_k 20 USD        100 BYOK, 1 USD
 *     L    growth         growth (graduated)     2      cus_l 60 USD        1,000 BYOK, 1 USD
 */
import { join } from "node:path";
import { runExport } from "../lib/export.ts";
import type { ExportResult } from "../lib/core/types.ts";
import { activeSubscription, fakeStripeEnv, startFakeStripe } from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { DAY, type Json } from "./fixtures/stripe/scenarios.ts";

export const asOf = new Date("2026-11-01T00:00:00Z");
const T = asOf.getTime() / 1000;
const PTB_PRODUCT = "prod_token_usage";

/** org ids of postgres_economics_unusual.sql, by letter */
export const ORG: Record<string, string> = Object.fromEntries(
  [..."ABCDEFGHIJKL"].map((letter, i) => [
    letter,
    `c6000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
  ]),
);

/**
 * The probe's price book: a plan named " PRO-20251210 " in tiersRaw (case and spaces apart from the
 * data's pro-20251210), a graduated per-request price (1,000 requests at 10 USD per 1,000, then 4
 * USD) on growth, free at 0 USD, and no plan for team.
 */
export const PRICE_BOOK = {
  name: "probe_book",
  addonPrices: { prompts: 50 },
  plans: [
    {
      name: "Pro 2025-12-10",
      match: { tiersRaw: [" PRO-20251210 "] },
      flatUsd: 79,
      addonsIncluded: true,
    },
    {
      name: "growth (graduated)",
      match: { tiers: ["growth"] },
      perSeatUsd: 5,
      perRequest: {
        includedRequests: 0,
        mode: "graduated",
        tiers: [{ upTo: 1000, usdPer1k: 10 }, { upTo: null, usdPer1k: 4 }],
      },
      addonsIncluded: true,
    },
    { name: "pro (seat, legacy)", match: { tiers: ["pro"] }, perSeatUsd: 20, minimumUsd: 20 },
    { name: "free", match: { tiers: ["free"] }, flatUsd: 0, addonsIncluded: true },
    { name: "unknown tier (no plan)", match: { tiers: ["other"] }, keepCurrentMrr: true },
  ],
};

function price(id: string, { cents, currency }: { cents: number; currency: string }): Json {
  return {
    id,
    product: `prod_${id}`,
    currency,
    unit_amount_decimal: String(cents),
    recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
  };
}

function subscription(
  customer: string,
  { priceId, cents, currency = "usd", quantity = 1 }: {
    priceId: string;
    cents: number;
    currency?: string;
    quantity?: number;
  },
): Json {
  const sub = activeSubscription(customer, price(priceId, { cents, currency }));
  sub.currency = currency;
  sub.items.data[0].quantity = quantity;
  return sub;
}

/** Credits bought in the window: `amount` minor units of `currency` (JPY has none). */
function credits(id: string, customer: string, { amount, currency }: Json): Json {
  return {
    id,
    object: "payment_intent",
    customer,
    created: T - 10 * DAY,
    currency,
    status: "succeeded",
    amount,
    amount_received: amount,
    metadata: { productId: PTB_PRODUCT, creditsAmountCents: String(amount) },
  };
}

export function stripeData(): Json {
  const usd = (cents: number, quantity = 1) => ({ priceId: "pro_seat", cents, quantity });
  return {
    subscriptions: [
      subscription("cus_a", usd(2000)),
      subscription("cus_c", { priceId: "pro-20251210", cents: 7900 }),
      subscription("cus_d", usd(2000, 2)),
      subscription("cus_e", { priceId: "team_bundle", cents: 20000 }),
      subscription("cus_fg", { priceId: "pro-20251210", cents: 7900 }),
      subscription("cus_h", { priceId: "pro_seat_eur", cents: 2000, currency: "eur", quantity: 4 }),
      subscription("cus_i", { priceId: "pro-20251210_jpy", cents: 12000, currency: "jpy" }),
      subscription("cus_k", usd(2000)),
      subscription("cus_l", { priceId: "growth_seat", cents: 3000, quantity: 2 }),
    ],
    products: [
      ...["pro_seat", "pro-20251210", "team_bundle", "pro_seat_eur", "pro-20251210_jpy"]
        .map((id) => ({ id: `prod_${id}`, name: id, metadata: {} })),
      { id: "prod_growth_seat", name: "growth_seat", metadata: {} },
      { id: PTB_PRODUCT, object: "product", name: "Cloud Gateway token usage", metadata: {} },
    ],
    invoices: [],
    paymentIntents: [
      credits("pi_d", "cus_d", { amount: 1000, currency: "usd" }),
      credits("pi_i", "cus_i", { amount: 1500, currency: "jpy" }),
    ],
  };
}

export interface ProbeExport {
  result: ExportResult;
  outDir: string;
}

let shared: Promise<ProbeExport> | null = null;

/**
 * The probe's export, run once per test process (CSV, XLSX, brief; no charts). Its databases,
 * fake Stripe and price book are gone when it returns; the files stay in `outDir` (a temporary
 * folder removed at unload).
 */
export function probeExport(): Promise<ProbeExport> {
  return shared ??= run();
}

async function run(): Promise<ProbeExport> {
  const fake = startFakeStripe(stripeData());
  const databases = await freshFixtureDatabases("econ_unusual", {
    postgres: ["postgres_schema.sql", "postgres_economics_unusual.sql"],
    clickhouse: ["clickhouse_schema.sql", "clickhouse_economics_unusual.sql"],
  });
  const outDir = await Deno.makeTempDir({ prefix: "econ_unusual_" });
  globalThis.addEventListener("unload", () => Deno.removeSync(outDir, { recursive: true }));
  try {
    const book = join(outDir, "probe_book.json");
    await Deno.writeTextFile(book, JSON.stringify(PRICE_BOOK, null, 2));
    const result = await runExport({
      asOf,
      outDir,
      formats: ["csv", "xlsx"],
      charts: false,
      quiet: true,
      log: () => {},
      history: false,
      env: {
        ...databases.env,
        ...fakeStripeEnv(fake),
        PRICING_STRIPE_PTB_PRODUCT: PTB_PRODUCT,
        PRICING_FX_RATES: "EUR:1.1,JPY:0.0065",
        PRICING_INFRA_USD_PER_1K_REQUESTS: "2",
        PRICING_PRICE_BOOK: book,
      },
    });
    return { result, outDir };
  } finally {
    await databases.drop();
    await fake.close();
  }
}
