/**
 * The history's cohorts (lib/history/cohorts.ts) and the export's history sheets as the
 * `dictionary` sheet tells them (retention.ts): the cohorts' CSV and Markdown rows, the
 * `history_cohorts` triangle (export_history.ts exportHistory) read back by ExcelJS and openpyxl, and the
 * retention sheet's line naming the period its rows really cover. Three month ends, March's
 * missing (organizations are their own customers; the plan is the tier):
 *
 *        Jan 1 (2025-12)   Feb 1 (2026-01)   Apr 1 (2026-03)
 *   A    pro   100         pro   120         pro   150
 *   B    pro    50         pro     0         pro     0
 *   C    team  200         team  200         team  100
 *   D    pro     0         pro    40         pro    40
 *   E    team    0         team    0         team   70
 *   F    team    0         team   30         team    0
 *
 * Cohorts by hand (months since by calendar: Apr 1 is 3 months after Jan 1, 2 after Feb 1):
 * - Jan 1's (2025-12 or before): A, B, C, $350; at Feb 1 A 120 + C 200 = $320 (91.43 %), at Apr 1
 *   A 150 + C 100 = $250 (71.43 %); no snapshot 2 months after it: empty.
 * - Feb 1's (2026-01): D and F, $70; at Apr 1 D's $40 (57.14 %). Apr 1's (2026-03): E, $70.
 * - per plan first paid on: Jan 1's pro (A, B) $150, then $120 (80 %), $150 (100 %); Jan 1's team
 *   (C) $200, then $200 (100 %), $100 (50 %); Feb 1's pro (D) $40, 100 %; Feb 1's team (F) $30,
 *   then nothing: 0 % at Apr 1 (a snapshot stands there), not empty; Apr 1's team (E) $70.
 * Retention over the period: Jan 1 → Apr 1, 3 months by calendar, Mar 1 not stored.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { buildHistoryReport } from "../lib/history/report.ts";
import { exportHistory } from "../lib/history/export_history.ts";
import { COHORT_SHEET_ABOUT, cohortMarkdown, cohortTable } from "../lib/history/cohorts.ts";
import { retentionSheetAbout } from "../lib/history/retention.ts";
import type { RetentionSpan } from "../lib/history/retention_period.ts";
import { snapshot } from "./fixtures/history.ts";

/** Each organization's tier and its MRR at Jan 1, Feb 1 and Apr 1 (the table above). */
const ORGS: [org: string, tier: string, mrr: number[]][] = [
  ["A", "pro", [100, 120, 150]],
  ["B", "pro", [50, 0, 0]],
  ["C", "team", [200, 200, 100]],
  ["D", "pro", [0, 40, 40]],
  ["E", "team", [0, 0, 70]],
  ["F", "team", [0, 30, 0]],
];

const points = ["2026-01-01", "2026-02-01", "2026-04-01"].map((asOf, month) =>
  snapshot(asOf, ORGS.map(([org, tier, mrr]) => [org, tier, mrr[month], 100, 0]))
);

const HEADER = [
  "cohort_plan",
  "cohort",
  "cohort_as_of",
  "cohort_customers",
  "cohort_mrr_usd",
  "month_0_mrr_pct",
  "month_1_mrr_pct",
  "month_2_mrr_pct",
  "month_3_mrr_pct",
];

const ROWS = [
  ["(all)", "2025-12", "2026-01-01", 3, 350, 100, 91.43, null, 71.43],
  ["(all)", "2026-01", "2026-02-01", 2, 70, 100, null, 57.14, null],
  ["(all)", "2026-03", "2026-04-01", 1, 70, 100, null, null, null],
  ["pro", "2025-12", "2026-01-01", 2, 150, 100, 80, null, 100],
  ["pro", "2026-01", "2026-02-01", 1, 40, 100, null, 100, null],
  ["team", "2025-12", "2026-01-01", 1, 200, 100, 100, null, 50],
  ["team", "2026-01", "2026-02-01", 1, 30, 100, null, 0, null],
  ["team", "2026-03", "2026-04-01", 1, 70, 100, null, null, null],
];

/** The number format each column takes by its unit (report_cells.ts historySheetUnits). */
const FORMATS = HEADER.map((name) =>
  name.endsWith("_pct")
    ? '#,##0.0"%"'
    : name.endsWith("_usd")
    ? '"$"#,##0.00'
    : name.endsWith("_customers")
    ? "#,##0"
    : "General"
);

