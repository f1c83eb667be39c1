/**
 * ClickHouse reads over HTTP with read-only settings and a server-side time limit. The SQL must run
 * on production's modern ClickHouse and on Debian's 18.16 used in tests, so nothing here relies on
 * query parameters or newer formats: JSONEachRow and CSVWithNames only. Before the first query the user profile's
 * own `readonly` is asked, and only the settings that profile accepts are sent with each query.
 */
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { type ClickHouseSettings, notAboveServerLimit, UserError } from "../core/config.ts";
import { csvToFrame } from "./columnar.ts";
import {
  type QueryFrame,
  type QueryTable,
  type QueryTableOptions,
  ResultTooLarge,
} from "./frames.ts";
import { spool, withSpoolFile } from "./spool.ts";
import {
  assertFromClickHouse,
  type Body,
  exceptionAtEnd,
  readJsonTable,
  readUpTo,
  textOf,
} from "./clickhouse_answers.ts";
import { notConnected, queryKiller, type QueryLimit } from "./clickhouse_kill.ts";
import { clickHouseError, endedOnServer, serverAddress } from "./clickhouse_errors.ts";
import { bindClickHouse, loadSql, type SqlFile, type SqlParams } from "./sql.ts";
import { clickHouseQueryText } from "./statements.ts";

export interface ClickHouseSource {
  query(sql: SqlFile, params: SqlParams): Promise<Record<string, unknown>[]>;
  /**
   * as query, with the result's column names (there even when no row came back): FORMAT JSON,
   * whose `meta` 18.16 has too; past `options.maxBytes` of body the read stops and the query is
   * killed
   */
  queryTable(sql: SqlFile, params: SqlParams, options?: QueryTableOptions): Promise<QueryTable>;
  /**
   * The result as a typed frame: CSVWithNames (which 18.16 has too) spooled to a temporary file
   * and read by Polars (lib/sources/columnar.ts).
   */
  queryFrame: QueryFrame;
  /** what the session sent (asked once, before the first query); for the manifest */
  session(): Promise<ClickHouseSession>;
  /** Closes the client; once `signal` was aborted, after the running queries were killed. */
  close(): Promise<void>;
}

/** The settings sent with every query, and the profile's readonly level they were chosen for. */
export interface ClickHouseSession {
  /** the user profile's `readonly` ('0', '1', '2'); null when not asked (PRICING_CH_READONLY=off) */
  profileReadonly: string | null;
  settings: Record<string, string | number>;
}

/**
 * What may be sent: a readonly=1 profile refuses every setting (Code 164), a readonly=2 profile
 * is already read-only and refuses a change of `readonly`, `off` sends nothing at all. When
 * max_execution_time is sent, a PRICING_CH_REQUEST_TIMEOUT_SECONDS set at or below it is refused
 * here, before any query: unsent, the kit's wait is the only limit and may be anything.
 */
export function sessionSettings(
  settings: ClickHouseSettings,
  profileReadonly: string | null,
): Record<string, string | number> {
  if (settings.readonly === "off" || profileReadonly === "1") return {};
  if (
    settings.requestTimeoutSet && settings.requestTimeoutSeconds <= settings.maxExecutionSeconds
  ) {
    throw notAboveServerLimit({
      request: {
        name: "PRICING_CH_REQUEST_TIMEOUT_SECONDS",
        value: settings.requestTimeoutSeconds,
      },
      server: { name: "PRICING_CH_MAX_EXECUTION_SECONDS", value: settings.maxExecutionSeconds },
      unset: "max execution + 30",
      sent: `, which this user's profile (readonly=${
        profileReadonly ?? "0"
      }) takes as max_execution_time`,
    });
  }
  const sent: Record<string, string | number> = {
    max_execution_time: settings.maxExecutionSeconds,
    // Progress headers keep long queries' connections alive through load balancers.
    send_progress_in_http_headers: 1,
    http_headers_progress_interval_ms: "20000",
  };
  if (profileReadonly !== "2") sent.readonly = settings.readonly;
  return sent;
}

