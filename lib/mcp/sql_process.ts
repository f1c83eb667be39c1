/**
 * query_sql's statements over frames run in a process of their own, so a runaway can be stopped:
 * Polars cannot cancel a query, and in this process one cross join of the export (a million
 * organizations squared) grew past 5 GB and took the MCP server — and `deno task serve`'s export
 * endpoint with it — down. The process is killed when a statement passes its deadline or its
 * memory cap, or when it does not start within the statement's start limit; the next statement
 * starts a new one.
 *
 * Each frame reaches the process once, as an LZ4 Parquet file in a private temporary folder (~0.9 s
 * and +70 MB at a million rows; Polars' IPC writer copies the whole frame first), which the process
 * scans lazily: a statement reads only the columns it names. Deno lets the process read Polars'
 * own package files and nothing else (no writes, network or subprocesses). Polars' native code is
 * not bound by Deno's permissions (its read_csv('/any/file') reads what the user may), so the
 * process checks each statement itself as well, on top of the server's gate: the gate again, and
 * any read_… or scan_… call named anywhere in the text, even inside a string, is refused (refusal).
 *
 * This file is the server's side: queueing statements, writing the frames' files, stopping a
 * runaway; lib/mcp/sql_launch.ts starts the process. The process itself is lib/mcp/sql_child.ts;
 * what passes between them (one JSON line per statement on stdin, one per answer on stdout) is
 * lib/mcp/sql_protocol.ts.
 */
import pl from "nodejs-polars";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tempWriteFailure } from "../formats/files.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { ownerTag, ownerTagState } from "../formats/staging.ts";
import { type Answer, type FrameSqlLimits, readAnswer, type Request } from "./sql_protocol.ts";
import { type Running, startSqlProcess } from "./sql_launch.ts";
import { EXIT_DEADLINE, EXIT_MEMORY, watchMemory } from "./process_limits.ts";

/**
 * Why a statement was stopped: its process did not start within its start limit (it never ran),
 * it ran past its deadline or its memory cap, or its request was cancelled (its signal aborted).
 */
export class FrameSqlStopped extends Error {
  constructor(readonly reason: "start" | "deadline" | "memory" | "cancelled") {
    super(`the statement was stopped (${reason})`);
  }
}

/**
 * Statements waiting beyond the one running: more are refused. Sized for a model's parallel calls
 * (Claude sends several at once; four refused the sixth of a burst the queue emptied in
 * milliseconds), bounded since each may run to its deadline; a waiting one also gives up after
 * WAIT_DEADLINES of its deadlines (FrameSqlWaited), so none waits for ever.
 */
export const MAX_WAITING = 16;

/**
 * A waiting statement gives up after this many of its deadlines without its turn: one for a
 * statement running to its deadline ahead of it (a runaway, killed at its deadline, must not take
 * the quick ones that arrived just after it along), one for the others ahead; a queue of runaways
 * does not hold a call for minutes. They are counted in the time statements ahead of it run (see
 * FrameSqlProcess's run clock), not in the time the frames ahead of them take to load.
 */
export const WAIT_DEADLINES = 2;

const encoder = new TextEncoder();

/**
 * A statement's limits on the server's side: those the process keeps too (FrameSqlLimits), and
 * how long a process started for it may take to say it is ready.
 */
export interface FrameSqlQueryLimits extends FrameSqlLimits {
  /**
   * from the process's spawn to its ready line, when one must start for the statement: its
   * deadline runs only from then, so without this a start that stalls (a stuck disk under
   * Polars' native library, a machine swapping) would hold the statement, and those waiting
   * behind it, until the client gives up
   */
  startMs: number;
}

/**
 * A table too large to hold whole in the server, given as its pieces, made one at a time: each is
 * written to a file of its own and dropped before the next is made; the process reads the files
 * as one table. The history table of twelve 1M-organization snapshots, put together in
 * memory, held the server at ~6.5 GB for its life and peaked at 11.6 GB (bench/mcp_scale.ts).
 */
export interface PiecewiseTable {
  pieces: () => Iterable<pl.DataFrame>;
}

/** Frames (or piecewise tables) by table name. */
export type Tables = Record<string, pl.DataFrame | PiecewiseTable>;

