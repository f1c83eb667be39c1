/**
 * lib/sources/postgres.ts connecting to the real PostgreSQL 15 of `deno task test`: a password
 * masked in errors, sslmode=require, a database without the tables or missing, connection limits;
 * each refusal one line naming the setting and the fix.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, match, rejects } from "node:assert/strict";
import pg from "pg";
import { explicitSslMode, openPostgres } from "../lib/sources/postgres.ts";
import { postgresError } from "../lib/sources/postgres_errors.ts";
import { testServers } from "./env.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { quietLiveExport } from "./live_export.ts";
import { loginRole } from "./postgres_fixture.ts";
import { refusedPort } from "./refused_port.ts";

Deno.test("a password given as a ?password= parameter is masked in the connection error", async () => {
  // every connection refused: pg reads the parameter as the password and fails to connect
  const down = await refusedPort();
  const source = openPostgres({
    url: `postgres://reader@127.0.0.1:${down.port}/db?password=S3cretPw&application_name=x`,
    statementTimeoutMs: 1000,
    requestTimeoutMs: 5000,
    maxConnections: 1,
  });
  try {
    await rejects(source.query({ file: "x.sql", text: "SELECT 1", sha256: "" }, {}), {
      message:
        `cannot reach PostgreSQL at postgres://reader@127.0.0.1:${down.port}/db?password=***&application_name=x (ECONNREFUSED); check PRICING_PG_URL`,
    });
  } finally {
    await source.close();
    await down.release();
  }
});

Deno.test("sslmode=require connects as pg always did (verify-full) without its SECURITY WARNING", async () => {
  assertEquals(
    explicitSslMode("postgres://u:p%40ss@h:5432/db?sslmode=require&application_name=x"),
    "postgres://u:p%40ss@h:5432/db?sslmode=verify-full&application_name=x",
  );
  assertEquals(
    explicitSslMode("postgres://h/db?sslmode=prefer"),
    "postgres://h/db?sslmode=verify-full",
  );
  assertEquals(
    explicitSslMode("postgres://h/db?a=1&sslmode=verify-ca"),
    "postgres://h/db?a=1&sslmode=verify-full",
  );
  for (
    const kept of [
      "postgres://h/db?sslmode=disable",
      "postgres://h/db?sslmode=no-verify",
      "postgres://h/db?x_sslmode=require",
    ]
  ) {
    assertEquals(explicitSslMode(kept), kept);
  }
  // A real connection attempt in a process of its own (pg warns once per process, on stderr).
  const postgres = new URL("../lib/sources/postgres.ts", import.meta.url).href;
  const script = `const { openPostgres } = await import(${JSON.stringify(postgres)});
    const source = openPostgres({ url: "postgres://u:p@127.0.0.1:9/db?sslmode=require", statementTimeoutMs: 1000, requestTimeoutMs: 5000, maxConnections: 1 });
    await source.query({ file: "x.sql", text: "SELECT 1", sha256: "" }, {}).catch((e) => console.log(e.message));
    await source.close();`;
  const config = fileURLToPath(new URL("../deno.json", import.meta.url));
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", config, script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const [stdout, stderr] = [output.stdout, output.stderr].map((b) => new TextDecoder().decode(b));
  match(
    stdout,
    /^cannot reach PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:9\/db\?sslmode=require /,
  );
  assertEquals(stderr, "");
});

Deno.test("sslmode=require against a PostgreSQL without TLS: one line naming the setting and the fix", async () => {
  const url = new URL(testServers().pgUrl);
  url.searchParams.set("sslmode", "require");
  const source = openPostgres({
    url: url.toString(),
    statementTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
    maxConnections: 1,
  });
  try {
    await rejects(
      source.query({ file: "x.sql", text: "SELECT 1", sha256: "" }, {}),
      (error: Error) => {
        match(
          error.message,
          /^PostgreSQL at postgres:\/\/.*sslmode=require does not support TLS, and sslmode in PRICING_PG_URL asks for it: enable TLS on the server, or set sslmode=disable for a server on a trusted network$/,
        );
        return true;
      },
    );
  } finally {
    await source.close();
  }
});

Deno.test("PRICING_PG_URL naming a database without the tables: one line naming the database and the fix", async () => {
  const databases = await freshFixtureDatabases("pg_elsewhere");
  try {
    // the server's own database, as a URL ending in /postgres names it
    const url = new URL(databases.env.PRICING_PG_URL!);
    url.pathname = "/postgres";
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const shown = `postgres://${url.username}${url.password ? ":***" : ""}@${url.host}/postgres`;
    const outDir = await Deno.makeTempDir();
    const queriesDir = await Deno.makeTempDir();
    try {
      await rejects(
        quietLiveExport({
          env: { ...databases.env, PRICING_PG_URL: url.toString() },
          outDir,
          formats: ["csv"],
          asOf: new Date("2026-11-01T00:00:00Z"),
        }),
        (error: Error) => {
          // (whichever query fails first: organizations.sql or prompts_created.sql)
          match(
            error.message,
            new RegExp(
              `^PostgreSQL database postgres at ${
                escape(shown)
              } has no table (organization|prompts_2025), which queries/postgres/(organizations|prompts_created)\\.sql reads: set PRICING_PG_URL to the database that holds Helicone's tables \\(the URL's path names it\\), or for a schema of your own read it with a query file in PRICING_QUERIES_DIR$`,
            ),
          );
          return true;
        },
      );
      // a column of a query file of one's own: the file is the one to fix
      await Deno.mkdir(`${queriesDir}/postgres`);
      await Deno.writeTextFile(
        `${queriesDir}/postgres/prompts_created.sql`,
        "SELECT nosuch FROM organization",
      );
      await rejects(
        quietLiveExport({
          env: { ...databases.env, PRICING_QUERIES_DIR: queriesDir },
          outDir,
          formats: ["csv"],
          asOf: new Date("2026-11-01T00:00:00Z"),
        }),
        {
          message: new RegExp(
            `^${queriesDir}/postgres/prompts_created\\.sql failed on PostgreSQL: column "nosuch" does not exist in database ${databases.env.PRICING_CH_DATABASE} at postgres://\\S+; fix the query, or set PRICING_PG_URL to the database that holds its tables \\(the URL's path names it\\)$`,
          ),
        },
      );
    } finally {
      await Deno.remove(outDir, { recursive: true });
      await Deno.remove(queriesDir, { recursive: true });
    }
  } finally {
    await databases.drop();
  }
});

Deno.test("a database the server does not have: one line naming the server, the database and where to set it", async () => {
  // ClickHouse's side is whole (its tables exist), so PostgreSQL's database is the one thing
  // wrong: with both wrong, whichever server answers first is named
  const databases = await freshFixtureDatabases("pg_no_database");
  const url = new URL(databases.env.PRICING_PG_URL!);
  url.pathname = "/no_such_database_here";
  const outDir = await Deno.makeTempDir();
  try {
    await rejects(
      quietLiveExport({
        env: { ...databases.env, PRICING_PG_URL: url.toString() },
        outDir,
        formats: ["csv"],
        asOf: new Date("2026-11-01T00:00:00Z"),
      }),
      {
        message:
          `PostgreSQL at postgres://postgres:***@${url.host}/no_such_database_here has no such database (database "no_such_database_here" does not exist); set the database in PRICING_PG_URL's path (…:5432/postgres) to the one that holds Helicone's tables`,
      },
    );
    assertEquals([...Deno.readDirSync(outDir)], []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("a connection limit below PRICING_PG_MAX_CONNECTIONS: one line naming the setting and the role's limit", async () => {
  const databases = await freshFixtureDatabases("pg_conn_limit");
  const admin = new pg.Client({ connectionString: databases.env.PRICING_PG_URL });
  await admin.connect();
  const login = await loginRole(admin, {
    prefix: "pk_limited",
    baseUrl: databases.env.PRICING_PG_URL!,
    create: "CONNECTION LIMIT 1",
  });
  const { role, url } = login;
  await admin.query(`GRANT USAGE ON SCHEMA auth TO ${role}`);
  await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public, auth TO ${role}`);
  const refused =
    `PostgreSQL refused a connection (too many connections for role "${role}"; PRICING_PG_URL: postgres://${role}:***@${url.host}${url.pathname})`;
  const outDir = await Deno.makeTempDir();
  const exportAs = (env: Record<string, string> = {}) =>
    quietLiveExport({
      env: { ...databases.env, PRICING_PG_URL: url.toString(), ...env },
      outDir,
      formats: ["csv"],
      asOf: new Date("2026-11-01T00:00:00Z"),
    });
  const session = new pg.Client({ connectionString: url.toString() });
  try {
    // the default 2 connections (both PostgreSQL queries at once) against a limit of 1
    await rejects(exportAs(), {
      message:
        `${refused}: the kit opens up to PRICING_PG_MAX_CONNECTIONS=2 at once, more than the role's CONNECTION LIMIT leaves (the role's other sessions count too); set PRICING_PG_MAX_CONNECTIONS=1 (or lower than the limit), or raise the limit as an admin (ALTER ROLE ${role} CONNECTION LIMIT n)`,
    });
    // the advice works
    assertEquals((await exportAs({ PRICING_PG_MAX_CONNECTIONS: "1" })).data.frame.height, 5);
    // one connection, and another session of the role holds the limit: only raising it helps
    await session.connect();
    await rejects(exportAs({ PRICING_PG_MAX_CONNECTIONS: "1" }), {
      message:
        `${refused}: the role's CONNECTION LIMIT is reached (the role's other sessions count too; the kit opens one, PRICING_PG_MAX_CONNECTIONS=1); raise the limit as an admin (ALTER ROLE ${role} CONNECTION LIMIT n), or end the role's other sessions`,
    });
  } finally {
    await session.end();
    await admin.end();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
    await login.drop();
  }
});

Deno.test("a server whose max_connections is reached (53300 without a role): the setting and the server's limit", () => {
  // (filling the test server's 100 slots would starve the other tests: the error pg gives)
  const full = Object.assign(new Error("sorry, too many clients already"), { code: "53300" });
  assertEquals(
    postgresError(full, {
      url: "postgres://reader:S3cret@db.example.com:5432/helicone",
      file: null,
      maxConnections: 2,
    }).message,
    "PostgreSQL refused a connection (sorry, too many clients already; PRICING_PG_URL: postgres://reader:***@db.example.com:5432/helicone): the server's max_connections is reached; try again when fewer clients are connected, lower PRICING_PG_MAX_CONNECTIONS (now 2; 1 opens one at a time), or raise max_connections on the server (or connect through a pooler)",
  );
});
