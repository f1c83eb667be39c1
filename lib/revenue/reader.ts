/// <reference types="@types/node" />
// Stripe's types reference Node's; name a current @types/node (deno.json) so the old one
// ExcelJS's fast-csv pulls in (v14) does not become everyone's node: typings.
/**
 * How the kit talks to Stripe: the SDK client (pinned API version, every HTTP request counted,
 * retries included), and a reader that bounds concurrency, retries failed requests, counts
 * requests by kind (for the call bound), and on a failure stops starting new requests and lets
 * the ones in flight settle, so the count is complete.
 *
 * Retries are the reader's alone (the SDK's are off: it retries only before a response's body is
 * read, and a 429 with `Stripe-Should-Retry` was retried by both): a 429 after Retry-After
 * (rules.maxRateLimitRetries); 5xx, 409, `Stripe-Should-Retry: true` and network errors — a
 * refused or reset connection, a body cut off, a timeout — with backoff (rules.maxNetworkRetries).
 */
import type Stripe from "stripe";
import { limiter } from "./pool.ts";
import { untilAborted } from "../core/abort.ts";
import type { RevenueRules } from "./rules.ts";

export interface StripeConnection {
  apiKey: string;
  host?: string;
  port?: number;
  protocol?: "http" | "https";
  /** how long one request attempt may take (rules.timeoutSeconds) */
  timeoutMs: number;
  /** a stop (Ctrl-C, SIGTERM): the requests under way are called off */
  signal?: AbortSignal;
}

export interface FetchStats {
  /** HTTP requests sent, retries included */
  apiCalls: number;
}

// deno-lint-ignore no-explicit-any
export type Json = any;
export interface Page {
  data: Json[];
  has_more: boolean;
}

/**
 * The SDK's client for `connection`. The SDK is loaded here, by the run that asks Stripe (~20 ms
 * of CPU that an export answered from today's cache, a demo run or the CLI's start would pay).
 */
export async function stripeClient(
  connection: StripeConnection,
  stats: FetchStats,
): Promise<Stripe> {
  const { default: Stripe } = await import("stripe");
  const stripe = new Stripe(connection.apiKey, {
    // the API version the kit is written against: the SDK's own default, pinned explicitly
    apiVersion: Stripe.API_VERSION,
    maxNetworkRetries: 0, // the reader retries (one layer, bounded by the settings)
    timeout: connection.timeoutMs,
    httpClient: Stripe.createFetchHttpClient(
      connection.signal ? stoppedBy(connection.signal) : fetchWithErrorPages,
    ),
    telemetry: false,
    appInfo: { name: "pricing-kit" },
    ...(connection.host ? { host: connection.host } : {}),
    ...(connection.port ? { port: connection.port } : {}),
    ...(connection.protocol ? { protocol: connection.protocol } : {}),
  });
  // The SDK emits "request" for every HTTP request it sends, retries included.
  stripe.on("request", () => stats.apiCalls++);
  return stripe;
}

/** Stripe's API as the settings name it: the key, and another endpoint (a proxy, a test's fake). */
export interface StripeApi {
  apiKey: string;
  apiHost?: string;
  apiPort?: number;
  apiProtocol?: "http" | "https";
}

/**
 * A reader of `api` under `rules` (its attempts' timeout too), counting requests in `stats`;
 * `signal` stops it: the requests under way are called off, no other is sent.
 */
export async function stripeReader(
  api: StripeApi,
  { rules, stats, signal }: { rules: RevenueRules; stats: FetchStats; signal?: AbortSignal },
): Promise<StripeReader> {
  const connection = {
    apiKey: api.apiKey,
    host: api.apiHost,
    port: api.apiPort,
    protocol: api.apiProtocol,
    timeoutMs: rules.timeoutSeconds * 1000,
    signal,
  };
  return new StripeReader(await stripeClient(connection, stats), rules, signal);
}

/** fetchWithErrorPages, each request called off by `stop` too (the SDK's signal is its timeout). */
function stoppedBy(stop: AbortSignal): typeof fetchWithErrorPages {
  return (input, init) =>
    fetchWithErrorPages(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, stop]) : stop,
    });
}

/**
 * fetch, with an error answered as a page (a proxy's or a load balancer's HTML 502/503) turned
 * into Stripe's error shape: the SDK then sees an API error with its HTTP status (retried as a
 * 5xx, reported with the status) instead of "Invalid JSON received from the Stripe API".
 */
