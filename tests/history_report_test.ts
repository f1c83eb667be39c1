/**
 * The history report on the hand-built history (tests/fixtures/history.ts): the CSV's company
 * rows read back equal the bridge worked out by hand, plan text is escaped in Markdown, the charts
 * are written as SVG and PNG, the brief and XLSX carry the history once two snapshots exist, and
 * `deno task compare` takes two snapshots.
 */
import { deepStrictEqual as assertEquals, ok, rejects as assertRejects } from "node:assert/strict";
import ExcelJS from "exceljs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { runExport } from "../lib/export.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import {
  buildHistoryReport,
  exportHistory,
  formatCents,
  HISTORY_RATIOS_NOTE,
  HISTORY_SHEET_ABOUT,
  historySection,
  historyTable,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
  planChangesTable,
} from "../lib/history/report.ts";
import { writeHistoryReport } from "../lib/history/report_files.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { listSnapshots, readSnapshotFrame } from "../lib/history/stored_snapshots.ts";
import { HISTORY_COLUMNS } from "../lib/history/bridge.ts";
import { snapshotPeriod } from "../lib/history/periods.ts";
import {
  logTicks,
  marginByPlanChart,
  mrrByPlanChart,
  planLegend,
  requestsByPlanChart,
} from "../lib/history/charts.ts";
import { assertTextInside, labels } from "./chart_svg.ts";
import { textWidth } from "../lib/report/chart_frame.ts";
import {
  HISTORY,
  PAUSED_HISTORY,
  PAUSED_HISTORY_WITHOUT_STATUS,
  snapshot,
} from "./fixtures/history.ts";
import { BOOLEAN_FORMAT } from "../lib/formats/xlsx.ts";
import { centsToUsd } from "../lib/history/report_cells.ts";
import { UserError } from "../lib/core/config.ts";
import { ANOTHER_OUTPUT_FOLDER, outDirFlag } from "../lib/core/chosen_by.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";

/** A live export's snapshot in `dir`, dated `asOf` (a day, midnight UTC). */
function snapshotAt(dir: string, asOf: string, frame: pl.DataFrame) {
  return writeSnapshot(frame, {
    dir,
    asOf: new Date(`${asOf}T00:00:00Z`),
    demo: false,
    origin: "export",
  });
}

Deno.test("formatCents is exact", () => {
  assertEquals(formatCents(125010), "$1,250.10");
  assertEquals(formatCents(-9999), "−$99.99");
  assertEquals(formatCents(5), "$0.05");
});

