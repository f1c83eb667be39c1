/**
 * lib/sources/postgres.ts as a role short of privileges on the real PostgreSQL 15 of `deno task
 * test`: a missing USAGE, SELECT or column grant named in one line with the grant README's
 * least-privilege role needs.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import pg from "pg";
import { openPostgres } from "../lib/sources/postgres.ts";
import { BUILT_IN_READ_COLUMNS } from "../lib/sources/postgres_errors.ts";
import { freshFixtureDatabases, leastPrivilegeDatabases, readmeRole } from "./fixture_databases.ts";
import { loadSql } from "../lib/sources/sql.ts";
import { quietLiveExport } from "./live_export.ts";
import { loginRole } from "./postgres_fixture.ts";

Deno.test("a role without USAGE on a schema or SELECT on a table: one line naming the role, the grant and PRICING_QUERIES_DIR", async () => {
  const databases = await freshFixtureDatabases("pg_grants");
  const admin = new pg.Client({ connectionString: databases.env.PRICING_PG_URL });
  await admin.connect();
  // a new read-only role as Supabase makes one: the public tables, nothing of schema auth
  const login = await loginRole(admin, {
    prefix: "pk_reader",
    baseUrl: databases.env.PRICING_PG_URL!,
  });
  const { role, url } = login;
  await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
  const shown = `postgres://${role}:***@${url.host}${url.pathname}`;
  const outDir = await Deno.makeTempDir();
  const exportAs = () =>
    quietLiveExport({
      env: { ...databases.env, PRICING_PG_URL: url.toString() },
      outDir,
      formats: ["csv"],
      asOf: new Date("2026-11-01T00:00:00Z"),
    });
  const instead =
    "or set PRICING_QUERIES_DIR to a folder whose postgres/organizations.sql reads only what the role may (it replaces the built-in query)";
  try {
    await rejects(exportAs(), {
      message:
        `the PostgreSQL role ${role} may not read schema auth, which queries/postgres/organizations.sql reads (PRICING_PG_URL: ${shown}): grant it as an owner or admin (GRANT USAGE ON SCHEMA auth TO ${role}; GRANT SELECT (id, last_sign_in_at) ON auth.users TO ${role}), ${instead}`,
    });
    // USAGE but no SELECT: the server names the table bare, the query's text its schema; the
    // grant is of the columns organizations.sql reads, not of e-mails and password hashes
    await admin.query(`GRANT USAGE ON SCHEMA auth TO ${role}`);
    await rejects(exportAs(), {
      message:
        `the PostgreSQL role ${role} may not read table auth.users, which queries/postgres/organizations.sql reads (PRICING_PG_URL: ${shown}): grant it as an owner or admin (GRANT SELECT (id, last_sign_in_at) ON auth.users TO ${role}), ${instead}`,
    });
    // the grants the line names are the ones that were missing, and enough
    await admin.query(`GRANT SELECT (id, last_sign_in_at) ON auth.users TO ${role}`);
    assertEquals((await exportAs()).data.frame.height, 5);
    // a database the role may not connect to: named at the connection, not a query file
    const database = url.pathname.slice(1);
    await admin.query(`REVOKE CONNECT ON DATABASE ${database} FROM PUBLIC`);
    await rejects(exportAs(), {
      message:
        `the PostgreSQL role ${role} may not connect to database ${database} (PRICING_PG_URL: ${shown}): grant it as an owner or admin (GRANT CONNECT ON DATABASE ${database} TO ${role}), or set PRICING_PG_URL to a role that may`,
    });
  } finally {
    await admin.end();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
    await login.drop();
  }
});

Deno.test("the columns a refusal grants of auth.users are README's least-privilege role's", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const block =
    /\*\*Least-privilege database users\.\*\*[\s\S]*?```sql\n([\s\S]*?)```/.exec(readme)![1];
  const granted = /GRANT SELECT \(([^)]*)\) ON auth\.users/.exec(block)![1].split(/,\s*/);
  assertEquals(granted, BUILT_IN_READ_COLUMNS["auth.users"]);
});

