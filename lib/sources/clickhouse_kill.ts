/**
 * Kills of the kit's ClickHouse queries on the server (kill_query.sql), for openClickHouse: at an
 * abort, and when the kit gives up on a query whose server may still run it. Closing a connection
 * does not stop a ClickHouse query, and a readonly=1 profile takes no max_execution_time: a query
 * not killed runs on for as long as it takes.
 */
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { bindClickHouse, loadSql } from "./sql.ts";

/** How long a query's kill requests are waited for at the abort, in all. */
const KILL_WAIT_MS = 3000;
/** Kill requests sent for a query at most (see kill). */
const KILL_ATTEMPTS = 2;
/** The least wait left for which a kill request is sent (see kill). */
const KILL_RETRY_MIN_MS = 500;

/** The connection settings openClickHouse gives its own client. */
export type ClickHouseConnection = NonNullable<Parameters<typeof createClient>[0]>;

export interface QueryKiller {
  /** Kills the query of `queryId`; settles once it is killed, or given up (never rejects). */
  kill(queryId: string): Promise<void>;
  /** Closes the kills' client, if one was made. */
  close(): Promise<void>;
}

/**
 * Kills go on connections of their own, made when one is needed: the queries they stop can hold
 * every socket of the query client's pool (answered, their bodies not yet read), and a kill
 * waiting for one gave up at its 3 s, the query running on. No keep-alive: kills are rare, and a
 * socket kept from one to the next may have been closed by the server meanwhile.
 */
export function queryKiller(
  connection: ClickHouseConnection,
  { maxOpenConnections }: { maxOpenConnections: number },
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
    // A kill that fails (a connection dropped on the way) is sent once more within the wait: the
    // query would run on. Not killed (unreachable, refused): the server ends it at its time limit,
    // if the profile took one.
    async kill(queryId) {
      let query: string;
      try {
        query = bindClickHouse(await loadSql("clickhouse", "kill_query"), { query_id: queryId });
      } catch {
        return;
      }
      const deadline = performance.now() + KILL_WAIT_MS;
      for (let attempt = 0; attempt < KILL_ATTEMPTS; attempt++) {
        // Only with time left to wait: the client listens for the signal's abort after a tick and
        // never checks whether it came before; a request whose abort it missed waits for a socket
        // without any limit (a kill timed out at 3 s, sent again with 0 ms left, hung the export).
        const left = deadline - performance.now();
        if (left < KILL_RETRY_MIN_MS) return;
        try {
          await killer().command({ query, abort_signal: AbortSignal.timeout(left) });
          return;
        } catch {
          // sent again, or given up
        }
      }
    },
    close: async () => {
      await killClient?.close();
    },
  };
}