Deno.test("history report: CSV, Markdown and charts from the hand-built history", async () => {
  const outDir = await Deno.makeTempDir();
  // A plan name with Markdown and HTML in it: data, to be escaped.
  const points = HISTORY.map((p) => ({
    asOf: p.asOf,
    frame: p.frame.withColumns(
      pl.Series(
        "plan",
        (p.frame.getColumn("tier").toArray() as string[]).map((t) =>
          t === "team" ? "team|<b>[x](y)</b>" : t
        ),
      ),
    ),
  }));
  const report = buildHistoryReport(points, false);
  assertEquals(report.failures, []);
  const files = await writeHistoryReport(report, {
    chosenBy: ANOTHER_OUTPUT_FOLDER,
    outDir,
    charts: true,
  });
  assertEquals(files.csvPath, `${outDir}/helicone_pricing_history_2026-03-31.csv`);

  const { records } = parseCsvRecords(await Deno.readTextFile(files.csvPath));
  const company = records.filter((r) => r.plan === "(all)").map((r) => [
    r.month,
    r.as_of,
    r.month_to_date,
    r.start_mrr_usd,
    r.new_usd,
    r.expansion_usd,
    r.contraction_usd,
    r.churn_usd,
    r.reactivation_usd,
    r.end_mrr_usd,
    r.paying_orgs,
  ]);
  assertEquals(company, [
    // as-of 2026-02-28 00:00 is February to the 27th: a month to date, not a month end
    ["2026-02", "2026-02-28", "true", "800.09", "500", "250", "0", "299.99", "0", "1250.1", "4"],
    ["2026-03", "2026-03-31", "true", "1250.1", "0", "0", "321", "0", "250", "1179.1", "5"],
  ]);
  const teamMarch = records.find((r) => r.as_of === "2026-03-31" && r.plan.startsWith("team"))!;
  assertEquals(teamMarch.plan, "team|<b>[x](y)</b>", "the CSV keeps the text as it is");
  assertEquals(
    [teamMarch.start_mrr_usd, teamMarch.contraction_usd, teamMarch.moved_out_usd],
    ["1100", "100", "300"],
  );

  const markdown = await Deno.readTextFile(files.markdownPath);
  ok(!markdown.includes("<b>"), "no raw HTML from the data");
  ok(markdown.includes("team\\|&lt;b>\\[x\\](y)&lt;/b>"), "plan name escaped (escapeMarkdown)");
  ok(
    markdown.includes(
      "| 2026-02 (before 02-28) | 2026-02-28 | $800.09 | $500.00 | $250.00 | $0.00 | −$299.99 | $0.00 |",
    ),
  );
  ok(markdown.includes("Every month's bridge reconciles to the cent"));
  // The history's own ratios under names of their own, defined, never the export's ARPA/margin.
  const feb = records.find((r) => r.as_of === "2026-02-28" && r.plan === "(all)")!;
  assertEquals(Number(feb.mrr_recurring_per_paying_org_usd), 1250.10 / 4); // end ÷ 4 paying
  ok(!("arpa_usd" in feb) && !("margin_company_pct" in feb) && !("llm_cost_company_usd" in feb));
  ok("mrr_margin_after_ptb_llm_pct" in feb && "llm_cost_ptb_usd" in feb);
  ok(markdown.includes(HISTORY_RATIOS_NOTE));
  ok(
    markdown.includes(
      "| end | paying orgs (recurring MRR > 0) | recurring MRR ÷ paying orgs | requests (30 d) | LLM cost | PTB LLM cost | MRR margin after PTB LLM cost |",
    ),
  );
  const outsideNote = markdown.replaceAll(HISTORY_RATIOS_NOTE, "");
  ok(!/\| ARPA \||company-cost margin/.test(outsideNote), "no export name for a history figure");

  assertEquals(files.chartPaths.length, 8); // 4 charts × SVG + PNG
  for (const path of files.chartPaths.filter((p) => p.endsWith(".png"))) {
    const bytes = await Deno.readFile(path);
    assertEquals([...bytes.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  }
  for (const path of files.chartPaths.filter((p) => p.endsWith(".svg"))) {
    const svg = await Deno.readTextFile(path);
    ok(!svg.includes("<b>"), `${path}: plan text escaped in SVG`);
    ok(!svg.includes("Demo data"), `${path}: live snapshots say no demo`);
  }
  const waterfall = await Deno.readTextFile(
    `${outDir}/helicone_pricing_history_bridge_waterfall_2026-03-31.svg`,
  );
  // the balance bars' dates on a second line of their ticks
  const tick = (first: string, second: string) =>
    `<tspan y="0.71em" x="0">${first}</tspan><tspan dy="1em" x="0">${second}</tspan>`;
  ok(waterfall.includes(tick("start", "(2026-01 before 01-31)")), "the baseline, a month to date");
  ok(waterfall.includes(tick("end", "(2026-03 before 03-31)")));
  ok(!waterfall.includes(">paused<") && !waterfall.includes(">resumed<"), "no pause: no pair");
});

Deno.test("the brief and the XLSX get the history once two snapshots exist", async () => {
  const outDir = await Deno.makeTempDir();
  const base = { demo: true, outDir, charts: false, env: {}, log: () => {}, quiet: true };
  const first = await runExport({ ...base, asOf: new Date("2026-10-01T00:00:00Z") });
  const firstBrief = await Deno.readTextFile(first.briefPath);
  ok(!firstBrief.includes("## MRR history"), "one snapshot: no history section");

  const second = await runExport({ ...base, asOf: new Date("2026-11-01T00:00:00Z") });
  const brief = await Deno.readTextFile(second.briefPath);
  ok(brief.includes("## MRR history 2026-10\n"), "the brief's section: October's bridge");
  ok(
    brief.includes(
      "2 snapshots, the latest of each month: the baseline as-of 2026-10-01 (the end of 2026-09); month ends 2026-10 (as-of 2026-11-01).",
    ),
  );
  ok(brief.includes("reconciles to the cent"));
  ok(brief.includes(HISTORY_RATIOS_NOTE), "the history's ratios told from the headline's");
  // the headline counts mrr > 0, the history recurring MRR > 0: each label says which
  ok(
    brief.includes("organizations with MRR > 0") &&
      brief.includes("| paying orgs (recurring MRR > 0) |"),
  );

  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(`${outDir}/helicone_pricing_data_2026-11-01_demo.xlsx`);
  const sheet = workbook.getWorksheet("history");
  ok(sheet, "a history sheet");
  const header = (sheet.getRow(1).values as unknown[]).slice(1);
  assertEquals(header.slice(0, 7), [
    "month",
    "as_of",
    "month_to_date",
    "months_covered",
    "plan",
    "start_mrr_usd",
    "new_usd",
  ]);
  // company row + plan rows of the one bridge month; the end equals the export's MRR total
  const all = sheet.getRow(2).values as unknown[];
  // month_to_date a boolean cell; one month covered (no month without a snapshot)
  assertEquals(all.slice(1, 6), ["2026-10", "2026-11-01", false, 1, "(all)"]);
  const totalCents = (second.data.frame.getColumn("mrr_recurring").toArray() as (number | null)[])
    .reduce((sum: number, v) => sum + Math.round((v ?? 0) * 100), 0);
  const endColumn = header.indexOf("end_mrr_usd") + 1;
  assertEquals(Math.round((all[endColumn] as number) * 100), totalCents);
  // its usage is each snapshot's 30 days, named so (a 7-day export's pricing_data sheet beside it
  // holds 7 days' requests_30d)
  ok(
    ["requests_30_days", "llm_cost_30_days_usd", "llm_cost_ptb_30_days_usd"].every((name) =>
      header.includes(name)
    ) && !header.includes("requests") && !header.includes("llm_cost_usd"),
    header.join(", "),
  );
  // each cost sum followed by how many organizations' cost it leaves out (none here: 0)
  const unknownCounts = ["llm_cost_unknown_orgs", "llm_cost_ptb_unknown_orgs"];
  assertEquals(
    unknownCounts.map((name) => header.indexOf(name) - 1).map((i) => header[i]),
    ["llm_cost_30_days_usd", "llm_cost_ptb_30_days_usd"],
  );
  assertEquals(unknownCounts.map((name) => all[header.indexOf(name) + 1]), [0, 0]);
  // the dictionary sheet says what the history sheet holds and what those counts are
  const about = workbook.getWorksheet("dictionary")!.getColumn(1).values
    .findIndex((v) => v === "history");
  assertEquals(
    workbook.getWorksheet("dictionary")!.getRow(about).getCell(6).value,
    HISTORY_SHEET_ABOUT,
  );
  // its ratios' own names: recurring MRR ÷ paying organizations, not the headline's ARPA
  ok(!header.includes("arpa_usd") && !header.includes("margin_company_pct"));
  // paying organizations named by what they count (recurring MRR > 0), not the headline's mrr > 0
  ok(header.includes("paying_orgs_recurring_mrr") && !header.includes("paying_orgs"));
  const paying = (second.data.frame.getColumn("mrr_recurring").toArray() as (number | null)[])
    .filter((v) => (v ?? 0) > 0).length;
  const perOrg = all[header.indexOf("mrr_recurring_per_paying_org_usd") + 1] as number;
  ok(Math.abs(perOrg - totalCents / 100 / paying) < 1e-9, `${perOrg}`);

  // the demo bills some customers in EUR (at its rate, 1.08): the bridge per currency, a sheet of
  // its own (a currency column) and a section of the brief; EUR's end is those customers' USD ÷ 1.08
  const byCurrency = workbook.getWorksheet("history_by_currency");
  ok(byCurrency, "a history_by_currency sheet");
  const currencyHeader = (byCurrency.getRow(1).values as unknown[]).slice(1);
  assertEquals(currencyHeader.slice(4, 6), ["currency", "start_mrr"]);
  const rowOf = (code: string) =>
    (byCurrency.getRows(2, byCurrency.rowCount - 1) ?? []).map((r) => r.values as unknown[])
      .find((values) => values[5] === code)!;
  const eurCents = second.data.frame.filter(pl.col("currency").eq(pl.lit("EUR")))
    .getColumn("mrr_recurring").toArray().reduce(
      (sum: number, v) => sum + Math.round(((v as number | null) ?? 0) * 100),
      0,
    );
  ok(eurCents > 0, "the demo bills in EUR");
  const eurEnd = rowOf("EUR")[currencyHeader.indexOf("end_mrr") + 1] as number;
  assertEquals(Math.round(eurEnd * 100), Math.round(eurCents / 1.08));
  // USD-billed and EUR-billed ends, converted, make the USD view's end
  const usdEnd = rowOf("USD")[currencyHeader.indexOf("end_mrr") + 1] as number;
  assertEquals(Math.round(usdEnd * 100) + eurCents, totalCents);
  ok(brief.includes("\n## MRR per currency\n") && brief.includes("\n### EUR\n"), brief);

  // number formats by unit (as pricing_data's), read back by ExcelJS and by openpyxl
  const named: Record<string, string> = {
    month: "General",
    as_of: "General",
    month_to_date: BOOLEAN_FORMAT,
    months_covered: "#,##0",
    plan: "General",
    paying_orgs_recurring_mrr: "#,##0",
    requests_30_days: "#,##0",
    llm_cost_unknown_orgs: "#,##0",
    llm_cost_ptb_unknown_orgs: "#,##0",
    mrr_margin_after_ptb_llm_pct: '#,##0.0"%"',
  };
  // customers per movement are counts; every other column is an amount in USD
  const expected = (header as string[]).map((h) =>
    named[h] ??
      (h.endsWith("_customers")
        ? "#,##0"
        : h.endsWith("_usd")
        ? '"$"#,##0.00'
        : `no format expected for ${h}`)
  );
  for (let row = 2; row <= sheet.rowCount; row++) {
    const formats: string[] = (header as string[]).map((_, i): string =>
      sheet.getRow(row).getCell(i + 1).numFmt ?? "General"
    );
    assertEquals(formats, expected, `row ${row}`);
  }
  const script = `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["history"]
print(json.dumps([[c.number_format for c in row] for row in ws.iter_rows(min_row=2)]))
`;
  const command = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, `${outDir}/helicone_pricing_data_2026-11-01_demo.xlsx`],
    stdout: "piped",
  }).output();
  ok(command.success, "openpyxl reads the workbook");
  const pyFormats = JSON.parse(new TextDecoder().decode(command.stdout)) as string[][];
  assertEquals(pyFormats.length, sheet.rowCount - 1);
  for (const row of pyFormats) assertEquals(row, expected);

  // the same values as the report's CSV: the bridge's amounts to the cent, no float noise
  const reportDir = await Deno.makeTempDir();
  const files = await writeHistoryReport(
    await loadHistoryReport(await loadMonthlyHistoryPoints(`${outDir}/history`, true), true),
    { chosenBy: ANOTHER_OUTPUT_FOLDER, outDir: reportDir, charts: false },
  );
  const csv = parseCsvRecords(await Deno.readTextFile(files.csvPath));
  assertEquals(csv.records.length, sheet.rowCount - 1);
  csv.records.forEach((record, i) => {
    const cells = sheet.getRow(i + 2).values as unknown[];
    for (const name of header as string[]) {
      if (!name.endsWith("_usd") || name.includes("per_paying") || name.startsWith("llm")) continue;
      const cell = cells[header.indexOf(name) + 1] as number;
      assertEquals(cell, Number(record[name]), `${record.plan} ${name}`);
      assertEquals(cell, Math.round(cell * 100) / 100, `${record.plan} ${name} in cents`);
    }
  });
});