Deno.test("history_cohorts sheet: a triangle of MRR kept per cohort, all customers and per first plan, by hand; ExcelJS and openpyxl read it back with its formats", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pricing-kit-cohorts-" });
  try {
    for (const point of points) {
      await writeSnapshot(point.frame, {
        dir: join(dir, "history"),
        asOf: point.asOf,
        demo: false,
        origin: "export",
      });
    }
    const history = await exportHistory(join(dir, "history"), { demo: false });
    ok(history, "three stored months: a history");
    assertEquals(history.cohortSheet.frame.columns, HEADER);
    assertEquals(history.cohortSheet.frame.rows(), ROWS);
    // made again from the bridge state the first run stored (.bridge-state/): the same rows
    ok(existsSync(join(dir, "history", ".bridge-state", "cohortSums.ipc")), "the state stored");
    const again = await exportHistory(join(dir, "history"), { demo: false });
    assertEquals(again!.cohortSheet.frame.rows(), ROWS);
    ok(history.section.includes("its `history_cohorts` sheet MRR cohorts"), history.section);

    const path = join(dir, "book.xlsx");
    await writeXlsxFile(points[2].frame, path, {
      sheets: [history.sheet, history.retentionSheet, history.cohortSheet],
      documentDate: points[2].asOf,
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const sheet = workbook.getWorksheet("history_cohorts")!;
    ok(sheet, "a history_cohorts sheet");
    assertEquals((sheet.getRow(1).values as unknown[]).slice(1), HEADER);
    const read = (row: number) =>
      HEADER.map((_, i) => sheet.getRow(row).getCell(i + 1).value ?? null);
    assertEquals(ROWS.map((_, i) => read(i + 2)), ROWS);
    for (let row = 2; row <= ROWS.length + 1; row++) {
      assertEquals(
        HEADER.map((_, i) => sheet.getRow(row).getCell(i + 1).numFmt ?? "General"),
        FORMATS,
        `row ${row}`,
      );
    }
    // the dictionary: each history sheet's line, the retention's naming its real period
    const dictionary = workbook.getWorksheet("dictionary")!;
    const about = (name: string) => {
      const row = (dictionary.getColumn(1).values as unknown[]).indexOf(name);
      return dictionary.getRow(row).getCell(6).value;
    };
    assertEquals(about("history_cohorts"), COHORT_SHEET_ABOUT);
    const retention = about("history_retention") as string;
    ok(
      retention.includes(
        "per month (period month) and over 3 months (period months_stored; as-of 2026-01-01 → 2026-04-01; 2 of 3 month ends stored, as-of 2026-03-01 missing).",
      ),
      retention,
    );
    ok(!retention.includes("trailing 12"), retention);
    // the sheet's own period rows say the same span
    const retentionSheet = history.retentionSheet.frame.toRecords()
      .filter((r) => r.period === "months_stored");
    assertEquals(
      [...new Set(retentionSheet.map((r) => `${r.from_as_of} ${r.as_of} ${r.months_covered}`))],
      ["2026-01-01 2026-04-01 3"],
    );

    const script = `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["history_cohorts"]
print(json.dumps([[[c.value, c.number_format] for c in row] for row in ws.iter_rows()]))
`;
    const command = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", script, path],
      stdout: "piped",
    }).output();
    ok(command.success, "openpyxl reads the workbook");
    const cells = JSON.parse(new TextDecoder().decode(command.stdout)) as [unknown, string][][];
    assertEquals(cells[0].map(([value]) => value), HEADER);
    assertEquals(cells.slice(1).map((row) => row.map(([value]) => value)), ROWS);
    for (const row of cells.slice(1)) assertEquals(row.map(([, format]) => format), FORMATS);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cohorts CSV and Markdown: a cohort whose customers all stopped paying reads 0 at a snapshot, and a month without a snapshot has no row", () => {
  const { cohorts, periods } = buildHistoryReport(points, false);
  const team = cohortTable(cohorts, periods).toRecords()
    .filter((r) => r.cohort_plan === "team" && r.cohort_as_of === "2026-02-01");
  assertEquals(
    team.map((r) => [r.months_since, r.paying_customers, r.mrr_usd, r.mrr_retained_pct]),
    [
      [0, 1, 30, 100],
      [2, 0, 0, 0],
    ],
  );
  const markdown = cohortMarkdown(cohorts, periods).join("\n");
  ok(markdown.includes("| 2026-01 | 2 | $70.00 | 100.0 % |  | 57.1 % |  |"), markdown);
  ok(markdown.includes("| team | 2026-01 | 1 | $30.00 | 100.0 % |  | 0.0 % |  |"), markdown);
});

const span = (over: Partial<RetentionSpan>): RetentionSpan => ({
  fromAsOf: "2025-12-01",
  toAsOf: "2026-12-01",
  months: 12,
  monthToDate: false,
  trailing12: true,
  monthEnds: 12,
  missingMonthEnds: [],
  unpaid: [],
  ...over,
});

Deno.test("the retention sheet's dictionary line says the period its rows cover: trailing 12 months, the months stored, a month to date", () => {
  const trailing = retentionSheetAbout(span({}));
  ok(
    trailing.includes(
      "per month (period month) and over the trailing 12 months (period trailing_12_months; as-of 2025-12-01 → 2026-12-01).",
    ),
    trailing,
  );
  const stored = retentionSheetAbout(
    span({ fromAsOf: "2026-07-01", months: 5, trailing12: false, monthEnds: 5 }),
  );
  ok(
    stored.includes(
      "and over the 5 months stored (period months_stored; as-of 2026-07-01 → 2026-12-01).",
    ),
    stored,
  );
  // only a month end before a month to date: 11 whole months and the month to date
  const toDate = retentionSheetAbout(span({
    fromAsOf: "2026-01-01",
    toAsOf: "2026-12-06T12:00:00Z",
    monthToDate: true,
    trailing12: false,
    monthEnds: 11,
    missingMonthEnds: Array.from(
      { length: 11 },
      (_, i) => `2026-${String(i + 2).padStart(2, "0")}-01`,
    ),
  }));
  ok(
    toDate.includes(
      "and over 11 months and the month to date (period months_stored; as-of 2026-01-01 → 2026-12-06T12:00:00Z; 0 of 11 month ends stored, 11 missing).",
    ),
    toDate,
  );
});
