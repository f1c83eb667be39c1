/**
 * The chart worker's thread (chart_worker_thread.ts), kept across the exports of a long-running
 * server (`deno task mcp`, `deno task serve`: lib/mcp/main.ts, lib/server/main.ts). A Deno Worker
 * that loaded Polars' native addon leaves two file descriptors (an eventpoll and an eventfd) open
 * once terminated (Deno 2.9; a Worker without it, resvg's alone too, leaves none): a worker per
 * export ran such a server out of its 1,024 descriptors after ~500 run_export calls. The kept
 * worker takes one job at a time. A job given up (a stop, a failure on this thread) is told to stop
 * at its next chart or file and the worker is kept; it is replaced only when the next job comes
 * before that (its descriptors left, as before) or after an error outside any job. An export with
 * no thread of its caller's (`deno task export`: one export, one process) has one of its own,
 * closed with the job (chart_worker.ts).
 */
import type { WorkerJob, WorkerReply, WorkerStop, WorkerTable } from "./chart_worker_thread.ts";

/** What a job hears from the worker. */
export interface JobListener {
  /** each of the job's replies, the last one `paths` or `error` */
  reply(reply: WorkerReply): void;
  /** the worker ended under the job (an error outside its handling of it, the thread closed) */
  broken(message: string): void;
}

/** A job sent to the thread. */
export interface ThreadJob {
  /** the per-plan table of a job sent with `tableLater` */
  sendTable(table: WorkerTable["table"]): void;
  /**
   * Gives the job up: its replies are heard no more, and the worker drops it at its next chart or
   * file (the job's `stopped`) or in its wait for the table; nothing once its last reply came.
   */
  giveUp(): void;
}

/** The job the worker has, from its sending to its last reply, and who hears it. */
interface HeldJob {
  id: number;
  listener: JobListener | null;
}

export class ChartThread {
  #worker: Worker | null = null;
  #job: HeldJob | null = null;
  #jobs = 0;
  #started = 0;
  #closed = false;
  #idle: PromiseWithResolvers<void> | null = null;

  /** The workers this thread started (one, while each job ends before the next comes). */
  get started(): number {
    return this.#started;
  }

  /** Starts the worker, whose modules then load meanwhile, unless one is there already. */
  warm(): void {
    if (!this.#closed) this.#worker ??= this.#start();
  }

  /**
   * Sends `job` to the worker: the kept one when it has no job, else (a job given up and not yet
   * dropped) a new one. Throws once the thread is closed.
   */
  send(job: Omit<WorkerJob, "job">, listener: JobListener): ThreadJob {
    if (this.#closed) throw new Error("the chart worker was closed");
    if (this.#job) this.#end();
    const worker = this.#worker ??= this.#start();
    const held: HeldJob = { id: ++this.#jobs, listener };
    this.#job = held;
    worker.postMessage({ ...job, job: held.id } satisfies WorkerJob);
    return {
      sendTable: (table) => {
        if (this.#job === held) worker.postMessage({ job: held.id, table } satisfies WorkerTable);
      },
      giveUp: () => {
        held.listener = null;
        if (this.#job !== held) return;
        // (read between charts and files, where the stop message waits for the event loop)
        Atomics.store(new Int32Array(job.stopped), 0, 1);
        worker.postMessage({ job: held.id, stop: true } satisfies WorkerStop);
      },
    };
  }

  /** Settles once the worker has no job: the next one goes to the same worker. */
  idle(): Promise<void> {
    if (!this.#job) return Promise.resolve();
    this.#idle ??= Promise.withResolvers<void>();
    return this.#idle.promise;
  }

  /** Ends the worker (the server stops); a job under way fails. */
  close(): void {
    this.#closed = true;
    const listener = this.#job?.listener;
    this.#end();
    listener?.broken("the chart worker was closed");
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #start(): Worker {
    const worker = new Worker(new URL("./chart_worker_thread.ts", import.meta.url), {
      type: "module",
    });
    this.#started++;
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const job = this.#job;
      if (worker !== this.#worker || event.data.job !== job?.id) return;
      if ("paths" in event.data || "error" in event.data) this.#jobOver();
      job.listener?.reply(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (worker !== this.#worker) return;
      const listener = this.#job?.listener;
      this.#end(); // not trusted with another job
      listener?.broken(`charts failed: ${event.message}`);
    };
    return worker;
  }

  #jobOver(): void {
    this.#job = null;
    this.#idle?.resolve();
    this.#idle = null;
  }

  #end(): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#jobOver();
  }
}
