/**
 * One pipeline run per (days, as_of) at a time, shared by every request that asks for it while it
 * runs, and kept for a TTL afterwards (like Helicone's 1-hour cache). Formats and segments are cut
 * from the same data, so a CSV, an XLSX and the page's report share one run.
 *
 * A request without an as_of ("now") gets the latest run of its window started without one while
 * that is fresh, else a new run pinned to the clock when it starts. Every run is kept under the
 * instant it was pinned to, so a request naming that instant (the page's Export of the report on
 * screen) gets the same run; once it has left the cache it is run again for that instant.
 *
 * A failed run is not cached: the requests waiting on it get the error, the next one tries again.
 * A degraded run (it finished, but lost part of its data: Stripe unreachable, revenue missing) is
 * kept for a short time only (`degradedTtlMs`): long enough that the report on screen and its
 * Export share it, short enough that a look after the outage reads again instead of serving the
 * missing revenue for the cache's hour.
 *
 * A run whose every waiter has gone (each request's signal aborted: the page's Show aborts its
 * earlier fetch) goes on, so the next request for its window gets it from the cache, unless a new
 * run needs its slot: then the oldest such run is stopped (its signal aborted) and, once it has
 * settled, the new run starts. Only runs someone waits for make a request wait for a slot (503).
 *
 * A finished run leaves the cache when its TTL ends, whether or not a request comes: the server
 * runs for days, and a run read once at a million organizations (its frame, the CSV and workbook
 * bytes its downloads share) was held past its hour until four newer runs pushed it out.
 */
import type { PricingData } from "../export.ts";

export interface RunRequest {
  days: number;
  /** null = now, pinned when the run starts */
  asOf: Date | null;
}

/**
 * What a run loads: the window, its end pinned; `signal` aborts when the run is stopped. The
 * loader keeps `progress` up to date (the page shows it while the run goes on).
 */
export type LoadData = (
  request: { days: number; asOf: Date; signal: AbortSignal; progress: RunProgress },
) => Promise<PricingData>;

/** How far a run in flight is: what the page's progress line says. */
export interface RunProgress {
  /** the stage under way (lib/export.ts's stage timer names); null before the first starts */
  stage: string | null;
  /** organizations in the run, once its organizations query is read */
  organizations: number | null;
}

/** How a request asks for its run. */
export interface GetOptions {
  /** past the cache: a new run unless one is in flight */
  refresh?: boolean;
  /** the request's: once it aborts the request no longer waits (see get) */
  signal?: AbortSignal;
  /** a name the request's client chose: while it waits, progressOf(watcher) is its run's */
  watcher?: string;
}

export interface RunCacheOptions {
  /** how long a finished run is served from memory; 0 = not kept */
  ttlMs: number;
  /** whether a finished run is degraded (lost part of its data); none is by default */
  degraded?: (data: PricingData) => boolean;
  /** how long a degraded run is served from memory, at most `ttlMs`; 0 = not kept */
  degradedTtlMs?: number;
  /** distinct runs at once; more are refused with {@link BusyError} (each holds connections) */
  maxRuns: number;
  /** finished runs kept (oldest dropped first) */
  maxEntries?: number;
  now?: () => number;
  /** told when a finished run left the cache at its TTL's end (the server collects its frames) */
  onExpired?: () => void;
}

/**
 * How long the server reuses a run whose Stripe revenue failed (at most the cache's TTL): the
 * report on screen and its Export share it, and the page's Fetch again (refresh=1) reads at once.
 */
export const DEGRADED_RUN_TTL_MS = 60_000;

export type CacheStatus = "hit" | "shared" | "miss" | "refresh";

export interface RunResult<T> {
  data: PricingData;
  /** per-run memo (the page's summary and charts): computed once per run, not per request */
  memo: Map<string, T>;
  status: CacheStatus;
  /** when the run finished (epoch ms) */
  finishedAt: number;
}

/** Too many distinct runs in flight: answered with 503 and Retry-After (its message says when). */
export class BusyError extends Error {
  override name = "BusyError";
}

/** The reason a run nobody waited for was stopped: a new run needed its slot. */
export class RunStoppedError extends Error {
  override name = "RunStoppedError";
}

