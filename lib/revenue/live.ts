/**
 * Live Stripe revenue's settings and loading, apart from the revenue stage (stage.ts): the
 * revenue worker (worker_entry.ts) imports this, and nothing of Polars or the databases' clients
 * (loading those took the worker ~60 ms of CPU while the queries run).
 */
import type { Env } from "../core/config.ts";
import { defaultCacheDir, loadRevenue, type RevenueOptions } from "./load_revenue.ts";
import { revenueConfigFromEnv, type RevenueMode } from "./stripe_settings.ts";
import { stderrProgress } from "./progress.ts";
import type { RevenueResult } from "./types.ts";

/** What loadRevenue needs for live data, but the progress callback (drawn by loadLiveRevenue). */
export type LiveRevenueOptions = Omit<RevenueOptions, "onProgress" | "cacheAhead">;

/**
 * The live revenue settings of a run: Stripe's connection and rules from the environment, the
 * cache in the output folder. Throws a UserError naming a bad variable.
 */
export function liveRevenueOptions(
  options: { env: Env; mode: RevenueMode; asOf: Date; windowDays?: number; outDir: string },
): LiveRevenueOptions {
  const { apiKey, apiHost, apiPort, apiProtocol, ...rules } = revenueConfigFromEnv(options.env);
  return {
    mode: options.mode,
    apiKey,
    apiHost,
    apiPort,
    apiProtocol,
    cacheDir: defaultCacheDir(options.outDir),
    asOf: options.asOf,
    windowDays: options.windowDays,
    rules,
  };
}

/** loadRevenue with the Stripe progress bar on stderr (a terminal only, never when quiet). */
export function loadLiveRevenue(
  customerIds: string[],
  options: LiveRevenueOptions & Pick<RevenueOptions, "cacheAhead"> & { quiet: boolean },
): Promise<RevenueResult> {
  const { quiet, ...revenueOptions } = options;
  const bar = stderrProgress({ quiet, label: "Stripe" });
  return loadRevenue(customerIds, { ...revenueOptions, onProgress: bar.onProgress })
    .finally(() => bar.finish());
}
