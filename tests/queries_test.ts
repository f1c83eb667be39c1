/**
 * lib/sources/queries.ts (with lib/sources/frames.ts) on the real servers of `deno task test` and
 * on modern ClickHouse (chdb): NaN and ±inf costs are unknown and said in one warning, costs past
 * Decimal(38, 0) refused naming query, column and organization, negative costs are exported but
 * warned about and counted in the manifest, and sums above UInt64 do not wrap (issue 10 item 6).
 * The query stage's failures and checks are in queries_stage_test.ts.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { rowsToFrame } from "../lib/sources/frames.ts";
import { QUERY_COLUMNS } from "../lib/sources/queries.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { octoberUsageOnModernClickHouse, runOnModernClickHouse } from "./servers.ts";
import { quietLiveExport } from "./live_export.ts";
import { A, asOf, C, exportData } from "./queries_fixture.ts";
import { fixtureClickHouse, REQUEST_COLUMNS, requestTableCopy } from "./request_table_fixture.ts";

const D = "44444444-4444-4444-8444-444444444444";

function requestRow(org: string, id: number, cost: string, ptb = 0): string {
  const requestId = `dddddddd-0000-4000-8000-${String(id).padStart(12, "0")}`;
  return `('${org}', '${requestId}', 'openai', 'gpt-4o', 'u', '2026-10-20 00:00:00', '2026-10-20 00:00:00', ${cost}, '', ${ptb})`;
}

/** The fixture's request table again under `name`, with `cost` of another type. */
async function requestTableWithCostType(
  env: Record<string, string | undefined>,
  name: string,
  costType: string,
  extraRows: string[],
): Promise<void> {
  const create = (await requestTableCopy(name)).replace("cost UInt64", `cost ${costType}`);
  const ch = fixtureClickHouse(env);
  try {
    await ch.command({ query: create });
    await ch.command({
      query: `INSERT INTO ${name} SELECT * FROM request_response_rmt`,
    });
    for (const row of extraRows) {
      await ch.command({ query: `INSERT INTO ${name} (${REQUEST_COLUMNS}) VALUES ${row}` });
    }
  } finally {
    await ch.close();
  }
}

Deno.test("summed costs above UInt64 (1.8e19 nano-USD) do not wrap", async () => {
  const databases = await freshFixtureDatabases("cost_wrap");
  const env = databases.env;
  try {
    // C already has r7, BYOK $3.00; add two BYOK requests of 1e19 nano-USD ($1e10) each: their
    // UInt64 sum (2e19) is past 2^64 ≈ 1.845e19 and used to wrap to 1.553e18 nano-USD
    await requestTableWithCostType(env, "request_big", "UInt64", [
      requestRow(C, 1, "10000000000000000000"),
      requestRow(C, 2, "10000000000000000000"),
    ]);
    const ch = fixtureClickHouse(env);
    // D gets two spend rows of 1e19 nano-USD: 2e19 in all
    for (let i = 0; i < 2; i++) {
      await ch.command({
        query:
          `INSERT INTO organization_ptb_spend (organization_id, spend) VALUES ('${D}', 10000000000000000000)`,
      });
    }
    await ch.close();
    const data = await exportData({ ...env, PRICING_CH_REQUEST_TABLE: "request_big" });
    assertEquals(data.value(C, "llm_cost_30d"), 20_000_000_003); // 1e10 + 1e10 + 3 USD
    assertEquals(data.value(C, "llm_cost_byok_30d"), 20_000_000_003);
    assertEquals(data.value(D, "ptb_spend_all_time"), 20_000_000_000);
    assertEquals(data.value(D, "is_ptb"), true);
  } finally {
    await databases.drop();
  }
});

/** A request row answered from the cache of request `ref` (cache_reference_id), else a plain one. */
function requestRowWithCache(org: string, id: number, cost: string, ptb: number, ref?: string) {
  return requestRow(org, id, cost, ptb).replace(
    /\)$/,
    `, '${ref ?? "00000000-0000-0000-0000-000000000000"}')`,
  );
}

