/**
 * Live Stripe revenue off the main thread: the worker (worker_entry.ts) runs loadRevenue (today's
 * cache or the Stripe fetch, every mode, its warnings and progress bar) and answers with the
 * revenue per customer as plain columns (customer_columns.ts: typed arrays, moved, not copied) plus
 * the result's small fields; this thread makes the frame. The export starts it as the first
 * query result is in when it has a fetch or a large cache ahead of it (startAhead; started before
 * the queries, its creation held the main thread 20–100 ms, and every query with it), and gives
 * it the customer ids as soon as PostgreSQL's organizations are in, so the revenue is computed
 * while ClickHouse still answers.
 * At a million organizations (200k subscriptions) the parsed cache and the per-customer objects
 * take ~300 MB: in the worker that memory goes with its isolate, which ends as soon as it has
 * answered, so the worker forces no collection and makes no Polars frame (whose native memory a
 * terminated isolate would never free). Goes back to the system, that is, only under
 * `--v8-flags=--no-memory-pool-share-memory-on-teardown` (the export, serve, mcp, history and
 * bench tasks): by default V8 hands a dying isolate's pages to the main isolate's pool, where they
 * stay resident.
 */
import pl from "nodejs-polars";
import { UserError } from "../core/config.ts";
import { customersFrameWithIds, revenueWithCustomers } from "./customers.ts";
import { liveRevenueOptions } from "./live.ts";
import type { RevenueStageOptions } from "./stage.ts";
import type { RevenueResult } from "./types.ts";
import { todaysCacheBytes } from "./load_revenue.ts";
import type { WorkerJob, WorkerReply } from "./worker_entry.ts";
import {
  type KnownIds,
  lengthsCutWhole,
  type MatchedIds,
  NOT_KNOWN,
  type SentIds,
} from "./worker_ids.ts";

/**
 * Today's Stripe cache up to this size is read once the customer ids are in, not ahead of them:
 * its parse (~11 ms per MB) is then short and done beside ClickHouse's last query, and the worker
 * leaves the first second's cores to the queries (with the databases on the machine's two cores,
 * 100k organizations and a 4.5 MB cache: the queries ended ~170 ms sooner, median of 10 pairs).
 * A larger one (a million organizations: 45 MB, ~0.5 s) is read ahead so it is done before
 * ClickHouse answers (read after the ids there, the queries ended ~300 ms later). A fetch always
 * starts ahead, and lists Stripe's objects at once, before the ids: it waits on Stripe, not on a
 * core.
 */
export const READ_AHEAD_ABOVE_BYTES = 8 * 1024 * 1024;

/** A revenue worker, prepared before the queries, started during them, given the ids last. */
export interface RevenueWorker {
  /**
   * Starts the worker ahead of the ids when it has a fetch to make or a cache above
   * READ_AHEAD_ABOVE_BYTES to read (meanwhile); load() starts it otherwise.
   */
  startAhead(): void;
  /** whether the worker was started (by startAhead or load) */
  readonly started: boolean;
  /** The customer ids to load for, a text column (once per worker; kept to name the answer's rows). */
  load(customerIds: pl.Series): void;
  /** The revenue, once the worker has answered; rejects with its error, of the same kind. */
  readonly result: Promise<RevenueResult>;
  /** Settles (never rejects) once the worker has answered or was closed: its memory is gone. */
  readonly answered: Promise<void>;
  /** Ends the worker (done, failed elsewhere), or the promise of one never given its ids. */
  close(): void;
  /** close(), for `using`. */
  [Symbol.dispose](): void;
}

/**
 * A revenue worker for a live run, started by load(). The settings are read here, so a bad
 * variable fails at once (a UserError naming it), before any query runs.
 */