export function openClickHouse(
  settings: ClickHouseSettings,
  options: {
    spoolDir?: string;
    /**
     * Results are read into Polars only once this has settled (their bodies are spooled to
     * files meanwhile): the export holds them back until the revenue worker has answered, so
     * that worker's peak and these results' frames never add up.
     */
    readAfter?: Promise<unknown>;
    /**
     * once aborted, every request is aborted (a body being read too), the queries running are
     * killed on the server (kill_query.sql), and each fails with the signal's reason
     */
    signal?: AbortSignal;
    /** where a kill not answered is said (clickhouse_kill.ts), one line; stderr by default */
    warn?: (line: string) => void;
  } = {},
): ClickHouseSource {
  const { signal } = options;
  const connection = {
    url: settings.url,
    username: settings.username,
    password: settings.password,
    database: settings.database,
    // Response compression would send enable_http_compression, a setting readonly=1 refuses.
    compression: { request: false, response: false },
    application: "pricing-kit",
    // The client would print its own errors; ours are reported once, as one line.
    log: { level: ClickHouseLogLevel.OFF },
  };
  const client: ClickHouseClient = createClient({
    ...connection,
    max_open_connections: settings.maxConcurrentQueries,
    request_timeout: settings.requestTimeoutSeconds * 1000,
    // A socket idle past its time is dropped before a request, not only by its timer: this thread
    // is busy for seconds at a time (reading a million rows), its timers fire late, and a socket
    // the server has closed meanwhile fails the request (the client's advice for busy processes).
    keep_alive: { eagerly_destroy_stale_sockets: true },
  });
  const killer = queryKiller(connection, {
    maxOpenConnections: settings.maxConcurrentQueries,
    warn: options.warn ?? ((line) => console.error(`warning: ${line}`)),
  });
  // The result queries on the server, by id, with how long the server may run each; at the
  // abort, each one's kill (close waits).
  const running = new Map<string, () => QueryLimit>();
  const stopping: Promise<void>[] = [];
  const kill = (queryId: string, limit: QueryLimit) =>
    void stopping.push(killer.kill(queryId, limit));
  const onAbort = () => {
    for (const [queryId, limit] of running) kill(queryId, limit());
  };
  /**
   * How long the server may run a query sent now with `sent`: to its max_execution_time, or,
   * where none was sent (a readonly=1 profile), with no limit: its kill is sent again for as long
   * as the kit waits for a query, from the kill on.
   */
  const limitOf = (sent: Record<string, string | number>) => {
    const started = performance.now();
    const seconds = Number(sent.max_execution_time);
    return (): QueryLimit =>
      seconds > 0
        ? {
          deadline: started + seconds * 1000,
          what: `its max_execution_time (${seconds} s) ends it`,
        }
        : {
          deadline: performance.now() + settings.requestTimeoutSeconds * 1000,
          what:
            `${settings.requestTimeoutSeconds} s from now (PRICING_CH_REQUEST_TIMEOUT_SECONDS; no time limit was sent with it, so it may run on)`,
        };
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  /**
   * `read` with a query id of its own, killed on the server when the kit gives up on the query:
   * at the abort (onAbort: the stage stopped after another query failed, or Ctrl-C), and when its
   * own request fails without the server having ended it (the client's timeout, a body cut
   * short, a result that cannot be spooled). Closing the connection does not stop it, and a
   * readonly=1 profile takes no max_execution_time: it would run on for as long as it takes.
   */
  const withQueryId = async <T>(
    sent: Record<string, string | number>,
    read: (queryId: string) => Promise<T>,
  ): Promise<T> => {
    signal?.throwIfAborted(); // (sent now, it would not be killed)
    const queryId = crypto.randomUUID();
    const limit = limitOf(sent);
    running.set(queryId, limit);
    try {
      return await read(queryId);
    } catch (error) {
      // (no connection made: the query never reached a server, there is nothing to kill)
      if (!signal?.aborted && !endedOnServer(error) && !notConnected(error)) {
        kill(queryId, limit());
      }
      throw error;
    } finally {
      running.delete(queryId);
    }
  };
  /** the profile check was answered: the server was reached (clickHouseError's answeredBefore) */
  let answeredBefore = false;
  // One request; its body is read inside the same error handling (a failure can arrive mid-body).
  const send = async <T>(
    sql: SqlFile,
    request: {
      params: SqlParams;
      sent: Record<string, string | number>;
      read: (query: string) => Promise<T>;
      /** the session's profile check: the first request of all */
      probe?: boolean;
    },
  ): Promise<T> => {
    // Refused before sending: several statements, or a SETTINGS clause lifting the session's.
    const { text, settingsWords } = clickHouseQueryText(sql.file, sql.text);
    const query = bindClickHouse({ ...sql, text }, request.params);
    try {
      return await request.read(query);
    } catch (error) {
      if (signal?.aborted) throw signal.reason; // (the error is the abort's)
      if (error instanceof UserError) throw error; // ours (a temporary file), already one line
      throw clickHouseError(error, {
        settings,
        file: sql.file,
        sent: request.sent,
        probe: request.probe ?? false,
        querySettings: settingsWords,
        answeredBefore,
      });
    }
  };
  const server = serverAddress(settings.url);
  const run = <T>(
    sql: SqlFile,
    request: {
      params: SqlParams;
      sent: Record<string, string | number>;
      format: "JSONEachRow" | "JSON";
      read: (result: { text(): Promise<string>; json(): Promise<unknown> }) => Promise<T>;
    },
  ) =>
    send(sql, {
      params: request.params,
      sent: request.sent,
      read: (query) =>
        withQueryId(request.sent, async (queryId) => {
          const result = await client.query({
            query,
            format: request.format,
            clickhouse_settings: request.sent,
            query_id: queryId,
            abort_signal: signal,
          });
          assertFromClickHouse({ headers: result.response_headers, status: 200 }, {
            server,
            running: sql.file,
            release: () => result.close(),
          });
          return await request.read(result);
        }),
    });
  // The raw body, as the server sends it, into a file: no string, no object per row (the
  // client's text() and stream() would make them). Sent with an id of its own, killed when given up.
  const runCsv = (
    sql: SqlFile,
    request: { params: SqlParams; sent: Record<string, string | number>; path: string },
  ) =>
    send(sql, {
      params: request.params,
      sent: request.sent,
      read: (query) =>
        withQueryId(
          request.sent,
          (queryId) => spoolCsv(query, { ...request, queryId, file: sql.file }),
        ),
    });
  const spoolCsv = async (
    query: string,
    request: { sent: Record<string, string | number>; path: string; queryId: string; file: string },
  ) => {
    await execBody(
      query,
      { ...request, format: "CSVWithNames" },
      (body) => spool(body, request.path),
    );
    const failure = await exceptionAtEnd(request.path);
    if (failure) throw new Error(failure);
  };
  // One answer's raw body, handed to `read` as it arrives. exec sends the text as it is, so the
  // FORMAT clause is added here as query() adds it (a wrapper of a query file's statement: code,
  // not a queries/ file; docs/development.md).
  const execBody = async <T>(
    query: string,
    request: {
      sent: Record<string, string | number>;
      queryId: string;
      file: string;
      format: "CSVWithNames" | "JSON";
    },
    read: (body: Body) => Promise<T>,
  ): Promise<T> => {
    const { stream, response_headers, http_status_code } = await client.exec({
      query: `${query} \nFORMAT ${request.format}`, // (its terminating ; was cut in send)
      clickhouse_settings: request.sent,
      query_id: request.queryId,
      abort_signal: signal,
    });
    // the client's abort covers the request until its answer starts; the body is read here
    const stop = () => stream.destroy(signal?.reason);
    signal?.addEventListener("abort", stop, { once: true });
    try {
      assertFromClickHouse({ headers: response_headers, status: http_status_code ?? 200 }, {
        server,
        running: request.file,
        release: () => stream.destroy(),
      });
      return await read(stream);
    } finally {
      signal?.removeEventListener("abort", stop);
    }
  };
  // A FORMAT JSON answer read as it arrives, up to `maxBytes`: past them the body is let go and
  // the query killed (withQueryId), before a wide result is held whole as one string.
  const readJsonWithin = (
    sql: SqlFile,
    request: { params: SqlParams; sent: Record<string, string | number>; maxBytes: number },
  ) =>
    send(sql, {
      params: request.params,
      sent: request.sent,
      read: (query) =>
        withQueryId(request.sent, (queryId) =>
          execBody(query, { ...request, queryId, file: sql.file, format: "JSON" }, async (body) => {
            const { bytes, complete } = await readUpTo(body, request.maxBytes);
            if (!complete) {
              throw new ResultTooLarge(sql.file, request.maxBytes);
            }
            return readJsonTable(new TextDecoder().decode(bytes));
          })),
    });
  // The profile check, the first request: its answer (a line or an error, a few bytes) is read
  // with its HTTP status and headers, so that a server that is not ClickHouse (a web server, a
  // proxy's error page) is said to be one, with its status, and its page is not shown.
  const probe = async (name: "profile_readonly" | "profile_readonly_legacy") => {
    const sql = await loadSql("clickhouse", name);
    return await send(sql, {
      params: {},
      sent: {},
      probe: true,
      read: async (query) => {
        const answer = await client.exec({
          query: `${query} \nFORMAT JSONEachRow`,
          ignore_error_response: true,
          abort_signal: signal,
        });
        const body = await textOf(answer.stream);
        const status = answer.http_status_code ?? 0;
        assertFromClickHouse({ headers: answer.response_headers, status, body }, {
          server,
          running: null,
        });
        // ClickHouse's own error, as the client would have thrown it (classified by its text)
        if (status < 200 || status >= 300) throw new Error(body.trim() || `HTTP ${status}`);
        return body.split("\n").filter((line) => line.trim() !== "").map((line) =>
          JSON.parse(line) as Record<string, unknown>
        );
      },
    });
  };
  let session: Promise<ClickHouseSession> | undefined;
  // the session's probes: the slower one is still running when the faster answers
  let probes: Promise<unknown>[] = [];
  const startSession = async (): Promise<ClickHouseSession> => {
    if (settings.readonly === "off") return { profileReadonly: null, settings: {} };
    // Both probes at once, the first answer taken: getSetting is unknown to old servers (18.16),
    // whose exception takes 80–200 ms, and system.settings may need a grant on modern ones; either
    // reads the level in effect. Asked one after the other, 18.16 held the queries back that long.
    const [modern, legacy] = (["profile_readonly", "profile_readonly_legacy"] as const).map(
      probe,
    );
    probes = [modern, legacy];
    let rows: Record<string, unknown>[];
    try {
      rows = await Promise.any([modern, legacy]);
    } catch (error) {
      // Neither answered. The server's refusal of getSetting says nothing: legacy's error does. A
      // server that cannot be reached, refuses the credentials, does not answer or is not
      // ClickHouse fails here as it would later, modern's error saying so.
      const [modernError, legacyError] = (error as AggregateError).errors;
      const refused = modernError instanceof UserError &&
        / failed on ClickHouse at /.test(modernError.message);
      throw refused ? legacyError : modernError;
    }
    answeredBefore = true;
    const profileReadonly = String(rows[0]?.readonly ?? "0");
    return { profileReadonly, settings: sessionSettings(settings, profileReadonly) };
  };
  return {
    async query(sql, params) {
      const { settings: sent } = await (session ??= startSession());
      return await run(sql, {
        params,
        sent,
        format: "JSONEachRow",
        read: async (result) => (await result.json()) as Record<string, unknown>[],
      });
    },
    async queryTable(sql, params, options = {}) {
      const { settings: sent } = await (session ??= startSession());
      return await readJsonWithin(sql, { params, sent, maxBytes: options.maxBytes ?? Infinity });
    },
    async queryFrame(sql, params, columns, readOptions = {}) {
      const { settings: sent } = await (session ??= startSession());
      return await withSpoolFile(async (path) => {
        await runCsv(sql, { params, sent, path });
        await options.readAfter;
        return csvToFrame({ path }, columns, { query: sql.file, ...readOptions });
      }, options.spoolDir);
    },
    session: () => session ??= startSession(),
    close: async () => {
      signal?.removeEventListener("abort", onAbort);
      await Promise.all(stopping);
      await Promise.allSettled(probes); // no request left behind when the client closes
      await killer.close();
      await client.close();
    },
  };
}
