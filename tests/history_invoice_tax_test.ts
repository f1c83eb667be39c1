/**
 * The invoice backfill on tax-inclusive prices whose invoices carry a discount the discount
 * setting leaves out, against live MRR (revenue-rules.md rule 4: backfill = live). Stripe takes
 * the inclusive tax out of what is left after its discounts: 125 USD with 25 % tax included and
 * 25 USD off bills 100 USD, 20 of it tax. Live MRR (mrr.ts) takes the discounts the setting counts
 * off the price as billed and the tax out of the rest, ÷ 1.25. By hand, at 2026-10-01 (the
 * September line):
 * - a once coupon (never counted): live 125 / 1.25 = 100.00 USD; read as the invoice's amount less
 *   its tax, 125 − 20 = 105.00 USD.
 * - a forever coupon under PRICING_STRIPE_DISCOUNTS=none: the same, 100.00 USD, not 105.00.
 * - a forever coupon, counted: (125 − 25) / 1.25 = 80.00 USD (the invoice's 125 − 25 − 20).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { invoiceMrrAt } from "../lib/revenue/invoice_mrr.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import type { DiscountLite } from "../lib/revenue/stripe_objects.ts";
import { historyOf, liteLine } from "./history_invoice_fixture.ts";
import { price } from "./fixtures/stripe/scenarios.ts";

const plan125 = price("prod_team_bundle", 12500, { id: "price_t_plan125" });

const off25 = (duration: "once" | "forever"): DiscountLite => ({
  id: `di_t_${duration}25`,
  coupon: {
    id: `co_t_${duration}25`,
    percent_off: null,
    amount_off: 2500,
    currency: "usd",
    duration,
    applies_to_products: null,
    amount_off_by_currency: null,
  },
  start: null,
  end: null,
});

/** MRR at 2026-10-01 of September's line: 125 USD, 25 off by `discount`, 20 of tax in it. */
function septemberMrr(discount: DiscountLite, policy: "recurring" | "none" = "recurring") {
  const line = {
    ...liteLine("cus_t", "price_t_plan125", 12500, "2026-09-01", "2026-10-01"),
    inclusive_tax: 2000,
    discount_amounts: [{ discount: discount.id, amount: 2500 }],
  };
  const rules = resolveRules({ discountPolicy: policy });
  const at = new Date("2026-10-01T00:00:00Z");
  return invoiceMrrAt(historyOf([plan125], [line], [discount]), { at, rules }).get("cus_t")!.usd;
}

Deno.test("a once amount-off on a tax-inclusive price backfills at live MRR, the list price's tax out: 100.00 USD, not 105.00", () => {
  assertEquals(septemberMrr(off25("once")), 100);
});

Deno.test("an amount-off the discount setting leaves out (none) on a tax-inclusive price backfills at live MRR: 100.00 USD", () => {
  assertEquals(septemberMrr(off25("forever"), "none"), 100);
});

Deno.test("a counted amount-off on a tax-inclusive price backfills as invoiced, which is live's: 80.00 USD", () => {
  assertEquals(septemberMrr(off25("forever")), 80);
});
