/**
 * The invoice backfill reads a coupon's terms as the live fetch does: the coupon listing with
 * `applies_to` and `currency_options` expanded (lib/revenue/fetch.ts listCoupons). A cycle line
 * says what Stripe took off it (discount_amounts); a proration lists its discounts at 0 (Stripe
 * nets them into its amount), so its full level has them taken off by their terms: a coupon
 * limited to product A takes nothing off product B's, and an amount-off coupon takes its
 * currency_options amount off a EUR item. Through the real `stripe` SDK against
 * tests/fake_stripe.ts, read at month ends as the backfill reads them (invoiceRevenue); live MRR
 * at the same instants agrees. Figures by hand below.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { invoiceRevenue } from "../lib/history/invoice_revenue.ts";
import { fetchInvoiceHistory } from "../lib/revenue/invoice_fetch.ts";
import { invoiceMrrAt } from "../lib/revenue/invoice_mrr.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import { withFakeStripe } from "./history_invoice_fixture.ts";
import { expands } from "./fake_stripe_api.ts";
import {
  discount,
  invoice,
  type Json,
  line,
  price,
  subscription,
} from "./fixtures/stripe/scenarios.ts";

const at = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;
const rules = resolveRules({ fxRates: { eur: 1.1 } });

const productA = price("prod_coupon_a", 10000, { id: "price_coupon_a100" });
const productB = price("prod_coupon_b", 5000, { id: "price_coupon_b50" });
const eurBase = price("prod_coupon_eur_base", 9000, { id: "price_eur_base90", currency: "eur" });
const eurAddOn = price("prod_coupon_eur_addon", 5000, { id: "price_eur_addon50", currency: "eur" });
const eurPlan = price("prod_coupon_eur_plan", 10000, { id: "price_eur_plan100", currency: "eur" });

// 20 % off forever, product A only
const aOnly = discount({
  id: "di_a_only_20",
  couponId: "co_a_only_20",
  percent_off: 20,
  duration: "forever",
  applies_to: { products: ["prod_coupon_a"] },
});
// $10 off forever, €10 in EUR (a USD coupon whose currency_options carry EUR): an item's own,
// and a subscription's
const tenOff = (id: string) =>
  discount({
    id,
    couponId: "co_ten_off_eur",
    amount_off: 1000,
    duration: "forever",
    currency_options: { eur: { amount_off: 1000 } },
  });
const itemTenOff = tenOff("di_item_ten_eur");
const subTenOff = tenOff("di_sub_ten_eur");
const couponObjects = [aOnly, itemTenOff].map((d) => d.source.coupon);

const subscriptions = [
  // $100 A + $50 B (B added 10-16), 20 % off A: $80 + $50 = $130
  subscription("cus_a_only", [[productA, 1], [productB, 1]], {
    id: "sub_a_only",
    discounts: [aOnly],
  }),
  // €90 + a €50 add-on (added 10-16) at €10 off its own item: €90 + €40 = €130
  subscription("cus_eur_item", [[eurBase, 1], [eurAddOn, 1, { discounts: [itemTenOff] }]], {
    id: "sub_eur_item",
    currency: "eur",
  }),
  // €100 at €10 off the subscription: €90
  subscription("cus_eur_sub", [[eurPlan, 1]], {
    id: "sub_eur_sub",
    currency: "eur",
    discounts: [subTenOff],
  }),
];
const customers = subscriptions.map((s) => s.customer);
const products = [productA, productB, eurBase, eurAddOn, eurPlan].map((p) => ({
  id: p.product,
  object: "product",
  name: p.product,
  active: true,
  metadata: {},
}));

let lines = 0;
/** A line of `sub` at `priceId` for [from, to), in `currency`, with its discounts' amounts. */
const lineOf = (
  sub: string,
  priceId: string,
  amount: number,
  { period: [from, to], currency = "usd", off = [], proration = false }: {
    period: [string, string];
    currency?: string;
    off?: [Json, number][];
    proration?: boolean;
  },
) =>
  line(`il_ct_${++lines}`, priceId, amount, sub, {
    currency,
    quantity: 1,
    period: { start: at(from), end: at(to) },
    discount_amounts: off.map(([d, cents]) => ({ discount: d.id, amount: cents })),
    parent: {
      type: "subscription_item_details",
      subscription_item_details: { subscription: sub, proration },
    },
  });
let invoices_ = 0;
const invoiceOf = (customer: string, sub: string, created: string, currency: string, l: Json[]) =>
  invoice(`in_ct_${++invoices_}`, customer, sub, at(created), l, { currency });

