/**
 * Stripe revenue per customer, from today's cache or a bulk fetch, with the failure policy
 * (auto: export without revenue, loudly; require: fail in one line): loadRevenue and the cache
 * it reads ahead (readCacheComputeAhead), what a run without Stripe gets (skippedRevenue).
 */
import { join } from "node:path";
import { UserError } from "../core/config.ts";
import { fileOnTheWay } from "../formats/folders.ts";
import {
  cachePath,
  type CacheRead,
  pruneCache,
  readCache,
  writeCacheUnlessLater,
} from "./cache.ts";
import {
  CALL_BOUND_EXTRA,
  checkCustomers,
  type FetchProgress,
  fetchStripeObjects,
  ListingProgress,
  snapshotOfObjects,
  type StripeReader,
} from "./fetch.ts";
import type { FetchStats } from "./reader.ts";
import type { StripeObjects } from "./snapshot.ts";
import { stripeReader } from "./reader.ts";
import { describeStripeError, noCustomerKnownLine, stripeEndpoint } from "./errors.ts";
import { ptbProductProblem } from "./ptb.ts";
import { resolveRules, type RevenueRules } from "./rules.ts";
import { refreshes, requires, type RevenueMode } from "./stripe_settings.ts";
import {
  anyCustomerFound,
  computeRevenueAhead,
  customersToCheck,
  revenueFromSnapshot,
  snapshotIndex,
  type StripeSnapshot,
} from "./snapshot.ts";
import type { RevenueResult, RevenueSource } from "./types.ts";
import { cacheAnswers, cacheBehindWarning } from "./cache_answers.ts";

/**
 * How a failure under `require` starts: like the skip's warning it names no flag (--require-stripe,
 * PRICING_SERVER_STRIPE=require, a notebook's stripe = "require").
 */
const REQUIRED = "Stripe revenue required";

/** The export summary's Stripe line: where revenue came from and how many API calls it took. */
export function revenueSummaryLine(result: RevenueResult): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  const calls = `${result.apiCalls} Stripe API call${result.apiCalls === 1 ? "" : "s"}`;
  return `Revenue: ${result.source}${
    result.failed ? " (fetch failed)" : ""
  }, ${calls}, ${seconds} s`;
}

export interface RevenueOptions {
  mode: RevenueMode;
  /** STRIPE_SECRET_KEY; absent → source "none" with a warning (require → error) */
  apiKey?: string;
  /** another API endpoint (a proxy, the tests' fake): STRIPE_API_HOST / _PORT / _PROTOCOL */
  apiHost?: string;
  apiPort?: number;
  apiProtocol?: "http" | "https";
  /** e.g. outputs/.stripe-cache (defaultCacheDir) */
  cacheDir: string;
  /** the cache day and the usage look-back window are relative to it */
  asOf: Date;
  /** the export window's days, for PTB revenue: [asOf − windowDays, asOf); default 30 */
  windowDays?: number;
  /** unset rules take DEFAULT_RULES */
  rules?: Partial<RevenueRules>;
  /** requested customers seen in subscription pages so far / requested; ends at (total, total).
   * Called on every page; draw it with `stderrProgress()` on a TTY. */
  onProgress?: FetchProgress;
  /** today's cache, read ahead by the caller with readCacheComputeAhead (the revenue worker
   * reads it, and computes its customers' revenue, while the customer ids are still being
   * queried), or Stripe's lists read ahead when it does not answer */
  cacheAhead?: Promise<ReadAhead>;
}

/**
 * Stripe's lists, read before the customer ids are known: they do not need them (only the
 * progress bar, the check of customers without a subscription and the answer do), so a cold
 * cache's fetch runs beside the queries instead of after PostgreSQL's organizations. loadRevenue
 * starts one itself when none was started ahead (one path either way).
 */
export interface FetchAhead {
  reader: Promise<StripeReader>;
  stats: FetchStats;
  /** performance.now() as it started: the fetch's duration counts from here */
  started: number;
  /** performance.now() once the lists are in (unset until then) */
  listed?: number;
  progress: ListingProgress;
  objects: Promise<StripeObjects>;
  /** the PaymentIntents listing's failure (PTB left unknown), described once the ids are in */
  ptb: { failure?: { error: unknown } };
}

/** What readCacheComputeAhead gives: today's cache, and the fetch started when it does not answer. */
export type ReadAhead = CacheRead & { fetchAhead?: FetchAhead };

