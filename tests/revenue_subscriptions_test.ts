/**
 * Stripe revenue of subscriptions in special states, through the real `stripe` SDK against
 * tests/fake_stripe.ts: a licensed usage-role price, paused collection, a start or trial end
 * after the as-of, a first full period after it, deleted and unknown customers. Values computed by
 * hand from tests/fixtures/stripe/scenarios.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import { AS_OF, price, PRICES, products, subscription } from "./fixtures/stripe/scenarios.ts";

Deno.test("a licensed price with the usage role is a recurring add-on (mrr_recurring), with one warning", async () => {
  const subs = [
    // pro $79 + a licensed storage package: 10 × $6 (the name says usage; it is not metered)
    subscription("cus_storage_pack", [
      [PRICES.pro2025, 1],
      [price("prod_storage", 600, { id: "price_storage_pack" }), 10],
    ]),
    // the same storage price on a second customer: still one warning naming it once
    subscription("cus_storage_pack_2", [[
      price("prod_storage", 600, { id: "price_storage_pack" }),
      5,
    ]]),
    // team $200 + evals $100 mapped to usage by PRICING_STRIPE_PRICE_ROLES
    subscription("cus_mapped_usage", [[PRICES.teamBundle, 1], [PRICES.evals, 1]]),
  ];
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(subs.map((s) => s.customer), options);
    const money = (c: string) => {
      const r = result.byCustomer.get(c)!;
      return [
        r.mrr,
        r.baseSubscription,
        r.usageCharges,
        r.addonPrompts,
        r.addonOther,
        r.mrrRecurring,
      ];
    };
    assertEquals(money("cus_storage_pack"), [139, 79, 0, 0, 60, 139]); // $79 + 10 × $6
    assertEquals(money("cus_storage_pack_2"), [30, 0, 0, 0, 30, 30]); // 5 × $6
    assertEquals(money("cus_mapped_usage"), [300, 200, 0, 0, 100, 300]); // $200 + $100
    const licensed = result.warnings.filter((w) => w.includes("licensed (not metered)"));
    assertEquals(licensed, [
      "Stripe licensed (not metered) prices with the usage role counted as addon_other in mrr_recurring, since usage_charges are metered lines only (give them base, addon_prompts or addon_other in PRICING_STRIPE_PRICE_ROLES): price_evals, price_storage_pack",
    ]);
  }, {
    data: { subscriptions: subs, products, invoices: [] },
    asOf: AS_OF,
    mode: "auto",
    rules: revenueRulesFromEnv({ PRICING_STRIPE_PRICE_ROLES: "price_evals:usage" }),
  });
});

Deno.test("a subscription whose collection is paused counts as paused: not counted by default, shown in subscription_status", async () => {
  const paused = (behavior: string) => ({ behavior, resumes_at: null });
  const subs = [
    // Stripe keeps it active; its invoices are voided while paused
    {
      ...subscription("cus_pause_void", [[PRICES.teamBundle, 1]]),
      pause_collection: paused("void"),
    },
    // one paused (drafts kept) beside an active $100 evals subscription
    {
      ...subscription("cus_pause_one", [[PRICES.pro2025, 1]]),
      pause_collection: paused("keep_as_draft"),
    },
    subscription("cus_pause_one", [[PRICES.evals, 1]]),
    // ended: a pause left on a canceled subscription changes nothing
    {
      ...subscription("cus_pause_canceled", [[PRICES.teamBundle, 1]], { status: "canceled" }),
      pause_collection: paused("mark_uncollectible"),
    },
  ];
  const customers = ["cus_pause_void", "cus_pause_one", "cus_pause_canceled"];
  await withFakeStripe(async (fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(customers, options);
      assertEquals(result.source, source);
      const row = (c: string) => {
        const r = result.byCustomer.get(c)!;
        return [r.mrr, r.mrrRecurring, r.subscriptionStatus];
      };
      assertEquals(row("cus_pause_void"), [0, 0, "paused"]);
      assertEquals(row("cus_pause_one"), [100, 100, "active,paused"]); // evals only
      assertEquals(row("cus_pause_canceled"), [0, 0, "canceled"]);
    }
    // counting paused (a setting, applied to the cached snapshot): $200 and $79 + $100
    const counted = await loadRevenue(customers, {
      ...options,
      rules: revenueRulesFromEnv({ PRICING_STRIPE_COUNTED_STATUSES: "active,past_due,paused" }),
    });
    assertEquals(counted.source, "cache");
    assertEquals(counted.byCustomer.get("cus_pause_void")!.mrr, 200);
    assertEquals(counted.byCustomer.get("cus_pause_one")!.mrr, 179);
    assertEquals(fake.requests.filter((r) => r.endsWith("/subscriptions")).length, 1);
  }, { data: { subscriptions: subs, products, invoices: [] }, asOf: AS_OF, mode: "auto" });
});

Deno.test("a subscription that started, or left its trial, after the as-of is not counted at the as-of", async () => {
  const T = AS_OF.getTime() / 1000;
  const HOUR = 3_600;
  const DAY = 86_400;
  const subs = [
    // Stripe says active now, but its trial ran to 02:00, after the 00:00 as-of: trialing then
    {
      ...subscription("cus_trial_after", [[PRICES.teamBundle, 1]]),
      start_date: T - 14 * DAY,
      trial_end: T + 2 * HOUR,
    },
    // its trial ended in the export window, before the as-of: $79 at the as-of
    {
      ...subscription("cus_trial_before", [[PRICES.pro2025, 1]]),
      start_date: T - 17 * DAY,
      trial_end: T - 3 * DAY,
    },
    // started at 01:00, after the as-of: it did not exist then
    { ...subscription("cus_started_after", [[PRICES.evals, 1]]), start_date: T + HOUR },
    // created after the as-of but backdated to a month before it: billed from then, 2 × $20
    {
      ...subscription("cus_backdated", [[PRICES.proUsers, 2]]),
      created: T + HOUR,
      start_date: T - 30 * DAY,
    },
  ];
  const customers = subs.map((s) => s.customer);
  const mrrOf = (result: Awaited<ReturnType<typeof loadRevenue>>) =>
    customers.map((c) => result.byCustomer.get(c)!.mrr);
  await withFakeStripe(async (fake, options) => {
    const atAsOf = await loadRevenue(customers, options);
    assertEquals(atAsOf.source, "stripe");
    // trialing then 0; $79; not started 0; $40
    assertEquals(mrrOf(atAsOf), [0, 79, 0, 40]);
    // its status at the as-of: trialing then (Stripe says active now); nothing counted, so no
    // scheduled-churn flag; one not started then had no status
    assertEquals(atAsOf.byCustomer.get("cus_trial_after")!.subscriptionStatus, "trialing");
    assertEquals(atAsOf.byCustomer.get("cus_trial_after")!.cancelAtPeriodEnd, null);
    assertEquals(atAsOf.byCustomer.get("cus_started_after")!.subscriptionStatus, null);
    // the same day's cache, read for 03:00: the trial is over and the $100 evals has started
    const later = await loadRevenue(customers, {
      ...options,
      asOf: new Date(AS_OF.getTime() + 3 * HOUR * 1000),
    });
    assertEquals(later.source, "cache");
    assertEquals(mrrOf(later), [200, 79, 100, 40]);
    assertEquals(later.byCustomer.get("cus_trial_after")!.subscriptionStatus, "active");
    assertEquals(later.byCustomer.get("cus_started_after")!.subscriptionStatus, "active");
    // counting trialing (a setting): the trial under way at the as-of counts, $200
    const trialsCounted = await loadRevenue(customers, {
      ...options,
      rules: revenueRulesFromEnv({ PRICING_STRIPE_COUNTED_STATUSES: "active,past_due,trialing" }),
    });
    assertEquals(mrrOf(trialsCounted), [200, 79, 0, 40]);
    assertEquals(fake.requests.filter((r) => r.endsWith("/subscriptions")).length, 1);
  }, { data: { subscriptions: subs, products, invoices: [] }, asOf: AS_OF, mode: "auto" });
});

Deno.test("a subscription whose first full period starts after the as-of counts at its full price, with a warning", async () => {
  const T = AS_OF.getTime() / 1000;
  const DAY = 86_400;
  const subs = [
    // signed 2 days ago, anchored 10 days after the as-of (a free or prorated stretch until
    // then): counted at its $200 a month, the rate it is committed to, and named in a warning
    {
      ...subscription("cus_anchor_ahead", [[PRICES.teamBundle, 1]], { id: "sub_anchor_ahead" }),
      start_date: T - 2 * DAY,
      billing_cycle_anchor: T + 10 * DAY,
    },
    // anchored at its start 40 days ago: $79, no warning
    {
      ...subscription("cus_anchor_past", [[PRICES.pro2025, 1]]),
      start_date: T - 40 * DAY,
      billing_cycle_anchor: T - 40 * DAY,
    },
    // a trialing one anchored at its trial's end is not counted: no warning either
    {
      ...subscription("cus_anchor_trial", [[PRICES.evals, 1]], { status: "trialing" }),
      trial_end: T + 5 * DAY,
      billing_cycle_anchor: T + 5 * DAY,
    },
  ];
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(subs.map((s) => s.customer), options);
      assertEquals(result.source, source);
      assertEquals(
        subs.map((s) => result.byCustomer.get(s.customer)!.mrr),
        [200, 79, 0],
      );
      assertEquals(result.warnings.filter((w) => w.includes("billing_cycle_anchor")), [
        "1 Stripe subscription counted in mrr at its full price before its first full billing period (billing_cycle_anchor after the as-of; Stripe bills a prorated or free stretch until then): sub_anchor_ahead",
      ]);
    }
  }, { data: { subscriptions: subs, products, invoices: [] }, asOf: AS_OF, mode: "auto" });
});

Deno.test("a deleted customer whose canceled subscription Stripe still lists is unknown: empty revenue, in the warning", async () => {
  const subs = [
    // deleting a customer cancels its subscriptions; Stripe keeps listing them (status=all)
    subscription("cus_gone", [[PRICES.teamBundle, 1]], { status: "canceled" }),
    subscription("cus_here", [[PRICES.teamBundle, 1]]),
  ];
  const customers = [
    { id: "cus_gone", object: "customer", deleted: true },
    { id: "cus_here", object: "customer" },
  ];
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(["cus_gone", "cus_here"], options);
      assertEquals(result.source, source);
      assertEquals(result.unknownCustomerIds, ["cus_gone"]);
      ok(!result.byCustomer.has("cus_gone"), source); // empty revenue, not $0
      assertEquals(result.byCustomer.get("cus_here")!.mrr, 200);
      ok(
        result.warnings.some((w) =>
          w.startsWith("1 stripe_customer_id value is unknown") && w.includes("cus_gone")
        ),
        result.warnings.join("\n"),
      );
    }
  }, {
    data: { subscriptions: subs, products, invoices: [], customers },
    asOf: AS_OF,
    mode: "auto",
  });
});

Deno.test("the unknown customers' warning tells those Stripe deleted from those it never found", async () => {
  const subs = [
    // deleted: Stripe keeps listing its canceled subscription, whose customer reads deleted
    subscription("cus_gone", [[PRICES.teamBundle, 1]], { status: "canceled" }),
    subscription("cus_here", [[PRICES.teamBundle, 1]]),
  ];
  const customers = [
    { id: "cus_gone", object: "customer", deleted: true },
    { id: "cus_here", object: "customer" },
    // deleted without a subscription left: a lookup answers deleted
    { id: "cus_deleted_bare", object: "customer", deleted: true },
  ];
  const unknown = (result: Awaited<ReturnType<typeof loadRevenue>>) =>
    result.warnings.filter((w) => w.includes("unknown to this Stripe account"));
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      // two deleted (one seen on its subscription, one looked up) and one Stripe never had
      const result = await loadRevenue(
        ["cus_here", "cus_gone", "cus_deleted_bare", "cus_never"],
        options,
      );
      assertEquals(result.source, source);
      assertEquals(unknown(result), [
        "3 stripe_customer_id values are unknown to this Stripe account (2 deleted in Stripe, 1 not found: from another account or test mode, or deleted): their revenue is empty (e.g. cus_gone, cus_deleted_bare, cus_never)",
      ]);
    }
    // deleted ones only; then one never found only
    assertEquals(
      unknown(await loadRevenue(["cus_here", "cus_gone", "cus_deleted_bare"], options)),
      [
        "2 stripe_customer_id values are unknown to this Stripe account (deleted in Stripe, their subscriptions canceled): their revenue is empty (e.g. cus_gone, cus_deleted_bare)",
      ],
    );
    assertEquals(unknown(await loadRevenue(["cus_here", "cus_never"], options)), [
      "1 stripe_customer_id value is unknown to this Stripe account (deleted, or from another account or test mode): its revenue is empty (e.g. cus_never)",
    ]);
  }, {
    data: { subscriptions: subs, products, invoices: [], customers },
    asOf: AS_OF,
    mode: "auto",
  });
});
