/**
 * `deno task serve`: the admin export endpoint and page. Settings and flags: lib/server/settings.ts
 * (HELP lists them). Errors are one line and exit code 1; the token is never printed. SIGINT or
 * SIGTERM stops it (exit code 0): one line, the runs in flight stopped, downloads under way sent
 * (one whose client stopped reading closed), a client stuck mid-request not waited for past a
 * grace; a second signal exits at once (130 or 143).
 */
import { loadEnv, UserError } from "../core/config.ts";
import { openFileLimit, openFileLimitLine } from "../core/process_limits.ts";
import { createHandler, PAGE_PATH } from "./handler.ts";
import { databaseQueriesSettled } from "../mcp/database_sql.ts";
import { closeFrameSql } from "../mcp/sql.ts";
import { oneLine } from "./stream.ts";
import { ChartThread } from "../report/chart_thread.ts";
import {
  checkRunSettings,
  HELP,
  hostSetting,
  isLoopback,
  listenFailure,
  parseServerArgs,
  serverSettings,
} from "./settings.ts";
import { runMain } from "../cli/args.ts";
import { listenForInterrupt } from "../cli/interrupt.ts";
import { consoleFailureReason, keepGoingWhenConsoleFails } from "../cli/console_output.ts";

/** How long a stop waits for connections once no request is answered or download sent. */
const STOP_GRACE_MS = 2_000;

/**
 * How long a stop lets a download go without its client taking a piece (64 KiB at most) before
 * it closes it. A client that reads takes one once the kernel's send buffer has room again: on a
 * network that buffer is sized to the link, so within a moment; on loopback it grows to megabytes
 * and a reader needs ~150 KB/s to free room within 10 s. Longer would keep a stop waiting past
 * what supervisors give it before they kill the process (Kubernetes 30 s), cutting every
 * download, the readers' too.
 */
const STALLED_DOWNLOAD_MS = 10_000;

export async function main(args: string[]): Promise<number> {
  // Its log on a full disk (a redirect) threw from the listening line (exit 1, silent) and from
  // the stop's (downloads cut, exit 1): lines that cannot be written are dropped instead, and
  // said once on the other stream, which the server does not otherwise use.
  using _log = keepGoingWhenConsoleFails({
    onFirstFailure: (failure) =>
      console.log(
        `error: the server's log to ${failure.stream} is being lost (${
          consoleFailureReason(failure)
        }): free space where ${failure.stream} goes`,
      ),
  });
  /** while binding: what a bind failure's message names (host:port, the host's setting) */
  let binding: Parameters<typeof listenFailure>[1] | null = null;
  // read now: once every descriptor is taken, /proc/self/limits cannot be opened to say it
  const openFiles = openFileLimit();
  try {
    const parsed = parseServerArgs(args);
    if (parsed.help) {
      console.log(HELP);
      return 0;
    }
    // a settings file named with --env-file must exist (the token may be in it)
    const env = await loadEnv(parsed.envFile, { required: parsed.envFileNamed });
    const settings = serverSettings(parsed, env);
    await checkRunSettings(settings);
    const listenOn = `${
      settings.host.includes(":") && !settings.host.startsWith("[")
        ? `[${settings.host}]`
        : settings.host
    }:${settings.port}`;
    // The first SIGINT/SIGTERM stops the runs in flight and the server (downloads under way
    // finish); a second one exits at once. A stop is the server's normal end: exit code 0.
    using interrupt = listenForInterrupt({
      onFirst: (name) =>
        console.error(
          `${name}: stopping: runs in flight are stopped, downloads under way finish (again, a second later: at once)`,
        ),
      again: (name) => `error: ${name} again: stopped at once`,
    });
    // one chart worker for /mcp's run_export calls, ended as main returns
    using chartThread = new ChartThread();
    const handler = createHandler(settings, { signal: interrupt.signal, chartThread });
    binding = { host: settings.host, listenOn, setting: hostSetting(parsed, env) };
    const server = Deno.serve({
      hostname: settings.host,
      port: settings.port,
      // A body that fails after its status went out is already in the access log ("failed:
      // reason"); one line here instead of Deno's stack trace.
      onError: (error) => {
        console.error(`error: response failed: ${oneLine(error)}`);
        return new Response(null, { status: 500 });
      },
      onListen: ({ hostname, port }) => {
        const host = hostname.includes(":") ? `[${hostname}]` : hostname;
        console.error(
          `pricing-kit server listening on http://${host}:${port}${PAGE_PATH}` +
            (settings.demo ? " (demo data)" : ""),
        );
        if (settings.token === null) {
          console.error("warning: no PRICING_SERVER_TOKEN: anyone on this machine can export");
        }
        if (!isLoopback(settings.host)) {
          console.error(
            `warning: bound to ${settings.host}: the token travels in clear text unless a TLS ` +
              "proxy is in front",
          );
        }
      },
    }, handler);
    binding = null;
    // Deno's shutdown also waits for every request body to end, answered or not: a client that
    // stops sending mid-body would hold the stop for ever. Once nothing is being answered or
    // sent, the last bytes get STOP_GRACE_MS to go out; then the stop waits no longer.
    let grace: ReturnType<typeof setTimeout> | undefined;
    const given = new Promise<void>((resolve) => {
      const stop = async () => {
        server.shutdown().catch(() => {}); // (its end is server.finished)
        await handler.idle(STALLED_DOWNLOAD_MS);
        grace = setTimeout(() => {
          console.error(
            "stopped: connections still open were closed (a client still sending its request or reading its answer)",
          );
          resolve();
        }, STOP_GRACE_MS);
      };
      if (interrupt.signal.aborted) stop();
      else interrupt.signal.addEventListener("abort", stop, { once: true });
    });
    await Promise.race([server.finished, given]);
    clearTimeout(grace);
    // /mcp's requests were stopped (lib/mcp/http.ts): a database_sql query is stopped on its
    // database before the process exits (its connection's end alone left pg_sleep(300) running),
    // and query_sql's process and its tables' folder go, as `deno task mcp` does
    await databaseQueriesSettled();
    await closeFrameSql();
    return 0;
  } catch (error) {
    const bindError = binding && listenFailure(error, binding);
    // Deno's server stops accepting at EMFILE (server.finished rejects): say which limit
    const limitLine = openFileLimitLine(error, () => openFiles);
    if (bindError) console.error(`error: ${bindError}`);
    else if (limitLine) {
      console.error(`error: the server stopped: ${limitLine}, and start it again`);
    } else if (error instanceof UserError) console.error(`error: ${error.message}`);
    else console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.main) await runMain(main);
