/**
 * The test infrastructure itself: the servers `deno task test` started (tests/env.ts) take the
 * fixture schemas, ClickHouse 18.16 keeps re-inserted request versions apart until FINAL, read-only
 * sessions work on both, and modern ClickHouse (chdb) runs the production types.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import pg from "pg";
import { ClickHouseLogLevel, type ClickHouseSettings, createClient } from "@clickhouse/client";
import { testServers } from "./env.ts";
import {
  createChDatabase,
  createPgDatabase,
  dropChDatabase,
  dropPgDatabase,
  runOnModernClickHouse,
} from "./servers.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);
const uniqueName = (label: string) => `srv_${label}_${crypto.randomUUID().slice(0, 8)}`;

Deno.test("PostgreSQL: the fixture schema loads with production's tables, and read-only sessions refuse writes", async () => {
  const servers = testServers();
  ok(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/.test(servers.pgUrl));
  const name = uniqueName("pg");
  const url = await createPgDatabase(servers.pgUrl, name, [
    new URL("postgres_schema.sql", FIXTURES),
  ]);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const columns = async (schema: string, table: string) =>
      (await db.query(
        `SELECT column_name, is_nullable FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [schema, table],
      )).rows.map((r: { column_name: string; is_nullable: string }) =>
        `${r.column_name}${r.is_nullable === "NO" ? " not null" : ""}`
      );
    assertEquals(await columns("auth", "users"), [
      "id not null",
      "email",
      "created_at",
      "last_sign_in_at",
    ]);
    // production has no user_settings.last_active
    assertEquals(await columns("public", "user_settings"), [
      "user not null",
      "tier",
      "request_limit",
      "referral_code",
      "created_at",
    ]);
    ok((await columns("public", "organization")).includes("stripe_metadata not null"));
    ok((await columns("public", "organization")).includes("soft_delete not null"));
    ok((await columns("public", "prompts_2025")).includes("soft_delete not null"));
    ok((await columns("public", "prompt_v2")).includes("soft_delete")); // nullable in prompt_v2
    assertEquals(await columns("public", "organization_member"), [
      "member not null",
      "organization not null",
      "org_role not null",
      "created_at",
    ]);

    await db.query(
      `INSERT INTO auth.users (id, email, last_sign_in_at)
       VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 'u1@example.com', '2026-10-20T08:00:00Z')`,
    );
    await db.query(`INSERT INTO organization (id, name) VALUES
      ('11111111-1111-4111-8111-111111111111', 'Alpha')`);
    // users_view exposes auth.users' sign-ins; an organization gets tier 'free' and '{}' metadata
    const signIn = await db.query(
      "SELECT email, last_sign_in_at FROM users_view WHERE id = 'aaaaaaaa-0000-4000-8000-000000000001'",
    );
    assertEquals(signIn.rows[0].email, "u1@example.com");
    assertEquals(
      (signIn.rows[0].last_sign_in_at as Date).toISOString(),
      "2026-10-20T08:00:00.000Z",
    );
    const org = await db.query("SELECT tier, stripe_metadata, soft_delete FROM organization");
    assertEquals(org.rows, [{ tier: "free", stripe_metadata: {}, soft_delete: false }]);

    // the kit's session shape: READ ONLY transaction with a statement timeout
    await db.query("BEGIN READ ONLY");
    await db.query("SET LOCAL statement_timeout = 5000");
    assertEquals((await db.query("SELECT count(*)::int AS n FROM organization")).rows, [{ n: 1 }]);
    await rejects(
      db.query("INSERT INTO organization (id, name) VALUES (gen_random_uuid(), 'x')"),
      /read-only transaction/,
    );
    await db.query("ROLLBACK");
  } finally {
    await db.end();
    await dropPgDatabase(servers.pgUrl, name);
  }
});

Deno.test("ClickHouse 18.16: the fixture schema loads; FINAL keeps a re-inserted request once; read-only settings work", async () => {
  const servers = testServers();
  const conn = { url: servers.chUrl, user: servers.chUser, password: servers.chPassword };
  const name = uniqueName("ch");
  await createChDatabase(conn, name, [new URL("clickhouse_schema.sql", FIXTURES)]);
  const ch = createClient({
    url: conn.url,
    username: conn.user,
    password: conn.password,
    database: name,
    log: { level: ClickHouseLogLevel.OFF }, // the refused write below is expected
  });
  const rows = async (query: string, settings: ClickHouseSettings = {}) =>
    await (await ch.query({ query, format: "JSONEachRow", clickhouse_settings: settings }))
      .json<Record<string, unknown>>();
  try {
    assertEquals(
      await rows(
        `SELECT name, engine FROM system.tables WHERE database = '${name}' ORDER BY name`,
      ),
      [
        { name: "organization_ptb_spend", engine: "SummingMergeTree" },
        { name: "request_response_rmt", engine: "ReplacingMergeTree" },
      ],
    );
    await ch.command({ query: "SYSTEM STOP MERGES request_response_rmt" });
    await ch.command({ query: "SYSTEM STOP MERGES organization_ptb_spend" });
    const request = {
      organization_id: "11111111-1111-4111-8111-111111111111",
      request_id: "cccccccc-0000-4000-8000-000000000001",
      provider: "openai",
      model: "gpt-4o",
      user_id: "u1",
      // ISO timestamps: the server's profile sets date_time_input_format=best_effort
      request_created_at: "2026-10-05T10:00:00Z",
      prompt_id: "p1",
      is_passthrough_billing: 1,
    };
    // the same request twice, separate INSERTs (separate parts): a cost backfill $1.50 → $2.00
    for (
      const [updatedAt, cost] of [["2026-10-05T10:00:01Z", 1.5e9], ["2026-10-06T00:00:00Z", 2e9]]
    ) {
      await ch.insert({
        table: "request_response_rmt",
        values: [{ ...request, updated_at: updatedAt, cost }],
        format: "JSONEachRow",
      });
    }
    for (const spend of [1.5e9, 0.5e9]) {
      await ch.insert({
        table: "organization_ptb_spend",
        values: [{ organization_id: request.organization_id, spend }],
        format: "JSONEachRow",
      });
    }
    // without FINAL both versions count: 2 rows, 1.5e9 + 2e9 = 3.5e9
    assertEquals(await rows("SELECT count() AS n, sum(cost) AS cost FROM request_response_rmt"), [
      { n: "2", cost: "3500000000" },
    ]);
    // FINAL keeps the newest updated_at: 1 row, 2e9, created 2026-10-05 10:00:00 UTC
    assertEquals(
      await rows(
        `SELECT count() AS n, sum(cost) AS cost, toString(min(request_created_at)) AS created
         FROM request_response_rmt FINAL`,
      ),
      [{ n: "1", cost: "2000000000", created: "2026-10-05 10:00:00" }],
    );
    // two unmerged SummingMergeTree rows; sum() per org: 1.5e9 + 0.5e9 = 2e9
    assertEquals(
      await rows(
        `SELECT count() AS parts, sum(spend) AS spend FROM organization_ptb_spend
         GROUP BY organization_id`,
      ),
      [{ parts: "2", spend: "2000000000" }],
    );
    // the kit's read-only settings: reads work, writes are refused
    const readOnly: ClickHouseSettings = {
      readonly: "2",
      max_execution_time: 60,
      send_progress_in_http_headers: 1,
      http_headers_progress_interval_ms: "20000",
    };
    assertEquals(
      await rows("SELECT count() AS n FROM request_response_rmt FINAL", readOnly),
      [{ n: "1" }],
    );
    await rejects(
      ch.command({
        query: "CREATE TABLE refused (a UInt8) ENGINE = Memory",
        clickhouse_settings: readOnly,
      }),
      /readonly mode/,
    );
  } finally {
    await ch.close();
    await dropChDatabase(conn, name);
  }
});

Deno.test("modern ClickHouse (chdb): Bool and DateTime64 columns, FINAL, DateTime64 compared with toDateTime(…, 'UTC')", async () => {
  ok(
    testServers().chdb,
    "modern ClickHouse is not installed: run `npm install` in tests/chdb (deno task test does it when npm is available)",
  );
  const dir = await Deno.makeTempDir({ prefix: "pricing-kit-chdb-test-" });
  try {
    const columns =
      "organization_id, request_id, provider, model, user_id, request_created_at, updated_at, cost, prompt_id, is_passthrough_billing";
    const insert = (values: string) =>
      `INSERT INTO request_response_rmt (${columns}) VALUES (${values});`;
    await Deno.writeTextFile(
      `${dir}/data.sql`,
      [
        "SYSTEM STOP MERGES request_response_rmt;",
        // r1 twice (cost backfill $1.50 → $2.00), r2 half a second before 2026-01-01
        insert(
          "'11111111-1111-4111-8111-111111111111', 'cccccccc-0000-4000-8000-000000000001', 'openai', 'gpt-4o', 'u1', '2026-01-05 10:00:00.250', '2026-01-05 10:00:01', 1500000000, 'p1', true",
        ),
        insert(
          "'11111111-1111-4111-8111-111111111111', 'cccccccc-0000-4000-8000-000000000001', 'openai', 'gpt-4o', 'u1', '2026-01-05 10:00:00.250', '2026-01-06 00:00:00', 2000000000, 'p1', true",
        ),
        insert(
          "'11111111-1111-4111-8111-111111111111', 'cccccccc-0000-4000-8000-000000000002', 'openai', 'gpt-4o', 'u1', '2025-12-31 23:59:59.500', '2025-12-31 23:59:59.500', 9000000000, '', false",
        ),
      ].join("\n"),
    );
    await Deno.writeTextFile(
      `${dir}/types.sql`,
      `SELECT toTypeName(request_created_at) AS created, toTypeName(updated_at) AS updated,
         toTypeName(is_passthrough_billing) AS ptb, count() AS rows_without_final
       FROM request_response_rmt GROUP BY created, updated, ptb`,
    );
    await Deno.writeTextFile(
      `${dir}/final.sql`,
      `SELECT toString(request_id) AS request_id, cost, is_passthrough_billing AS ptb
       FROM request_response_rmt FINAL
       WHERE request_created_at >= toDateTime('2026-01-01 00:00:00', 'UTC')`,
    );
    // the same window through the kit's placeholder binding (lib/sources/sql.ts)
    await Deno.writeTextFile(
      `${dir}/bound.sql`,
      `SELECT count() AS n, toString(sum(cost)) AS cost FROM {request_table:Identifier} FINAL
       WHERE request_created_at >= {window_start:DateTime}`,
    );
    const run = await runOnModernClickHouse({
      schema: ["tests/fixtures/clickhouse_schema_modern.sql"],
      data: [`${dir}/data.sql`],
      queries: [`${dir}/types.sql`, `${dir}/final.sql`, `${dir}/bound.sql`],
      params: { request_table: "request_response_rmt", window_start: "2026-01-01T00:00:00Z" },
      settings: { readonly: 2, max_execution_time: 60 },
    });
    ok(Number(run.version.split(".")[0]) >= 24, `a modern engine, got ${run.version}`);
    // 3 rows stored (r1 twice, r2 once). Modern ClickHouse writes UInt64 as JSON numbers (18.16
    // quotes them: output_format_json_quote_64bit_integers); toString() gives both the same text.
    assertEquals(run.results[`${dir}/types.sql`], [
      {
        created: "DateTime64(3)",
        updated: "DateTime64(3, 'UTC')",
        ptb: "Bool",
        rows_without_final: 3,
      },
    ]);
    // FINAL: r1 once at its newest cost; r2 (2025-12-31 23:59:59.5) is before the bound
    assertEquals(run.results[`${dir}/final.sql`], [
      { request_id: "cccccccc-0000-4000-8000-000000000001", cost: 2000000000, ptb: true },
    ]);
    assertEquals(run.results[`${dir}/bound.sql`], [{ n: 1, cost: "2000000000" }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
