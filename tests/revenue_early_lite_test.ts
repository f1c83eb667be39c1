/**
 * Subscriptions converted to the snapshot's shape as their pages come in (lib/revenue/early_lite.ts):
 * the snapshot is the one converting them all at the end would give, and those whose conversion
 * changes after the listing (a discount, whose coupon book is complete only then; a tiered price
 * whose tiers are filled in afterwards) are left to the snapshot.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { EarlyConversion } from "../lib/revenue/early_lite.ts";
import { fetchStripeObjects } from "../lib/revenue/fetch.ts";
import { stripeReader } from "../lib/revenue/reader.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import { snapshotFromStripeObjects } from "../lib/revenue/snapshot.ts";
import { fakeStripeConnection, startFakeStripe } from "./fake_stripe.ts";
import { AS_OF, DAY, type Json, products, subscriptions, T } from "./fixtures/stripe/scenarios.ts";

const KINDS = ["cus_seat", "cus_team", "cus_coupon25", "cus_graduated"];
/** 400 subscriptions over a year (four pages and more), the four kinds in turn */
const SUBSCRIPTIONS: Json[] = Array.from({ length: 400 }, (_, i) => ({
  ...structuredClone(subscriptions.find((s) => s.customer === KINDS[i % 4])!),
  id: `sub_e${String(i).padStart(4, "0")}`,
  customer: `${KINDS[i % 4]}_${i}`,
  created: T - Math.floor((i * 365 * DAY) / 400),
}));

Deno.test("subscriptions converted as their pages come in: the same snapshot as converting them at the end; a discount's or a filled price's left to the snapshot", async () => {
  const fake = startFakeStripe(
    { subscriptions: SUBSCRIPTIONS, products, invoices: [] },
    undefined,
    3,
  );
  try {
    const reader = await stripeReader(fakeStripeConnection(fake), {
      rules: resolveRules({ concurrency: 4 }),
      stats: { apiCalls: 0 },
    });
    const objects = await fetchStripeObjects(reader, { asOf: AS_OF, windowDays: 30 });
    const kinds = new Map(
      [...objects.converted!.keys()].map((s) => [s.id, s.customer.id ?? s.customer]),
    );
    const converted = [...kinds.values()].map((customer) => String(customer).replace(/_\d+$/, ""));
    // the pages before the last were converted while the listing waited
    ok(converted.length >= 100, `${converted.length} converted`);
    assertEquals(new Set(converted), new Set(["cus_seat", "cus_team"]));

    const options = { asOf: AS_OF, usageLookbackDays: 35 };
    const snapshot = snapshotFromStripeObjects(objects, options);
    assertEquals(
      snapshot,
      snapshotFromStripeObjects({ ...objects, converted: undefined }, options),
    );
    // the coupon's discounts and the graduated price's tiers are in it
    const of = (kind: string) => snapshot.subscriptions.find((s) => s.customer.startsWith(kind))!;
    ok(of("cus_coupon25").discounts.length > 0);
    ok(of("cus_graduated").items[0].price.tiers!.length > 0);
  } finally {
    await fake.close();
  }
});

Deno.test("a subscription the early conversion cannot convert is left to the snapshot, the rest of its page converted, nothing thrown in the timer's task", async () => {
  const early = new EarlyConversion();
  const broken = {
    id: "sub_broken",
    customer: "cus_b",
    items: { data: [{ id: "si_b", price: null }] },
  };
  const plain = structuredClone(subscriptions.find((s) => s.customer === "cus_seat")!);
  early.add([broken, plain]);
  // the page is converted in a later task: wait for it
  while (!early.converted.has(plain)) await new Promise((resolve) => setTimeout(resolve, 0));
  ok(!early.converted.has(broken));
  assertEquals(early.converted.size, 1);
  early.stop();
});
