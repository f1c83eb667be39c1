/**
 * Live Stripe revenue off the main thread: the worker runs loadRevenue (today's cache or the
 * Stripe fetch, every mode, its warnings and progress bar) and answers with the revenue per
 * customer as Arrow IPC bytes (customers.ts: one row per customer, a column per field) plus the
 * result's small fields. The export starts it as the first query result is in (it reads today's
 * cache meanwhile; started before the queries, its creation held the main thread 20–100 ms, and
 * every query with it) and gives it the customer ids as soon as PostgreSQL's organizations are
 * in, so the revenue is computed while ClickHouse still answers. At a million organizations (200k
 * subscriptions) the parsed cache, the per-customer objects and the frame take ~300 MB: in the
 * worker that memory goes with its isolate, which ends as soon as it has answered. Goes back to
 * the system, that is, only under `--v8-flags=--no-memory-pool-share-memory-on-teardown` (the
 * export, serve, mcp, history and bench tasks): by default V8 hands a dying isolate's pages to the
 * main isolate's pool, where they stay resident.
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { UserError } from "../core/config.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { customersToFrame, revenueWithCustomers } from "./customers.ts";
import {
  type LiveRevenueOptions,
  liveRevenueOptions,
  loadLiveRevenue,
  type RevenueStageOptions,
} from "./stage.ts";
import type { RevenueResult } from "./types.ts";
import { snapshotIndex, type StripeSnapshot } from "./snapshot.ts";
import { readCacheAhead } from "./mod.ts";

/** A revenue worker, prepared before the queries, started during them, given the ids last. */
export interface RevenueWorker {
  /** Starts the worker (it reads today's cache meanwhile); load() does when it was not. */
  start(): void;
  /** The customer ids to load for (once per worker). */
  load(customerIds: string[]): void;
  /** The revenue, once the worker has answered; rejects with its error, of the same kind. */
  readonly result: Promise<RevenueResult>;
  /** Settles (never rejects) once the worker has answered or was closed: its memory is gone. */
  readonly answered: Promise<void>;
  /** Ends the worker (done, failed elsewhere), or the promise of one never given its ids. */
  close(): void;
  /** close(), for `using`. */
  [Symbol.dispose](): void;
}

/** The settings, sent as the worker starts (it reads today's cache meanwhile), then the ids. */
type WorkerJob = { options: LiveRevenueOptions; quiet: boolean } | { customerIds: string[] };

/** Everything in a RevenueResult but its customers. */
type RevenueMeta = Omit<RevenueResult, "byCustomer" | "customers">;

type WorkerReply =
  | { ipc: ArrayBuffer; meta: RevenueMeta }
  | { error: { message: string; userError: boolean } };

/**
 * A revenue worker for a live run, started by load(). The settings are read here, so a bad
 * variable fails at once (a UserError naming it), before any query runs.
 */
export function prepareRevenueWorker(options: Omit<RevenueStageOptions, "demo">): RevenueWorker {
  const revenueOptions = liveRevenueOptions(options);
  const { promise, resolve, reject } = Promise.withResolvers<RevenueResult>();
  promise.catch(() => {}); // awaited by the revenue stage; a failure meanwhile must not go unhandled
  let worker: Worker | undefined;
  let settled = false;
  const settle = (outcome: () => void) => {
    worker?.terminate(); // the isolate's heap (the parsed cache, the Map) goes with it
    if (settled) return;
    settled = true;
    outcome();
  };
  const start = () => {
    if (worker || settled) return; // started, or closed before it was
    const started = new Worker(import.meta.url, { type: "module" });
    worker = started;
    started.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if ("error" in reply) {
        const { message, userError } = reply.error;
        return settle(() => reject(userError ? new UserError(message) : new Error(message)));
      }
      settle(() => {
        try {
          resolve(revenueWithCustomers(reply.meta, pl.readIPC(Buffer.from(reply.ipc))));
        } catch (error) {
          reject(error);
        }
      });
    };
    started.onerror = (event) => {
      event.preventDefault();
      settle(() => reject(new Error(`Stripe revenue failed: ${event.message}`)));
    };
    started.postMessage({ options: revenueOptions, quiet: options.quiet } satisfies WorkerJob);
  };
  const close = () =>
    settle(() => reject(new Error("the revenue worker was closed before it answered")));
  let loading = false;
  return {
    start,
    load(customerIds) {
      if (loading) throw new Error("a revenue worker loads once");
      loading = true;
      start();
      worker?.postMessage({ customerIds } satisfies WorkerJob); // (none: closed before)
    },
    result: promise,
    answered: promise.then(() => {}, () => {}),
    close,
    [Symbol.dispose]: close,
  };
}

/** The customers of a result as Arrow IPC bytes, in an ArrayBuffer of their own (to transfer). */
function customersIpc(revenue: RevenueResult): ArrayBuffer {
  const bytes = customersToFrame(revenue.byCustomer).writeIPC();
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes.buffer : bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  )) as ArrayBuffer;
}

// In the worker: the settings (today's cache is read at once), then the ids; one reply.
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function") {
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<WorkerJob>) => void;
    postMessage: (reply: WorkerReply, transfer?: Transferable[]) => void;
  };
  let settings: { options: LiveRevenueOptions; quiet: boolean } | undefined;
  let cacheAhead: Promise<StripeSnapshot | null> | undefined;
  scope.onmessage = async (event) => {
    try {
      const job = event.data;
      if ("options" in job) {
        settings = job;
        // Today's cache is parsed while the customer ids are being queried (and before the
        // main thread reads the queries' results, its own peak).
        cacheAhead = readCacheAhead(job.options).then(async (snapshot) => {
          // its lookups by customer too, while the queries run, not once the ids are in
          if (snapshot) snapshotIndex(snapshot);
          // the file's text and the parse's garbage go before the revenue is computed, which
          // then reuses their heap instead of growing it
          await collectDroppedFrames();
          return snapshot;
        });
        cacheAhead.catch(() => {}); // loadRevenue awaits it (a failed read: none, fetch again)
        return;
      }
      const { options, quiet } = settings!;
      const revenue = await loadLiveRevenue(job.customerIds, { ...options, quiet, cacheAhead });
      cacheAhead = undefined;
      // The parsed Stripe cache is garbage now: collected, its heap is reused for the frame.
      await collectDroppedFrames();
      const ipc = customersIpc(revenue);
      // The customers frame is garbage too: its native memory is Polars', outside the isolate,
      // and would outlive the terminated worker.
      await collectDroppedFrames();
      const { byCustomer: _byCustomer, customers: _customers, ...meta } = revenue;
      scope.postMessage({ ipc, meta }, [ipc]);
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
