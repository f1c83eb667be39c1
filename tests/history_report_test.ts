/**
 * The history report on the hand-built history (tests/fixtures/history.ts): the CSV's company
 * rows read back equal the bridge worked out by hand, plan text is escaped in Markdown, the charts
 * are written as SVG and PNG (and removed by a later report without charts), the brief and XLSX
 * carry the history once two snapshots exist, `deno task compare` takes two snapshots, and a
 * read-only --out-dir is refused in one line.
 */
import { deepStrictEqual as assertEquals, ok, rejects as assertRejects } from "node:assert/strict";
import ExcelJS from "exceljs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { runExport } from "../lib/export.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import {
  buildHistoryReport,
  formatCents,
  HISTORY_RATIOS_NOTE,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { HISTORY_SHEET_ABOUT } from "../lib/history/export_history.ts";
import { writeHistoryReport } from "../lib/history/report_files.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { HISTORY } from "./fixtures/history.ts";
import { BOOLEAN_FORMAT } from "../lib/formats/xlsx.ts";
import { centsToUsd } from "../lib/history/report_cells.ts";
import { ANOTHER_OUTPUT_FOLDER, outDirFlag } from "../lib/core/chosen_by.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";

Deno.test("formatCents is exact", () => {
  assertEquals(formatCents(125010), "$1,250.10");
  assertEquals(formatCents(-9999), "-$99.99");
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
      "| 2026-02 (before 02-28) | 2026-02-28 | $800.09 | $500.00 | $250.00 | $0.00 | -$299.99 | $0.00 |",
    ),
  );
  ok(markdown.includes("Every month's bridge reconciles to the cent"));
  // The history's own ratios under names of their own, defined, never the export's ARPA/margin.
  const feb = records.find((r) => r.as_of === "2026-02-28" && r.plan === "(all)")!;
  assertEquals(Number(feb.mrr_recurring_per_paying_org_usd), 1250.10 / 4); // end ÷ 4 paying
  ok(!("arpa_usd" in feb) && !("margin_company_pct" in feb) && !("llm_cost_company_usd" in feb));
  ok("mrr_margin_after_ptb_llm_pct" in feb && "llm_cost_ptb_usd" in feb);
  ok(markdown.includes(HISTORY_RATIOS_NOTE));
  // each usage figure says its 30 days, the costs as the requests: beside a 7-day export's brief,
  // whose Totals are its window's, a bare "LLM cost" read as comparable to them
  ok(
    markdown.includes(
      "| end | paying orgs (recurring MRR > 0) | recurring MRR ÷ paying orgs | requests (30 d) | LLM cost (30 d) | PTB LLM cost (30 d) | MRR margin after PTB LLM cost |",
    ),
    markdown,
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
  // the history sheets in the export's workbook, in order (the demo bills in EUR too)
  assertEquals(
    workbook.worksheets.map((w) => w.name).filter((name) => name.startsWith("history")),
    ["history", "history_retention", "history_cohorts", "history_by_currency"],
  );
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
  // the scope's "Money is USD" names the one section that is not
  ok(
    brief.includes(
      "- Money is USD, except in MRR per currency (each table in its billing currency). Per month:",
    ),
    brief,
  );
  // the line on comparing organizations belongs to the MRR history, not under the currencies
  const compareLine = brief.indexOf("Which organizations appeared, disappeared or changed plan");
  ok(compareLine > 0 && compareLine < brief.indexOf("\n## MRR per currency\n"), brief);
  // each row's amounts in its currency's format (a EUR row formatted as $ would read as dollars);
  // customers per movement and months are counts
  const currencyFormats = (currency: string) =>
    (currencyHeader as string[]).map((h) =>
      h.endsWith("_mrr")
        ? (currency === "EUR" ? '"€"#,##0.00' : '"$"#,##0.00')
        : h.endsWith("_customers") || h === "months_covered"
        ? "#,##0"
        : h === "month_to_date"
        ? BOOLEAN_FORMAT
        : "General"
    );
  const formatRows = (byCurrency.getRows(2, byCurrency.rowCount - 1) ?? []).map((r) =>
    (currencyHeader as string[]).map((_, i) => r.getCell(i + 1).numFmt ?? "General")
  );
  const currencyOfRow = (byCurrency.getRows(2, byCurrency.rowCount - 1) ?? [])
    .map((r) => r.getCell(5).value as string);
  assertEquals(new Set(currencyOfRow), new Set(["EUR", "USD"]));
  assertEquals(formatRows, currencyOfRow.map(currencyFormats));

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
  const pyCurrency = await new Deno.Command("/usr/bin/python3", {
    args: [
      "-c",
      script.replace('["history"]', '["history_by_currency"]'),
      `${outDir}/helicone_pricing_data_2026-11-01_demo.xlsx`,
    ],
    stdout: "piped",
  }).output();
  assertEquals(
    JSON.parse(new TextDecoder().decode(pyCurrency.stdout)),
    currencyOfRow.map(currencyFormats),
  );

  // the same values as the report's CSV: the bridge's amounts to the cent, no float noise
  const reportDir = await Deno.makeTempDir();
  const files = await writeHistoryReport(
    await loadHistoryReport(
      await loadMonthlyHistoryPoints(`${outDir}/history`, { demo: true }),
      true,
    ),
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
      "helicone_pricing_history_2026-03-31_cohorts.csv",
      "helicone_pricing_history_2026-03-31_plan_changes.csv",
      "helicone_pricing_history_2026-03-31_retention.csv",
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
