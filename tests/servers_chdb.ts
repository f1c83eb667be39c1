/**
 * Modern ClickHouse (chdb, tests/chdb/run_sql.ts): whether it is installed and a runner of SQL
 * files on it. Imported through tests/servers.ts.
 */
import { fileURLToPath } from "node:url";
import { exists } from "./servers_process.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CHDB_DIR = `${ROOT}tests/chdb`;

/** Whether modern ClickHouse (chdb) is installed (`npm install` in tests/chdb). */
export function modernClickHouseInstalled(): boolean {
  return exists(`${CHDB_DIR}/node_modules/chdb/package.json`) &&
    exists(`${CHDB_DIR}/node_modules/@clickhouse/client/package.json`);
}

export interface ModernClickHouseRun {
  /** the engine's version(), e.g. 26.7.2.1 */
  version: string;
  /** each query file's rows (JSONEachRow objects), keyed by the path as given */
  results: Record<string, Record<string, unknown>[]>;
}

/**
 * Runs SQL files on modern ClickHouse (chdb, in-process in a subprocess: chdb loads only from
 * tests/chdb/node_modules): statement files in order (schema, then data), then each query file
 * with its `{name:Type}` placeholders bound as the kit binds them (lib/sources/sql.ts). DateTime params
 * are ISO instants, Identifier params table names. Paths are relative to the repository root (or
 * absolute).
 */
export async function runOnModernClickHouse(options: {
  schema: string[];
  data?: string[];
  queries: string[];
  params?: Record<string, string>;
  /** ClickHouse settings for every query, e.g. { readonly: 2 } */
  settings?: Record<string, string | number>;
}): Promise<ModernClickHouseRun> {
  if (!modernClickHouseInstalled()) {
    throw new Error(
      "modern ClickHouse (chdb) is not installed: run `npm install` in tests/chdb (deno task test and .ci/run do)",
    );
  }
  const args = [
    "run",
    "-A",
    "--config",
    "tests/chdb/deno.json",
    "tests/chdb/run_sql.ts",
    "--json",
  ];
  for (const file of options.schema) args.push("--schema", file);
  for (const file of options.data ?? []) args.push("--data", file);
  for (const file of options.queries) args.push("--query", file);
  if (options.params) args.push("--params", JSON.stringify(options.params));
  if (options.settings) args.push("--settings", JSON.stringify(options.settings));
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    // in UTC, as the 18.16 test server runs (servers_clickhouse.ts): chdb takes the process's
    // zone, and the fixtures' DateTime literals are UTC (under TZ=Pacific/Kiritimati the window's
    // edge rows moved 14 hours and window_test failed)
    env: { TZ: "UTC" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `tests/chdb/run_sql.ts failed: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/**
 * The usage query's rows on modern ClickHouse over `data` files for October 2026's 30-day window
 * (2026-10-02 to 2026-11-01), the window the usage tests' fixture rows are written for.
 */
export async function octoberUsageOnModernClickHouse(
  data: string[],
  schema = "tests/fixtures/clickhouse_schema_modern.sql",
): Promise<Record<string, unknown>[]> {
  const run = await runOnModernClickHouse({
    schema: [schema],
    data,
    queries: ["queries/clickhouse/usage_30d.sql"],
    params: {
      window_start: "2026-10-02T00:00:00Z",
      window_end: "2026-11-01T00:00:00Z",
      request_table: "request_response_rmt",
    },
  });
  return run.results["queries/clickhouse/usage_30d.sql"];
}
