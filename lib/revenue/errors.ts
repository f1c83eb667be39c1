/**
 * One line about a Stripe failure for people: what went wrong, where, and what to do; never the
 * key. Used for REVENUE MISSING, --require-stripe and PTB-only warnings.
 */
import { EmptyPageError, FetchAbandoned, retriesOf } from "./reader.ts";

/** Where requests go: `host:port`, Stripe's own unless STRIPE_API_HOST / _PORT say otherwise. */
export function stripeEndpoint(
  { apiHost, apiPort, apiProtocol }: {
    apiHost?: string;
    apiPort?: number;
    apiProtocol?: "http" | "https";
  },
): string {
  const port = apiPort ?? (apiProtocol === "http" ? 80 : 443);
  return `${apiHost ?? "api.stripe.com"}:${port}`;
}

/** Masks anything shaped like a Stripe key (and the key itself) in text meant for people. */
export function redactKeys(text: string, apiKey?: string): string {
  const masked = apiKey ? text.replaceAll(apiKey, "***") : text;
  return masked.replace(/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9*_]+/g, "$1_$2_***");
}

/** What a restricted key needs (docs/revenue.md says the same). */
export const KEY_PERMISSIONS =
  "Subscriptions, Products, Prices, Invoices, Coupons and Customers (and PaymentIntents with PRICING_STRIPE_PTB_PRODUCT set)";

export interface StripeErrorContext {
  apiKey?: string;
  /** `host:port` (stripeEndpoint) */
  endpoint?: string;
  /** PRICING_STRIPE_TIMEOUT_SECONDS, named when a request timed out */
  timeoutSeconds?: number;
  /** PRICING_STRIPE_MAX_RETRIES, named when a 5xx outlasted them */
  maxNetworkRetries?: number;
  /** PRICING_STRIPE_RATE_LIMIT_RETRIES, named when a 429 outlasted them */
  maxRateLimitRetries?: number;
  /** STRIPE_API_PROTOCOL, named when the endpoint cannot be reached */
  apiProtocol?: "http" | "https";
}

const firstLine = (value: unknown) => String(value ?? "").split("\n")[0];

/**
 * One line about a Stripe failure, naming the kind of error and what to do; never the key. A
 * request abandoned after another failed is described by that failure: the abandoned one may
 * reach the caller first.
 */
