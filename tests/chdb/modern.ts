/**
 * Modern ClickHouse (26.x) in-process: chdb behind the real @clickhouse/client, through
 * `createChdbConnection` from `chdb/connection` (the client's pluggable connection). Only loads
 * from tests/chdb/node_modules (`npm install` here), so run it with `--config tests/chdb/deno.json`;
 * the main tests reach it through tests/servers.ts `runOnModernClickHouse` (a subprocess).
 */
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import { splitStatements } from "../sql_statements.ts";

export type Row = Record<string, unknown>;

export interface ModernClickHouse {
  /** the @clickhouse/client on chdb, for anything the helpers below do not cover */
  client: ClickHouseClient;
  /** version() of the engine, e.g. 26.7.2.1 */
  version(): Promise<string>;
  /** Runs every statement of a SQL text (split on `;` at line ends), e.g. a schema or data file. */
  run(sql: string): Promise<void>;
  /** One SELECT's rows as JSONEachRow objects. */
  query(
    sql: string,
    settings?: Record<string, string | number>,
  ): Promise<Row[]>;
  close(): Promise<void>;
}

/** An in-memory engine; chdb shares one engine per process, so every `:memory:` client sees it. */
export function openModernClickHouse(): ModernClickHouse {
  const client = createClient({
    connection: createChdbConnection({ path: ":memory:" }),
  });
  const query = async (
    sql: string,
    settings: Record<string, string | number> = {},
  ) => {
    const result = await client.query({
      query: sql,
      format: "JSONEachRow",
      clickhouse_settings: settings,
    });
    return await result.json<Row>();
  };
  return {
    client,
    async version() {
      return String((await query("SELECT version() AS v"))[0].v);
    },
    async run(sql) {
      for (const statement of splitStatements(sql)) {
        await client.command({ query: statement });
      }
    },
    query,
    close: () => client.close(),
  };
}
