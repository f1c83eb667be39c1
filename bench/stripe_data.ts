/**
 * The Stripe objects the benchmarks serve through the fake API (bench/main.ts, bench/stripe.ts,
 * bench/history.ts): one seat-priced subscription per customer on the one product, cus_<n> with
 * 1 + n mod 7 seats. What differs between the benchmarks is an option: which customers, the
 * subscription ids, the created times, the price, the invoices.
 */

const DAY = 86_400;

/** A licensed (per seat) price of the pro-users product. */
export function seatPrice(id: string, cents: number, interval: "month" | "year") {
  return {
    id,
    object: "price",
    product: "prod_pro_users",
    currency: "usd",
    unit_amount_decimal: String(cents),
    recurring: { interval, interval_count: 1, usage_type: "licensed" },
  };
}

export type SeatPrice = ReturnType<typeof seatPrice>;

/** $20 a seat a month: every subscription's price unless `priceOf` says otherwise. */
export const MONTHLY_SEAT_PRICE = seatPrice("price_pro_users", 2000, "month");

/** Customer n's seats (its subscription item's quantity). */
export const seatsOf = (n: number): number => 1 + (n % 7);

export interface StripeDataOptions {
  /** The customers' numbers (cus_<n>, si_<n>), in Stripe's list order: newest first. */
  customers: readonly number[];
  /** sub_00000005 (zero-padded to 8 digits) or sub_5. */
  subscriptionIds: "padded" | "plain";
  /**
   * Created times spread over the three years before `asOf`, newest first: customer n's is
   * asOf − ⌊rank(n) × 3 years / ranks⌋ (whole seconds). Without it subscriptions have no created.
   */
  created?: { asOf: Date; rank: (n: number) => number; ranks: number };
  /** Customer n's price (default MONTHLY_SEAT_PRICE). */
  priceOf?: (n: number) => SeatPrice;
  /** The invoices to serve (default none). */
  invoices?: unknown[];
}

/** The fake API's data: subscriptions, the one product, invoices. */
export function fakeStripeData(options: StripeDataOptions) {
  const { created } = options;
  const subscriptions = options.customers.map((n) => ({
    id: `sub_${options.subscriptionIds === "padded" ? String(n).padStart(8, "0") : n}`,
    object: "subscription",
    customer: `cus_${n}`,
    status: "active",
    currency: "usd",
    ...(created
      ? {
        created: created.asOf.getTime() / 1000 -
          Math.floor((created.rank(n) * 3 * 365 * DAY) / created.ranks),
      }
      : {}),
    cancel_at_period_end: false,
    discounts: [],
    items: {
      object: "list",
      data: [{
        id: `si_${n}`,
        quantity: seatsOf(n),
        price: options.priceOf?.(n) ?? MONTHLY_SEAT_PRICE,
        discounts: [],
      }],
    },
  }));
  return {
    subscriptions,
    products: [{ id: "prod_pro_users", object: "product", name: "pro-users", metadata: {} }],
    invoices: options.invoices ?? [],
  };
}

/** The seed's customers: every 5th organization (5, 10, … ≤ orgs) has a Stripe customer. */
export function everyFifthOrganization(orgs: number): number[] {
  const customers = [];
  for (let g = 5; g <= orgs; g += 5) customers.push(g);
  return customers;
}
