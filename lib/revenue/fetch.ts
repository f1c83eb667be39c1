/// <reference types="@types/node" />
// Stripe's types reference Node's; name a current @types/node (deno.json) so the old one
// ExcelJS's fast-csv pulls in (v14) does not become everyone's node: typings.
/**
 * Reads what the revenue rules need from Stripe in bulk, with the real SDK:
 *
 * - every subscription, any status (`status=all`, 100 per page), with its discounts' coupons
 *   and its items' discounts expanded (Stripe allows 4 dot-separated levels, `data` counted, so
 *   `data.items.data.price.tiers` is out of reach);
 * - every product once (active and archived: old subscriptions keep archived prices);
 * - the invoices created in the usage look-back window once, for the metered lines of each
 *   subscription's most recent closed billing cycle;
 * - then only what those lists leave open: items or invoice lines past an embedded list's
 *   `has_more`, the tiers of tiered prices, coupons not embedded (item discounts), and the
 *   customers that have no subscription at all — looked up one by one when few
 *   (rules.lookupLimit), else the whole list read.
 *
 * Calls grow with subscriptions ÷ 100, never with customers. Requests run through a limiter
 * (rules.concurrency). The SDK retries 5xx, 409 and network errors with its backoff
 * (rules.maxNetworkRetries); it retries a 429 only when Stripe sends `Stripe-Should-Retry`, so a
 * rate-limited request is retried here, after Retry-After (rules.maxRateLimitRetries).
 */
import Stripe from "stripe";
import { limiter } from "./pool.ts";
import type { RevenueRules } from "./rules.ts";
import { unembeddedCouponIds } from "./stripe_objects.ts";
import {
  latestCycleInvoices,
  meteredSubscriptionIds,
  snapshotFromStripeObjects,
  type StripeObjects,
  type StripeSnapshot,
} from "./snapshot.ts";

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
type Json = any;
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

/** Stripe requests with the rules' concurrency and rate-limit retries. */
export class StripeReader {
  readonly #run: <T>(task: () => Promise<T>) => Promise<T>;
  constructor(readonly stripe: Stripe, readonly rules: RevenueRules) {
    this.#run = limiter(rules.concurrency);
  }

  /** One request: waits for a slot; a 429 waits for Retry-After (holding the slot) and retries. */
  request<T>(work: () => Promise<T>): Promise<T> {
    return this.#run(async () => {
      for (let attempt = 0;; attempt++) {
        try {
          return await work();
        } catch (error) {
          if (!isRateLimited(error) || attempt >= this.rules.maxRateLimitRetries) throw error;
          await sleep(rateLimitDelayMs(error, attempt));
        }
      }
    });
  }

  /** Every object of a list endpoint, 100 per request (Stripe's cursor: starting_after). */
  async listAll(
    fetchPage: (startingAfter: string | undefined) => Promise<unknown>,
    onPage?: (objects: Json[]) => void,
  ): Promise<Json[]> {
    const all: Json[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const page = await this.request(() => fetchPage(startingAfter)) as Page;
      all.push(...page.data);
      onPage?.(page.data);
      if (!page.has_more || page.data.length === 0) return all;
      startingAfter = page.data[page.data.length - 1].id;
    }
  }
}

/** Completes an embedded list (subscription items, invoice lines) past its `has_more`. */
async function completeList(
  reader: StripeReader,
  embedded: { data?: Json[]; has_more?: boolean } | undefined,
  fetchPage: (startingAfter: string | undefined) => Promise<unknown>,
): Promise<Json[]> {
  const first = embedded?.data ?? [];
  if (!embedded?.has_more || first.length === 0) return first;
  const rest = await reader.listAll((after) => fetchPage(after ?? first[first.length - 1].id));
  return [...first, ...rest];
}

export interface FetchProgress {
  /** requested customers seen in subscription pages so far, and how many were requested */
  (done: number, total: number): void;
}

