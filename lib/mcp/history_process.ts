/**
 * mrr_history's bridge is built in a process of its own (history_child.ts), one at a time. Built
 * in the server, a cold bridge (no sidecar sums, no `.bridge-state/`) over 12 months × 200,000
 * organizations held its event loop for the whole build (50 s on a loaded 2-core machine: every
 * other request, and the HTTP transport's pings, waited) and took its peak RSS from 340 MB to
 * 1.3 GB (bench/mcp_mrr_history.ts; docs/performance.md). The process ends with its answer and
 * gives its memory back. One build at a time: a second call waits for the first and then reads
 * the caches it wrote, instead of summing the same snapshots at the same time. A build is bounded
 * as query_sql's statements are (process_limits.ts, both sides): past its memory cap
 * (PRICING_MCP_HISTORY_MAX_MB) or its deadline (PRICING_MCP_HISTORY_TIMEOUT_SECONDS, from its
 * turn) the process is killed and the call fails in one line naming the setting. The caches it
 * wrote before stay whole (each written to a temporary file or folder and renamed into place:
 * sums_cache.ts, bridge_state.ts), so the next build resumes from them.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../core/config.ts";
import { POLARS_PROCESS_FLAGS, sqlProcessEnv } from "./sql_launch.ts";
import { EXIT_DEADLINE, EXIT_MEMORY, watchMemory } from "./process_limits.ts";
import {
  type BridgeAnswer,
  type BridgeRequest,
  type BuiltBridge,
  HOLD_ARG,
} from "./history_protocol.ts";

const CHILD_FILE = fileURLToPath(new URL("./history_child.ts", import.meta.url));

/**
 * For tests only (tests/mcp_mrr_history_process_test.ts), set by nothing in the kit: while `fifo`
 * names a FIFO, the process reads it to its end before building, so a test holds a build under
 * way for as long as it needs, and lets it go by closing the FIFO's writing end.
 */
export const mrrHistoryHoldForTests: { fifo: string | null } = { fifo: null };

/**
 * The process's command: it reads anything (kit code over the history folder, and Polars' own
 * files) and writes only the history folder (its caches); no network; the server's environment
 * without its secrets (sqlProcessEnv). The folder is granted as the process's working folder,
 * `--allow-write=.`: Deno splits the flag's list at commas (`,,` does not escape), so a folder
 * named in it whose path held a comma could not be written and every call was a cold build. Deno
 * grants `.` as the working folder's real path and checks paths as given, so the process is told
 * the folder's real path too (the same files, a symlink resolved). A folder that does not exist
 * holds no snapshots to cache: nothing is granted then.
 */
async function command(request: BridgeRequest): Promise<Deno.Command> {
  const hold = mrrHistoryHoldForTests.fifo;
  const real = await Deno.realPath(request.dir).catch(() => null);
  const folder = real && (await Deno.stat(real).catch(() => null))?.isDirectory ? real : null;
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      ...(folder ? ["--allow-write=."] : []),
      ...POLARS_PROCESS_FLAGS,
      CHILD_FILE,
      JSON.stringify({ ...request, dir: folder ?? resolve(request.dir) }),
      ...(hold ? [`${HOLD_ARG}${hold}`] : []),
    ],
    ...(folder ? { cwd: folder } : {}),
    clearEnv: true,
    env: sqlProcessEnv(),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
}

/** The one line a build stopped past its limit fails with, naming the setting to raise. */
function limitError(reason: "memory" | "deadline", request: BridgeRequest): UserError {
  const then = "run deno task history report once to fill the history folder's caches, which " +
    "later builds read (or the server's operator can raise";
  if (reason === "memory") {
    return new UserError(
      `the MRR bridge's build needed more than ${request.maxMb} MB (PRICING_MCP_HISTORY_MAX_MB) ` +
        `and was stopped; ${then} PRICING_MCP_HISTORY_MAX_MB: a cold build over 12 months × ` +
        "200,000 organizations peaks near 1.1 GB)",
    );
  }
  return new UserError(
    `the MRR bridge's build ran longer than ${request.timeoutMs / 1000} s ` +
      `(PRICING_MCP_HISTORY_TIMEOUT_SECONDS) and was stopped; ${then} ` +
      "PRICING_MCP_HISTORY_TIMEOUT_SECONDS)",
  );
}