async function fetchWithErrorPages(
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  const response = await fetch(input, init);
  const type = response.headers.get("content-type") ?? "";
  if (response.ok || /json/i.test(type)) return response;
  await response.body?.cancel();
  const headers = new Headers(response.headers);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  return new Response(
    JSON.stringify({
      error: {
        type: "api_error",
        message: `HTTP ${response.status} with an error page (${type || "no content type"})`,
        errorPage: true,
      },
    }),
    { status: response.status, headers },
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stripe's answer for an id it does not have (404, `resource_missing`): an answer, not a failure. */
export function isMissing(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string };
  return e?.statusCode === 404 || e?.code === "resource_missing";
}

export function isRateLimited(error: unknown): boolean {
  const e = error as { type?: string; statusCode?: number };
  return e?.type === "StripeRateLimitError" || e?.statusCode === 429;
}

/** Retry-After (seconds, at most 60) of a rate-limit error, else backoff 1, 2, 4 … 30 s. */
export function rateLimitDelayMs(error: unknown, attempt: number): number {
  const e = error as {
    headers?: Record<string, string>;
    raw?: { headers?: Record<string, string> };
  };
  const header = e?.headers?.["retry-after"] ?? e?.raw?.headers?.["retry-after"];
  const seconds = header === undefined ? NaN : Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 60) * 1000;
  return Math.min(1000 * 2 ** attempt, 30_000);
}

/**
 * Whether a failed request may succeed if sent again: a network error (refused, reset, cut off,
 * timed out), a 409 or 5xx, or an answer that says so (`Stripe-Should-Retry: true`); never when
 * Stripe says not to (`false`).
 */
export function isTransient(error: unknown): boolean {
  const e = error as {
    type?: string;
    statusCode?: number;
    headers?: Record<string, string>;
  };
  const shouldRetry = e?.headers?.["stripe-should-retry"];
  if (shouldRetry === "false") return false;
  if (shouldRetry === "true" || e?.type === "StripeConnectionError") return true;
  return e?.statusCode === 409 || (e?.statusCode ?? 0) >= 500;
}

/** Backoff before network retry `attempt` (0-based): 0.5, 1, 2 … 8 s. */
export function networkDelayMs(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 8_000);
}

/** The error a request failed with, and how many times it was retried before giving up. */
export function retriesOf(error: unknown): number {
  return (error as { kitRetries?: number })?.kitRetries ?? 0;
}

/**
 * A list page that says more follow but holds no object: nothing to continue from, so the list
 * cannot be completed (taking it as the end would drop the rest silently).
 */
export class EmptyPageError extends Error {
  constructor(readonly kind: string) {
    super(
      `Stripe answered a ${kind} page with has_more but no objects, so the list cannot be read to its end; that is Stripe's fault or a proxy's between (no setting fixes it): run the export again, and if it keeps happening report it to Stripe (or to whoever runs the proxy)`,
    );
  }
}

/** A list page, refused (EmptyPageError) when it says more follow but holds nothing. */
export function checkedPage(kind: string, answer: unknown): Page {
  const page = answer as Page;
  if (page?.has_more && !page.data?.length) throw new EmptyPageError(kind);
  return page;
}

/**
 * Thrown to requests not yet started once another request has failed; `cause` is that failure,
 * which is what the fetch failed of (this may reach the caller first).
 */
export class FetchAbandoned extends Error {
  constructor(override readonly cause: unknown) {
    super("Stripe fetch abandoned after another request failed", { cause });
  }
}

/** Stripe requests with the rules' concurrency and rate-limit retries, counted by kind. */
export class StripeReader {
  readonly #run: <T>(task: () => Promise<T>) => Promise<T>;
  readonly #inFlight = new Set<Promise<unknown>>();
  #failed = false;
  /** the failure that abandoned the rest */
  #failure: unknown;
  /** requests per kind (products, coupons, prices …), each once however often it was sent:
   * the call bound's pages, which retries must not spend (the same data gets the same checks) */
  readonly calls: Record<string, number> = {};
  /** sends past a request's first per kind (429s, 5xx, network errors retried) */
  readonly retries: Record<string, number> = {};
  /** `created` ranges split off by partitioned lists (each may cost one more, partial, page) */
  splits = 0;

  constructor(
    readonly stripe: Stripe,
    readonly rules: RevenueRules,
    /** a stop: no request is sent or retried after it, each ends with its reason */
    readonly signal?: AbortSignal,
  ) {
    this.#run = limiter(rules.concurrency);
  }

