/**
 * PostgreSQL reads. Every query runs in its own READ ONLY transaction with a local statement
 * timeout, which holds through transaction-mode poolers (Supabase's) where session settings do not.
 * Every statement goes through the extended protocol, which runs exactly one statement per call, and
 * a query file holding more than one is refused before anything is sent. The one exception is the
 * COPY that reads a query file's SELECT as CSV (pg-copy-streams sends it as a simple query): the
 * file is checked to be one statement and planned alone first (EXPLAIN, extended protocol), so
 * the COPY around it holds exactly one statement, in the same READ ONLY transaction.
 */
import pg from "pg";
import { type PostgresSettings, UserError } from "../core/config.ts";
import { bindPostgres, type SqlFile, type SqlParams } from "./sql.ts";
import { transactionStatements } from "./postgres_transaction.ts";
import { assertOneStatement } from "./statements.ts";
import { csvToFrame } from "./columnar.ts";
import {
  type QueryFrame,
  type QueryTable,
  type QueryTableOptions,
  ResultTooLarge,
  rowsToFrame,
} from "./frames.ts";
import { copyOut, copyStatement } from "./postgres_csv.ts";
import { withSpoolFile } from "./spool.ts";
import { cancelTargetOf, sendCancelRequest } from "./postgres_cancel.ts";
import {
  connectionClosed,
  grantedColumns,
  PG_CONNECT_TIMEOUT_MS,
  postgresError,
} from "./postgres_errors.ts";
import { settlesWithin, untilAborted } from "../core/abort.ts";

/** builtin type OID → name (`INT8`, `NUMERIC`): QueryTable's types */
const BUILTIN_NAMES = new Map<number, string>(
  Object.entries(pg.types.builtins).map(([name, oid]) => [oid as number, name]),
);

/**
 * date and timestamp (without time zone) as PostgreSQL writes them, `2026-11-01` and
 * `2026-11-01 10:00:00`: pg reads them as the computer's own local time, so under TZ=Pacific/
 * Kiritimati a date came back as the day before at 10:00 UTC. Neither names an instant, so
 * neither becomes a Date; arrays of them as text arrays. timestamptz stays a Date (an instant).
 */
const WALL_CLOCK_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    const { DATE, TIMESTAMP } = pg.types.builtins;
    if (oid === DATE || oid === TIMESTAMP) return (text: string) => text;
    if (oid === DATE_ARRAY || oid === TIMESTAMP_ARRAY) {
      return pg.types.getTypeParser(TEXT_ARRAY, format);
    }
    return pg.types.getTypeParser(oid, format);
  },
};
const DATE_ARRAY = 1182;
const TIMESTAMP_ARRAY = 1115;
const TEXT_ARRAY = 1009;

export interface PostgresSource {
  query(sql: SqlFile, params: SqlParams): Promise<Record<string, unknown>[]>;
  /**
   * as query, with the result's column names (there even when no row came back); past
   * `options.maxBytes` of answer the connection is dropped and the query cancelled
   */
  queryTable(sql: SqlFile, params: SqlParams, options?: QueryTableOptions): Promise<QueryTable>;
  /**
   * The result as a typed frame: a query file's SELECT through `COPY … TO STDOUT WITH CSV
   * HEADER` to a temporary file, read by Polars (no JS object per row, no result in JS memory);
   * anything else the ordinary way, where it fails.
   */
  queryFrame: QueryFrame;
  /** Ends the pool; once `signal` was aborted, after the running queries were stopped. */
  close(): Promise<void>;
}

/**
 * The URL with `sslmode=prefer|require|verify-ca` written as `verify-full`, which is what pg 8
 * does with them (a verified TLS connection, never plain text) but says in an 8-line SECURITY
 * WARNING on every run. The same connection, no warning; TLS verification stays as strict as pg
 * made it. (`no-verify`, `disable` and `verify-full` pass as they are.)
 */
