/**
 * ClickHouse reads over HTTP with read-only settings and a server-side time limit. The SQL must run
 * on production's modern ClickHouse and on Debian's 18.16 used in tests, so nothing here relies on
 * query parameters or newer formats: JSONEachRow and CSVWithNames only. Before the first query the user profile's
 * own `readonly` is asked, and only the settings that profile accepts are sent with each query.
 */
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { type ClickHouseSettings, UserError } from "../core/config.ts";
import { bindClickHouse, loadSql, type SqlFile, type SqlParams } from "./sql.ts";

export interface ClickHouseSource {
  query(sql: SqlFile, params: SqlParams): Promise<Record<string, unknown>[]>;
  /** the result as CSV text with a header row (CSVWithNames, which 18.16 has too), for Polars */
  queryCsv(sql: SqlFile, params: SqlParams): Promise<string>;
  /** what the session sent (asked once, before the first query); for the manifest */
  session(): Promise<ClickHouseSession>;
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
 * is already read-only and refuses a change of `readonly`, `off` sends nothing at all.
 */
export function sessionSettings(
  settings: ClickHouseSettings,
  profileReadonly: string | null,
): Record<string, string | number> {
  if (settings.readonly === "off" || profileReadonly === "1") return {};
  const sent: Record<string, string | number> = {
    max_execution_time: settings.maxExecutionSeconds,
    // Progress headers keep long queries' connections alive through load balancers.
    send_progress_in_http_headers: 1,
    http_headers_progress_interval_ms: "20000",
  };
  if (profileReadonly !== "2") sent.readonly = settings.readonly;
  return sent;
}

export function openClickHouse(settings: ClickHouseSettings): ClickHouseSource {
  const client: ClickHouseClient = createClient({
    url: settings.url,
    username: settings.username,
    password: settings.password,
    database: settings.database,
    max_open_connections: settings.maxConcurrentQueries,
    request_timeout: settings.requestTimeoutSeconds * 1000,
    // Response compression would send enable_http_compression, a setting readonly=1 refuses.
    compression: { request: false, response: false },
    application: "pricing-kit",
    // The client would print its own errors; ours are reported once, as one line.
    log: { level: ClickHouseLogLevel.OFF },
  });
  // One request; its body is read inside the same error handling (a failure can arrive mid-body).
  const send = async <T>(
    sql: SqlFile,
    request: {
      params: SqlParams;
      sent: Record<string, string | number>;
      format: "JSONEachRow" | "CSVWithNames";
      read: (result: { json<R>(): Promise<R[]>; text(): Promise<string> }) => Promise<T>;
    },
  ): Promise<T> => {
    const query = bindClickHouse(sql, request.params);
    try {
      const result = await client.query({
        query,
        format: request.format,
        clickhouse_settings: request.sent,
      });
      return await request.read(result);
    } catch (error) {
      throw clickHouseError(error, { settings, file: sql.file, sent: request.sent });
    }
  };
  const run = (sql: SqlFile, params: SqlParams, sent: Record<string, string | number>) =>
    send(sql, {
      params,
      sent,
      format: "JSONEachRow",
      read: (result) => result.json<Record<string, unknown>>(),
    });
  // The whole body as one string: no object per row (the client's stream() would make one).
  const runCsv = (sql: SqlFile, params: SqlParams, sent: Record<string, string | number>) =>
    send(sql, { params, sent, format: "CSVWithNames", read: (result) => result.text() });
  let session: Promise<ClickHouseSession> | undefined;
  const startSession = async (): Promise<ClickHouseSession> => {
    if (settings.readonly === "off") return { profileReadonly: null, settings: {} };
    let rows: Record<string, unknown>[];
    try {
      rows = await run(await loadSql("clickhouse", "profile_readonly"), {}, {});
    } catch (error) {
      // getSetting is unknown to old servers (18.16): ask system.settings instead. A server that
      // cannot be reached, refuses the credentials or does not answer fails here as it would later.
      if (!(error instanceof UserError && / failed on ClickHouse at /.test(error.message))) {
        throw error;
      }
      rows = await run(await loadSql("clickhouse", "profile_readonly_legacy"), {}, {});
    }
    const profileReadonly = String(rows[0]?.readonly ?? "0");
    return { profileReadonly, settings: sessionSettings(settings, profileReadonly) };
  };
  return {
    async query(sql, params) {
      const { settings: sent } = await (session ??= startSession());
      return await run(sql, params, sent);
    },
    async queryCsv(sql, params) {
      const { settings: sent } = await (session ??= startSession());
      return await runCsv(sql, params, sent);
    },
    session: () => session ??= startSession(),
    close: () => client.close(),
  };
}

/** host:port of the server, never its credentials. */
function serverAddress(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
    return `${parsed.hostname}:${port}`;
  } catch {
    return "the configured server";
  }
}

function clickHouseError(
  error: unknown,
  context: { settings: ClickHouseSettings; file: string; sent: Record<string, string | number> },
): UserError {
  const { settings, file, sent } = context;
  const server = serverAddress(settings.url);
  const e = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  const message = String(e.message ?? error).split("\n")[0].replaceAll(
    settings.password || "\0",
    "***",
  );
  if (
    code && ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "ECONNRESET"].includes(code)
  ) {
    return new UserError(
      `cannot reach ClickHouse at ${server} (${code}) running ${file}; check PRICING_CH_URL`,
    );
  }
  // The client's own request timeout: the server accepted the query and never answered.
  if (/^Timeout error/i.test(message)) {
    const serverLimit = "max_execution_time" in sent
      ? `max_execution_time=${sent.max_execution_time} s (PRICING_CH_MAX_EXECUTION_SECONDS) did not end it`
      : "no max_execution_time was sent (the profile refuses settings or PRICING_CH_READONLY=off)";
    return new UserError(
      `${file}: ClickHouse at ${server} gave no answer within ${settings.requestTimeoutSeconds} s, the wait PRICING_CH_REQUEST_TIMEOUT_SECONDS allows; ${serverLimit}; the server may be frozen or overloaded`,
    );
  }
  // 18.16's errors reach the client untyped: recognise them by code number in the text too.
  const serverCode = code ?? message.match(/Code: (\d+)/)?.[1];
  if (
    ["192", "193", "194", "516"].includes(serverCode ?? "") ||
    /Wrong password|password is incorrect|Authentication failed|Unknown user/i.test(message)
  ) {
    return new UserError(
      `ClickHouse rejected the credentials (PRICING_CH_USER / PRICING_CH_PASSWORD) at ${server}`,
    );
  }
  if (serverCode === "159" || /Timeout exceeded/i.test(message)) {
    return new UserError(
      `${file} hit ClickHouse's time limit at ${server} (max_execution_time); raise PRICING_CH_MAX_EXECUTION_SECONDS`,
    );
  }
  if (serverCode === "164") {
    return new UserError(
      `${file}: the ClickHouse user's profile at ${server} refuses the settings sent (${
        Object.keys(sent).join(", ") || "none"
      }); set PRICING_CH_READONLY=off: ${message}`,
    );
  }
  if (/Illegal types? .*Float\d+ and Decimal/i.test(message)) {
    return new UserError(
      `${file} failed on ClickHouse at ${server}: the cost column is a Float, and costs are summed as integer nano-USD (UInt64 in production); cast it in a query file of your own (PRICING_QUERIES_DIR), where a NaN or inf is refused naming the organization: ${message}`,
    );
  }
  return new UserError(`${file} failed on ClickHouse at ${server}: ${message}`);
}
