/**
 * An unknown LLM cost (empty in a snapshot: a query's NaN or infinite cost, or an imported file's
 * empty cell) in the MRR
 * history: the row's cost sums say they are partial, with how many organizations' they leave out,
 * and the margin after PTB LLM cost is unknown, never one over the partial sum.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { HISTORY } from "./fixtures/history.ts";
import { buildHistoryReport } from "../lib/history/report.ts";
import { historySection } from "../lib/history/report_markdown.ts";
import { HISTORY_SHEET_NAMES, historyTable } from "../lib/history/report_tables.ts";
import { historySheetUnits } from "../lib/history/report_cells.ts";

Deno.test("MRR history: a snapshot's unknown LLM cost makes its sums partial and its margin unknown", () => {
  // March: C's LLM cost and PTB LLM cost unknown
  const points = HISTORY.map((p) =>
    p.asOf.toISOString().startsWith("2026-03-31")
      ? {
        asOf: p.asOf,
        frame: p.frame.withColumns(
          ...["llm_cost_30d", "llm_cost_ptb_30d"].map((name) =>
            pl.when(pl.col("org_id").eq(pl.lit("C"))).then(pl.lit(null)).otherwise(pl.col(name))
              .alias(name)
          ),
        ),
      }
      : p
  );
  const report = buildHistoryReport(points, false);
  assertEquals(report.failures, []);
  const company = report.company.toRecords();
  const march = company.find((r) => r.month === "2026-03-31")!;
  // March known: LLM cost A 20 + B 0 + D 40 + E 0 + F 0; PTB A 10 + D 20
  assertEquals(
    [march.llm_cost_usd, march.llm_cost_ptb_usd, march.llm_cost_unknown],
    [60, 30, 1],
  );
  assertEquals([march.llm_cost_ptb_unknown, march.mrr_margin_after_ptb_llm_pct], [1, null]);
  const february = company.find((r) => r.month === "2026-02-28")!;
  assertEquals([february.llm_cost_unknown, february.llm_cost_ptb_unknown], [0, 0]);

  const lines = historySection(report).split("\n");
  const row = (asOf: string) => lines.find((line) => line.includes(`| ${asOf} |`))!;
  ok(
    row("2026-03-31").endsWith(
      "| $60.00 (a partial sum: 1 organization's unknown: NaN, infinite or empty) | $30.00 (a partial sum: 1 organization's unknown: NaN, infinite or empty) | unknown (a PTB LLM cost unknown) |",
    ),
    row("2026-03-31"),
  );
  // February as before: LLM cost A 20 + C 200 + D 40, PTB 130, MRR 1,250.10:
  // (1,250.10 − 130) / 1,250.10 = 89.6 %
  ok(row("2026-02-28").endsWith("| $260.00 | $130.00 | 89.6 % |"), row("2026-02-28"));

  // the plan rows too: team in March is C (unknown) and D ($20 PTB)
  const team = report.plans.toRecords().find((r) => r.month === "2026-03-31" && r.plan === "team")!;
  assertEquals(
    [team.llm_cost_ptb_usd, team.llm_cost_ptb_unknown, team.mrr_margin_after_ptb_llm_pct],
    [20, 1, null],
  );
});

Deno.test("MRR history CSV and sheet: each cost sum is followed by how many organizations' cost it leaves out", () => {
  // March: C's LLM cost unknown (team plan); its PTB LLM cost unknown for C and A (pro plan)
  const points = HISTORY.map((p) =>
    p.asOf.toISOString().startsWith("2026-03-31")
      ? {
        asOf: p.asOf,
        frame: p.frame.withColumns(
          pl.when(pl.col("org_id").eq(pl.lit("C"))).then(pl.lit(null))
            .otherwise(pl.col("llm_cost_30d")).alias("llm_cost_30d"),
          pl.when(pl.col("org_id").isIn(["A", "C"])).then(pl.lit(null))
            .otherwise(pl.col("llm_cost_ptb_30d")).alias("llm_cost_ptb_30d"),
        ),
      }
      : p
  );
  const table = historyTable(buildHistoryReport(points, false));
  const columns = table.columns;
  // each count right after the sum it qualifies, so a reader sees them together
  assertEquals(
    columns.slice(columns.indexOf("requests"), columns.indexOf("requests") + 6),
    [
      "requests",
      "llm_cost_usd",
      "llm_cost_unknown_orgs",
      "llm_cost_ptb_usd",
      "llm_cost_ptb_unknown_orgs",
      "mrr_margin_after_ptb_llm_pct",
    ],
  );
  const cells = (month: string, plan: string) => {
    const r = table.toRecords().find((r) => r.as_of === month && r.plan === plan)!;
    return [
      r.llm_cost_usd,
      r.llm_cost_unknown_orgs,
      r.llm_cost_ptb_usd,
      r.llm_cost_ptb_unknown_orgs,
    ];
  };
  // March (as-of 2026-03-31) known: LLM cost A 20 + D 40 (C unknown), PTB D 20 (A, C unknown)
  assertEquals(cells("2026-03-31", "(all)"), [60, 1, 20, 2]);
  // team is C and D in March: C's costs unknown; pro is A: its PTB cost unknown, LLM cost 20
  assertEquals(cells("2026-03-31", "team"), [40, 1, 20, 1]);
  assertEquals(cells("2026-03-31", "pro"), [20, 0, 0, 1]);
  // February, none unknown: counted 0, not left empty
  assertEquals(cells("2026-02-28", "(all)"), [260, 0, 130, 0]);

  // the sheet keeps the counts' names (organizations, not a 30-day figure), formatted as counts
  const sheet = table.rename(HISTORY_SHEET_NAMES);
  const units = historySheetUnits(sheet.columns);
  assertEquals(
    [units.llm_cost_unknown_orgs, units.llm_cost_ptb_unknown_orgs],
    ["count", "count"],
  );
});
