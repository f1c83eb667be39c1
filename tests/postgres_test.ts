/**
 * lib/sources/postgres.ts on the real PostgreSQL 15 of `deno task test`: a query file from
 * PRICING_QUERIES_DIR cannot write, whatever it holds (issue 10 item 1; the read-only gate refuses
 * it as it is read, a READ ONLY transaction below that), and the statement counter
 * (lib/sources/statements.ts) reads strings, identifiers and comments as PostgreSQL does.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects, throws } from "node:assert/strict";
import pg from "pg";
import { assertOneStatement, countStatements } from "../lib/sources/statements.ts";
import { StatementRefused } from "../lib/sources/sql_lexing.ts";
import { openPostgres } from "../lib/sources/postgres.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { quietLiveExport } from "./live_export.ts";

Deno.test("countStatements: a ';' in a string, identifier or comment ends no statement", () => {
  assertEquals(countStatements("SELECT 1"), 1);
  assertEquals(countStatements("SELECT 1;\n-- done\n"), 1);
  assertEquals(countStatements("SELECT 1; SELECT 2"), 2);
  assertEquals(countStatements("COMMIT; INSERT INTO t VALUES (1)"), 2);
  assertEquals(countStatements("SELECT ';' AS a, 'it''s; fine' AS b"), 1);
  assertEquals(countStatements(`SELECT 1 AS "semi;colon"`), 1);
  assertEquals(countStatements("SELECT E'a\\'; b' AS x"), 1);
  assertEquals(countStatements("SELECT $$ ; $$, $tag$ ; $x$ ; $tag$"), 1);
  assertEquals(countStatements("SELECT 1 /* ; /* nested ; */ still ; */ -- ;\n"), 1);
  assertEquals(countStatements("SELECT 1 -- ; comment\n; DROP TABLE t"), 2);
  assertEquals(countStatements("-- only a comment\n;;"), 0);
  // a string left open: refused before anything is sent, naming the file
  throws(() => countStatements("SELECT 'open; DROP TABLE t"), StatementRefused);
  throws(() => assertOneStatement("queries/postgres/q.sql", "SELECT 'open; DROP TABLE t"), {
    name: "UserError",
    message: "queries/postgres/q.sql: unclosed ' string; close it or remove it",
  });
  throws(() => assertOneStatement("queries/postgres/q.sql", "SELECT 1; SELECT 2"), {
    name: "UserError",
    message: /^queries\/postgres\/q\.sql holds 2 SQL statements;/,
  });
});

const HOSTILE_ORG = "99999999-9999-4999-8999-999999999999";
const INSERT_ORG = `INSERT INTO organization (id, name) VALUES ('${HOSTILE_ORG}', 'injected')`;