/** Stripe's lists for `options`, started now (a failure is reported where they are awaited). */
function fetchObjectsAhead(
  options: Omit<RevenueOptions, "onProgress" | "cacheAhead"> & { apiKey: string },
): FetchAhead {
  const rules = resolveRules(options.rules);
  const stats = { apiCalls: 0 };
  const started = performance.now();
  const progress = new ListingProgress();
  const ptb: FetchAhead["ptb"] = {};
  const reader = stripeReader(options, { rules, stats });
  const objects = reader.then((r) =>
    fetchStripeObjects(r, {
      asOf: options.asOf,
      windowDays: options.windowDays ?? 30,
      onSubscriptionPage: (page) => progress.page(page),
      onPtbFailure: (error) => ptb.failure = { error },
    })
  );
  const ahead: FetchAhead = { reader, stats, started, progress, objects, ptb };
  // awaited once the ids are in (loadRevenue reports a failure then); unhandled until then
  objects.then(() => ahead.listed = performance.now(), () => {});
  return ahead;
}

/** The path of today's cache as loadRevenue would read it (null when the mode or a missing key skips it). */
function todaysCachePath(options: Omit<RevenueOptions, "onProgress" | "cacheAhead">) {
  if (options.mode === "skip" || refreshes(options.mode) || !options.apiKey) return null;
  return cachePath(options.cacheDir, { apiKey: options.apiKey, asOf: options.asOf });
}

/** Today's cache as loadRevenue would read it (no snapshot when the mode or a missing key skips it). */
function readCacheAhead(
  options: Omit<RevenueOptions, "onProgress" | "cacheAhead">,
): Promise<CacheRead> {
  const path = todaysCachePath(options);
  return path ? readCache(path) : Promise.resolve({ snapshot: null });
}

/**
 * readCacheAhead, then what loadRevenue computes from the snapshot when it answers the export: its
 * lookups by customer and every subscribed customer's revenue (computeRevenueAhead). The revenue
 * worker calls it while the queries run, so little is left once the customer ids are in.
 * `onIndexed` is given the subscribed customers' ids (the lookups' own keys) once they are
 * indexed, before their revenue is computed, when the cache answers the export.
 */
export async function readCacheComputeAhead(
  options: Omit<RevenueOptions, "onProgress" | "cacheAhead">,
  onIndexed?: (subscribedCustomers: Iterable<string>) => void,
): Promise<ReadAhead> {
  const read = await readCacheAhead(options);
  // Stripe will be asked: its lists are read now, while the customer ids are still being queried
  const apiKey = options.mode !== "skip" ? options.apiKey : undefined;
  if (!read.snapshot) {
    return apiKey ? { ...read, fetchAhead: fetchObjectsAhead({ ...options, apiKey }) } : read;
  }
  const index = snapshotIndex(read.snapshot);
  const rules = resolveRules(options.rules);
  const windowDays = options.windowDays ?? 30;
  if (cacheAnswers(read.snapshot, { asOf: options.asOf, windowDays, rules })) {
    onIndexed?.(index.subscriptionsByCustomer.keys());
    computeRevenueAhead(read.snapshot, { asOf: options.asOf, rules });
  } else if (apiKey) return { ...read, fetchAhead: fetchObjectsAhead({ ...options, apiKey }) };
  return read;
}

/** The size of the file readCacheAhead would read; null when there is none (Stripe is asked). */
export function todaysCacheBytes(
  options: Omit<RevenueOptions, "onProgress" | "cacheAhead">,
): number | null {
  const path = todaysCachePath(options);
  try {
    return path ? Deno.statSync(path).size : null;
  } catch {
    return null; // missing or unreadable: a fetch
  }
}

export function defaultCacheDir(outDir: string): string {
  return join(outDir, ".stripe-cache");
}

/** No revenue (source none): `warning` says why; `failed` is RevenueResult's. */
function none({ warning, failed, durationMs = 0, apiCalls = 0 }: {
  warning: string;
  failed: boolean;
  durationMs?: number;
  apiCalls?: number;
}): RevenueResult {
  return {
    source: "none",
    byCustomer: new Map(),
    warnings: [warning],
    apiCalls,
    durationMs,
    failed,
    unknownCustomerIds: [],
  };
}

/**
 * No revenue, Stripe not read (`line` says why): the REVENUE MISSING warning first, kind
 * revenue_missing (the admin page finds it by its kind, not its words), then the run's others.
 */
function missingRevenue(
  line: string,
  { durationMs, apiCalls, warnings }: { durationMs: number; apiCalls: number; warnings: string[] },
): RevenueResult {
  const missing =
    `REVENUE MISSING: ${line}; the export has empty revenue columns (revenue_source = none)`;
  return {
    ...none({ warning: missing, failed: true, durationMs, apiCalls }),
    warnings: [missing, ...warnings],
    warningKinds: new Map([[missing, "revenue_missing"]]),
  };
}

/**
 * Revenue of a run with Stripe skipped, live or demo: none, the revenue columns empty. The words
 * name no flag: the command line (--skip-stripe), the server (PRICING_SERVER_STRIPE=skip) and a
 * notebook (stripe = "skip") each ask for it in their own way, and whoever set it knows how.
 */
