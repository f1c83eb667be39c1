/**
 * The kit reads and writes instants in UTC whatever the time zone of the computer (TZ), of the
 * PostgreSQL role (its `timezone` and `DateStyle`) or of the ClickHouse server (`<timezone>`): the
 * window's bounds, the usage counted in it, the organizations' timestamps and database_sql's
 * dates. Expectations are computed by hand from the rows inserted here.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pg from "pg";
import { createClient } from "@clickhouse/client";
import { clickHouseSettings } from "../lib/core/config.ts";
import { windowOf } from "../lib/core/window.ts";
import { openClickHouse } from "../lib/sources/clickhouse.ts";
import { loadSql } from "../lib/sources/sql.ts";
import { leastPrivilegeDatabases } from "./fixture_databases.ts";
import { quietLiveExport } from "./live_export.ts";
import { call, stdioClient, text, type Values } from "./mcp_client.ts";
import { createChDatabase, startClickHouse } from "./servers.ts";

const A = "11111111-1111-4111-8111-111111111111";
const B = "22222222-2222-4222-8222-222222222222";
const D = "44444444-4444-4444-8444-444444444444";
const E = "55555555-5555-4555-8555-555555555555";

Deno.test("a PostgreSQL role in Kiritimati (UTC+14, DateStyle SQL, DMY): the export's window and timestamps are UTC's, database_sql's dates are as written", async () => {
  const databases = await leastPrivilegeDatabases("tzrole");
  const admin = new pg.Client({ connectionString: databases.adminEnv.PRICING_PG_URL });
  await admin.connect();
  const dir = await Deno.makeTempDir({ prefix: "tz_role_" });
  // the kit's process in Adak (UTC−10), the role in Kiritimati (UTC+14): a day apart
  const { transport, client } = stdioClient({
    ...databases.env as Record<string, string>,
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_MCP_DATABASE_SQL: "1",
    TZ: "America/Adak",
  });
  try {
    await admin.query(
      `ALTER ROLE ${databases.role} SET timezone = 'Pacific/Kiritimati';
       ALTER ROLE ${databases.role} SET DateStyle = 'SQL, DMY'`,
    );
    // tests/fixtures/postgres_data.sql, as-of 2026-11-01 00:00 UTC, window [10-02, 11-01) UTC:
    // in Kiritimati the window would be [10-01 10:00, 10-31 10:00) UTC, so u6's sign-in at
    // 10-31 23:59:59 would fall out and u5's at 11-01 00:00 in
    const result = await quietLiveExport({
      env: databases.env,
      outDir: dir,
      formats: ["csv"],
      asOf: new Date("2026-11-01T00:00:00Z"),
    });
    const frame = result.data.frame;
    const orgs = frame.getColumn("org_id").toArray() as string[];
    const value = (org: string, column: string) =>
      frame.getColumn(column).toArray()[orgs.indexOf(org)];
    assertEquals(value(A, "active_users_30d"), 1); // u1 (10-20); u2 before, u3 never
    assertEquals(value(B, "active_users_30d"), 1); // u4 at the window's start: in
    assertEquals(value(D, "active_users_30d"), 0); // u5 at the as-of: out
    assertEquals(value(E, "active_users_30d"), 2); // u1 and u6 (10-31 23:59:59)
    assertEquals(
      new Date(value(A, "created_at") as unknown as Date).toISOString(),
      "2025-01-10T09:00:00.000Z",
    );

    await client.connect(transport);
    const answer = await call(client, "database_sql", {
      database: "postgres",
      sql: "SELECT date '2026-11-01' AS day, timestamp '2026-11-01 10:00:00' AS wall_clock, " +
        "timestamptz '2026-10-31T12:00:00Z' AS instant, " +
        "date_trunc('month', timestamptz '2026-10-31T12:00:00Z') AS month_start, " +
        "(timestamptz '2026-10-31T12:00:00Z')::date AS utc_day, " +
        "ARRAY[date '2026-11-01', NULL] AS days, " +
        "(SELECT last_sign_in_at FROM auth.users WHERE id = 'aaaaaaaa-0000-4000-8000-000000000006') AS signed_in",
    });
    assertEquals(answer.isError, undefined, text(answer));
    // A date and a timestamp without zone name no instant: as written (pg made them the
    // process's local midnight, 2026-11-01T10:00:00.000Z in Adak). Month and day in UTC, as the
    // export's (Kiritimati's month of 10-31 12:00 UTC is November, its day 11-01).
    assertEquals((answer.structuredContent!.rows as Values[])[0], {
      day: "2026-11-01",
      wall_clock: "2026-11-01 10:00:00",
      instant: "2026-10-31T12:00:00.000Z",
      month_start: "2026-10-01T00:00:00.000Z",
      utc_day: "2026-10-31",
      days: JSON.stringify(["2026-11-01", null]),
      signed_in: "2026-10-31T23:59:59.000Z",
    });
  } finally {
    await client.close().catch(() => {});
    await admin.end();
    await databases.drop();
    await Deno.remove(dir, { recursive: true });
  }
});

// [2026-10-31T12:00:00.500Z, 2026-11-01T12:00:00.500Z): as-of with milliseconds, 1 day, as in
// tests/window_test.ts. Costs are powers of two (× 1e9): the sum names the rows counted.
const EDGES: [string, number, string][] = [
  ["2026-11-01 12:00:00", 1, "as-of − 0.5 s: in"],
  ["2026-11-01 12:00:01", 2, "as-of + 0.5 s: out"],
  ["2026-10-31 12:00:00", 4, "start − 0.5 s: out"],
  ["2026-10-31 12:00:01", 8, "start + 0.5 s: in"],
  // 11-02 00:00 in Kiritimati: out of a window read there ([10-31 22:00, 11-01 22:00) UTC)
  ["2026-11-01 10:00:00", 16, "in"],
  // 10-31 16:00 in Kiritimati: in a window read there
  ["2026-10-31 02:00:00", 32, "out"],
];

Deno.test("a ClickHouse server in Kiritimati (UTC+14): the window is UTC's on DateTime and on DateTime('Asia/Kathmandu') columns", async () => {
  const server = await startClickHouse({ timezone: "Pacific/Kiritimati" });
  const conn = { url: server.url, user: server.user, password: server.password };
  const db = createClient({ ...conn, username: server.user, database: "tz" });
  const source = openClickHouse(
    clickHouseSettings({
      PRICING_CH_URL: server.url,
      PRICING_CH_USER: server.user,
      PRICING_CH_PASSWORD: server.password,
      PRICING_CH_DATABASE: "tz",
    })!,
  );
  try {
    await createChDatabase(conn, "tz", [
      new URL("./fixtures/clickhouse_schema.sql", import.meta.url),
    ]);
    // production's table with a column that names its own zone (UTC+05:45)
    const schema = await Deno.readTextFile(
      new URL("./fixtures/clickhouse_schema.sql", import.meta.url),
    );
    await db.command({
      query: schema.slice(schema.indexOf("CREATE TABLE request_response_rmt"), schema.indexOf(";"))
        .replace("request_response_rmt", "requests_kathmandu")
        .replace("request_created_at DateTime,", "request_created_at DateTime('Asia/Kathmandu'),"),
    });
    const values = EDGES.map(([at, cost], i) =>
      `('eeeeeeee-0000-4000-8000-000000000001', 'eeeeeeee-0000-4000-9000-00000000000${i}', ` +
      `'openai', 'gpt-4o', 'u1', toDateTime('${at}', 'UTC'), toDateTime('${at}', 'UTC'), ` +
      `${cost}000000000, '', 0, toUUID('00000000-0000-0000-0000-000000000000'))`
    ).join(", ");
    for (const table of ["request_response_rmt", "requests_kathmandu"]) {
      await db.command({ query: `INSERT INTO ${table} VALUES ${values}` });
    }
    // the server is where it was told to be: a column without a zone is written in its zone
    const local = await (await db.query({
      query: "SELECT timezone() AS zone, toString(request_created_at) AS at " +
        "FROM request_response_rmt WHERE cost = 16000000000",
      format: "JSONEachRow",
    })).json();
    assertEquals(local, [{ zone: "Pacific/Kiritimati", at: "2026-11-02 00:00:00" }]);

    const window = windowOf(new Date("2026-11-01T12:00:00.500Z"), { days: 1 });
    const sql = await loadSql("clickhouse", "usage_30d");
    for (const table of ["request_response_rmt", "requests_kathmandu"]) {
      const rows = await source.query(sql, {
        window_start: window.start,
        window_end: window.end,
        request_table: table,
      });
      // 1 + 8 + 16: the three in, whatever the server's or the column's zone
      assertEquals(
        rows.map((r) => [String(r.requests_30d), r.llm_cost_nano]),
        [["3", "25000000000"]],
        table,
      );
    }
  } finally {
    await source.close();
    await db.close();
    await server.stop();
  }
});