async function build(request: BridgeRequest, signal?: AbortSignal): Promise<BuiltBridge> {
  const built = await command(request);
  signal?.throwIfAborted();
  const child = built.spawn();
  // stdin stays open, unwritten: the process's lifeline (closed when this server ends)
  const stop = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already ended */ }
  };
  signal?.addEventListener("abort", stop, { once: true });
  let stopped: "memory" | "deadline" | null = null;
  const limit = (reason: "memory" | "deadline") => {
    stopped ??= reason;
    stop();
  };
  const unwatch = watchMemory(child.pid, {
    maxMb: request.maxMb,
    onOver: () => limit("memory"),
  });
  const deadline = setTimeout(() => limit("deadline"), request.timeoutMs);
  try {
    const [output, errors] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    const { code } = await child.status;
    signal?.throwIfAborted();
    // it may have stopped itself (guardSelf keeps the same limits)
    if (code === EXIT_MEMORY) stopped ??= "memory";
    if (code === EXIT_DEADLINE) stopped ??= "deadline";
    if (stopped) throw limitError(stopped, request);
    let answer: BridgeAnswer;
    try {
      answer = JSON.parse(output);
    } catch {
      const said = errors.trim().split("\n").slice(-3).join(" ").slice(-400);
      throw new Error(`the MRR bridge's process ended without an answer${said ? `: ${said}` : ""}`);
    }
    if (answer.ok) return { bridge: answer.bridge, warnings: answer.warnings };
    throw answer.user ? new UserError(answer.message) : new Error(answer.message);
  } finally {
    clearTimeout(deadline);
    await unwatch();
    signal?.removeEventListener("abort", stop);
    try {
      await child.stdin.close();
    } catch { /* already closed */ }
  }
}

let turn: Promise<unknown> = Promise.resolve();
/** builds queued or under way */
let pending = 0;

/**
 * How often a call hears that its build goes on (MCP progress, when its client asked for it).
 * A cold build over twelve 1M-organization month ends takes minutes, and a client gives up on a
 * request it hears nothing of (the SDK's client after 60 s; one that resets its timeout on
 * progress, resetTimeoutOnProgress, waits on while notes come). Tests shorten it.
 */
export const bridgeProgress = { everyMs: 10_000 };

/**
 * The MRR bridge of the snapshots in `request.dir` up to its as-of (null: fewer than two months
 * with revenue) and its warnings, built in its own process after any build under way; `signal`
 * stops it; `onProgress` hears that it waits for a build ahead, that its build started, and every
 * bridgeProgress.everyMs how long it has run.
 */
export async function bridgeInProcess(
  request: BridgeRequest,
  { signal, onProgress }: { signal?: AbortSignal; onProgress?: (message: string) => void } = {},
): Promise<BuiltBridge> {
  if (pending > 0) {
    onProgress?.(
      "waiting for the MRR bridge build under way (one at a time; this call then reads its caches)",
    );
  }
  pending++;
  const result = turn.then(() => {
    signal?.throwIfAborted(); // (cancelled while it waited: no build, no note)
    const started = Date.now();
    onProgress?.(
      "building the MRR bridge in a process of its own: a first build over a year of large " +
        "snapshots takes minutes, later calls read its caches",
    );
    const beat = onProgress && setInterval(() => {
      const seconds = Math.round((Date.now() - started) / 1000);
      onProgress(`building the MRR bridge: ${seconds} s so far`);
    }, bridgeProgress.everyMs);
    return build(request, signal).finally(() => clearInterval(beat));
  }).finally(() => pending--);
  turn = result.catch(() => {});
  return await result;
}