export function skippedRevenue(): RevenueResult {
  return none({ warning: "Stripe skipped: revenue columns are empty", failed: false });
}

/**
 * The revenue of a snapshot (fetched or today's cache), or none when it answers nothing: an
 * account where none of the customer ids asked for was found (a test-mode key against live ids,
 * another account's key) gave no revenue, though every call succeeded — REVENUE MISSING, as when
 * Stripe is unreachable. Ids left unverified (the call bound was spent) found nothing, so they
 * do not make the answer known. Deleted customers (unknown, empty revenue) were found: they show
 * the key reads their account, so even all of them deleted is only counted in a warning.
 * Under `require` that, or a PTB product the account does not have, fails in one line.
 */
function result(
  snapshot: StripeSnapshot,
  customerIds: string[],
  context: {
    asOf: Date;
    windowDays: number;
    rules: RevenueRules;
    mode: RevenueMode;
    apiKey: string;
    source: RevenueSource;
    apiCalls: number;
    started: number;
    warnings?: string[];
    ptbFailure?: string;
  },
): RevenueResult {
  const revenue = revenueFromSnapshot(snapshot, { customerIds, ...context });
  if (customerIds.length > 0 && !anyCustomerFound(snapshot, customerIds)) {
    const asked = new Set(customerIds); // (only here: ~35 ms for 200k ids)
    const unchecked = new Set(snapshot.customers.unverified.filter((id) => asked.has(id))).size;
    const line = noCustomerKnownLine(asked.size, { apiKey: context.apiKey, unchecked });
    if (requires(context.mode)) throw new UserError(`${REQUIRED}: ${line}`);
    return missingRevenue(line, {
      durationMs: Math.round(performance.now() - context.started),
      apiCalls: context.apiCalls,
      warnings: context.warnings ?? [],
    });
  }
  if (requires(context.mode) && revenue.ptb.status === "unknown_product") {
    throw new UserError(
      `${REQUIRED}: ${ptbProductProblem(context.rules.ptbProductId!, snapshot.products)}`,
    );
  }
  const behind = context.source === "cache" ? cacheBehindWarning(snapshot, context.asOf) : null;
  return {
    ...revenue,
    warnings: [...revenue.warnings, ...(context.warnings ?? []), ...(behind ? [behind] : [])],
    apiCalls: context.apiCalls,
    durationMs: Math.round(performance.now() - context.started),
    failed: false,
  };
}

/**
 * The cache is a convenience: failing to write it costs a warning, not the revenue. A cache of a
 * later as-of the same day stays (writeCacheUnlessLater): the day's later exports read it.
 */
async function tryWriteCache(
  path: string,
  snapshot: StripeSnapshot,
  { cacheDir, asOf }: { cacheDir: string; asOf: Date },
): Promise<string[]> {
  try {
    if (!await writeCacheUnlessLater(path, snapshot, { asOf })) return [];
    await pruneCache(cacheDir, { asOf });
    return [];
  } catch (error) {
    // its folder made impossible by a file (the output folder replaced by one): named as such
    const file = await fileOnTheWay(cacheDir);
    const reason = file
      ? `${file} is a file, not a folder`
      : String((error as Error)?.message ?? error).split("\n")[0];
    return [`could not write the Stripe cache ${path} (${reason}): the next export fetches again`];
  }
}

/**
 * Revenue for the given Stripe customer ids. Today's cache answers with no API call; a cache
 * that lacks some of the customers (ids with no subscription it has not checked, or left
 * unverified when the call bound was spent) is completed with a few lookups and rewritten.
 */
