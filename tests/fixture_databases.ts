/**
 * Fresh databases loaded with the export fixtures, on the servers `deno task test` started.
 * Each test gets its own PostgreSQL and ClickHouse database, so test files can run in any order.
 */
import pg from "pg";
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

export interface LeastPrivilegeDatabases {
  /** as FixtureDatabases' env, PRICING_PG_URL the least-privilege role's */
  env: Env;
  /** as FixtureDatabases' env: PRICING_PG_URL the test server's superuser's (to set things up) */
  adminEnv: Env;
  /** the role's name */
  role: string;
  /** drops the databases, then the role (roles are server-wide) */
  drop(): Promise<void>;
}

/**
 * Fresh fixture databases read as a PostgreSQL role made by README.md's least-privilege lines
 * (readmeRole): database_sql refuses the test server's superuser, and a role made by what README
 * says must read what the export reads.
 */
export async function leastPrivilegeDatabases(label: string): Promise<LeastPrivilegeDatabases> {
  const databases = await freshFixtureDatabases(label);
  let reader;
  try {
    reader = await readmeRole(databases.env.PRICING_PG_URL!);
  } catch (error) {
    await databases.drop();
    throw error;
  }
  return {
    env: { ...databases.env, PRICING_PG_URL: reader.url },
    adminEnv: databases.env,
    role: reader.role,
    async drop() {
      await databases.drop();
      await reader.drop();
    },
  };
}

/**
 * A new login role on the database of `adminUrl` (a superuser's), made by README.md's lines (the
 * `sql` block after "**Least-privilege database users.**", its role, password and database put
 * in), then `extraSql` with `{role}` replaced (a grant too many); the database's URL as the role,
 * and a drop of the role for after the database's (roles are server-wide).
 */
export async function readmeRole(
  adminUrl: string,
  extraSql = "",
): Promise<{ role: string; url: string; drop(): Promise<void> }> {
  const role = `pk_reader_${crypto.randomUUID().slice(0, 8)}`;
  const password = `Pw-${crypto.randomUUID()}`;
  const database = new URL(adminUrl).pathname.slice(1);
  const drop = async () => {
    const server = new pg.Client({ connectionString: testServers().pgUrl });
    await server.connect();
    try {
      await server.query(`DROP ROLE IF EXISTS ${role}`);
    } finally {
      await server.end();
    }
  };
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(readmeRoleSql({ role, password, database }));
    if (extraSql) await admin.query(extraSql.replaceAll("{role}", role));
  } catch (error) {
    await drop();
    throw error;
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.username = role;
  url.password = password;
  return { role, url: url.toString(), drop };
}

/** README.md's CREATE ROLE and GRANT lines with `role`, `password` and `database` put in. */
function readmeRoleSql(
  { role, password, database }: { role: string; password: string; database: string },
): string {
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  const block = /\*\*Least-privilege database users\.\*\*[\s\S]*?```sql\n([\s\S]*?)```/.exec(readme)
    ?.[1];
  if (!block || !block.includes("'change-me'") || !block.includes("DATABASE postgres")) {
    throw new Error(
      "README.md has no ```sql block with 'change-me' and DATABASE postgres after **Least-privilege database users.**",
    );
  }
  return block.replaceAll("pricing_kit", role).replaceAll("'change-me'", `'${password}'`)
    .replaceAll("DATABASE postgres", `DATABASE ${database}`);
}
