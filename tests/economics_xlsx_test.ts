/**
 * The workbook a finance person opens: `summary` first (KPIs, per-plan table in two blocks read
 * back, chart images sized by their PNGs), its properties, chart images awaited or failing the
 * workbook, read back as the same frame, --no-charts. The summary's text:
 * economics_xlsx_summary_test.ts; `pricing_data`'s panes and the prints (LibreOffice headless):
 * economics_xlsx_print_test.ts.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import ExcelJS from "exceljs";
import { Buffer } from "node:buffer";
import JSZip from "jszip";
import { join } from "node:path";
import { reportCharts, summaryCharts } from "../lib/economics/charts.ts";
import {
  NO_CHARTS_NOTE,
  planHeader,
  type SummaryChart,
  summaryChartNames,
} from "../lib/economics/xlsx_summary.ts";
import {
  CHART_BAND_ROWS,
  CHART_IMAGE,
  columnPx,
  DEFAULT_ROW_PX,
  PLAN_TABLE_BLOCKS,
  pngSize,
  SUMMARY_COLUMN_WIDTHS,
  SUMMARY_WIDTH_PX,
} from "../lib/economics/summary_layout.ts";
import { entryBytes, readZipEntries } from "../lib/formats/zip.ts";
import { createHash } from "node:crypto";
import { PER_PLAN_DISPLAY } from "../lib/economics/report.ts";
import { headlineKpis } from "../lib/economics/headline_margins.ts";
import { costModelFromEnv } from "../lib/economics/cost_model.ts";
import { summaryPlanTable } from "./summary_plan_table.ts";
import { economicsFrameWithF } from "./economics_fixture.ts";
import { sofficeConvert } from "./libreoffice.ts";
import {
  demoWorkbookExport,
  fixturePngs,
  run,
  writeFixtureWorkbook,
} from "./economics_workbook.ts";

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
    // lines; long lines (KPI bases, price book, cost model) in lines up to column J, a row each,
    // in no merged cell.
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
    assertEquals(summary.getRow(basis).getCell(2).numFmt, '#,##0.0"%"');
    // the company margin's basis, 158 characters, in lines of C–J's 106 width × 1.1 = 116: two,
    // the second on the next row, indented, A and B empty; joined by a space, the basis
    const basisText = headlineKpis(await economicsFrameWithF(), {
      windowDays: 30,
      // as the workbook fixture's cost model: infrastructure set
      costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
    })
      .find((kpi) => kpi.label === "Gross margin, company cost")!.basis;
    assertEquals(basisText.length, 158);
    assertEquals([rows[basis + 1][1], rows[basis + 1][2]], [undefined, undefined]);
    assertEquals([rows[basis][3], rows[basis + 1][3]].join(" "), basisText);
    assertEquals(summary.getRow(basis + 1).getCell(3).alignment?.indent, 1);
    assertEquals(summary.getCell(basis, 10).isMerged, false);
    // the price book's line of a plan comes after its row in the table: the last row naming it
    const bookRow = rows.findLastIndex((r) => r?.[1] === "pro 2025-12-10");
    ok(
      bookRow > table.rowOf("all", planHeader("mrr_to_list_pct")),
      "price-book line after the table",
    );
    // the long price-book line of a plan in lines from B, its name in A on the first only
    let lines = 1;
    while (rows[bookRow + lines]?.[1] === undefined && rows[bookRow + lines]?.[2]) lines++;
    ok(lines >= 2, `${lines} lines`);
    const book = rows.slice(bookRow, bookRow + lines).map((r) => r[2] as string).join(" ");
    ok(book.length > 200 && book.startsWith("for tier_raw pro-20251210: "), book);
    ok(book.endsWith("$0.5/GB beyond"), book);
    assertEquals(summary.getRow(bookRow).height, undefined); // one line, the default height
    // no text runs past the last column (it set the printed page's width): its characters fit
    // in the widths from its column on (× 1.1: words are narrower than the digits widths count)
    rows.forEach((r, i) =>
      (r ?? []).forEach((value, column) => {
        const room = SUMMARY_COLUMN_WIDTHS.slice(column - 1).reduce((a, b) => a + b, 0) * 1.1;
        if (typeof value !== "string" || value.length <= room) return;
        const cell = summary.getRow(i).getCell(column);
        ok(cell.alignment?.wrapText, `runs on: ${value.slice(0, 60)}`);
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
    await sofficeConvert(path, { to: "ods", outDir: dir });
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
