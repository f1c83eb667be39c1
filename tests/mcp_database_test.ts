/**
 * The database_sql tool (PRICING_MCP_DATABASE_SQL=1) over stdio against the real test PostgreSQL
 * and ClickHouse (tests/env.ts): reads through the export's read-only sessions, writes refused by
 * the gate and, past it, by PostgreSQL's READ ONLY transaction. PostgreSQL is read as a role made
 * by README.md's least-privilege lines (leastPrivilegeDatabases): the test server's superuser, and
 * any role that may read secrets, is refused. (Cancels and turns: mcp_database_cancel_test.ts; the
 * values it answers: mcp_database_values_test.ts.)
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pg from "pg";
import { databaseQueriesSettled } from "../lib/mcp/database_sql.ts";
import { leastPrivilegeDatabases, readmeRole } from "./fixture_databases.ts";
import { testServers } from "./env.ts";
import { call, connectInMemory, refused, text, type Values } from "./mcp_client.ts";
import { databaseSqlStdio, databaseSqlStore } from "./mcp_database_fixture.ts";

Deno.test("database_sql (PRICING_MCP_DATABASE_SQL=1): reads the real PostgreSQL and ClickHouse, refuses writes", async () => {
  const databases = await leastPrivilegeDatabases("mcp");
  const dir = await Deno.makeTempDir({ prefix: "mcp_db_" });
  const { transport, client } = databaseSqlStdio(databases.env, dir);
  try {
    await client.connect(transport);
    const tool = (await client.listTools()).tools.find((t) => t.name === "database_sql");
    assertEquals(tool?.annotations?.readOnlyHint, true);
    const pgCount = async () => {
      const result = await call(client, "database_sql", {
        database: "postgres",
        sql: "SELECT count(*)::int AS n FROM organization",
      });
      assertEquals(result.isError, undefined, text(result));
      return (result.structuredContent!.rows as Values[])[0].n;
    };
    // tests/fixtures/postgres_data.sql inserts seven organizations (A–G).
    assertEquals(await pgCount(), 7);
    // README's role reads what the export reads: auth.users' id and last sign-in, not e-mails;
    // the refusal names those columns and offers no GRANT of the whole table
    const emails = await call(client, "database_sql", {
      database: "postgres",
      sql: "SELECT email FROM auth.users",
    });
    refused(
      emails,
      new RegExp(
        `^error: the PostgreSQL role ${databases.role} may read only columns id and last_sign_in_at of table auth\\.users, and the postgres query reads another of its columns \\(PRICING_PG_URL: postgres://${databases.role}:\\*\\*\\*@[^)]+\\): read only the columns the role is granted \\(name them: SELECT \\* reads every column\\), or ask the database owner whether the role should read more of the table \\(its grant leaves the other columns out, perhaps on purpose\\)$`,
      ),
    );
    ok(!text(emails).includes("GRANT"), text(emails));
    const names = await call(client, "database_sql", {
      database: "postgres",
      sql: "SELECT name FROM organization WHERE id = '22222222-2222-4222-8222-222222222222'",
    });
    // The formula-looking name comes back as data: a quoted literal in text.
    ok(
      text(names).includes(JSON.stringify("=cmd|' /C calc'!A0").replace("|", "\\u007c")),
      text(names),
    );

    refused(
      await call(client, "database_sql", { database: "postgres", sql: "DELETE FROM organization" }),
      /only SELECT/,
    );
    refused(
      await call(client, "database_sql", {
        database: "postgres",
        sql: "SELECT 1; UPDATE organization SET name = 'x'",
      }),
      /one statement/,
    );
    refused(
      await call(client, "database_sql", {
        database: "postgres",
        sql: "WITH d AS (DELETE FROM organization RETURNING id) SELECT count(*) FROM d",
      }),
      /DELETE is refused/,
    );
    refused(
      await call(client, "database_sql", { database: "postgres", sql: "SELECT \"nextval\"('s')" }),
      /nextval\(\) is refused/,
    );
    // functions with side effects (which ran in the READ ONLY transaction: statistics reset, a
    // WAL message written, an xid assigned) are refused before anything is sent
    for (
      const sql of [
        "SELECT pg_stat_reset()",
        "SELECT pg_logical_emit_message(true, 'x', 'y') AS lsn",
        "SELECT pg_current_xact_id() AS xid",
        "SELECT pg_try_advisory_lock(1) AS locked",
      ]
    ) refused(await call(client, "database_sql", { database: "postgres", sql }), /is refused/);
    // A backslash is a character in PostgreSQL's '…' (standard_conforming_strings): it hides no
    // call from the gate; what the gate accepts PostgreSQL reads the same way
    refused(
      await call(client, "database_sql", {
        database: "postgres",
        sql: "SELECT 'a\\' AS x, pg_read_file('/etc/passwd') -- '",
      }),
      /pg_read_file\(\) is refused/,
    );
    refused(
      await call(client, "database_sql", {
        database: "postgres",
        sql: "SELECT 1 AS x -- \r, pg_read_file('/etc/passwd') AS y",
      }),
      /carriage return/,
    );
    const pgValue = async (sql: string) => {
      const result = await call(client, "database_sql", { database: "postgres", sql });
      assertEquals(result.isError, undefined, text(result));
      return (result.structuredContent!.rows as Values[])[0].x;
    };
    assertEquals(await pgValue("SELECT 'a\\\\' AS x"), "a\\\\");
    assertEquals(await pgValue("SELECT E'it\\'s' AS x"), "it's");
    assertEquals(await pgValue("SELECT $q$ 'a' $q$ AS x"), " 'a' ");
    // Past the gate, the READ ONLY transaction holds: a function that deletes (production may
    // have such functions; the gate cannot know them) is refused by PostgreSQL itself.
    const admin = new pg.Client({ connectionString: databases.adminEnv.PRICING_PG_URL });
    await admin.connect();
    try {
      await admin.query(
        "CREATE FUNCTION mcp_wipe() RETURNS int LANGUAGE sql AS $$ DELETE FROM organization; SELECT 1 $$",
      );
    } finally {
      await admin.end();
    }
    refused(
      await call(client, "database_sql", { database: "postgres", sql: "SELECT mcp_wipe() AS n" }),
      /read-only transaction/,
    );
    assertEquals(await pgCount(), 7);
    // the statement may not lift the READ ONLY transaction's statement_timeout
    refused(
      await call(client, "database_sql", {
        database: "postgres",
        sql: "SELECT set_config('statement_timeout', '0', true) AS x",
      }),
      /set_config\(\) is refused/,
    );
    refused(
      await call(client, "database_sql", {
        database: "postgres",
        sql: "SELECT 1 AS x; SET LOCAL statement_timeout = 0",
      }),
      /one statement/,
    );
    // an empty result still names its columns: no rows, not wrong columns
    const pgEmpty = await call(client, "database_sql", {
      database: "postgres",
      sql: "SELECT id, name FROM organization WHERE false;\n-- end of query",
    });
    assertEquals(pgEmpty.isError, undefined, text(pgEmpty));
    assertEquals(pgEmpty.structuredContent!.columns, ["id", "name"]);
    assertEquals(pgEmpty.structuredContent!.rows, []);

    const servers = testServers();
    const direct = await fetch(
      `${servers.chUrl}/?database=${databases.env.PRICING_CH_DATABASE}&query=${
        encodeURIComponent("SELECT count() FROM request_response_rmt")
      }`,
      { headers: { "X-ClickHouse-User": servers.chUser, "X-ClickHouse-Key": servers.chPassword } },
    );
    const rows = Number((await direct.text()).trim());
    const chCount = async () => {
      const result = await call(client, "database_sql", {
        database: "clickhouse",
        sql: "SELECT count() AS n FROM request_response_rmt",
      });
      assertEquals(result.isError, undefined, text(result));
      return Number((result.structuredContent!.rows as Values[])[0].n);
    };
    assertEquals(await chCount(), rows);
    refused(
      await call(client, "database_sql", {
        database: "clickhouse",
        sql: "INSERT INTO request_response_rmt SELECT * FROM request_response_rmt",
      }),
      /only SELECT/,
    );
    refused(
      await call(client, "database_sql", {
        database: "clickhouse",
        sql: "SELECT * FROM url('http://127.0.0.1:1/', CSV, 'a String')",
      }),
      /url\(\) is refused/,
    );
    // ClickHouse reads \' as a quote inside the string, as the gate does: this is one string
    const chString = await call(client, "database_sql", {
      database: "clickhouse",
      sql: "SELECT 'a\\' , file(''/etc/passwd'') -- ' AS x",
    });
    assertEquals(chString.isError, undefined, text(chString));
    assertEquals(chString.structuredContent!.rows, [{ x: "a' , file('/etc/passwd') -- " }]);
    refused(
      await call(client, "database_sql", {
        database: "clickhouse",
        sql: "SELECT 1 AS x // c\n, * FROM file('/etc/passwd')",
      }),
      /\/\/ is refused/,
    );
    assertEquals(await chCount(), rows);
    // a SETTINGS clause would lift the session's time limit (it ran to the request timeout)
    refused(
      await call(client, "database_sql", {
        database: "clickhouse",
        sql: "SELECT count() FROM numbers(20000000000) SETTINGS max_execution_time = 0",
      }),
      /a SETTINGS clause is refused/,
    );
    refused(
      await call(client, "database_sql", {
        database: "clickhouse",
        sql: "SELECT 1 AS x SETTINGS readonly = 0",
      }),
      /a SETTINGS clause is refused/,
    );
    const chEmpty = await call(client, "database_sql", {
      database: "clickhouse",
      sql: "SELECT organization_id, cost FROM request_response_rmt WHERE 0;\n-- end of query",
    });
    assertEquals(chEmpty.isError, undefined, text(chEmpty));
    assertEquals(chEmpty.structuredContent!.columns, ["organization_id", "cost"]);
    assertEquals(chEmpty.structuredContent!.rows, []);
    const chOne = await call(client, "database_sql", {
      database: "clickhouse",
      sql: "SELECT 1 AS x, 'a' AS y",
    });
    assertEquals(chOne.structuredContent!.columns, ["x", "y"]);
    assertEquals(chOne.structuredContent!.rows, [{ x: 1, y: "a" }]);
    // the schema is there to read: the word SYSTEM names ClickHouse's database of system tables
    // (as `system` quoted did), the SYSTEM statement stays refused
    const chColumns = await call(client, "database_sql", {
      database: "clickhouse",
      sql: "SELECT name, type FROM system.columns WHERE database = currentDatabase() " +
        "AND table = 'organization_ptb_spend' ORDER BY name",
    });
    assertEquals(chColumns.isError, undefined, text(chColumns));
    assertEquals(chColumns.structuredContent!.rows, [
      { name: "organization_id", type: "UUID" },
      { name: "spend", type: "UInt64" },
    ]);
    const readonly = await call(client, "database_sql", {
      database: "clickhouse",
      sql: "SELECT name FROM system.settings WHERE name = 'readonly'",
    });
    assertEquals(readonly.structuredContent?.rows, [{ name: "readonly" }], text(readonly));
    refused(
      await call(client, "database_sql", { database: "clickhouse", sql: "SYSTEM DROP DNS CACHE" }),
      /only SELECT statements are allowed \(read-only\); SYSTEM is refused/,
    );
  } finally {
    await client.close();
    await databases.drop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("database_sql refuses a PostgreSQL role that may read secrets, in one line saying what to do; README's role reads", async () => {
  const databases = await leastPrivilegeDatabases("mcprole");
  const dir = await Deno.makeTempDir({ prefix: "mcp_db_" });
  const queries = await Deno.makeTempDir({ prefix: "mcp_db_queries_" });
  const admin = new pg.Client({ connectionString: databases.adminEnv.PRICING_PG_URL });
  await admin.connect();
  const roles: { drop(): Promise<void> }[] = [];
  /** database_sql's answer on PostgreSQL as the role of `env`, in a server of its own */
  const count = async (env: Record<string, string | undefined>) => {
    const session = await connectInMemory(databaseSqlStore(env, dir));
    try {
      return await call(session.client, "database_sql", {
        database: "postgres",
        sql: "SELECT count(*)::int AS n FROM organization",
      });
    } finally {
      await session.close();
    }
  };
  const refusal = (role: string, which: string) =>
    `error: database_sql refuses to run as PostgreSQL role ${role}, which ${which}: through it a read-only SELECT reads secrets (password hashes, server files, settings, other sessions' queries); set PRICING_PG_URL to a role that may read only the kit's tables (README.md, "Least-privilege database users", has the CREATE ROLE and GRANTs)`;
  try {
    // the test server's own user (tests/env.ts), a superuser
    const superuser = (await admin.query("SELECT current_user AS name")).rows[0].name;
    const asSuperuser = await count(databases.adminEnv);
    refused(asSuperuser, /./);
    assertEquals(text(asSuperuser), refusal(superuser, "is a superuser"));
    // a PRICING_QUERIES_DIR file of the check's name is not read: it could answer anything
    await Deno.mkdir(`${queries}/postgres`);
    await Deno.writeTextFile(
      `${queries}/postgres/role_privileges.sql`,
      "SELECT 'nobody'::text AS role, false AS superuser, false AS reads_password_hashes, " +
        "false AS reads_user_mappings, NULL::text AS predefined_roles",
    );
    assertEquals(
      text(await count({ ...databases.adminEnv, PRICING_QUERIES_DIR: queries })),
      refusal(superuser, "is a superuser"),
    );
    // Supabase's own secrets: the app users' password hashes in auth.users, vault's secrets
    await admin.query(
      "ALTER TABLE auth.users ADD COLUMN encrypted_password text; CREATE SCHEMA vault; " +
        "CREATE VIEW vault.decrypted_secrets AS SELECT 'stripe'::text AS name, 'sk_live_x'::text AS decrypted_secret",
    );
    // the role README's lines make reads (tests/fixtures/postgres_data.sql: seven organizations)
    assertEquals((await count(databases.env)).structuredContent?.rows, [{ n: 7 }]);
    // README's role with one grant too many: refused; the grant revoked, the same process asks
    // again (a refusal is not kept) and reads
    for (
      const [grant, revoke, which] of [
        [
          "GRANT pg_monitor TO {role}",
          "REVOKE pg_monitor FROM {role}",
          "is a member of pg_read_all_settings, pg_read_all_stats",
        ],
        [
          "GRANT pg_read_all_data TO {role}",
          "REVOKE pg_read_all_data FROM {role}",
          "may read the roles' password hashes (pg_catalog.pg_authid or pg_shadow), may read foreign servers' passwords (pg_catalog.pg_user_mapping), is a member of pg_read_all_data and may read Supabase's secrets (auth.users.encrypted_password, vault.decrypted_secrets)",
        ],
        [
          // a member that does not inherit their privileges could still take them (SET ROLE)
          "ALTER ROLE {role} NOINHERIT; GRANT pg_read_server_files, pg_execute_server_program TO {role}",
          "REVOKE pg_read_server_files, pg_execute_server_program FROM {role}",
          "is a member of pg_execute_server_program, pg_read_server_files",
        ],
        [
          "GRANT SELECT ON pg_catalog.pg_shadow TO {role}",
          "REVOKE SELECT ON pg_catalog.pg_shadow FROM {role}",
          "may read the roles' password hashes (pg_catalog.pg_authid or pg_shadow)",
        ],
        [
          "GRANT SELECT ON pg_catalog.pg_user_mapping TO {role}",
          "REVOKE SELECT ON pg_catalog.pg_user_mapping FROM {role}",
          "may read foreign servers' passwords (pg_catalog.pg_user_mapping)",
        ],
        [
          // the whole of auth.users, not README's two columns
          "GRANT SELECT ON auth.users TO {role}",
          "REVOKE SELECT ON auth.users FROM {role}; GRANT SELECT (id, last_sign_in_at) ON auth.users TO {role}",
          "may read Supabase's secrets (auth.users.encrypted_password)",
        ],
        [
          // a monitoring tool's grant: pg_show_all_file_settings() reads postgresql.conf and the
          // files it includes (passwords in primary_conninfo, say), pg_read_all_settings or not
          "GRANT EXECUTE ON FUNCTION pg_catalog.pg_show_all_file_settings() TO {role}",
          "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_show_all_file_settings() FROM {role}",
          "may run functions that read or write the server's files (pg_show_all_file_settings)",
        ],
        [
          "GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_file(text), pg_catalog.lo_export(oid, text) TO {role}",
          "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_read_file(text), pg_catalog.lo_export(oid, text) FROM {role}",
          "may run functions that read or write the server's files (lo_export, pg_read_file)",
        ],
        [
          "GRANT USAGE ON SCHEMA vault TO {role}; GRANT SELECT ON vault.decrypted_secrets TO {role}",
          "REVOKE USAGE ON SCHEMA vault FROM {role}",
          "may read Supabase's secrets (vault.decrypted_secrets)",
        ],
      ]
    ) {
      const reader = await readmeRole(databases.adminEnv.PRICING_PG_URL!, grant);
      roles.push(reader);
      const env = { ...databases.env, PRICING_PG_URL: reader.url };
      const answer = await count(env);
      refused(answer, /./);
      assertEquals(text(answer), refusal(reader.role, which), grant);
      await admin.query(revoke.replaceAll("{role}", reader.role));
      assertEquals((await count(env)).structuredContent?.rows, [{ n: 7 }], revoke);
    }
    // The role is asked before every statement, not once per process: in one server (one
    // session, as the MCP server runs for days) a grant made after a statement passed is seen at
    // the next statement, and its revoke at the one after.
    const session = await connectInMemory(databaseSqlStore(databases.env, dir));
    try {
      const ask = () =>
        call(session.client, "database_sql", {
          database: "postgres",
          sql: "SELECT count(*)::int AS n FROM organization",
        });
      assertEquals((await ask()).structuredContent?.rows, [{ n: 7 }]);
      await admin.query(`GRANT pg_read_all_settings TO ${databases.role}`);
      const answer = await ask();
      refused(answer, /./);
      assertEquals(text(answer), refusal(databases.role, "is a member of pg_read_all_settings"));
      await admin.query(`REVOKE pg_read_all_settings FROM ${databases.role}`);
      assertEquals((await ask()).structuredContent?.rows, [{ n: 7 }]);
    } finally {
      await session.close();
    }
  } finally {
    await admin.end();
    await databaseQueriesSettled();
    await databases.drop();
    for (const role of roles) await role.drop();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(queries, { recursive: true });
  }
});

