/**
 * Demo revenue: deterministic, plausible, and computed the way live revenue is — the demo's own
 * Stripe objects served by the fake API and read through the SDK give the same numbers.
 */
import { deepStrictEqual as assertEquals, notDeepStrictEqual, ok } from "node:assert/strict";
import {
  DEMO_FX_RATES,
  DEMO_PTB_PRODUCT,
  demoRevenue,
  demoStripeObjects,
} from "../lib/revenue/demo_stripe.ts";
import { demoPtbObjects } from "../lib/revenue/demo_ptb.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import { DEMO_REVENUE_ORGS } from "./fixtures/demo_revenue_orgs.ts";
import type { Json } from "./fixtures/stripe/scenarios.ts";

const AS_OF = new Date("2026-11-01T00:00:00Z");
const SEED = 20260101;

const ORGS = DEMO_REVENUE_ORGS;

Deno.test("demo revenue is deterministic for a seed and changes with it", () => {
  const first = demoRevenue(ORGS, { seed: SEED, asOf: AS_OF });
  assertEquals(demoRevenue(ORGS, { seed: SEED, asOf: AS_OF }), first);
  notDeepStrictEqual(
    demoRevenue(ORGS, { seed: SEED + 1, asOf: AS_OF }).byCustomer,
    first.byCustomer,
  );
  assertEquals(first.source, "demo");
  assertEquals([first.apiCalls, first.failed], [0, false]);
});

Deno.test("the demo's Stripe objects, served by the fake API and read through the SDK, give the demo's revenue", async () => {
  const objects = demoStripeObjects(ORGS, { seed: SEED, asOf: AS_OF });
  await withFakeStripe(async (fake, options) => {
    const live = await loadRevenue(ORGS.map((o) => o.customerId), options);
    const demo = demoRevenue(ORGS, { seed: SEED, asOf: AS_OF });
    assertEquals(live.source, "stripe");
    assertEquals(live.byCustomer, demo.byCustomer);
    // the live run could not check every customer without a subscription within its bound
    const unchecked = /^\d+ stripe_customer_id values without a subscription were not checked/;
    assertEquals(live.warnings.filter((w) => !unchecked.test(w)), demo.warnings);
    // the fetch had to do real work: the tiered price looked up (one: the lookup limit), coupons
    // listed, customers without a subscription checked with what the call bound left
    ok(fake.requests.includes("GET /v1/prices/price_growth_seats"), fake.requests.join());
    ok(fake.requests.includes("GET /v1/coupons"));
    const subscribers = new Set(objects.subscriptions.map((s) => s.customer));
    const withoutSubscription = ORGS.filter((o) => !subscribers.has(o.customerId)).length;
    ok(withoutSubscription > 10);
    // the bound, with the PaymentIntent pages past the first (PTB credits)
    const bound = Math.ceil(objects.subscriptions.length / 100) +
      Math.ceil(objects.invoices.length / 100) + 5 +
      Math.max(0, Math.ceil(objects.ptb!.paymentIntents.length / 100) - 1);
    assertEquals(live.ptb, demo.ptb);
    ok(demo.ptb!.totalUsd! > 0);
    ok(live.apiCalls <= bound, `${live.apiCalls} calls, bound ${bound}`);
    ok(fake.requests.includes("GET /v1/customers"));
  }, {
    data: {
      ...objects,
      customers: ORGS.map((o) => ({ id: o.customerId, object: "customer" })),
      paymentIntents: objects.ptb!.paymentIntents,
    },
    mode: "refresh",
    asOf: AS_OF,
    rules: { fxRates: DEMO_FX_RATES, ptbProductId: DEMO_PTB_PRODUCT },
  });
});

const round2 = (n: number) => Math.round(n * 100) / 100;

