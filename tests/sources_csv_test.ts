/**
 * Query results as CSV on the real servers of `deno task test` (lib/sources/postgres_csv.ts,
 * lib/sources/clickhouse.ts queryFrame, both spooled to temporary files): every query file's frame through COPY / CSVWithNames equals
 * the frame from row objects, and a file that closes COPY's parenthesis early is refused.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { sourceSettings } from "../lib/core/config.ts";
import { openClickHouse } from "../lib/sources/clickhouse.ts";
import { rowsToFrame } from "../lib/sources/frames.ts";
import { openPostgres } from "../lib/sources/postgres.ts";
import { copyStatement } from "../lib/sources/postgres_csv.ts";
import { withoutTerminator } from "../lib/sources/statements.ts";
import { QUERY_COLUMNS } from "../lib/sources/queries.ts";
import { loadSql } from "../lib/sources/sql.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { quietLiveExport } from "./live_export.ts";

const asOf = new Date("2026-11-01T00:00:00Z");
const params = {
  window_start: new Date(asOf.getTime() - 30 * 86_400_000),
  window_end: asOf,
  as_of: asOf,
  request_table: "request_response_rmt",
  ptb_table: "organization_ptb_spend",
};

Deno.test("withoutTerminator and copyStatement: the one statement, inside COPY", () => {
  assertEquals(withoutTerminator("SELECT 1;\n-- done; really\n"), "SELECT 1");
  assertEquals(withoutTerminator("SELECT ';' AS a -- x;\n"), "SELECT ';' AS a -- x;\n");
  assertEquals(withoutTerminator("SELECT 1 /* ; */"), "SELECT 1 /* ; */");
  assertEquals(withoutTerminator("SELECT 1; ;\n"), "SELECT 1");
  assertEquals(withoutTerminator("SELECT 'a;';"), "SELECT 'a;'");
  assertEquals(withoutTerminator(`SELECT 1 AS ";"`), `SELECT 1 AS ";"`);
  const sql = { file: "q.sql", text: "-- what\nSELECT {as_of:DateTime} AS t;\n", sha256: "" };
  assertEquals(copyStatement(sql, params), {
    query: "-- what\nSELECT '2026-11-01T00:00:00.000Z'::timestamptz AS t",
    statement:
      "COPY (\n-- what\nSELECT '2026-11-01T00:00:00.000Z'::timestamptz AS t\n) TO STDOUT WITH (FORMAT csv, HEADER true)",
  });
  assertEquals(copyStatement({ ...sql, text: "DROP TABLE t" }, params), null);
  assertEquals(
    copyStatement({ ...sql, text: "/* c */ WITH x AS (SELECT 1) SELECT * FROM x" }, params)?.query,
    "/* c */ WITH x AS (SELECT 1) SELECT * FROM x",
  );
});

Deno.test("every query file: the frame from CSV equals the frame from row objects", async () => {
  const databases = await freshFixtureDatabases("sources_csv");
  const settings = sourceSettings(databases.env)!;
  const postgres = openPostgres(settings.postgres!);
  const clickhouse = openClickHouse(settings.clickhouse!);
  try {
    for (
      const [engine, name] of [
        ["postgres", "organizations"],
        ["postgres", "prompts_created"],
        ["clickhouse", "usage_30d"],
        ["clickhouse", "ptb_spend"],
      ] as const
    ) {
      const sql = await loadSql(engine, name);
      const columns = QUERY_COLUMNS[name];
      const source = engine === "postgres" ? postgres : clickhouse;
      const fromCsv = await source.queryFrame(sql, params, columns);
      const fromRows = rowsToFrame(await source.query(sql, params), columns, { query: sql.file });
      ok(fromRows.height > 0, `${name} has rows in the fixture`);
      assertEquals(String(fromCsv.schema), String(fromRows.schema), name);
      const sorted = (f: typeof fromCsv) => f.sort("org_id").toRecords();
      assertEquals(sorted(fromCsv), sorted(fromRows), name);
    }
  } finally {
    await Promise.allSettled([postgres.close(), clickhouse.close()]);
    await databases.drop();
  }
});

Deno.test("a file that closes COPY's parenthesis early is refused before the COPY is sent", async () => {
  const databases = await freshFixtureDatabases("copy_escape");
  const out = await Deno.makeTempDir();
  const queriesDir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${queriesDir}/postgres`);
    await Deno.writeTextFile(
      `${queriesDir}/postgres/prompts_created.sql`,
      "SELECT 1 AS org_id) TO STDOUT WITH (FORMAT text) --",
    );
    await rejects(
      quietLiveExport({
        env: { ...databases.env, PRICING_QUERIES_DIR: queriesDir },
        outDir: out,
        asOf,
      }),
      (error: Error) => {
        // the statement gate's parentheses check refuses it before any statement is sent
        match(
          error.message,
          /prompts_created\.sql \(from PRICING_QUERIES_DIR\): unbalanced parentheses: the \) at character 19 closes no \(;.*; fix the file$/,
        );
        return true;
      },
    );
  } finally {
    await Deno.remove(out, { recursive: true });
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("results are spooled to temporary files that are gone afterwards, also when a query fails mid-result", async () => {
  const databases = await freshFixtureDatabases("sources_spool");
  const settings = sourceSettings(databases.env)!;
  const postgres = openPostgres(settings.postgres!);
  const clickhouse = openClickHouse(settings.clickhouse!);
  const tmp = await Deno.makeTempDir();
  const previous = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", tmp);
  try {
    const columns = { org_id: "string", n: "int" } as const;
    const file = (name: string, text: string) => ({ file: name, text, sha256: "" });
    const pg = await postgres.queryFrame(
      file("pg.sql", "SELECT x::text AS org_id, x AS n FROM generate_series(1, 3) AS x"),
      {},
      columns,
    );
    assertEquals(pg.getColumn("n").toArray(), [1, 2, 3]);
    const ch = await clickhouse.queryFrame(
      file("ch.sql", "SELECT toString(number) AS org_id, number AS n FROM system.numbers LIMIT 3;"),
      {},
      columns,
    );
    assertEquals(ch.getColumn("n").toArray(), [0, 1, 2]);
    // PostgreSQL fails after 100,000 rows were sent, ClickHouse on its 500,001st row
    await rejects(
      postgres.queryFrame(
        file(
          "pg_fails.sql",
          "SELECT x::text AS org_id, 1 / (x - 100001) AS n FROM generate_series(1, 200000) AS x",
        ),
        {},
        columns,
      ),
      /^UserError: pg_fails\.sql failed on PostgreSQL: division by zero$/,
    );
    await rejects(
      clickhouse.queryFrame(
        file(
          "ch_fails.sql",
          "SELECT toString(number) AS org_id, throwIf(number = 500000) AS n FROM system.numbers LIMIT 1000000",
        ),
        {},
        columns,
      ),
      /^UserError: ch_fails\.sql failed on ClickHouse at [^:]+:\d+: Code: 395[.,] .*throwIf/,
    );
    assertEquals([...Deno.readDirSync(tmp)], [], "no temporary folder is left behind");
  } finally {
    if (previous === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", previous);
    await Deno.remove(tmp, { recursive: true });
    await Promise.allSettled([postgres.close(), clickhouse.close()]);
    await databases.drop();
  }
});
