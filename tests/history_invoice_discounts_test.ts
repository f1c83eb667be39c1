/**
 * Discounts no subscription lists any more, read from the invoices that carry them
 * (lib/revenue/invoice_discounts.ts) through the real SDK from the fake Stripe API: a deleted
 * customer's own discount, a once coupon used up, a repeating coupon ended, an add-on's own
 * discount gone with the add-on. Amounts worked out by hand below.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { fetchInvoiceHistory } from "../lib/revenue/invoice_fetch.ts";
import { invoiceMrrAt } from "../lib/revenue/invoice_mrr.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import { revenueChecks } from "../lib/history/invoice_revenue.ts";
import { fakeStripeConnection, startFakeStripe } from "./fake_stripe.ts";
import { expands } from "./fake_stripe_api.ts";
import { type Json, price, subscription } from "./fixtures/stripe/scenarios.ts";

const s = (date: string) => new Date(`${date}T00:00:00Z`).getTime() / 1000;

const plan100 = price("prod_team_bundle", 10000, { id: "price_d_plan100" });
const addOn50 = price("prod_evals", 5000, { id: "price_d_addon50" });

const coupon = (id: string, fields: Json) => ({
  id,
  object: "coupon",
  percent_off: null,
  amount_off: null,
  currency: null,
  duration_in_months: null,
  ...fields,
});
const COUPONS = [
  coupon("co_cust20", { percent_off: 20, duration: "forever" }),
  coupon("co_once10", { amount_off: 1000, currency: "usd", duration: "once" }),
  coupon("co_rep50", { percent_off: 50, duration: "repeating", duration_in_months: 3 }),
  coupon("co_item30", { amount_off: 3000, currency: "usd", duration: "forever" }),
  // co_deleted: deleted since, so no listing returns it
];

/** A discount as an invoice lists it once deleted: its coupon and start, no end. */
const deleted = (id: string, couponId: string, start: string, fields: Json = {}) => ({
  id,
  object: "discount",
  deleted: true,
  source: { type: "coupon", coupon: couponId },
  start: s(start),
  subscription: null,
  subscription_item: null,
  ...fields,
});
const CUST20 = deleted("di_cust20", "co_cust20", "2026-03-01", { customer: "cus_gone" });
const ONCE10 = deleted("di_once10", "co_once10", "2026-09-01", { subscription: "sub_once" });
const REP50 = deleted("di_rep50", "co_rep50", "2026-08-01", { subscription: "sub_rep" });
const ITEM30 = deleted("di_item30", "co_item30", "2026-10-16", { subscription_item: "si_x" });
const GONE = deleted("di_coupon_gone", "co_deleted", "2026-09-01", { subscription: "sub_cg" });

let lines = 0;
function line(
  sub: string,
  priceId: string,
  amount: number,
  [from, to]: [string, string],
  extra: Json = {},
): Json {
  return {
    id: `il_d_${++lines}`,
    object: "line_item",
    amount,
    currency: "usd",
    quantity: 1,
    period: { start: s(from), end: s(to) },
    discount_amounts: [],
    discounts: [],
    taxes: [],
    pricing: { type: "price_details", price_details: { price: priceId } },
    parent: {
      type: "subscription_item_details",
      subscription_item_details: { subscription: sub, proration: extra.proration ?? false },
    },
    ...extra,
  };
}
const off = (discount: Json, amount: number) => [{ discount: discount.id, amount }];

let invoices = 0;
function invoice(customer: string, created: string, invoiceLines: Json[], discounts: Json[] = []) {
  const id = `in_d_${++invoices}`;
  return {
    id,
    object: "invoice",
    customer,
    status: "paid",
    billing_reason: "subscription_cycle",
    created: s(created),
    currency: "usd",
    discounts,
    lines: { object: "list", has_more: false, url: `/v1/invoices/${id}/lines`, data: invoiceLines },
  };
}
const month = (from: string, to: string) => [from, to] as [string, string];