export function describeStripeError(
  failure: unknown,
  {
    apiKey,
    endpoint = "api.stripe.com:443",
    timeoutSeconds,
    maxNetworkRetries,
    maxRateLimitRetries,
    apiProtocol,
  }: StripeErrorContext = {},
): string {
  const error = failure instanceof FetchAbandoned ? failure.cause : failure;
  const e = error as {
    type?: string;
    statusCode?: number;
    message?: string;
    detail?: unknown;
    raw?: { errorPage?: boolean };
  };
  const message = redactKeys(firstLine(e?.message ?? error), apiKey);
  const retries = retriesOf(error);
  const retried = retries > 0 ? ` after ${retries} retr${retries === 1 ? "y" : "ies"}` : "";
  if (e?.type === "StripeAuthenticationError" || e?.statusCode === 401) {
    return "Stripe rejected STRIPE_SECRET_KEY (401): check the key (and live vs test mode)";
  }
  if (e?.type === "StripePermissionError" || e?.statusCode === 403) {
    return `STRIPE_SECRET_KEY may not read everything needed (403: ${message}): give the restricted key read access to ${KEY_PERMISSIONS}`;
  }
  if (e?.type === "StripeRateLimitError" || e?.statusCode === 429) {
    const limited = retries > 0
      ? `kept rate-limiting (429)${retried}`
      : maxRateLimitRetries === 0
      ? "rate-limited a request (429) with no retries (PRICING_STRIPE_RATE_LIMIT_RETRIES=0)"
      : "rate-limited a request (429)";
    return `Stripe ${limited}: try again later, raise PRICING_STRIPE_RATE_LIMIT_RETRIES or lower PRICING_STRIPE_CONCURRENCY`;
  }
  if (e?.raw?.errorPage) {
    return `Stripe at ${endpoint} answered HTTP ${e.statusCode}${retried} with an error page, not JSON: Stripe or a proxy answered with an error page; try again later`;
  }
  if (e?.type === "StripeConnectionError") {
    const detail = redactKeys(firstLine((e.detail as Error)?.message ?? e.detail ?? ""), apiKey);
    if (/timeout/i.test(message) || /timeout|timed out/i.test(detail)) {
      return `Stripe at ${endpoint} did not answer within ${
        timeoutSeconds ?? "the"
      } s${retried}: try again later, or raise PRICING_STRIPE_TIMEOUT_SECONDS`;
    }
    if (/body|decod|reading|incomplete|closed|reset/i.test(detail)) {
      return `the connection to Stripe at ${endpoint} broke off mid-answer${retried} (${detail}): try again later, or raise PRICING_STRIPE_MAX_RETRIES`;
    }
    // another endpoint (a proxy, a fake) may speak the other protocol: https to an http port
    // fails as "fetch failed" too
    const protocol = apiProtocol !== undefined || !endpoint.startsWith("api.stripe.com:")
      ? ` / STRIPE_API_PROTOCOL (${
        apiProtocol ?? "https, the default"
      }: is that what the server at ${endpoint} speaks?)`
      : "";
    return `cannot reach Stripe at ${endpoint}${retried} (${
      detail || message
    }): check the network, or STRIPE_API_HOST / STRIPE_API_PORT${protocol}`;
  }
  // (its own line says what happened and what to do; it has no status to put before it)
  if (error instanceof EmptyPageError) return message;
  // (an error status with a page is turned into one above, fetchWithErrorPages; this is a whole
  // answer, a 200 most likely, that is not JSON: not retried, as stripe-node does not either)
  if (/^Invalid JSON received/.test(message)) {
    return `Stripe at ${endpoint} answered something that is not JSON (${message}), not retried: Stripe or a proxy in between answered with a page that is not Stripe's; try again later, and if it stays so check any proxy in between or STRIPE_API_HOST`;
  }
  // Stripe's own failure (5xx, or 409 for a conflict), retried as far as allowed: nothing to fix
  // on this side but the patience
  const status = e?.statusCode ?? 0;
  if (status >= 500 || status === 409) {
    const tried = maxNetworkRetries === 0
      ? " with no retries (PRICING_STRIPE_MAX_RETRIES=0)"
      : retried;
    return `Stripe request failed (${status})${tried}: ${
      message.replace(/\.$/, "")
    }; try again later, or raise PRICING_STRIPE_MAX_RETRIES`;
  }
  return `Stripe request failed (${e?.statusCode ?? e?.type ?? "error"})${retried}: ${message}`;
}

/** The mode a key's prefix names (sk_test_, rk_live_ …); null when it names none. */
export function keyMode(apiKey: string): "test" | "live" | null {
  const mode = /^(?:sk|rk)_(test|live)_/.exec(apiKey)?.[1];
  return mode === "test" || mode === "live" ? mode : null;
}

/**
 * One line for an account that knows none of the `count` customer ids asked for: what a key of
 * the other mode (or another account's key) sees. Names the key's mode from its prefix, never
 * more of it. `unchecked` of them could not be checked (the call bound was spent, or the check
 * failed), and none of the others was found.
 */
export function noCustomerKnownLine(
  count: number,
  { apiKey, unchecked = 0 }: { apiKey: string; unchecked?: number },
): string {
  const none =
    (count === 1
      ? "the one stripe_customer_id value is not known"
      : `none of the ${count.toLocaleString("en-US")} stripe_customer_id values is known`) +
    " to this Stripe account" +
    (unchecked === 0
      ? ""
      : unchecked === count
      ? " (none of them could be checked)"
      : ` (${
        unchecked.toLocaleString("en-US")
      } of them could not be checked, and none of the others was found)`);
  const mode = keyMode(apiKey);
  const question = mode === "test"
    ? "is STRIPE_SECRET_KEY the live key? (it is a test-mode key)"
    : mode === "live"
    ? "is STRIPE_SECRET_KEY the key of the account that holds these customers? (it is a live-mode key)"
    : "is STRIPE_SECRET_KEY the live key of the account that holds these customers?";
  return `${none}: ${question}`;
}
