/**
 * query_sql's answers (lib/mcp/sql.ts): a statement Polars cannot plan, what a backslash hides, the
 * rows shown and returned, 64-bit integers. (The gate: statement_gate_test.ts; the limits and
 * queue: mcp_sql_limits_test.ts; the SQL process: mcp_sql_process_test.ts.)
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { closeFrameSql, queryFrame } from "../lib/mcp/sql.ts";
import { call, connectInMemory, refused, stdioClient, text } from "./mcp_client.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { demoFrame, LIMITS } from "./mcp_sql_fixture.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";

Deno.test("query_sql: a statement Polars cannot plan fails in one line saying why", async () => {
  const frame = await demoFrame();
  const failure = (sql: string) =>
    queryFrame(frame, sql, LIMITS).then(
      () => "answered",
      (error: Error) => error.message,
    );
  // nodejs-polars hands these back inside a lazy frame, whose first use said only
  // "_ldf.slice is not a function"
  for (
    const [sql, reason] of [
      ["SELECT * FROM export", /relation 'export' was not found \(the table is pricing_data\)$/],
      ["SELECT no_such_column FROM pricing_data", /unable to find column "no_such_column"/],
      ["SELECT tier FROM pricing_data WHERE", /sql parser error/],
    ] as const
  ) {
    const message = await failure(sql);
    ok(message.startsWith("the query failed in Polars SQL: "), `${sql}: ${message}`);
    ok(reason.test(message), `${sql}: ${message}`);
    ok(!message.includes("\n") && !message.includes("_ldf"), `${sql}: ${message}`);
  }
  await closeFrameSql();
});

Deno.test("query_sql: a backslash or a Unicode space hides no file read; what the gate accepts runs as it read it", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mcp_backslash_" });
  const secret = `${tmp}/fake.env`;
  await Deno.writeTextFile(secret, "API_KEY=sk-not-for-models\n");
  const { transport, client } = stdioClient({ TMPDIR: tmp, PRICING_MCP_EXPORTS_DIR: tmp });
  try {
    await client.connect(transport);
    for (
      const sql of [
        `SELECT 'a\\' AS x, * FROM read_csv('${secret}') -- '`,
        `SELECT E'a\\' AS x, * FROM read_csv('${secret}') -- '`,
        `SELECT 1 AS x -- \r, * FROM read_csv('${secret}')`,
        // Polars reads U+0085 (next line) as a space: read_csv\u0085(…) is read_csv(…)
        `SELECT * FROM read_csv\u0085('${secret}')`,
        // Polars calls a qualified name's first part: read_csv.x(…) is read_csv(…)
        `SELECT * FROM read_csv.x('${secret}')`,
      ]
    ) {
      const result = await call(client, "query_sql", { sql });
      refused(result, /refused/);
      ok(!text(result).includes("sk-not-for-models"), text(result));
    }
    // 'a\' ends where Polars ends it: OR 1=1 is code, every organization matches
    const all = await call(client, "query_sql", {
      sql: "SELECT count(*) AS n FROM pricing_data WHERE org_name = 'a\\' OR 1=1 --'",
    });
    assertEquals(all.isError, undefined, text(all));
    assertEquals(all.structuredContent!.rows, [{ n: 400 }]);
    // a nested comment ends where Polars ends it: the ; inside is no second statement
    const nested = await call(client, "query_sql", {
      sql: "SELECT 'it''s' AS x /* a /* b */ ; DROP */ FROM pricing_data LIMIT 1",
    });
    assertEquals(nested.isError, undefined, text(nested));
    assertEquals(nested.structuredContent!.rows, [{ x: "it's" }]);
  } finally {
    await client.close().catch(() => {});
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("query_sql: structuredContent says the rows shown and the rows returned in all", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_test_" });
  const settings = { ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), maxRows: 42 };
  const { client, close } = await connectInMemory(new DatasetStore(settings));
  try {
    // the demo's 400 organizations, 42 shown
    const all = await call(client, "query_sql", { sql: "SELECT org_id FROM pricing_data" });
    const s = all.structuredContent!;
    assertEquals([s.row_count, s.total_rows, s.truncated], [42, 400, true]);
    ok(text(all).includes("42 of 400 rows"), text(all));
    const one = await call(client, "query_sql", { sql: "SELECT count(*) AS n FROM pricing_data" });
    const t = one.structuredContent!;
    assertEquals([t.row_count, t.total_rows, t.truncated], [1, 1, false]);
  } finally {
    await close();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql: 64-bit integers a number does not hold exactly come back as text, as database_sql's", async () => {
  const frame = await demoFrame();
  // 2^53 − 1 is the last integer a double holds exactly; Polars' toArray rounded past it
  // (123456789012345678 came back as 123456789012345680)
  const answer = await queryFrame(
    frame,
    "SELECT CAST(9007199254740991 AS BIGINT) AS safe, CAST(9007199254740992 AS BIGINT) AS past, " +
      "CAST(-123456789012345678 AS BIGINT) AS negative, CAST(9223372036854775807 AS UBIGINT) AS u, " +
      "CAST(NULL AS BIGINT) AS nothing, count(*) AS n FROM pricing_data",
    LIMITS,
  );
  assertEquals(answer.rows, [{
    safe: 9007199254740991,
    past: "9007199254740992",
    negative: "-123456789012345678",
    u: "9223372036854775807",
    nothing: null,
    n: 400,
  }]);
  await closeFrameSql();
});

Deno.test("query_sql: DESC puts unknown values first, DESC NULLS LAST (the description's advice) the largest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_nulls_" });
  // gap = list_price_mrr − mrr: a 20, b unknown (a contract plan has no list price), c 5
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["a", "b", "c"],
      org_name: ["A", "B", "C"],
      mrr: [60, 9000, 15],
      list_price_mrr: [80, null, 20],
    }),
    `${dir}/helicone_pricing_data_2026-11-01.csv`,
  );
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const { tools } = await client.listTools();
    const description = tools.find((t) => t.name === "query_sql")!.description!;
    ok(description.includes("write ORDER BY x DESC NULLS LAST for the largest"), description);
    const firstIds = async (order: string) => {
      const result = await call(client, "query_sql", {
        sql: `SELECT org_id, list_price_mrr - mrr AS gap FROM pricing_data ORDER BY gap ${order}`,
      });
      assertEquals(result.isError, undefined, text(result));
      return (result.structuredContent!.rows as { org_id: string }[]).map((r) => r.org_id);
    };
    assertEquals(await firstIds("DESC"), ["b", "a", "c"]);
    assertEquals(await firstIds("DESC NULLS LAST"), ["a", "c", "b"]);
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
