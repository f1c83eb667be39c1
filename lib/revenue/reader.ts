/// <reference types="@types/node" />
// Stripe's types reference Node's; name a current @types/node (deno.json) so the old one
// ExcelJS's fast-csv pulls in (v14) does not become everyone's node: typings.
/**
 * How the kit talks to Stripe: the SDK client (pinned API version, every HTTP request counted,
 * retries included), and a reader that bounds concurrency, retries rate-limited requests after
 * Retry-After, counts requests by kind (for the call bound), and on a failure stops starting
 * new requests and lets the ones in flight settle, so the count is complete.
 *
 * The SDK retries 5xx, 409 and network errors with its backoff (rules.maxNetworkRetries); it
 * retries a 429 only when Stripe sends `Stripe-Should-Retry`, so a rate-limited request is
 * retried here, after Retry-After (rules.maxRateLimitRetries).
 */
import Stripe from "stripe";
import { limiter } from "./pool.ts";
import type { RevenueRules } from "./rules.ts";

export interface StripeConnection {
  apiKey: string;
  host?: string;
  port?: number;
  protocol?: "http" | "https";
  maxNetworkRetries: number;
}

export interface FetchStats {
  /** HTTP requests sent, retries included */
  apiCalls: number;
}

/** The API version the kit is written against: the SDK's own default, pinned explicitly. */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

// deno-lint-ignore no-explicit-any
export type Json = any;
interface Page {
  data: Json[];
  has_more: boolean;
}

export function stripeClient(connection: StripeConnection, stats: FetchStats): Stripe {
  const stripe = new Stripe(connection.apiKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: connection.maxNetworkRetries,
    timeout: 60_000,
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** Thrown to requests not yet started once another request has failed. */
export class FetchAbandoned extends Error {
  constructor() {
    super("Stripe fetch abandoned after another request failed");
  }
}

/** Stripe requests with the rules' concurrency and rate-limit retries, counted by kind. */
export class StripeReader {
  readonly #run: <T>(task: () => Promise<T>) => Promise<T>;
  readonly #inFlight = new Set<Promise<unknown>>();
  #failed = false;
  /** requests started per kind (products, coupons, prices …), rate-limit retries included */
  readonly calls: Record<string, number> = {};
  /** `created` ranges split off by partitioned lists (each may cost one more, partial, page) */
  splits = 0;

  constructor(readonly stripe: Stripe, readonly rules: RevenueRules) {
    this.#run = limiter(rules.concurrency);
  }

  /**
   * One request: waits for a slot; a 429 waits for Retry-After (holding the slot) and retries.
   * After any request has failed, requests not yet sent are abandoned.
   */
  request<T>(kind: string, work: () => Promise<T>): Promise<T> {
    const promise = this.#run(async () => {
      for (let attempt = 0;; attempt++) {
        if (this.#failed) throw new FetchAbandoned();
        this.calls[kind] = (this.calls[kind] ?? 0) + 1;
        try {
          return await work();
        } catch (error) {
          // a 404 is an answer (an unknown id), not a failure of the fetch
          if ((error as { statusCode?: number })?.statusCode === 404) throw error;
          if (
            !isRateLimited(error) || attempt >= this.rules.maxRateLimitRetries || this.#failed
          ) {
            this.#failed = true;
            throw error;
          }
          await sleep(rateLimitDelayMs(error, attempt));
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
      const page = await this.request(kind, () => fetchPage(startingAfter)) as Page;
      all.push(...page.data);
      options.onPage?.(page.data);
      if (!page.has_more || page.data.length === 0) return { objects: all, complete: true };
      startingAfter = page.data[page.data.length - 1].id;
    }
  }
}
