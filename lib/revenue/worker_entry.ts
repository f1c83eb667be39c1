/**
 * The revenue worker itself (started by worker.ts): its settings arrive first (today's cache is
 * read at once, and the ids it knows told back once indexed: none without a cache that answers),
 * then the customer ids matched against them (worker_ids.ts); it answers once, with the revenue
 * per customer as plain columns, each customer named by its position among the ids sent. It
 * imports only the revenue's own modules: not Polars, not the databases' clients.
 */
import { UserError } from "../core/config.ts";
import {
  customerColumnBuffers,
  type CustomerColumns,
  customerColumns,
} from "./customer_columns.ts";
import { type LiveRevenueOptions, loadLiveRevenue } from "./live.ts";
import { readCacheComputeAhead } from "./load_revenue.ts";
import type { ReadAhead } from "./load_revenue.ts";
import type { RevenueResult } from "./types.ts";
import { isWorkerEntry } from "../core/worker_entry.ts";
import {
  idsOfMatched,
  type KnownIds,
  knownIdsOf,
  type MatchedIds,
  positionsIn,
} from "./worker_ids.ts";

/** The settings, sent as the worker starts (it reads today's cache meanwhile), then the ids. */
export type WorkerJob = { options: LiveRevenueOptions; quiet: boolean } | {
  customerIds: MatchedIds;
};

/** Everything in a RevenueResult but its customers. */
type RevenueMeta = Omit<RevenueResult, "byCustomer" | "customers">;

export type WorkerReply =
  /** the ids today's cache knows, told once, before the customer ids are sent */
  | { known: KnownIds }
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
  let cacheAhead: Promise<ReadAhead> | undefined;
  let known: string[] | undefined;
  // once: the cache's subscribed customers when it answers, else none (read after it is done)
  const tell = (customers: Iterable<string>) => {
    if (known) return;
    const { ids, told } = knownIdsOf(customers);
    known = ids;
    scope.postMessage({ known: told });
  };
  scope.onmessage = async (event) => {
    try {
      const job = event.data;
      if ("options" in job) {
        settings = job;
        // Today's cache is parsed as the settings arrive, and its lookups by customer and every
        // subscribed customer's revenue computed: while the customer ids are still being queried
        // when startAhead started the worker (a large cache), else as they come. Without a cache
        // that answers, Stripe's lists are read from now on (the ids are not needed for them).
        cacheAhead = readCacheComputeAhead(job.options, tell);
        // loadRevenue awaits it (a failed read: none, fetch again)
        cacheAhead.then(() => tell([]), () => tell([]));
        return;
      }
      const { options, quiet } = settings!;
      const customerIds = idsOfMatched(known!, job.customerIds);
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
