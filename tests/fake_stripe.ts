/**
 * A fake Stripe API on 127.0.0.1 that follows Stripe's conventions closely enough for the real
 * `stripe` SDK: list objects (`object: "list"`, `has_more`, `starting_after`, `limit` ≤ 100),
 * `expand[]` (discounts are ids and price tiers absent unless expanded), error bodies, 401 for a
 * wrong key, and injectable 429 (with Retry-After) / 500 responses. It counts every request.
 */

// deno-lint-ignore no-explicit-any
type Json = any;

export interface FakeStripeData {
  subscriptions: Json[];
  products: Json[];
  invoices: Json[];
}

export interface FakeStripe {
  port: number;
  apiKey: string;
  /** every request received, as "GET /v1/subscriptions" */
  requests: string[];
  /** the next responses to fail: status 429 or 500 */
  failNext(status: 429 | 500, times: number, retryAfterSeconds?: number): void;
  /** drop failures still queued */
  clearFailures(): void;
  close(): Promise<void>;
}

function stripeError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
) {
  return new Response(JSON.stringify({ error: { type, message } }), {
    status,
    headers: {
      "content-type": "application/json",
      "request-id": `req_${crypto.randomUUID()}`,
      ...headers,
    },
  });
}

/** `expand[0]=a&expand[]=b` → ["a", "b"] */
function expands(params: URLSearchParams): string[] {
  return [...params.entries()].filter(([k]) => k.startsWith("expand[")).map(([, v]) => v);
}

function present(subscription: Json, expand: string[]): Json {
  const copy = structuredClone(subscription);
  if (!expand.includes("data.discounts")) {
    copy.discounts = (copy.discounts ?? []).map((d: Json) => d.id);
  }
  for (const item of copy.items.data) {
    if (!expand.includes("data.items.data.discounts")) {
      item.discounts = (item.discounts ?? []).map((d: Json) => d.id);
    }
    if (!expand.includes("data.items.data.price.tiers")) delete item.price.tiers;
  }
  return copy;
}

function page(all: Json[], params: URLSearchParams, url: string): Json {
  const limit = Math.min(Number(params.get("limit") ?? 10), 100);
  const after = params.get("starting_after");
  const start = after ? all.findIndex((o) => o.id === after) + 1 : 0;
  const data = all.slice(start, start + limit);
  return { object: "list", url, has_more: start + limit < all.length, data };
}

export function startFakeStripe(
  data: FakeStripeData,
  apiKey = "sk_test_fake_123",
  /** added to every response, like a real API's round trip */
  latencyMs = 0,
): FakeStripe {
  const requests: string[] = [];
  const failures: { status: 429 | 500; retryAfter: number }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}`);
    if (request.headers.get("authorization") !== `Bearer ${apiKey}`) {
      return stripeError(401, "invalid_request_error", "Invalid API Key provided: sk_test_****");
    }
    const failure = failures.shift();
    if (failure?.status === 429) {
      return stripeError(429, "invalid_request_error", "Request rate limit exceeded.", {
        "retry-after": String(failure.retryAfter),
      });
    }
    if (failure?.status === 500) return stripeError(500, "api_error", "Something went wrong.");
    const params = url.searchParams;
    const json = (body: Json) => Response.json(body, { headers: { "request-id": "req_fake" } });
    if (url.pathname === "/v1/subscriptions") {
      const status = params.get("status");
      const visible = data.subscriptions.filter((s) =>
        status === "all" ? true : status ? s.status === status : s.status !== "canceled"
      );
      const body = page(visible, params, url.pathname);
      body.data = body.data.map((s: Json) => present(s, expands(params)));
      return json(body);
    }
    if (url.pathname === "/v1/products") return json(page(data.products, params, url.pathname));
    if (url.pathname === "/v1/invoices") {
      const gte = Number(params.get("created[gte]") ?? -Infinity);
      const lt = Number(params.get("created[lt]") ?? Infinity);
      const visible = data.invoices.filter((i) => i.created >= gte && i.created < lt);
      return json(page(visible, params, url.pathname));
    }
    return stripeError(
      404,
      "invalid_request_error",
      `Unrecognized request URL (GET: ${url.pathname})`,
    );
  });
  return {
    port: (server.addr as Deno.NetAddr).port,
    apiKey,
    requests,
    failNext(status, times, retryAfterSeconds = 0) {
      for (let i = 0; i < times; i++) failures.push({ status, retryAfter: retryAfterSeconds });
    },
    clearFailures() {
      failures.length = 0;
    },
    close: () => server.shutdown(),
  };
}
