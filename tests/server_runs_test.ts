/**
 * lib/server's runs over real HTTP: concurrent requests share one run, a run outlives the client
 * that left, idle runs give up their slot, and the cache's TTL (shorter for a run without revenue).
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { DEMO_ORGANIZATIONS } from "../lib/sources/demo.ts";
import { loadPricingData } from "../lib/export.ts";
import {
  activeSubscription,
  type FakeStripe,
  fakeStripeEnv,
  fixtureCustomersData,
  monthlyPrice,
  startFakeStripe,
} from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { refusedPort } from "./refused_port.ts";
import { RunCache } from "../lib/server/runs.ts";
import { EXPORT, gate, serve, START, SUMMARY, waitFor } from "./server_fixture.ts";

Deno.test("shared runs: concurrent requests for the same data run the pipeline once", async (t) => {
  const held = gate();
  let started = 0;
  const server = serve({
    loader: async (options) => {
      started++;
      await held.opened; // both requests arrive while the run is still going
      return loadPricingData(options);
    },
  });
  try {
    await t.step("CSV and XLSX at once → one run, both complete", async () => {
      const csv = server.get(EXPORT);
      const xlsx = server.get(`${EXPORT}?format=xlsx`);
      await waitFor(() => started === 1 && server.runs.joined === 1, "the second request to join");
      held.open();
      const [a, b] = await Promise.all([csv, xlsx]);
      assertEquals([a.status, b.status], [200, 200]);
      assertEquals(
        [a.headers.get("x-pricing-cache"), b.headers.get("x-pricing-cache")].sort(),
        ["miss", "shared"],
      );
      assertEquals(a.headers.get("x-pricing-as-of"), b.headers.get("x-pricing-as-of"));
      assertEquals(parseCsv(await a.text()).length, DEMO_ORGANIZATIONS + 1);
      ok((await b.arrayBuffer()).byteLength > 0);
      assertEquals(server.calls.length, 1);
    });
    await t.step("three at once with another window → two runs", async () => {
      server.clock.now += 3_600_000; // past the TTL: no cache hits
      const responses = await Promise.all([
        server.get(EXPORT),
        server.get(`${EXPORT}?days=7`),
        server.get("/v1/admin/pricing-analytics/summary"),
      ]);
      for (const r of responses) {
        assertEquals(r.status, 200);
        await r.body?.cancel();
      }
      assertEquals(server.calls.length, 3);
      assertEquals(server.calls.slice(1).map((c) => c.windowDays).sort(), [30, 7]);
    });
  } finally {
    await server.close();
  }
});

Deno.test("a client that leaves: its run goes on and is cached for the next request", async () => {
  const held = gate();
  let started = 0;
  const server = serve({
    loader: async (options) => {
      started++;
      await held.opened;
      return loadPricingData(options);
    },
  });
  try {
    const leaving = new AbortController();
    const left = server.get(EXPORT, { signal: leaving.signal }).catch((error) => error);
    await waitFor(() => started === 1, "the run to start");
    leaving.abort();
    ok((await left) instanceof Error, "the client went away");
    held.open();
    await waitFor(() => server.runs.running === 0, "the run to finish");
    const response = await server.get(EXPORT);
    assertEquals(response.headers.get("x-pricing-cache"), "hit");
    assertEquals(parseCsv(await response.text()).length, DEMO_ORGANIZATIONS + 1);
    assertEquals(server.calls.length, 1);
  } finally {
    held.open();
    await server.close();
  }
});

Deno.test("runs nobody waits for any more are stopped when a new run needs their slot", async () => {
  // The page's Show aborts its earlier fetch: as-of 09-01, then 09-02, then 09-03 at
  // PRICING_SERVER_MAX_RUNS=2. The two abandoned runs hold both slots; 09-03 is answered, not 503.
  const held = gate();
  const stoppedDays: string[] = [];
  const server = serve({
    env: { PRICING_SERVER_MAX_RUNS: "2" },
    loader: async (options) => {
      const day = options.asOf!.toISOString().slice(0, 10);
      if (day !== "2026-09-03") {
        await new Promise<void>((resolve, reject) => {
          held.opened.then(resolve);
          options.signal?.addEventListener("abort", () => {
            stoppedDays.push(day);
            reject(options.signal!.reason);
          });
        });
      }
      return loadPricingData(options);
    },
  });
  const leave = async (day: string, runs: number) => {
    const leaving = new AbortController();
    const left = server.get(`${SUMMARY}?as_of=${day}`, { signal: leaving.signal })
      .catch((error) => error);
    await waitFor(() => server.calls.length === runs, `the ${day} run to start`);
    leaving.abort();
    ok((await left) instanceof Error, "the client went away");
  };
  try {
    await leave("2026-09-01", 1);
    await leave("2026-09-02", 2);
    const latest = await server.get(`${SUMMARY}?as_of=2026-09-03`);
    assertEquals(latest.status, 200, await latest.clone().text());
    assertEquals((await latest.json()).asOf, "2026-09-03T00:00:00.000Z");
    // only the oldest abandoned run was stopped: one slot was enough
    assertEquals(stoppedDays, ["2026-09-01"]);
    // the other goes on and is cached for the next request of its window
    held.open();
    await waitFor(() => server.runs.running === 0, "the 09-02 run to finish");
    const again = await server.get(`${SUMMARY}?as_of=2026-09-02`);
    assertEquals(again.headers.get("x-pricing-cache"), "hit");
    await again.body?.cancel();
    assertEquals(server.calls.length, 3);
  } finally {
    held.open();
    await server.close();
  }
});

Deno.test("cache: reused within the TTL, run again after it, refresh=1 bypasses", async (t) => {
  const server = serve({ env: { PRICING_SERVER_CACHE_TTL_SECONDS: "600" } });
  const fetchStatus = async (query = "") => {
    const response = await server.get(EXPORT + query);
    assertEquals(response.status, 200);
    await response.body?.cancel();
    return [response.headers.get("x-pricing-cache"), server.calls.length];
  };
  try {
    await t.step(
      "first → miss (run 1)",
      async () => assertEquals(await fetchStatus(), ["miss", 1]),
    );
    await t.step("again → hit", async () => assertEquals(await fetchStatus(), ["hit", 1]));
    await t.step("the instant that run was pinned to, named as as_of → the same run", async () => {
      server.clock.now += 60_000;
      assertEquals(await fetchStatus("?as_of=2026-11-02T00:00:00.000Z"), ["hit", 1]);
      server.clock.now -= 60_000;
    });
    await t.step("599 s later → hit", async () => {
      server.clock.now += 599_000;
      assertEquals(await fetchStatus(), ["hit", 1]);
    });
    await t.step("600 s after the run → miss (run 2), a new as-of", async () => {
      server.clock.now += 1_000;
      assertEquals(await fetchStatus(), ["miss", 2]);
      assertEquals(server.calls[1].asOf?.getTime(), START + 600_000);
    });
    await t.step("refresh=1 → run 3; afterwards that result is the cached one", async () => {
      assertEquals(await fetchStatus("?refresh=1"), ["refresh", 3]);
      assertEquals(await fetchStatus(), ["hit", 3]);
    });
    await t.step("an explicit as_of is cached under its own key", async () => {
      assertEquals(await fetchStatus("?as_of=2026-11-01"), ["miss", 4]);
      assertEquals(await fetchStatus("?as_of=2026-11-01&format=xlsx"), ["hit", 4]);
    });
    await t.step("a pinned instant past the TTL → run again for that instant", async () => {
      server.clock.now += 600_000;
      assertEquals(await fetchStatus("?as_of=2026-11-02T00:10:00.000Z"), ["miss", 5]);
      assertEquals(server.calls[4].asOf?.toISOString(), "2026-11-02T00:10:00.000Z");
    });
  } finally {
    await server.close();
  }
  await t.step("TTL 0 → every request runs", async () => {
    const uncached = serve({ env: { PRICING_SERVER_CACHE_TTL_SECONDS: "0" } });
    try {
      for (const expected of [1, 2]) {
        const response = await uncached.get(EXPORT);
        assertEquals(response.headers.get("x-pricing-cache"), "miss");
        await response.body?.cancel();
        assertEquals(uncached.calls.length, expected);
      }
    } finally {
      await uncached.close();
    }
  });
});

Deno.test("a run that could not reach Stripe is reused for a minute at most, a run with revenue for the TTL", async (t) => {
  // The fixture databases; Stripe is down (nothing listens on its port, held so no other process
  // takes it), then comes back there. Once back it has cus_alpha at $79 and cus_charlie at $200:
  // total MRR $279 (B has no customer).
  const down = await refusedPort();
  const databases = await freshFixtureDatabases("server_stripe_down");
  const outDir = await Deno.makeTempDir({ prefix: "pricing-kit-stripe-cache-" });
  const server = serve({
    args: [],
    outDir,
    env: {
      ...databases.env,
      ...fakeStripeEnv({ port: down.port }),
      PRICING_STRIPE_MAX_RETRIES: "0", // a refused connection fails the fetch at once
    },
  });
  let stripe: FakeStripe | undefined;
  const summary = async (query: string) => {
    const response = await server.get(`${SUMMARY}${query}`);
    assertEquals(response.status, 200);
    const body = await response.json();
    return {
      cache: response.headers.get("x-pricing-cache"),
      mrr: body.totalMrrUsd,
      missing: body.revenueMissing,
      runs: server.calls.length,
    };
  };
  const pinned = "?as_of=2026-11-01";
  try {
    await t.step("Stripe down: the runs are served, revenue missing and why", async () => {
      const day = await summary(pinned);
      assertEquals([day.cache, day.mrr, day.runs], ["miss", null, 1]);
      match(day.missing, /^REVENUE MISSING: cannot reach Stripe at 127\.0\.0\.1:\d+ /);
      const now = await summary("");
      assertEquals([now.cache, now.mrr, now.runs], ["miss", null, 2]);
    });
    stripe = await down.handOver((port) =>
      startFakeStripe(fixtureCustomersData(), "sk_test_fake_123", 0, { port })
    );
    await t.step(
      "Stripe back, within the minute: the same runs (a report and its export agree)",
      async () => {
        server.clock.now += 59_999;
        for (const query of [pinned, ""]) {
          const again = await summary(query);
          assertEquals([again.cache, again.mrr, again.runs], ["hit", null, 2], query);
        }
      },
    );
    await t.step("a minute after they finished: run again, and the revenue is there", async () => {
      server.clock.now += 1;
      const day = await summary(pinned);
      assertEquals([day.cache, day.mrr, day.missing, day.runs], ["miss", 279, null, 3]);
      const now = await summary("");
      assertEquals([now.cache, now.mrr, now.missing, now.runs], ["miss", 279, null, 4]);
    });
    await t.step("a run with its revenue is kept for the whole TTL (an hour)", async () => {
      server.clock.now += 3_599_999;
      const day = await summary(pinned);
      assertEquals([day.cache, day.mrr, day.runs], ["hit", 279, 4]);
    });
  } finally {
    await server.close();
    await stripe?.close();
    await down.release();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("a run whose PTB revenue could not be read (PaymentIntents failed) is reused for a minute at most", async () => {
  const databases = await freshFixtureDatabases("server_ptb_down");
  const outDir = await Deno.makeTempDir({ prefix: "pricing-kit-ptb-down-" });
  const stripe = startFakeStripe(
    {
      subscriptions: [activeSubscription("cus_alpha", monthlyPrice("pro-20251210", 7900))],
      products: [
        { id: "prod_pro-20251210", name: "pro-20251210", metadata: {} },
        { id: "prod_token_usage", name: "Token usage credits", metadata: {} },
      ],
      invoices: [],
    },
    "sk_test_fake_123",
  );
  const server = serve({
    args: [],
    outDir,
    env: {
      ...databases.env,
      ...fakeStripeEnv(stripe),
      PRICING_STRIPE_MAX_RETRIES: "0",
      PRICING_STRIPE_PTB_PRODUCT: "prod_token_usage",
    },
  });
  const cacheOf = async () => {
    const response = await server.get(`${SUMMARY}?as_of=2026-11-01`);
    assertEquals(response.status, 200);
    await response.body?.cancel();
    return [response.headers.get("x-pricing-cache"), server.calls.length];
  };
  try {
    stripe.failPath("/v1/payment_intents", 500, 1);
    assertEquals(await cacheOf(), ["miss", 1]);
    server.clock.now += 59_999;
    assertEquals(await cacheOf(), ["hit", 1]);
    server.clock.now += 1; // a minute after it finished: read again (PaymentIntents answer now)
    assertEquals(await cacheOf(), ["miss", 2]);
    server.clock.now += 3_599_999; // that run read them: kept for the hour
    assertEquals(await cacheOf(), ["hit", 2]);
  } finally {
    await server.close();
    await stripe.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("RunCache: a finished run leaves the cache when its TTL ends, with no request to evict it; at most four are held meanwhile", async () => {
  let expired = 0;
  // (what a run holds is not looked at here: the entries are counted)
  const data = { frame: null } as unknown as Awaited<ReturnType<typeof loadPricingData>>;
  const cache = new RunCache(() => Promise.resolve(data), {
    ttlMs: 200,
    maxRuns: 2,
    onExpired: () => expired++,
  });
  for (let days = 1; days <= 6; days++) {
    await cache.get({ days, asOf: new Date(START) });
  }
  assertEquals(cache.cached, 4); // the two oldest pushed out by newer runs
  // no request comes: the server's idle night
  await waitFor(() => cache.cached === 0, "the cached runs to expire");
  assertEquals(expired, 4); // (the two pushed out left with their timers)
});
