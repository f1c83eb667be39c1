/**
 * Point in time (issue 10 item 14), on the real servers of `deno task test`: with an as-of in the
 * past, organizations created after it are not exported and seats count members who joined before
 * it; every column's description (lib/frame/as_of.ts via lib/frame/columns.ts) says what the as-of does
 * to it, and ptb_spend_all_time's description is true of a materialized-view-fed spend table.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pg from "pg";
import { COLUMNS } from "../lib/frame/columns.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { quietLiveExport } from "./live_export.ts";
import { fixtureClickHouse } from "./request_table_fixture.ts";

const A = "11111111-1111-4111-8111-111111111111";
const D = "44444444-4444-4444-8444-444444444444";
const H = "88888888-8888-4888-8888-888888888888"; // created exactly at the as-of
const I = "99999999-9999-4999-8999-999999999999"; // created two weeks after it

async function exportAt(env: Record<string, string | undefined>, asOf: string) {
  const outDir = await Deno.makeTempDir();
  try {
    const result = await quietLiveExport({
      env,
      outDir,
      formats: ["csv"],
      asOf: new Date(asOf),
    });
    const frame = result.data.frame;
    const orgs = frame.getColumn("org_id").toArray() as string[];
    return {
      orgs,
      value: (org: string, column: string) => frame.getColumn(column).toArray()[orgs.indexOf(org)],
    };
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}

Deno.test("an as-of in the past leaves out later organizations and later members", async () => {
  const databases = await freshFixtureDatabases("as_of");
  const db = new pg.Client({ connectionString: databases.env.PRICING_PG_URL });
  await db.connect();
  try {
    await db.query(`
      INSERT INTO organization (id, name, created_at, tier) VALUES
        ('${H}', 'Born At As-Of', '2026-11-01T00:00:00Z', 'pro'),
        ('${I}', 'Born Later', '2026-11-15T00:00:00Z', 'pro');
      INSERT INTO organization_member (member, organization, created_at) VALUES
        ('aaaaaaaa-0000-4000-8000-000000000001', '${I}', '2026-11-15T00:00:00Z'),
        ('aaaaaaaa-0000-4000-8000-000000000004', '${A}', '2026-11-20T00:00:00Z'),
        ('aaaaaaaa-0000-4000-8000-000000000005', '${A}', '2026-11-01T00:00:00Z'),
        ('aaaaaaaa-0000-4000-8000-000000000006', '${A}', NULL);
    `);
    // as-of 2026-11-01: H (created at it, exclusive) and I are not exported; the fixture's 5 are
    const past = await exportAt(databases.env, "2026-11-01T00:00:00Z");
    assertEquals(past.orgs.length, 5);
    ok(!past.orgs.includes(H) && !past.orgs.includes(I));
    // A: u1, u2, u3 (2025-01-10) + u6 (join time unknown: counted); u4 joined after, u5 at the as-of
    assertEquals(past.value(A, "seats"), 4);
    // active: u1 (2026-10-20) and u6 (2026-10-31 23:59:59) signed in in the window
    assertEquals(past.value(A, "active_users_30d"), 2);
    assertEquals(past.value(D, "seats"), 1); // unchanged: u5 joined D on 2026-02-02

    // as-of 2026-12-01: both organizations exist, and A's later members count
    const later = await exportAt(databases.env, "2026-12-01T00:00:00Z");
    assertEquals(later.orgs.length, 7);
    assertEquals(later.value(A, "seats"), 6); // u1..u6
    assertEquals(later.value(I, "seats"), 1);
    assertEquals(later.value(H, "seats"), 0);
  } finally {
    await db.end();
    await databases.drop();
  }
});

Deno.test("every column's description says what the as-of does to it", () => {
  for (const column of COLUMNS) {
    ok(/ As-of: \S/.test(column.description), `${column.name}: ${column.description}`);
  }
  const byName = Object.fromEntries(COLUMNS.map((c) => [c.name, c.description]));
  ok(!byName.prompts_created.includes("all time"), byName.prompts_created);
  ok(byName.prompts_created.includes("created before the as-of"));
  ok(byName.ptb_spend_all_time.includes("every inserted version of a PTB request counts"));
  ok(byName.ptb_spend_all_time.includes("not cut"));
});

Deno.test("ptb_spend_all_time is what its description says: every inserted version, summed", async () => {
  const databases = await freshFixtureDatabases("ptb_versions");
  const env = databases.env;
  const ch = fixtureClickHouse(env);
  try {
    // production feeds organization_ptb_spend from request_response_rmt by a materialized view
    await ch.command({
      query: `CREATE MATERIALIZED VIEW organization_ptb_spend_mv TO organization_ptb_spend AS
        SELECT organization_id, sum(cost) AS spend FROM request_response_rmt
        WHERE is_passthrough_billing = 1 GROUP BY organization_id`,
    });
    const insert = (id: string, updated: string, cost: number) =>
      ch.command({
        query: `INSERT INTO request_response_rmt (organization_id, request_id, provider, model,
          user_id, request_created_at, updated_at, cost, prompt_id, is_passthrough_billing)
          VALUES ('${D}', '${id}', 'openai', 'gpt-4o', 'u5', '2026-10-20 00:00:00', '${updated}',
          ${cost}, '', 1)`,
      });
    // D: request x $3.00, re-inserted by a score update ($3.00 again), and request y $7.50
    await insert("eeeeeeee-0000-4000-8000-000000000001", "2026-10-20 00:00:00", 3_000_000_000);
    await insert("eeeeeeee-0000-4000-8000-000000000001", "2026-10-21 00:00:00", 3_000_000_000);
    await insert("eeeeeeee-0000-4000-8000-000000000002", "2026-10-20 00:00:00", 7_500_000_000);
    const data = await exportAt(env, "2026-11-01T00:00:00Z");
    assertEquals(data.value(D, "ptb_spend_all_time"), 13.5); // 3 + 3 + 7.5: both versions of x
    assertEquals(data.value(D, "llm_cost_ptb_30d"), 10.5); // 3 + 7.5: each request once
  } finally {
    await ch.close();
    await databases.drop();
  }
});
