/**
 * Every sheet of the workbook as printed: its page setup read back by ExcelJS and openpyxl
 * (landscape; the table sheets at 60 % across pages with print titles and grid lines; margins; a
 * header naming the sheet and the page, a footer naming the file), and LibreOffice printing a history-shaped
 * sheet with its header row and month … plan on every page.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import pl from "nodejs-polars";
import { join } from "node:path";
import { loadPricingData } from "../lib/export.ts";
import {
  DATA_PRINT_SCALE,
  PRINT_HEADER_FOOTER,
  TABLE_MARGINS,
  writeXlsxFile,
} from "../lib/formats/xlsx.ts";
import { SUMMARY_MARGINS } from "../lib/economics/summary_layout.ts";
import { sofficeConvert } from "./libreoffice.ts";
import { run, writeFixtureWorkbook } from "./economics_workbook.ts";

/** The history-shaped sheet's rows and the amount columns after its five title columns. */
const HISTORY_ROWS = 70;
const AMOUNTS = Array.from(
  { length: 31 },
  (_, i) => `amount_${String(i + 1).padStart(2, "0")}_usd`,
);

/** A history-shaped sheet: month, as_of, month_to_date, months_covered, plan, then amounts. */
function historyFrame(): pl.DataFrame {
  const rows = Array.from({ length: HISTORY_ROWS }, (_, i) => i);
  return pl.DataFrame({
    month: rows.map((i) => `2026-${String(1 + (i % 12)).padStart(2, "0")}`),
    as_of: rows.map(() => "2026-12-01"),
    month_to_date: rows.map(() => false),
    months_covered: rows.map(() => 1),
    // each row's plan names it: "row 07 plan"
    plan: rows.map((i) => `row ${String(i + 1).padStart(2, "0")} plan`),
    ...Object.fromEntries(AMOUNTS.map((name, c) => [name, rows.map((i) => i * 100 + c)])),
  });
}

/** A workbook of 3 demo organizations, its dictionary, and the history-shaped sheet. */
async function writePrintWorkbook(dir: string): Promise<string> {
  const data = await loadPricingData({
    demo: true,
    asOf: new Date("2026-11-01T00:00:00Z"),
    env: {},
    log: () => {},
  });
  const path = join(dir, "print.xlsx");
  await writeXlsxFile(data.frame.head(3), path, {
    sheets: [{ name: "history", frame: historyFrame(), printTitleColumns: 5 }],
    documentDate: data.asOf,
  });
  return path;
}

