/// <reference types="@types/node" />
// Stripe's types reference Node's; name a current @types/node (deno.json) so the old one
// ExcelJS's fast-csv pulls in (v14) does not become everyone's node: typings.
/**
 * Reads what the revenue rules need from Stripe in bulk: every subscription (100 per page, with
 * discounts and price tiers expanded), every product once, and the invoices of the last closed
 * period once. Calls grow with subscriptions ÷ 100, never with customers.
 *
 * The SDK retries 5xx, 409 and network errors with backoff (maxNetworkRetries); it does not retry
 * 429, so rate-limited pages are retried here, after Retry-After.
 */
import Stripe from "stripe";
import {
  linePriceId,
  type ProductLite,
  productLite,
  type SubscriptionLite,
  subscriptionLite,
  type UsageLineLite,
} from "./stripe_objects.ts";

export interface StripeConnection {
  apiKey: string;
  host?: string;
  port?: number;
  protocol?: "http" | "https";
  maxNetworkRetries: number;
  /** retries of a rate-limited (429) page */
  maxRateLimitRetries?: number;
}

export interface StripeSnapshot {
  subscriptions: SubscriptionLite[];
  products: ProductLite[];
  usageLines: UsageLineLite[];
}

export interface FetchStats {
  apiCalls: number;
}

// deno-lint-ignore no-explicit-any
type Json = any;
interface Page {
  data: Json[];
  has_more: boolean;
}

export function stripeClient(connection: StripeConnection, stats: FetchStats): Stripe {
  const stripe = new Stripe(connection.apiKey, {
    maxNetworkRetries: connection.maxNetworkRetries,
    timeout: 60_000,
    telemetry: false,
    appInfo: { name: "pricing-kit" },
    ...(connection.host ? { host: connection.host } : {}),
    ...(connection.port ? { port: connection.port } : {}),
    ...(connection.protocol ? { protocol: connection.protocol } : {}),
  });
  // Every HTTP request, retries included.
  stripe.on("request", () => stats.apiCalls++);
  return stripe;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After (seconds) of a rate-limit error, else exponential backoff from 1 s. */
function rateLimitDelayMs(error: Json, attempt: number): number {
  const header = error?.headers?.["retry-after"] ?? error?.raw?.headers?.["retry-after"];
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000 * 2 ** attempt;
}

async function withRateLimitRetries<T>(work: () => Promise<T>, retries: number): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await work();
    } catch (error) {
      const rateLimited = (error as Json)?.type === "StripeRateLimitError" ||
        (error as Json)?.statusCode === 429;
      if (!rateLimited || attempt >= retries) throw error;
      await sleep(rateLimitDelayMs(error, attempt));
    }
  }
}

/** All pages of a list endpoint, one request per 100 objects. */
async function listAll(
  fetchPage: (startingAfter: string | undefined) => Promise<Page>,
  retries: number,
  onPage?: (count: number) => void,
): Promise<Json[]> {
  const all: Json[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await withRateLimitRetries(() => fetchPage(startingAfter), retries);
    all.push(...page.data);
    onPage?.(all.length);
    if (!page.has_more || page.data.length === 0) return all;
    startingAfter = page.data[page.data.length - 1].id;
  }
}

export async function fetchStripeSnapshot(
  stripe: Stripe,
  customerIds: Set<string>,
  asOf: Date,
  usageLookbackDays: number,
  rateLimitRetries: number,
  onProgress?: (subscriptionsSeen: number) => void,
): Promise<StripeSnapshot> {
  const asOfSeconds = Math.floor(asOf.getTime() / 1000);
  const [subscriptions, products, invoices] = await Promise.all([
    listAll(
      (startingAfter) =>
        stripe.subscriptions.list({
          status: "all",
          limit: 100,
          starting_after: startingAfter,
          expand: ["data.discounts", "data.items.data.discounts", "data.items.data.price.tiers"],
        }) as unknown as Promise<Page>,
      rateLimitRetries,
      onProgress,
    ),
    listAll(
      (startingAfter) =>
        stripe.products.list({ limit: 100, starting_after: startingAfter }) as unknown as Promise<
          Page
        >,
      rateLimitRetries,
    ),
    listAll(
      (startingAfter) =>
        stripe.invoices.list({
          limit: 100,
          starting_after: startingAfter,
          created: { gte: asOfSeconds - usageLookbackDays * 86_400, lt: asOfSeconds },
        }) as unknown as Promise<Page>,
      rateLimitRetries,
    ),
  ]);

  const ours = subscriptions
    .map(subscriptionLite)
    .filter((s) => customerIds.has(s.customer));
  const meteredPrices = new Set(
    ours.flatMap((s) => s.items.filter((i) => i.price.recurring?.usage_type === "metered"))
      .map((i) => i.price.id),
  );

  // The most recent closed (finalized: paid or open) invoice of each subscription.
  const latest = new Map<string, Json>();
  for (const invoice of invoices) {
    if (invoice.status !== "paid" && invoice.status !== "open") continue;
    const subscription = invoice.parent?.subscription_details?.subscription ?? invoice.subscription;
    const subscriptionId = typeof subscription === "string" ? subscription : subscription?.id;
    if (!subscriptionId) continue;
    const previous = latest.get(subscriptionId);
    if (!previous || invoice.created > previous.created) latest.set(subscriptionId, invoice);
  }
  const usageLines: UsageLineLite[] = [];
  for (const [subscriptionId, invoice] of latest) {
    let lines: Json[] = invoice.lines?.data ?? [];
    if (invoice.lines?.has_more) {
      lines = await listAll(
        (startingAfter) =>
          stripe.invoices.listLineItems(invoice.id, {
            limit: 100,
            starting_after: startingAfter,
          }) as unknown as Promise<Page>,
        rateLimitRetries,
      );
    }
    for (const line of lines) {
      const priceId = linePriceId(line);
      if (!priceId || !meteredPrices.has(priceId)) continue;
      usageLines.push({
        customer: typeof invoice.customer === "string" ? invoice.customer : invoice.customer?.id,
        subscription: subscriptionId,
        price_id: priceId,
        amount: line.amount,
        currency: String(line.currency ?? invoice.currency).toLowerCase(),
      });
    }
  }
  return { subscriptions: ours, products: products.map(productLite), usageLines };
}