/**
 * D (no requests in the fixture): a PTB request of $2 (r1), and two cache hits answered from it,
 * PTB $5 and BYOK $1 (a cache hit's row carries a cost, but no provider is called).
 */
const CACHE_ROWS = [
  requestRowWithCache(D, 1, "2000000000", 1),
  requestRowWithCache(D, 2, "5000000000", 1, "dddddddd-0000-4000-8000-000000000001"),
  requestRowWithCache(D, 3, "1000000000", 0, "dddddddd-0000-4000-8000-000000000001"),
];

Deno.test("PTB cache hits cost the company nothing: llm_cost_ptb_30d leaves them out, llm_cost_30d keeps them", async () => {
  // production's PTB invoicing bills is_passthrough_billing AND cache_reference_id = DEFAULT_UUID
  const databases = await freshFixtureDatabases("cache_hits");
  const env = databases.env;
  try {
    const ch = fixtureClickHouse(env);
    await ch.command({
      query: `INSERT INTO request_response_rmt (${REQUEST_COLUMNS}, cache_reference_id) VALUES ${
        CACHE_ROWS.join(", ")
      }`,
    });
    await ch.close();
    const data = await exportData(env);
    assertEquals(data.value(D, "llm_cost_30d"), 8); // 2 + 5 + 1: the spec's sum(cost)
    assertEquals(data.value(D, "llm_cost_ptb_30d"), 2); // r1 only
    assertEquals(data.value(D, "llm_cost_byok_30d"), 1);
    assertEquals(data.value(D, "ptb_requests_30d"), 2); // requests all the same
    assertEquals(data.value(D, "company_cost_30d"), 2); // no infrastructure cost set
  } finally {
    await databases.drop();
  }
  // the same on modern ClickHouse, production's types (Bool, DateTime64, UUID)
  const rows = await Deno.makeTempFile({ suffix: ".sql" });
  try {
    await Deno.writeTextFile(
      rows,
      `INSERT INTO request_response_rmt (${REQUEST_COLUMNS}, cache_reference_id) VALUES ${
        CACHE_ROWS.join(", ")
      };\n`,
    );
    const usageRows = await octoberUsageOnModernClickHouse([rows]);
    assertEquals(
      usageRows.map((
        r,
      ) => [r.org_id, r.llm_cost_nano, r.llm_cost_ptb_nano, r.llm_cost_byok_nano]),
      [[D, "8000000000", "2000000000", "1000000000"]],
    );
  } finally {
    await Deno.remove(rows);
  }
});

