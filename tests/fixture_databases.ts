/**
 * Fresh databases loaded with the export fixtures, on the servers `deno task test` started.
 * Each test gets its own PostgreSQL and ClickHouse database, so test files can run in any order.
 */
import type { Env } from "../lib/core/config.ts";
import { testServers } from "./env.ts";
import { createChDatabase, createPgDatabase, dropChDatabase, dropPgDatabase } from "./servers.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);

export interface FixtureDatabases {
  /** settings for the kit, as a user would put them in .env */
  env: Env;
  drop(): Promise<void>;
}

export async function freshFixtureDatabases(
  label: string,
  files = {
    postgres: ["postgres_schema.sql", "postgres_data.sql"],
    clickhouse: ["clickhouse_schema.sql", "clickhouse_data.sql"],
  },
): Promise<FixtureDatabases> {
  const servers = testServers();
  const name = `fx_${label}_${crypto.randomUUID().slice(0, 8)}`;
  const fixture = (file: string) => new URL(file, FIXTURES);
  const pgUrl = await createPgDatabase(servers.pgUrl, name, files.postgres.map(fixture));
  const ch = { url: servers.chUrl, user: servers.chUser, password: servers.chPassword };
  await createChDatabase(ch, name, files.clickhouse.map(fixture));
  return {
    env: {
      PRICING_PG_URL: pgUrl,
      PRICING_CH_URL: servers.chUrl,
      PRICING_CH_USER: servers.chUser,
      PRICING_CH_PASSWORD: servers.chPassword,
      PRICING_CH_DATABASE: name,
    },
    async drop() {
      await dropChDatabase(ch, name);
      await dropPgDatabase(servers.pgUrl, name);
    },
  };
}
