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
import pl from "nodejs-polars";
import { RATIO_SUMS, ratioMeanHint } from "../lib/mcp/sql_hints.ts";

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

/**
 * Two organizations' window figures and each ratio column's group figure, by hand:
 * a: seats 2, active users 1, requests 1,000, LLM cost 10 (PTB 4), MRR 100, PTB revenue 5,
 *    company cost 6; b: seats 3, active users 3, requests 3,000, LLM cost 30 (PTB 16), MRR 50,
 *    PTB revenue 15, company cost 24. Sums: seats 5, active users 4, requests 4,000, LLM cost 40
 *    (PTB 20), MRR 150, PTB revenue 20, company cost 30.
 */
const TWO = pl.DataFrame({
  seats: [2, 3],
  active_users_30d: [1, 3],
  requests_30d: [1_000, 3_000],
  llm_cost_30d: [10, 30],
  llm_cost_ptb_30d: [4, 16],
  mrr: [100, 50],
  ptb_revenue_30d: [5, 15],
  company_cost_30d: [6, 24],
});

/** The ratio of sums the hint for avg(`column`) gives, computed by Polars SQL over TWO. */
async function hintedFigure(column: string, windowDays: number | null): Promise<number> {
  const hint = ratioMeanHint(`SELECT avg(${column}) FROM pricing_data`, {
    columns: [...TWO.columns, column],
    windowDays,
  });
  const sums = hint!.split("a ratio of sums: ")[1].replace(/ \(describe_dataset's .*\)$/, "");
  const frame = await pl.SQLContext({ pricing_data: TWO }).execute(
    `SELECT ${sums} AS figure FROM pricing_data`,
  ).collect();
  return frame.getColumn("figure").get(0) as number;
}

Deno.test("ratioMeanHint: each ratio of sums computes the group's figure, by hand; a 7-day export's window figures on a 30-day basis; history's sums as they are", async () => {
  const byHand: Record<string, number> = {
    cost_per_seat: 40 / 5,
    revenue_per_seat: 150 / 5,
    cost_per_request: 40 / 4_000,
    revenue_per_request: 150 / 4_000,
    gross_margin_pct: (150 - 40) / 150 * 100, // 73.33
    seat_utilization_pct: 4 / 5 * 100,
    ptb_cost_share_pct: 20 / 40 * 100,
    gross_margin_company_pct: (150 + 20 - 30) / (150 + 20) * 100, // 82.35
  };
  assertEquals(Object.keys(byHand).sort(), Object.keys(RATIO_SUMS).sort());
  for (const [column, figure] of Object.entries(byHand)) {
    // history (windowDays null): snapshots may differ in window, their sums are taken as they are
    for (const windowDays of [30, null]) {
      const hinted = await hintedFigure(column, windowDays);
      ok(Math.abs(hinted - figure) < 1e-9, `${column} (${windowDays}): ${hinted} vs ${figure}`);
    }
  }
  // the same figures as a 7-day export's: requests, LLM cost, PTB revenue and company cost × 30 / 7
  // on a 30-day basis, MRR as it is. revenue per request 150 / (4,000 × 30 / 7) = 0.00875;
  // gross margin (150 - 40 × 30 / 7) / 150 = -14.29 %; company: revenue 150 + 20 × 30 / 7 =
  // 235.71, (235.71 - 30 × 30 / 7) / 235.71 = 45.45 %
  const week: Record<string, number> = {
    revenue_per_request: 150 / (4_000 * 30 / 7),
    gross_margin_pct: (150 - 40 * 30 / 7) / 150 * 100,
    gross_margin_company_pct: (150 + 20 * 30 / 7 - 30 * 30 / 7) / (150 + 20 * 30 / 7) * 100,
    cost_per_request: 40 / 4_000,
  };
  for (const [column, figure] of Object.entries(week)) {
    const hinted = await hintedFigure(column, 7);
    ok(Math.abs(hinted - figure) < 1e-9, `${column} (7 days): ${hinted} vs ${figure}`);
  }
  // avg(DISTINCT …) is a mean of each organization's own figure too
  ok(
    ratioMeanHint("SELECT avg(DISTINCT gross_margin_pct) FROM pricing_data", {
      columns: ["gross_margin_pct"],
      windowDays: 30,
    })?.startsWith("avg(gross_margin_pct) is the mean of each organization's own"),
  );
});
