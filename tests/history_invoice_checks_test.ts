/**
 * What a backfilled snapshot says about its invoice MRR (revenueChecks and invoiceRevenue,
 * lib/history/invoice_revenue.ts): MRR no organization holds, discounts whose coupon no listing
 * returns (in any currency), and customers paused now.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { invoiceMrrAt } from "../lib/revenue/invoice_mrr.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import { invoiceRevenue, revenueChecks } from "../lib/history/invoice_revenue.ts";
import { price } from "./fixtures/stripe/scenarios.ts";
import { cents, historyOf, liteLine, P, rules } from "./history_invoice_fixture.ts";

Deno.test("a backfilled snapshot says how much invoice MRR no organization of it holds (deleted since, customer changed)", () => {
  const history = historyOf([P.plan100, P.plan250], [
    liteLine("cus_held", "price_plan100", 10000, "2026-10-01", "2026-11-01"),
    // an organization soft-deleted since, and the Stripe customer an organization left
    liteLine("cus_deleted_org", "price_plan250", 25000, "2026-10-01", "2026-11-01"),
    liteLine("cus_old", "price_plan100", 10000, "2026-10-01", "2026-11-01"),
    // billed before the as-of only: not MRR there, so not named
    liteLine("cus_gone_earlier", "price_plan100", 10000, "2026-08-01", "2026-09-01"),
  ]);
  const revenueOf = (customerIds: string[]) =>
    revenueChecks(history, { asOf: new Date("2026-11-01T00:00:00Z"), rules, customerIds })
      .filter((w) => w.includes("no organization"));
  // $250 + $100 = $350.00 of the $450.00 covering October 31
  assertEquals(revenueOf(["cus_held", "cus_new"]), [
    "2 Stripe customers with $350.00 of invoice MRR at the as-of (cus_deleted_org, cus_old) belong to no organization of this snapshot: left out of mrr_recurring, so its MRR reads low by that. A backfill reads today's organizations and their Stripe customers: an organization deleted since, or whose Stripe customer changed since, is not seen with that revenue",
  ]);
  assertEquals(revenueOf(["cus_held", "cus_deleted_org", "cus_old"]), []);
});

Deno.test("a backfilled snapshot says when its lines carry discounts whose coupon no listing returns", () => {
  // 50 % off $100 for August and September, by a coupon deleted since: the history holds no such
  // discount (neither the subscriptions nor the invoices could read it), so whether it counts
  // cannot be told
  const off = (amount: number) => [{ discount: "di_gone", amount }];
  const history = historyOf([P.plan100, P.quarterly300], [
    {
      ...liteLine("cus_a", "price_plan100", 10000, "2026-08-01", "2026-09-01"),
      discount_amounts: off(5000),
    },
    {
      ...liteLine("cus_a", "price_plan100", 10000, "2026-09-01", "2026-10-01"),
      discount_amounts: off(5000),
    },
    // a quarter's $90 off: $30.00 a month
    {
      ...liteLine("cus_q", "price_q300", 30000, "2026-08-15", "2026-11-15"),
      discount_amounts: off(9000),
    },
    liteLine("cus_a", "price_plan100", 10000, "2026-10-01", "2026-11-01"),
  ]);
  const warningsAt = (asOf: string) =>
    revenueChecks(history, {
      asOf: new Date(`${asOf}T00:00:00Z`),
      rules,
      customerIds: ["cus_a", "cus_q"],
    }).filter((w) => w.includes("whose coupon no listing returns"));
  // the lines are counted at the price before it: $100 and $100 a month, not $50 and $70
  const mrr = invoiceMrrAt(history, { at: new Date("2026-10-01T00:00:00Z"), rules });
  assertEquals(cents(mrr), { cus_a: 10000, cus_q: 10000 });
  assertEquals(warningsAt("2026-10-01"), [
    "2 invoice lines covering the as-of (customers cus_a on invoice in_cus_a_2026-09-01; cus_q on invoice in_cus_q_2026-08-15) carry discounts whose coupon no listing returns (deleted since: its terms cannot be read): whether the discount setting counts them cannot be told, so they are counted at the price before them, and mrr_recurring may read high by up to $80.00 a month",
  ]);
  assertEquals(warningsAt("2026-11-01"), [
    "1 invoice line covering the as-of (customer cus_q on invoice in_cus_q_2026-08-15) carries discounts whose coupon no listing returns (deleted since: its terms cannot be read): whether the discount setting counts them cannot be told, so they are counted at the price before them, and mrr_recurring may read high by up to $30.00 a month",
  ]);
});

Deno.test("the vanished-discount warning names lines in a currency without a rate, at face value", () => {
  // each line of September carries a discount whose coupon no listing returns: $50 off $100 (USD), €30 off
  // €90 (EUR at 1.1: $33.00), £25 off £100 and ¥500 off ¥5,000 (no rate for GBP or JPY)
  const gbp100 = price("prod_team_bundle", 10000, { id: "price_gbp100", currency: "gbp" });
  const jpy5000 = price("prod_team_bundle", 5000, { id: "price_jpy5000", currency: "jpy" });
  const gone = (
    customer: string,
    [priceId, currency, amount, off]: [string, string, number, number],
  ) => ({
    ...liteLine(customer, priceId, amount, "2026-09-01", "2026-10-01"),
    currency,
    discount_amounts: [{ discount: "di_gone", amount: off }],
  });
  const history = historyOf([P.plan100, P.eur90, gbp100, jpy5000], [
    gone("cus_a", ["price_plan100", "usd", 10000, 5000]),
    gone("cus_eur", ["price_eur90", "eur", 9000, 3000]),
    gone("cus_gbp", ["price_gbp100", "gbp", 10000, 2500]),
    gone("cus_jpy", ["price_jpy5000", "jpy", 5000, 500]),
  ]);
  const checksAt = (ruleSet: typeof rules, customerIds: string[]) =>
    revenueChecks(history, { asOf: new Date("2026-10-01T00:00:00Z"), rules: ruleSet, customerIds })
      .filter((w) => w.includes("whose coupon no listing returns"));
  const said =
    "carry discounts whose coupon no listing returns (deleted since: its terms cannot be read): whether the discount setting counts them cannot be told, so they are counted at the price before them, and mrr_recurring may read high by up to";
  // $50.00 + €30 × 1.1 = $83.00; GBP and JPY each at face value, with their customers
  assertEquals(checksAt(rules, ["cus_a", "cus_eur", "cus_gbp", "cus_jpy"]), [
    `4 invoice lines covering the as-of (customers cus_a on invoice in_cus_a_2026-09-01; cus_eur on invoice in_cus_eur_2026-09-01; cus_gbp on invoice in_cus_gbp_2026-09-01; and 1 more customer) ${said} $83.00 a month plus GBP 25.00 a month at face value (customer cus_gbp) plus JPY 500 a month at face value (customer cus_jpy); GBP and JPY have no rate in PRICING_FX_RATES, so their lines are not converted and their customers' mrr_recurring is empty until one is set`,
  ]);
  // as said: those customers' MRR is empty (unknown), the others' known
  const mrr = invoiceMrrAt(history, { at: new Date("2026-10-01T00:00:00Z"), rules });
  assertEquals([...mrr].map(([c, m]) => [c, m.usd]).sort(), [
    ["cus_a", 100],
    ["cus_eur", 99],
    ["cus_gbp", null],
    ["cus_jpy", null],
  ]);
  // with a rate for GBP (1.25) its £25 is converted, $31.25: $83.00 + $31.25 = $114.25
  const gbpRate = resolveRules({ ...rules, fxRates: { eur: 1.1, gbp: 1.25 } });
  assertEquals(checksAt(gbpRate, ["cus_a", "cus_eur", "cus_gbp", "cus_jpy"]), [
    `4 invoice lines covering the as-of (customers cus_a on invoice in_cus_a_2026-09-01; cus_eur on invoice in_cus_eur_2026-09-01; cus_gbp on invoice in_cus_gbp_2026-09-01; and 1 more customer) ${said} $114.25 a month plus JPY 500 a month at face value (customer cus_jpy); JPY has no rate in PRICING_FX_RATES, so its lines are not converted and their customers' mrr_recurring is empty until one is set`,
  ]);
});

Deno.test("a backfill marks paused the customers paused now, from the end of their last paid period only", () => {
  const history = {
    ...historyOf([P.plan100], [
      // cus_p pays $100 August to October; its subscription is paused now (November void)
      ...[["2026-08-01", "2026-09-01"], ["2026-09-01", "2026-10-01"], ["2026-10-01", "2026-11-01"]]
        .map(([from, to]) => liteLine("cus_p", "price_plan100", 10000, from, to)),
      { ...liteLine("cus_p", "price_plan100", 10000, "2026-11-01", "2026-12-01"), status: "void" },
      // cus_trial: a trial Stripe paused for want of a payment method, never paid ($0 lines)
      liteLine("cus_trial", "price_plan100", 0, "2026-10-01", "2026-11-01"),
      // cus_back paid July on a subscription canceled since (churn), then a new one's trial
      // paused now: the July drop is no pause of the subscription paused now
      { ...liteLine("cus_back", "price_plan100", 10000, "2026-07-01", "2026-08-01") },
      {
        ...liteLine("cus_back", "price_plan100", 0, "2026-10-01", "2026-11-01"),
        subscription: "sub_cus_back_2",
      },
    ]),
    pausedSubscriptions: ["sub_cus_back_2", "sub_cus_p", "sub_cus_trial"],
  };
  const statusAt = (asOf: string) => {
    const revenue = invoiceRevenue(history, {
      asOf: new Date(`${asOf}T00:00:00Z`),
      windowDays: 30,
      rules,
      customerIds: ["cus_p", "cus_trial", "cus_back"],
    });
    return Object.fromEntries(
      [...revenue.byCustomer].map(([c, r]) => [c, [r.mrrRecurring, r.subscriptionStatus]]),
    );
  };
  // 10-01 and 11-01 read September 30 and October 31: cus_p pays $100, its status unknown
  for (const asOf of ["2026-10-01", "2026-11-01"]) {
    assertEquals(statusAt(asOf), {
      cus_p: [100, null],
      cus_trial: [0, null],
      cus_back: [0, null],
    }, asOf);
  }
  // 12-01 reads November 30, after cus_p's last paid period (ended 11-01): paused at $0
  assertEquals(statusAt("2026-12-01"), {
    cus_p: [0, "paused"],
    cus_trial: [0, null],
    cus_back: [0, null],
  });
  // without a subscription paused now nothing is marked: as before
  const none = invoiceRevenue({ ...history, pausedSubscriptions: [] }, {
    asOf: new Date("2026-12-01T00:00:00Z"),
    windowDays: 30,
    rules,
    customerIds: ["cus_p"],
  });
  assertEquals(none.byCustomer.get("cus_p")?.subscriptionStatus, null);
});
