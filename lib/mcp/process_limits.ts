/**
 * The memory cap and deadline of a process the MCP server starts for a tool (query_sql's:
 * sql_process.ts; mrr_history's: history_process.ts), kept by both sides: the server reads the
 * process's resident memory every MEMORY_POLL_MS and kills it past its cap (watchMemory; the
 * deadline's timer is the caller's), and the process checks itself too (guardSelf), ending with
 * EXIT_MEMORY or EXIT_DEADLINE when nobody stopped it: a server that ended (or was killed) can no
 * longer stop it, and a runaway grew past 5 GB with no server left.
 */

/** The process's exit codes when it stopped itself (guardSelf). */
export const EXIT_MEMORY = 71;
export const EXIT_DEADLINE = 72;

/** How often the process's memory is read while it works (by both sides). */
export const MEMORY_POLL_MS = 25;

/**
 * How long past its deadline the process may run when nobody stopped it: the server kills it at
 * the deadline; past this it ends itself (the server is gone or stuck).
 */
const SELF_STOP_GRACE_MS = 1000;

/** A process's limits: its resident memory at most (MB) and its deadline (ms). */
export interface ProcessLimits {
  maxMb: number;
  timeoutMs: number;
}

/** Resident memory of a process in MB (VmRSS), or 0 once it is gone. */
export async function residentMb(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * The server's side: `onOver` is called once process `pid` holds more than `maxMb`; the returned
 * stop ends the watch (awaited, so no read outlives the work it watched).
 */
export function watchMemory(
  pid: number,
  { maxMb, onOver }: {
    /** the process's cap, in MB */
    maxMb: number;
    /** called once, the first time it holds more */
    onOver: () => void;
  },
): () => Promise<void> {
  let watching = true;
  const watch = (async () => {
    while (watching) {
      await new Promise((resolve) => setTimeout(resolve, MEMORY_POLL_MS));
      if (watching && await residentMb(pid) > maxMb) {
        watching = false;
        onOver();
      }
    }
  })();
  return () => {
    watching = false;
    return watch;
  };
}

/**
 * The process's own side, from now: past `maxMb` it exits with EXIT_MEMORY, past its deadline
 * (and SELF_STOP_GRACE_MS) with EXIT_DEADLINE. The returned function ends the guard.
 */
export function guardSelf({ maxMb, timeoutMs }: ProcessLimits): () => void {
  const watch = setInterval(() => {
    if (Deno.memoryUsage().rss / 1048576 > maxMb) Deno.exit(EXIT_MEMORY);
  }, MEMORY_POLL_MS);
  const deadline = setTimeout(() => Deno.exit(EXIT_DEADLINE), timeoutMs + SELF_STOP_GRACE_MS);
  return () => {
    clearInterval(watch);
    clearTimeout(deadline);
  };
}
