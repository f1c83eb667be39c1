/**
 * The read-only gate (lib/sources/statement_gate.ts) against every table function each ClickHouse
 * version lists (system.table_functions): Debian's 18.16, the tests' production stand-in, and
 * modern ClickHouse (chdb 26.x). A read-only session lets each of them run, so the gate is what
 * refuses those that read files, reach other servers or run SQL given as text; the ones it lets
 * through are listed here by hand, each one read for what it does. A table function a new version
 * adds fails this test until it is read and put on one side or the other.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { checkReadOnlySelect, StatementRefused } from "../lib/sources/statement_gate.ts";
import { testServers } from "./env.ts";
import { runOnModernClickHouse } from "./servers.ts";

/** Table functions that only read the server's own tables or make rows up. */
const READING_ONLY = new Set([
  "numbers",
  "numbers_mt",
  "zeros",
  "zeros_mt",
  "primes",
  "generate_series",
  "generateSeries",
  "generateRandom",
  "null",
  "values",
  "SQLStandardValues",
  "format", // (rows from a literal string)
  "view",
  "viewIfPermitted",
  "viewExplain",
  "loop",
  // (merge(), the server's tables by a name pattern, reads only too, but the gate refuses the
  // word MERGE, a statement of other engines)
  "mergeTreeIndex",
  "mergeTreeProjection",
  "mergeTreeTextIndex",
  "mergeTreeAnalyzeIndexes",
  "mergeTreeAnalyzeIndexesUUID",
  "timeSeriesData",
  "timeSeriesMetrics",
  "timeSeriesSamples",
  "timeSeriesSelector",
  "timeSeriesTags",
  "prometheusQuery",
  "prometheusQueryRange",
  "arrowstream", // (chdb's: an Arrow stream its own process registered)
]);

/** The table functions of `names` the gate lets through in `SELECT * FROM name(…)`. */
function passing(names: string[]): string[] {
  return names.filter((name) => {
    try {
      checkReadOnlySelect(`SELECT * FROM ${name}('x') LIMIT 1`, "clickhouse");
      return true;
    } catch (error) {
      if (error instanceof StatementRefused) return false;
      throw error;
    }
  }).sort();
}

const onlyReading = (names: string[]) => names.filter((n) => READING_ONLY.has(n)).sort();

Deno.test("the gate refuses every table function ClickHouse 18.16 lists but those that only read its tables", async () => {
  const servers = testServers();
  const answer = await fetch(
    `${servers.chUrl}/?query=${
      encodeURIComponent("SELECT name FROM system.table_functions ORDER BY name FORMAT TSV")
    }`,
    { headers: { "X-ClickHouse-User": servers.chUser, "X-ClickHouse-Key": servers.chPassword } },
  );
  const names = (await answer.text()).trim().split("\n");
  // (shardByHash reads a remote shard of a cluster, catBoostPool files)
  assertEquals(passing(names), onlyReading(names));
  assertEquals(onlyReading(names), ["numbers"]);
});

Deno.test("the gate refuses every table function modern ClickHouse lists but those that only read its tables", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const list = `${dir}/table_functions.sql`;
    await Deno.writeTextFile(list, "SELECT name FROM system.table_functions ORDER BY name");
    // filesystem() reads what a folder holds, contents too, in a readonly=2 session: as file()
    await Deno.writeTextFile(`${dir}/secret.env`, "PRICING_CH_PASSWORD=read-from-disk\n");
    const read = `${dir}/filesystem.sql`;
    await Deno.writeTextFile(
      read,
      `SELECT name, content FROM filesystem('${dir}') WHERE name = 'secret.env'`,
    );
    const run = await runOnModernClickHouse({
      schema: [],
      queries: [list, read],
      settings: { readonly: 2 },
    });
    assertEquals(run.results[read], [
      { name: "secret.env", content: "PRICING_CH_PASSWORD=read-from-disk\n" },
    ]);
    const names = run.results[list].map((row) => String(row.name));
    // (filesystem reads files; eval runs a SELECT made from text, which the gate never sees)
    assertEquals(passing(names), onlyReading(names));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
