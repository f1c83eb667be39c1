/**
 * Lists read as concurrently paged `created` ranges (lib/revenue/partition.ts): the same objects,
 * revenue and cache as one sequential listing, no object read twice, calls ≈ ceil(n/100), the
 * concurrency setting bounding it, windows respected.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { type FakeStripe, withFakeStripe } from "./fake_stripe.ts";
import { AS_OF, DAY, type Json, products, subscriptions, T } from "./fixtures/stripe/scenarios.ts";

const N = 1_250;

/** N subscriptions created over two years (a few share a second), on four price shapes. */
const templates = ["cus_seat", "cus_graduated", "cus_team", "cus_coupon25"]
  .map((c) => subscriptions.find((s) => s.customer === c)!);
const SUBSCRIPTIONS: Json[] = Array.from({ length: N }, (_, i) => ({
  ...structuredClone(templates[i % 4]),
  id: `sub_q${String(i).padStart(5, "0")}`,
  customer: `cus_q${i}`,
  created: T - Math.floor((i * 730 * DAY) / N) - (i % 7 === 0 ? 0 : 1),
}));
/** 450 invoices over the 35 days before the as-of, and 40 older ones outside the look-back */
const INVOICES: Json[] = Array.from({ length: 490 }, (_, i) => ({
  id: `in_q${String(i).padStart(4, "0")}`,
  object: "invoice",
  customer: `cus_q${i}`,
  status: "paid",
  billing_reason: "subscription_cycle",
  created: i < 450 ? T - 1 - Math.floor((i * 35 * DAY) / 450) : T - 40 * DAY - i,
  currency: "usd",
  parent: { type: "subscription_details", subscription_details: { subscription: `sub_q${i}` } },
  lines: { object: "list", has_more: false, data: [] },
}));
const CUSTOMER_IDS = SUBSCRIPTIONS.map((s) => s.customer);

async function run(concurrency: number) {
  let out: {
    result: Awaited<ReturnType<typeof loadRevenue>>;
    fake: FakeStripe;
    cache: Json;
  } | null = null;
  await withFakeStripe(async (fake, options) => {
    const result = await loadRevenue(CUSTOMER_IDS, options);
    const [file] = [...Deno.readDirSync(options.cacheDir)];
    const cache = JSON.parse(await Deno.readTextFile(`${options.cacheDir}/${file.name}`));
    out = { result, fake, cache: cache.snapshot };
  }, {
    data: { subscriptions: SUBSCRIPTIONS, products, invoices: INVOICES },
    mode: "refresh",
    asOf: AS_OF,
    rules: { concurrency },
    latencyMs: 3, // requests overlap visibly
  });
  return out!;
}

Deno.test("created ranges paged concurrently: the same revenue and cache as one sequential listing, calls ≈ ceil(n/100), in flight ≤ the concurrency setting", async () => {
  const sequential = await run(1);
  const concurrent = await run(4);

  // one range with concurrency 1: exactly ceil(1250/100) = 13 pages, no created filter
  const seqPages = sequential.fake.log.filter((r) => r.path === "/v1/subscriptions");
  assertEquals(seqPages.length, 13);
  ok(seqPages.every((r) => !r.params.has("created[gte]") && !r.params.has("created[lt]")));
  assertEquals(sequential.fake.peakInFlight(), 1);

  // concurrency 4: split into ranges read side by side, never more than 4 requests at once
  const pages = concurrent.fake.log.filter((r) => r.path === "/v1/subscriptions");
  ok(pages.some((r) => r.params.has("created[lt]")), "ranges were split off");
  const peak = concurrent.fake.peakInFlight();
  ok(peak > 1 && peak <= 4, `peak ${peak}`);
  // each split costs at most one more (partial or empty) page
  ok(pages.length >= 13 && pages.length <= 13 + 8, `${pages.length} subscription pages`);
  // every subscription read exactly once, in Stripe's order
  assertEquals(
    concurrent.cache.subscriptions.map((s: Json) => s.id),
    sequential.cache.subscriptions.map((s: Json) => s.id),
  );
  assertEquals(concurrent.cache, sequential.cache);
  assertEquals(concurrent.result.byCustomer, sequential.result.byCustomer);
  // the total: 313 × $100 seats + 313 × $100 graduated + 312 × $200 team + 312 × $60 coupon25
  const total = CUSTOMER_IDS.reduce((sum, c) => sum + concurrent.result.byCustomer.get(c)!.mrr!, 0);
  assertEquals(total, 313 * 100 + 313 * 100 + 312 * 200 + 312 * 60);

  // the invoice listing stays inside its look-back window, whichever range asked
  const invoicePages = concurrent.fake.log.filter((r) => r.path === "/v1/invoices");
  for (const request of invoicePages) {
    ok(Number(request.params.get("created[gte]")) >= T - 35 * DAY, request.params.toString());
    ok(Number(request.params.get("created[lt]")) <= T, request.params.toString());
  }
  ok(invoicePages.length >= 5 && invoicePages.length <= 5 + 4, `${invoicePages.length}`);
});

Deno.test("a range that fails while others are being read fails the fetch cleanly, with every request counted", async () => {
  await withFakeStripe(async (fake, options) => {
    // the sixth subscription page fails (ranges have been split off by then)
    fake.failPathLater("/v1/subscriptions", 5);
    const result = await loadRevenue(CUSTOMER_IDS, options);
    assertEquals([result.source, result.failed], ["none", true]);
    ok(
      result.warnings[0].startsWith("REVENUE MISSING: Stripe request failed (400)"),
      result.warnings.join(" | "),
    );
    ok(fake.log.filter((r) => r.path === "/v1/subscriptions").length >= 6);
    // requests in flight when it failed settled first: the count is whole
    assertEquals(result.apiCalls, fake.requests.length);
  }, {
    data: { subscriptions: SUBSCRIPTIONS, products, invoices: INVOICES },
    mode: "refresh",
    asOf: AS_OF,
    rules: { concurrency: 4 },
    latencyMs: 3,
  });
});

Deno.test("a burst of subscriptions created within seconds (a migration) is not halved towards 2011 one empty range at a time", async () => {
  // all 1,250 created within one minute, two years ago
  const burst = SUBSCRIPTIONS.map((s, i) => ({
    ...s,
    created: T - 730 * DAY - Math.floor((i * 60) / N),
  }));
  const pagesWith = async (concurrency: number) => {
    let pages: string[] = [];
    let ids: string[] = [];
    await withFakeStripe(async (fake, options) => {
      await loadRevenue(CUSTOMER_IDS, options);
      pages = fake.requests.filter((r) => r === "GET /v1/subscriptions");
      const [file] = [...Deno.readDirSync(options.cacheDir)];
      const cache = JSON.parse(await Deno.readTextFile(`${options.cacheDir}/${file.name}`));
      ids = cache.snapshot.subscriptions.map((s: Json) => s.id);
    }, {
      data: { subscriptions: burst, products, invoices: [] },
      mode: "refresh",
      asOf: AS_OF,
      rules: { concurrency },
    });
    return { pages: pages.length, ids };
  };
  const sequential = await pagesWith(1);
  const concurrent = await pagesWith(4);
  assertEquals(sequential.pages, 13);
  assertEquals(concurrent.ids, sequential.ids);
  // 18 here; halving towards 2011 one empty range at a time took 25
  ok(concurrent.pages <= 13 + 7, `${concurrent.pages} subscription pages`);
});
