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
 *   deleted customer;
 * - only the parameters each endpoint documents (else 400 "Received unknown parameter"), `created`
 *   ranges (`created[gte]` …) where Stripe has them, `type` on prices;
 * - expandable fields absent unless expanded: a coupon's `applies_to` and `currency_options`, a
 *   price's `currency_options` (and their tiers), a subscription's `customer` (an id), whose own
 *   `discount` then names its coupon by id;
 * - `GET /v1/payment_intents`: no status or metadata filter (Stripe has none), newest first;
 * - injectable failures: 429 with `Retry-After` (and code rate_limit), 500 api_error.
 *
 * It records every request (method, path, query, Stripe-Version).
 */

import type { RevenueOptions } from "../lib/revenue/mod.ts";

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
  /** drop failures still queued */
  clearFailures(): void;
  close(): Promise<void>;
}

export interface FakeStripeOptions {
  /** entries shown in an embedded list before `has_more` (Stripe embeds the first page) */
  embeddedLimit?: number;
}

function errorResponse(
  status: number,
  error: { type: string; message: string; code?: string; param?: string },
  headers: Record<string, string> = {},
) {
  return new Response(JSON.stringify({ error }), {
    status,
    headers: {
      "content-type": "application/json",
      "request-id": `req_${crypto.randomUUID().replaceAll("-", "").slice(0, 14)}`,
      ...headers,
    },
  });
}

class BadRequest extends Error {
  constructor(message: string, readonly param?: string, readonly code?: string) {
    super(message);
  }
}

/** A deep copy of plain JSON (a round trip: several times faster than structuredClone here). */
function clone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/** `expand[0]=a&expand[]=b` → ["a", "b"] */
function expands(params: URLSearchParams): string[] {
  return [...params.entries()].filter(([k]) => k.startsWith("expand[")).map(([, v]) => v);
}

/** Which expansions each list allows (Stripe answers 400 to anything else). */
const EXPANDABLE: Record<string, (string | RegExp)[]> = {
  "/v1/subscriptions": [
    "data.discounts",
    "data.discounts.source.coupon",
    "data.items.data.discounts",
    "data.customer",
  ],
  "/v1/subscription_items": ["data.discounts", "data.discounts.source.coupon", "data.price.tiers"],
  "/v1/products": [],
  "/v1/invoices": [],
  "/v1/invoices/:id/lines": [],
  "/v1/coupons": ["data.applies_to", "data.currency_options"],
  "/v1/prices": [
    "data.tiers",
    "data.currency_options",
    /^data\.currency_options\.[a-z]{3}\.tiers$/,
  ],
  "/v1/prices/:id": ["tiers", "currency_options", /^currency_options\.[a-z]{3}\.tiers$/],
  "/v1/customers": [],
  "/v1/customers/:id": [],
  "/v1/payment_intents": [],
};

/** The query parameters each endpoint takes (Stripe answers 400 to any other). */
const PARAMETERS: Record<string, string[]> = {
  "/v1/subscriptions": [
    "limit",
    "starting_after",
    "ending_before",
    "expand",
    "status",
    "created",
    "customer",
    "price",
  ],
  "/v1/subscription_items": ["limit", "starting_after", "ending_before", "expand", "subscription"],
  "/v1/products": ["limit", "starting_after", "ending_before", "expand", "active", "created"],
  "/v1/invoices": [
    "limit",
    "starting_after",
    "ending_before",
    "expand",
    "created",
    "customer",
    "status",
    "subscription",
  ],
  "/v1/invoices/:id/lines": ["limit", "starting_after", "ending_before", "expand"],
  "/v1/coupons": ["limit", "starting_after", "ending_before", "expand", "created"],
  "/v1/prices": [
    "limit",
    "starting_after",
    "ending_before",
    "expand",
    "type",
    "active",
    "product",
    "currency",
    "created",
  ],
  "/v1/prices/:id": ["expand"],
  "/v1/customers": ["limit", "starting_after", "ending_before", "expand", "created", "email"],
  "/v1/customers/:id": ["expand"],
  "/v1/payment_intents": [
    "limit",
    "starting_after",
    "ending_before",
    "expand",
    "created",
    "customer",
  ],
};