export async function loadRevenue(
  customerIds: string[],
  options: RevenueOptions,
): Promise<RevenueResult> {
  const rules = resolveRules(options.rules);
  if (options.mode === "skip") return skippedRevenue();
  if (!options.apiKey) {
    if (requires(options.mode)) {
      throw new UserError(
        `${REQUIRED}: STRIPE_SECRET_KEY is not set (set it in the environment or .env)`,
      );
    }
    return none({
      warning: "STRIPE_SECRET_KEY is not set: revenue columns are empty",
      failed: false,
    });
  }
  const apiKey = options.apiKey;
  const endpoint = stripeEndpoint(options);
  const describe = (error: unknown) =>
    describeStripeError(error, {
      apiKey,
      endpoint,
      timeoutSeconds: rules.timeoutSeconds,
      maxNetworkRetries: rules.maxNetworkRetries,
      maxRateLimitRetries: rules.maxRateLimitRetries,
      apiProtocol: options.apiProtocol,
    });
  const started = performance.now();
  const path = cachePath(options.cacheDir, { apiKey, asOf: options.asOf });
  let stats = { apiCalls: 0 };
  const reader = () => stripeReader({ ...options, apiKey }, { rules, stats });
  let activeReader: StripeReader | undefined;
  const windowDays = options.windowDays ?? 30;
  const context = { asOf: options.asOf, windowDays, rules, mode: options.mode, apiKey, started };
  // the cache file's: there but unusable (then fetched again), or not written
  const cacheWarnings: string[] = [];
  try {
    const read: ReadAhead = refreshes(options.mode) && !options.cacheAhead
      ? { snapshot: null }
      : await (options.cacheAhead ?? readCache(path));
    if (read.unusable) {
      cacheWarnings.push(
        `the Stripe cache ${path} could not be used (${read.unusable}): Stripe was asked again`,
      );
    }
    const cached = read.snapshot && cacheAnswers(read.snapshot, { ...context, rules })
      ? read.snapshot
      : null;
    if (cached) {
      const unchecked = customersToCheck(cached, customerIds);
      if (unchecked.length === 0) {
        return result(cached, customerIds, { ...context, source: "cache", apiCalls: 0 });
      }
      // customers new since the cache was written, or left unverified in it: checked within the
      // bound's extra calls
      const checking = activeReader = await reader();
      let checked: StripeSnapshot["customers"];
      try {
        checked = await checkCustomers(checking, {
          customerIds: unchecked,
          budget: CALL_BOUND_EXTRA,
          confirmed: anyCustomerFound(cached, customerIds),
        });
      } catch (error) {
        if (error instanceof UserError) throw error;
        await checking.settled();
        // the cache still answers; the ids go unverified (counted as known, with a warning),
        // and the cache is left as it was, so the next export checks them again
        const rechecked = new Set(unchecked);
        const unverified = {
          ...cached,
          customers: {
            ...cached.customers,
            unverified: [
              ...cached.customers.unverified.filter((id) => !rechecked.has(id)),
              ...unchecked,
            ],
          },
        };
        return result(unverified, customerIds, {
          ...context,
          source: "cache",
          apiCalls: stats.apiCalls,
          warnings: [
            `could not check ${unchecked.length} customer id${
              unchecked.length === 1 ? "" : "s"
            } that today's Stripe cache has not settled (${
              describe(error)
            }): counted as known with revenue 0 (unverified)`,
          ],
        });
      }
      // the ids checked again leave the unverified (those still unchecked come back in `checked`)
      const rechecked = new Set(unchecked);
      // the deleted stay named whatever the listing says (it leaves them out)
      const deleted = [...cached.customers.deleted ?? [], ...checked.deleted ?? []];
      cached.customers = checked.listed ? { ...checked, ...(deleted.length ? { deleted } : {}) } : {
        listed: false,
        existing: [...cached.customers.existing, ...checked.existing],
        missing: [...cached.customers.missing, ...checked.missing],
        ...(deleted.length ? { deleted } : {}),
        unverified: [
          ...cached.customers.unverified.filter((id) => !rechecked.has(id)),
          ...checked.unverified,
        ],
      };
      return result(cached, customerIds, {
        ...context,
        source: "cache",
        apiCalls: stats.apiCalls,
        warnings: await tryWriteCache(path, cached, options),
      });
    }
    // Stripe's lists: started ahead of the ids by readCacheComputeAhead, or now. The fetch counts
    // from its start, less any time it sat listed, waiting for the ids (the export's queries'
    // time, not Stripe's)
    const ahead = read.fetchAhead ?? fetchObjectsAhead({ ...options, apiKey });
    stats = ahead.stats;
    const waited = ahead.listed === undefined ? 0 : performance.now() - ahead.listed;
    context.started = ahead.started + waited;
    activeReader = await ahead.reader;
    const wanted = ahead.progress.want(customerIds, options.onProgress);
    const objects = await ahead.objects;
    const ptbFailure = ahead.ptb.failure ? describe(ahead.ptb.failure.error) : undefined;
    const snapshot = await snapshotOfObjects(activeReader, objects, {
      wanted,
      asOf: options.asOf,
      windowDays,
      onProgress: options.onProgress,
    });
    cacheWarnings.push(...await tryWriteCache(path, snapshot, options));
    return result(snapshot, customerIds, {
      ...context,
      source: "stripe",
      apiCalls: stats.apiCalls,
      warnings: cacheWarnings,
      ptbFailure,
    });
  } catch (error) {
    // requests still in flight (retrying) when one failed: let them settle, so the count is whole
    await activeReader?.settled();
    if (error instanceof UserError) throw error;
    const line = describe(error);
    if (requires(options.mode)) throw new UserError(`${REQUIRED}: ${line}`);
    return missingRevenue(line, {
      durationMs: Math.round(performance.now() - context.started),
      apiCalls: stats.apiCalls,
      warnings: cacheWarnings,
    });
  }
}
