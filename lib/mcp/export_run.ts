/**
 * run_export's runs: one export at a time, shared by the requests for its window that arrive
 * while it runs (another window is refused: a request must never be answered with a run it did
 * not ask for). A run is stopped — its queries cancelled, its staging folder removed, nothing
 * published (lib/export.ts) — when the server stops, or when every request joined to it has gone
 * (cancelled by its client, or timed out, which the client sends as a cancel): a cancelled export
 * ran on to the end and wrote its files, while its client saw only "Request timed out". Once its
 * files begin to move into the folder it is published whole, whoever is left waiting.
 */
import { UserError } from "../core/config.ts";
import { untilAborted } from "../core/abort.ts";
import type { ExportOptions } from "../core/types.ts";

/** A step of a run under way, for MCP progress notifications: step of steps, what it does. */
export interface ExportProgress {
  step: number;
  steps: number;
  message: string;
}

/** What a run reports as it goes (each request sharing it hears it from when it joined). */
export type ExportProgressListener = (progress: ExportProgress) => void;

/** The steps a run reports, in order: a production export takes minutes. */
const STEPS = [
  "querying the databases (or building the demo dataset)",
  "joining the query results",
  "reading revenue",
  "computing the metrics and economics",
  "writing the files",
  "reading the new export back",
] as const;

/**
 * The export's hooks that report its steps to `report`: a stage's start (lib/export.ts's timed
 * stages), the files' writing once the metrics are done, the read back once they are published.
 * Only the stage names are read (its events carry frames, not kept).
 */
export function progressHooks(
  report: ExportProgressListener,
): Pick<ExportOptions, "onStageTime" | "onStage"> {
  const step = (index: number) =>
    report({ step: index + 1, steps: STEPS.length, message: STEPS[index] });
  const starts: Record<string, number> = { queries: 0, join: 1, revenue: 2, metrics: 3 };
  return {
    onStageTime: (name, phase) => {
      if (phase === "start" && name in starts) step(starts[name]);
      if (phase === "end" && name === "metrics") step(4);
    },
    onStage: (event) => {
      if (event.stage === "files") step(5);
    },
  };
}

/** One run under way. */
interface Run<T> {
  windowDays: number;
  result: Promise<T>;
  /** aborted once no request waits for it any more */
  stop: AbortController;
  /** requests waiting for it that have not gone */
  requests: number;
  /** the progress listeners of those requests that asked for progress */
  listeners: Set<ExportProgressListener>;
  settled: boolean;
}

/** Why a run was stopped when the last request waiting for it went. */
const NO_REQUEST_LEFT = "every request for it was cancelled or timed out";

/** The runs of one exports folder; `T` is what a run answers (lib/mcp/dataset.ts ExportRun). */
/**
 * A request for an export: `request` is its signal (aborted when the request goes), `onProgress`
 * hears the run's steps while it waits.
 */
export interface ExportRequest {
  request?: AbortSignal;
  onProgress?: ExportProgressListener;
}

export class ExportRuns<T> {
  #run: Run<T> | null = null;

  /**
   * `start` runs one export over `windowDays` until `signal` aborts, telling `progress` its steps;
   * `serverSignal` is the server's stop (its first SIGINT/SIGTERM, the session's end).
   */
  constructor(
    readonly start: (
      windowDays: number,
      run: { signal: AbortSignal; progress: ExportProgressListener },
    ) => Promise<T>,
    readonly serverSignal?: AbortSignal,
  ) {}

  /** The window of the export under way, if one is (tests wait on it). */
  get windowDays(): number | null {
    return this.#run?.windowDays ?? null;
  }

  /** Requests waiting for the export under way that have not gone (tests wait on it). */
  get requests(): number {
    return this.#run?.requests ?? 0;
  }

  /**
   * The export over `windowDays`: the run under way for that window, else a new one. `request`
   * is the asking request's signal: once it aborts this answers at once, and the run stops if no
   * other request is waiting for it. `onProgress` hears the run's steps while this request waits.
   */
  async join(
    windowDays: number,
    { request, onProgress }: ExportRequest = {},
  ): Promise<T> {
    if (this.serverSignal?.aborted) {
      throw new UserError("the server is stopping: no new export; start it again to export");
    }
    // a run being stopped (its requests gone) is let finish stopping, then a new one starts
    while (this.#run?.stop.signal.aborted) await this.#run.result.catch(() => {});
    request?.throwIfAborted();
    if (this.#run && this.#run.windowDays !== windowDays) {
      throw new UserError(
        `an export over a ${this.#run.windowDays}-day window is under way; ask for the ` +
          `${windowDays}-day one again once it has finished`,
      );
    }
    const run = this.#run ??= this.#begin(windowDays);
    run.requests++;
    if (onProgress) run.listeners.add(onProgress);
    let gone = false;
    const leave = () => {
      if (gone) return;
      gone = true;
      if (onProgress) run.listeners.delete(onProgress);
      run.requests--;
      if (run.requests === 0 && !run.settled) run.stop.abort(new Error(NO_REQUEST_LEFT));
    };
    request?.addEventListener("abort", leave, { once: true });
    try {
      return await untilAborted(run.result, request);
    } finally {
      request?.removeEventListener("abort", leave);
      leave(); // (answered: the run has settled, nothing to stop)
    }
  }

  #begin(windowDays: number): Run<T> {
    const stop = new AbortController();
    const signal = this.serverSignal
      ? AbortSignal.any([this.serverSignal, stop.signal])
      : stop.signal;
    const run: Run<T> = {
      windowDays,
      stop,
      requests: 0,
      listeners: new Set(),
      settled: false,
      result: null!,
    };
    // (a listener's failure, a client gone, is no failure of the run)
    const progress = (step: ExportProgress) => {
      for (const listener of run.listeners) {
        try {
          listener(step);
        } catch { /* the request's own affair */ }
      }
    };
    run.result = (async () => {
      try {
        return await this.start(windowDays, { signal, progress }).catch((error) => {
          if (this.serverSignal?.aborted) {
            throw new UserError("the server is stopping: the export was stopped, no file written");
          }
          if (stop.signal.aborted) {
            throw new UserError(`the export was stopped (${NO_REQUEST_LEFT}): no file written`);
          }
          throw error;
        });
      } finally {
        run.settled = true;
        if (this.#run === run) this.#run = null;
      }
    })();
    run.result.catch(() => {}); // (each request awaits it; none may be left)
    return run;
  }

  /** Settles once no export is under way (its files published or its staging removed). */
  async settled(): Promise<void> {
    await this.#run?.result.catch(() => {});
  }
}