Deno.test("demo revenue is plausible: list prices by plan, add-ons as in the metadata, usage from requests, statuses and discounts mixed", () => {
  const objects = demoStripeObjects(ORGS, { seed: SEED, asOf: AS_OF });
  const result = demoRevenue(ORGS, { seed: SEED, asOf: AS_OF });
  const subscriptionOf = new Map(objects.subscriptions.map((s: Json) => [s.customer, s]));
  const invoiceOf = new Map(objects.invoices.map((i: Json) => [i.customer, i]));
  assertEquals(result.warnings, []); // every item classified, EUR converted
  assertEquals(result.byCustomer.size, ORGS.length); // every customer known to Stripe
  let checkedBase = 0;
  let checkedUsage = 0;
  for (const org of ORGS) {
    const r = result.byCustomer.get(org.customerId)!;
    ok(r.mrr !== null && r.mrr >= 0, org.customerId);
    ok(
      Math.abs(r.mrr! - (r.baseSubscription! + r.usageCharges! + r.addonPrompts! + r.addonOther!)) <
        0.011,
    );
    const sub = subscriptionOf.get(org.customerId);
    if (!sub) {
      assertEquals([org.tier, r.mrr, r.subscriptionStatus], ["free", 0, null]);
      continue;
    }
    if (!["active", "past_due"].includes(sub.status)) {
      assertEquals(r.mrr, 0, `${sub.status} does not count`);
      continue;
    }
    // list prices, hand-written per plan, where no discount applies
    const seats = Math.max(1, org.seats);
    const yearly = sub.items.data[0].price.recurring.interval === "year";
    const listBase: Record<string, number> = {
      "pro-20250202": yearly ? round2(200 * seats / 12) : 20 * seats,
      "pro-20251210": yearly ? round2(790 / 12) : 79,
      "team-20250130": 200,
      "team-20251210": yearly ? round2(7990 / 12) : 799,
      growth: seats <= 5 ? 30 * seats : 150 + 25 * (seats - 5),
    };
    const undiscounted = sub.discounts.length === 0;
    if (org.tierRaw! in listBase && undiscounted) {
      assertEquals(r.baseSubscription, listBase[org.tierRaw!], `${org.customerId} ${org.tierRaw}`);
      checkedBase++;
    }
    if (org.tier === "enterprise") ok(r.baseSubscription! >= 1500 * (undiscounted ? 1 : 0.5));
    // add-ons follow the metadata on legacy monthly plans; dated plans include them
    const legacyMonthly = !org.tierRaw!.endsWith("20251210") && org.tier !== "enterprise" &&
      !yearly;
    const promptsItem = sub.items.data.find((i: Json) => i.price.id === "price_prompts");
    if (legacyMonthly) {
      assertEquals(promptsItem?.quantity ?? 0, org.addons.includes("prompts") ? 1 : 0);
    }
    if (!org.addons.includes("prompts")) assertEquals(r.addonPrompts, 0);
    if (legacyMonthly && undiscounted && org.addons.includes("prompts")) {
      const comped = promptsItem.discounts.length > 0;
      assertEquals(r.addonPrompts, comped ? 25 : 50);
    }
    // usage on legacy plans: $0.50 per 1,000 requests over the included 10,000 (team 50,000)
    const invoice = invoiceOf.get(org.customerId);
    if (legacyMonthly && undiscounted && invoice) {
      const included = org.tier === "team" ? 50_000 : 10_000;
      const expected = round2(Math.round(Math.max(0, org.requests30d - included) * 0.05) / 100);
      assertEquals(r.usageCharges, expected, org.customerId);
      checkedUsage++;
    }
  }
  ok(checkedBase > 100 && checkedUsage > 50, `${checkedBase} bases, ${checkedUsage} usages`);
  // the mix an analyst should see
  const all = [...result.byCustomer.values()];
  const statuses = new Set(all.flatMap((r) => r.subscriptionStatus?.split(",") ?? []));
  for (const status of ["active", "past_due", "trialing", "canceled"]) {
    ok(statuses.has(status), status);
  }
  ok(all.some((r) => r.billingInterval === "year"));
  ok(all.some((r) => r.billingInterval === "3 month"));
  ok(all.some((r) => r.currency === "EUR"));
  ok(all.some((r) => r.cancelAtPeriodEnd === true));
  ok(all.filter((r) => r.usageCharges! > 0).length > 50);
  ok(objects.subscriptions.some((s: Json) => s.discounts.length > 0));
});

