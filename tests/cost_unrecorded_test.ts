/**
 * requests_cost_unknown_30d (queries/clickhouse/usage_30d.sql, lib/economics/cost_unrecorded.ts):
 * the window's requests with no cost recorded (cost 0; UInt64, never NULL), counted in the usage
 * query's scan on the real ClickHouse 18.16 of `deno task test` and on modern ClickHouse (chdb),
 * each request once (FINAL: one backfilled since counts as priced), carried to the CSV, said in
 * the brief's Totals and in describe_dataset's warnings through the real MCP client, per traffic
 * type in the brief's PTB vs BYOK and key_question ptb_vs_byok; nothing said when every request
 * has a cost.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { octoberUsageOnModernClickHouse } from "./servers.ts";
import { quietLiveExport } from "./live_export.ts";
import { asOf } from "./queries_fixture.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { call, connectInMemory, text } from "./mcp_client.ts";
import { costUnrecordedSentence } from "../lib/economics/cost_unrecorded.ts";
import { fixtureClickHouse, REQUEST_COLUMNS } from "./request_table_fixture.ts";

const A = "11111111-1111-4111-8111-111111111111";
const D = "44444444-4444-4444-8444-444444444444";

const NO_CACHE = "00000000-0000-0000-0000-000000000000";

function row(
  id: number,
  { created, updated, cost, ptb, cacheOf = NO_CACHE }: {
    created: string;
    updated: string;
    cost: string;
    ptb: number;
    /** the request whose cached response answered this one (cache_reference_id) */
    cacheOf?: string;
  },
): string {
  const requestId = `eeeeeeee-0000-4000-8000-${String(id).padStart(12, "0")}`;
  return `('${D}', '${requestId}', 'openai', 'unpriced-model', 'u', '${created}', '${updated}', ${cost}, '', ${ptb}, '${cacheOf}')`;
}

/**
 * D (no requests in the fixture): r1 PTB $2; r2 PTB and r3 BYOK with cost 0 (no cost recorded);
 * r4 BYOK with cost 0, backfilled a day later to $1 (a newer version: FINAL keeps it, priced);
 * r5 cost 0 one second before the window (not counted); r6 a PTB cache hit of r1 at cost 0 (no
 * cost recorded, but no provider called: not the company's). D: 5 requests, 3 without a cost (r2,
 * r3, r6), 1 of them pass-through and not a cache hit (r2), $3.
 */
const ROWS = [
  row(1, {
    created: "2026-10-20 00:00:00",
    updated: "2026-10-20 00:00:00",
    cost: "2000000000",
    ptb: 1,
  }),
  row(2, { created: "2026-10-20 00:00:01", updated: "2026-10-20 00:00:01", cost: "0", ptb: 1 }),
  row(3, { created: "2026-10-20 00:00:02", updated: "2026-10-20 00:00:02", cost: "0", ptb: 0 }),
  row(4, { created: "2026-10-20 00:00:03", updated: "2026-10-20 00:00:03", cost: "0", ptb: 0 }),
  row(4, {
    created: "2026-10-20 00:00:03",
    updated: "2026-10-21 00:00:00",
    cost: "1000000000",
    ptb: 0,
  }),
  row(5, { created: "2026-10-01 23:59:59", updated: "2026-10-01 23:59:59", cost: "0", ptb: 1 }),
  row(6, {
    created: "2026-10-20 00:00:04",
    updated: "2026-10-20 00:00:04",
    cost: "0",
    ptb: 1,
    cacheOf: "eeeeeeee-0000-4000-8000-000000000001",
  }),
];

/** The INSERT of one of ROWS. */
const insert = (values: string) =>
  `INSERT INTO request_response_rmt (${REQUEST_COLUMNS}, cache_reference_id) VALUES ${values}`;

