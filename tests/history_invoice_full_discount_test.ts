/**
 * A 100 % coupon in the invoice backfill (lib/revenue/invoice_mrr.ts) and live, through the real
 * `stripe` SDK against tests/fake_stripe.ts. revenue-rules.md: the backfill's level is the price
 * less the discounts the discount setting includes (rule 4), a paid plan gone to $0 is churn (rule
 * 6; Baremetrics reads 100 % off as a cancellation), and backfill = live. So a forever 100 % coupon
 * reads $0 from its first invoice, as live MRR does, and list price where the setting counts no
 * discount; a repeating one reads $0 while it covers the invoices and the price again from the first
 * invoice after its end, one ending inside the window before the as-of included. Figures by hand.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { reconcile } from "../lib/history/invoice_revenue.ts";
import { fetchInvoiceHistory } from "../lib/revenue/invoice_fetch.ts";
import { invoiceMrrAt } from "../lib/revenue/invoice_mrr.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import { discount, products, subscription } from "./fixtures/stripe/scenarios.ts";
import { cents, invoice, line, P, s, withFakeStripe } from "./history_invoice_fixture.ts";

// 100 % off forever, applied on September 20
const FREE = {
  ...discount({ id: "di_free100", couponId: "co_free100", percent_off: 100, duration: "forever" }),
  start: s("2026-09-20"),
};
// 100 % off for two months from August 25: it took all of September's and October's invoices
// off, and ended November 1 at 00:00, with November's invoice created then at full price
const TWO_FREE = {
  ...discount(
    { id: "di_two_free", couponId: "co_two_free", percent_off: 100, duration: "repeating" },
    s("2026-11-01"),
  ),
  start: s("2026-08-25"),
};

const monthLine = (sub: string, from: string, to: string, off?: string) =>
  line({
    price: "price_plan100",
    amount: 10000,
    sub,
    period: [from, to],
    ...(off ? { discounts: [[off, 10000] as [string, number]] } : {}),
  });

const DATA = {
  subscriptions: [
    subscription("cus_comped", [[P.plan100, 1]], { id: "sub_comped", discounts: [FREE] }),
    subscription("cus_two_free", [[P.plan100, 1]], { id: "sub_two_free", discounts: [TWO_FREE] }),
  ],
  products,
  invoices: [
    // $100 in September; then the coupon takes each invoice to $0
    invoice("cus_comped", "2026-09-01", [monthLine("sub_comped", "2026-09-01", "2026-10-01")]),
    invoice("cus_comped", "2026-10-01", [
      monthLine("sub_comped", "2026-10-01", "2026-11-01", "di_free100"),
    ]),
    invoice("cus_comped", "2026-11-01", [
      monthLine("sub_comped", "2026-11-01", "2026-12-01", "di_free100"),
    ]),
    // $0 in September and October, $100 from November 1
    invoice("cus_two_free", "2026-09-01", [
      monthLine("sub_two_free", "2026-09-01", "2026-10-01", "di_two_free"),
    ]),
    invoice("cus_two_free", "2026-10-01", [
      monthLine("sub_two_free", "2026-10-01", "2026-11-01", "di_two_free"),
    ]),
    invoice("cus_two_free", "2026-11-01", [
      monthLine("sub_two_free", "2026-11-01", "2026-12-01"),
    ]),
  ],
};

const AS_OF = new Date("2026-11-15T00:00:00Z");
const CUSTOMERS = ["cus_comped", "cus_two_free"];

/** Each customer's backfilled MRR in cents at each date, and live MRR at the as-of. */
async function read(policy: "recurring" | "none") {
  const rules = resolveRules({ discountPolicy: policy });
  const read: Record<string, unknown> = {};
  await withFakeStripe(DATA, async (connection) => {
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from: new Date("2026-08-01T00:00:00Z"),
      to: AS_OF,
      rules,
    });
    for (const date of ["2026-09-15", "2026-10-15", "2026-11-15"]) {
      // a customer at $0 has no line counted then ($0 lines are no MRR: rule 6): 0
      const at = cents(invoiceMrrAt(history, { at: new Date(`${date}T00:00:00Z`), rules }));
      read[date] = Object.fromEntries(CUSTOMERS.map((c) => [c, at[c] ?? 0]));
    }
    const live = await loadRevenue(CUSTOMERS, { ...connection, mode: "auto", asOf: AS_OF, rules });
    read.live = Object.fromEntries(
      CUSTOMERS.map((
        c,
      ) => [c, [live.byCustomer.get(c)?.mrr, live.byCustomer.get(c)?.subscriptionStatus]]),
    );
    const checked = reconcile(live, { history, at: AS_OF, rules });
    read.differing = checked.differing;
  });
  return read;
}

Deno.test("a 100 % coupon: the backfill reads $0 from the first invoice it takes off (forever) or while it covers them (repeating), live MRR alike at the as-of; none of it where the setting counts no discount", async () => {
  assertEquals(await read("recurring"), {
    "2026-09-15": { cus_comped: 10000, cus_two_free: 0 },
    "2026-10-15": { cus_comped: 0, cus_two_free: 0 },
    "2026-11-15": { cus_comped: 0, cus_two_free: 10000 },
    live: { cus_comped: [0, "active"], cus_two_free: [100, "active"] },
    differing: [],
  });
  // PRICING_STRIPE_DISCOUNTS=none: list prices throughout
  assertEquals(await read("none"), {
    "2026-09-15": { cus_comped: 10000, cus_two_free: 10000 },
    "2026-10-15": { cus_comped: 10000, cus_two_free: 10000 },
    "2026-11-15": { cus_comped: 10000, cus_two_free: 10000 },
    live: { cus_comped: [100, "active"], cus_two_free: [100, "active"] },
    differing: [],
  });
});
