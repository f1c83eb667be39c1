/**
 * Revenue computed ahead (lib/revenue/snapshot.ts computeRevenueAhead, which the revenue worker
 * runs while the queries do): revenueFromSnapshot gives the same result with it as without, takes
 * each computed customer once, and only for the same lists, as-of and rules.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { DEMO_FX_RATES, DEMO_PTB_PRODUCT, demoStripeObjects } from "../lib/revenue/demo_stripe.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import { DEMO_REVENUE_ORGS } from "./fixtures/demo_revenue_orgs.ts";
import {
  computeRevenueAhead,
  revenueComputedAhead,
  revenueFromSnapshot,
  snapshotFromStripeObjects,
  snapshotIndex,
} from "../lib/revenue/snapshot.ts";

const AS_OF = new Date("2026-11-01T00:00:00Z");

const ORGS = DEMO_REVENUE_ORGS;

Deno.test("revenue computed ahead: the same result as computed once the ids are in, each customer taken once, only for the same as-of and rules", () => {
  const objects = demoStripeObjects(ORGS, { seed: 7, asOf: AS_OF });
  const rules = resolveRules({ fxRates: DEMO_FX_RATES, ptbProductId: DEMO_PTB_PRODUCT });
  const asked = {
    customerIds: [...ORGS.map((o) => o.customerId), "cus_unknown_here"],
    asOf: AS_OF,
    windowDays: 30,
    rules,
    source: "stripe" as const,
  };
  const onDemand = revenueFromSnapshot(
    snapshotFromStripeObjects(objects, { asOf: AS_OF, usageLookbackDays: 35 }),
    asked,
  );

  const snapshot = snapshotFromStripeObjects(objects, { asOf: AS_OF, usageLookbackDays: 35 });
  const subscribed = snapshotIndex(snapshot).subscriptionsByCustomer.size;
  computeRevenueAhead(snapshot, { asOf: AS_OF, rules: resolveRules(rules) });
  assertEquals(revenueComputedAhead(snapshot), subscribed);
  // the fixture has revenue, warnings and PTB to compare, and customers without a subscription
  assertEquals(onDemand.byCustomer.size > subscribed && subscribed > 40, true);
  assertEquals(onDemand.ptb.status, "read");
  assertEquals(revenueFromSnapshot(snapshot, asked), onDemand);
  assertEquals(revenueComputedAhead(snapshot), 0); // every subscribed customer was asked for
  // taken once: asked again, it is computed again, the same, in objects of its own (the first
  // answer's revenue is filled in place: never handed out twice)
  const first = revenueFromSnapshot(snapshot, asked);
  assertEquals(revenueComputedAhead(snapshot), 0);
  const again = revenueFromSnapshot(snapshot, asked);
  assertEquals(again, onDemand);
  assertEquals([...again.byCustomer].some(([id, r]) => first.byCustomer.get(id) === r), false);

  // a customer not asked for stays computed; one asked for goes
  computeRevenueAhead(snapshot, { asOf: AS_OF, rules });
  const some = { ...asked, customerIds: ORGS.slice(0, 30).map((o) => o.customerId) };
  const fewer = revenueFromSnapshot(snapshot, some);
  const subscribedAsked =
    some.customerIds.filter((id) => snapshotIndex(snapshot).subscriptionsByCustomer.has(id)).length;
  assertEquals(revenueComputedAhead(snapshot), subscribed - subscribedAsked);
  assertEquals(
    fewer.byCustomer,
    revenueFromSnapshot(
      snapshotFromStripeObjects(objects, { asOf: AS_OF, usageLookbackDays: 35 }),
      some,
    ).byCustomer,
  );

  // another as-of or other rules: computed again, what was computed ahead is left alone
  computeRevenueAhead(snapshot, { asOf: AS_OF, rules });
  const nextDay = new Date(AS_OF.getTime() + 86_400_000);
  assertEquals(
    revenueFromSnapshot(snapshot, { ...asked, asOf: nextDay }),
    revenueFromSnapshot(
      snapshotFromStripeObjects(objects, { asOf: AS_OF, usageLookbackDays: 35 }),
      { ...asked, asOf: nextDay },
    ),
  );
  const activeOnly = resolveRules({ ...rules, countedStatuses: ["active"] });
  revenueFromSnapshot(snapshot, { ...asked, rules: activeOnly });
  assertEquals(revenueComputedAhead(snapshot), subscribed);

  // the snapshot completed with customers checked since (its lists kept) still takes them
  const completed = {
    ...snapshot,
    customers: { ...snapshot.customers, existing: [...snapshot.customers.existing, "cus_new"] },
  };
  assertEquals(revenueFromSnapshot(completed, asked).byCustomer, onDemand.byCustomer);
  assertEquals(revenueComputedAhead(snapshot), 0);

  // a deleted customer asked for is unknown, not handed out: its result stays computed
  const gone = ORGS[0].customerId;
  const withDeleted = {
    ...snapshot,
    subscriptions: snapshot.subscriptions.map((s) =>
      s.customer === gone ? { ...s, customer_deleted: true as const } : s
    ),
  };
  computeRevenueAhead(withDeleted, { asOf: AS_OF, rules });
  const withoutGone = revenueFromSnapshot(withDeleted, asked);
  assertEquals(withoutGone.unknownCustomerIds.includes(gone), true);
  assertEquals(revenueComputedAhead(withDeleted), 1);
});