Deno.test("database_sql: a statement with unbalanced parentheses is refused before it can close the row cap's wrapper; parentheses in strings and names run", async () => {
  const databases = await leastPrivilegeDatabases("mcpparens");
  const env = databases.env as Record<string, string>;
  const dir = await Deno.makeTempDir({ prefix: "mcp_db_" });
  const session = await connectInMemory(databaseSqlStore(env, dir));
  try {
    // wrapped as `SELECT * FROM (\n…\n) LIMIT n`, the first SELECT would sit outside the LIMIT
    const escapes = {
      clickhouse: "SELECT number FROM numbers(100000)) UNION ALL SELECT 1 WHERE 1 IN (SELECT 1",
      postgres:
        "SELECT n FROM generate_series(1, 100000) AS g(n)) AS a UNION ALL SELECT 1 FROM (SELECT 1",
    };
    for (const [database, sql] of Object.entries(escapes)) {
      refused(
        await call(session.client, "database_sql", { database, sql }),
        /^error: unbalanced parentheses: the \) at character \d+ closes no \(; the statement must balance its parentheses \(those inside strings, quoted names and comments do not count\)$/,
      );
      const balanced = await call(session.client, "database_sql", {
        database,
        sql: `SELECT ')(' AS "a)", count(*) AS n FROM (SELECT 1 AS x) AS t -- )`,
      });
      assertEquals(balanced.isError, undefined, text(balanced));
      assertEquals(balanced.structuredContent?.rows, [{ "a)": ")(", n: 1 }], database);
    }
  } finally {
    await session.close();
    await databaseQueriesSettled();
    await databases.drop();
    await Deno.remove(dir, { recursive: true });
  }
});
