/**
 * A misbehaving Stripe (tests/fake_stripe.ts faults) through the real SDK: every failure ends in
 * one line naming what happened, partial answers are never taken as whole, retries are one layer.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { UserError } from "../lib/core/config.ts";
import { keyMode, noCustomerKnownLine } from "../lib/revenue/errors.ts";
import { loadRevenue, readCacheComputeAhead } from "../lib/revenue/mod.ts";
import { stripeSettingsFromEnv } from "../lib/revenue/stripe_settings.ts";
import { DEFAULT_RULES } from "../lib/revenue/rules.ts";
import { activeSubscription, monthlyPrice, withFakeStripe } from "./fake_stripe.ts";
import { unlessHung } from "./hang_guard.ts";

const AS_OF = new Date("2026-11-01T00:00:00Z");
const DATA = {
  subscriptions: [
    { ...activeSubscription("cus_a", monthlyPrice("pro", 7900)), created: 1_700_000_000 },
    { ...activeSubscription("cus_b", monthlyPrice("team", 20000)), created: 1_700_000_100 },
  ],
  products: [
    { id: "prod_pro", name: "pro", metadata: { pricing_role: "base" } },
    { id: "prod_team", name: "team", metadata: { pricing_role: "base" } },
    { id: "prod_tokens", name: "token usage", metadata: {} }, // PTB credits' product
  ],
  invoices: [],
  paymentIntents: [],
};
const setup = (rules = {}) => ({ data: DATA, asOf: AS_OF, mode: "auto" as const, rules });
const count = (requests: string[], path: string) =>
  requests.filter((r) => r === `GET ${path}`).length;
const cacheFiles = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);

Deno.test("a page with has_more and no objects fails the fetch: no revenue, no cache", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.faultPath("/v1/subscriptions", "empty_has_more", 1);
    const result = await loadRevenue(["cus_a"], options);
    assertEquals([result.source, result.failed], ["none", true]);
    assertEquals(
      result.warnings[0],
      "REVENUE MISSING: Stripe answered a subscriptions page with has_more but no objects, so the list cannot be read to its end; that is Stripe's fault or a proxy's between (no setting fixes it): run the export again, and if it keeps happening report it to Stripe (or to whoever runs the proxy); the export has empty revenue columns (revenue_source = none)",
    );
    ok(!result.warnings[0].includes("\n"));
    assertEquals(await cacheFiles(options.cacheDir), []);
  }, setup());
});

Deno.test("Stripe's lists read ahead of the customer ids and failing before they are in: no revenue, said once the ids are in, nothing unhandled", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.faultPath("/v1/subscriptions", "empty_has_more", 1);
    const cacheAhead = readCacheComputeAhead(options);
    const { fetchAhead } = await cacheAhead;
    // the lists have failed before the ids come (the export's queries took longer)
    await fetchAhead!.objects.catch(() => {});
    const result = await loadRevenue(["cus_a"], { ...options, cacheAhead });
    assertEquals([result.source, result.failed], ["none", true]);
    ok(
      result.warnings[0].startsWith(
        "REVENUE MISSING: Stripe answered a subscriptions page with has_more but no objects",
      ),
      result.warnings[0],
    );
  }, setup());
});

Deno.test("PRICING_STRIPE=skip with a key: nothing is read ahead and Stripe is not asked", async () => {
  await withFakeStripe(async (fake, options) => {
    const skip = { ...options, mode: "skip" as const };
    const cacheAhead = readCacheComputeAhead(skip);
    assertEquals((await cacheAhead).fetchAhead, undefined);
    const result = await loadRevenue(["cus_a"], { ...skip, cacheAhead });
    assertEquals(result.source, "none");
    assertEquals(fake.requests, []);
  }, setup());
});

Deno.test("the cache answers only for the invoice range it listed", async () => {
  await withFakeStripe(async (fake, options) => {
    const long = { ...options, rules: { usageLookbackDays: 60 } };
    assertEquals((await loadRevenue(["cus_a"], long)).source, "stripe");
    // the default 35-day look-back is another range: fetched again, not the 60-day lines
    const before = count(fake.requests, "/v1/invoices");
    assertEquals((await loadRevenue(["cus_a"], options)).source, "stripe");
    assertEquals(count(fake.requests, "/v1/invoices"), before + 1);
    assertEquals((await loadRevenue(["cus_a"], options)).source, "cache");
    // a longer export window reaches further back than the look-back: another range too
    assertEquals((await loadRevenue(["cus_a"], { ...options, windowDays: 60 })).source, "stripe");
  }, setup());
});

Deno.test("a failed check of a new customer keeps today's cache; the id goes unverified", async () => {
  await withFakeStripe(async (fake, options) => {
    const first = await loadRevenue(["cus_a"], options);
    assertEquals(first.byCustomer.get("cus_a")?.mrr, 79);
    fake.faultPath("/v1/customers/cus_new", "forbidden", 1);
    const second = await loadRevenue(["cus_a", "cus_new"], options);
    assertEquals([second.source, second.failed], ["cache", false]);
    assertEquals(second.byCustomer.get("cus_a")?.mrr, 79);
    ok(second.warnings.some((w) => /could not check 1 customer id .*403/.test(w)));
    // the cache was not rewritten with the id unverified: the next export checks it again
    const third = await loadRevenue(["cus_a", "cus_new"], options);
    assertEquals(third.source, "cache");
    ok(count(fake.requests, "/v1/customers/cus_new") === 2);
  }, setup());
});

Deno.test("a body cut off mid-answer is retried (PRICING_STRIPE_MAX_RETRIES)", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.faultPath("/v1/subscriptions", "reset_body", 1);
    const result = await loadRevenue(["cus_a"], options);
    assertEquals([result.source, result.byCustomer.get("cus_a")?.mrr], ["stripe", 79]);
    assertEquals(count(fake.requests, "/v1/subscriptions"), 2);

    fake.faultPath("/v1/subscriptions", "reset_body", 5);
    const broken = await loadRevenue(["cus_a"], { ...options, mode: "refresh" });
    assertEquals(broken.failed, true);
    // 1 + 2 retries (the default), none by the SDK
    assertEquals(count(fake.requests, "/v1/subscriptions"), 2 + 3);
    match(broken.warnings[0], /broke off mid-answer after 2 retries/);
    ok(!/cannot reach/.test(broken.warnings[0]));
  }, setup());
});

Deno.test("a 500 that outlasts the retries says to try again later or raise PRICING_STRIPE_MAX_RETRIES", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.failPath("/v1/products", 500, 10);
    const result = await loadRevenue(["cus_a"], options);
    assertEquals(
      result.warnings[0],
      "REVENUE MISSING: Stripe request failed (500) after 2 retries: Something went wrong on Stripe's end; try again later, or raise PRICING_STRIPE_MAX_RETRIES; the export has empty revenue columns (revenue_source = none)",
    );
    await rejects(loadRevenue(["cus_a"], { ...options, mode: "require" }), {
      name: "UserError",
      message:
        "Stripe revenue required: Stripe request failed (500) after 2 retries: Something went wrong on Stripe's end; try again later, or raise PRICING_STRIPE_MAX_RETRIES",
    });
    // none allowed: said so, not "after 0 retries" nor nothing
    await rejects(
      loadRevenue(["cus_a"], { ...options, mode: "require", rules: { maxNetworkRetries: 0 } }),
      {
        message:
          "Stripe revenue required: Stripe request failed (500) with no retries (PRICING_STRIPE_MAX_RETRIES=0): Something went wrong on Stripe's end; try again later, or raise PRICING_STRIPE_MAX_RETRIES",
      },
    );
  }, setup());
});

Deno.test("a 429 with Stripe-Should-Retry is retried by one layer, as many times as set", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.faultPath("/v1/subscriptions", "should_retry_429", 20);
    const result = await loadRevenue(["cus_a"], options);
    assertEquals(result.failed, true);
    // 1 + PRICING_STRIPE_RATE_LIMIT_RETRIES (2 here)
    assertEquals(count(fake.requests, "/v1/subscriptions"), 3);
  }, setup({ maxRateLimitRetries: 2 }));
});

Deno.test("a 429 with PRICING_STRIPE_RATE_LIMIT_RETRIES=0 says no retries were allowed and to raise it", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.failPath("/v1/products", 429, 1);
    await rejects(loadRevenue(["cus_a"], { ...options, mode: "require" }), {
      name: "UserError",
      message:
        "Stripe revenue required: Stripe rate-limited a request (429) with no retries (PRICING_STRIPE_RATE_LIMIT_RETRIES=0): try again later, raise PRICING_STRIPE_RATE_LIMIT_RETRIES or lower PRICING_STRIPE_CONCURRENCY",
    });
    assertEquals(count(fake.requests, "/v1/products"), 1);
    // retried and still limited: how many times
    fake.failPath("/v1/products", 429, 3);
    await rejects(
      loadRevenue(["cus_a"], { ...options, mode: "require", rules: { maxRateLimitRetries: 2 } }),
      {
        message:
          "Stripe revenue required: Stripe kept rate-limiting (429) after 2 retries: try again later, raise PRICING_STRIPE_RATE_LIMIT_RETRIES or lower PRICING_STRIPE_CONCURRENCY",
      },
    );
  }, setup({ maxRateLimitRetries: 0 }));
});

Deno.test("a 403 on PaymentIntents leaves PTB unknown and keeps MRR", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.faultPath("/v1/payment_intents", "forbidden", 1);
    const result = await loadRevenue(["cus_a"], options);
    assertEquals([result.source, result.failed], ["stripe", false]);
    assertEquals(result.byCustomer.get("cus_a")?.mrr, 79);
    assertEquals(result.byCustomer.get("cus_a")?.ptbRevenueUsd30d, null);
    assertEquals(result.ptb?.status, "failed");
    ok(
      result.warnings.some((w) =>
        /^PTB revenue unknown: reading PaymentIntents failed .*403.*PaymentIntents/.test(w)
      ),
    );
  }, setup({ ptbProductId: "prod_tokens" }));
});

Deno.test("a 403 on PaymentIntents while Stripe's lists are read ahead of the customer ids (the revenue worker's cold cache) leaves PTB unknown, said the same", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.faultPath("/v1/payment_intents", "forbidden", 1);
    const cacheAhead = readCacheComputeAhead(options);
    assertEquals((await cacheAhead).fetchAhead !== undefined, true); // no cache: read ahead
    const result = await loadRevenue(["cus_a"], { ...options, cacheAhead });
    assertEquals([result.source, result.failed], ["stripe", false]);
    assertEquals(result.byCustomer.get("cus_a")?.mrr, 79);
    assertEquals(result.byCustomer.get("cus_a")?.ptbRevenueUsd30d, null);
    assertEquals(result.ptb?.status, "failed");
    ok(
      result.warnings.some((w) =>
        /^PTB revenue unknown: reading PaymentIntents failed .*403.*PaymentIntents/.test(w)
      ),
      result.warnings.join("\n"),
    );
  }, setup({ ptbProductId: "prod_tokens" }));
});

Deno.test("403 names every permission the docs ask for", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.faultPath("/v1/products", "forbidden", 1);
    const result = await loadRevenue(["cus_a"], options);
    match(
      result.warnings[0],
      /Subscriptions, Products, Prices, Invoices, Coupons and Customers \(and PaymentIntents/,
    );
    const docs = await Deno.readTextFile(new URL("../docs/revenue.md", import.meta.url));
    ok(docs.includes("Subscriptions, Products, Prices, Invoices, Coupons and Customers"));
    ok(docs.includes("PaymentIntents"));
  }, setup());
});

Deno.test("an endpoint that never answers fails after PRICING_STRIPE_TIMEOUT_SECONDS", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.faultPath("/v1/products", "hang", 1);
    // (the answer never comes: only the timeout ends the wait; a hang guard, not a time bound)
    const result = await unlessHung("the load", loadRevenue(["cus_a"], options));
    assertEquals(result.failed, true);
    match(result.warnings[0], /Stripe at 127\.0\.0\.1:\d+ did not answer within 1 s/);
  }, setup({ timeoutSeconds: 1, maxNetworkRetries: 0 }));
});

Deno.test("an HTML 503 says the status and that an error page answered", async () => {
  await withFakeStripe(async (fake, options) => {
    fake.faultPath("/v1/products", "html_503", 2);
    const result = await loadRevenue(["cus_a"], options);
    assertEquals(result.failed, true);
    match(result.warnings[0], /answered HTTP 503 after 1 retry with an error page/);
    match(result.warnings[0], /Stripe or a proxy answered with an error page; try again later/);
    assertEquals(count(fake.requests, "/v1/products"), 2);
  }, setup({ maxNetworkRetries: 1 }));
});

Deno.test("a page that arrives whole but is not JSON fails at once, not retried", async () => {
  // stripe-node retries only before reading a body (a connection error, 409, 429, 5xx,
  // Stripe-Should-Retry), and a body cut off is a connection error (reset_body); a whole 200 whose
  // JSON is broken would come back the same: one request, then the line saying what came
  await withFakeStripe(async (fake, options) => {
    fake.faultPath("/v1/products", "broken_json", 1);
    const result = await loadRevenue(["cus_a"], options);
    assertEquals(result.failed, true);
    assertEquals(count(fake.requests, "/v1/products"), 1);
    match(
      result.warnings[0],
      /Stripe at 127\.0\.0\.1:\d+ answered something that is not JSON \(Invalid JSON received from the Stripe API\), not retried: /,
    );
  }, setup({ maxNetworkRetries: 2 }));
});

Deno.test("an endpoint that cannot be reached over the protocol set names STRIPE_API_PROTOCOL too", async () => {
  await withFakeStripe(async (fake, options) => {
    // the fake speaks plain HTTP: https to it fails before any answer
    const endpoint = `127.0.0.1:${fake.port}`;
    for (
      const [apiProtocol, named] of [
        ["https", "https"],
        [undefined, "https, the default"],
      ] as const
    ) {
      await rejects(loadRevenue(["cus_a"], { ...options, mode: "require", apiProtocol }), {
        name: "UserError",
        message:
          `Stripe revenue required: cannot reach Stripe at ${endpoint} (fetch failed): check the network, or STRIPE_API_HOST / STRIPE_API_PORT / STRIPE_API_PROTOCOL (${named}: is that what the server at ${endpoint} speaks?)`,
      });
    }
    assertEquals(fake.requests, []);
  }, setup({ maxNetworkRetries: 0 }));
});

Deno.test("STRIPE_API_HOST takes a host name only", () => {
  let message = "";
  try {
    stripeSettingsFromEnv({ STRIPE_API_HOST: "https://api.stripe.com/" });
  } catch (error) {
    message = (error as Error).message;
  }
  match(message, /^STRIPE_API_HOST must be a host name only \(e\.g\. api\.stripe\.com\)/);
  assertEquals(
    stripeSettingsFromEnv({ STRIPE_API_HOST: "stripe.internal" }).apiHost,
    "stripe.internal",
  );
  assertEquals(DEFAULT_RULES.timeoutSeconds, 30);
});

Deno.test("STRIPE_API_PROTOCOL=http sends the key only to a fake or proxy on this machine", () => {
  const key = "sk_live_must_not_travel_in_clear";
  for (const host of ["stripe-proxy.internal", "10.0.0.7", undefined]) {
    let message = "";
    try {
      stripeSettingsFromEnv({
        STRIPE_SECRET_KEY: key,
        STRIPE_API_PROTOCOL: "http",
        ...(host ? { STRIPE_API_HOST: host } : {}),
      });
    } catch (error) {
      message = (error as Error).message;
    }
    assertEquals(
      message,
      `STRIPE_API_PROTOCOL=http would send STRIPE_SECRET_KEY unencrypted to ${
        host ?? "api.stripe.com"
      }: use https (plain http only to a fake or proxy on this machine: localhost, 127.x.x.x)`,
    );
  }
  for (const host of ["127.0.0.1", "127.8.0.1", "localhost"]) {
    assertEquals(
      stripeSettingsFromEnv({
        STRIPE_SECRET_KEY: key,
        STRIPE_API_PROTOCOL: "http",
        STRIPE_API_HOST: host,
      }).apiHost,
      host,
    );
  }
  // https anywhere; and without a key nothing travels
  assertEquals(
    stripeSettingsFromEnv({ STRIPE_SECRET_KEY: key, STRIPE_API_HOST: "stripe-proxy.internal" })
      .apiHost,
    "stripe-proxy.internal",
  );
  assertEquals(
    stripeSettingsFromEnv({ STRIPE_API_PROTOCOL: "http", STRIPE_API_HOST: "stripe.internal" })
      .apiProtocol,
    "http",
  );
});

Deno.test("a STRIPE_SECRET_KEY that cannot be an API key is refused in one line, unshown, before any call", () => {
  const use =
    "use a secret key (sk_live_…) or a restricted key (rk_live_…) from the Stripe Dashboard, Developers → API keys";
  const cases: [string, string][] = [
    // the Dashboard shows the publishable key first: Stripe answered 401 and the export went on
    ["pk_live_51AbCdEfGhIjKlMn", `is a publishable key (pk_…), which reads nothing: ${use}`],
    ["pk_test_51AbCdEfGhIjKlMn", `is a publishable key (pk_…), which reads nothing: ${use}`],
    // another secret, sent to Stripe in every request's header
    ["whsec_AbCdEfGhIjKlMn", `is a webhook signing secret (whsec_…), not an API key: ${use}`],
    ["sk_live_51AbCd EfGh", "holds a space or a line break: give the key alone"],
    ["sk_live_51AbCd\nSTRIPE_API_PORT=443", "holds a space or a line break: give the key alone"],
    ["live_51AbCdEfGhIjKlMn", `does not start with sk_ or rk_ as an API key does: ${use}`],
    // the .env line pasted whole as the value: an sk_ inside it is not a key's start
    [
      "STRIPE_SECRET_KEY=sk_live_51AbCd",
      `does not start with sk_ or rk_ as an API key does: ${use}`,
    ],
    // .env.example's line uncommented as it is
    ["rk_live_...", `is still .env.example's placeholder (…_live_...): ${use}`],
    ["sk_live_…", `is still .env.example's placeholder (…_live_...): ${use}`],
  ];
  for (const [key, problem] of cases) {
    let message = "";
    try {
      stripeSettingsFromEnv({ STRIPE_SECRET_KEY: key });
    } catch (error) {
      ok(error instanceof UserError);
      message = error.message;
    }
    assertEquals(message, `STRIPE_SECRET_KEY ${problem} (its value is not shown)`);
  }
  // every kind of API key Stripe issues passes, spaces around it trimmed (as .env lines have them)
  for (
    const key of ["sk_live_51Ab", "rk_live_51Ab", "sk_test_51Ab", "rk_test_51Ab", " sk_org_x "]
  ) {
    assertEquals(stripeSettingsFromEnv({ STRIPE_SECRET_KEY: key }).apiKey, key.trim());
  }
});

Deno.test("an account that knows none of the customers (a test-mode key, another account) is revenue missing; a few unknown are not", async () => {
  // what an sk_test_ key sees against live customer ids: every call succeeds, no customer is there
  const NOBODY = { subscriptions: [], products: [], invoices: [], customers: [] };
  const asked = ["cus_a", "cus_b", "cus_a"]; // two customers, one of them twice
  const missingLine = (mode: string) =>
    `none of the 2 stripe_customer_id values is known to this Stripe account: ${
      mode === "test"
        ? "is STRIPE_SECRET_KEY the live key? (it is a test-mode key)"
        : "is STRIPE_SECRET_KEY the key of the account that holds these customers? (it is a live-mode key)"
    }`;
  for (const mode of ["test", "live"]) {
    const apiKey = `sk_${mode}_51AbCdEfGhIjKlMn`;
    await withFakeStripe(async (_fake, options) => {
      // fetched, then from today's cache: the same answer
      for (const [source, calls] of [["stripe", 5], ["cache", 0]] as const) {
        const result = await loadRevenue(asked, options);
        // subscriptions, products, invoices, coupons, then the account's customers listed: none
        assertEquals([result.source, result.failed, result.apiCalls], ["none", true, calls]);
        assertEquals(result.byCustomer.size, 0, source);
        assertEquals(result.warnings, [
          `REVENUE MISSING: ${
            missingLine(mode)
          }; the export has empty revenue columns (revenue_source = none)`,
        ]);
      }
      await rejects(
        () => loadRevenue(asked, { ...options, mode: "require" }),
        (error: Error) =>
          error instanceof UserError &&
          error.message === `Stripe revenue required: ${missingLine(mode)}` &&
          !error.message.includes(apiKey),
      );
    }, { data: NOBODY, asOf: AS_OF, mode: "auto", apiKey });
  }
  // one customer deleted of two: revenue for the other, the deleted one counted in a warning
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(["cus_a", "cus_gone"], options);
    assertEquals([result.source, result.failed], ["stripe", false]);
    assertEquals(result.byCustomer.get("cus_a")?.mrr, 79);
    assertEquals(result.unknownCustomerIds, ["cus_gone"]);
    // no customer id at all: nothing to know, nothing missing
    assertEquals((await loadRevenue([], options)).failed, false);
  }, { ...setup(), mode: "require" });
  assertEquals(
    noCustomerKnownLine(1, { apiKey: "not-a-stripe-prefix" }),
    "the one stripe_customer_id value is not known to this Stripe account: is STRIPE_SECRET_KEY the live key of the account that holds these customers?",
  );
  assertEquals(keyMode("rk_test_abc"), "test");
});

Deno.test("a test-mode key against an account of a few hundred customers that holds none of the ids is revenue missing, not $0; a live account whose ids are old customers is not", async () => {
  // 300 customers, newest first by `created`; the first 5 subscribe
  const customers = Array.from({ length: 300 }, (_, i) => ({
    id: `cus_t${i}`,
    object: "customer",
    created: 1_700_000_000 + i,
  }));
  const data = {
    subscriptions: customers.slice(0, 5).map((c) => ({
      ...activeSubscription(c.id, monthlyPrice("pro", 7900)),
      created: c.created,
    })),
    products: DATA.products,
    invoices: [],
    customers,
  };
  const live = Array.from({ length: 40 }, (_, i) => `cus_LIVE${i}`);
  await withFakeStripe(async (_fake, options) => {
    // the call bound leaves 2 pages of customers (200 of 300) for 40 ids: none of them there,
    // and the one looked up to settle it is unknown too
    await rejects(
      () => loadRevenue(live, { ...options, mode: "require" }),
      (error: Error) =>
        error instanceof UserError &&
        /^Stripe revenue required: none of the 40 stripe_customer_id values is known to this Stripe account \(39 of them could not be checked, and none of the others was found\): /
          .test(error.message) &&
        error.message.endsWith("is STRIPE_SECRET_KEY the live key? (it is a test-mode key)"),
    );
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(live, options);
      assertEquals([result.source, result.failed, result.byCustomer.size], ["none", true, 0]);
      match(result.warnings[0], /^REVENUE MISSING: none of the 40 .*test-mode key/, source);
    }
  }, { data, asOf: AS_OF, mode: "auto", apiKey: "sk_test_51AbCdEfGhIjKlMn" });
  // the right account, the 40 ids its oldest customers without a subscription: one lookup finds
  // the first, so the key is right and the rest count as known (revenue 0) with a warning
  const old = customers.slice(5, 45).map((c) => c.id);
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(old, options);
    assertEquals([result.source, result.failed, result.byCustomer.size], ["stripe", false, 40]);
    assertEquals(result.byCustomer.get(old[0])?.mrr, 0);
    ok(result.warnings.some((w) => w.startsWith("39 stripe_customer_id values without")));
  }, { data, asOf: AS_OF, mode: "require", apiKey: "sk_live_51AbCdEfGhIjKlMn" });
});

Deno.test("retried 429s and 500s spend none of the customer checks: a deleted customer stays unknown, fetched or from the day's cache", async () => {
  const data = {
    ...DATA,
    customers: [
      { id: "cus_a", object: "customer" },
      { id: "cus_b", object: "customer" },
      { id: "cus_free", object: "customer" },
      { id: "cus_gone", object: "customer", deleted: true },
    ],
  };
  const ids = ["cus_a", "cus_free", "cus_gone"];
  await withFakeStripe(async (fake, options) => {
    const refresh = { ...options, mode: "refresh" as const };
    const clean = await loadRevenue(ids, refresh);
    assertEquals([clean.source, clean.unknownCustomerIds], ["stripe", ["cus_gone"]]);
    assertEquals(clean.byCustomer.get("cus_free")?.mrr, 0);
    for (const [status, times] of [[429, 1], [429, 3], [500, 2]] as const) {
      fake.failNext(status, times, 0);
      const retried = await loadRevenue(ids, refresh);
      assertEquals(retried.apiCalls, clean.apiCalls + times, `${times}×${status}`);
      const cached = await loadRevenue(ids, options);
      assertEquals(cached.source, "cache");
      for (const result of [retried, cached]) {
        assertEquals(result.byCustomer, clean.byCustomer, `${times}×${status}`);
        assertEquals(result.unknownCustomerIds, ["cus_gone"]);
        assertEquals(result.warnings, clean.warnings);
      }
    }
  }, { ...setup(), data });
});

Deno.test("every exported customer deleted in Stripe: the key reads the right account, so a warning and no failure", async () => {
  const data = {
    ...DATA,
    // deleting a customer cancels its subscriptions; Stripe keeps listing them
    subscriptions: [{ ...DATA.subscriptions[0], status: "canceled" }],
    customers: [
      { id: "cus_a", object: "customer", deleted: true },
      { id: "cus_b", object: "customer", deleted: true },
      { id: "cus_c", object: "customer", deleted: true },
    ],
  };
  // cus_a by its canceled subscription, cus_b looked up; then cus_b and cus_c, neither with a
  // subscription, both looked up ({deleted: true})
  for (const ids of [["cus_a", "cus_b"], ["cus_b", "cus_c"]]) {
    await withFakeStripe(async (_fake, options) => {
      for (const source of ["stripe", "cache"]) {
        const result = await loadRevenue(ids, options);
        assertEquals([result.source, result.failed, result.byCustomer.size], [source, false, 0]);
        assertEquals(result.unknownCustomerIds, ids);
        ok(result.warnings.some((w) => w.startsWith("2 stripe_customer_id values are unknown")));
        ok(!result.warnings.some((w) => w.startsWith("REVENUE MISSING")), source);
      }
    }, { data, asOf: AS_OF, mode: "require", apiKey: "sk_live_51AbCdEfGhIjKlMn" });
  }
});