const OCT: [string, string] = ["2026-10-01", "2026-11-01"];
const ADDED: [string, string] = ["2026-10-16", "2026-11-01"];
const NOV: [string, string] = ["2026-11-01", "2026-12-01"];
const invoices = [
  invoiceOf("cus_a_only", "sub_a_only", "2026-10-01", "usd", [
    lineOf("sub_a_only", productA.id, 10000, { period: OCT, off: [[aOnly, 2000]] }),
  ]),
  // B's proration, 16 of 31 days: $50 × 16/31 = $25.81, the invoice's discount listed at 0
  // (Stripe nets a proration's discounts into it: none here, the coupon does not cover B)
  invoiceOf("cus_a_only", "sub_a_only", "2026-10-16", "usd", [
    lineOf("sub_a_only", productB.id, 2581, { period: ADDED, off: [[aOnly, 0]], proration: true }),
  ]),
  invoiceOf("cus_a_only", "sub_a_only", "2026-11-01", "usd", [
    lineOf("sub_a_only", productA.id, 10000, { period: NOV, off: [[aOnly, 2000]] }),
    lineOf("sub_a_only", productB.id, 5000, { period: NOV, off: [[aOnly, 0]] }),
  ]),
  invoiceOf("cus_eur_item", "sub_eur_item", "2026-10-01", "eur", [
    lineOf("sub_eur_item", eurBase.id, 9000, { period: OCT, currency: "eur" }),
  ]),
  // the add-on's proration net of its own €10: (€50 − €10) × 16/31 = €20.65, listed at 0
  invoiceOf("cus_eur_item", "sub_eur_item", "2026-10-16", "eur", [
    lineOf("sub_eur_item", eurAddOn.id, 2065, {
      period: ADDED,
      currency: "eur",
      off: [[itemTenOff, 0]],
      proration: true,
    }),
  ]),
  invoiceOf("cus_eur_item", "sub_eur_item", "2026-11-01", "eur", [
    lineOf("sub_eur_item", eurBase.id, 9000, { period: NOV, currency: "eur" }),
    lineOf("sub_eur_item", eurAddOn.id, 5000, {
      period: NOV,
      currency: "eur",
      off: [[itemTenOff, 1000]],
    }),
  ]),
  ...[OCT, NOV].map((period) =>
    invoiceOf("cus_eur_sub", "sub_eur_sub", period[0], "eur", [
      lineOf("sub_eur_sub", eurPlan.id, 10000, {
        period,
        currency: "eur",
        off: [[subTenOff, 1000]],
      }),
    ])
  ),
];

for (
  const [deleted, coupons] of [
    [false, couponObjects],
    // deleted in Stripe: none listed; the prompts-only one is the subscription's own discount,
    // embedded without applies_to, read off the subscription; the €10 one off the item
    [true, []],
  ] as const
) {
  Deno.test(
    `the invoice backfill reads a coupon limited to products and an amount-off coupon's currency_options as live MRR does${
      deleted ? ", the coupons deleted in Stripe" : ""
    }`,
    () => backfillReadsCouponTerms([...coupons], deleted),
  );
}

async function backfillReadsCouponTerms(coupons: Json[], deleted: boolean) {
  await withFakeStripe({ subscriptions, products, invoices, coupons }, async (connection, fake) => {
    const fetched = await fetchInvoiceHistory({
      ...connection,
      from: new Date("2026-01-01T00:00:00Z"),
      to: new Date("2026-12-20T00:00:00Z"),
      rules,
    });
    // the coupons in one listing with both expansions, as the live fetch lists them: no call more
    const couponLists = fake.log.filter((r) => r.path === "/v1/coupons");
    assertEquals(couponLists.map((r) => expands(r.params).sort()), [[
      "data.applies_to",
      "data.currency_options",
    ]]);
    assertEquals(fetched.apiCalls, fake.requests.length);
    // each deleted coupon read once off a holder, with both its expandable fields
    const holderReads = fake.log.filter((r) => /^\/v1\/subscription(s|_items)\/[^/]+$/.test(r.path))
      .map((r) => `${r.path.replace(/si_\d+$/, "si_")} ${expands(r.params).sort().join(" ")}`)
      .sort();
    assertEquals(
      holderReads,
      deleted
        ? [
          "/v1/subscription_items/si_ discounts.source.coupon.applies_to discounts.source.coupon.currency_options",
          "/v1/subscriptions/sub_a_only discounts.source.coupon.applies_to discounts.source.coupon.currency_options",
        ]
        : [],
    );

    const asOfs = ["2026-11-01", "2026-12-01"];
    // as-of 11-01 reads October 31 (the prorations' levels), 12-01 November 30 (cycle lines)
    for (const asOf of asOfs) {
      const date = new Date(`${asOf}T00:00:00Z`);
      const byCurrency = Object.fromEntries(
        [...invoiceMrrAt(fetched.history, { at: date, rules })]
          .map(([customer, m]) => [customer, Object.fromEntries(m.byCurrency)]),
      );
      // A $80 + B $50 (not $40); €90 + €50 − €10 (not €140); €100 − €10
      assertEquals(byCurrency, {
        cus_a_only: { usd: 13000 },
        cus_eur_item: { eur: 13000 },
        cus_eur_sub: { eur: 9000 },
      }, asOf);
      const backfilled = invoiceRevenue(fetched.history, {
        asOf: date,
        windowDays: 30,
        rules,
        customerIds: customers,
      });
      const live = await loadRevenue(customers, {
        ...connection,
        mode: "refresh",
        asOf: date,
        rules,
      });
      const mrr = (byCustomer: Map<string, { mrrRecurring: number | null }>) =>
        customers.map((c) => byCustomer.get(c)!.mrrRecurring);
      // $130; €130 × 1.1 = $143; €90 × 1.1 = $99, in the backfill and live alike
      assertEquals(mrr(backfilled.byCustomer), [130, 143, 99], `backfill at ${asOf}`);
      assertEquals(mrr(live.byCustomer), [130, 143, 99], `live at ${asOf}`);
    }
  });
}