function checkParameters(route: string, params: URLSearchParams) {
  for (const key of params.keys()) {
    const name = key.replace(/\[.*$/, "");
    if (!(PARAMETERS[route] ?? []).includes(name)) {
      throw new BadRequest(`Received unknown parameter: ${key}`, key, "parameter_unknown");
    }
  }
  if (route === "/v1/prices" && params.has("type")) {
    const type = params.get("type");
    if (type !== "recurring" && type !== "one_time") {
      throw new BadRequest(`Invalid type: must be one of one_time or recurring`, "type");
    }
  }
}

/** `created` filters: created=ts, created[gt|gte|lt|lte]=ts (anything else is a 400). */
function createdBounds(params: URLSearchParams): { min: number; max: number } {
  let min = -Infinity;
  let max = Infinity;
  for (const [key, value] of params) {
    if (key !== "created" && !key.startsWith("created[")) continue;
    const op = key === "created" ? "eq" : key.slice(8, -1);
    const time = Number(value);
    if (!["eq", "gt", "gte", "lt", "lte"].includes(op) || !Number.isInteger(time)) {
      throw new BadRequest(`Invalid ${key}: ${value}`, key);
    }
    if (op === "eq" || op === "gte") min = Math.max(min, time);
    if (op === "gt") min = Math.max(min, time + 1);
    if (op === "eq" || op === "lte") max = Math.min(max, time);
    if (op === "lt") max = Math.min(max, time - 1);
  }
  return { min, max };
}

function createdFilter(params: URLSearchParams): (object: Json) => boolean {
  const { min, max } = createdBounds(params);
  return (object) => {
    const c = Number(object.created ?? 0);
    return c >= min && c <= max;
  };
}

function checkExpand(route: string, expand: string[]) {
  for (const path of expand) {
    const levels = path.split(".").length;
    if (levels > 4) {
      throw new BadRequest(
        `You cannot expand more than 4 levels of a property. Property: ${path}`,
        "expand",
      );
    }
    const allowed = (EXPANDABLE[route] ?? []).some((a) =>
      typeof a === "string" ? a === path : a.test(path)
    );
    if (!allowed) {
      throw new BadRequest(`This property cannot be expanded (${path}).`, "expand");
    }
  }
}

function limitOf(params: URLSearchParams): number {
  const text = params.get("limit");
  if (text === null) return 10;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new BadRequest(
      `Invalid integer: ${text}. This value must be between 1 and 100.`,
      "limit",
      "parameter_invalid_integer",
    );
  }
  return limit;
}

/** Stripe lists newest first (stable among equal times); sorted once per list and length. */
const sortedLists = new WeakMap<Json[], Json[]>();
function newestFirst(list: Json[]): Json[] {
  const hit = sortedLists.get(list);
  if (hit && hit.length === list.length) return hit;
  const sorted = list.toSorted((a, b) => Number(b.created ?? 0) - Number(a.created ?? 0));
  sortedLists.set(list, sorted);
  return sorted;
}