const DATA = {
  subscriptions: [
    // cus_gone was deleted on 11-01 (its subscription canceled with it)
    subscription("cus_gone", [[plan100, 1]], { id: "sub_gone", status: "canceled" }),
    subscription("cus_once", [[plan100, 1]], { id: "sub_once" }),
    subscription("cus_rep", [[plan100, 1]], { id: "sub_rep" }),
    // the add-on was removed in December, its discount with it
    subscription("cus_item", [[plan100, 1]], { id: "sub_item" }),
    subscription("cus_cg", [[plan100, 1]], { id: "sub_cg" }),
  ],
  prices: [{ ...addOn50, active: false }],
  products: [],
  customers: [
    { id: "cus_gone", object: "customer", deleted: true },
    ...["cus_once", "cus_rep", "cus_item", "cus_cg"].map((id) => ({ id, object: "customer" })),
  ],
  coupons: COUPONS,
  invoices: [
    // the customer's 20 % forever off $100: $80.00 in September and October
    ...["2026-09-01", "2026-10-01"].map((from, i) =>
      invoice("cus_gone", from, [
        line("sub_gone", "price_d_plan100", 10000, month(from, ["2026-10-01", "2026-11-01"][i]), {
          discount_amounts: off(CUST20, 2000),
        }),
      ], [CUST20])
    ),
    // $10 once off September's invoice: a one-off, $100.00 a month (as live MRR counts it)
    invoice("cus_once", "2026-09-01", [
      line("sub_once", "price_d_plan100", 10000, month("2026-09-01", "2026-10-01"), {
        discount_amounts: off(ONCE10, 1000),
      }),
    ], [ONCE10]),
    invoice("cus_once", "2026-10-01", [
      line("sub_once", "price_d_plan100", 10000, month("2026-10-01", "2026-11-01")),
    ]),
    // 50 % off for 3 months from 08-01 (its end: 11-01): $50.00 through October, then $100.00
    ...[["2026-08-01", "2026-09-01"], ["2026-09-01", "2026-10-01"], ["2026-10-01", "2026-11-01"]]
      .map(([from, to]) =>
        invoice("cus_rep", from, [
          line("sub_rep", "price_d_plan100", 10000, month(from, to), {
            discount_amounts: off(REP50, 5000),
          }),
        ], [REP50])
      ),
    invoice("cus_rep", "2026-11-01", [
      line("sub_rep", "price_d_plan100", 10000, month("2026-11-01", "2026-12-01")),
    ]),
    // $100 a month; a $50 add-on added on 10-16 at $30 off its own item (forever): the proration
    // is net of it, (50 − 30) × 16/31 = $10.32, listed at 0. Level $100 + $20 = $120.00
    invoice("cus_item", "2026-10-01", [
      line("sub_item", "price_d_plan100", 10000, month("2026-10-01", "2026-11-01")),
    ]),
    invoice("cus_item", "2026-10-16", [
      line("sub_item", "price_d_addon50", 1032, month("2026-10-16", "2026-11-01"), {
        proration: true,
        discounts: [ITEM30],
        discount_amounts: off(ITEM30, 0),
      }),
    ]),
    invoice("cus_item", "2026-11-01", [
      line("sub_item", "price_d_plan100", 10000, month("2026-11-01", "2026-12-01")),
      line("sub_item", "price_d_addon50", 5000, month("2026-11-01", "2026-12-01"), {
        discounts: [ITEM30],
        discount_amounts: off(ITEM30, 3000),
      }),
    ]),
    // $25 off $100 by a coupon deleted since: whether it counts cannot be told, still said
    invoice("cus_cg", "2026-10-01", [
      line("sub_cg", "price_d_plan100", 10000, month("2026-10-01", "2026-11-01"), {
        discount_amounts: off(GONE, 2500),
      }),
    ], [GONE]),
  ],
};

const rules = resolveRules({});
const cents = (history: Parameters<typeof invoiceMrrAt>[0], at: string, ruleSet = rules) =>
  Object.fromEntries(
    [...invoiceMrrAt(history, { at: new Date(`${at}T00:00:00Z`), rules: ruleSet })]
      .map(([customer, m]) => [customer, Math.round((m.usd ?? NaN) * 100)]).sort(),
  );

Deno.test("invoice MRR: discounts no subscription lists any more are read from the invoices that carry them", async () => {
  // one embedded line: cus_item's November add-on line comes from /v1/invoices/:id/lines
  const fake = startFakeStripe(DATA, undefined, 0, { embeddedLimit: 1 });
  const cacheDir = await Deno.makeTempDir();
  try {
    const { history } = await fetchInvoiceHistory({
      ...fakeStripeConnection(fake),
      cacheDir,
      cacheDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      from: new Date("2026-01-01T00:00:00Z"),
      to: new Date("2026-12-20T00:00:00Z"),
    });
    const listing = fake.log.find((r) => r.path === "/v1/invoices")!;
    assertEquals(expands(listing.params).sort(), [
      "data.discounts",
      "data.lines.data.discounts",
    ]);
    const pages = fake.log.filter((r) => r.path.endsWith("/lines"));
    assertEquals(pages.map((r) => expands(r.params)), [["data.discounts"]]);
    ok(history.itemDiscounts.includes("di_item30"), "a line's discount is its item's own");

    // as-of 10-01 reads September 30: gone 100 − 20; once 100; rep 100 − 50; cg at list price
    assertEquals(cents(history, "2026-10-01"), {
      cus_gone: 8000,
      cus_once: 10000,
      cus_rep: 5000,
    });
    // as-of 11-01 reads October 31: rep's discount ends at 11-01 00:00, so still $50; item
    // $100 + the proration's full level $50 less its own $30 = $120 (at list price: $150)
    assertEquals(cents(history, "2026-11-01"), {
      cus_cg: 10000,
      cus_gone: 8000,
      cus_item: 12000,
      cus_once: 10000,
      cus_rep: 5000,
    });
    // as-of 12-01 reads November 30: rep $100 (its discount ended: expansion), item 100 + 50 − 30
    assertEquals(cents(history, "2026-12-01"), { cus_item: 12000, cus_rep: 10000 });
    // Stripe's default setting (forever coupons only): rep reads $100 throughout, gone $80
    const forever = resolveRules({ discountPolicy: "forever" });
    assertEquals(cents(history, "2026-11-01", forever).cus_rep, 10000);
    assertEquals(cents(history, "2026-11-01", forever).cus_gone, 8000);

    // only the line whose coupon no listing returns is said, at its $25.00
    const checks = revenueChecks(history, {
      asOf: new Date("2026-11-01T00:00:00Z"),
      rules,
      customerIds: ["cus_gone", "cus_once", "cus_rep", "cus_item", "cus_cg"],
    });
    assertEquals(checks.length, 1, checks.join("\n"));
    ok(checks[0].startsWith("1 invoice line covering the as-of (customer cus_cg on invoice"));
    ok(checks[0].endsWith("may read high by up to $25.00 a month"), checks[0]);
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