Deno.test("ExcelJS and openpyxl read every sheet's page setup, print titles, grid lines, margins, header and footer", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writePrintWorkbook(dir);
    const summaryPath = await writeFixtureWorkbook(dir);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const paged = {
      orientation: "landscape",
      scale: DATA_PRINT_SCALE,
      pageOrder: "overThenDown",
      printTitlesRow: "1:1",
      margins: TABLE_MARGINS,
      showGridLines: true,
    };
    const setup = (sheet: ExcelJS.Worksheet) => {
      const { orientation, scale, pageOrder, printTitlesRow, printTitlesColumn, margins } =
        sheet.pageSetup;
      const { showGridLines } = sheet.pageSetup;
      return {
        orientation,
        scale,
        pageOrder,
        printTitlesRow,
        printTitlesColumn,
        margins,
        showGridLines,
      };
    };
    assertEquals(setup(workbook.getWorksheet("pricing_data")!), {
      ...paged,
      printTitlesColumn: "A:B",
    });
    assertEquals(setup(workbook.getWorksheet("history")!), { ...paged, printTitlesColumn: "A:E" });
    const dictionary = workbook.getWorksheet("dictionary")!;
    assertEquals(
      [dictionary.pageSetup.orientation, dictionary.pageSetup.fitToWidth],
      ["landscape", 1],
    );
    assertEquals(dictionary.pageSetup.margins, TABLE_MARGINS);
    const summaryBook = new ExcelJS.Workbook();
    await summaryBook.xlsx.readFile(summaryPath);
    const summary = summaryBook.getWorksheet("summary")!;
    assertEquals(summary.pageSetup.margins, SUMMARY_MARGINS);
    // the same header and footer on every sheet, the summary's too
    for (const sheet of [...workbook.worksheets, summary]) {
      const { oddHeader, oddFooter } = sheet.headerFooter;
      assertEquals({ oddHeader, oddFooter }, PRINT_HEADER_FOOTER, sheet.name);
    }
    assertEquals(PRINT_HEADER_FOOTER, { oddHeader: "&L&A&RPage &P of &N", oddFooter: "&L&F" });

    // the streamed sheet's print elements in ECMA-376's order, after its rows
    const zip = await JSZip.loadAsync(await Deno.readFile(path));
    const xml = await zip.file("xl/worksheets/sheet1.xml")!.async("string");
    const tags = ["</sheetData>", "<printOptions", "<pageMargins", "<pageSetup", "<headerFooter"];
    const at = tags.map((tag) => xml.indexOf(tag));
    ok(at.every((i, n) => i > (n === 0 ? 0 : at[n - 1])), xml.slice(-700));

    const script = `
import json, sys, openpyxl
for path in sys.argv[1:]:
    for ws in openpyxl.load_workbook(path):
        print(json.dumps([ws.title, ws.page_setup.orientation, ws.page_setup.scale,
            ws.print_title_rows, ws.print_title_cols, ws.page_margins.left, ws.page_margins.top,
            ws.print_options.gridLines, ws.oddHeader.left.text, ws.oddHeader.right.text,
            ws.oddFooter.left.text]))
`;
    const output = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", script, path, summaryPath],
      stdout: "piped",
      stderr: "piped",
    }).output();
    ok(output.success, new TextDecoder().decode(output.stderr));
    const read = new TextDecoder().decode(output.stdout).trim().split("\n").map((line) =>
      JSON.parse(line)
    );
    const fields = ["&A", "Page &P of &N", "&F"];
    assertEquals(read, [
      ["pricing_data", "landscape", 60, "$1:$1", "$A:$B", 0.4, 0.6, true, ...fields],
      ["dictionary", "landscape", 100, "$1:$1", null, 0.4, 0.6, null, ...fields],
      ["history", "landscape", 60, "$1:$1", "$A:$E", 0.4, 0.6, true, ...fields],
      ["summary", "landscape", 100, null, null, 0.4, 0.5, null, ...fields],
      ["pricing_data", "landscape", 60, "$1:$1", "$A:$B", 0.4, 0.6, true, ...fields],
      ["dictionary", "landscape", 100, "$1:$1", null, 0.4, 0.6, null, ...fields],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LibreOffice prints the history sheet landscape, pages across, header row and month … plan on every page", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writePrintWorkbook(dir);
    await sofficeConvert(path, { to: "pdf", outDir: dir });
    const pdf = join(dir, "print.pdf");
    const pages = (await run("pdftotext", ["-layout", pdf, "-"])).split("\f").map((text) =>
      text.split("\n").filter((line) => line.trim() !== "")
    ).filter((lines) => lines.length > 0);
    // each page's header names its sheet (at the left) and the page; its footer the file
    for (const lines of pages) {
      ok(/^\s*(pricing_data|dictionary|history)\s+Page \d+ of \d+$/.test(lines[0]), lines[0]);
      assertEquals(lines.at(-1)!.trim(), "print.xlsx");
    }
    const history = pages.filter((lines) => lines[0].trim().startsWith("history"));
    // 70 rows two pages tall; the 31 amounts across pages: 2 × pages across
    ok(history.length >= 4 && history.length % 2 === 0, `${history.length} history pages`);
    const across = history.length / 2;
    history.forEach((lines, page) => {
      const text = lines.join("\n");
      ok(/^\s*month\s+as_of\s+month_to_date\s+months_covered\s+plan\s/.test(lines[1]), lines[1]);
      // a row's month and plan beside its amounts; three or more amount columns a page, but for
      // the last page across (what is left)
      ok(/2026-\d\d\s+2026-12-01\s+FALSE\s+1 row \d\d plan\s+\d/.test(text), text.slice(0, 600));
      const amounts = AMOUNTS.filter((name) => lines[1].includes(name));
      ok(
        amounts.length >= (page % across === across - 1 ? 1 : 3),
        `${amounts.length}: ${lines[1]}`,
      );
    });
    // every amount printed; pages across first: the first pages hold row 01, the last row 70
    for (const name of AMOUNTS) ok(history.some((lines) => lines[1].includes(name)), name);
    ok(history.slice(0, across).every((lines) => lines.join("\n").includes("row 01 plan")));
    ok(history.slice(across).every((lines) => lines.join("\n").includes("row 70 plan")));
    const sizes = await run("pdfinfo", ["-f", "1", "-l", String(pages.length), pdf]);
    const landscape = [...sizes.matchAll(/Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)/g)]
      .map((m) => Number(m[1]) > Number(m[2]));
    assertEquals(landscape, pages.map(() => true));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
