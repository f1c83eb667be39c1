/**
 * Runs the kit's ClickHouse SQL files on modern ClickHouse (chdb, in-process, with production's
 * column types Bool and DateTime64) and prints each query's rows as JSON on stdout.
 *
 *   deno run -A --config tests/chdb/deno.json tests/chdb/run_queries.ts \
 *     --schema FILE --data FILE --window-start ISO --window-end ISO
 *
 * It lives in its own folder because chdb only loads from an npm-installed node_modules
 * (`npm install` here; "nodeModulesDir": "manual").
 */
import { parseArgs } from "node:util";
import { createClient } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import { bindClickHouse, loadSql } from "../../lib/sql.ts";
import { splitStatements } from "../sql_statements.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    schema: { type: "string" },
    data: { type: "string" },
    "window-start": { type: "string" },
    "window-end": { type: "string" },
  },
});
const client = createClient({ connection: createChdbConnection({ path: ":memory:" }) });
for (const file of [values.schema!, values.data!]) {
  for (const statement of splitStatements(await Deno.readTextFile(file))) {
    await client.command({ query: statement });
  }
}
const params = {
  window_start: new Date(values["window-start"]!),
  window_end: new Date(values["window-end"]!),
  request_table: "request_response_rmt",
  ptb_table: "organization_ptb_spend",
};
const output: Record<string, unknown> = {};
const version = await client.query({ query: "SELECT version() AS v", format: "JSONEachRow" });
output.version = (await version.json<{ v: string }>())[0].v;
for (const name of ["usage_30d", "ptb_spend"]) {
  const query = bindClickHouse(await loadSql("clickhouse", name), params);
  const result = await client.query({ query, format: "JSONEachRow" });
  output[name] = await result.json();
}
await client.close();
console.log(JSON.stringify(output));