export function explicitSslMode(url: string): string {
  return url.replace(/([?&]sslmode=)(prefer|require|verify-ca)(?=&|#|$)/g, "$1verify-full");
}

export function openPostgres(
  settings: PostgresSettings,
  options: {
    spoolDir?: string;
    /**
     * once aborted, the running queries are cancelled on the server (stopRunning) and fail with
     * the signal's reason; no query starts after it
     */
    signal?: AbortSignal;
  } = {},
): PostgresSource {
  const { signal } = options;
  const pool = new pg.Pool({
    connectionString: explicitSslMode(settings.url),
    max: settings.maxConnections,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    application_name: "pricing-kit",
  });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on("error", () => {});
  // The clients inside readOnly, each with a promise settled once it is released; at the abort,
  // each one's stop (the close waits for them).
  const running = new Map<pg.PoolClient, Promise<void>>();
  const stopping: Promise<void>[] = [];
  // each client with our 'error' listener, and the error it emitted (null: none)
  const connectionErrors = new WeakMap<pg.PoolClient, unknown>();
  // each client's role as the server names it (a pooler's user name may carry more)
  const roles = new WeakMap<pg.PoolClient, string>();
  const onAbort = () => {
    for (const [client, released] of running) stopping.push(stopRunning(client, released));
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  /**
   * `work` on a pooled client inside a READ ONLY transaction with the statement timeout. Each
   * statement (`answered`) is waited for at most PRICING_PG_REQUEST_TIMEOUT_MS: the server's
   * statement timeout ends a slow query, but its answer never arrives from a frozen backend or
   * through a network that stopped passing it; past the wait the connection is dropped.
   */
  const readOnly = async <T>(
    sql: SqlFile,
    work: (client: pg.PoolClient, answered: Answered, bounded: Bounded) => Promise<T>,
  ): Promise<T> => {
    const { file } = sql;
    const transaction = await transactionStatements();
    const timeout = { statement_timeout_ms: String(settings.statementTimeoutMs) };
    let client: pg.PoolClient;
    try {
      client = await connectUnlessAborted(pool, signal);
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      throw postgresError(error, {
        url: settings.url,
        file: null,
        maxConnections: settings.maxConnections,
      });
    }
    // A checked-out client has no pool listener: the 'error' it emits when its connection ends
    // (a stop, the wait, a backend terminated on the server) would be uncaught. The first is
    // kept for the message: it is the cause (the server's FATAL, say), while the statement then
    // fails only with "not queryable", or with the socket's end that followed.
    if (!connectionErrors.has(client)) {
      connectionErrors.set(client, null);
      client.on("error", (error: unknown) => {
        if (connectionErrors.get(client) === null) connectionErrors.set(client, error);
      });
    }
    if (signal?.aborted) {
      client.release();
      throw signal.reason;
    }
    const released = Promise.withResolvers<void>();
    running.set(client, released.promise);
    let gaveUp = false;
    // the connection was dropped (no answer in time, or one too large): no ROLLBACK, not pooled
    let dropped = false;
    const answered: Answered = async (pending) => {
      pending.catch(() => {}); // (its failure after the give-up is the give-up's)
      const noAnswer = Promise.withResolvers<never>();
      const timer = setTimeout(() => {
        gaveUp = dropped = true;
        const gone = dropConnection(client);
        stopping.push(gone);
        gone.then(() => noAnswer.reject(new Error("no answer")));
      }, settings.requestTimeoutMs);
      try {
        return await Promise.race([pending, noAnswer.promise]);
      } finally {
        clearTimeout(timer);
      }
    };
    // The answer's bytes counted as the socket receives them: pg holds a row until it has all of
    // it, so one 100 MB value would be read whole before any row-count cap could act.
    const bounded: Bounded = async (pending, maxBytes) => {
      const socket = socketOf(client);
      if (!Number.isFinite(maxBytes) || !socket) return await pending;
      pending.catch(() => {}); // (its failure once the connection is dropped is the bound's)
      const tooLarge = Promise.withResolvers<never>();
      let received = 0;
      const count = (chunk: Uint8Array) => {
        received += chunk.length;
        if (received <= maxBytes) return;
        socket.off("data", count);
        dropped = true;
        // the socket closed first, so that nothing more is read; then the backend told to stop
        const target = cancelTargetOf(client);
        destroyConnection(client);
        if (target) stopping.push(sendCancelRequest(target, CANCEL_WAIT_MS));
        tooLarge.reject(new ResultTooLarge(file, maxBytes));
      };
      socket.on("data", count);
      try {
        return await Promise.race([pending, tooLarge.promise]);
      } finally {
        socket.off("data", count);
      }
    };
    // The kit's own statements go through the extended protocol too, parameters bound.
    const send = (statement: SqlFile, params: SqlParams = {}) =>
      client.query({ ...bindPostgres(statement, params), queryMode: "extended" });
    // One more query after a failure, on this connection in a READ ONLY transaction of its own.
    const lookUp = async (lookup: SqlFile, params: SqlParams) => {
      await answered(send(transaction.begin));
      try {
        await answered(send(transaction.statementTimeout, timeout));
        const { text, values } = bindPostgres(lookup, params);
        const result: pg.QueryResult = await answered(
          client.query({ text, values, queryMode: "extended" }),
        );
        return result.rows as Record<string, unknown>[];
      } finally {
        if (!dropped) await answered(send(transaction.rollback)).catch(() => {});
      }
    };
    try {
      await answered(send(transaction.begin));
      const session: pg.QueryResult = await answered(send(transaction.statementTimeout, timeout));
      roles.set(client, session.rows[0]?.role);
      const result = await work(client, answered, bounded);
      await answered(send(transaction.commit));
      return result;
    } catch (error) {
      if (!dropped) await answered(send(transaction.rollback)).catch(() => {});
      if (signal?.aborted) throw signal.reason; // (the query's error is the cancel's)
      if (gaveUp) throw noAnswerError(file, { client, settings });
      if (error instanceof UserError) throw error;
      const cause = (connectionLost(error) ? connectionErrors.get(client) : null) ?? error;
      // a table refused: whether the role was granted some of its columns (the line then says
      // to read those, not to grant the whole table); no answer leaves the line as it was
      const granted = dropped
        ? undefined
        : await grantedColumns(cause, { text: sql.text, ask: lookUp }).catch(() => undefined);
      if (signal?.aborted) throw signal.reason;
      throw postgresError(cause, {
        url: settings.url,
        file,
        text: sql.text,
        role: roles.get(client),
        granted,
      });
    } finally {
      running.delete(client);
      client.release(dropped); // a dropped connection is not pooled again
      released.resolve();
    }
  };
  const queryTable = (
    sql: SqlFile,
    params: SqlParams,
    options: QueryTableOptions = {},
  ): Promise<QueryTable> => {
    // Refused before connecting: nothing of a file with a second statement reaches the server.
    assertOneStatement(sql.file, sql.text);
    const { text, values } = bindPostgres(sql, params);
    return readOnly(sql, async (client, answered, bounded) => {
      // UTC and ISO as the export's COPY: date_trunc('month', …), ::date and a timestamptz as
      // text read the months and days the files name, not the role's time zone's
      const { utcIsoDates } = await transactionStatements();
      await answered(client.query({ ...bindPostgres(utcIsoDates, {}), queryMode: "extended" }));
      // Extended protocol even without parameters: the server runs one statement per Parse, so
      // `COMMIT; INSERT …` cannot leave the READ ONLY transaction (the simple protocol runs both).
      const result: pg.QueryResult = await answered(
        bounded(
          client.query({ text, values, queryMode: "extended", types: WALL_CLOCK_TYPES }),
          options.maxBytes ?? Infinity,
        ),
      );
      if (result.fields.length === 0) {
        throw new UserError(`${sql.file} returned no rows and no columns: it must be one SELECT`);
      }
      return {
        columns: result.fields.map((field: pg.FieldDef) => field.name),
        rows: result.rows as Record<string, unknown>[],
        types: result.fields.map((field: pg.FieldDef) =>
          BUILTIN_NAMES.get(field.dataTypeID) ?? String(field.dataTypeID)
        ),
      };
    });
  };
  const query = async (sql: SqlFile, params: SqlParams) => (await queryTable(sql, params)).rows;
  return {
    query,
    queryTable,
    async queryFrame(sql, params, columns, readOptions = {}) {
      assertOneStatement(sql.file, sql.text);
      const copy = copyStatement(sql, params);
      if (!copy) {
        return rowsToFrame(await query(sql, params), columns, { query: sql.file, ...readOptions });
      }
      return await withSpoolFile(async (path) => {
        await readOnly(sql, async (client, answered) => {
          // Planned alone first: a file that is not one whole query (one that closes COPY's
          // parenthesis early, say) fails here, before the COPY around it is sent. (A wrapper of
          // the file's statement, as COPY's: code, not a queries/ file; docs/development.md.)
          await answered(client.query({ text: `EXPLAIN ${copy.query}`, queryMode: "extended" }));
          const { utcIsoDates } = await transactionStatements();
          await answered(client.query({ ...bindPostgres(utcIsoDates, {}), queryMode: "extended" }));
          await answered(copyOut(client, { statement: copy.statement, path }));
        });
        return csvToFrame({ path }, columns, { query: sql.file, ...readOptions });
      }, options.spoolDir);
    },
    close: async () => {
      signal?.removeEventListener("abort", onAbort);
      await Promise.all(stopping);
      const ended = pool.end();
      // Once stopped, a connection still being made is not waited for: the pool's end waits
      // for it (up to connectionTimeoutMillis, 15 s), and the client it yields is let go.
      if (signal?.aborted) ended.catch(() => {});
      else await ended;
    },
  };
}

/**
 * pool.connect(), given up on at the abort: a server that accepts the connection and never
 * answers held a stop for up to connectionTimeoutMillis (15 s). A client it yields after the
 * abort goes back to the pool, which the close ends.
 */
async function connectUnlessAborted(
  pool: pg.Pool,
  signal: AbortSignal | undefined,
): Promise<pg.PoolClient> {
  signal?.throwIfAborted();
  const connecting = pool.connect();
  try {
    return await untilAborted(connecting, signal);
  } catch (error) {
    if (signal?.aborted && error === signal.reason) {
      connecting.then((client: pg.PoolClient) => client.release(), () => {});
    }
    throw error;
  }
}

/**
 * Whether a statement failed because its connection was gone, not for a reason of its own: closed
 * under it, or already failed ("not queryable").
 */
function connectionLost(error: unknown): boolean {
  return connectionClosed(error) || /not queryable/.test(String((error as Error)?.message));
}

/** A statement's promise, rejected once the connection was dropped past the wait. */
type Answered = <T>(pending: Promise<T>) => Promise<T>;

/**
 * A statement's promise, rejected with ResultTooLarge once its answer passes `maxBytes`: the
 * connection is dropped (nothing more read) and its query cancelled.
 */
type Bounded = <T>(pending: Promise<T>, maxBytes: number) => Promise<T>;

/**
 * Gives up on a connection that did not answer in time: a cancel request for its backend (a
 * server still running the query stops it; one that cannot be reached is not waited for long),
 * then the socket is closed, which fails its statement at once.
 */
async function dropConnection(client: pg.PoolClient): Promise<void> {
  const target = cancelTargetOf(client);
  if (target) await sendCancelRequest(target, CANCEL_WAIT_MS);
  destroyConnection(client);
}

/** The client's socket (TLS or not), which pg reads its answers from. */
function socketOf(client: pg.PoolClient): ConnectionSocket | undefined {
  return (client as unknown as { connection?: { stream?: ConnectionSocket } }).connection?.stream;
}

interface ConnectionSocket {
  destroy(): void;
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
  off(event: "data", listener: (chunk: Uint8Array) => void): void;
}

function destroyConnection(client: pg.PoolClient): void {
  socketOf(client)?.destroy();
}

/** The one line for a statement not answered within PRICING_PG_REQUEST_TIMEOUT_MS. */
function noAnswerError(
  file: string,
  { client, settings }: { client: pg.PoolClient; settings: PostgresSettings },
) {
  const { host, port } = client as unknown as { host?: string; port?: number };
  return new UserError(
    `${file}: PostgreSQL at ${host ?? "localhost"}:${port ?? 5432} gave no answer within ${
      settings.requestTimeoutMs / 1000
    } s, the wait PRICING_PG_REQUEST_TIMEOUT_MS allows (the statement timeout, PRICING_PG_STATEMENT_TIMEOUT_MS=${settings.statementTimeoutMs}, is the server's and did not reach the kit); the server may be frozen or failing over, or the network to it stopped passing its answers`,
  );
}

/** Tries of a cancel request, and how long each waits for the query to end. */
const CANCEL_TRIES = 3;
const CANCEL_WAIT_MS = 1000;

/**
 * Stops the query `client` runs: a cancel request to its backend, again if the query has not
 * ended a second later (one sent between two of the transaction's statements finds the backend
 * idle and does nothing); the query fails, the transaction rolls back and the client is released.
 * Unanswered, the connection is dropped: the client fails at once, and the server ends the
 * backend when it next reads or writes.
 */
async function stopRunning(client: pg.PoolClient, released: Promise<void>): Promise<void> {
  const target = cancelTargetOf(client);
  for (let tries = 0; target && tries < CANCEL_TRIES; tries++) {
    await sendCancelRequest(target, CANCEL_WAIT_MS);
    if (await settlesWithin(released, CANCEL_WAIT_MS)) return;
  }
  destroyConnection(client);
  await settlesWithin(released, CANCEL_WAIT_MS);
}