Deno.test("a query file cannot write to PostgreSQL: several statements refused, one runs read-only", async () => {
  const databases = await freshFixtureDatabases("pg_readonly");
  const out = await Deno.makeTempDir();
  const queriesDir = await Deno.makeTempDir();
  await Deno.mkdir(`${queriesDir}/postgres`);
  const db = new pg.Client({ connectionString: databases.env.PRICING_PG_URL });
  await db.connect();
  const state = async () => {
    const orgs = await db.query("SELECT count(*)::int AS n FROM organization");
    const tables = await db.query(
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('prompt_v2', 'prompts_2025')",
    );
    return { organizations: orgs.rows[0].n, promptTables: tables.rows[0].n };
  };
  try {
    const before = await state();
    assertEquals(before, { organizations: 7, promptTables: 2 });
    // [file contents, the one-line error expected]
    const cases: [string, string, RegExp][] = [
      ["organizations", `COMMIT; ${INSERT_ORG}`, /organizations\.sql holds 2 SQL statements/],
      [
        "organizations",
        `SET TRANSACTION READ WRITE; ${INSERT_ORG}`,
        /organizations\.sql holds 2 SQL statements/,
      ],
      ["prompts_created", "COMMIT; DROP TABLE prompt_v2;", /prompts_created\.sql holds 2/],
      [
        "organizations",
        `SELECT 'x;y' AS note; -- trailing ; in a comment\nCOMMIT; ${INSERT_ORG}`,
        /organizations\.sql holds 3 SQL statements/,
      ],
      // One statement: refused by the read-only gate as the file is read (the READ ONLY
      // transaction below it is checked after this loop)
      [
        "organizations",
        `${INSERT_ORG} RETURNING id::text AS org_id`,
        /organizations\.sql \(from PRICING_QUERIES_DIR\): only SELECT statements are allowed \(read-only\); INSERT is refused; fix the file$/,
      ],
      ["prompts_created", "DROP TABLE prompts_2025", /prompts_created\.sql .*DROP is refused/],
      ["prompts_created", "SET TRANSACTION READ WRITE", /prompts_created\.sql .*SET is refused/],
      [
        "organizations",
        `WITH x AS (${INSERT_ORG} RETURNING id) SELECT id::text AS org_id FROM x`,
        /organizations\.sql .*INSERT is refused/,
      ],
    ];
    for (const [name, text, expected] of cases) {
      await Deno.remove(`${queriesDir}/postgres`, { recursive: true });
      await Deno.mkdir(`${queriesDir}/postgres`);
      await Deno.writeTextFile(`${queriesDir}/postgres/${name}.sql`, text);
      await rejects(
        quietLiveExport({
          env: { ...databases.env, PRICING_QUERIES_DIR: queriesDir },
          outDir: out,
          asOf: new Date("2026-11-01T00:00:00Z"),
        }),
        (error: Error) => {
          match(error.message, expected, text);
          ok(!error.message.includes("\n"), `one line: ${error.message}`);
          return true;
        },
      );
      assertEquals(await state(), before, `nothing changed after ${JSON.stringify(text)}`);
    }
    // Past the gate (a statement not read from a file), one statement runs in a READ ONLY
    // transaction: a write is refused by the server. (No placeholders: before issue 10's fix this
    // went through the simple protocol.)
    const source = openPostgres({
      url: databases.env.PRICING_PG_URL!,
      statementTimeoutMs: 60_000,
      requestTimeoutMs: 90_000,
      maxConnections: 1,
    });
    try {
      const refused: [string, string][] = [
        [
          `${INSERT_ORG} RETURNING id::text AS org_id`,
          "cannot execute INSERT in a read-only transaction",
        ],
        ["DROP TABLE prompts_2025", "cannot execute DROP TABLE in a read-only transaction"],
        ["SET TRANSACTION READ WRITE", "transaction read-write mode must be set before any query"],
      ];
      for (const [text, why] of refused) {
        await rejects(source.query({ file: "q.sql", text, sha256: "" }, {}), {
          message: `q.sql failed on PostgreSQL: ${why}`,
        });
        assertEquals(await state(), before, `nothing changed after ${JSON.stringify(text)}`);
      }
    } finally {
      await source.close();
    }
    // One statement with ';' inside a string, an identifier and comments, ending in ';': it runs.
    await Deno.remove(`${queriesDir}/postgres`, { recursive: true });
    await Deno.mkdir(`${queriesDir}/postgres`);
    const builtIn = await Deno.readTextFile(
      new URL("../queries/postgres/prompts_created.sql", import.meta.url),
    );
    await Deno.writeTextFile(
      `${queriesDir}/postgres/prompts_created.sql`,
      builtIn.replace("count(*) AS prompts_created", `count(*) AS "prompts_created" /* ; */`)
        .replace(
          "WHERE p.organization IS NOT NULL",
          "WHERE p.organization IS NOT NULL AND ';' = ';'",
        ) +
        ";\n-- done; nothing follows\n",
    );
    const result = await quietLiveExport({
      env: { ...databases.env, PRICING_QUERIES_DIR: queriesDir },
      outDir: out,
      formats: ["csv"],
      asOf: new Date("2026-11-01T00:00:00Z"),
    });
    const frame = result.data.frame;
    const orgs = frame.getColumn("org_id").toArray();
    // A: 4 prompts, as tests/export_test.ts computes by hand from the fixture
    assertEquals(
      frame.getColumn("prompts_created")
        .toArray()[orgs.indexOf("11111111-1111-4111-8111-111111111111")],
      4,
    );
    assertEquals(await state(), before);

    const injected = await db.query("SELECT count(*)::int AS n FROM organization WHERE id = $1", [
      HOSTILE_ORG,
    ]);
    assertEquals(injected.rows[0].n, 0);
  } finally {
    await db.end();
    await Deno.remove(out, { recursive: true });
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("the statement timeout (bound as a parameter) cancels a slow query file", async () => {
  const databases = await freshFixtureDatabases("pg_timeout");
  const out = await Deno.makeTempDir();
  const queriesDir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${queriesDir}/postgres`);
    await Deno.writeTextFile(
      `${queriesDir}/postgres/prompts_created.sql`,
      "SELECT NULL::text AS org_id, 0 AS prompts_created FROM pg_sleep(5)",
    );
    await rejects(
      quietLiveExport({
        env: {
          ...databases.env,
          PRICING_QUERIES_DIR: queriesDir,
          PRICING_PG_STATEMENT_TIMEOUT_MS: "200",
        },
        outDir: out,
        asOf: new Date("2026-11-01T00:00:00Z"),
      }),
      /prompts_created\.sql was cancelled by the statement timeout; raise PRICING_PG_STATEMENT_TIMEOUT_MS/,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});