/** A run in flight and the requests waiting on it. */
interface Flight<T> {
  run: Promise<Entry<T>>;
  stop: AbortController;
  waiters: number;
  progress: RunProgress;
  /** the watcher names of the requests waiting on it */
  watchers: Set<string>;
}

interface Entry<T> {
  data: PricingData;
  memo: Map<string, T>;
  finishedAt: number;
  /** how long it is served from memory after finishedAt (shorter for a degraded run) */
  ttlMs: number;
  /** drops it at its TTL's end (cleared when it leaves the cache before) */
  expiry?: ReturnType<typeof setTimeout>;
}

export class RunCache<T = unknown> {
  readonly #load: LoadData;
  readonly #ttlMs: number;
  readonly #degraded: (data: PricingData) => boolean;
  readonly #degradedTtlMs: number;
  readonly #maxRuns: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #onExpired: () => void;
  /** runs in flight, by pinned key */
  readonly #inFlight = new Map<string, Flight<T>>();
  /** finished runs, by pinned key (Map order is the eviction order) */
  readonly #done = new Map<string, Entry<T>>();
  /** by days: the pinned key of the latest run started for "now", in flight or finished */
  readonly #latestNow = new Map<number, string>();
  #joined = 0;

  constructor(load: LoadData, options: RunCacheOptions) {
    this.#load = load;
    this.#ttlMs = options.ttlMs;
    this.#degraded = options.degraded ?? (() => false);
    this.#degradedTtlMs = Math.min(options.degradedTtlMs ?? options.ttlMs, options.ttlMs);
    this.#maxRuns = options.maxRuns;
    this.#maxEntries = options.maxEntries ?? 4;
    this.#now = options.now ?? Date.now;
    this.#onExpired = options.onExpired ?? (() => {});
  }

  /** The key of a run: its window with the end pinned. */
  static key(days: number, asOf: Date): string {
    return `${days}|${asOf.toISOString()}`;
  }

  /** Runs in flight (for /healthz and tests). */
  get running(): number {
    return this.#inFlight.size;
  }

  /** Finished runs held (tests count them). */
  get cached(): number {
    return this.#done.size;
  }

  /** Requests so far that joined a run already in flight (tests wait on it, not on time). */
  get joined(): number {
    return this.#joined;
  }

