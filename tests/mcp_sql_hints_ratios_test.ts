/**
 * lib/mcp/sql_hints.ts' ratioMeanHint through query_sql, over stdio with the SDK's client: avg()
 * of a per-organization ratio column (gross_margin_pct and the others) is named with what it is (a
 * mean of each organization's own ratio, every one counting alike, empty cells left out) and the
 * ratio of sums a group's figure is. Asked "what is the margin by tier?", avg(gross_margin_pct)
 * answered the demo's pro tier -56.7 % (one $16.67 customer at -6,077.6 %) where its revenue-weighted
 * margin is 39.9 %, and nothing said the two differ.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { call, close, exportsFolder, stdioClient, text, type Values } from "./mcp_client.ts";
import { COLUMNS } from "../lib/frame/columns.ts";
import { RATIO_SUMS } from "../lib/mcp/sql_hints.ts";

// By hand: a pays 100 at cost 50 (50 %), b 10 at cost 40 (-300 %), c nothing at cost 30 (empty).
// avg(gross_margin_pct) = (50 - 300) / 2 = -125; the ratio of sums (110 - 120) / 110 × 100 =
// -9.0909…; seats 2, 1, 1 and active users 2, 0, 1: avg(seat_utilization_pct) = (100 + 0 +
// 100) / 3 = 66.67, sum / sum = 3 / 4 = 75 %.
const MARGIN_HINT = "avg(gross_margin_pct) is the mean of each organization's own " +
  "gross_margin_pct: every organization counts alike whatever its mrr, and those with an empty " +
  "cell are left out; a group's gross_margin_pct weighs each by its mrr, a ratio of sums: " +
  "(sum(mrr) - sum(llm_cost_30d)) / sum(mrr) * 100 (describe_dataset's per-plan table " +
  "computes margin_all_pct so)";

async function folder(days: number) {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_hints_ratios_test_" });
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["a", "b", "c"],
      org_name: ["Acme", "Bravo", "Charlie"],
      tier: ["pro", "pro", "free"],
      seats: [2, 1, 1],
      active_users_30d: [2, 0, 1],
      llm_cost_30d: [50, 40, 30],
      mrr: [100, 10, 0],
      gross_margin_pct: [50, -300, null],
      seat_utilization_pct: [100, 0, 100],
    }),
    join(dir, `helicone_pricing_data_2026-11-01${days === 30 ? "" : `_${days}d`}.csv`),
  );
  return dir;
}

Deno.test("query_sql: avg() of a per-organization ratio names the ratio of sums a group's figure is", async () => {
  const dir = await folder(30);
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const mean = await call(client, "query_sql", {
      sql: "SELECT AVG(gross_margin_pct) AS m, " +
        "(sum(mrr) - sum(llm_cost_30d)) / sum(mrr) * 100 AS weighted FROM pricing_data",
    });
    ok(!mean.isError, text(mean));
    assertEquals(mean.structuredContent!.rows, [{ m: -125, weighted: -10 / 110 * 100 }]);
    assertEquals(mean.structuredContent!.hint, MARGIN_HINT);
    assertEquals(text(mean).split("\n").at(-1), `(${MARGIN_HINT})`);

    // two ratios, qualified and quoted, over history too: each named once
    const two = await call(client, "query_sql", {
      sql: 'SELECT tier, avg(p."gross_margin_pct") AS m, AVG(p.seat_utilization_pct) AS u, ' +
        "avg(gross_margin_pct) AS again FROM pricing_data p GROUP BY tier ORDER BY tier",
    });
    ok(!two.isError, text(two));
    assertEquals(
      two.structuredContent!.hint,
      MARGIN_HINT + "; avg(seat_utilization_pct) is the mean of each organization's own " +
        "seat_utilization_pct: every organization counts alike whatever its seats, and those " +
        "with an empty cell are left out; a group's seat_utilization_pct weighs each by its " +
        "seats, a ratio of sums: sum(active_users_30d) / sum(seats) * 100",
    );

    // a sum, a median, an average of an amount: no hint
    for (
      const sql of [
        "SELECT avg(mrr) AS a, median(gross_margin_pct) AS m FROM pricing_data",
        "SELECT sum(gross_margin_pct) AS s FROM pricing_data",
        "SELECT avg(gross_margin_pct_x) AS s FROM (SELECT mrr AS gross_margin_pct_x FROM pricing_data)",
      ]
    ) {
      const plain = await call(client, "query_sql", { sql });
      ok(!plain.isError, text(plain));
      ok(
        !("hint" in plain.structuredContent!),
        `${sql}: ${JSON.stringify(plain.structuredContent)}`,
      );
    }
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql: on a 7-day export the ratio of sums puts the window's cost on a 30-day basis", async () => {
  const dir = await folder(7);
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const mean = await call(client, "query_sql", {
      sql: "SELECT avg(gross_margin_pct) AS m FROM pricing_data",
    });
    const hint = String(mean.structuredContent!.hint);
    ok(
      hint.endsWith(
        "a ratio of sums: (sum(mrr) - sum(llm_cost_30d) * 30 / 7) / sum(mrr) * 100 " +
          "(describe_dataset's per-plan table computes margin_all_pct so)",
      ),
      hint,
    );
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RATIO_SUMS names every ratio column of the column table, and nothing else", () => {
  const ratios = COLUMNS.filter((column) =>
    column.source === "Derived" &&
    ["percent", "USD per seat", "USD per request"].includes(column.unit)
  ).map((column) => column.name);
  assertEquals(Object.keys(RATIO_SUMS).sort(), ratios.sort());
});

Deno.test("query_sql: the ratio of sums a hint gives is the per-plan table's column on the demo data", async () => {
  const { dir } = await exportsFolder();
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const described = await call(client, "describe_dataset");
    const perPlan = (described.structuredContent!.per_plan as { rows: Values[] }).rows
      .filter((row) => row.plan !== "all");
    const per = (column: string) => RATIO_SUMS[column];
    const ratios = {
      margin_all_pct: per("gross_margin_pct").sums((column) => `sum(${column})`),
      margin_company_pct: per("gross_margin_company_pct").sums((column) => `sum(${column})`),
      ptb_cost_share_pct: per("ptb_cost_share_pct").sums((column) => `sum(${column})`),
    };
    // the hints' own sums, as Claude would paste them
    const answer = await call(client, "query_sql", {
      sql: `SELECT plan, ${
        Object.entries(ratios).map(([name, sums]) => `${sums} AS ${name}`).join(", ")
      } FROM pricing_data GROUP BY plan`,
    });
    ok(!answer.isError, text(answer));
    const rows = answer.structuredContent!.rows as Values[];
    assertEquals(rows.length, perPlan.length);
    for (const row of perPlan) {
      const mine = rows.find((r) => r.plan === row.plan)!;
      for (const name of Object.keys(ratios)) {
        if (row[name] === null) continue; // (free's margin_all_pct: no MRR; SQL says -inf)
        close(mine[name], row[name] as number, `${row.plan} ${name}`);
      }
    }
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});
