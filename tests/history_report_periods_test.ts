/**
 * The months the history report's rows cover: snapshotPeriod (the 1st at 00:00 UTC closes the
 * month before, any other as-of is to date), rows marked as a month to date, a row over months
 * without a snapshot naming the gap, and pauses (with and without `subscription_status`) in the
 * CSV, Markdown, waterfall and brief.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { buildHistoryReport, historyTable, planChangesTable } from "../lib/history/report.ts";
import { historySection } from "../lib/history/report_markdown.ts";
import { exportHistory } from "../lib/history/export_history.ts";
import { writeHistoryReport } from "../lib/history/report_files.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { snapshotPeriod } from "../lib/history/periods.ts";
import { mrrByPlanChart } from "../lib/history/charts.ts";
import { HISTORY, PAUSED_HISTORY, PAUSED_HISTORY_WITHOUT_STATUS } from "./fixtures/history.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";

Deno.test("snapshotPeriod: the 1st at 00:00 UTC closes the month before, any other as-of is to date", () => {
  assertEquals(snapshotPeriod(new Date("2026-08-01T00:00:00Z")), {
    asOf: "2026-08-01",
    month: "2026-07",
    monthToDate: false,
    months: 1,
    firstMonth: "2026-07",
    label: "2026-07",
  });
  // an as-of not at 00:00 UTC is keyed by its instant, to the millisecond when it has some
  assertEquals(snapshotPeriod(new Date("2026-12-02T20:16:18.084Z")), {
    asOf: "2026-12-02T20:16:18.084Z",
    month: "2026-12",
    monthToDate: true,
    months: 1,
    firstMonth: "2026-12",
    label: "2026-12 (to 12-02 20:16 UTC)",
  });
  // a minute past midnight on the 1st is that month's first minute, not the month before's end
  assertEquals(
    snapshotPeriod(new Date("2026-12-01T00:01:00Z")).label,
    "2026-12 (to 12-01 00:01 UTC)",
  );
  assertEquals(snapshotPeriod(new Date("2026-12-02T20:16:18Z")).asOf, "2026-12-02T20:16:18Z");
  // and half a second past it too: its own key, never the month end's 2026-12-01
  const early = snapshotPeriod(new Date("2026-12-01T00:00:00.500Z"));
  assertEquals([early.asOf, early.label], [
    "2026-12-01T00:00:00.500Z",
    "2026-12 (to 12-01 00:00 UTC)",
  ]);
  assertEquals(snapshotPeriod(new Date("2026-01-01T00:00:00Z")).month, "2025-12");
});

Deno.test("report rows say the month they close, a month to date is marked; the numbers stay", () => {
  // the fixture's three states as-of the 1st of Feb and Mar (closing Jan and Feb), then Mar 5
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const at = (i: number, asOf: string) => ({ asOf: new Date(asOf), frame: sorted[i].frame });
  const points = [
    at(0, "2026-02-01T00:00:00Z"),
    at(1, "2026-03-01T00:00:00Z"),
    at(2, "2026-03-05T00:00:00Z"),
  ];
  const report = buildHistoryReport(points, false);
  const original = buildHistoryReport(HISTORY, false);
  const cents = (r: typeof report) =>
    r.company.drop("month").toRecords().map((row) => JSON.stringify(row));
  assertEquals(cents(report), cents(original), "the bridge's numbers do not depend on the labels");

  const table = historyTable(report).filter(pl.col("plan").eq(pl.lit("(all)")));
  assertEquals(table.columns.slice(0, 5), [
    "month",
    "as_of",
    "month_to_date",
    "months_covered",
    "plan",
  ]);
  assertEquals(table.select("month", "as_of", "month_to_date").toRecords(), [
    { month: "2026-02", as_of: "2026-03-01", month_to_date: false },
    { month: "2026-03", as_of: "2026-03-05", month_to_date: true },
  ]);
  // D's upgrade happened in February (as-of 03-01), E's downgrade in March to date
  assertEquals(
    planChangesTable(report).select("month", "as_of", "month_to_date").toRecords(),
    [
      { month: "2026-02", as_of: "2026-03-01", month_to_date: false },
      { month: "2026-03", as_of: "2026-03-05", month_to_date: true },
    ],
  );

  const section = historySection(report);
  ok(section.startsWith("## MRR history 2026-02 to 2026-03 (before 03-05)\n"), section);
  ok(
    section.includes(
      "3 snapshots, the latest of each month: the baseline as-of 2026-02-01 (the end of 2026-01); month ends 2026-02 (as-of 2026-03-01); month to date, not a month end: 2026-03 (as-of 2026-03-05).",
    ),
    section,
  );
  ok(!section.includes("month-end snapshots"));
  ok(section.includes("| 2026-02 | 2026-03-01 | $800.09 |"), section);
  ok(section.includes("| 2026-03 (before 03-05) | 2026-03-05 | $1,250.10 |"), section);
});

Deno.test("a row over months without a snapshot says how many months it holds and names the gap", () => {
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const at = (i: number, asOf: string) => ({ asOf: new Date(asOf), frame: sorted[i].frame });
  // the ends of 2025-12, 2026-05 and 2026-06: no snapshot for January to April
  const report = buildHistoryReport([
    at(0, "2026-01-01T00:00:00Z"),
    at(1, "2026-06-01T00:00:00Z"),
    at(2, "2026-07-01T00:00:00Z"),
  ], false);
  assertEquals(
    historyTable(report).filter(pl.col("plan").eq(pl.lit("(all)")))
      .select("month", "as_of", "month_to_date", "months_covered").toRecords(),
    [
      { month: "2026-05", as_of: "2026-06-01", month_to_date: false, months_covered: 5 },
      { month: "2026-06", as_of: "2026-07-01", month_to_date: false, months_covered: 1 },
    ],
  );
  assertEquals(
    planChangesTable(report).select("month", "months_covered").toRecords(),
    [{ month: "2026-05", months_covered: 5 }, { month: "2026-06", months_covered: 1 }],
  );
  const section = historySection(report);
  ok(section.startsWith("## MRR history 2026-01 to 2026-06\n"), section);
  ok(section.includes("| 2026-01 → 2026-05 | 2026-06-01 | $800.09 |"), section);
  ok(
    section.includes(
      "**Gap:** no snapshot with revenue for 2026-01 to 2026-04, so the row 2026-01 → 2026-05 (as-of 2026-06-01) holds 5 months of movements, netted per organization.",
    ),
    section,
  );
  ok(!section.includes("| 2026-05 |"), "no row labelled a single month for five");

  // an export on 12-03 with no end of November stored: November and December to date
  const toDate = buildHistoryReport([
    at(0, "2026-11-01T00:00:00Z"),
    at(1, "2026-12-03T09:30:00Z"),
  ], false);
  const december = historySection(toDate);
  ok(december.startsWith("## MRR history 2026-11 → 2026-12 (to 12-03 09:30 UTC)\n"), december);
  ok(
    december.includes(
      "**Gap:** no snapshot with revenue for 2026-11, so the row 2026-11 → 2026-12 (to 12-03 09:30 UTC) (as-of 2026-12-03T09:30:00Z) holds 2 months of movements, netted per organization.",
    ),
    december,
  );

  // every year change shows the year on the x axis, the gap's tick too
  // (the axis read "2025-12, 05, 06")
  const axis = mrrByPlanChart(report.planEnds, { periods: report.periods }).svg;
  for (const tick of [">2025-12<", ">2026-01 → 05<", ">06<"]) ok(axis.includes(tick), tick);
  const years = buildHistoryReport([
    at(0, "2025-12-01T00:00:00Z"),
    at(1, "2026-06-01T00:00:00Z"),
    at(2, "2026-07-01T00:00:00Z"),
  ], false);
  const svg = mrrByPlanChart(years.planEnds, { periods: years.periods }).svg;
  for (const tick of [">2025-11<", ">12 → 2026-05<", ">06<"]) ok(svg.includes(tick), tick);
  ok(!svg.includes(">05<"), "no tick without its year after a year change");
});

Deno.test("pauses in the report: CSV columns, Markdown, waterfall, and the brief's section and sheet", async () => {
  // tests/fixtures/history.ts's PAUSED_HISTORY; amounts by hand in tests/history_bridge_test.ts
  const outDir = await Deno.makeTempDir();
  try {
    const report = buildHistoryReport(PAUSED_HISTORY, false);
    assertEquals(report.failures, []);
    assertEquals(report.withoutStatus, []);
    const files = await writeHistoryReport(report, {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir,
      charts: true,
    });
    const { header, records } = parseCsvRecords(await Deno.readTextFile(files.csvPath));
    // the five movements of rule 1, the pause pair, the plan moves, FX impact (rule 7), the end
    assertEquals(header.slice(header.indexOf("start_mrr_usd"), header.indexOf("end_mrr_usd") + 1), [
      "start_mrr_usd",
      "new_usd",
      "expansion_usd",
      "contraction_usd",
      "churn_usd",
      "reactivation_usd",
      "paused_usd",
      "resumed_usd",
      "moved_in_usd",
      "moved_out_usd",
      "fx_impact_usd",
      "end_mrr_usd",
    ]);
    const company = records.filter((r) => r.plan === "(all)").map((r) => [
      r.month,
      r.start_mrr_usd,
      r.churn_usd,
      r.reactivation_usd,
      r.paused_usd,
      r.resumed_usd,
      r.end_mrr_usd,
    ]);
    assertEquals(company, [
      ["2026-02", "530", "300", "0", "180", "40", "90"], // C churns; P and M pause; B resumes
      ["2026-03", "90", "0", "0", "50", "200", "240"], // X pauses; M resumes on team
      ["2026-04", "240", "0", "0", "0", "120", "360"], // P resumes; X cancels at 0
    ]);
    const teamMarch = records.find((r) => r.month === "2026-03" && r.plan === "team")!;
    assertEquals([teamMarch.resumed_usd, teamMarch.moved_in_usd], ["200", "0"]);

    const markdown = await Deno.readTextFile(files.markdownPath);
    ok(
      markdown.includes(
        "| month | as of | start | new | expansion | contraction | churn | reactivation | paused | resumed | end |",
      ),
    );
    ok(
      markdown.includes(
        "| 2026-02 | 2026-03-01 | $530.00 | $0.00 | $0.00 | $0.00 | -$300.00 | $0.00 | -$180.00 | $40.00 | $90.00 |",
      ),
      markdown,
    );
    ok(
      markdown.includes(
        "start + new + expansion + reactivation + resumed − contraction − churn − paused + FX impact = end (the tables show each loss, contraction, churn, paused and a plan's moved out, with its minus sign, so a row's cells add up to its end as shown)",
      ),
    );
    ok(!markdown.includes("have no `subscription_status`"), "every snapshot tells pauses");

    const waterfall = await Deno.readTextFile(
      `${outDir}/helicone_pricing_history_bridge_waterfall_2026-05-01.svg`,
    );
    // three months summed: paused 180 + 50, resumed 40 + 200 + 120
    for (const text of [">paused<", ">resumed<", ">−$230<", ">+$360<"]) {
      ok(waterfall.includes(text), text);
    }

    // the brief's section and the XLSX sheet of an export as-of 05-01 over the stored months
    const dir = `${outDir}/history`;
    for (const point of PAUSED_HISTORY.slice(0, 3)) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const history = await exportHistory(dir, { demo: false, current: PAUSED_HISTORY[3] });
    ok(history);
    ok(
      history.section.includes(
        "| 2026-04 | 2026-05-01 | $240.00 | $0.00 | $0.00 | $0.00 | $0.00 | $0.00 | $0.00 | $120.00 | $360.00 |",
      ),
      history.section,
    );
    const sheet = history.sheet.frame.filter(pl.col("plan").eq(pl.lit("(all)")));
    assertEquals(sheet.getColumn("paused_usd").toArray(), [180, 50, 0]);
    assertEquals(sheet.getColumn("resumed_usd").toArray(), [40, 200, 120]);
    assertEquals(history.sheet.units?.paused_usd, "USD");
    // printed with month, as_of, month_to_date, months_covered and plan on every page
    assertEquals(history.sheet.frame.columns.slice(0, history.sheet.printTitleColumns), [
      "month",
      "as_of",
      "month_to_date",
      "months_covered",
      "plan",
    ]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("snapshots without subscription_status (backfills) are named: a pause there reads as churn", () => {
  const report = buildHistoryReport(PAUSED_HISTORY_WITHOUT_STATUS, false);
  assertEquals(report.withoutStatus, ["2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01"]);
  const section = historySection(report);
  ok(
    section.includes(
      "Snapshots whose paying customers have no `subscription_status` (backfilled from invoices, which mark only the customers paused now, from the end of their last paid period): as-of 2026-02-01, 2026-03-01, 2026-04-01, 2026-05-01.",
    ),
    section,
  );
  // one of them among exports': only it is named
  const mixed = buildHistoryReport(
    [PAUSED_HISTORY_WITHOUT_STATUS[0], ...PAUSED_HISTORY.slice(1)],
    false,
  );
  assertEquals(mixed.withoutStatus, ["2026-02-01"]);
});