Deno.test("an export after months without organizations has no history section", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const base = { demo: true, outDir, charts: false, env: {}, log: () => {}, quiet: true };
    // the demo's first organization signs up in late 2023: these months hold none
    for (const asOf of ["2020-01-01", "2020-02-01"]) {
      const result = await runExport({
        ...base,
        formats: ["csv"],
        asOf: new Date(`${asOf}T00:00:00Z`),
      });
      assertEquals(result.data.frame.height, 0);
      ok(!(await Deno.readTextFile(result.briefPath)).includes("## MRR history"), asOf);
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("cents to USD: the quotient to the cent, where polars' division by 100 was off", () => {
  // polars divides by a number as a product with 0.01: 301320 read 3013.2000000000003
  const cents = Array.from({ length: 100_000 }, (_, i) => 301_250 + 7 * i - 3_500_000 * (i % 2));
  const frame = pl.DataFrame({ c: cents }).withColumns(pl.col("c").cast(pl.Int64));
  const usd = frame.select(centsToUsd("c")).getColumn("c").toArray() as number[];
  assertEquals(usd.filter((v, i) => v !== cents[i] / 100), []);
  ok(cents.includes(301_320));
});

Deno.test("compare takes two snapshots", async () => {
  const dir = await Deno.makeTempDir();
  for (const point of [HISTORY[0], HISTORY[2]]) {
    await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
  }
  const quiet = ["--quiet", "--out-dir", dir];
  const code = await compareMain([
    `${dir}/helicone_pricing_data_2026-01-31.parquet`,
    `${dir}/helicone_pricing_data_2026-03-31.parquet`,
    ...quiet,
  ]);
  assertEquals(code, 0);
  const { records } = parseCsvRecords(
    await Deno.readTextFile(`${dir}/helicone_pricing_compare_2026-01-31_to_2026-03-31.csv`),
  );
  const byOrg = Object.fromEntries(records.map((r) => [r.org_id, r]));
  assertEquals(Object.keys(byOrg).sort(), ["A", "B", "C", "D", "E", "F", "G"]);
  assertEquals(byOrg.G.presence, "disappeared");
  // C free → team, D pro → team, E team → pro
  assertEquals(records.filter((r) => r.tier_changed === "true").map((r) => r.org_id), [
    "C",
    "D",
    "E",
  ]);
  assertEquals([byOrg.A.mrr_old, byOrg.A.mrr_new], ["100.1", "150.1"]);
});

Deno.test("a snapshot without revenue is left out, unknown MRR is counted and said", async () => {
  const [jan, feb, mar] = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const noRevenue = {
    asOf: feb.asOf,
    frame: feb.frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr_recurring")),
  };
  // March with E's MRR unknown: E (79.00) reads as 0
  const ids = mar.frame.getColumn("org_id").toArray() as string[];
  const marchUnknown = {
    asOf: mar.asOf,
    frame: mar.frame.withColumns(
      pl.Series(
        "mrr_recurring",
        (mar.frame.getColumn("mrr_recurring").toArray() as number[]).map((v, i) =>
          ids[i] === "E" ? null : v
        ),
        pl.Float64,
      ),
    ),
  };
  const report = buildHistoryReport([jan, noRevenue, marchUnknown], false);
  assertEquals(report.months, ["2026-01-31", "2026-03-31"]);
  assertEquals(report.skipped, ["2026-02-28"]);
  assertEquals(report.unknownMrr, [{ month: "2026-03-31", organizations: 1 }]);
  assertEquals(report.failures, []);
  // Jan → Mar directly: end = 15010 + 25000 + 40000 + 30000 (E unknown → 0)
  assertEquals(report.company.toRecords()[0].end_cents, 110010);
  const outDir = await Deno.makeTempDir();
  const files = await writeHistoryReport(report, {
    chosenBy: ANOTHER_OUTPUT_FOLDER,
    outDir,
    charts: false,
  });
  const markdown = await Deno.readTextFile(files.markdownPath);
  ok(
    markdown.includes(
      "Left out (no revenue: Stripe skipped or failed in that export): as-of 2026-02-28.",
    ),
  );
  ok(markdown.includes("unknown MRR, counted as 0") && markdown.includes("as-of 2026-03-31: 1"));
  // March's row holds February's movements too: said, not labelled March alone
  ok(
    markdown.includes(
      "**Gap:** no snapshot with revenue for 2026-02, so the row 2026-02 → 2026-03 (before 03-31) (as-of 2026-03-31) holds 2 months of movements, netted per organization.",
    ),
    markdown,
  );
  assertThrowsOne(() => buildHistoryReport([jan, noRevenue], false));
});

function assertThrowsOne(work: () => unknown) {
  try {
    work();
  } catch (error) {
    ok(/two snapshots with revenue, got 1 \(of 2/.test((error as Error).message));
    return;
  }
  throw new Error("expected an error");
}

Deno.test("daily snapshots: the latest of each month makes the month-end bridge", () => {
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  // a mid-February snapshot (B still paying) is superseded by the month's last one
  const midFebruary = { asOf: new Date("2026-02-15T00:00:00Z"), frame: sorted[0].frame };
  const report = buildHistoryReport([...sorted, midFebruary], false);
  assertEquals(report.months, ["2026-01-31", "2026-02-28", "2026-03-31"]);
  // 03-01 00:00 closes February: it replaces 02-28 as February's snapshot
  const marchFirst = { asOf: new Date("2026-03-01T00:00:00Z"), frame: sorted[1].frame };
  const withFirst = buildHistoryReport([sorted[0], sorted[1], marchFirst, sorted[2]], false);
  assertEquals(withFirst.months, ["2026-01-31", "2026-03-01", "2026-03-31"]);
  assertEquals(withFirst.failures, []);
});

Deno.test("loadMonthlyHistoryPoints reads the latest snapshot with revenue of each month", async () => {
  const dir = await Deno.makeTempDir();
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const write = (asOf: string, frame: pl.DataFrame) => snapshotAt(dir, asOf, frame);
  await write("2026-01-31", sorted[0].frame);
  await write("2026-02-10", sorted[0].frame); // superseded: never read
  await write("2026-02-15", sorted[1].frame);
  // the month's last export had Stripe skipped: read, left out, named
  await write(
    "2026-02-28",
    sorted[1].frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr_recurring")),
  );
  await write("2026-03-31", sorted[2].frame);
  const points = await loadMonthlyHistoryPoints(dir, false);
  assertEquals(
    points.map((p) => p.asOf.toISOString().slice(0, 10)),
    ["2026-01-31", "2026-02-15", "2026-02-28", "2026-03-31"],
  );
  const report = buildHistoryReport(points, false);
  assertEquals(report.months, ["2026-01-31", "2026-02-15", "2026-03-31"]);
  assertEquals(report.skipped, ["2026-02-28"]);
  assertEquals(report.failures, []);
});

Deno.test("unknown MRR leaves out shared_customer organizations: their customer's revenue is on another row", async () => {
  // March: E's MRR unknown (revenue not read), F shares A's Stripe customer (its mrr empty, not
  // unknown: the brief, compare and the MCP server count 1 unknown, so must the report)
  const [jan, , mar] = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const ids = mar.frame.getColumn("org_id").toArray() as string[];
  const mrr = mar.frame.getColumn("mrr_recurring").toArray() as number[];
  const march = {
    asOf: mar.asOf,
    frame: mar.frame.withColumns(
      pl.Series("mrr_recurring", mrr.map((v, i) => ["E", "F"].includes(ids[i]) ? null : v)),
      pl.Series(
        "revenue_source",
        ids.map((id) => id === "E" ? "none" : id === "F" ? "shared_customer" : "stripe"),
      ),
    ),
  };
  const expected = [{ month: "2026-03-31", organizations: 1 }];
  assertEquals(buildHistoryReport([jan, march], false).unknownMrr, expected);
  // the same read back from stored snapshots (lazy scans of the report's columns)
  const dir = await Deno.makeTempDir();
  try {
    for (const point of [jan, march]) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const points = await loadMonthlyHistoryPoints(dir, false);
    assertEquals(buildHistoryReport(points, false).unknownMrr, expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("per plan, a shared Stripe customer's organizations count in its revenue row's plan, as the brief's per-plan table", async () => {
  // S (free plan, no MRR of its own: shared_customer) shares P's customer (pro, $100): its
  // requests and costs count in P's plan, where the revenue that pays for them is
  const month = (asOf: string) => ({
    asOf: new Date(`${asOf}T00:00:00Z`),
    frame: exportFrameFromColumns({
      org_id: ["P", "S", "F"],
      tier: ["pro", "free", "free"],
      plan: ["pro", "free", "free"],
      stripe_customer_id: ["cus_p", "cus_p", null],
      revenue_source: ["stripe", "shared_customer", "no_customer"],
      mrr_recurring: [100, null, 0],
      mrr: [100, null, 0],
      requests_30d: [1000, 500, 20],
      llm_cost_30d: [8, 6, 1],
      llm_cost_ptb_30d: [4, 3, 1],
    }),
  });
  const points = [month("2026-01-31"), month("2026-02-28")];
  const rows = (report: ReturnType<typeof buildHistoryReport>) =>
    Object.fromEntries(
      report.plans.filter(pl.col("month").eq(pl.lit("2026-02-28"))).toRecords().map((r) => [
        r.plan,
        [r.requests, r.llm_cost_usd, r.llm_cost_ptb_usd, r.mrr_margin_after_ptb_llm_pct],
      ]),
    );
  // pro: P + S = 1500 requests, $14 LLM cost, $7 PTB; margin (100 − 7) / 100; free: F alone
  const expected = { pro: [1500, 14, 7, 93], free: [20, 1, 1, null] };
  assertEquals(rows(buildHistoryReport(points, false)), expected);
  // the same read back from stored snapshots (lazy scans of the report's columns)
  const dir = await Deno.makeTempDir();
  try {
    for (const point of points) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    assertEquals(
      rows(buildHistoryReport(await loadMonthlyHistoryPoints(dir, false), false)),
      expected,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadMonthlyHistoryPoints reads only the report's columns; the report is that of whole snapshots", async () => {
  const dir = await Deno.makeTempDir();
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  for (const point of sorted) {
    await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
  }
  const points = await loadMonthlyHistoryPoints(dir, false);
  assertEquals(points.length, sorted.length);
  for (const point of points) {
    assertEquals([...point.frame.columns].sort(), [...HISTORY_COLUMNS].sort());
  }
  const whole = (await listSnapshots(dir, false)).map((info) => ({
    asOf: info.asOf,
    frame: readSnapshotFrame(info.path),
  }));
  assertEquals(whole[0].frame.width > HISTORY_COLUMNS.length, true);
  const projected = buildHistoryReport(points, false);
  const full = buildHistoryReport(whole, false);
  for (const part of ["company", "plans", "changes", "planEnds"] as const) {
    ok(projected[part].frameEqual(full[part], true), part);
  }
  assertEquals(projected.months, full.months);
  assertEquals(projected.unknownMrr, full.unknownMrr);
});

Deno.test("a damaged stored snapshot fails the report in one line naming the file and the fix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const point of HISTORY) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const [first] = await listSnapshots(dir, false);
    // the data pages after the magic bytes zeroed; the footer (schema, row groups) intact, so
    // the lazy scan opens and only reading the values fails
    const bytes = await Deno.readFile(first.path);
    bytes.fill(0, 4, Math.min(bytes.length - 64, 4 + 512));
    await Deno.writeFile(first.path, bytes);
    await assertRejects(
      async () => buildHistoryReport(await loadMonthlyHistoryPoints(dir, false), false),
      (error: Error) => {
        ok(error instanceof UserError, String(error));
        ok(error.message.startsWith(`${first.path} is not a readable Parquet snapshot (`));
        ok(error.message.endsWith("; move it out of the history folder or write it again"));
        assertEquals(error.message.split("\n").length, 1);
        return true;
      },
    );
    // cut short (its footer gone), it fails as the folder is listed, in the same line: the
    // report refuses (an export leaves it out of its history section: export_stage.ts)
    await Deno.truncate(first.path, 5_000);
    await assertRejects(
      () => loadMonthlyHistoryPoints(dir, false),
      (error: Error) => {
        ok(error.message.startsWith(`${first.path} is not a readable Parquet snapshot (`));
        ok(error.message.endsWith("; move it out of the history folder or write it again"));
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadMonthlyHistoryPoints does not read the snapshots this export stands in for", async () => {
  const dir = await Deno.makeTempDir();
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const write = async (asOf: string, frame: pl.DataFrame) =>
    (await snapshotAt(dir, asOf, frame)).path;
  await write("2026-02-28", sorted[0].frame);
  // March's earlier snapshot and one of this export's own date: made unreadable, so reading
  // either would throw
  for (const asOf of ["2026-03-15", "2026-03-31"]) {
    await Deno.writeTextFile(await write(asOf, sorted[1].frame), "not parquet");
  }
  const current = { asOf: new Date("2026-03-31T00:00:00Z"), frame: sorted[2].frame };
  const points = await loadMonthlyHistoryPoints(dir, false, current);
  assertEquals(points.map((p) => p.asOf.toISOString().slice(0, 10)), ["2026-02-28"]);
  // this export without revenue stands in for its own date only: March's earlier one is read
  const noRevenue = {
    asOf: current.asOf,
    frame: current.frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr_recurring")),
  };
  await assertRejects(() => loadMonthlyHistoryPoints(dir, false, noRevenue));
});

Deno.test("an export's history leaves out the snapshots dated after its as-of (its future)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
    const write = (asOf: string, frame: pl.DataFrame) => snapshotAt(dir, asOf, frame);
    await write("2026-02-01", sorted[0].frame);
    await write("2026-03-01", sorted[1].frame); // after the export below: not its history
    const current = { asOf: new Date("2026-02-15T00:00:00Z"), frame: sorted[2].frame };
    const dates = (points: { asOf: Date }[]) =>
      points.map((p) => p.asOf.toISOString().slice(0, 10));
    assertEquals(dates(await loadMonthlyHistoryPoints(dir, false, current)), ["2026-02-01"]);
    // another window's export (no current) gives its as-of: the same cut
    assertEquals(
      dates(await loadMonthlyHistoryPoints(dir, false, undefined, { until: current.asOf })),
      ["2026-02-01"],
    );
    // the report over all of them (deno task history report) still reads both
    assertEquals(dates(await loadMonthlyHistoryPoints(dir, false)), ["2026-02-01", "2026-03-01"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

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

Deno.test("requests per plan: every snapshot, the first too, on a log axis labelled throughout", () => {
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const at = (i: number, asOf: string) => ({ asOf: new Date(asOf), frame: sorted[i].frame });
  const report = buildHistoryReport([
    at(0, "2026-02-01T00:00:00Z"),
    at(1, "2026-03-01T00:00:00Z"),
    at(2, "2026-04-01T00:00:00Z"),
  ], false);
  const svg = requestsByPlanChart(report.planTrends, report.periods).svg;
  // x ticks are the months the snapshots close: the baseline (end of January) first
  for (const tick of [">2026-01<", ">02<", ">03<"]) ok(svg.includes(tick), tick);
  ok(!svg.includes(">2026-02-01<") && !svg.includes(">Feb<"), "no as-of dates on the axis");

  // 1, 2, 3, 4, 5, 6, 8 per decade over two decades; the domain from a tick to a tick
  assertEquals(logTicks(1.3e6, 7.5e7), {
    ticks: [1e6, 2e6, 3e6, 4e6, 5e6, 6e6, 8e6, 1e7, 2e7, 3e7, 4e7, 5e7, 6e7, 8e7],
    domain: [1e6, 8e7],
  });
  // four decades: 1, 2, 5; five or more: the powers of ten
  assertEquals(logTicks(150, 9e5).ticks, [
    100,
    200,
    500,
    1e3,
    2e3,
    5e3,
    1e4,
    2e4,
    5e4,
    1e5,
    2e5,
    5e5,
    1e6,
  ]);
  assertEquals(logTicks(150, 2e6).ticks, [100, 1e3, 1e4, 1e5, 1e6, 1e7]);
  assertEquals(logTicks(3, 3e7).ticks, [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8]);
});

Deno.test("plan changes at the same MRR are counted; snapshots priced by different price books are said", () => {
  // Two month ends priced by two books (plan names of each), MRR in USD:
  //   A  pro (seat)     100   →  usage      100   same MRR
  //   B  team (bundle)  300   →  contracts  300   same MRR
  //   C  pro (seat)      50   →  usage       80   upgrade
  // By hand: 3 customers moved (no customer ids: each organization its own), 1 upgrade, 0
  // downgrades, 3 − 1 − 0 = 2 at the same MRR; pro (seat) → usage: 2 customers, 1 upgrade, 2 − 1 = 1 at the same MRR, $150 → $180.
  const priced = (asOf: string, plans: string[], mrr: number[]) => {
    const point = snapshot(asOf, [
      ["A", "pro", mrr[0], 100, 0],
      ["B", "team", mrr[1], 100, 0],
      ["C", "pro", mrr[2], 100, 0],
    ]);
    return { ...point, frame: point.frame.withColumns(pl.Series("plan", plans)) };
  };
  const january = priced("2026-02-01", ["pro (seat)", "team (bundle)", "pro (seat)"], [
    100,
    300,
    50,
  ]);
  const february = priced("2026-03-01", ["usage", "contracts", "usage"], [100, 300, 80]);
  const bookA = { name: "current_seat_based.json", sha256: "a".repeat(64) };
  // a file name is data: its Markdown is escaped
  const bookB = { name: "per *request*.json", sha256: "b".repeat(64) };

  const recorded = buildHistoryReport([
    { ...january, priceBook: bookA },
    { ...february, priceBook: bookB },
  ], false);
  const section = historySection(recorded);
  ok(
    section.includes(
      "Plan changes while paying: 3 customer(s) moved plan: 1 upgrade(s), 0 downgrade(s), 2 at the same MRR.",
    ),
    section,
  );
  ok(
    section.includes(
      "| month | from plan | to plan | customers | upgrades | downgrades | at the same MRR | MRR before | MRR after |",
    ),
    section,
  );
  ok(section.includes("| 2026-02 | pro (seat) | usage | 2 | 1 | 0 | 1 | $150.00 | $180.00 |"));
  ok(
    section.includes("| 2026-02 | team (bundle) | contracts | 1 | 0 | 0 | 1 | $300.00 | $300.00 |"),
  );
  ok(
    section.includes(
      "**Different price books:** as-of 2026-02-01 was priced by `current_seat_based.json` (SHA-256 aaaaaaaaaaaa…), as-of 2026-03-01 by per \\*request\\*.json (SHA-256 bbbbbbbbbbbb…). The `plan` column is the price book's plan name, so in 2026-02 the plan changes",
    ),
    section,
  );

  // sidecars without the book (older ones, imports): no plan name in common is the signal
  const unrecorded = historySection(buildHistoryReport([january, february], false));
  ok(
    unrecorded.includes(
      "**Plan names changed wholesale:** the paying organizations' plans at as-of 2026-02-01 and as-of 2026-03-01 have no name in common",
    ),
    unrecorded,
  );
  ok(!unrecorded.includes("Different price books"));

  // one book: nothing said, whatever the plans do; nor when a plan name stays
  const oneBook = buildHistoryReport([
    { ...january, priceBook: bookA },
    { ...february, priceBook: bookA },
  ], false);
  assertEquals(oneBook.priceBookChanges, []);
  const kept = priced("2026-03-01", ["usage", "team (bundle)", "usage"], [100, 300, 80]);
  assertEquals(buildHistoryReport([january, kept], false).priceBookChanges, []);
  // the hand-built history (tiers for plans): no book priced it, nothing said
  assertEquals(buildHistoryReport(HISTORY, false).priceBookChanges, []);
});

Deno.test("a report without charts removes the charts an earlier report of its name drew", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const first = await writeHistoryReport(buildHistoryReport(HISTORY, false), {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir,
      charts: true,
    });
    assertEquals(first.chartPaths.length, 8); // 4 charts × SVG + PNG
    // A pays $1,000 more at the last snapshot: March ends at $1,179.10 + $1,000 = $2,179.10
    const march = Date.parse("2026-03-31T00:00:00Z");
    const raised = HISTORY.map((p) =>
      p.asOf.getTime() !== march ? p : {
        asOf: p.asOf,
        frame: p.frame.withColumns(
          pl.when(pl.col("org_id").eq(pl.lit("A"))).then(pl.col("mrr_recurring").plus(1000))
            .otherwise(pl.col("mrr_recurring")).alias("mrr_recurring"),
        ),
      }
    );
    const second = await writeHistoryReport(buildHistoryReport(raised, false), {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir,
      charts: false,
    });
    assertEquals(second.chartPaths, []);
    // the old waterfall (and the rest) would show $1,179.10 beside a CSV saying $2,179.10
    assertEquals([...Deno.readDirSync(outDir)].map((e) => e.name).sort(), [
      "helicone_pricing_history_2026-03-31.csv",
      "helicone_pricing_history_2026-03-31.md",
      "helicone_pricing_history_2026-03-31_plan_changes.csv",
    ]);
    const { records } = parseCsvRecords(await Deno.readTextFile(second.csvPath));
    assertEquals(
      records.filter((r) => r.plan === "(all)").map((r) => r.end_mrr_usd),
      ["1250.1", "2179.1"],
    );
    ok(!(await Deno.readTextFile(second.markdownPath)).includes(".png"), "no chart listed");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("two years of months: every other tick labelled, none touching; 13 months each labelled", () => {
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  // as-ofs 2025-01-01 … 2027-01-01: 25 snapshots, months 2024-12 … 2026-12
  const monthly = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      asOf: new Date(Date.UTC(2025, i, 1)),
      frame: sorted[i % sorted.length].frame,
    }));
  const report = buildHistoryReport(monthly(25), false);
  // By hand: 25 labels share 880 − 84 − 20 = 776 px, 31.04 px each. "2025-01" is 6 digits at
  // 7.6 + a hyphen at 4.7 = 50.3 px, "12" 15.2 px: beside each other they need
  // (15.2 + 50.3) / 2 + 6 = 38.75 px > 31.04, so not every month. Every 2nd (62.08 px), counted
  // back from 2026-12: the widest pair, "2024-12" and "2025-02", needs 50.3 + 6 = 56.3 px: fits.
  const everyOther = [
    ["2024-12", "2025-02", "04", "06", "08", "10", "12"],
    ["2026-02", "04", "06", "08", "10", "12"],
  ].flat();
  for (
    const chart of [
      mrrByPlanChart(report.planEnds, report.periods),
      marginByPlanChart(report.planTrends, report.periods),
      requestsByPlanChart(report.planTrends, report.periods),
    ]
  ) {
    const shown = labels(chart.svg, "x-axis tick label").filter((l) => l.text !== "");
    assertEquals(shown.map((l) => l.text), everyOther, chart.name);
    for (let i = 1; i < shown.length; i++) {
      const [a, b] = [shown[i - 1], shown[i]];
      // centred under their ticks: a's right edge left of b's left edge
      const room = b.x - a.x - (textWidth(a.text) + textWidth(b.text)) / 2;
      ok(room >= 6, `${chart.name}: "${a.text}" and "${b.text}" ${room.toFixed(1)} px apart`);
    }
  }
  // the last a month to date (as-of 2026-12-03 09:30 for 2025-12-01): "12 (to 12-03 09:30 UTC)",
  // centred under its month, is far wider than the half month beyond it: the right margin grows to
  // hold it (assertTextInside)
  const toDate = buildHistoryReport([
    ...monthly(24),
    { asOf: new Date("2026-12-03T09:30:00Z"), frame: sorted[0].frame },
  ], false);
  for (
    const chart of [
      mrrByPlanChart(toDate.planEnds, toDate.periods),
      requestsByPlanChart(toDate.planTrends, toDate.periods),
    ]
  ) {
    const shown = labels(chart.svg, "x-axis tick label").filter((l) => l.text !== "");
    assertEquals(shown.at(-1)?.text, "12 (to 12-03 09:30 UTC)", chart.name);
    assertTextInside(chart.svg, "x-axis tick label"); // (it ran past the right edge)
  }
  // 13 months (2024-12 … 2025-12): 59.7 px each, room for every month's label, as before
  const year = buildHistoryReport(monthly(13), false);
  assertEquals(
    labels(mrrByPlanChart(year.planEnds, year.periods).svg, "x-axis tick label").map((l) => l.text),
    ["2024-12", "2025-01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"],
  );
});

Deno.test("margin per plan: the caption is one line above the legend, a month to date's range too", () => {
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const at = (i: number, asOf: string) => ({ asOf: new Date(asOf), frame: sorted[i].frame });
  const report = buildHistoryReport([
    at(0, "2026-02-01T00:00:00Z"),
    at(1, "2026-03-01T00:00:00Z"),
    at(2, "2026-12-02T00:00:00Z"),
  ], false);
  const svg = marginByPlanChart(report.planTrends, report.periods).svg;
  // caption lines are the frame's grey 11 px texts; wrapped, they ran into the legend and the plot
  const captions = [...svg.matchAll(/<text x="12" y="(\d+)"[^>]*fill="#555"[^>]*>([^<]*)</g)];
  assertEquals(captions.length, 1, captions.map((m) => m[2]).join(" / "));
  assertEquals(captions[0][1], "42");
  ok(captions[0][2].includes("2026-01 to 2026-12 (before 12-02)"), captions[0][2]);
  ok(captions[0][2].endsWith("plans without MRR left out."), captions[0][2]);
});

Deno.test("snapshots from before the plan column: the switch from tier to plan version is no plan change", async () => {
  const dir = await Deno.makeTempDir();
  // January, written before the price book: no plan column (the plan is the tier)
  pl.DataFrame({
    org_id: ["A", "B"],
    tier: ["pro", "team"],
    mrr_recurring: [20, 100],
    mrr: [20, 100],
    requests_30d: [10, 20],
    llm_cost_30d: [1, 2],
    llm_cost_ptb_30d: [0, 0],
  }).writeParquet(`${dir}/helicone_pricing_data_2026-02-01.parquet`);
  const withPlans = (plan: string[], mrr: number[]) =>
    exportFrameFromColumns({
      org_id: ["A", "B"],
      tier: ["pro", "team"],
      plan,
      mrr_recurring: mrr,
      mrr,
      requests_30d: [10, 20],
      llm_cost_30d: [1, 2],
      llm_cost_ptb_30d: [0, 0],
    });
  // February: A on pro 2025-12-10 at $79 (an expansion), B on team (seat) at $100
  await snapshotAt(dir, "2026-03-01", withPlans(["pro 2025-12-10", "team (seat)"], [79, 100]));
  // March: B moves to pro 2025-12-10 at $79, a real downgrade
  await snapshotAt(dir, "2026-04-01", withPlans(["pro 2025-12-10", "pro 2025-12-10"], [79, 79]));
  const report = await loadHistoryReport(await loadMonthlyHistoryPoints(dir, false), false);
  assertEquals(report.tierAsPlan, ["2026-02-01"]);
  assertEquals(report.failures, []);
  // only March's change is listed: February's tier → plan renaming is not a customer's move
  assertEquals(
    report.changes.select("month", "from_plan", "to_plan", "upgrades", "downgrades").toRecords(),
    [{
      month: "2026-04-01",
      from_plan: "team (seat)",
      to_plan: "pro 2025-12-10",
      upgrades: 0,
      downgrades: 1,
    }],
  );
  // February's plan bridge still moves A out of pro into pro 2025-12-10 (it reconciles)
  const febPro = report.plans.filter(
    pl.col("month").eq(pl.lit("2026-03-01")).and(pl.col("plan").eq(pl.lit("pro"))),
  ).toRecords()[0];
  assertEquals([febPro.start_cents, febPro.moved_out_cents, febPro.end_cents], [2000, 2000, 0]);
  const section = historySection(report);
  ok(section.includes("whose plan is the tier: as-of 2026-02-01."), section);
  ok(
    section.includes(
      "Plan changes while paying: 1 customer(s) moved plan: 0 upgrade(s), 1 downgrade(s), 0 at the same MRR.",
    ),
    section,
  );
});

Deno.test("the month plan versions first appear keeps its real plan changes, not the renaming", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // January, written before the price book: no plan column (the plan is the tier)
    pl.DataFrame({
      org_id: ["A", "B", "C", "D"],
      tier: ["pro", "team", "pro", "team"],
      mrr_recurring: [20, 100, 20, 100],
    }).writeParquet(`${dir}/helicone_pricing_data_2026-02-01.parquet`);
    // February, with plans: A and B keep their tier (renamed to its plan version, same MRR); C
    // upgrades pro → team ($20 → $100), D team → enterprise ($100 → $500)
    await snapshotAt(
      dir,
      "2026-03-01",
      exportFrameFromColumns({
        org_id: ["A", "B", "C", "D"],
        tier: ["pro", "team", "team", "enterprise"],
        plan: ["pro 2025-12-10", "team (seat)", "team (seat)", "enterprise (contract)"],
        mrr_recurring: [20, 100, 100, 500],
      }),
    );
    const report = await loadHistoryReport(await loadMonthlyHistoryPoints(dir, false), false);
    assertEquals(report.failures, []);
    assertEquals(
      report.changes.select(
        "month",
        "from_plan",
        "to_plan",
        "organizations",
        "upgrades",
        "downgrades",
        "mrr_before_cents",
        "mrr_after_cents",
      ).toRecords(),
      [
        {
          month: "2026-03-01",
          from_plan: "pro",
          to_plan: "team (seat)",
          organizations: 1,
          upgrades: 1,
          downgrades: 0,
          mrr_before_cents: 2000,
          mrr_after_cents: 10000,
        },
        {
          month: "2026-03-01",
          from_plan: "team",
          to_plan: "enterprise (contract)",
          organizations: 1,
          upgrades: 1,
          downgrades: 0,
          mrr_before_cents: 10000,
          mrr_after_cents: 50000,
        },
      ],
    );
    const section = historySection(report);
    ok(section.includes("that renaming is not counted as plan changes (a change of tier is)."));
    ok(
      section.includes(
        "Plan changes while paying: 2 customer(s) moved plan: 2 upgrade(s), 0 downgrade(s), 0 at the same MRR.",
      ),
      section,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("snapshots whose plan is all empty (imported earlier-version exports) count as without plan versions, both ways", async () => {
  const changesOf = (report: Awaited<ReturnType<typeof loadHistoryReport>>) =>
    report.changes.select(
      "month",
      "from_plan",
      "to_plan",
      "organizations",
      "upgrades",
      "downgrades",
      "mrr_before_cents",
      "mrr_after_cents",
    ).toRecords();
  // an earlier kit version's export, imported: every column of the snapshot, `plan` all null
  const imported = (tier: string[], mrr: number[]) =>
    exportFrameFromColumns({ org_id: ["A", "B"], tier, mrr_recurring: mrr });
  const withPlans = (tier: string[], plan: string[], mrr: number[]) =>
    exportFrameFromColumns({ org_id: ["A", "B"], tier, plan, mrr_recurring: mrr });
  const dir = await Deno.makeTempDir();
  try {
    // January and February imported (plan = tier); March with plan versions: A keeps pro
    // (renamed to pro 2025-12-10, $20 → $20), B upgrades team → enterprise ($100 → $500)
    await snapshotAt(dir, "2026-02-01", imported(["pro", "team"], [20, 100]));
    await snapshotAt(dir, "2026-03-01", imported(["pro", "team"], [20, 100]));
    await snapshotAt(
      dir,
      "2026-04-01",
      withPlans(["pro", "enterprise"], ["pro 2025-12-10", "enterprise (contract)"], [20, 500]),
    );
    const report = await loadHistoryReport(await loadMonthlyHistoryPoints(dir, false), false);
    assertEquals(report.failures, []);
    assertEquals(report.tierAsPlan, ["2026-02-01", "2026-03-01"]);
    assertEquals(changesOf(report), [{
      month: "2026-04-01",
      from_plan: "team",
      to_plan: "enterprise (contract)",
      organizations: 1,
      upgrades: 1,
      downgrades: 0,
      mrr_before_cents: 10000,
      mrr_after_cents: 50000,
    }]);
    const section = historySection(report);
    ok(section.includes("whose plan is the tier: as-of 2026-02-01, 2026-03-01."), section);
    ok(section.includes("that renaming is not counted as plan changes (a change of tier is)."));
    ok(
      section.includes(
        "Plan changes while paying: 1 customer(s) moved plan: 1 upgrade(s), 0 downgrade(s), 0 at the same MRR.",
      ),
      section,
    );
    // the snapshots handed on without their sidecars (nor the sums kept there): the same report,
    // the plan told from the rows alone (compare refuses such a snapshot: compare_plans_test.ts)
    for (const name of await Array.fromAsync(Deno.readDir(dir))) {
      if (name.name.endsWith(".json")) await Deno.remove(`${dir}/${name.name}`);
    }
    const alone = await loadHistoryReport(await loadMonthlyHistoryPoints(dir, false), false);
    assertEquals(alone.tierAsPlan, ["2026-02-01", "2026-03-01"]);
    assertEquals(changesOf(alone), changesOf(report));
    assertEquals(alone.plans.toRecords(), report.plans.toRecords());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const between = await Deno.makeTempDir();
  try {
    // January with plans (A and B on pro 2025-12-10, $79 each); February imported between
    // current snapshots: B moved up to team ($100), A stayed; March with plans again, no move
    await snapshotAt(
      between,
      "2026-02-01",
      withPlans(["pro", "pro"], ["pro 2025-12-10", "pro 2025-12-10"], [79, 79]),
    );
    await snapshotAt(between, "2026-03-01", imported(["pro", "team"], [79, 100]));
    await snapshotAt(
      between,
      "2026-04-01",
      withPlans(["pro", "team"], ["pro 2025-12-10", "team (seat)"], [79, 100]),
    );
    const report = await loadHistoryReport(await loadMonthlyHistoryPoints(between, false), false);
    assertEquals(report.failures, []);
    assertEquals(report.tierAsPlan, ["2026-03-01"]);
    // February's upgrade only: not pro 2025-12-10 → pro (A) nor, in March, pro → pro 2025-12-10
    // and team → team (seat), the renaming out of and back into plan versions
    assertEquals(changesOf(report), [{
      month: "2026-03-01",
      from_plan: "pro 2025-12-10",
      to_plan: "team",
      organizations: 1,
      upgrades: 1,
      downgrades: 0,
      mrr_before_cents: 7900,
      mrr_after_cents: 10000,
    }]);
  } finally {
    await Deno.remove(between, { recursive: true });
  }
});

Deno.test("a dozen plans (tiers and plan versions): the legend stays on the chart, no Plot warning", () => {
  const plans = [
    "enterprise",
    "enterprise (contract)",
    "free",
    "growth",
    "pro",
    "pro (seat, legacy)",
    "pro 2025-12-10",
    "team",
    "team (bundle, legacy)",
    "team 2025-12-10",
    "startup (credits, legacy)",
  ];
  const xs = (svg: string) => [...svg.matchAll(/<rect x="(-?[\d.]+)"/g)].map((m) => Number(m[1]));
  const legendSvg = planLegend({ domain: plans, range: plans.map(() => "#000") });
  ok(Math.min(...xs(legendSvg)) >= 0, legendSvg); // at full length the first began at x < 0
  // each plan in one snapshot only: a series of one point each
  const trends = pl.DataFrame({
    month: plans.map((_, i) => (i < 5 ? "2026-10-01" : "2026-11-01")),
    plan: plans,
    mrr_margin_after_ptb_llm_pct: plans.map((_, i) => 90 - i),
  });
  const periods = new Map(
    ["2026-10-01", "2026-11-01"].map((k) => [k, snapshotPeriod(new Date(`${k}T00:00:00Z`))]),
  );
  const { svg } = marginByPlanChart(trends, periods);
  ok(!svg.includes("⚠"), "Plot's warning glyph");
});

Deno.test("a snapshot an older kit's export stored weeks after its as-of is named with the fix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const frame = (mrr: number[]) =>
      exportFrameFromColumns({ org_id: ["A", "B"], tier: ["pro", "team"], mrr_recurring: mrr });
    // stored by exports run an hour after their as-of, except 2026-10-01's: an older kit stored it
    // on 2026-12-03 12:00, 63.5 days later
    for (
      const [asOf, mrr, writtenAt] of [
        ["2026-09-01", [20, 100], "2026-09-01T01:00:00.000Z"],
        ["2026-10-01", [20, 200], "2026-12-03T12:00:00.000Z"],
        ["2026-11-01", [20, 200], "2026-11-01T01:00:00.000Z"],
      ] as const
    ) {
      const { path } = await snapshotAt(dir, asOf, frame([...mrr]));
      const meta = JSON.parse(await Deno.readTextFile(`${path}.json`));
      await Deno.writeTextFile(`${path}.json`, JSON.stringify({ ...meta, written_at: writtenAt }));
    }
    const report = await loadHistoryReport(await loadMonthlyHistoryPoints(dir, false), false);
    assertEquals(report.staleExports.map((s) => s.month), ["2026-10-01"]);
    const section = historySection(report);
    const lines = section.split("\n").filter((line) => line.includes("older kit"));
    assertEquals(lines.length, 1, section);
    ok(
      lines[0].startsWith(
        "Snapshot as-of 2026-10-01 was stored by an older kit's export: as-of 2026-10-01 is 63.5 days before the export ran",
      ),
      lines[0],
    );
    ok(lines[0].includes("`deno task history backfill` replaces it"), lines[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
  const axis = mrrByPlanChart(report.planEnds, report.periods).svg;
  for (const tick of [">2025-12<", ">2026-01 → 05<", ">06<"]) ok(axis.includes(tick), tick);
  const years = buildHistoryReport([
    at(0, "2025-12-01T00:00:00Z"),
    at(1, "2026-06-01T00:00:00Z"),
    at(2, "2026-07-01T00:00:00Z"),
  ], false);
  const svg = mrrByPlanChart(years.planEnds, years.periods).svg;
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
        "| 2026-02 | 2026-03-01 | $530.00 | $0.00 | $0.00 | $0.00 | −$300.00 | $0.00 | −$180.00 | $40.00 | $90.00 |",
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

readOnlyFolderTest(
  "a history report into a read-only folder: one line naming its --out-dir and that fix, nothing written",
  async (folder) => {
    await folder.readOnly();
    const outDir = join(folder.dir, "reports");
    await assertRejects(
      writeHistoryReport(buildHistoryReport(HISTORY, false), {
        chosenBy: outDirFlag(true),
        outDir,
        charts: false,
      }),
      {
        name: "UserError",
        message: `--out-dir ${outDir} is not writable (${folder.reason}); ${
          folder.fix.replace(/ there$/, "")
        } or pass another folder to --out-dir`,
      },
    );
    assertEquals([...Deno.readDirSync(folder.dir)], []);
  },
);
