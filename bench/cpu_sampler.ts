/**
 * CPU use over time from /proc (Linux): the database servers' processes, their clients (psql,
 * clickhouse-client) and the threads of one measured process by kind, read every `intervalMs`.
 * A process or thread that ends keeps the CPU time last read from it (at most one interval is
 * lost); processes running before start() count from there.
 */

import process from "node:process";

/**
 * `work`'s result and the CPU milliseconds the process spent on it (process.cpuUsage: every
 * thread, Polars' pool too).
 */
export function withCpuMs<T>(work: () => T): [T, number] {
  const start = process.cpuUsage();
  const value = work();
  const used = process.cpuUsage(start);
  return [value, (used.user + used.system) / 1000];
}

/** Where CPU time goes: the servers, the floor's clients, the kit's threads by kind. */
export const CPU_GROUPS = [
  "clickhouse",
  "postgres",
  "clients",
  "main",
  "workers",
  "polars",
  "v8",
  "io",
  "other",
] as const;
export type CpuGroup = (typeof CPU_GROUPS)[number];

/** No CPU time in any group. */
export function noCpu(): Record<CpuGroup, number> {
  return Object.fromEntries(CPU_GROUPS.map((g) => [g, 0])) as Record<CpuGroup, number>;
}

/** Cumulative CPU seconds per group at `ms` after start(). */
export interface CpuSample {
  ms: number;
  seconds: Record<CpuGroup, number>;
}

/** The kit's threads by name: Deno's workers are worker-N, Polars' pool polars-N, V8's own. */
function threadGroup(name: string, isMain: boolean): CpuGroup {
  if (isMain) return "main";
  if (name.startsWith("worker-")) return "workers";
  if (name.startsWith("polars")) return "polars";
  if (name.startsWith("V8 ")) return "v8";
  if (name.startsWith("tokio")) return "io";
  return "other";
}

/** The servers and the floor's clients by process name (Linux cuts it to 15 characters). */
function processGroup(name: string): CpuGroup | null {
  if (name.startsWith("clickhouse-ser")) return "clickhouse";
  if (name === "postgres") return "postgres";
  if (name === "psql" || name.startsWith("clickhouse-cli")) return "clients";
  return null;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a /proc/…/stat, in seconds; null when the process or thread is gone. */
function cpuSeconds(statPath: string): number | null {
  try {
    const fields = Deno.readTextFileSync(statPath).split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

export class CpuSampler {
  #intervalMs: number;
  #watched: number | null = null;
  /** last CPU seconds read per process or thread, by key, with its group */
  #last = new Map<string, { group: CpuGroup; seconds: number }>();
  /** CPU seconds of processes already running at start() (not counted) */
  #base = new Map<string, number>();
  #samples: CpuSample[] = [];
  #started = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor({ intervalMs }: { intervalMs: number }) {
    this.#intervalMs = intervalMs;
  }

  /** Samples the threads of `pid` from now on (the measured process). */
  watch(pid: number): void {
    this.#watched = pid;
  }

  start(): void {
    this.#last.clear();
    this.#samples = [];
    this.#read();
    this.#base = new Map([...this.#last].map(([key, { seconds }]) => [key, seconds]));
    this.#started = performance.now();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
  }

  /** Milliseconds since start(), on the samples' clock. */
  elapsedMs(): number {
    return performance.now() - this.#started;
  }

  /** Stops sampling; the samples, a last one taken now. */
  stop(): CpuSample[] {
    clearInterval(this.#timer);
    this.#sample();
    this.#watched = null;
    return this.#samples;
  }

  #sample(): void {
    this.#read();
    const seconds = noCpu();
    for (const [key, { group, seconds: s }] of this.#last) {
      seconds[group] += s - (this.#base.get(key) ?? 0);
    }
    this.#samples.push({ ms: performance.now() - this.#started, seconds });
  }

  #read(): void {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      const pid = Number(entry.name);
      if (pid === this.#watched) {
        this.#readThreads(pid);
        continue;
      }
      const key = `p${pid}`;
      let group = this.#last.get(key)?.group ?? null;
      if (group === null) {
        const name = readText(`/proc/${pid}/comm`)?.trim();
        group = name === undefined ? null : processGroup(name);
      }
      if (group === null) continue;
      const seconds = cpuSeconds(`/proc/${pid}/stat`);
      if (seconds !== null) this.#last.set(key, { group, seconds });
    }
  }

  #readThreads(pid: number): void {
    let tasks: Deno.DirEntry[];
    try {
      tasks = [...Deno.readDirSync(`/proc/${pid}/task`)];
    } catch {
      return; // exited
    }
    for (const task of tasks) {
      const key = `t${task.name}`;
      const dir = `/proc/${pid}/task/${task.name}`;
      let group = this.#last.get(key)?.group;
      if (!group) {
        const name = readText(`${dir}/comm`)?.trim();
        if (name === undefined) continue;
        group = threadGroup(name, Number(task.name) === pid);
      }
      const seconds = cpuSeconds(`${dir}/stat`);
      if (seconds !== null) this.#last.set(key, { group, seconds });
    }
  }
}

/** Cores used per group between two samples (CPU seconds over wall seconds). */
export function coresBetween(a: CpuSample, b: CpuSample): Record<CpuGroup, number> {
  const wall = (b.ms - a.ms) / 1000;
  return Object.fromEntries(
    CPU_GROUPS.map((g) => [g, wall > 0 ? (b.seconds[g] - a.seconds[g]) / wall : 0]),
  ) as Record<CpuGroup, number>;
}
