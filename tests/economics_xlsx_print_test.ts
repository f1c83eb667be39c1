/**
 * The workbook on paper: `pricing_data` with frozen panes, two-decimal money and margin colours,
 * printed landscape at 60 % across pages with titles repeated; the summary's chart page breaks and
 * per-plan blocks, printed one page wide at a readable size (through LibreOffice headless).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { join } from "node:path";
import {
  CHART_BAND_ROWS,
  CHART_IMAGE,
  chartPageBreaks,
  chartPlacements,
  DEFAULT_ROW_PX,
  SUMMARY_WIDTH_PX,
} from "../lib/economics/summary_layout.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";
import { sofficeConvert } from "./libreoffice.ts";
import { WIDTH as CHART_WIDTH } from "../lib/report/chart_frame.ts";
import { run, writeFixtureWorkbook } from "./economics_workbook.ts";

Deno.test("pricing_data: panes frozen after org_name, money in cents, both margins coloured", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeFixtureWorkbook(dir);
    const zip = await JSZip.loadAsync(await Deno.readFile(path));
    const sheet = await zip.file("xl/worksheets/sheet2.xml")!.async("string");
    ok(sheet.includes('<pane xSplit="2" ySplit="1" topLeftCell="C2"'), sheet.slice(0, 800));
    // Printed at 60 %, not fitted to one page wide; pages across first.
    ok(
      /<pageSetup[^>]*orientation="landscape"[^>]*pageOrder="overThenDown" scale="60"/.test(sheet),
    );
    ok(!sheet.includes("fitToPage"), "not fitted to a page");
    // Header row and the frozen columns repeated on every printed page.
    const book = await zip.file("xl/workbook.xml")!.async("string");
    ok(
      book.includes(
        `<definedName name="_xlnm.Print_Titles" localSheetId="1">&apos;pricing_data&apos;!$A:$B,&apos;pricing_data&apos;!$1:$1</definedName>`,
      ),
      book,
    );
    // gross_margin_pct is column 23 (W), gross_margin_company_pct the last (46, AT); 6 rows.
    ok(sheet.includes('<conditionalFormatting sqref="W2:W7">'), "gross_margin_pct colours");
    ok(sheet.includes('<conditionalFormatting sqref="AT2:AT7">'), "company margin colours");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const data = workbook.getWorksheet("pricing_data")!;
    const column = (name: string) => (data.getRow(1).values as string[]).indexOf(name);
    assertEquals(data.getRow(2).getCell(column("llm_cost_30d")).numFmt, '"$"#,##0.00');
    assertEquals(data.getRow(2).getCell(column("company_cost_30d")).numFmt, '"$"#,##0.00');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LibreOffice prints pricing_data readable: pages across, each with header row, org_id and org_name", async () => {
  const { loadPricingData } = await import("../lib/export.ts");
  const data = await loadPricingData({
    demo: true,
    asOf: new Date("2026-11-01T00:00:00Z"),
    env: {},
    log: () => {},
  });
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "demo.xlsx");
    await writeXlsxFile(data.frame, path, { documentDate: data.asOf });
    await sofficeConvert(path, { to: "pdf", outDir: dir });
    const pdf = join(dir, "demo.pdf");
    const pages = Number(/Pages:\s+(\d+)/.exec(await run("pdfinfo", [pdf]))![1]);
    const texts = (await run("pdftotext", ["-layout", pdf, "-"])).split("\f").slice(0, pages);
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/;
    const dataPages = texts.filter((text) => uuid.test(text));
    ok(dataPages.length >= 2, `${dataPages.length} pages with organization rows among ${pages}`);
    // Every page with organization rows repeats the title row and the title columns (its rows
    // start with an org_id): whose numbers a page shows is on the page.
    for (const text of dataPages) {
      ok(text.includes("org_id") && text.includes("org_name"), text.slice(0, 400));
    }
    // Not squeezed onto one page wide: the columns go across pages (the last column is not on
    // the first page), the second page shows the first's organizations (pages across first),
    // and every column's header is printed somewhere.
    ok(!dataPages[0].includes("gross_margin_company_pct"), "47 columns on one page");
    assertEquals(uuid.exec(dataPages[1])?.[0], uuid.exec(dataPages[0])?.[0]);
    for (const name of data.frame.columns) {
      ok(dataPages.some((text) => text.includes(name)), `${name} printed`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chart page breaks: charts start a page; a page holds one band, more bands break between", () => {
  // the sheet is 1,121 px wide (34 + 13 + 13 + 13 + 14 + 14 + 14 + 14 + 12 + 12 characters, 7 px
  // each + 5 a column); an A4 landscape page with the sheet's margins holds
  // 1,121 × 7.27 / 10.89 × 0.9 = 673 px: the heading (20 px) and one band of 32 rows (640 px)
  assertEquals(SUMMARY_WIDTH_PX, 1121);
  assertEquals(CHART_BAND_ROWS, 32);
  assertEquals(CHART_IMAGE.maxHeightPx, 30 * DEFAULT_ROW_PX);
  assertEquals(chartPageBreaks(40, 0), []);
  assertEquals(chartPageBreaks(40, 1), [39]);
  assertEquals(chartPageBreaks(40, 4), [39, 40 + 32, 40 + 64, 40 + 96]);
  // a tall image is scaled down to the band, narrower; each starts below its band's first row
  // (1,121 × 541 / 1,280 = 473.8 px)
  assertEquals(chartPlacements(10, [{ width: 1760, height: 1760 }, { width: 1280, height: 541 }]), [
    { row: 11, col: 0, widthPx: 600, heightPx: 600 },
    { row: 43, col: 0, widthPx: 1121, heightPx: 474 },
  ]);
});

Deno.test("LibreOffice prints each block of the per-plan table on one page: its header, every plan and all", async () => {
  // 12 and 24 one-line warnings put the page's end in the second block, then in the first:
  // LibreOffice printed the header at the foot of one page and its rows (or `all`) on the next
  const dir = await Deno.makeTempDir();
  try {
    for (const count of [12, 24]) {
      const path = await writeFixtureWorkbook(dir, {
        warnings: Array.from({ length: count }, (_, i) => `warning ${i}`),
      });
      await sofficeConvert(path, { to: "pdf", outDir: dir });
      const pages = (await run("pdftotext", ["-layout", join(dir, "fixture.pdf"), "-"]))
        .split("\f").map((page) => page.split("\n"));
      // each block's header ends on a line "plan  organizations …" / "plan … list price mrr"
      const headers = [/^\s*plan\s+organizations\s/, /^\s*plan\s.*list price mrr/];
      for (const [block, header] of headers.entries()) {
        const page = pages.find((lines) => lines.some((line) => header.test(line)));
        ok(page, `${count} warnings: block ${block + 1}'s header printed`);
        const after = page.slice(page.findIndex((line) => header.test(line)) + 1);
        const all = after.findIndex((line) => /^\s*all\s+[\d$-]/.test(line));
        // the plans between the header and all, on the same page
        ok(all >= 0, `${count} warnings: block ${block + 1}'s all row on its header's page`);
        assertEquals(
          after.slice(0, all).filter((line) => line.trim() !== "").length,
          5, // the fixture's plans: pro 2025-12-10, pro (seat, legacy), team, enterprise, free
          `${count} warnings, block ${block + 1}:\n${after.slice(0, all).join("\n")}`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LibreOffice prints the summary readable, one page wide, no chart image cut by a page break", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeFixtureWorkbook(dir, {
      warnings: Array.from({ length: 6 }, (_, i) => `warning ${i}: ${"a long caveat ".repeat(20)}`),
    });
    const zip = await JSZip.loadAsync(await Deno.readFile(path));
    const sheet = await zip.file("xl/worksheets/sheet1.xml")!.async("string");
    // the charts' four breaks last, after those that keep a table on one page
    const breaks = [...sheet.matchAll(/<brk id="(\d+)" max="16383" man="1"\/>/g)].map((m) =>
      Number(m[1])
    );
    const headingRow = breaks.at(-4)! + 1;
    assertEquals(breaks.slice(-4), chartPageBreaks(headingRow, 4), sheet.slice(-800));
    await sofficeConvert(path, { to: "pdf", outDir: dir });
    const pdf = join(dir, "fixture.pdf");
    const list = await run("pdfimages", ["-list", pdf]);
    // one line per image (and one per its alpha mask): page, number, type, width … x-ppi
    const images = list.split("\n").slice(2).map((line) => line.trim().split(/\s+/))
      .filter((f) => f[2] === "image");
    // four charts, each drawn once (an image cut by a page break is drawn on both pages), each
    // on a page of its own after the tables: the first page holds no chart
    assertEquals(images.length, 4, list);
    assertEquals(new Set(images.map((f) => f[0])).size, 4, list);
    ok(images.every((f) => f[0] !== "1"), list);
    // Text sizes as printed. pdftotext's word boxes are the font's line height, not its size:
    // pricing_data prints at a fixed 60 % (Calibri 11 at 6.6 pt), its boxes give the ratio.
    const bbox = await run("pdftotext", ["-bbox", pdf, "-"]);
    const pages = bbox.split("<page ").slice(1).map((page) =>
      [...page.matchAll(/yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<\/word>/g)]
        .map((m) => ({ height: Number(m[2]) - Number(m[1]), word: m[3] }))
    );
    const dataPage = pages.findIndex((words) => words.some((w) => w.word === "org_id"));
    const lineHeightPerPt = Math.min(...pages[dataPage].map((w) => w.height)) / (11 * 0.6);
    const pt = (words: { height: number }[]) =>
      Math.min(...words.map((w) => w.height)) / lineHeightPerPt;
    const chartPages = images.map((f) => Number(f[0]) - 1);
    const headingPage = pages.findIndex((words) => words.some((w) => w.word === "Charts"));
    assertEquals(headingPage, chartPages[0]);
    // the body text on the summary's pages (page 1 on to the charts' heading) at least 7 pt:
    // Calibri 11 at a scale of 0.64 or more (17 columns side by side printed it at ~5 pt)
    for (let page = 0; page < dataPage; page++) {
      if (pages[page].length === 0) continue; // a chart's page: the image alone
      ok(pt(pages[page]) >= 7, `page ${page + 1}: ${pt(pages[page]).toFixed(1)} pt`);
    }
    // the charts' text (12 units of their 880-unit width) too: an image printed as wide as
    // its pixels over its ppi
    for (const f of images) {
      const printedPt = Number(f[3]) / Number(f[12]) * 72;
      const textPt = 12 / CHART_WIDTH * printedPt;
      ok(textPt >= 7, `chart on page ${f[0]}: ${textPt.toFixed(1)} pt text`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LibreOffice prints each wrapped text of the summary whole on one page: no warning's lines split by a page break", async () => {
  // warnings of two and three lines, as many as put the first page's end among them: a page
  // break fell between two lines of one warning (20 and 24: warning 15's start at the foot of the
  // first page, its end atop the second)
  const dir = await Deno.makeTempDir();
  try {
    for (const count of [20, 24]) {
      const warnings = Array.from(
        { length: count },
        (_, i) => `w${i}start ${"a long caveat ".repeat(25 + (i % 2) * 10)}w${i}end`,
      );
      const path = await writeFixtureWorkbook(dir, { warnings });
      await sofficeConvert(path, { to: "pdf", outDir: dir });
      const pages = (await run("pdftotext", ["-layout", join(dir, "fixture.pdf"), "-"]))
        .split("\f");
      const pageOf = (word: string) => pages.findIndex((page) => page.includes(word));
      for (let i = 0; i < count; i++) {
        ok(pageOf(`w${i}start`) >= 0, `${count} warnings: warning ${i} printed`);
        assertEquals(
          pageOf(`w${i}end`),
          pageOf(`w${i}start`),
          `${count} warnings: warning ${i}'s lines on one page`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