Deno.test("requests with no cost recorded: counted once each in the window on ClickHouse 18.16, said in the brief and describe_dataset", async () => {
  const databases = await freshFixtureDatabases("cost_unrecorded");
  const env = databases.env;
  const outDir = await Deno.makeTempDir();
  try {
    // the fixture alone: every request has a cost, nothing said
    const before = await quietLiveExport({ env, outDir, formats: ["csv"], asOf });
    assertEquals(
      before.data.frame.getColumn("requests_cost_unknown_30d").toArray(),
      before.data.frame.getColumn("org_id").toArray().map(() => 0),
    );
    assertEquals(
      before.data.frame.getColumn("ptb_requests_cost_unknown_30d").toArray(),
      before.data.frame.getColumn("org_id").toArray().map(() => 0),
    );
    assertEquals(costUnrecordedSentence(before.data.frame), null);
    ok(!(await Deno.readTextFile(before.briefPath)).includes("had no cost recorded"));

    const ch = fixtureClickHouse(env);
    for (const values of ROWS) {
      // one insert each: separate parts, as re-inserts arrive, so FINAL has versions to merge
      await ch.command({ query: insert(values) });
    }
    await ch.close();
    await Deno.remove(outDir, { recursive: true });
    await Deno.mkdir(outDir);
    const result = await quietLiveExport({ env, outDir, formats: ["csv"], asOf });
    const frame = result.data.frame;
    const orgs = frame.getColumn("org_id").toArray() as string[];
    const value = (org: string, column: string) =>
      frame.getColumn(column).toArray()[orgs.indexOf(org)];
    assertEquals(value(D, "requests_30d"), 5);
    // r2, r3 and r6; r4 was backfilled
    assertEquals(value(D, "requests_cost_unknown_30d"), 3);
    // r2 only: r3 is BYOK, r6 a cache hit (no provider called)
    assertEquals(value(D, "ptb_requests_cost_unknown_30d"), 1);
    assertEquals(value(D, "llm_cost_30d"), 3); // r1 $2 + r4's backfilled $1
    assertEquals(value(A, "requests_cost_unknown_30d"), 0);
    assertEquals(value(A, "ptb_requests_cost_unknown_30d"), 0);

    // the CSV carries both, as integers, before unbilled_usage_usd and usage_discounts (the
    // columns added after them)
    const csv = (await Deno.readTextFile(result.csvPath!)).trimEnd().split("\r\n");
    const header = csv[0].split(",");
    assertEquals(header.slice(-4), [
      "requests_cost_unknown_30d",
      "ptb_requests_cost_unknown_30d",
      "unbilled_usage_usd",
      "usage_discounts",
    ]);
    const dLine = csv.find((line) => line.startsWith(D))!;
    assertEquals(dLine.split(",").slice(-4, -2), ["3", "1"]);

    // window: A 3, B 1, C 1 (the fixture) + D 5 = 10 requests; 3 / 10 = 30.0 %; 1 of them (r2)
    // pass-through and no cache hit, so D's company-basis margin is an upper bound too
    const sentence =
      "3 requests (30.0 % of the window's) had no cost recorded (`requests_cost_unknown_30d`: cost 0 in ClickHouse, e.g. a model the gateway does not price), so LLM cost is a lower bound and `gross_margin_pct` an upper bound for 1 organization; 1 of them was a pass-through request the company pays the provider for (`ptb_requests_cost_unknown_30d`), so the company-basis margin is an upper bound for the 1 organization that sent it (their PTB and company cost lower bounds).";
    const brief = await Deno.readTextFile(result.briefPath);
    const totals = brief.slice(brief.indexOf("## Totals"), brief.indexOf("## By tier"));
    ok(totals.includes(`\n${sentence}\n`), totals);
    // PTB vs BYOK: D sent PTB (r1, r2, r6) and BYOK (r3, r4) requests, so it is mixed, and its 3
    // requests without a cost (r2, r3, r6) are the mixed row's; A, B and C have none
    const traffic = brief.slice(brief.indexOf("## PTB vs BYOK"), brief.indexOf("## By tier"));
    ok(traffic.includes("`requests_cost_unknown_30d`"), traffic);
    ok(traffic.includes("`ptb_requests_cost_unknown_30d`"), traffic);
    // r2 pass-through; r3 BYOK, r6 a PTB cache hit
    const mixedWords =
      "for 3 requests of mixed organizations (1 of them pass-through the company pays for, the other 2 BYOK requests or PTB cache hits:";
    ok(traffic.includes(mixedWords), traffic);
    ok(!traffic.includes("of gateway-only organizations ("), traffic);
    ok(!traffic.includes("of BYOK-only organizations ("), traffic);

    // describe_dataset says it among its warnings, in both channels
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: outDir })),
    );
    try {
      const described = await call(client, "describe_dataset");
      assertEquals(described.isError, undefined, text(described));
      ok((described.structuredContent!.warnings as string[]).includes(sentence));
      ok(text(described).includes("had no cost recorded"));
      // key_question ptb_vs_byok: the same per traffic type, in its table and reading
      const answer = await call(client, "key_question", { question: "ptb_vs_byok" });
      assertEquals(answer.isError, undefined, text(answer));
      const rows = answer.structuredContent!.table as Record<string, unknown>[];
      assertEquals(
        rows.map((r) => [r.traffic, r.requests_cost_unknown_30d, r.ptb_requests_cost_unknown_30d]),
        [["gateway only (PTB)", 0, 0], ["mixed", 3, 1], ["BYOK only", 0, 0], ["no requests", 0, 0]]
          .filter(([type]) => rows.some((r) => r.traffic === type)),
      );
      ok((answer.structuredContent!.reading as string).includes(mixedWords));
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("requests with no cost recorded on modern ClickHouse (production's types): the same count", async () => {
  const rows = await Deno.makeTempFile({ suffix: ".sql" });
  try {
    await Deno.writeTextFile(
      rows,
      ROWS.map((values) => `${insert(values)};\n`).join(""),
    );
    const usageRows = await octoberUsageOnModernClickHouse([rows]);
    assertEquals(
      usageRows.map((r) => [
        r.org_id,
        Number(r.requests_30d),
        Number(r.requests_cost_unknown_30d),
        Number(r.ptb_requests_cost_unknown_30d),
        r.llm_cost_nano,
      ]),
      [[D, 5, 3, 1, "3000000000"]],
    );
  } finally {
    await Deno.remove(rows);
  }
});
