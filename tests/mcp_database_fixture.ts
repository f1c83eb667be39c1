/**
 * What tests/mcp_database_*_test.ts share: `deno task mcp` with database_sql on, and the queries
 * running on the test servers found by a mark in their text.
 */
import pg from "pg";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { testServers } from "./env.ts";
import { stdioClient } from "./mcp_client.ts";

/** `deno task mcp` over stdio with database_sql on, on the databases of `env` and the exports in `dir`. */
export const databaseSqlStdio = (env: Record<string, string | undefined>, dir: string) =>
  stdioClient({
    ...env as Record<string, string>,
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_MCP_DATABASE_SQL: "1",
  });

/**
 * The in-process store databaseSqlStdio's server has: database_sql on, on the databases of `env`
 * and the exports in `dir`; `settings` adds or overrides settings.
 */
export const databaseSqlStore = (
  env: Record<string, string | undefined>,
  dir: string,
  settings: Record<string, string> = {},
) =>
  new DatasetStore(
    mcpSettings({
      ...env,
      PRICING_MCP_EXPORTS_DIR: dir,
      PRICING_MCP_DATABASE_SQL: "1",
      ...settings,
    }),
  );

/**
 * The backends / queries on the test servers whose text holds `mark` (not the count's own), as
 * the superuser, who sees every role's.
 */
export function runningWith(mark: string) {
  const servers = testServers();
  return {
    async postgres(): Promise<number> {
      const admin = new pg.Client({ connectionString: servers.pgUrl });
      await admin.connect();
      try {
        return (await admin.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
          [`%${mark}%`],
        )).rows[0].n;
      } finally {
        await admin.end();
      }
    },
    async clickhouse(): Promise<number> {
      const sql =
        `SELECT count() FROM system.processes WHERE query LIKE '%${mark}%' AND query NOT LIKE '%system.processes%'`;
      const answer = await fetch(`${servers.chUrl}/?query=${encodeURIComponent(sql)}`, {
        headers: { "X-ClickHouse-User": servers.chUser, "X-ClickHouse-Key": servers.chPassword },
      });
      return Number((await answer.text()).trim());
    },
  };
}
