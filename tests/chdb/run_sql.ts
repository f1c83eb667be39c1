/**
 * Runs SQL files on modern ClickHouse (chdb 26.x, in-process) and prints the rows.
 *
 *   deno run -A --config tests/chdb/deno.json tests/chdb/run_sql.ts \
 *     --schema tests/fixtures/clickhouse_schema_modern.sql --data tests/fixtures/clickhouse_data.sql \
 *     --query queries/clickhouse/usage_30d.sql \
 *     --params '{"window_start":"2026-10-02T00:00:00Z","window_end":"2026-11-01T00:00:00Z","request_table":"request_response_rmt"}'
 *
 * --schema and --data files (each repeatable) run statement by statement, schema first. Each
 * --query file (repeatable) is one SELECT whose `{name:Type}` placeholders are bound from --params
 * exactly as the kit binds them for ClickHouse (lib/sources/sql.ts: DateTime params are ISO instants,
 * Identifier params table names). Output: the rows as JSONEachRow (one JSON object per line, the
 * queries' rows one after another); with --json, one JSON document
 * `{"version": "...", "results": {"<query file>": [rows]}}`. --settings JSON adds ClickHouse
 * settings to every query (e.g. the kit's `{"readonly": 2, "max_execution_time": 120}`).
 * Errors: one line on stderr, exit 1.
 */
import { parseArgs } from "node:util";
import { bindClickHouse, type SqlParams, sqlPlaceholders } from "../../lib/sources/sql.ts";
import { openModernClickHouse, type Row } from "./modern.ts";

const USAGE =
  "usage: run_sql.ts --schema FILE [--data FILE] --query FILE [--params JSON] [--settings JSON] [--json] (--schema, --data, --query repeatable)";

function fail(message: string): never {
  console.error(`error: ${message}`);
  Deno.exit(1);
}

function parseObject(flag: string, text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail(`${flag} must be a JSON object, got ${JSON.stringify(text)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    fail(`${flag} must be a JSON object, e.g. {"window_start":"2026-10-02T00:00:00Z"}`);
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

/** The params a query file's placeholders need, typed the way lib/sources/sql.ts binds them. */
function typedParams(
  file: string,
  text: string,
  raw: Record<string, string>,
): SqlParams {
  const params: SqlParams = {};
  for (const [name, type] of sqlPlaceholders(text)) {
    const value = raw[name];
    if (value === undefined) {
      fail(`${file} needs --params {"${name}": …} (${type})`);
    }
    params[name] = type === "DateTime" || type === "Float64" ? new Date(value) : value;
  }
  return params;
}

async function readFile(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    fail(`cannot read ${file}: ${(error as Error).message}`);
  }
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    schema: { type: "string", multiple: true, default: [] },
    data: { type: "string", multiple: true, default: [] },
    query: { type: "string", multiple: true, default: [] },
    params: { type: "string" },
    settings: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (values.query.length === 0) fail(`no --query file. ${USAGE}`);
const rawParams = parseObject("--params", values.params);
const settings = parseObject("--settings", values.settings);

const engine = openModernClickHouse();
try {
  for (const file of [...values.schema, ...values.data]) {
    try {
      await engine.run(await readFile(file));
    } catch (error) {
      fail(`${file}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  const results: Record<string, Row[]> = {};
  for (const file of values.query) {
    const text = await readFile(file);
    try {
      const sql = bindClickHouse(
        { file, text, sha256: "" },
        typedParams(file, text, rawParams),
      );
      results[file] = await engine.query(sql, settings);
    } catch (error) {
      const message = (error as Error).message.split("\n")[0];
      fail(message.startsWith(file) ? message : `${file}: ${message}`);
    }
  }
  if (values.json) {
    console.log(JSON.stringify({ version: await engine.version(), results }));
  } else {
    for (const rows of Object.values(results)) {
      for (const row of rows) console.log(JSON.stringify(row));
    }
  }
} finally {
  await engine.close();
}