/** The objects of a newest-first list inside `created` bounds: two bisections, then a slice. */
function createdSlice(sorted: Json[], bounds: { min: number; max: number }): Json[] {
  const created = (i: number) => Number(sorted[i].created ?? 0);
  const first = (test: (i: number) => boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (test(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return sorted.slice(
    first((i) => created(i) <= bounds.max),
    first((i) => created(i) < bounds.min),
  );
}

function page(all: Json[], params: URLSearchParams, url: string): Json {
  const limit = limitOf(params);
  const after = params.get("starting_after");
  let start = 0;
  if (after) {
    const index = all.findIndex((o) => o.id === after);
    if (index < 0) {
      throw new BadRequest(`No such object: '${after}'`, "starting_after", "resource_missing");
    }
    start = index + 1;
  }
  return {
    object: "list",
    url,
    has_more: start + limit < all.length,
    data: all.slice(start, start + limit),
  };
}

function embedded(list: Json[], url: string, limit: number): Json {
  return { object: "list", url, has_more: list.length > limit, data: list.slice(0, limit) };
}

/** A discount as the API shows it: an id unless expanded; its coupon an id unless expanded. */
function presentDiscounts(discounts: Json[], expanded: boolean, couponExpanded: boolean): Json[] {
  return (discounts ?? []).map((d: Json) => {
    if (!expanded) return d.id;
    const copy = clone(d);
    const coupon = copy.source?.coupon;
    if (!couponExpanded && coupon && typeof coupon === "object") copy.source.coupon = coupon.id;
    else if (coupon && typeof coupon === "object") {
      // an embedded coupon's own expandable fields stay unexpanded (5+ levels from a list)
      delete coupon.applies_to;
      delete coupon.currency_options;
    }
    return copy;
  });
}

/** A price as the API shows it: `tiers`, `currency_options` and their tiers only when expanded. */
function presentPrice(price: Json, expanded: (path: string) => boolean = () => false): Json {
  const copy = clone(price);
  if (!expanded("tiers")) delete copy.tiers;
  if (!expanded("currency_options")) delete copy.currency_options;
  for (
    const [currency, option] of Object.entries(copy.currency_options ?? {}) as [string, Json][]
  ) {
    if (!expanded(`currency_options.${currency}.tiers`)) delete option.tiers;
  }
  return copy;
}

/** A coupon as the API shows it: `applies_to` and `currency_options` only when expanded. */
function presentCoupon(coupon: Json, expanded: (path: string) => boolean): Json {
  const copy = clone(coupon);
  if (!expanded("applies_to")) delete copy.applies_to;
  if (!expanded("currency_options")) delete copy.currency_options;
  return copy;
}

function presentItem(item: Json, expand: (path: string) => boolean): Json {
  const copy = clone(item);
  copy.discounts = presentDiscounts(
    copy.discounts,
    expand("discounts"),
    expand("discounts.source.coupon"),
  );
  copy.price = presentPrice(copy.price, (path) => path === "tiers" && expand("price.tiers"));
  return copy;
}

/** A customer as the API shows it: its own discount's coupon is an id (not expanded). */
function presentCustomer(customer: Json): Json {
  const copy = clone(customer);
  const coupon = copy.discount?.source?.coupon;
  if (coupon && typeof coupon === "object") copy.discount.source.coupon = coupon.id;
  return copy;
}

function presentSubscription(
  subscription: Json,
  expand: string[],
  limit: number,
  customers: Map<string, Json>,
): Json {
  const copy = clone(subscription);
  if (expand.includes("data.customer")) {
    const customer = customers.get(copy.customer);
    copy.customer = customer ? presentCustomer(customer) : copy.customer;
  }
  copy.discounts = presentDiscounts(
    copy.discounts,
    expand.includes("data.discounts") || expand.includes("data.discounts.source.coupon"),
    expand.includes("data.discounts.source.coupon"),
  );
  const items = (copy.items?.data ?? []).map((item: Json) =>
    presentItem(item, (path) => expand.includes(`data.items.data.${path}`))
  );
  copy.items = embedded(items, `/v1/subscription_items?subscription=${copy.id}`, limit);
  return copy;
}

function presentInvoice(invoice: Json, limit: number): Json {
  const copy = clone(invoice);
  copy.lines = embedded(copy.lines?.data ?? [], `/v1/invoices/${copy.id}/lines`, limit);
  return copy;
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
  const customers: Json[] = data.customers ??
    [...new Set(data.subscriptions.map((s) => String(s.customer)))].map((id) => ({
      id,
      object: "customer",
    }));
  const customersById = new Map(customers.map((c) => [String(c.id), c]));
  const coupons: Json[] = data.coupons ?? [];
  /** the account's prices: every price on a subscription item, once */
  const allPrices = () => [
    ...new Map(
      data.subscriptions.flatMap((s) => s.items?.data ?? []).map((
        i: Json,
      ) => [i.price.id, i.price]),
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
      .replace(/^\/v1\/(prices|customers)\/[^/]+$/, "/v1/$1/:id");
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
        presentSubscription(s, expand, embeddedLimit, customersById)
      );
      return body;
    }
    if (path === "/v1/payment_intents") {
      checkExpand(path, expand);
      const inRange = createdFilter(params);
      const customer = params.get("customer");
      const visible = newestFirst(data.paymentIntents ?? []).filter((p) =>
        inRange(p) && (customer === null || p.customer === customer)
      );
      return page(visible, params, path);
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
    if (path === "/v1/products") {
      checkExpand(path, expand);
      return page(data.products, params, path);
    }
    if (path === "/v1/invoices") {
      checkExpand(path, expand);
      const visible = newestFirst(data.invoices).filter(createdFilter(params));
      const body = page(visible, params, path);
      body.data = body.data.map((i: Json) => presentInvoice(i, embeddedLimit));
      return body;
    }
    if ((match = path.match(/^\/v1\/invoices\/([^/]+)\/lines$/))) {
      checkExpand("/v1/invoices/:id/lines", expand);
      const invoice = data.invoices.find((i) => i.id === match![1]);
      if (!invoice) return notFound("invoice", match[1]);
      return page(invoice.lines?.data ?? [], params, path);
    }
    if (path === "/v1/prices") {
      checkExpand(path, expand);
      const type = params.get("type");
      const visible = allPrices().filter((p) =>
        type === null || (type === "recurring") === Boolean(p.recurring)
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
      body.data = body.data.map(presentCustomer);
      return body;
    }
    if ((match = path.match(/^\/v1\/customers\/([^/]+)$/))) {
      checkExpand("/v1/customers/:id", expand);
      const customer = customers.find((c) => c.id === decodeURIComponent(match![1]));
      if (!customer) return notFound("customer", decodeURIComponent(match[1]));
      return customer.deleted
        ? { id: customer.id, object: "customer", deleted: true }
        : presentCustomer(customer);
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
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    peak = Math.max(peak, ++inFlight);
    try {
      return await answer(request);
    } finally {
      inFlight--;
    }
  });
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
    clearFailures() {
      failures.length = 0;
      pathFailures.clear();
      laterFailures.clear();
    },
    close: () => server.shutdown(),
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
