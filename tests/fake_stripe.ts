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
 * It records every request (method, path, query, Stripe-Version).
 */

import type { RevenueOptions } from "../lib/revenue/mod.ts";
import {
  BadRequest,
  checkExpand,
  checkParameters,
  createdBounds,
  createdFilter,
  createdSlice,
  errorResponse,
  expands,
  expandsPath,
  newestFirst,
  page,
  PARAMETERS,
  presentCoupon,
  presentCustomer,
  presentInvoice,
  presentItem,
  presentLine,
  presentPrice,
  presentSubscription,
} from "./fake_stripe_api.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

export interface FakeStripeData {
  subscriptions: Json[];
  products: Json[];
  invoices: Json[];
  /** customers of the account; default: one per customer id of the subscriptions */
  customers?: Json[];
  coupons?: Json[];
  paymentIntents?: Json[];
  /** prices of the account besides those on subscription items (archived ones: `active: false`) */
  prices?: Json[];
}

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
  const customers: Json[] = data.customers ??
    [...new Set(data.subscriptions.map((s) => String(s.customer)))].map((id) => ({
      id,
      object: "customer",
    }));
  const customersById = new Map(customers.map((c) => [String(c.id), c]));
  const coupons: Json[] = data.coupons ?? [];
  /** the account's prices: every price on a subscription item and of `data.prices`, once */
  const allPrices = () => [
    ...new Map(
      [
        ...data.subscriptions.flatMap((s) => s.items?.data ?? []).map((i: Json) => i.price),
        ...(
          data.prices ?? []
        ),
      ].map((p: Json) => [p.id, p]),
    ).values(),
  ];

  const route = (
    method: string,
    path: string,
    params: URLSearchParams,
  ): Json | Response => {
    if (method !== "GET") {
      throw new BadRequest(`Unrecognized request URL (${method}: ${path}).`);
    }
    const expand = expands(params);
    const routeName = path
      .replace(/^\/v1\/invoices\/[^/]+\/lines$/, "/v1/invoices/:id/lines")
      .replace(/^\/v1\/(prices|customers|subscriptions|subscription_items)\/[^/]+$/, "/v1/$1/:id");
    if (PARAMETERS[routeName]) checkParameters(routeName, params);
    let match: RegExpMatchArray | null;
    if (path === "/v1/subscriptions") {
      checkExpand(path, expand);
      const status = params.get("status");
      const inRange = createdFilter(params);
      const sorted = newestFirst(data.subscriptions);
      // every status: the range is a slice of the sorted list (found by bisection, so a big
      // account's pages stay cheap); otherwise filtered
      const visible = status === "all"
        ? createdSlice(sorted, createdBounds(params))
        : sorted.filter((s) =>
          (status ? s.status === status : s.status !== "canceled") && inRange(s)
        );
      const body = page(visible, params, path);
      body.data = body.data.map((s: Json) =>
        presentSubscription(s, { expand, limit: embeddedLimit, customers: customersById })
      );
      return body;
    }
    if ((match = path.match(/^\/v1\/subscriptions\/([^/]+)$/))) {
      checkExpand("/v1/subscriptions/:id", expand);
      const id = decodeURIComponent(match[1]);
      const subscription = data.subscriptions.find((s) => s.id === id);
      if (!subscription) return notFound("subscription", id);
      return presentSubscription(subscription, {
        expand,
        limit: embeddedLimit,
        customers: customersById,
        prefix: "",
      });
    }
    if (path === "/v1/payment_intents") {
      checkExpand(path, expand);
      const inRange = createdFilter(params);
      const customer = params.get("customer");
      const visible = newestFirst(data.paymentIntents ?? []).filter((p) =>
        inRange(p) && (customer === null || p.customer === customer)
      );
      const body = page(visible, params, path);
      // the latest charge (its refunds) is an id unless expanded
      body.data = body.data.map((p: Json) => {
        const charge = p.latest_charge;
        if (!charge || typeof charge !== "object" || expand.includes("data.latest_charge")) {
          return p;
        }
        return { ...p, latest_charge: charge.id };
      });
      return body;
    }
    if (path === "/v1/subscription_items") {
      checkExpand(path, expand);
      const subscription = data.subscriptions.find((s) => s.id === params.get("subscription"));
      if (!subscription) {
        throw new BadRequest("Missing required param: subscription.", "subscription");
      }
      const body = page(subscription.items.data, params, path);
      body.data = body.data.map((item: Json) =>
        presentItem(item, (p) => expand.includes(`data.${p}`))
      );
      return body;
    }
    if ((match = path.match(/^\/v1\/subscription_items\/([^/]+)$/))) {
      checkExpand("/v1/subscription_items/:id", expand);
      const id = decodeURIComponent(match[1]);
      const item = data.subscriptions.flatMap((s) => s.items?.data ?? []).find((i: Json) =>
        i.id === id
      );
      if (!item) return notFound("subscription_item", id);
      return presentItem(item, (p) => expandsPath(expand, p));
    }
    if (path === "/v1/products") {
      checkExpand(path, expand);
      return page(data.products, params, path);
    }
    if (path === "/v1/invoices") {
      checkExpand(path, expand);
      const inRange = createdFilter(params);
      // Stripe's filters: one subscription, customer or status
      const subscription = params.get("subscription");
      const customer = params.get("customer");
      const status = params.get("status");
      const visible = newestFirst(data.invoices).filter((i) =>
        inRange(i) &&
        (subscription === null ||
          (i.parent?.subscription_details?.subscription ?? i.subscription) === subscription) &&
        (customer === null || i.customer === customer) && (status === null || i.status === status)
      );
      const body = page(visible, params, path);
      body.data = body.data.map((i: Json) => presentInvoice(i, embeddedLimit, expand));
      return body;
    }
    if ((match = path.match(/^\/v1\/invoices\/([^/]+)\/lines$/))) {
      checkExpand("/v1/invoices/:id/lines", expand);
      const invoice = data.invoices.find((i) => i.id === match![1]);
      if (!invoice) return notFound("invoice", match[1]);
      const body = page(invoice.lines?.data ?? [], params, path);
      body.data = body.data.map((line: Json) =>
        presentLine(line, (p) => expand.includes(`data.${p}`))
      );
      return body;
    }
    if (path === "/v1/prices") {
      checkExpand(path, expand);
      const type = params.get("type");
      // Stripe lists active prices unless asked for the inactive ones (`active=false`)
      const active = params.get("active") !== "false";
      const visible = allPrices().filter((p) =>
        (type === null || (type === "recurring") === Boolean(p.recurring)) &&
        (p.active !== false) === active
      );
      const body = page(visible, params, path);
      body.data = body.data.map((p: Json) => presentPrice(p, (x) => expand.includes(`data.${x}`)));
      return body;
    }
    if ((match = path.match(/^\/v1\/prices\/([^/]+)$/))) {
      checkExpand("/v1/prices/:id", expand);
      const price = allPrices().find((p) => p.id === decodeURIComponent(match![1]));
      if (!price) return notFound("price", decodeURIComponent(match[1]));
      return presentPrice(price, (x) => expand.includes(x));
    }
    if (path === "/v1/coupons") {
      checkExpand(path, expand);
      const body = page(coupons, params, path);
      body.data = body.data.map((c: Json) => presentCoupon(c, (x) => expand.includes(`data.${x}`)));
      return body;
    }
    if (path === "/v1/customers") {
      checkExpand(path, expand);
      const body = page(newestFirst(customers).filter((c) => !c.deleted), params, path);
      body.data = body.data.map((c: Json) => presentCustomer(c));
      return body;
    }
    if ((match = path.match(/^\/v1\/customers\/([^/]+)$/))) {
      checkExpand("/v1/customers/:id", expand);
      const customer = customers.find((c) => c.id === decodeURIComponent(match![1]));
      if (!customer) return notFound("customer", decodeURIComponent(match[1]));
      return customer.deleted
        ? { id: customer.id, object: "customer", deleted: true }
        : presentCustomer(customer, expand);
    }
    return errorResponse(404, {
      type: "invalid_request_error",
      message: `Unrecognized request URL (GET: ${path}).`,
    });
  };

  const notFound = (kind: string, id: string) =>
    errorResponse(404, {
      type: "invalid_request_error",
      message: `No such ${kind}: '${id}'`,
      code: "resource_missing",
      param: "id",
    });

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
      apiKey: fake.apiKey,
      apiHost: "127.0.0.1",
      apiPort: fake.port,
      apiProtocol: "http",
      cacheDir,
      asOf: setup.asOf,
      rules: setup.rules,
    });
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}
