/**
 * The ClickHouse SQL runs unchanged on modern ClickHouse with production's column types (Bool,
 * DateTime64) and gives the same answers as on Debian's 18.16 (UInt8, DateTime).
 * Modern ClickHouse is chdb 26.x in-process, installed by `npm install` in tests/chdb (.ci/run does).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { clickHouseSettings } from "../lib/core/config.ts";
import { openClickHouse } from "../lib/sources/clickhouse.ts";
import { loadSql } from "../lib/sources/sql.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { runOnModernClickHouse } from "./servers.ts";

const windowStart = new Date("2026-10-02T00:00:00Z");
const windowEnd = new Date("2026-11-01T00:00:00Z");

type Row = Record<string, unknown>;
const byOrg = (rows: Row[]) =>
  rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])))
    .sort((a, b) => a.org_id.localeCompare(b.org_id));

const byOrgless = (rows: Row[]) => rows.map((r) => ({ readonly: String(r.readonly) }));

async function runOnModern(): Promise<
  { version: string; usage_30d: Row[]; ptb_spend: Row[]; profile_readonly: Row[] }
> {
  const run = await runOnModernClickHouse({
    schema: ["tests/fixtures/clickhouse_schema_modern.sql"],
    data: ["tests/fixtures/clickhouse_data.sql"],
    queries: [
      "queries/clickhouse/usage_30d.sql",
      "queries/clickhouse/ptb_spend.sql",
      "queries/clickhouse/profile_readonly.sql",
      "queries/clickhouse/profile_readonly_legacy.sql",
    ],
    params: {
      window_start: windowStart.toISOString(),
      window_end: windowEnd.toISOString(),
      request_table: "request_response_rmt",
      ptb_table: "organization_ptb_spend",
    },
    settings: { readonly: 2 }, // the kit's read-only setting, on the modern engine too
  });
  const results = run.results as Record<string, Row[]>;
  return {
    version: run.version,
    usage_30d: results["queries/clickhouse/usage_30d.sql"],
    ptb_spend: results["queries/clickhouse/ptb_spend.sql"],
    profile_readonly: [
      ...results["queries/clickhouse/profile_readonly.sql"],
      ...results["queries/clickhouse/profile_readonly_legacy.sql"],
    ],
  };
}

Deno.test("ClickHouse SQL gives the same answers on modern ClickHouse (Bool, DateTime64) and on 18.16", async () => {
  const modern = await runOnModern();
  ok(Number(modern.version.split(".")[0]) >= 24, `modern engine, got ${modern.version}`);

  const databases = await freshFixtureDatabases("modern");
  const source = openClickHouse(clickHouseSettings(databases.env)!);
  const params = {
    window_start: windowStart,
    window_end: windowEnd,
    request_table: "request_response_rmt",
    ptb_table: "organization_ptb_spend",
  };
  try {
    const usage = await source.query(await loadSql("clickhouse", "usage_30d"), params);
    const ptb = await source.query(await loadSql("clickhouse", "ptb_spend"), params);
    assertEquals(byOrg(modern.usage_30d), byOrg(usage));
    // A SummingMergeTree may drop an all-zero row whenever it likes: compare the rows that count.
    const nonZero = (rows: Row[]) => byOrg(rows).filter((r) => r.ptb_spend_nano !== "0");
    assertEquals(nonZero(modern.ptb_spend), nonZero(ptb));
    // and the hand-computed answer for A on the modern engine: 3 requests, $2.75, 2 PTB
    const a = byOrg(modern.usage_30d).find((r) => r.org_id.startsWith("11111111"))!;
    assertEquals([a.requests_30d, a.llm_cost_nano, a.ptb_requests_30d], ["3", "2750000000", "2"]);
    // both profile probes (getSetting; system.settings for 18.16) read the readonly level in effect
    assertEquals(byOrgless(modern.profile_readonly), [{ readonly: "2" }, { readonly: "2" }]);
  } finally {
    await source.close();
    await databases.drop();
  }
});
