/**
 * The revenue worker itself (started by worker.ts): its settings arrive first (today's cache is
 * read at once), then the customer ids (worker_ids.ts); it answers once, with the revenue per
 * customer as plain columns, each customer named by its position among the ids sent. It imports
 * only the revenue's own modules: not Polars, not the databases' clients.
 */
import { UserError } from "../core/config.ts";
import {
  customerColumnBuffers,
  type CustomerColumns,
  customerColumns,
} from "./customer_columns.ts";
import { type LiveRevenueOptions, loadLiveRevenue } from "./live.ts";
import { readCacheComputeAhead } from "./load_revenue.ts";
import type { CacheRead } from "./cache.ts";
import type { RevenueResult } from "./types.ts";
import { isWorkerEntry } from "../core/worker_entry.ts";
import { idsOfSent, positionsIn, type SentIds } from "./worker_ids.ts";

/** The settings, sent as the worker starts (it reads today's cache meanwhile), then the ids. */
export type WorkerJob = { options: LiveRevenueOptions; quiet: boolean } | { customerIds: SentIds };

/** Everything in a RevenueResult but its customers. */
type RevenueMeta = Omit<RevenueResult, "byCustomer" | "customers">;

export type WorkerReply =
  | {
    /** the columns but the ids, the customers' positions among the ids sent instead */
    columns: Omit<CustomerColumns, "customerIds">;
    positions: Uint32Array;
    meta: RevenueMeta;
  }
  | { error: { message: string; userError: boolean } };

// In the worker: the settings (today's cache is read at once), then the ids; one reply.
if (isWorkerEntry(import.meta)) {
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<WorkerJob>) => void;
    postMessage: (reply: WorkerReply, transfer?: Transferable[]) => void;
  };
  let settings: { options: LiveRevenueOptions; quiet: boolean } | undefined;
  let cacheAhead: Promise<CacheRead> | undefined;
  scope.onmessage = async (event) => {
    try {
      const job = event.data;
      if ("options" in job) {
        settings = job;
        // Today's cache is parsed as the settings arrive, and its lookups by customer and every
        // subscribed customer's revenue computed: while the customer ids are still being queried
        // when startAhead started the worker (a large cache), else as they come.
        cacheAhead = readCacheComputeAhead(job.options);
        cacheAhead.catch(() => {}); // loadRevenue awaits it (a failed read: none, fetch again)
        return;
      }
      const { options, quiet } = settings!;
      const customerIds = idsOfSent(job.customerIds);
      const revenue = await loadLiveRevenue(customerIds, { ...options, quiet, cacheAhead });
      cacheAhead = undefined;
      const { customerIds: answered, ...columns } = customerColumns(revenue.byCustomer);
      const positions = positionsIn(customerIds, answered);
      const { byCustomer: _byCustomer, customers: _customers, ...meta } = revenue;
      scope.postMessage({ columns, positions, meta }, [
        ...customerColumnBuffers(columns),
        positions.buffer as ArrayBuffer,
      ]);
    } catch (error) {
      scope.postMessage({
        error: {
          message: error instanceof Error ? error.message : String(error),
          userError: error instanceof UserError,
        },
      });
    }
  };
}
