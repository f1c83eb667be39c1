/**
 * The revenue stage: which revenue a run uses — the demo generator for demo data, Stripe (or
 * today's cache) for live data, or none when skipped (--skip-stripe, demo data too).
 */
import pl from "nodejs-polars";
import type { Env } from "../core/config.ts";
import { DEMO_SEED, demoRequestsPer30Days } from "../sources/demo.ts";
import { newestFirst } from "../frame/join.ts";
import { skippedRevenue } from "./load_revenue.ts";
import { revenueConfigFromEnv, type RevenueMode } from "./stripe_settings.ts";
import { liveRevenueOptions, loadLiveRevenue } from "./live.ts";
import { demoRevenue } from "./demo_stripe.ts";
import type { RevenueResult } from "./types.ts";

export interface RevenueStageOptions {
  demo: boolean;
  env: Env;
  mode: RevenueMode;
  asOf: Date;
  /** the export window's days (PTB revenue covers it); default 30 */
  windowDays?: number;
  outDir: string;
  quiet: boolean;
}

export function loadRevenueStage(
  frame: pl.DataFrame,
  options: RevenueStageOptions,
): Promise<RevenueResult> {
  // --skip-stripe skips demo revenue too: the columns are empty, as in a live run
  if (options.mode === "skip") return Promise.resolve(skippedRevenue());
  const customerIds = frame.getColumn("stripe_customer_id").toArray() as (string | null)[];
  if (options.demo) {
    const tiers = frame.getColumn("tier").toArray() as string[];
    const tierRaw = frame.getColumn("tier_raw").toArray() as (string | null)[];
    const seats = frame.getColumn("seats").toArray() as number[];
    const addons = frame.getColumn("addons_in_metadata").toArray() as (string | null)[];
    // usage charges bill the last closed period, not the window: the demo's 30-day requests
    const windowRequests = frame.getColumn("requests_30d").toArray() as number[];
    const per30Days = (options.windowDays ?? 30) === 30
      ? null
      : demoRequestsPer30Days(options.asOf);
    const orgIds = frame.getColumn("org_id").toArray() as string[];
    const requests = per30Days ? orgIds.map((id) => per30Days.get(id) ?? 0) : windowRequests;
    const ptbCost = frame.columns.includes("llm_cost_ptb_30d")
      ? frame.getColumn("llm_cost_ptb_30d").toArray() as number[]
      : null;
    const orgs = customerIds.flatMap((customerId, i) =>
      customerId
        ? [{
          customerId,
          tier: tiers[i],
          tierRaw: tierRaw[i],
          seats: seats[i],
          addons: addons[i]?.split(",") ?? [],
          requests30d: requests[i],
          ptbCost30d: ptbCost?.[i] ?? 0,
        }]
        : []
    );
    // Only the rules apply to demo revenue; the connection settings are for live Stripe.
    const { apiKey: _key, apiHost: _host, apiPort: _port, apiProtocol: _protocol, ...rules } =
      revenueConfigFromEnv(options.env);
    return Promise.resolve(
      demoRevenue(orgs, {
        seed: DEMO_SEED,
        asOf: options.asOf,
        windowDays: options.windowDays,
        rules,
      }),
    );
  }
  return loadLiveRevenue([...new Set(customerIds.filter((id): id is string => !!id))], {
    ...liveRevenueOptions(options),
    quiet: options.quiet,
  });
}

/**
 * The organizations' Stripe customer ids (unique, not empty; a text column) in export order, newest
 * organization first, org_id breaking ties: the order of the joined frame (by newestFirst of
 * lib/frame/join.ts itself), so the revenue worker, given them before the join, asks Stripe for the
 * customers in the order the in-thread stage does (the unknown ids' examples, the customers
 * checked within the call bound). tests/revenue_worker_test.ts compares the two. Only the
 * organizations with an id are sorted (the order is total, so it is theirs in the whole frame):
 * newestFirst sorts eagerly, so a filter after it sorted them all (a million random UUIDs with
 * an id on every fifth: 480–530 ms, now 150–175 ms; in the 1M bench's export ~0.16 s before).
 */
export function customerIdsInExportOrder(organizations: pl.DataFrame): pl.Series {
  const id = pl.col("stripe_customer_id");
  const withId = organizations.select("org_id", "created_at", "stripe_customer_id")
    .filter(id.isNotNull().and(id.neq(pl.lit(""))));
  return newestFirst(withId)
    .unique({ subset: "stripe_customer_id", keep: "first", maintainOrder: true })
    .collectSync()
    .getColumn("stripe_customer_id");
}
