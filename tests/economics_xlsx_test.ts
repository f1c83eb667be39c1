/**
 * The workbook a finance person opens: `summary` first (KPIs, per-plan table in two blocks read
 * back, chart images sized by their PNGs, wrapped and printed one page wide at a readable size),
 * `pricing_data` with frozen panes, two-decimal
 * money, margin colours, printed landscape at 60 % across pages with titles repeated (through
 * LibreOffice headless), then `dictionary`.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import ExcelJS from "exceljs";
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import JSZip from "jszip";
import { join } from "node:path";
import { loadPriceBook } from "../lib/economics/mod.ts";
import { reportCharts, summaryCharts, summaryImages } from "../lib/economics/charts.ts";
import {
  planHeader,
  type SummaryChart,
  summaryChartNames,
  type SummaryImages,
  summarySheetInput,
  summarySheets,
} from "../lib/economics/xlsx_summary.ts";
import {
  CHART_BAND_ROWS,
  CHART_IMAGE,
  chartPageBreaks,
  chartPlacements,
  columnPx,
  DEFAULT_ROW_PX,
  PLAN_TABLE_BLOCKS,
  pngSize,
  SUMMARY_COLUMN_WIDTHS,
  SUMMARY_WIDTH_PX,
} from "../lib/economics/summary_layout.ts";
import { writeXlsxFile, type XlsxWritten } from "../lib/formats/xlsx.ts";
import { costModelFromEnv } from "../lib/economics/cost_model.ts";
import { entryBytes, readZipEntries } from "../lib/formats/zip.ts";
import { createHash } from "node:crypto";
import { economicsFrameWithF } from "./economics_fixture.ts";
import { sofficeConvert } from "./libreoffice.ts";
import { windowWarning } from "../lib/frame/monthly.ts";
import { runExport } from "../lib/export.ts";
import { NO_CHARTS_NOTE } from "../lib/economics/xlsx_summary.ts";
import { xlsxCutWarning } from "../lib/formats/export_files.ts";
import { PER_PLAN_DISPLAY } from "../lib/economics/report.ts";
import { WIDTH as CHART_WIDTH } from "../lib/report/chart_frame.ts";
import { summaryPlanTable } from "./summary_plan_table.ts";

/** The summary charts' PNGs the fixture workbook embeds. */
let fixturePngs: SummaryChart[] = [];

async function writeFixtureWorkbook(
  dir: string,
  options: {
    charts?: (frame: pl.DataFrame) => SummaryImages;
    onSlice?: (slice: pl.DataFrame) => void;
    windowDays?: number;
    warnings?: string[];
    /** org names in place of the fixture's */
    names?: string[];
    /** what writing it did (the cells cut) */
    written?: (written: XlsxWritten) => void;
  } = {},
): Promise<string> {
  const fixture = await economicsFrameWithF();
  const frame = options.names
    ? fixture.withColumns(pl.Series("org_name", options.names, pl.Utf8))
    : fixture;
  const path = join(dir, "fixture.xlsx");
  const priceBook = await loadPriceBook();
  const images = options.charts?.(frame) ?? summaryImages(reportCharts(frame));
  const written = await writeXlsxFile(frame, path, {
    leadSheets: summarySheets(summarySheetInput(frame, {
      costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
      priceBook,
      ptbRevenueRead: true,
      windowDays: options.windowDays ?? 30,
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: false,
      charts: images,
      warnings: options.warnings,
    })),
    onSlice: options.onSlice,
  });
  options.written?.(written);
  fixturePngs = await images.pngs;
  return path;
}

