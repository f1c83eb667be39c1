/**
 * What the tests that add requests to the fixture's ClickHouse, or query a changed copy of its
 * request table, share: a client on a fixture database, the table's columns, its CREATE TABLE.
 */
import { createClient } from "@clickhouse/client";
import type { Env } from "../lib/core/config.ts";

/** request_response_rmt's columns as the tests' INSERTs list them (not cache_reference_id). */
export const REQUEST_COLUMNS =
  "organization_id, request_id, provider, model, user_id, request_created_at, updated_at, cost, prompt_id, is_passthrough_billing";

/** A ClickHouse client on the database of `env` (freshFixtureDatabases's), as the kit's settings name it. */
export function fixtureClickHouse(env: Env) {
  return createClient({
    url: env.PRICING_CH_URL,
    username: env.PRICING_CH_USER,
    password: env.PRICING_CH_PASSWORD,
    database: env.PRICING_CH_DATABASE,
  });
}

/**
 * The fixture's `CREATE TABLE request_response_rmt` (tests/fixtures/clickhouse_schema.sql) named
 * `name` instead: a copy whose columns a test then changes (its cost's type, a weight column).
 */
export async function requestTableCopy(name: string): Promise<string> {
  const schema = await Deno.readTextFile(
    new URL("./fixtures/clickhouse_schema.sql", import.meta.url),
  );
  const start = schema.indexOf("CREATE TABLE request_response_rmt");
  return schema.slice(start, schema.indexOf(";", start)).replace("request_response_rmt", name);
}