export function prepareRevenueWorker(
  options: Omit<RevenueStageOptions, "demo"> & {
    /** READ_AHEAD_ABOVE_BYTES, unless a test sets it */
    readAheadAboveBytes?: number;
    /** once aborted, the worker is ended and `result` rejects with the signal's reason */
    signal?: AbortSignal;
  },
): RevenueWorker {
  const { signal } = options;
  const revenueOptions = liveRevenueOptions(options);
  const readAheadAbove = options.readAheadAboveBytes ?? READ_AHEAD_ABOVE_BYTES;
  const { promise, resolve, reject } = Promise.withResolvers<RevenueResult>();
  promise.catch(() => {}); // awaited by the revenue stage; a failure meanwhile must not go unhandled
  let worker: Worker | undefined;
  let asked: pl.Series | undefined;
  // the ids the worker's cache knows (told once it is read), which the ids asked for are matched
  // against; the ids wait for them
  let known: KnownIds | undefined;
  const send = () => {
    if (!worker || !asked || !known) return;
    const matched = matchedIds(asked, known);
    const transfer = [matched.places.buffer as ArrayBuffer];
    if ("lengths" in matched.others) transfer.push(matched.others.lengths.buffer as ArrayBuffer);
    worker.postMessage({ customerIds: matched } satisfies WorkerJob, transfer);
  };
  let settled = false;
  const settle = (outcome: () => void) => {
    worker?.terminate(); // the isolate's heap (the parsed cache, the Map) goes with it
    if (settled) return;
    settled = true;
    signal?.removeEventListener("abort", onAbort);
    outcome();
  };
  const onAbort = () => settle(() => reject(signal!.reason));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  const start = () => {
    if (worker || settled) return; // started, or closed before it was
    const started = new Worker(new URL("./worker_entry.ts", import.meta.url), { type: "module" });
    worker = started;
    started.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if ("known" in reply) {
        known = reply.known;
        try {
          return send();
        } catch (error) {
          return settle(() => reject(error));
        }
      }
      if ("error" in reply) {
        const { message, userError } = reply.error;
        return settle(() => reject(userError ? new UserError(message) : new Error(message)));
      }
      settle(() => {
        try {
          const ids = gathered(asked!, reply.positions);
          resolve(revenueWithCustomers(reply.meta, customersFrameWithIds(reply.columns, ids)));
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
    startAhead() {
      const cacheBytes = todaysCacheBytes(revenueOptions);
      if (cacheBytes === null || cacheBytes > readAheadAbove) start();
    },
    get started() {
      return worker !== undefined;
    },
    load(customerIds) {
      if (loading) throw new Error("a revenue worker loads once");
      loading = true;
      start();
      if (!worker) return; // closed before
      asked = customerIds;
      send(); // now, or once the worker has told the ids it knows
    },
    result: promise,
    answered: promise.then(() => {}, () => {}),
    close,
    [Symbol.dispose]: close,
  };
}

/**
 * The ids of a text column as sent to the worker (worker_ids.ts): one string and each id's
 * length, made by Polars, or the ids themselves when a length in characters is not the JS one.
 */
export function sentIds(customerIds: pl.Series): SentIds {
  const ids = pl.DataFrame([customerIds.alias("id")]);
  // (two selects: in one, the one joined row would stand beside every length)
  const joined = ids.select(pl.col("id").str.concat("")).getColumn("id");
  const lengths = ids.select(pl.col("id").str.lengths()).getColumn("id").toTypedArray();
  // no ids: no joined row
  const text = (joined.length === 0 ? "" : joined.get(0) ?? "") as string;
  return lengthsCutWhole(text, lengths as Uint32Array)
    ? { joined: text, lengths: lengths as Uint32Array }
    : { ids: customerIds.toArray() as string[] };
}

/**
 * `customerIds` as sent to the worker: each one's place among the ids `known` (NOT_KNOWN when not
 * there) and the others as sentIds. At 200k ids against 200k known ones: ~50–65 ms (the known
 * ids cut by Polars, a left join), where the worker saves ~120–165 ms of hashing.
 */
export function matchedIds(customerIds: pl.Series, known: KnownIds): MatchedIds {
  const place = pl.col("place");
  const knownIds = pl.DataFrame({ id: [known.joined] }).lazy()
    .select(pl.col("id").str.split("\n")).explode("id").head(known.count).withRowIndex("place");
  const matched = pl.DataFrame([customerIds.alias("id")]).lazy()
    .join(knownIds, { on: "id", how: "left", maintainOrder: "left" } as never)
    .collectSync();
  const places = matched.select(place.fillNull(NOT_KNOWN).cast(pl.UInt32))
    .getColumn("place").toTypedArray() as Uint32Array;
  const others = matched.filter(place.isNull()).getColumn("id");
  return { places, others: sentIds(others) };
}

/** The ids at `positions` in `customerIds`. */
function gathered(customerIds: pl.Series, positions: Uint32Array): pl.Series {
  return pl.DataFrame([customerIds.alias("id")])
    .select(pl.col("id").gather(pl.Series("positions", positions)))
    .getColumn("id");
}
