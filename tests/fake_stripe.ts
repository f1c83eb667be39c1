/**
 * A fake Stripe API on 127.0.0.1 that follows Stripe's conventions closely enough for the real
 * `stripe` SDK, and strictly enough to catch a client that does not:
 *
 * - bearer-key auth: a wrong key gets 401 with Stripe's error body `{error: {type, message}}`;
 * - list objects `{object: "list", url, has_more, data}`, `limit` 1–100 (default 10, more is a
 *   400), `starting_after` cursors (an unknown id is a 400);
 * - `expand[]`: at most 4 levels (deeper is a 400), only properties that expand (else a 400);
 *   unexpanded discounts are ids, unexpanded coupons are ids, price tiers are absent;
 * - embedded lists (a subscription's items, an invoice's lines) hold at most `embeddedLimit`
 *   entries (10 by default) with `has_more` and the URL to page on;
 * - `GET /v1/subscriptions` hides canceled subscriptions unless `status=all` (or `canceled`);
 * - `GET /v1/customers/:id` is 404 `resource_missing` for an unknown id, `{deleted: true}` for a
 *   deleted customer; with `discount.source.coupon` expanded, its own discount's coupon;
 * - `GET /v1/subscription_items/:id` retrieves an item, `GET /v1/subscriptions/:id` a
 *   subscription (any status), their discounts' coupons expandable with their own fields;
 * - a coupon deleted in Stripe (absent from `coupons`, which `GET /v1/coupons` lists) still
 *   expands, with its terms, on the discounts made from it, as Stripe keeps applying them;
 * - only the parameters each endpoint documents (else 400 "Received unknown parameter"), `created`
 *   ranges (`created[gte]` …) where Stripe has them, `type` on prices;
 * - `GET /v1/prices` lists active prices only unless `active=false` (then inactive ones only:
 *   archived, `active: false`), as Stripe's "List all prices" does; a price is retrieved by id
 *   either way;
 * - expandable fields absent unless expanded: a coupon's `applies_to` and `currency_options`, a
 *   price's `currency_options` (and their tiers), a subscription's `customer` (an id), whose own
 *   `discount` then names its coupon by id;
 * - `GET /v1/invoices` filters by `subscription`, `customer` and `status`; an invoice's and its
 *   lines' `discounts` are ids unless expanded, deleted ones (without `end`) listed too;
 * - `GET /v1/payment_intents`: no status or metadata filter (Stripe has none), newest first, the
 *   latest charge an id unless expanded;
 * - injectable failures: 429 with `Retry-After` (and code rate_limit), 500 api_error, 400 (not
 *   retried), for any path, one path, or one path after some requests pass; and faults of one
 *   path (`faultPath`): a page with has_more but no objects, a body cut off after its first
 *   bytes, no answer at all, a proxy's HTML 503, a 429 with `Stripe-Should-Retry: true`, a 403.
 *
 * It records every request (method, path, query, Stripe-Version). The routes, resource by resource,
 * are tests/fake_stripe_routes.ts; the rules they share, tests/fake_stripe_api.ts.
 */

import type { RevenueOptions } from "../lib/revenue/mod.ts";
import { BadRequest, errorResponse } from "./fake_stripe_api.ts";
import { type FakeStripeData, fakeStripeRoutes } from "./fake_stripe_routes.ts";
import type { Json } from "./fixtures/stripe/scenarios.ts";

export type { FakeStripeData } from "./fake_stripe_routes.ts";

/** A monthly licensed USD price of `cents` (its product `prod_<id>`), as the API returns it. */
export function monthlyPrice(id: string, cents: number): Json {
  return {
    id,
    product: `prod_${id}`,
    currency: "usd",
    unit_amount_decimal: String(cents),
    recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
  };
}

/** An active subscription `sub_<customer>` of one item (quantity 1) at `price`, no discounts. */
export function activeSubscription(customer: string, price: Json): Json {
  return {
    id: `sub_${customer}`,
    customer,
    status: "active",
    currency: "usd",
    cancel_at_period_end: false,
    discounts: [],
    items: { data: [{ id: `si_${customer}`, quantity: 1, price, discounts: [] }] },
  };
}

/**
 * The export fixtures' two paying customers (tests/fixtures/postgres_data.sql): cus_alpha on
 * pro-20251210 at $79 a month, cus_charlie on team_bundle at $200; then `more` subscriptions
 * (on either price's product). A new object each call: the fake serves what it is given.
 */