  /** The finished run under `key` while within the TTL. */
  #fresh(key: string | undefined): Entry<T> | undefined {
    if (key === undefined) return undefined;
    const cached = this.#done.get(key);
    if (cached && this.#now() - cached.finishedAt >= cached.ttlMs) {
      this.#drop(key);
      return undefined;
    }
    return cached;
  }

  /** Lets the finished run under `key` go, its expiry timer with it. */
  #drop(key: string): void {
    clearTimeout(this.#done.get(key)?.expiry);
    this.#done.delete(key);
  }

  /** Keeps `entry` under `key` (newest last) until its TTL ends or newer runs push it out. */
  #keep(key: string, entry: Entry<T>): void {
    this.#drop(key); // re-insert: Map order is the eviction order
    this.#done.set(key, entry);
    for (const oldest of this.#done.keys()) {
      if (this.#done.size <= this.#maxEntries) break;
      this.#drop(oldest);
    }
    this.#expireAt(key, entry, entry.ttlMs);
  }

  /**
   * Drops `entry` in `ms`, once the cache's clock says its TTL has ended (a test's clock moves by
   * hand: the timer then looks again later). Unref'd: a cached run keeps no stopping process up.
   */
  #expireAt(key: string, entry: Entry<T>, ms: number): void {
    entry.expiry = setTimeout(() => {
      if (this.#done.get(key) !== entry) return;
      const left = entry.finishedAt + entry.ttlMs - this.#now();
      if (left > 0) return this.#expireAt(key, entry, left);
      this.#done.delete(key);
      this.#onExpired();
    }, ms);
    Deno.unrefTimer(entry.expiry);
  }

  /**
   * The run a request that named `watcher` waits on, and how far it is; null when that request
   * waits on none (not arrived yet, answered from the cache, or done waiting).
   */
  progressOf(watcher: string): RunProgress | null {
    for (const flight of this.#inFlight.values()) {
      if (flight.watchers.has(watcher)) return { ...flight.progress };
    }
    return null;
  }

  /**
   * The data for `request`: from the cache when fresh (unless `refresh`), else from the run in
   * flight, else from a new run. `signal` is the request's: once it aborts the request no longer
   * waits (this rejects with its reason), and a run left with no waiter may be stopped.
   */
  async get(request: RunRequest, options: GetOptions = {}): Promise<RunResult<T>> {
    const { refresh = false, signal } = options;
    signal?.throwIfAborted();
    const key = request.asOf === null
      ? this.#latestNow.get(request.days)
      : RunCache.key(request.days, request.asOf);
    const cached = this.#fresh(key);
    if (cached && !refresh) return { ...cached, status: "hit" };
    // A run in flight started after any cached result, so even a refresh joins it.
    const running = key === undefined ? undefined : this.#inFlight.get(key);
    if (running && !running.stop.signal.aborted) {
      this.#joined++;
      return { ...await this.#wait(running, options), status: "shared" };
    }
    if (running || this.#inFlight.size >= this.#maxRuns) {
      // the slot (or this very key's stopped run) frees once a stopped run has settled
      const stopped = running ?? this.#stopAbandoned();
      if (!stopped) {
        throw new BusyError(
          `${this.#inFlight.size} export${
            this.#inFlight.size === 1 ? " is" : "s are"
          } already running`,
        );
      }
      await stopped.run.catch(() => {});
      return await this.get(request, options);
    }
    const asOf = request.asOf ?? new Date(this.#now());
    const pinned = RunCache.key(request.days, asOf);
    if (request.asOf === null) this.#latestNow.set(request.days, pinned);
    // (a "now" pinned to the very instant another request named joins that request's run)
    const flight = this.#inFlight.get(pinned) ?? this.#start(pinned, { days: request.days, asOf });
    return { ...await this.#wait(flight, options), status: refresh ? "refresh" : "miss" };
  }

  /** The run's entry, or the request's abort: a waiter that leaves is no longer counted. */
  async #wait(flight: Flight<T>, { signal, watcher }: GetOptions): Promise<Entry<T>> {
    flight.waiters++;
    if (watcher !== undefined) flight.watchers.add(watcher);
    let leave = () => {};
    const left = new Promise<never>((_, reject) => {
      leave = () => reject(signal?.reason);
      signal?.addEventListener("abort", leave, { once: true });
    });
    try {
      return await Promise.race([flight.run, left]);
    } finally {
      signal?.removeEventListener("abort", leave);
      flight.waiters--;
      if (watcher !== undefined) flight.watchers.delete(watcher);
    }
  }

  /** Stops the oldest run nobody waits for (returned), or returns undefined when there is none. */
  #stopAbandoned(): Flight<T> | undefined {
    for (const flight of this.#inFlight.values()) {
      if (flight.waiters === 0 && !flight.stop.signal.aborted) {
        flight.stop.abort(
          new RunStoppedError("stopped: nobody waited for it and a new run needed its slot"),
        );
        return flight;
      }
    }
    return undefined;
  }

  #start(key: string, request: { days: number; asOf: Date }): Flight<T> {
    const stop = new AbortController();
    const progress: RunProgress = { stage: null, organizations: null };
    const run = (async () => {
      try {
        const data = await this.#load({ ...request, signal: stop.signal, progress });
        const ttlMs = this.#degraded(data) ? this.#degradedTtlMs : this.#ttlMs;
        const entry: Entry<T> = { data, memo: new Map(), finishedAt: this.#now(), ttlMs };
        if (ttlMs > 0) this.#keep(key, entry);
        return entry;
      } finally {
        this.#inFlight.delete(key);
      }
    })();
    // a run every waiter has left may fail with nobody awaiting it
    run.catch(() => {});
    const flight: Flight<T> = { run, stop, waiters: 0, progress, watchers: new Set() };
    this.#inFlight.set(key, flight);
    return flight;
  }
}
