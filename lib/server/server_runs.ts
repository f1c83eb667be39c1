/**
 * The runs the endpoint answers from: the pipeline for a window, with the server's settings (no
 * charts, quiet, its progress kept for the page), shared and cached by RunCache (runs.ts); a run
 * whose Stripe revenue could not be read is kept a minute, not the cache's hour.
 */
import type { ExportOptions, PricingData } from "../export.ts";
import { progressHooks } from "./progress.ts";
import { DEGRADED_RUN_TTL_MS, RunCache } from "./runs.ts";
import type { ServerSettings } from "./settings.ts";
import { oneLine } from "./stream.ts";
import { collectDroppedFrames } from "../core/memory.ts";

/** The pipeline's data loader; `loadPricingData` unless a test wraps it. */
export type LoadPricingData = (options: Partial<ExportOptions>) => Promise<PricingData>;

/** The server's run cache over `loadData`. */
export function serverRuns(
  settings: Pick<
    ServerSettings,
    "demo" | "cacheTtlMs" | "maxRuns" | "stripe" | "outDir" | "env"
  >,
  { loadData, log, signal, now }: {
    loadData: LoadPricingData;
    /** a run's messages, each prefixed with its window and as-of */
    log: (line: string) => void;
    /** the server's stop: every run in flight stops with it */
    signal?: AbortSignal;
    now: () => number;
  },
): RunCache<unknown> {
  return new RunCache<unknown>(async ({ days, asOf, signal: runSignal, progress }) => {
    const run = `run ${days}d to ${asOf.toISOString()}`;
    try {
      return await loadData({
        demo: settings.demo ? true : false,
        windowDays: days,
        asOf,
        env: settings.env,
        stripe: settings.stripe,
        outDir: settings.outDir,
        charts: false,
        quiet: true,
        // A run goes on when its clients leave (the next request for the window gets it from the
        // cache); the server's stop ends it, and so does a new run that needs its slot (runs.ts).
        signal: signal ? AbortSignal.any([signal, runSignal]) : runSignal,
        log: (line) => log(`${run}: ${line}`),
        ...progressHooks(progress), // the page's progress line
      });
    } catch (error) {
      // a run stopped for its slot has nobody left to tell: the log says why it ended
      if (runSignal.aborted) log(`${run}: ${oneLine(runSignal.reason)}`);
      throw error;
    }
  }, {
    ttlMs: settings.cacheTtlMs,
    // Stripe could not be read (REVENUE MISSING, or its PaymentIntents for PTB revenue): kept a
    // minute, not the hour, so a look after the outage reads again. Skipped revenue
    // (PRICING_SERVER_STRIPE=skip) or no PTB product set is a choice: kept.
    degraded: (data) => data.revenue.failed || data.revenue.ptb?.status === "failed",
    degradedTtlMs: DEGRADED_RUN_TTL_MS,
    maxRuns: settings.maxRuns,
    now,
    // its frames are native memory V8 does not count: collected now, not at some later GC
    onExpired: () => void collectDroppedFrames(),
  });
}
