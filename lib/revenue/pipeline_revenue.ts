/**
 * The export pipeline's revenue, from the start of the queries to the revenue stage: live Stripe
 * revenue is read in a worker (worker.ts), started at the first query result when it has a fetch
 * or a large cache to read (else with the ids), given the customer ids once the organizations
 * query is done: it overlaps the ClickHouse queries, and its memory goes with it. Not started
 * before the queries: creating a worker holds the main thread 20–100 ms, which held every query
 * back. Demo revenue (it needs the usage columns), --skip-stripe and revenueFor (a history
 * backfill's, from Stripe invoices) are read in the revenue stage, from the joined frame.
 */
import type pl from "nodejs-polars";
import type { StageTimer } from "../core/stage_timer.ts";
import type { ExportOptions, ExportWindow } from "../core/types.ts";
import { attachRevenue, type RevenueColumnsResult } from "./columns.ts";
import { customerIdsInExportOrder, loadRevenueStage, type RevenueStageOptions } from "./stage.ts";
import type { RevenueResult } from "./types.ts";
import { prepareRevenueWorker } from "./worker.ts";

/** A run's revenue: the query hooks that feed its worker, the wait for it, the stage. */
export interface PipelineRevenue {
  /** runQueries' onFirstResult: a worker with a fetch or a large cache starts reading ahead */
  onFirstResult(): void;
  /** runQueries' onOrganizations: the worker is given the customer ids, in export order */
  onOrganizations(organizations: pl.DataFrame): void;
  /** settles once the worker has answered (or was closed); undefined without a worker */
  readonly answered?: Promise<void>;
  /**
   * Waits for the worker's answer, so its peak (today's Stripe cache parsed: ~400 MB at a million
   * organizations) does not add to the join's; usually it has answered (ClickHouse answers
   * later). At once when the signal is aborted (it ends the worker). The milliseconds waited,
   * which count as revenue time.
   */
  waitForWorker(): Promise<number>;
  /**
   * The revenue stage: the revenue, and the joined frame with its columns, attached inside the
   * stage so that its GC frees the join's and the Stripe cache's garbage before the metrics run.
   */
  stage(
    joined: pl.DataFrame,
    timed: StageTimer,
  ): Promise<{ revenue: RevenueResult; withRevenue: RevenueColumnsResult }>;
  /** Ends the worker, however the run ends (no worker left behind); for `using`. */
  [Symbol.dispose](): void;
}

/**
 * The revenue of a run over `window`. A live run's worker is prepared here, so a bad Stripe
 * setting fails at once (a UserError naming it), before any query runs.
 */
export function pipelineRevenue(
  options: Pick<ExportOptions, "stripe" | "outDir" | "quiet" | "signal" | "revenueFor">,
  { demo, env, window, log }: Pick<RevenueStageOptions, "demo" | "env"> & {
    /** the export window: its end is the revenue's as-of, its days the PTB revenue's */
    window: ExportWindow;
    log: (line: string) => void;
  },
): PipelineRevenue {
  const stripeRevenue = !demo && options.stripe !== "skip" && !options.revenueFor;
  const revenueOptions = {
    env,
    mode: options.stripe,
    asOf: window.end,
    windowDays: window.days,
    outDir: options.outDir,
    quiet: options.quiet,
  };
  const worker = stripeRevenue
    ? prepareRevenueWorker({ ...revenueOptions, signal: options.signal })
    : undefined;
  const revenueFor = options.revenueFor;
  const readRevenue = async (joined: pl.DataFrame): Promise<RevenueResult> => {
    if (worker) return await worker.result;
    if (revenueFor) {
      return revenueFor(joined.getColumn("stripe_customer_id").dropNulls().toArray() as string[]);
    }
    return await loadRevenueStage(joined, { demo, ...revenueOptions });
  };
  return {
    onFirstResult: () => worker?.startAhead(),
    onOrganizations(organizations) {
      if (!worker) return;
      log("reading Stripe revenue…");
      worker.load(customerIdsInExportOrder(organizations));
    },
    answered: worker?.answered,
    async waitForWorker() {
      const started = performance.now();
      await worker?.answered;
      return Math.round(performance.now() - started);
    },
    stage(joined, timed) {
      if (!demo && options.stripe !== "skip" && !worker) log("reading Stripe revenue…");
      return timed("revenue", async () => {
        const revenue = await readRevenue(joined);
        return { revenue, withRevenue: attachRevenue(joined, revenue) };
      });
    },
    [Symbol.dispose]: () => worker?.close(),
  };
}
