/**
 * The revenue stage: which revenue a run uses — the demo generator for demo data, Stripe (or
 * today's cache) for live data, or none when skipped.
 */
import type pl from "nodejs-polars";
import type { Env } from "../core/config.ts";
import { DEMO_SEED } from "../sources/demo.ts";
import { defaultCacheDir, loadRevenue, revenueConfigFromEnv, type RevenueMode } from "./mod.ts";
import { stderrProgress } from "./progress.ts";
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
  const customerIds = frame.getColumn("stripe_customer_id").toArray() as (string | null)[];
  if (options.demo) {
    const tiers = frame.getColumn("tier").toArray() as string[];
    const tierRaw = frame.getColumn("tier_raw").toArray() as (string | null)[];
    const seats = frame.getColumn("seats").toArray() as number[];
    const addons = frame.getColumn("addons_in_metadata").toArray() as (string | null)[];
    const requests = frame.getColumn("requests_30d").toArray() as number[];
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
  const { apiKey, apiHost, apiPort, apiProtocol, ...rules } = revenueConfigFromEnv(options.env);
  const bar = stderrProgress({ quiet: options.quiet, label: "Stripe" });
  return loadRevenue([...new Set(customerIds.filter((id): id is string => !!id))], {
    mode: options.mode,
    apiKey,
    apiHost,
    apiPort,
    apiProtocol,
    cacheDir: defaultCacheDir(options.outDir),
    asOf: options.asOf,
    windowDays: options.windowDays,
    rules,
    onProgress: bar.onProgress,
  }).finally(() => bar.finish());
}