  /**
   * One request: waits for a slot; a 429 waits for Retry-After (holding the slot) and retries,
   * a transient failure (isTransient) backs off and retries. After any request has failed,
   * requests not yet sent are abandoned — unless the failed one was `optional` (a list whose
   * failure the caller absorbs, like PTB's PaymentIntents).
   */
  request<T>(
    kind: string,
    work: () => Promise<T>,
    { optional = false }: { optional?: boolean } = {},
  ): Promise<T> {
    const promise = this.#run(async () => {
      let rateLimited = 0;
      let transient = 0;
      for (let sent = 0;; sent++) {
        this.signal?.throwIfAborted(); // (a stop: at the next page, not the list's end)
        if (this.#failed) throw new FetchAbandoned(this.#failure);
        const counts = sent === 0 ? this.calls : this.retries;
        counts[kind] = (counts[kind] ?? 0) + 1;
        try {
          return await work();
        } catch (error) {
          // a request the stop called off ends with the stop's reason, not retried
          this.signal?.throwIfAborted();
          // a 404 is an answer (an unknown id), not a failure of the fetch
          if (isMissing(error)) throw error;
          const delay = this.#failed
            ? null
            : isRateLimited(error)
            ? rateLimited < this.rules.maxRateLimitRetries
              ? rateLimitDelayMs(error, rateLimited++)
              : null
            : isTransient(error) && transient < this.rules.maxNetworkRetries
            ? networkDelayMs(transient++)
            : null;
          if (delay === null) {
            if (!optional && !this.#failed) {
              this.#failed = true;
              this.#failure = error;
            }
            if (error && typeof error === "object") {
              (error as { kitRetries?: number }).kitRetries = rateLimited + transient;
            }
            throw error;
          }
          await untilAborted(sleep(delay), this.signal);
        }
      }
    });
    this.#inFlight.add(promise);
    promise.then(
      () => this.#inFlight.delete(promise),
      () => this.#inFlight.delete(promise),
    );
    return promise;
  }

  /** Resolves when no request is in flight (after a failure: when the rest have settled). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Every object of a list endpoint, 100 per request (Stripe's cursor: starting_after). */
  async listAll(
    kind: string,
    fetchPage: (startingAfter: string | undefined) => Promise<unknown>,
    options: { onPage?: (objects: Json[]) => void; maxPages?: number } = {},
  ): Promise<Json[]> {
    return (await this.listPages(kind, fetchPage, options)).objects;
  }

  /** Like listAll, stopping after `maxPages` requests; `complete` says whether it got them all. */
  async listPages(
    kind: string,
    fetchPage: (startingAfter: string | undefined) => Promise<unknown>,
    options: { onPage?: (objects: Json[]) => void; maxPages?: number } = {},
  ): Promise<{ objects: Json[]; complete: boolean }> {
    const all: Json[] = [];
    let startingAfter: string | undefined;
    for (let pages = 0;; pages++) {
      if (options.maxPages !== undefined && pages >= options.maxPages) {
        return { objects: all, complete: false };
      }
      const page = await this.request(
        kind,
        async () => checkedPage(kind, await fetchPage(startingAfter)),
      );
      all.push(...page.data);
      options.onPage?.(page.data);
      if (!page.has_more) return { objects: all, complete: true };
      startingAfter = page.data[page.data.length - 1].id;
    }
  }
}

/** Completes an embedded list (subscription items, invoice lines) past its `has_more`. */
export async function completeList(
  reader: StripeReader,
  { embedded, fetchPage }: {
    /** the list as the parent object embeds it: its first page */
    embedded: { data?: Json[]; has_more?: boolean } | undefined;
    /** the page after `startingAfter` (the last id so far) */
    fetchPage: (startingAfter: string | undefined) => Promise<unknown>;
  },
): Promise<Json[]> {
  const first = embedded?.data ?? [];
  if (!embedded?.has_more) return first;
  if (first.length === 0) throw new EmptyPageError("embedded");
  const rest = await reader.listAll(
    "embedded",
    (after) => fetchPage(after ?? first[first.length - 1].id),
  );
  return [...first, ...rest];
}

/**
 * Each subscription's items, completed past the embedded first page (live MRR and the backfill:
 * an item's own discounts are on it), with their discounts and tiers as listSubscriptions expands
 * them.
 */
export async function completeSubscriptionItems(
  reader: StripeReader,
  subscriptions: Json[],
): Promise<void> {
  // only those past their first page: a closure per subscription (×200k) for none is the cost
  const open = subscriptions.filter((subscription) => subscription.items?.has_more);
  await Promise.all(open.map(async (subscription) => {
    subscription.items.data = await completeList(reader, {
      embedded: subscription.items,
      fetchPage: (startingAfter) =>
        reader.stripe.subscriptionItems.list({
          subscription: subscription.id,
          limit: 100,
          starting_after: startingAfter,
          expand: ["data.discounts", "data.price.tiers"],
        }),
    });
    subscription.items.has_more = false;
  }));
}

/** Each invoice's lines, completed past the embedded first page (live usage and the backfill). */
export async function completeInvoiceLines(
  reader: StripeReader,
  invoices: Json[],
  { expand }: { expand?: string[] } = {},
): Promise<void> {
  const open = invoices.filter((invoice) => invoice.lines?.has_more);
  await Promise.all(open.map(async (invoice) => {
    invoice.lines.data = await completeList(reader, {
      embedded: invoice.lines,
      fetchPage: (startingAfter) =>
        reader.stripe.invoices.listLineItems(invoice.id, {
          limit: 100,
          starting_after: startingAfter,
          ...(expand ? { expand } : {}),
        }),
    });
    invoice.lines.has_more = false;
  }));
}