Deno.test("a column the role was not granted (README's role and auth.users' e-mail): the columns it may read, no GRANT of the whole table", async () => {
  const databases = await leastPrivilegeDatabases("pg_columns");
  const adminUrl = databases.adminEnv.PRICING_PG_URL!;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // README's role reads id and last_sign_in_at of auth.users; besides, a table of public with one
  // column granted, and one with none
  await admin.query(`CREATE TABLE accounts (id int, secret text, "Plan Name" text);
    GRANT SELECT (id, "Plan Name") ON accounts TO ${databases.role};
    CREATE TABLE vault (id int)`);
  const url = new URL(databases.env.PRICING_PG_URL!);
  const where = `(PRICING_PG_URL: postgres://${databases.role}:***@${url.host}${url.pathname})`;
  const who = `the PostgreSQL role ${databases.role}`;
  const source = openPostgres({
    url: url.toString(),
    statementTimeoutMs: 60_000,
    requestTimeoutMs: 90_000,
    maxConnections: 1,
  });
  // the kit's own organizations.sql as a role granted auth.users' id alone
  const narrower = await readmeRole(
    adminUrl,
    "REVOKE SELECT (last_sign_in_at) ON auth.users FROM {role}",
  );
  const narrowSource = openPostgres({
    url: narrower.url,
    statementTimeoutMs: 60_000,
    requestTimeoutMs: 90_000,
    maxConnections: 1,
  });
  const asRole = new pg.Client({ connectionString: url.toString() });
  await asRole.connect();
  const query = (text: string) =>
    source.query({ file: "the postgres query", text, sha256: "" }, {});
  const readOnlyColumns =
    "read only the columns the role is granted (name them: SELECT * reads every column), or ask the database owner whether the role should read more of the table (its grant leaves the other columns out, perhaps on purpose)";
  try {
    // PostgreSQL 15 refuses a column not granted as it refuses a table not granted at all, in the
    // same words, and pg's DatabaseError carries no table, column or schema for either: only the
    // catalog tells them apart
    const refusal = async (text: string) => {
      const error = await asRole.query(text).then(() => null, (e: unknown) => e);
      const { code, message, table, column, schema } = (error ?? {}) as Record<string, unknown>;
      return { code, message, table, column, schema };
    };
    assertEquals(await refusal("SELECT email FROM auth.users"), {
      code: "42501",
      message: "permission denied for table users",
      table: undefined,
      column: undefined,
      schema: undefined,
    });
    assertEquals(await refusal("SELECT id FROM vault"), {
      code: "42501",
      message: "permission denied for table vault",
      table: undefined,
      column: undefined,
      schema: undefined,
    });
    for (const text of ["SELECT email FROM auth.users", "SELECT * FROM auth.users u"]) {
      await rejects(query(text), {
        message:
          `${who} may read only columns id and last_sign_in_at of table auth.users, and the postgres query reads another of its columns ${where}: ${readOnlyColumns}`,
      });
    }
    // the same connection answers afterwards (the lookup's transaction ended), and the granted
    // columns are read
    assertEquals((await query("SELECT count(id)::int AS n FROM auth.users"))[0].n, 7);
    // named bare: the search path's table; a column name as a GRANT would take it
    await rejects(query("SELECT secret FROM accounts"), {
      message:
        `${who} may read only columns id and "Plan Name" of table public.accounts, and the postgres query reads another of its columns ${where}: ${readOnlyColumns}`,
    });
    // a table of no column granted: the GRANT of the table, as before
    await rejects(query("SELECT id FROM vault"), {
      message:
        `${who} may not read table vault, which the postgres query reads ${where}: grant it as an owner or admin (GRANT SELECT ON vault TO ${databases.role}), or change the query to read only what the role may`,
    });
    // the kit's own query file: the columns it reads, granted as README grants them
    const narrowUrl = new URL(narrower.url);
    await rejects(
      narrowSource.query(await loadSql("postgres", "organizations"), {
        window_start: new Date("2026-10-02T00:00:00Z"),
        window_end: new Date("2026-11-01T00:00:00Z"),
        as_of: new Date("2026-11-01T00:00:00Z"),
      }),
      {
        message:
          `the PostgreSQL role ${narrower.role} may read only column id of table auth.users, and queries/postgres/organizations.sql reads another of its columns (PRICING_PG_URL: postgres://${narrower.role}:***@${narrowUrl.host}${narrowUrl.pathname}): ask the database owner to grant the role the columns queries/postgres/organizations.sql reads (GRANT SELECT (column, …) ON auth.users TO ${narrower.role}; README.md, "Least-privilege database users", has the kit's), or set PRICING_QUERIES_DIR to a folder whose postgres/organizations.sql reads only what the role may (it replaces the built-in query)`,
      },
    );
  } finally {
    await asRole.end();
    await source.close();
    await narrowSource.close();
    await admin.end();
    await databases.drop();
    await narrower.drop();
  }
});
