/**
 * Fresh databases loaded with the export fixtures, on the servers `deno task test` started.
 * Each test gets its own PostgreSQL and ClickHouse database, so test files can run in any order.
 */
import pg from "pg";
import { createClient } from "@clickhouse/client";
import type { Env } from "../lib/config.ts";
import { testServers } from "./env.ts";
import { splitStatements } from "./sql_statements.ts";

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
  const read = (file: string) => Deno.readTextFile(new URL(file, FIXTURES));

  const admin = new pg.Client({ connectionString: servers.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const pgUrl = new URL(servers.pgUrl);
  pgUrl.pathname = `/${name}`;
  const db = new pg.Client({ connectionString: pgUrl.toString() });
  await db.connect();
  for (const file of files.postgres) await db.query(await read(file));
  await db.end();

  const ch = createClient({
    url: servers.chUrl,
    username: servers.chUser,
    password: servers.chPassword,
  });
  await ch.command({ query: `CREATE DATABASE ${name}` });
  const chDb = createClient({
    url: servers.chUrl,
    username: servers.chUser,
    password: servers.chPassword,
    database: name,
  });
  for (const file of files.clickhouse) {
    for (const statement of splitStatements(await read(file))) {
      await chDb.command({ query: statement });
    }
  }
  await chDb.close();

  return {
    env: {
      PRICING_PG_URL: pgUrl.toString(),
      PRICING_CH_URL: servers.chUrl,
      PRICING_CH_USER: servers.chUser,
      PRICING_CH_PASSWORD: servers.chPassword,
      PRICING_CH_DATABASE: name,
    },
    async drop() {
      await ch.command({ query: `DROP DATABASE IF EXISTS ${name}` });
      await ch.close();
      const admin = new pg.Client({ connectionString: servers.pgUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