/** Stripe's objects for the revenue rules: the lists, completed where Stripe paginates inside. */
export async function fetchStripeObjects(
  reader: StripeReader,
  asOf: Date,
  onSubscriptionPage?: (subscriptions: Json[]) => void,
): Promise<StripeObjects> {
  const { stripe, rules } = reader;
  const asOfSeconds = Math.floor(asOf.getTime() / 1000);
  const [subscriptions, products, invoices] = await Promise.all([
    reader.listAll(
      (startingAfter) =>
        stripe.subscriptions.list({
          status: "all",
          limit: 100,
          starting_after: startingAfter,
          expand: ["data.discounts.source.coupon", "data.items.data.discounts"],
        }),
      onSubscriptionPage,
    ),
    reader.listAll((startingAfter) =>
      stripe.products.list({ limit: 100, starting_after: startingAfter })
    ),
    reader.listAll((startingAfter) =>
      stripe.invoices.list({
        limit: 100,
        starting_after: startingAfter,
        created: { gte: asOfSeconds - rules.usageLookbackDays * 86_400, lt: asOfSeconds },
      })
    ),
  ]);

  await Promise.all(subscriptions.map(async (subscription) => {
    if (!subscription.items?.has_more) return;
    subscription.items.data = await completeList(
      reader,
      subscription.items,
      (startingAfter) =>
        stripe.subscriptionItems.list({
          subscription: subscription.id,
          limit: 100,
          starting_after: startingAfter,
          expand: ["data.discounts", "data.price.tiers"],
        }),
    );
    subscription.items.has_more = false;
  }));

  // Only the invoices whose lines are read need their lines complete.
  const metered = meteredSubscriptionIds(subscriptions);
  await Promise.all(
    latestCycleInvoices(invoices, metered, asOf).map(async (invoice) => {
      if (!invoice.lines?.has_more) return;
      invoice.lines.data = await completeList(
        reader,
        invoice.lines,
        (startingAfter) =>
          stripe.invoices.listLineItems(invoice.id, { limit: 100, starting_after: startingAfter }),
      );
      invoice.lines.has_more = false;
    }),
  );

  await fillTiers(reader, subscriptions);

  // Item discounts cannot expand their coupon (6 levels): list the coupons once when needed.
  const coupons = unembeddedCouponIds(subscriptions).size > 0
    ? await reader.listAll((startingAfter) =>
      stripe.coupons.list({ limit: 100, starting_after: startingAfter })
    )
    : [];
  return { subscriptions, products, invoices, coupons };
}

/** Tiered prices arrive without `tiers` (they must be expanded): read them, then fill them in. */
async function fillTiers(reader: StripeReader, subscriptions: Json[]): Promise<void> {
  const { stripe, rules } = reader;
  const items: Json[] = subscriptions.flatMap((s) => s.items?.data ?? []);
  const missing = [
    ...new Set(
      items
        .filter((i) => i.price?.billing_scheme === "tiered" && !Array.isArray(i.price.tiers))
        .map((i) => String(i.price.id)),
    ),
  ];
  if (missing.length === 0) return;
  const prices: Json[] = missing.length > rules.lookupLimit
    ? await reader.listAll((startingAfter) =>
      stripe.prices.list({ limit: 100, starting_after: startingAfter, expand: ["data.tiers"] })
    )
    : await Promise.all(
      missing.map((id) => reader.request(() => stripe.prices.retrieve(id, { expand: ["tiers"] }))),
    );
  const tiers = new Map(prices.map((p) => [String(p.id), p.tiers]));
  for (const item of items) {
    if (item.price && !Array.isArray(item.price.tiers) && tiers.has(item.price.id)) {
      item.price.tiers = tiers.get(item.price.id);
    }
  }
}

/**
 * Which of the given customers (none of them has a subscription) Stripe knows: one lookup each
 * when they are few (rules.lookupLimit), else every customer of the account listed.
 * Deleted customers count as unknown, like ids Stripe never had.
 */
export async function checkCustomers(
  reader: StripeReader,
  customerIds: string[],
): Promise<StripeSnapshot["customers"]> {
  const { stripe, rules } = reader;
  if (customerIds.length === 0) return { listed: false, existing: [], missing: [] };
  if (customerIds.length > rules.lookupLimit) {
    const customers = await reader.listAll((startingAfter) =>
      stripe.customers.list({ limit: 100, starting_after: startingAfter })
    );
    return { listed: true, existing: customers.map((c) => String(c.id)), missing: [] };
  }
  const existing: string[] = [];
  const missing: string[] = [];
  await Promise.all(customerIds.map(async (id) => {
    try {
      const customer = await reader.request(() => stripe.customers.retrieve(id));
      ((customer as { deleted?: boolean }).deleted ? missing : existing).push(id);
    } catch (error) {
      const e = error as { statusCode?: number; code?: string };
      if (e?.statusCode === 404 || e?.code === "resource_missing") missing.push(id);
      else throw error;
    }
  }));
  return { listed: false, existing: existing.sort(), missing: missing.sort() };
}

/** Everything for the given customers: objects fetched, trimmed, customers without one checked. */
export async function fetchStripeSnapshot(
  reader: StripeReader,
  customerIds: string[],
  asOf: Date,
  onProgress?: FetchProgress,
): Promise<StripeSnapshot> {
  const wanted = new Set(customerIds);
  const seen = new Set<string>();
  const objects = await fetchStripeObjects(
    reader,
    asOf,
    onProgress &&
      ((page) => {
        for (const subscription of page) {
          const customer = typeof subscription.customer === "string"
            ? subscription.customer
            : subscription.customer?.id;
          if (wanted.has(customer)) seen.add(customer);
        }
        onProgress(seen.size, wanted.size);
      }),
  );
  const snapshot = snapshotFromStripeObjects(objects, asOf);
  const withSubscription = new Set(snapshot.subscriptions.map((s) => s.customer));
  snapshot.customers = await checkCustomers(
    reader,
    [...wanted].filter((id) => !withSubscription.has(id)),
  );
  onProgress?.(wanted.size, wanted.size);
  return snapshot;
}
