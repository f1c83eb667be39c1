/**
 * lib/economics/unbilled_usage.ts with the revenue stage's first-period fact: a subscription
 * whose first billing period has not closed by the as-of was due to be billed no metered usage
 * yet (Stripe bills it in arrears, at the period's end), so its organization is not judged
 * (unbilled_usage_usd empty), where one whose period closed with no usage billed still is.
 * Through the real `stripe` SDK against tests/fake_stripe.ts, fetched, then read from today's
 * cache. Every figure by hand from the built-in price book's 2025-12-10 request bands.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { addEconomicsColumns, costModelFromEnv, loadPriceBook } from "../lib/economics/mod.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { attachRevenue } from "../lib/revenue/columns.ts";
import type { RevenueResult } from "../lib/revenue/types.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import { closeList, column } from "./economics_frames.ts";
import {
  AS_OF,
  invoice,
  line,
  PRICES,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";

const T = AS_OF.getTime() / 1000; // 2026-11-01 00:00 UTC
const DAY = 86_400;

/**
 * Four pro-20251210 customers (the $79 plan and the metered request-volume price), monthly:
 * - cus_fp_new: started 10 days before the as-of (October 22), anchored there: its first period
 *   runs to November 22; only its creation invoice (subscription_create, the plan in advance).
 * - cus_fp_anchor_ahead: started 10 days before, anchored on November 5: the prorated stretch up
 *   to the anchor is under way (Stripe bills its usage at the anchor).
 * - cus_fp_trial_over: started 20 days before on a 14-day trial that ended 6 days before
 *   (October 26, anchored there): its first paid period runs to November 26; the trial's end
 *   invoice billed $0 of usage (a trial's usage is not billed).
 * - cus_fp_closed: started 40 days before (September 22), anchored there: its first period closed
 *   October 22 with a cycle invoice billing $0 of request volume: that is the leakage to judge.
 */
const CUSTOMERS = ["cus_fp_new", "cus_fp_anchor_ahead", "cus_fp_trial_over", "cus_fp_closed"];
const plan = (customer: string, dates: Record<string, number>) => ({
  ...subscription(customer, [[PRICES.pro2025, 1], [PRICES.requestVolume, null]], {
    id: `sub_${customer}`,
  }),
  ...dates,
});
const data = {
  subscriptions: [
    plan("cus_fp_new", {
      created: T - 10 * DAY,
      start_date: T - 10 * DAY,
      billing_cycle_anchor: T - 10 * DAY,
    }),
    plan("cus_fp_anchor_ahead", {
      created: T - 10 * DAY,
      start_date: T - 10 * DAY,
      billing_cycle_anchor: T + 4 * DAY,
    }),
    plan("cus_fp_trial_over", {
      created: T - 20 * DAY,
      start_date: T - 20 * DAY,
      trial_start: T - 20 * DAY,
      trial_end: T - 6 * DAY,
      billing_cycle_anchor: T - 6 * DAY,
    }),
    plan("cus_fp_closed", {
      created: T - 40 * DAY,
      start_date: T - 40 * DAY,
      billing_cycle_anchor: T - 40 * DAY,
    }),
  ],
  products,
  coupons: [],
  invoices: [
    invoice("in_fp_new", "cus_fp_new", "sub_cus_fp_new", T - 10 * DAY, [
      line("il_fp_new", PRICES.pro2025.id, 7900, "sub_cus_fp_new"),
    ], { billing_reason: "subscription_create" }),
    invoice("in_fp_ahead", "cus_fp_anchor_ahead", "sub_cus_fp_anchor_ahead", T - 10 * DAY, [
      line("il_fp_ahead", PRICES.pro2025.id, 3700, "sub_cus_fp_anchor_ahead"),
    ], { billing_reason: "subscription_create" }),
    invoice("in_fp_trial", "cus_fp_trial_over", "sub_cus_fp_trial_over", T - 6 * DAY, [
      line("il_fp_trial", "price_request_volume", 0, "sub_cus_fp_trial_over"),
    ]),
    invoice("in_fp_closed", "cus_fp_closed", "sub_cus_fp_closed", T - 10 * DAY, [
      line("il_fp_closed", "price_request_volume", 0, "sub_cus_fp_closed"),
    ]),
  ],
};

/** Each customer an organization on pro-20251210 with 50,000 requests in the 30-day window. */
async function economicsOf(revenue: RevenueResult) {
  const n = CUSTOMERS.length;
  const organizations = exportFrameFromColumns({
    org_id: CUSTOMERS.map((c) => c.replace("cus_", "o_")),
    org_name: CUSTOMERS,
    tier: new Array(n).fill("pro"),
    tier_raw: new Array(n).fill("pro-20251210"),
    stripe_customer_id: CUSTOMERS,
    seats: new Array(n).fill(1),
    requests_30d: new Array(n).fill(50_000),
    llm_cost_30d: new Array(n).fill(1),
    llm_cost_ptb_30d: new Array(n).fill(0),
    llm_cost_byok_30d: new Array(n).fill(1),
  });
  return addEconomicsColumns(attachRevenue(organizations, revenue).frame, {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    revenue,
    windowDays: 30,
  });
}

Deno.test("unbilled_usage_usd: a subscription whose first billing period has not closed is not judged, fetched or read from today's cache; one whose period closed with no usage billed is", async () => {
  await withFakeStripe(async (_fake, options) => {
    for (const expectedSource of ["stripe", "cache"]) {
      const revenue = await loadRevenue(CUSTOMERS, options);
      assertEquals(revenue.source, expectedSource);
      // every one counted (active at $79), none billed metered usage for a closed period
      assertEquals(
        CUSTOMERS.map((
          c,
        ) => [revenue.byCustomer.get(c)!.mrr, revenue.byCustomer.get(c)!.usageCharges]),
        [[79, 0], [79, 0], [79, 0], [79, 0]],
        expectedSource,
      );
      // the revenue stage's fact: the first three are in their first billing period
      assertEquals(
        CUSTOMERS.map((c) => revenue.byCustomer.get(c)!.firstPeriodOpen),
        [true, true, true, false],
        expectedSource,
      );
      const { frame, warnings } = await economicsOf(revenue);
      // 50,000 requests: 20,000 × $0.70 / 1,000 = $14 + 20,000 × $0.35 / 1,000 = $7 → $21, only
      // for the one whose first period closed October 22
      closeList(column(frame, "unbilled_usage_usd"), [null, null, null, 21], expectedSource);
      assertEquals(
        warnings.find((w) => w.startsWith("metered usage not billed")),
        'metered usage not billed: 1 organization on "pro 2025-12-10" above the requests its plan includes: $21.00 a month at list price (unbilled_usage_usd)',
        expectedSource,
      );
    }
  }, { data, asOf: AS_OF, mode: "auto" });
});
