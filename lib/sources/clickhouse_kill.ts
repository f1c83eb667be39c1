/**
 * Kills of the kit's ClickHouse queries on the server (kill_query.sql), for openClickHouse: at an
 * abort, and when the kit gives up on a query whose server may still run it. Closing a connection
 * does not stop a ClickHouse query, and a readonly=1 profile takes no max_execution_time: a query
 * not killed runs on for as long as it takes. A kill lost on the way is sent again until the
 * query's own limit, and said in one line naming the KILL QUERY to run by hand; one that cannot
 * connect at all (refused, unreachable) is said at once and not sent again.
 */
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { endedOnServer } from "./clickhouse_errors.ts";
import { bindClickHouse, loadSql } from "./sql.ts";

/** How long a kill request is waited for; past it unanswered, the warning (see kill). */
const KILL_WAIT_MS = 3000;
/** The least wait left for which a kill request is sent (see kill). */
const KILL_RETRY_MIN_MS = 500;
/** The pause before the second kill request, doubled for each next one up to KILL_PAUSE_MAX_MS. */
const KILL_PAUSE_MS = 250;
const KILL_PAUSE_MAX_MS = 10_000;

/** The connection settings openClickHouse gives its own client. */
export type ClickHouseConnection = NonNullable<Parameters<typeof createClient>[0]>;

export interface QueryKiller {
  /**
   * Kills the query of `queryId`, sending the kill again until `limit.deadline` (performance.now()
   * ms: when the query's own time limit ends it, or the kit's wait for it); settles once it is
   * killed, refused or given up (never rejects).
   */
  kill(queryId: string, limit: QueryLimit): Promise<void>;
  /** Closes the kills' client, if one was made. */
  close(): Promise<void>;
}

/** How long the server may run a query the kit gives up on, for its kill's retries. */
export interface QueryLimit {
  /** performance.now() ms past which retrying is no use (the server ended it) or no longer waited */
  deadline: number;
  /** the limit in words, for the warning: "its max_execution_time (300 s) ends it" */
  what: string;
}

/**
 * Kills go on connections of their own, made when one is needed: the queries they stop can hold
 * every socket of the query client's pool (answered, their bodies not yet read), and a kill
 * waiting for one gave up at its 3 s, the query running on. No keep-alive: kills are rare, and a
 * socket kept from one to the next may have been closed by the server meanwhile.
 */
export function queryKiller(
  connection: ClickHouseConnection,
  { maxOpenConnections, warn }: {
    maxOpenConnections: number;
    /** where a kill not answered is said, one line (without "warning: ") */
    warn: (line: string) => void;
  },
): QueryKiller {
  let killClient: ClickHouseClient | undefined;
  const killer = () =>
    killClient ??= createClient({
      ...connection,
      max_open_connections: maxOpenConnections,
      request_timeout: KILL_WAIT_MS,
      keep_alive: { enabled: false },
    });
  return {
    // A kill that fails unanswered (a connection dropped or stalled on the way) is sent again,
    // pausing longer each time, until the query's own limit: a lost kill let a query run its 5
    // minutes on production. Unanswered within KILL_WAIT_MS, one warning line names the query and
    // the KILL QUERY to run by hand (at Ctrl-C the export waits for the retries; a second Ctrl-C
    // stops it at once). Refused by the server (an exception answered), or no connection made
    // (refused, unreachable: not a timeout): not sent again.
    async kill(queryId, limit) {
      let query: string;
      try {
        query = bindClickHouse(await loadSql("clickhouse", "kill_query"), { query_id: queryId });
      } catch {
        return;
      }
      // past its max_execution_time already: the server ended it
      if (limit.deadline - performance.now() < KILL_RETRY_MIN_MS) return;
      const started = performance.now();
      const byHand = `to stop it by hand: KILL QUERY WHERE query_id = '${queryId}'`;
      let warned = false;
      let reason = "no answer";
      for (let pause = KILL_PAUSE_MS;; pause = Math.min(pause * 2, KILL_PAUSE_MAX_MS)) {
        // Only with time left to wait: the client listens for the signal's abort after a tick and
        // never checks whether it came before; a request whose abort it missed waits for a socket
        // without any limit (a kill timed out at 3 s, sent again with 0 ms left, hung the export).
        const left = Math.min(KILL_WAIT_MS, limit.deadline - performance.now());
        if (left < KILL_RETRY_MIN_MS) break;
        try {
          await killer().command({ query, abort_signal: AbortSignal.timeout(left) });
          return;
        } catch (error) {
          reason = firstLine(error);
          if (endedOnServer(error)) {
            warn(
              `ClickHouse query ${queryId} was not killed: the server refused KILL QUERY (${reason}); it runs until ${limit.what}; ${byHand}`,
            );
            return;
          }
          // No connection made at all (refused, no route, no such host: not a timeout): sending
          // it again to a server that is down or out of reach only held Ctrl-C up to the limit,
          // and a server down has ended its queries
          if (notConnected(error)) {
            warn(
              `ClickHouse query ${queryId} was not killed: KILL QUERY could not connect (${reason}), so it is not sent again; if the server still runs it once reachable, ${byHand}`,
            );
            return;
          }
          // An HTTP answer without ClickHouse's exception (a web server, a proxy's error page):
          // sending it again gets the same answer, and it held a failed export up to the limit. (The
          // answer's text is a page: never said.)
          if (!unanswered(error)) {
            warn(
              `ClickHouse query ${queryId} may not be killed: KILL QUERY was answered with an HTTP error, not ClickHouse's; ${byHand}`,
            );
            return;
          }
        }
        if (!warned && performance.now() - started >= KILL_WAIT_MS) {
          warned = true;
          warn(
            `ClickHouse query ${queryId} is not killed yet: KILL QUERY unanswered (${reason}); it is sent again until ${limit.what}; ${byHand}`,
          );
        }
        const wait = Math.min(pause, limit.deadline - performance.now() - KILL_RETRY_MIN_MS);
        if (wait < 0) break;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      if (!warned) {
        warn(
          `ClickHouse query ${queryId} was not killed: KILL QUERY unanswered (${reason}) until ${limit.what}; ${byHand}`,
        );
      }
    },
    close: async () => {
      await killClient?.close();
    },
  };
}

/**
 * Whether a request failed without an answer (a connection refused, cut or stalled: the socket's
 * error codes, and the two errors the client makes itself, its timeout and the signal's abort),
 * not with one: the client turns an HTTP error answer into an Error of the body's text, with no
 * code, so the text is never searched for words (a proxy's "upstream request timeout" is an answer).
 */
function unanswered(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.code === "string" && /^E[A-Z]/.test(e.code)) return true;
  if (e?.name === "AbortError" || e?.name === "TimeoutError") return true;
  return CLIENT_MESSAGES.has(String(e?.message ?? ""));
}

/** The errors @clickhouse/client makes without a code: its request_timeout, the signal's abort. */
const CLIENT_MESSAGES = new Set(["Timeout error.", "The user aborted a request."]);

/**
 * Whether a request failed to connect (refused, no route to the host or network, no such host),
 * not after connecting nor by a timeout: the system's codes for a connection never made.
 */
export function notConnected(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && NOT_CONNECTED.has(code);
}
const NOT_CONNECTED = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "ENOTFOUND",
  "EADDRNOTAVAIL",
]);

/** An error's first line, for the warning. */
function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0].trim() || "no answer";
}