export function fixtureCustomersData(more: Json[] = []): FakeStripeData {
  return {
    subscriptions: [
      activeSubscription("cus_alpha", monthlyPrice("pro-20251210", 7900)),
      activeSubscription("cus_charlie", monthlyPrice("team_bundle", 20000)),
      ...more,
    ],
    products: [
      { id: "prod_pro-20251210", name: "pro-20251210", metadata: {} },
      { id: "prod_team_bundle", name: "team_bundle", metadata: {} },
    ],
    invoices: [],
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  params: URLSearchParams;
  stripeVersion: string | null;
}

export interface FakeStripe {
  port: number;
  apiKey: string;
  /** every request received, as "GET /v1/subscriptions" */
  requests: string[];
  /** every request received, in detail */
  log: RecordedRequest[];
  /** most requests in flight at once so far (with a latency, concurrency shows) */
  peakInFlight(): number;
  /** the next responses to fail: status 429 (with Retry-After) or 500 */
  failNext(status: 429 | 500, times: number, retryAfterSeconds?: number): void;
  /** the next `times` requests to `path` fail: 400 (not retried), 429 (Retry-After) or 500 */
  failPath(path: string, status: 400 | 429 | 500, times: number, retryAfterSeconds?: number): void;
  /** the request to `path` after `passing` more succeed fails once (400, not retried) */
  failPathLater(path: string, passing: number): void;
  /** the next `times` requests to `path` meet `fault` (see FakeFault) */
  faultPath(path: string, fault: FakeFault, times: number): void;
  /** requests held unanswered by a "hang" fault right now */
  hanging(): number;
  /** drop failures still queued */
  clearFailures(): void;
  close(): Promise<void>;
}

/**
 * empty_has_more: a list page `{has_more: true, data: []}`; reset_body: 200, the body cut off
 * after its first bytes; hang: never answered (until close); html_503: a proxy's HTML error page;
 * should_retry_429: 429 with `Stripe-Should-Retry: true`; forbidden: 403 of a restricted key;
 * broken_json: 200, a whole body (its Content-Length) that is not JSON.
 */
export type FakeFault =
  | "empty_has_more"
  | "reset_body"
  | "hang"
  | "html_503"
  | "should_retry_429"
  | "forbidden"
  | "broken_json";

export interface FakeStripeOptions {
  /** entries shown in an embedded list before `has_more` (Stripe embeds the first page) */
  embeddedLimit?: number;
  /** listen on this port (a Stripe that comes back where a client was told to look); 0 = any */
  port?: number;
}

export function startFakeStripe(
  data: FakeStripeData,
  apiKey = "sk_test_fake_123",
  /** added to every response, like a real API's round trip */
  latencyMs = 0,
  options: FakeStripeOptions = {},
): FakeStripe {
  const embeddedLimit = options.embeddedLimit ?? 10;
  const requests: string[] = [];
  const log: RecordedRequest[] = [];
  const failures: { status: 400 | 429 | 500; retryAfter: number }[] = [];
  const pathFailures = new Map<string, { status: 400 | 429 | 500; retryAfter: number }[]>();
  const laterFailures = new Map<string, number>(); // path → requests to let pass first
  const faults = new Map<string, FakeFault[]>();
  const held = new Set<() => void>(); // answers of hanging requests, released on close
  const route = fakeStripeRoutes(data, embeddedLimit);

  let inFlight = 0;
  let peak = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen() {} },
    async (request) => {
      peak = Math.max(peak, ++inFlight);
      try {
        return await answer(request);
      } finally {
        inFlight--;
      }
    },
  );
  async function answer(request: Request): Promise<Response> {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}`);
    log.push({
      method: request.method,
      path: url.pathname,
      params: url.searchParams,
      stripeVersion: request.headers.get("stripe-version"),
    });
    if (request.headers.get("authorization") !== `Bearer ${apiKey}`) {
      const given = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
      return errorResponse(401, {
        type: "invalid_request_error",
        message: `Invalid API Key provided: ${given.slice(0, 8)}****${given.slice(-4)}`,
      });
    }
    const passing = laterFailures.get(url.pathname);
    if (passing !== undefined) {
      if (passing > 0) laterFailures.set(url.pathname, passing - 1);
      else {
        laterFailures.delete(url.pathname);
        return errorResponse(400, {
          type: "invalid_request_error",
          message: "Injected late failure.",
        });
      }
    }
    const fault = faults.get(url.pathname)?.shift();
    if (fault) return await faultResponse(fault, url.pathname);
    const failure = pathFailures.get(url.pathname)?.shift() ?? failures.shift();
    if (failure?.status === 400) {
      return errorResponse(400, {
        type: "invalid_request_error",
        message: "Injected bad request.",
      });
    }
    if (failure?.status === 429) {
      return errorResponse(429, {
        type: "invalid_request_error",
        code: "rate_limit",
        message:
          "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
      }, { "retry-after": String(failure.retryAfter) });
    }
    if (failure?.status === 500) {
      return errorResponse(500, {
        type: "api_error",
        message: "Something went wrong on Stripe's end.",
      });
    }
    try {
      const body = route(request.method, url.pathname, url.searchParams);
      if (body instanceof Response) return body;
      return Response.json(body, { headers: { "request-id": "req_fake" } });
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      return errorResponse(400, {
        type: "invalid_request_error",
        message: error.message,
        ...(error.code ? { code: error.code } : {}),
        ...(error.param ? { param: error.param } : {}),
      });
    }
  }
  async function faultResponse(fault: FakeFault, path: string): Promise<Response> {
    switch (fault) {
      case "empty_has_more":
        return Response.json({ object: "list", url: path, has_more: true, data: [] });
      case "reset_body": {
        let sent = false;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent) return controller.error(new Error("fake connection reset"));
            sent = true;
            controller.enqueue(new TextEncoder().encode('{"object":"list","data":[{"id":"'));
          },
        });
        return new Response(body, { headers: { "content-type": "application/json" } });
      }
      case "hang":
        await new Promise<void>((resolve) => held.add(resolve));
        return new Response("closed", { status: 503 });
      case "broken_json":
        return new Response('{"object":"list","data":[{"id":"prod_x",}]}', {
          headers: { "content-type": "application/json" },
        });
      case "html_503":
        return new Response("<html><body>503 Service Unavailable</body></html>", {
          status: 503,
          headers: { "content-type": "text/html" },
        });
      case "should_retry_429":
        return errorResponse(429, {
          type: "invalid_request_error",
          code: "lock_timeout",
          message: "This object cannot be accessed right now.",
        }, { "retry-after": "0", "stripe-should-retry": "true" });
      case "forbidden":
        return errorResponse(403, {
          type: "invalid_request_error",
          message:
            "The provided key does not have the required permissions for this endpoint on account 'acct_1'.",
        });
    }
  }
  return {
    port: (server.addr as Deno.NetAddr).port,
    apiKey,
    requests,
    log,
    peakInFlight: () => peak,
    failNext(status, times, retryAfterSeconds = 0) {
      for (let i = 0; i < times; i++) failures.push({ status, retryAfter: retryAfterSeconds });
    },
    failPath(path, status, times, retryAfterSeconds = 0) {
      const queue = pathFailures.get(path) ?? [];
      for (let i = 0; i < times; i++) queue.push({ status, retryAfter: retryAfterSeconds });
      pathFailures.set(path, queue);
    },
    failPathLater(path, passing) {
      laterFailures.set(path, passing);
    },
    faultPath(path, fault, times) {
      faults.set(path, [...(faults.get(path) ?? []), ...Array(times).fill(fault)]);
    },
    hanging: () => held.size,
    clearFailures() {
      faults.clear();
      failures.length = 0;
      pathFailures.clear();
      laterFailures.clear();
    },
    close: () => {
      for (const release of held) release();
      held.clear();
      return server.shutdown();
    },
  };
}

/** The options that point the real `stripe` SDK at `fake` (over HTTP, on loopback). */
export function fakeStripeConnection(fake: FakeStripe) {
  return {
    apiKey: fake.apiKey,
    apiHost: "127.0.0.1",
    apiPort: fake.port,
    apiProtocol: "http" as const,
  };
}

/**
 * The settings that point a run's real SDK at the fake Stripe on `port` (over HTTP, on loopback),
 * as a user's .env would; `apiKey` startFakeStripe's default unless given.
 */
export function fakeStripeEnv(
  { port, apiKey = "sk_test_fake_123" }: { port: number; apiKey?: string },
): Record<string, string> {
  return {
    STRIPE_SECRET_KEY: apiKey,
    STRIPE_API_HOST: "127.0.0.1",
    STRIPE_API_PORT: String(port),
    STRIPE_API_PROTOCOL: "http",
  };
}

/**
 * Runs `run` against a fresh fake Stripe API and a temp cache folder, with revenue options that
 * point the real SDK at it; both are gone afterwards.
 */
export async function withFakeStripe(
  run: (fake: FakeStripe, options: RevenueOptions) => Promise<void>,
  setup: {
    data: FakeStripeData;
    asOf: Date;
    mode: RevenueOptions["mode"];
    rules?: RevenueOptions["rules"];
    apiKey?: string;
    latencyMs?: number;
  },
): Promise<void> {
  const fake = startFakeStripe(setup.data, setup.apiKey, setup.latencyMs);
  const cacheDir = await Deno.makeTempDir();
  try {
    await run(fake, {
      mode: setup.mode,
      ...fakeStripeConnection(fake),
      cacheDir,
      asOf: setup.asOf,
      rules: setup.rules,
    });
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}
