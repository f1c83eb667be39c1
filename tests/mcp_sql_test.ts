/**
 * The SQL gate (lib/mcp/statements.ts) and query_sql's deadline over the frame (lib/mcp/sql.ts),
 * called directly: the refusals by statement, and Polars' uncancellable runaways bounded.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { loadPricingData } from "../lib/export.ts";
import { frameQueriesComputing, queryFrame } from "../lib/mcp/sql.ts";
import { checkReadOnlySelect } from "../lib/mcp/statements.ts";

Deno.test("the read-only gate: one SELECT, no writes, literals are data", () => {
  assertEquals(
    checkReadOnlySelect("SELECT 'DELETE; DROP' AS s;  ", "postgres"),
    "SELECT 'DELETE; DROP' AS s",
  );
  assertEquals(
    checkReadOnlySelect("with t as (select 1) select * from t", "clickhouse"),
    "with t as (select 1) select * from t",
  );
  for (
    const [sql, reason] of [
      ["DELETE FROM organization", /only SELECT/],
      ["SELECT 1; DROP TABLE organization", /one statement/],
      ["SELECT 1 -- x\n; UPDATE organization SET name = 'x'", /one statement/],
      ["WITH d AS (DELETE FROM organization RETURNING 1) SELECT * FROM d", /DELETE is refused/],
      ["SELECT * INTO backup FROM organization", /INTO is refused/],
      ["SELECT * FROM organization FOR UPDATE", /UPDATE is refused/],
      ["SELECT pg_read_file('/etc/passwd')", /pg_read_file/],
    ] as const
  ) {
    let message = "";
    try {
      checkReadOnlySelect(sql, "postgres");
    } catch (error) {
      message = (error as Error).message;
    }
    ok(reason.test(message), `${sql}: ${message}`);
  }
  let polars = "";
  try {
    checkReadOnlySelect("SELECT * FROM read_csv('/etc/passwd')", "polars");
  } catch (error) {
    polars = (error as Error).message;
  }
  ok(/read_csv/.test(polars), polars);
});

/** The demo export's frame, as the server holds it. */
async function demoFrame() {
  const data = await loadPricingData({
    demo: true,
    asOf: new Date("2026-11-01T00:00:00Z"),
    env: {},
    quiet: true,
    log: () => {},
  });
  return data.frame;
}

Deno.test("query_sql's deadline answers while Polars computes; runaways bound new queries", async () => {
  const frame = await demoFrame();
  // 400 × 400 pairs grouped by a concatenated name: tens of milliseconds, far past 1 ms.
  const heavy = "SELECT a.org_name || b.org_name AS k, count(*) AS n FROM pricing_data a " +
    "CROSS JOIN pricing_data b GROUP BY k";
  const late = (sql: string) =>
    queryFrame(frame, sql, { maxRows: 10, timeoutMs: 1 }).then(
      () => "answered",
      (error: Error) => error.message,
    );
  const [first, second] = await Promise.all([late(heavy), late(heavy)]);
  ok(/ran longer than 0.001 s/.test(first), first);
  ok(/ran longer than/.test(second), second);
  // Both are still computing behind their deadlines (hundreds of ms): a third query is refused.
  assertEquals(frameQueriesComputing(), 2);
  ok(/2 earlier queries are still computing/.test(await late("SELECT 1 AS one FROM pricing_data")));
  while (frameQueriesComputing() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const fine = await queryFrame(frame, "SELECT count(*) AS n FROM pricing_data", {
    maxRows: 10,
    timeoutMs: 30_000,
  });
  assertEquals(fine.rows, [{ n: frame.height }]);
});

Deno.test("query_sql: a statement Polars cannot plan fails in one line saying why", async () => {
  const frame = await demoFrame();
  const failure = (sql: string) =>
    queryFrame(frame, sql, { maxRows: 10, timeoutMs: 30_000 }).then(
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
  assertEquals(frameQueriesComputing(), 0);
});