async function run(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { HOME: Deno.env.get("TMPDIR") ?? "/tmp" },
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`${command} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return text;
}

Deno.test("summary sheet first: KPIs, the per-plan table (read back) and four chart images", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeFixtureWorkbook(dir);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    assertEquals(workbook.worksheets.map((w) => w.name), ["summary", "pricing_data", "dictionary"]);
    const summary = workbook.getWorksheet("summary")!;
    const rows = summary.getSheetValues() as unknown[][];
    const find = (label: string) => rows.find((r) => r?.[1] === label)!;
    // Headline, company basis first: (4,419 − 1,396.25) / 4,419; spec: (3,519 − 2,383) / 3,519.
    const company = find("Gross margin, company cost");
    const spec = find("Gross margin, all LLM cost (spec)");
    ok(rows.indexOf(company) < rows.indexOf(spec));
    ok(Math.abs((company[2] as number) - 3022.75 / 4419 * 100) < 1e-9);
    ok(Math.abs((spec[2] as number) - 1136 / 3519 * 100) < 1e-9);
    // Per-plan rows as numbers: legacy pro (b + f) and all (hand-computed in economics_per_plan_test.ts),
    // in two blocks, of nine and eight columns, one under the other, each with its header and
    // `all` row.
    const table = summaryPlanTable(rows);
    assertEquals(table.headerRows.length, 2);
    PLAN_TABLE_BLOCKS.forEach((columns, block) => {
      assertEquals(rows[table.headerRows[block]].slice(1), ["plan", ...columns.map(planHeader)]);
      ok(table.rowOf("all", planHeader(columns[0])) > table.headerRows[block]);
    });
    assertEquals(PLAN_TABLE_BLOCKS.flat(), Object.keys(PER_PLAN_DISPLAY));
    ok(table.rowOf("all", planHeader("organizations")) < table.headerRows[1], "block 1 first");
    const cell = (plan: string, column: string) => table.cell(plan, planHeader(column));
    assertEquals(cell("pro (seat, legacy)", "organizations"), 2);
    assertEquals(cell("pro (seat, legacy)", "mrr"), 240);
    assertEquals(cell("pro (seat, legacy)", "list_price_mrr"), 250);
    // recurring MRR 200 + 30 (f's $10 usage charges left out) against list 250
    assertEquals(cell("pro (seat, legacy)", "mrr_to_list_pct"), 92);
    assertEquals(cell("all", "seats"), 70);
    // all's company margin is the headline's: (4,419 − 1,396.25) / 4,419, e's $1.25 cost counted
    ok(Math.abs((cell("all", "margin_company_pct") as number) - 302275 / 4419) < 1e-9);
    assertEquals(cell("enterprise (contract)", "list_price_mrr"), undefined); // an empty cell
    // number formats in both blocks
    const format = (plan: string, column: string) =>
      summary.getRow(table.rowOf(plan, planHeader(column)))
        .getCell(table.columnOf(planHeader(column))).numFmt;
    assertEquals(format("all", "mrr"), '"$"#,##0.00');
    assertEquals(format("all", "list_price_mrr"), '"$"#,##0.00');
    assertEquals(format("all", "company_llm_cost_per_1k_requests"), '"$"#,##0.0000');
    assertEquals(format("all", "margin_company_pct"), '#,##0.0"%"');
    assertEquals(format("all", "negative_margin_company"), "#,##0");
    ok(rows.some((r) => r?.[1] === "Cost model"));
    // Layout: ten columns, A the plan names, each other the wider of its two blocks' columns;
    // headers wrap by word (no word wider than its column), in a row tall enough for four
    // lines; long lines (KPI bases, price book, cost model) wrap in cells merged up to column J.
    assertEquals(SUMMARY_COLUMN_WIDTHS.length, 10);
    assertEquals(summary.getColumn(11).width, undefined);
    ok(SUMMARY_WIDTH_PX <= 1125, `${SUMMARY_WIDTH_PX} px`);
    for (const at of table.headerRows) {
      const headerRow = summary.getRow(at);
      assertEquals(headerRow.height, 60);
      assertEquals(headerRow.getCell(1).alignment?.horizontal, "left");
      (rows[at] as string[]).slice(2).forEach((label, i) => {
        ok(headerRow.getCell(i + 2).alignment?.wrapText, label);
        // over right-aligned numbers, a number column's header is right-aligned too
        assertEquals(headerRow.getCell(i + 2).alignment?.horizontal, "right", label);
        const width = summary.getColumn(i + 2).width!;
        for (const word of label.split(" ")) ok(word.length <= width, `${word} in ${width}`);
      });
    }
    const kpiHeader = rows.findIndex((r) => r?.[1] === "measure");
    assertEquals(summary.getRow(kpiHeader).getCell(2).alignment?.horizontal, "right"); // "value"
    const basis = rows.findIndex((r) => r === company);
    ok(summary.getRow(basis).getCell(3).alignment?.wrapText, "a KPI's basis wraps");
    assertEquals(summary.getCell(basis, 10).master.address, `C${basis}`);
    assertEquals(summary.getRow(basis).getCell(2).numFmt, '#,##0.0"%"');
    // the price book's line of a plan comes after its row in the table: the last row naming it
    const bookRow = rows.findLastIndex((r) => r?.[1] === "pro 2025-12-10");
    ok(
      bookRow > table.rowOf("all", planHeader("mrr_to_list_pct")),
      "price-book line after the table",
    );
    const line = summary.getRow(bookRow);
    ok(String(line.getCell(2).value).length > 200, "the long price-book line");
    ok(line.getCell(2).alignment?.wrapText);
    assertEquals(summary.getCell(bookRow, 10).master.address, `B${bookRow}`);
    ok(line.height! >= 3 * 15, `${line.height} pt`);
    // no unwrapped text runs past the last column (it set the printed page's width): its
    // characters fit in the widths from its column on
    rows.forEach((r, i) =>
      (r ?? []).forEach((value, column) => {
        const room = SUMMARY_COLUMN_WIDTHS.slice(column - 1).reduce((a, b) => a + b, 0);
        if (typeof value !== "string" || value.length <= room) return;
        const cell = summary.getRow(i).getCell(column);
        ok(cell.alignment?.wrapText, `unwrapped: ${value.slice(0, 60)}`);
      })
    );
    // Images: four PNGs in one drawing on the first sheet.
    const zip = await JSZip.loadAsync(await Deno.readFile(path));
    const media = Object.values(zip.files).filter((f) => !f.dir && f.name.startsWith("xl/media/"));
    assertEquals(media.length, 4);
    const drawing = await zip.file("xl/drawings/drawing1.xml")!.async("string");
    assertEquals(drawing.split("<xdr:pic>").length - 1, 4);
    ok((await zip.file("xl/worksheets/sheet1.xml")!.async("string")).includes("<drawing r:id="));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

Deno.test("chart images: ExcelJS, openpyxl and LibreOffice read back the PNGs where the sheet puts them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeFixtureWorkbook(dir);
    assertEquals(fixturePngs.length, 4);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const summary = workbook.getWorksheet("summary")!;
    // The summary sheet's layout: one image per band of rows, below the "Charts" heading, each
    // as wide as the sheet's columns and as tall as its PNG's aspect ratio makes it (at most
    // CHART_IMAGE.maxHeightPx, then narrower), in all but its band's first and last rows; a
    // band is CHART_BAND_ROWS 20-px rows tall, fixed so the page breaks are known before the PNGs.
    const heading = (summary.getSheetValues() as unknown[][]).findIndex((r) => r?.[1] === "Charts");
    const sizes = fixturePngs.map((c) => pngSize(c.png));
    assertEquals(CHART_IMAGE.widthPx, SUMMARY_WIDTH_PX);
    const expected = sizes.map((s) => {
      const height = SUMMARY_WIDTH_PX * s.height / s.width;
      return height <= CHART_IMAGE.maxHeightPx ? { widthPx: SUMMARY_WIDTH_PX, heightPx: height } : {
        widthPx: CHART_IMAGE.maxHeightPx * s.width / s.height,
        heightPx: CHART_IMAGE.maxHeightPx,
      };
    });
    const places = sizes.map((_, i) => ({ row: heading + i * CHART_BAND_ROWS + 1, col: 0 }));
    // The per-plan charts are shorter than 1760 × 960 (the probe's 1760 × 744 and × 816 ones).
    ok(sizes.some((s) => s.height / s.width < 960 / 1760 - 0.01), JSON.stringify(sizes));
    // No overlap: a band's image ends a row above the next band; none is wider than the columns,
    // nor much narrower (its text prints about as large as the cells').
    expected.forEach((size, i) => {
      const bandEnd = heading + (i + 1) * CHART_BAND_ROWS; // 0-based: the next band's first row
      ok(places[i].row * DEFAULT_ROW_PX + size.heightPx <= (bandEnd - 1) * DEFAULT_ROW_PX);
      ok(
        size.widthPx <= SUMMARY_WIDTH_PX && size.widthPx > 0.95 * SUMMARY_WIDTH_PX,
        `${size.widthPx}`,
      );
    });
    assertEquals(
      SUMMARY_WIDTH_PX,
      SUMMARY_COLUMN_WIDTHS.reduce((sum, w) => sum + columnPx(w), 0),
    );
    // Each anchor's extent has its PNG's aspect ratio (to the pixel of rounding).
    const drawing = await JSZip.loadAsync(await Deno.readFile(path))
      .then((zip) => zip.file("xl/drawings/drawing1.xml")!.async("string"));
    const extents = [...drawing.matchAll(/<xdr:ext cx="(\d+)" cy="(\d+)"\/>/g)]
      .map((m) => ({ widthPx: Number(m[1]) / 9525, heightPx: Number(m[2]) / 9525 }));
    assertEquals(extents.length, 4);
    extents.forEach((extent, i) => {
      ok(Math.abs(extent.widthPx - expected[i].widthPx) <= 0.5, fixturePngs[i].name);
      ok(Math.abs(extent.heightPx - expected[i].heightPx) <= 0.5, fixturePngs[i].name);
    });
    const images = summary.getImages();
    assertEquals(images.length, 4);
    images.forEach((image, i) => {
      const media = workbook.getImage(Number(image.imageId));
      assertEquals(media.extension, "png");
      ok(same(media.buffer as unknown as Uint8Array, fixturePngs[i].png), fixturePngs[i].name);
      const tl = image.range.tl as unknown as { nativeRow: number; nativeCol: number };
      assertEquals({ row: tl.nativeRow, col: tl.nativeCol }, places[i]);
    });

    const script = `
import hashlib, json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["summary"]
print(json.dumps([{"sha256": hashlib.sha256(image._data()).hexdigest(),
  "row": image.anchor._from.row, "col": image.anchor._from.col} for image in ws._images]))
`;
    const read = JSON.parse(await run("/usr/bin/python3", ["-c", script, path]));
    const sha = (png: Uint8Array) => createHash("sha256").update(png).digest("hex");
    assertEquals(read, fixturePngs.map((c, i) => ({ sha256: sha(c.png), ...places[i] })));

    // LibreOffice keeps the pictures' bytes when it saves the workbook as ODS.
    const profile = await Deno.makeTempDir();
    await run("soffice", [
      `-env:UserInstallation=file://${profile}`,
      "--headless",
      "--convert-to",
      "ods",
      "--outdir",
      dir,
      path,
    ]);
    await Deno.remove(profile, { recursive: true });
    const pictures = readZipEntries(await Deno.readFile(join(dir, "fixture.ods")))
      .filter((e) => e.name.startsWith("Pictures/")).map((e) => sha(entryBytes(e)));
    assertEquals(pictures.sort(), fixturePngs.map((c) => sha(c.png)).sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the workbook's properties name what it holds: the summary's title and window (openpyxl)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeFixtureWorkbook(dir);
    const script = `
import json, sys, openpyxl
p = openpyxl.load_workbook(sys.argv[1]).properties
print(json.dumps({"title": p.title, "subject": p.subject, "creator": p.creator}))
`;
    assertEquals(JSON.parse(await run("/usr/bin/python3", ["-c", script, path])), {
      title: "Helicone pricing data, 2026-11-01",
      subject: "Window: 30 days, 2026-10-02 to 2026-10-31 (as of 2026-11-01 00:00 UTC)",
      creator: "pricing-kit",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chart images still rendering when the data sheet is written are awaited, then appended", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The PNGs exist only once the data sheet's rows are being written (its slice hook): a writer
    // that waited for them before the data sheet would never finish.
    let release: (pngs: SummaryChart[]) => void = () => {};
    const pngs = new Promise<SummaryChart[]>((resolve) => release = resolve);
    let sliced = 0;
    const path = await writeFixtureWorkbook(dir, {
      charts: (frame) => ({ names: summaryChartNames(frame), pngs }),
      onSlice: (slice) => {
        sliced += slice.height;
        release(summaryCharts(reportCharts(slice)));
      },
    });
    assertEquals(sliced, 6);
    const entries = readZipEntries(await Deno.readFile(path)).map((e) => e.name);
    // the drawing and the media come last, after every sheet
    assertEquals(entries.slice(-6), [
      "xl/drawings/drawing1.xml",
      "xl/drawings/_rels/drawing1.xml.rels",
      ...[1, 2, 3, 4].map((i) => `xl/media/image${i}.png`),
    ]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    assertEquals(workbook.getWorksheet("summary")!.getImages().length, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a chart image that fails fails the workbook: no file left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await rejects(
      writeFixtureWorkbook(dir, {
        charts: (frame) => ({
          names: summaryChartNames(frame),
          pngs: Promise.reject(new Error("charts failed: no font")),
        }),
      }),
      /charts failed: no font/,
    );
    await rejects(
      writeFixtureWorkbook(dir, {
        charts: () => ({ names: ["margin_by_plan"], pngs: Promise.resolve([]) }),
      }),
      /summary charts: expected margin_by_plan, got $/,
    );
    assertEquals([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

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
    await writeXlsxFile(data.frame, path);
    await run("soffice", ["--headless", "--convert-to", "pdf", "--outdir", dir, path]);
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
    ok(!dataPages[0].includes("gross_margin_company_pct"), "46 columns on one page");
    assertEquals(uuid.exec(dataPages[1])?.[0], uuid.exec(dataPages[0])?.[0]);
    for (const name of data.frame.columns) {
      ok(dataPages.some((text) => text.includes(name)), `${name} printed`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export's XLSX with its summary sheet reads back as the same frame", async () => {
  const { exportFrameFromXlsxFile } = await import("../lib/formats/read_export.ts");
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeFixtureWorkbook(dir);
    const frame = await exportFrameFromXlsxFile(path);
    assertEquals(frame.getColumn("org_id").toArray(), ["a", "b", "c", "d", "e", "f"]);
    assertEquals(frame.getColumn("list_price_mrr").toArray(), [79, 210, 200, null, 0, 40]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The demo's workbook alone (no charts) as of 2026-11-01 into `outDir`, with `env`'s settings. */
function demoWorkbookExport(outDir: string, env: Record<string, string> = {}) {
  return runExport({
    demo: true,
    outDir,
    charts: false,
    formats: ["xlsx"],
    asOf: new Date("2026-11-01T00:00:00Z"),
    env,
    quiet: true,
    log: () => {},
  });
}

Deno.test("--no-charts: no chart files and no images on the summary sheet, which says why", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const result = await demoWorkbookExport(outDir);
    assertEquals(result.files.filter((path) => /\.(svg|png)$/.test(path)), []);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(result.files.find((path) => path.endsWith(".xlsx"))!);
    const summary = workbook.getWorksheet("summary")!;
    assertEquals(summary.getImages().length, 0);
    // where the charts would be: the heading, then why there are none
    const rows = (summary.getSheetValues() as unknown[][]).filter((row) => row?.[1] !== undefined);
    assertEquals(rows.slice(-2).map((row) => row[1]), ["Charts", NO_CHARTS_NOTE]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("summary sheet: price-book plan names that look like formulas get the guard's ' as on pricing_data (openpyxl)", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    // the built-in price book with three plans renamed to formula-like text
    const renamed: Record<string, string> = {
      "pro 2025-12-10": '=HYPERLINK("http://evil.example","pro")',
      "pro (seat, legacy)": "+pro new",
      "team (bundle, legacy)": "@team legacy",
    };
    const book = JSON.parse(await Deno.readTextFile((await loadPriceBook({})).file));
    for (const plan of book.plans) plan.name = renamed[plan.name] ?? plan.name;
    const bookPath = join(outDir, "hostile_book.json");
    await Deno.writeTextFile(bookPath, JSON.stringify(book));
    const result = await demoWorkbookExport(outDir, { PRICING_PRICE_BOOK: bookPath });
    const path = result.files.find((file) => file.endsWith(".xlsx"))!;
    // every text cell of each sheet that holds one of the names, as openpyxl reads it
    const script = `
import json, sys, openpyxl
names = json.loads(sys.argv[2])
found = {}
for ws in openpyxl.load_workbook(sys.argv[1]).worksheets:
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and any(n in c.value for n in names):
                found.setdefault(ws.title, []).append([c.coordinate, c.value, c.data_type])
print(json.dumps(found))
`;
    const names = Object.values(renamed);
    const output = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", script, path, JSON.stringify(names)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    ok(output.success, new TextDecoder().decode(output.stderr));
    const found = JSON.parse(new TextDecoder().decode(output.stdout)) as Record<
      string,
      [string, string, string][]
    >;
    const guarded = names.map((name) => `'${name}`);
    // summary: each name in the per-plan table's two blocks and in the price book, 3 × 3 = 9
    // cells, all in column A, each the name with one ' before it, text not a formula
    const summary = found.summary ?? [];
    assertEquals(summary.length, 9, JSON.stringify(summary));
    for (const [at, value, type] of summary) {
      ok(at.startsWith("A") && guarded.includes(value) && type === "s", `${at} ${value}`);
    }
    assertEquals(new Set(summary.map(([, value]) => value)), new Set(guarded));
    // the same text as pricing_data's plan column holds
    ok((found.pricing_data ?? []).length > 0);
    for (const [at, value] of found.pricing_data) ok(guarded.includes(value), `${at} ${value}`);
    // the dictionary names no plan
    assertEquals(found.dictionary, undefined);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("summary sheet says its window with its dates under the title, 30 days too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const secondRow = async (windowDays: number) => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(
        await writeFixtureWorkbook(dir, {
          windowDays,
          charts: () => ({ names: [], pngs: Promise.resolve([]) }),
        }),
      );
      const rows = workbook.getWorksheet("summary")!.getSheetValues() as unknown[][];
      return { second: rows[2]?.[1], third: rows[3]?.[1] };
    };
    // as of 2026-11-01 00:00 UTC: [2026-10-25, 2026-11-01) is the days Oct 25 to Oct 31
    assertEquals(await secondRow(7), {
      second:
        "Window: 7 days, 2026-10-25 to 2026-10-31 (as of 2026-11-01 00:00 UTC) — the *_30d columns hold 7-day values; margins and other ratios against MRR put usage on a 30-day basis (× 30/7)",
      third: undefined,
    });
    // 30 days, [2026-10-02, 2026-11-01): the title names only the as-of's date, this the period
    assertEquals(await secondRow(30), {
      second: "Window: 30 days, 2026-10-02 to 2026-10-31 (as of 2026-11-01 00:00 UTC)",
      third: undefined,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("summary sheet lists the run's warnings under the title, wrapped, as data (ExcelJS, openpyxl)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const warnings = [
      "Stripe skipped: revenue columns are empty",
      '=HYPERLINK("http://x") tier <b>"a" & b</b>',
      // data quoted in a warning: what XML cannot hold broke the workbook; a CR read back as LF
      'unknown tier values exported as tier "other": "pro\uFFFF\uFFFE\x01\x7F", and a CR\r',
      // a right-to-left override drew the rest of the warning reversed; tag characters hid text
      'unknown tier values exported as tier "other": "ent\u202eerprise\u{e0049}"',
    ];
    // as ExcelJS and openpyxl show it: OOXML's escape as written (tests/xlsx_text_test.ts)
    const shown =
      'unknown tier values exported as tier "other": "pro_xFFFF__xFFFE__x0001__x007F_", and a CR\r';
    const path = await writeFixtureWorkbook(dir, {
      warnings,
      charts: () => ({ names: [], pngs: Promise.resolve([]) }),
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const summary = workbook.getWorksheet("summary")!;
    const rows = summary.getSheetValues() as unknown[][];
    const heading = rows.findIndex((r) => r?.[1] === "Warnings from this run");
    ok(heading > 1 && heading < 5, `heading at row ${heading}`);
    // formula-like text neutralised with ', markup kept as text
    const hiddenDropped = 'unknown tier values exported as tier "other": "enterprise"';
    assertEquals(
      [rows[heading + 1][1], rows[heading + 2][1], rows[heading + 3][1], rows[heading + 4][1]],
      [warnings[0], `'${warnings[1]}`, shown, hiddenDropped],
    );
    const cell = summary.getCell(heading + 2, 1);
    ok(cell.alignment?.wrapText, "wrapped");
    ok(summary.getCell(heading + 2, 1).formula === undefined, "not a formula");
    const script = `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["summary"]
print(json.dumps([[c.value, c.data_type] for c in ws["A"][:8]]))
`;
    const output = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", script, path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    ok(output.success, new TextDecoder().decode(output.stderr));
    const read = JSON.parse(new TextDecoder().decode(output.stdout)) as [string, string][];
    const at = read.findIndex(([v]) => v === "Warnings from this run");
    assertEquals(read.slice(at + 1, at + 5), [
      [warnings[0], "s"],
      [`'${warnings[1]}`, "s"],
      [shown, "s"],
      [hiddenDropped, "s"],
    ]);
    // no warnings: no heading
    const none = new ExcelJS.Workbook();
    await none.xlsx.readFile(
      await writeFixtureWorkbook(dir, { charts: () => ({ names: [], pngs: Promise.resolve([]) }) }),
    );
    ok(
      !(none.getWorksheet("summary")!.getSheetValues() as unknown[][])
        .some((r) => r?.[1] === "Warnings from this run"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("summary sheet warns of the cells cut to Excel's limit, as many as the writer cut (UTF-16 units, the guard's ')", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let written: XlsxWritten | undefined;
    const path = await writeFixtureWorkbook(dir, {
      warnings: ["Stripe skipped: revenue columns are empty"],
      names: [
        "x".repeat(40_000), // cut
        "y".repeat(32_766) + "🚀", // 32,768 units: cut
        "z".repeat(32_767), // the limit: kept
        "=" + "w".repeat(32_766), // 32,768 with the guard's ': cut
        "🚀".repeat(16_384), // 16,384 characters, 32,768 units: cut
        "🚀".repeat(16_383) + "v", // 32,767 units: kept
      ],
      written: (w) => written = w,
      charts: () => ({ names: [], pngs: Promise.resolve([]) }),
    });
    assertEquals(written, { cutCells: 4 });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const rows = workbook.getWorksheet("summary")!.getSheetValues() as unknown[][];
    const heading = rows.findIndex((r) => r?.[1] === "Warnings from this run");
    assertEquals([rows[heading + 1][1], rows[heading + 2][1]], [
      "Stripe skipped: revenue columns are empty",
      xlsxCutWarning(4),
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("summary sheet of a 7-day export says its window once: the window note, not again among the warnings", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeFixtureWorkbook(dir, {
      windowDays: 7,
      warnings: ["Stripe skipped: revenue columns are empty", windowWarning(7)!],
      charts: () => ({ names: [], pngs: Promise.resolve([]) }),
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const texts = (workbook.getWorksheet("summary")!.getSheetValues() as unknown[][])
      .map((r) => String(r?.[1] ?? ""));
    assertEquals(texts.filter((t) => t.includes("7 days") || t.includes("window is 7")).length, 1);
    ok(texts.includes("Stripe skipped: revenue columns are empty"));
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
