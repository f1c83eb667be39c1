/**
 * ClickHouse reads over HTTP with read-only settings and a server-side time limit. The SQL must run
 * on production's modern ClickHouse and on Debian's 18.16 used in tests, so nothing here relies on
 * query parameters or newer formats: JSONEachRow only.
 */
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { type ClickHouseSettings, UserError } from "../core/config.ts";
import { bindClickHouse, type SqlFile, type SqlParams } from "./sql.ts";

export interface ClickHouseSource {
  query(sql: SqlFile, params: SqlParams): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export function openClickHouse(settings: ClickHouseSettings): ClickHouseSource {
  const clickhouseSettings: Record<string, string | number> = {
    max_execution_time: settings.maxExecutionSeconds,
    // Progress headers keep long queries' connections alive through load balancers.
    send_progress_in_http_headers: 1,
    http_headers_progress_interval_ms: "20000",
  };
  if (settings.readonly !== "off") clickhouseSettings.readonly = settings.readonly;
  const client: ClickHouseClient = createClient({
    url: settings.url,
    username: settings.username,
    password: settings.password,
    database: settings.database,
    max_open_connections: settings.maxConcurrentQueries,
    request_timeout: (settings.maxExecutionSeconds + 30) * 1000,
    compression: { request: false, response: false },
    application: "pricing-kit",
    clickhouse_settings: clickhouseSettings,
    // The client would print its own errors; ours are reported once, as one line.
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    async query(sql, params) {
      const query = bindClickHouse(sql, params);
      try {
        const result = await client.query({
          query,
          format: "JSONEachRow",
        });
        return await result.json<Record<string, unknown>>();
      } catch (error) {
        throw clickHouseError(error, settings, sql.file);
      }
    },
    close: () => client.close(),
  };
}

function clickHouseError(error: unknown, settings: ClickHouseSettings, file: string): UserError {
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
      `cannot reach ClickHouse at ${settings.url} (${code}); check PRICING_CH_URL`,
    );
  }
  // 18.16's errors reach the client untyped: recognise them by code number in the text too.
  const serverCode = code ?? message.match(/Code: (\d+)/)?.[1];
  if (
    ["192", "193", "194", "516"].includes(serverCode ?? "") ||
    /Wrong password|password is incorrect|Authentication failed|Unknown user/i.test(message)
  ) {
    return new UserError(
      `ClickHouse rejected the credentials (PRICING_CH_USER / PRICING_CH_PASSWORD) at ${settings.url}`,
    );
  }
  if (serverCode === "159" || /Timeout exceeded/i.test(message)) {
    return new UserError(
      `${file} hit ClickHouse's time limit; raise PRICING_CH_MAX_EXECUTION_SECONDS`,
    );
  }
  return new UserError(`${file} failed on ClickHouse: ${message}`);
}