Deno.test("demo PTB revenue tracks each organization's PTB cost: postpaid exactly, prepaid in credit packs", () => {
  const objects = demoStripeObjects(ORGS, { seed: SEED, asOf: AS_OF });
  const result = demoRevenue(ORGS, { seed: SEED, asOf: AS_OF });
  const postpaid = new Set(
    objects.invoices.filter((i: Json) => i.metadata?.type === "ptb_usage").map((i: Json) =>
      i.customer
    ),
  );
  let prepaidCost = 0;
  let prepaidRevenue = 0;
  for (const org of ORGS) {
    const ptb = result.byCustomer.get(org.customerId)!.ptbRevenueUsd30d!;
    if (!org.ptbCost30d) {
      assertEquals(ptb, 0, org.customerId);
    } else if (postpaid.has(org.customerId)) {
      assertEquals(ptb, round2(org.ptbCost30d), org.customerId); // no markup
    } else {
      prepaidCost += org.ptbCost30d;
      prepaidRevenue += ptb;
    }
  }
  ok(postpaid.size > 10, `${postpaid.size} postpaid`);
  // credits come in packs (and 5 % of payments fail): close to the cost, not equal
  ok(Math.abs(prepaidRevenue / prepaidCost - 1) < 0.25, `${prepaidRevenue} vs ${prepaidCost}`);
  assertEquals(result.ptb?.productId, DEMO_PTB_PRODUCT);
});

Deno.test("demo PTB credits bought over a window of 7, 30 or 90 days track that window's PTB cost", () => {
  // three organizations spending $18, $60 and $2,400 a month; a window of N days holds N/30 of it.
  // Judged on a month: $18 → packs of $10 (3 × $10 ≥ $18), 2 bought = $20; $60 → packs of $25,
  // 3 = $75; $2,400 → packs of $500 (the largest), 5 = $2,500. Over N days the credits are N/30 of
  // those: 7 days $4.67 (rounded to the cent), $17.50, $583.33; 90 days $60, $225, $7,500.
  const monthCents = [1800, 6000, 240_000];
  const monthCredits = [2000, 7500, 250_000];
  const expected: Record<number, number[]> = {
    7: [467, 1750, 58_333],
    30: monthCredits,
    90: [6000, 22_500, 750_000],
  };
  for (const days of [7, 30, 90]) {
    const orgs = monthCents.map((cents, i) => ({
      customerId: `cus_ptb${i}`,
      ptbCost30d: cents * days / 30 / 100,
    }));
    const { paymentIntents, invoices } = demoPtbObjects(orgs, {
      seed: SEED,
      asOf: AS_OF,
      windowDays: days,
    });
    let cost = 0;
    let bought = 0; // credits asked for (a failed payment too) + postpaid invoices
    let prepaid = 0;
    orgs.forEach((org, i) => {
      const costCents = Math.round(org.ptbCost30d * 100);
      const invoice = invoices.filter((v: Json) => v.customer === org.customerId);
      const credits = paymentIntents.filter((p: Json) => p.customer === org.customerId)
        .map((p: Json) => Number(p.metadata.creditsAmountCents));
      if (invoice.length) {
        assertEquals([invoice.length, invoice[0].total, credits.length], [1, costCents, 0]);
        bought += costCents;
      } else {
        prepaid++;
        assertEquals(
          credits.reduce((a: number, b: number) => a + b, 0),
          expected[days][i],
          org.customerId,
        );
        bought += expected[days][i];
      }
      cost += costCents;
    });
    ok(prepaid > 0, `${days} days: none prepaid`);
    // per prepaid organization credits ÷ cost is its month's: 20/18 = 1.111, 75/60 = 1.25,
    // 2,500/2,400 = 1.042 whatever N (1 when postpaid); the old packs rounded up per window
    // gave 2.4, 1.4 and 1.8 over 7 days and capped at 12 packs gave 0.83 for $7,200 over 90 days
    const ratio = bought / cost;
    ok(ratio >= 1 && ratio <= 1.25, `${days} days: ${bought} / ${cost} = ${ratio}`);
  }
});
