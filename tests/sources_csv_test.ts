/**
 * Query results as CSV on the real servers of `deno task test` (lib/sources/postgres_csv.ts,
 * lib/sources/clickhouse.ts queryCsv): every query file's frame through COPY / CSVWithNames equals
 * the frame from row objects, and a file that closes COPY's parenthesis early is refused.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { sourceSettings } from "../lib/core/config.ts";
import { runExport } from "../lib/export.ts";
import { openClickHouse } from "../lib/sources/clickhouse.ts";
import { csvToFrame } from "../lib/sources/columnar.ts";
import { rowsToFrame } from "../lib/sources/frames.ts";
import { openPostgres } from "../lib/sources/postgres.ts";
import { copyStatement, withoutTerminator } from "../lib/sources/postgres_csv.ts";
import { QUERY_COLUMNS } from "../lib/sources/queries.ts";
import { loadSql } from "../lib/sources/sql.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";

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
      const fromCsv = engine === "postgres"
        ? await postgres.queryFrame(sql, params, columns)
        : csvToFrame(await clickhouse.queryCsv(sql, params), columns, sql.file);
      const source = engine === "postgres" ? postgres : clickhouse;
      const fromRows = rowsToFrame(await source.query(sql, params), columns, sql.file);
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
      runExport({
        env: { ...databases.env, PRICING_QUERIES_DIR: queriesDir },
        outDir: out,
        demo: false,
        stripe: "skip",
        charts: false,
        quiet: true,
        log: () => {},
        asOf,
      }),
      (error: Error) => {
        match(error.message, /prompts_created\.sql failed on PostgreSQL: syntax error/);
        return true;
      },
    );
  } finally {
    await Deno.remove(out, { recursive: true });
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});