/** What a statement's request brings: its cancel, and who hears its progress (MCP progress). */
export interface FrameSqlHooks {
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

/**
 * The statements' process and the frames' files: started at the first statement, one statement at
 * a time, killed (and started again at the next) when one passes its deadline or memory cap.
 */
export class FrameSqlProcess {
  #running: Running | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  /** statements queued or running */
  #pending = 0;
  /** bumped by close(): statements queued before it are refused, not run in a new process */
  #generation = 0;
  #dir: string | null = null;
  #files = new WeakMap<pl.DataFrame | PiecewiseTable, string | string[]>();
  #fileCount = 0;
  /** a frame's file goes when the frame does */
  #collected = new FinalizationRegistry<string | string[]>((paths) => {
    for (const path of [paths].flat()) Deno.remove(path).catch(() => {});
  });
  /**
   * The run clock, what a waiting statement's WAIT_DEADLINES are counted in: the time statements
   * have held the process, starting it (under their start limit) or running (under their
   * deadline), summed (ms). A start counts: one that stalls would otherwise hold every statement
   * behind it past any bound (a normal start, 0.3–0.5 s on a loaded machine, takes little of
   * 2 × 30 s). Not the wall clock: the frames' loading and files, before that, are the server's
   * own work (ten seconds for the demo export on a loaded machine, which took the waiting
   * statement's two seconds while its own clock had not started), and a stopped process's
   * unwinding is not the statement's running either.
   */
  #ranMs = 0;
  /** when the running statement's clock started; undefined while none runs */
  #runningSince: number | undefined;
  /** the waiting statements' checks, told when the run clock starts or stops */
  #clockWatchers = new Set<() => void>();

  #ran(): number {
    const running = this.#runningSince === undefined ? 0 : performance.now() - this.#runningSince;
    return this.#ranMs + running;
  }

  #runClock(running: boolean): void {
    if (running === (this.#runningSince !== undefined)) return;
    if (running) this.#runningSince = performance.now();
    else {
      this.#ranMs = this.#ran();
      this.#runningSince = undefined;
    }
    for (const watcher of [...this.#clockWatchers]) watcher();
  }

  /** Statements waiting behind the running one (tests wait on it). */
  get waiting(): number {
    return Math.max(0, this.#pending - 1);
  }

  /** The running process's id (tests check that a stopped statement ended it). */
  get pid(): number | undefined {
    return this.#running?.child.pid;
  }

  /**
   * Runs one statement (already checked by the gate) over the frames, by table name. Rejects with
   * FrameSqlStopped past the limits (`limits.startMs` for a process started for it, then
   * `limits.timeoutMs` for its run), with FrameSqlBusy when MAX_WAITING already wait, and with
   * FrameSqlWaited when its turn has not come within WAIT_DEADLINES of its deadline (counted
   * in the run clock). At most, then: its wait, its process's start and its run. The frames
   * may still be loading: the statement's place in the queue is taken now (first come, first
   * served), and a failure to load them is its answer. Once `signal` aborts (the request was
   * cancelled) it rejects with FrameSqlStopped("cancelled") at once: waiting, it leaves the queue
   * (it no longer counts toward MAX_WAITING and never runs); running, its process is killed.
   * `onProgress` hears how many are ahead of it on arrival (when any are) and its run's start.
   */
  query(
    tables: Tables | Promise<Tables>,
    sql: string,
    limits: FrameSqlQueryLimits,
    { signal, onProgress }: FrameSqlHooks = {},
  ): Promise<Answer> {
    if (signal?.aborted || this.waiting >= MAX_WAITING) {
      Promise.resolve(tables).catch(() => {}); // (refused: its failure is nobody's)
      if (signal?.aborted) return Promise.reject(new FrameSqlStopped("cancelled"));
      return Promise.reject(new FrameSqlBusy(this.waiting));
    }
    const ahead = this.#pending;
    this.#pending++;
    if (ahead > 0) {
      onProgress?.(
        `waiting for its turn: ${ahead} ${
          ahead === 1 ? "query" : "queries"
        } ahead (one runs at a time)`,
      );
    }
    let counted = true;
    const leave = () => {
      if (counted) this.#pending--;
      counted = false;
    };
    const generation = this.#generation;
    // settled once the statement has left the queue unrun (cancelled, or past its deadline)
    let left = false;
    let waitTimer: ReturnType<typeof setTimeout> | undefined;
    let watchWait: (() => void) | undefined;
    const stopWaiting = () => {
      clearTimeout(waitTimer);
      if (watchWait) this.#clockWatchers.delete(watchWait);
    };
    const turn = this.#queue.then(() => {
      stopWaiting();
      if (generation !== this.#generation) throw new Error("the SQL process was closed");
      // (its place already left)
      if (left || signal?.aborted) throw new FrameSqlStopped("cancelled");
      onProgress?.(`running (at most ${limits.timeoutMs / 1000} s)`);
      return this.#run(tables, sql, { limits, signal });
    }).finally(leave);
    this.#queue = turn.catch(() => {});
    // a cancelled statement answers now, not when its turn would have come; so does one that
    // waited past its deadline for its turn
    return new Promise<Answer>((resolve, reject) => {
      const leaveUnrun = (error: Error) => {
        if (left) return;
        left = true;
        stopWaiting();
        leave();
        reject(error);
      };
      const cancelled = () => leaveUnrun(new FrameSqlStopped("cancelled"));
      signal?.addEventListener("abort", cancelled, { once: true });
      const arrived = performance.now();
      const waitEnds = this.#ran() + limits.timeoutMs * WAIT_DEADLINES;
      // a timer for the rest of its wait while the run clock goes, none while it stands
      watchWait = () => {
        clearTimeout(waitTimer);
        const rest = waitEnds - this.#ran();
        if (rest <= 0) {
          // the others queued or running as it gives up
          const others = Math.max(0, this.#pending - 1);
          leaveUnrun(new FrameSqlWaited(performance.now() - arrived, others));
        } else if (this.#runningSince !== undefined) waitTimer = setTimeout(watchWait!, rest);
      };
      this.#clockWatchers.add(watchWait);
      watchWait();
      turn.then(resolve, reject).finally(() => {
        stopWaiting();
        signal?.removeEventListener("abort", cancelled);
      });
    });
  }

  async #run(
    tables: Tables | Promise<Tables>,
    sql: string,
    { limits: { startMs, ...limits }, signal }: {
      limits: FrameSqlQueryLimits;
      signal?: AbortSignal;
    },
  ): Promise<Answer> {
    const request: Request = { sql, tables: {}, ...limits };
    for (const [name, frame] of Object.entries(await tables)) {
      request.tables[name] = await this.#fileOf(frame);
    }
    if (signal?.aborted) throw new FrameSqlStopped("cancelled"); // (while its tables loaded)
    const running = this.#running ??= startSqlProcess();
    await running.stdin.write(encoder.encode(JSON.stringify(request) + "\n")).catch(() => {});
    let stopped: FrameSqlStopped | null = null;
    const stop = (reason: FrameSqlStopped["reason"]) => {
      if (stopped) return;
      stopped = new FrameSqlStopped(reason);
      this.#runClock(false);
      this.#end(running);
    };
    let deadline: ReturnType<typeof setTimeout> | undefined;
    let starting: ReturnType<typeof setTimeout> | undefined;
    // Polars cannot cancel a statement: a cancelled one's process is killed, as past its deadline
    const cancelled = () => stop("cancelled");
    signal?.addEventListener("abort", cancelled, { once: true });
    if (signal?.aborted) cancelled(); // (aborted while the statement was written)
    const unwatch = watchMemory(running.child.pid, {
      maxMb: limits.maxMb,
      onOver: () => stop("memory"),
    });
    try {
      // its deadline runs from its start in the process, not from the process's own start
      // (seconds on a loaded machine, which took a quick statement's whole deadline); the start
      // has a limit of its own (a ready process's start is over: the timer goes at once)
      if (!stopped) {
        this.#runClock(true);
        starting = setTimeout(() => stop("start"), startMs);
      }
      await running.ready;
      clearTimeout(starting);
      if (!stopped) deadline = setTimeout(() => stop("deadline"), limits.timeoutMs);
      const line = await running.nextLine();
      return readAnswer(line);
    } catch (error) {
      if (stopped) throw stopped;
      this.#end(running);
      // it may have stopped the statement itself (its guards see the same limits)
      const { code } = await running.child.status;
      if (code === EXIT_MEMORY) throw new FrameSqlStopped("memory");
      if (code === EXIT_DEADLINE) throw new FrameSqlStopped("deadline");
      const said = running.stderr().trim().split("\n").pop();
      throw new Error(`the SQL process ended without an answer${said ? `: ${said}` : ""}`, {
        cause: error,
      });
    } finally {
      this.#runClock(false);
      clearTimeout(starting);
      clearTimeout(deadline);
      signal?.removeEventListener("abort", cancelled);
      await unwatch();
    }
  }

  /** The frame's Parquet file (a piecewise table's files), written at its first statement. */
  async #fileOf(frame: pl.DataFrame | PiecewiseTable): Promise<string | string[]> {
    const written = this.#files.get(frame);
    if (written) return written;
    if (!this.#dir) {
      // the folders of servers killed while they held one (up to hundreds of MB) go first
      removeDeadSqlFolders();
      let dir: string;
      try {
        dir = this.#dir = Deno.makeTempDirSync({ prefix: `${SQL_FOLDER_PREFIX}${ownerTag()}-` });
      } catch (error) {
        throw tempWriteFailure(error, { what: "the table query_sql reads", dir: tmpdir() });
      }
      globalThis.addEventListener("unload", () => {
        try {
          Deno.removeSync(dir, { recursive: true });
        } catch { /* gone */ }
      });
    }
    const path = join(this.#dir, `table-${++this.#fileCount}.parquet`);
    // sinkParquet encodes slice by slice: writeParquet first copied a frame read back in pieces
    // whole (+460 MB for a million rows, +70 MB so)
    let files: string | string[] = path;
    if ("pieces" in frame) files = await writePieces(frame, path);
    else await sinkTable(frame.lazy(), path);
    this.#files.set(frame, files);
    this.#collected.register(frame, files);
    return files;
  }

  #end(running: Running) {
    if (this.#running === running) this.#running = null;
    try {
      running.child.kill("SIGKILL");
    } catch { /* already gone */ }
    running.stdin.close().catch(() => {});
  }

  /** Ends the process and removes the frames' files (the server's end; tests). */
  async close(): Promise<void> {
    this.#generation++;
    const running = this.#running;
    if (running) {
      this.#end(running);
      running.child.ref(); // (unref'd while it served: its end is awaited now)
      await running.ended;
    }
    if (this.#dir) await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
    this.#dir = null;
    this.#files = new WeakMap();
  }
}

/** The frames' Parquet folders in the temporary folder: `pricing-kit-sql-<ownerTag>-<random>`. */
const SQL_FOLDER_PREFIX = "pricing-kit-sql-";

/**
 * Removes the frames' folders whose server is no longer alive (a server killed while serving
 * cannot remove its own); those of live servers and of untagged or other machines' stay.
 * Returns the removed paths.
 */
export function removeDeadSqlFolders(tmp = tmpdir()): string[] {
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(tmp)];
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.isDirectory || !entry.name.startsWith(SQL_FOLDER_PREFIX)) continue;
    if (ownerTagState(entry.name) !== "dead") continue;
    const path = join(tmp, entry.name);
    try {
      Deno.removeSync(path, { recursive: true });
      removed.push(path);
    } catch { /* another server removed it first */ }
  }
  return removed;
}

/** Too many statements wait for the process: one runs, `waiting` (MAX_WAITING) wait. */
export class FrameSqlBusy extends Error {
  constructor(readonly waiting: number) {
    super(`${waiting} statements are waiting`);
  }
}

/** A statement waited its deadline for its turn and left the queue unrun. */
export class FrameSqlWaited extends Error {
  constructor(readonly waitedMs: number, readonly others: number) {
    super(`the statement waited ${Math.round(waitedMs)} ms for its turn`);
  }
}

/** Writes the next piece to `path`; false when there is none (the piece is not held after). */
async function writeNextPiece(pieces: Iterator<pl.DataFrame>, path: string): Promise<boolean> {
  const next = pieces.next(); // (a piece that cannot be read fails as it is)
  if (next.done) return false;
  await sinkTable(next.value.lazy(), path);
  return true;
}

async function sinkTable(frame: pl.LazyDataFrame, path: string): Promise<void> {
  try {
    await frame.sinkParquet(path, { compression: "lz4" }).collect();
  } catch (error) {
    // a part written before the disk filled goes: the next statement writes it again
    await Deno.remove(path).catch(() => {});
    throw tempWriteFailure(error, { what: "the table query_sql reads", dir: tmpdir() });
  }
}

/**
 * A piecewise table's files, `path.0`, `path.1`, …: each piece written and its memory given back
 * (collectDroppedFrames) before the next is made. (Joined into one file, the twelve pieces cost ~8
 * CPU-s more, written twice.) A piece that fails takes the files written before it along.
 */
async function writePieces(table: PiecewiseTable, path: string): Promise<string[]> {
  const pieces = table.pieces()[Symbol.iterator]();
  const parts: string[] = [];
  try {
    while (await writeNextPiece(pieces, `${path}.${parts.length}`)) {
      parts.push(`${path}.${parts.length}`);
      await collectDroppedFrames();
    }
    if (parts.length === 0) throw new Error("a table given in pieces had none");
    return parts;
  } catch (error) {
    await Promise.all(parts.map((part) => Deno.remove(part).catch(() => {})));
    throw error;
  }
}