Deno.test("a NaN or ±inf cost is a data error: unknown (not 0), one warning in the manifest and the brief; 1e300 is refused", async () => {
  const databases = await freshFixtureDatabases("cost_nan");
  const env = databases.env;
  const queriesDir = await Deno.makeTempDir();
  try {
    // A deployment's own query that sums a Float64 cost column as it is (no Decimal)
    const builtIn = await Deno.readTextFile(
      new URL("../queries/clickhouse/usage_30d.sql", import.meta.url),
    );
    await Deno.mkdir(`${queriesDir}/clickhouse`);
    await Deno.writeTextFile(
      `${queriesDir}/clickhouse/usage_30d.sql`,
      builtIn.replaceAll(" * materialize(toDecimal128(1, 0))", ""),
    );
    const own = { ...env, PRICING_QUERIES_DIR: queriesDir };
    // The fixture (tests/clickhouse_data.sql) in the window: A = r1 $2.00 PTB (its newest
    // version), r2 $0.50 BYOK, r5 $0.25 PTB; C = r7 $3.00 BYOK. Added: a PTB request of A
    // costing NaN, a BYOK request of C costing inf.
    await requestTableWithCostType(env, "request_non_finite", "Float64", [
      requestRow(A, 9901, "nan", 1),
      requestRow(C, 9902, "inf", 0),
    ]);
    const outDir = await Deno.makeTempDir();
    try {
      const result = await quietLiveExport({
        env: { ...own, PRICING_CH_REQUEST_TABLE: "request_non_finite" },
        outDir,
        formats: ["csv"],
        asOf,
      });
      const frame = result.data.frame;
      const orgs = frame.getColumn("org_id").toArray() as string[];
      const value = (org: string, column: string) =>
        frame.getColumn(column).toArray()[orgs.indexOf(org)];
      // A: all cost and PTB cost unknown (NaN in both sums), BYOK $0.50; 4 requests counted
      assertEquals(
        ["llm_cost_30d", "llm_cost_ptb_30d", "llm_cost_byok_30d", "requests_30d"].map((c) =>
          value(A, c)
        ),
        [null, null, 0.5, 4],
      );
      // C: all cost and BYOK cost unknown (inf), PTB $0 (none); 2 requests
      assertEquals(
        ["llm_cost_30d", "llm_cost_ptb_30d", "llm_cost_byok_30d", "requests_30d"].map((c) =>
          value(C, c)
        ),
        [null, 0, null, 2],
      );
      // D (no requests) still 0, not unknown
      assertEquals(value(D, "llm_cost_30d"), 0);
      const expected =
        `${queriesDir}/clickhouse/usage_30d.sql: 2 organizations have a value that is not a finite number (NaN or ±inf: a data error in the database) in llm_cost_30d 2 (the query's llm_cost_nano), llm_cost_ptb_30d 1 (the query's llm_cost_ptb_nano) and llm_cost_byok_30d 1 (the query's llm_cost_byok_nano); exported as unknown (empty), not 0, and left out of totals; fix the rows the query sums`;
      assertEquals(result.data.warnings.filter((w) => w.includes("finite")), [expected]);
      const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
      ok((manifest.warnings as string[]).includes(expected));
      const usage = manifest.queries.find((q: { name: string }) => q.name === "usage_30d");
      assertEquals(usage.non_finite_values, {
        llm_cost_nano: 2,
        llm_cost_ptb_nano: 1,
        llm_cost_byok_nano: 1,
      });
      const brief = await Deno.readTextFile(result.briefPath);
      ok(brief.includes("2 organizations have a value that is not a finite number"), brief);
      // the CSV holds them empty: A's row, cost columns as the export orders them
      const csv = await Deno.readTextFile(result.csvPath!);
      ok(!/NaN|Infinity|\binf\b/.test(csv), "no NaN or inf written");
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
    // a finite value past Decimal(38, 0) is no cost: refused, one line naming query, column and
    // organization
    await requestTableWithCostType(env, "request_huge", "Float64", [requestRow(A, 1, "1e300", 1)]);
    await rejects(
      exportData({ ...own, PRICING_CH_REQUEST_TABLE: "request_huge" }),
      (error: Error) => {
        match(error.message, /usage_30d\.sql: column llm_cost_nano of organization /);
        ok(error.message.includes(A), error.message);
        ok(error.message.includes(`"1e300" is not a finite cost`), error.message);
        ok(!error.message.includes("\n"), "one line");
        return true;
      },
    );
    // on 18.16 the built-in query refuses to sum a Float64 cost column at all, naming the file
    await rejects(
      exportData({ ...env, PRICING_CH_REQUEST_TABLE: "request_non_finite" }),
      /usage_30d\.sql failed on ClickHouse at 127\.0\.0\.1:\d+: the cost column is a Float.*Illegal types Float64 and Decimal/,
    );
  } finally {
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("a negative cost is exported, warned about and counted in the manifest", async () => {
  const databases = await freshFixtureDatabases("cost_negative");
  const env = databases.env;
  try {
    // D (no requests in the fixture) gets one BYOK request of -$0.50 in a signed cost column
    await requestTableWithCostType(env, "request_signed", "Int64", [
      requestRow(D, 1, "-500000000"),
    ]);
    const data = await exportData({ ...env, PRICING_CH_REQUEST_TABLE: "request_signed" });
    assertEquals(data.value(D, "llm_cost_30d"), -0.5);
    assertEquals(data.value(A, "llm_cost_30d"), 2.75); // the rest as in tests/export_test.ts
    ok(
      data.warnings.includes(
        "queries/clickhouse/usage_30d.sql: 1 organization has a negative llm_cost_30d (the query's llm_cost_nano; costs are never negative; exported as read)",
      ),
      data.warnings.join("\n"),
    );
    ok(
      data.manifest.warnings.some((w: string) =>
        w.includes("negative llm_cost_byok_30d (the query's llm_cost_byok_nano;")
      ),
    );
    const usage = data.manifest.queries.find((q: { name: string }) => q.name === "usage_30d");
    assertEquals(usage.negative_values, { llm_cost_nano: 1, llm_cost_byok_nano: 1 });
  } finally {
    await databases.drop();
  }
});

Deno.test("on modern ClickHouse (production's types) sums do not wrap and a NaN cost reads as unknown, counted", async () => {
  const data = await Deno.makeTempFile({ suffix: ".sql" });
  try {
    const rows = [1, 2].map((i) =>
      `INSERT INTO request_response_rmt (${REQUEST_COLUMNS}) VALUES ${
        requestRow(C, i, "10000000000000000000", 1)
      };`
    );
    const spend = [1, 2].map(() =>
      `INSERT INTO organization_ptb_spend (organization_id, spend) VALUES ('${D}', 10000000000000000000);`
    );
    await Deno.writeTextFile(data, [...rows, ...spend].join("\n") + "\n");
    const run = await runOnModernClickHouse({
      schema: ["tests/fixtures/clickhouse_schema_modern.sql"],
      data: [data],
      queries: ["queries/clickhouse/usage_30d.sql", "queries/clickhouse/ptb_spend.sql"],
      params: {
        window_start: "2026-10-02T00:00:00Z",
        window_end: "2026-11-01T00:00:00Z",
        request_table: "request_response_rmt",
        ptb_table: "organization_ptb_spend",
      },
      settings: { readonly: 2 },
    });
    const usage = run.results["queries/clickhouse/usage_30d.sql"];
    const ptb = run.results["queries/clickhouse/ptb_spend.sql"];
    // 2 × 1e19 nano-USD = 2e19, past UInt64's 1.8e19
    assertEquals(usage.map((r) => [r.org_id, r.llm_cost_nano, r.llm_cost_ptb_nano]), [
      [C, "20000000000000000000", "20000000000000000000"],
    ]);
    assertEquals(ptb.map((r) => [r.org_id, r.ptb_spend_nano]), [[D, "20000000000000000000"]]);

    // A Float64 cost column: modern ClickHouse multiplies Float by Decimal (18.16 refuses), so a NaN
    // reaches the kit, which refuses it naming query, column and organization.
    const floatSchema = await Deno.makeTempFile({ suffix: ".sql" });
    const nanRow = await Deno.makeTempFile({ suffix: ".sql" });
    try {
      const schema = await Deno.readTextFile("tests/fixtures/clickhouse_schema_modern.sql");
      await Deno.writeTextFile(floatSchema, schema.replace("cost UInt64", "cost Float64"));
      await Deno.writeTextFile(
        nanRow,
        `INSERT INTO request_response_rmt (${REQUEST_COLUMNS}) VALUES ${
          requestRow(A, 9, "nan", 1)
        };\n`,
      );
      const rows = await octoberUsageOnModernClickHouse([nanRow], floatSchema);
      // A's one request, PTB, costs NaN: both sums it is in are nan, the BYOK one 0
      assertEquals(
        rows.map((r) => [r.org_id, r.llm_cost_nano, r.llm_cost_ptb_nano, r.llm_cost_byok_nano]),
        [[A, "nan", "nan", "0"]],
      );
      const told: [Record<string, number>, number][] = [];
      const frame = rowsToFrame(rows, QUERY_COLUMNS.usage_30d, {
        query: "usage_30d.sql",
        onNonFinite: (perColumn, count) => told.push([perColumn, count]),
      });
      assertEquals(told, [[{ llm_cost_nano: 1, llm_cost_ptb_nano: 1 }, 1]]);
      assertEquals(
        ["llm_cost_nano", "llm_cost_ptb_nano", "llm_cost_byok_nano"].map((c) =>
          frame.getColumn(c).get(0)
        ),
        [null, null, 0],
      );
    } finally {
      await Deno.remove(floatSchema);
      await Deno.remove(nanRow);
    }
  } finally {
    await Deno.remove(data);
  }
});
