/**
 * Reading an export back (lib/formats/read_export.ts) is reliable: ExcelJS's streaming reader failed on
 * valid workbooks now and then (0.2–1 % of reads, issue 10 item 7), so one export is read 500
 * times in one process and every read must give back what was written. What a file's name says
 * (a segment's suffix apart from the export's stamp) and, for a renamed file, the manifest beside
 * it (lib/formats/export_demo.ts).
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import ExcelJS from "exceljs";
import pl from "nodejs-polars";
import { loadPricingData, runExport } from "../lib/export.ts";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import {
  exportNameDateProblem,
  exportNameInfo,
  suffixedStamp,
} from "../lib/formats/export_names.ts";
import {
  exportAssumptionWarning,
  exportExactAsOf,
  exportFileFacts,
  rowsSayDemo,
  withRowsFacts,
} from "../lib/formats/export_demo.ts";
import { segmentFrames, segmentSheets, segmentThresholdsFromEnv } from "../lib/report/segments.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { sofficeConvert } from "./libreoffice.ts";

Deno.test("one XLSX export read back 500 times in one process, every read equal", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 40 demo organizations (small, so 500 reads stay quick), with the segment sheets: the
    // workbook.xml the streaming reader sometimes missed is the zip's last entry, after them.
    const data = await loadPricingData({
      demo: true,
      asOf: new Date("2026-11-01T00:00:00Z"),
      env: {},
      log: () => {},
    });
    const written = data.frame.head(40);
    const path = join(dir, "helicone_pricing_data_2026-11-01_demo.xlsx");
    await writeXlsxFile(
      written,
      path,
      segmentSheets(segmentFrames(written, { thresholds: segmentThresholdsFromEnv({}) })),
    );
    const first = (await readExportFile(path)).frame;
    for (const name of ["org_id", "mrr", "llm_cost_30d", "created_at"]) {
      assertEquals(first.getColumn(name).toArray(), written.getColumn(name).toArray(), name);
    }
    const failures: string[] = [];
    for (let i = 2; i <= 500; i++) {
      try {
        const { frame } = await readExportFile(path);
        if (!frame.frameEqual(first, true)) failures.push(`read ${i}: differs from the first read`);
      } catch (error) {
        failures.push(`read ${i}: ${(error as Error).message}`);
      }
    }
    assertEquals(failures, []);
    ok(first.height === 40);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export's name: a segment's or the trimmed CSV's suffix apart from the export's stamp", () => {
  const segment = exportNameInfo("out/helicone_pricing_data_2026-11-01_demo_underpriced.csv");
  assertEquals(segment, {
    asOf: new Date("2026-11-01T00:00:00Z"),
    demo: true,
    windowDays: 30,
    stamp: "2026-11-01_demo",
    suffix: "underpriced",
  });
  assertEquals(suffixedStamp(segment!), "2026-11-01_demo_underpriced");
  const trimmed = exportNameInfo("helicone_pricing_data_2026-11-01_7d_trimmed.csv");
  assertEquals([trimmed?.windowDays, trimmed?.stamp, trimmed?.suffix], [
    7,
    "2026-11-01_7d",
    "trimmed",
  ]);
  // a window alone is no suffix, and the whole export has none
  const week = exportNameInfo("helicone_pricing_data_2026-11-01_demo_7d.xlsx");
  assertEquals([week?.windowDays, week?.stamp, week?.suffix], [7, "2026-11-01_demo_7d", null]);
  assertEquals(exportNameInfo("helicone_pricing_data_2026-11-01.csv")?.suffix, null);
  assertEquals(
    suffixedStamp(exportNameInfo("helicone_pricing_data_2026-11-01.csv")!),
    "2026-11-01",
  );
});

Deno.test("an export's name whose date or time is no real one: said as such; a real or other name: null", () => {
  const problem = (name: string) => exportNameDateProblem(`out/${name}`);
  // 2026 is no leap year (February 28 days), 2024 is (29); April has 30 days
  assertEquals(
    problem("helicone_pricing_data_2026-02-30_demo.csv"),
    "2026-02-30 is not a date: 2026-02 has 28 days",
  );
  assertEquals(
    problem("helicone_pricing_data_2024-02-30.xlsx"),
    "2024-02-30 is not a date: 2024-02 has 29 days",
  );
  assertEquals(
    problem("helicone_pricing_data_2026-04-31.csv"),
    "2026-04-31 is not a date: 2026-04 has 30 days",
  );
  assertEquals(
    problem("helicone_pricing_data_2026-13-01.csv"),
    "2026-13-01 is not a date: months run 01 to 12",
  );
  assertEquals(
    problem("helicone_pricing_data_2026-12-01T250000Z_demo.csv"),
    "T250000Z is not a time of day (THHMMSSZ, UTC)",
  );
  assertEquals(problem("helicone_pricing_data_2024-02-29.csv"), null, "a real day");
  assertEquals(problem("pricing_2026-02-30.csv"), null, "not an export's name");
});

Deno.test("an export's name with the mark a second download or a copy gets reads as the export's", () => {
  const export7d = exportNameInfo("helicone_pricing_data_2026-11-01_demo_7d.csv");
  assertEquals(export7d, {
    asOf: new Date("2026-11-01T00:00:00Z"),
    demo: true,
    windowDays: 7,
    stamp: "2026-11-01_demo_7d",
    suffix: null,
  });
  for (
    const mark of [" (1)", " (12)", "-1", " copy", " copy 2", " Copy", " - Copy", " - Copy (2)"]
  ) {
    assertEquals(
      exportNameInfo(`Downloads/helicone_pricing_data_2026-11-01_demo_7d${mark}.csv`),
      export7d,
      mark,
    );
  }
  // a segment's copy keeps its suffix
  assertEquals(
    exportNameInfo("helicone_pricing_data_2026-11-01_underpriced (1).xlsx")?.suffix,
    "underpriced",
  );
  // other words after the name are not a copy's mark
  for (
    const name of [
      "helicone_pricing_data_2026-11-01 (old).csv",
      "helicone_pricing_data_2026-11-01 v2.csv",
    ]
  ) {
    assertEquals(exportNameInfo(name), null, name);
  }
});

Deno.test("a renamed export's as-of, window and demo flag come from the manifest copied beside it; without one, what was assumed is said", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "pricing_nov.csv");
    await Deno.writeTextFile(path, "not read");
    const assumed = {
      demo: "live data",
      windowDays: "a 30-day window",
      asOf: "as-of 2026-12-03 (its modification date)",
    };
    const alone = await exportFileFacts(path);
    assertEquals(
      [alone.name, alone.asOf, alone.windowDays, alone.demo.demo, alone.demoKnown],
      [null, null, null, false, false],
    );
    assertEquals(
      exportAssumptionWarning(path, alone, assumed),
      "pricing_nov.csv is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d].csv) and has no manifest beside it (pricing_nov.manifest.json): assumed live data, a 30-day window and as-of 2026-12-03 (its modification date); keep the export's name, or copy its manifest beside it as pricing_nov.manifest.json",
    );
    // a manifest cut short is read as missing, and said to be damaged (was: "has no manifest")
    const manifest = join(dir, "pricing_nov.manifest.json");
    await Deno.writeTextFile(manifest, '{"demo": true, "as_of": "2026-11-01T0');
    const damaged = await exportFileFacts(path);
    assertEquals([damaged.asOf, damaged.manifestFound, damaged.manifestDamaged], [
      null,
      false,
      true,
    ]);
    assertEquals(
      exportAssumptionWarning(path, damaged, assumed),
      "pricing_nov.csv is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d].csv) and its manifest pricing_nov.manifest.json is damaged, not a JSON object: assumed live data, a 30-day window and as-of 2026-12-03 (its modification date); keep the export's name, or copy its manifest beside it as pricing_nov.manifest.json",
    );
    // a file named as an export: its as-of is the name's date, and the line says why not the manifest's
    const named = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await Deno.writeTextFile(named, "not read");
    await Deno.writeTextFile(join(dir, "helicone_pricing_data_2026-11-01.manifest.json"), "[");
    assertEquals(await exportExactAsOf(named), {
      asOf: new Date("2026-11-01T00:00:00Z"),
      from:
        "its name's date at 00:00 UTC: its manifest helicone_pricing_data_2026-11-01.manifest.json is damaged, not a JSON object",
    });
    // the manifest a 7-day demo export was written with, copied beside it under the new name
    await Deno.writeTextFile(
      manifest,
      JSON.stringify({ demo: true, as_of: "2026-11-01T00:00:00.000Z", window: { days: 7 } }),
    );
    const besideIt = await exportFileFacts(path);
    assertEquals(
      [besideIt.asOf, besideIt.windowDays, besideIt.demo, besideIt.demoKnown],
      [
        new Date("2026-11-01T00:00:00Z"),
        7,
        { demo: true, why: 'its manifest says "demo": true' },
        true,
      ],
    );
    assertEquals(exportAssumptionWarning(path, besideIt, assumed), null);
    // a manifest that says only part: the rest is assumed, and said
    await Deno.writeTextFile(manifest, JSON.stringify({ demo: false }));
    assertEquals(
      exportAssumptionWarning(path, await exportFileFacts(path), assumed),
      "pricing_nov.csv is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d].csv) and its manifest pricing_nov.manifest.json does not say all: assumed a 30-day window and as-of 2026-12-03 (its modification date); keep the export's name, or copy its manifest beside it as pricing_nov.manifest.json",
    );
    // a named file says it all; a segment's manifest is its export's
    const segment = await exportFileFacts(
      join(dir, "helicone_pricing_data_2026-10-01_7d_underpriced.csv"),
    );
    assertEquals(
      [segment.asOf, segment.windowDays, segment.manifestPath],
      [
        new Date("2026-10-01T00:00:00Z"),
        7,
        join(dir, "helicone_pricing_data_2026-10-01_7d.manifest.json"),
      ],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a renamed export with nothing beside it: a workbook's summary sheet gives its as-of, window and demo flag; demo rows make any file demo data", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const written = await runExport({
      outDir: dir,
      demo: true,
      windowDays: 7,
      asOf: new Date("2026-11-01T00:00:00Z"),
      formats: ["csv", "xlsx"],
      charts: false,
      history: false,
      quiet: true,
      log: () => {},
      env: {},
    });
    const stamp = "helicone_pricing_data_2026-11-01_demo_7d";
    // copied away from its manifest, under another name
    const workbook = join(dir, "week.xlsx");
    await Deno.copyFile(join(dir, `${stamp}.xlsx`), workbook);
    const facts = await exportFileFacts(workbook);
    assertEquals(
      [facts.asOf, facts.windowDays, facts.demo, facts.demoKnown, facts.manifestFound],
      [
        new Date("2026-11-01T00:00:00Z"),
        7, // its "Window: 7 days, 2026-10-25 to 2026-10-31 …" line
        { demo: true, why: "its summary sheet's title says DEMO DATA" },
        true,
        false,
      ],
    );
    // an earlier kit's line, without dates, reads the same
    const old = new ExcelJS.Workbook();
    await old.xlsx.readFile(workbook);
    old.getWorksheet("summary")!.getCell("A2").value = "Window: 7 days — the *_30d columns hold …";
    await old.xlsx.writeFile(join(dir, "old.xlsx"));
    assertEquals((await exportFileFacts(join(dir, "old.xlsx"))).windowDays, 7);
    // a CSV carries no window: unknown; its rows (revenue_source demo) say demo data
    const csv = join(dir, "week.csv");
    await Deno.copyFile(join(dir, `${stamp}.csv`), csv);
    const csvFacts = await exportFileFacts(csv);
    assertEquals([csvFacts.windowDays, csvFacts.demo.demo], [null, false]);
    const frame = written.data.frame;
    ok(rowsSayDemo(frame));
    const withRows = withRowsFacts(csvFacts, frame);
    assertEquals([withRows.demo, withRows.demoKnown], [
      { demo: true, why: "its rows' revenue_source is demo (the demo generator's)" },
      true,
    ]);
    // live revenue sources never make a file demo, nor does a frame without the column
    const live = frame.withColumns(pl.lit("stripe").alias("revenue_source"));
    assertEquals(withRowsFacts(csvFacts, live), csvFacts);
    assertEquals(rowsSayDemo(frame.drop("revenue_source")), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Org names whose XLSX cells need the writers' escapes; each must read back as it was entered. */
const HOSTILE_NAMES = [
  "ctl\x01\x02\x0b\x0c\x1b\x7f end", // OOXML's escape (DEL too)
  "_x0001_ lit _x005F_ and _x00e9_", // literal escapes: written _x005F_x0001_
  "<b>&amp;</b> ]]> <?xml", // entities: written &amp;amp;, resolved once
  "nonchar \uFFFE and \uFFFF", // outside XML 1.0: escaped
  "_x0041\uFFFF _x0041\x7f _x0041\x01 _x0041\r", // a `_` starting an escape before one
  "Line1\r\nLine2\rLine3\ttab", // a CR written &#13;
  '=HYPERLINK("http://x")', // the formula guard's ' taken off
  "'=x",
  "emoji 🚀 ünïcode",
  "x".repeat(40_000), // cut to Excel's 32,767 characters
];

Deno.test("XLSX text reads back exactly as entered: OOXML's escape decoded, entities resolved once, every character", async () => {
  const { tinyExportFrame } = await import("./tiny_frame.ts");
  // and every UTF-16 unit but the surrogates (Polars holds UTF-8), 512 a name
  const every: string[] = [];
  for (let from = 0; from < 0x10000; from += 512) {
    let name = "";
    for (let c = from; c < from + 512; c++) {
      if (c < 0xd800 || c > 0xdfff) name += String.fromCharCode(c);
    }
    if (name !== "") every.push(name);
  }
  const names = [...HOSTILE_NAMES, ...every];
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    await writeXlsxFile(tinyExportFrame(names), path);
    const read = (await readExportFile(path)).frame.getColumn("org_name").toArray() as string[];
    names.forEach((name, i) => {
      assertEquals(read[i], name.length > 32_767 ? name.slice(0, 32_767) : name, `name ${i}`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** An archive of `files` (path → text), as other programs save a workbook. */
async function workbookArchive(files: Record<string, string>): Promise<Uint8Array> {
  const { default: JSZip } = await import("jszip");
  const zip = new JSZip();
  for (const [path, text] of Object.entries(files)) zip.file(path, text);
  return await zip.generateAsync({ type: "uint8array", compression: "DEFLATE" });
}

Deno.test("XLSX reader: a workbook as Excel saves one (shared strings, rich text, phonetic runs), inline strings, prefixed XML, 1904 dates", async () => {
  const { COLUMN_NAMES } = await import("../lib/frame/columns.ts");
  const main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  const letters = (i: number) =>
    i < 26 ? String.fromCharCode(65 + i) : "A" + String.fromCharCode(65 + i - 26);
  // shared strings: the header's names, then org ids, then an org name in two rich-text runs
  // with a phonetic reading (not part of the text), a literal `_x0001_` saved as Excel saves it
  const strings = [
    ...COLUMN_NAMES.map((n) => `<si><t>${n}</t></si>`),
    "<si><t>org-1</t></si>",
    "<si><t>org-2</t></si>",
    `<si><r><t>Tom _x005F_x0001_ &amp;amp;</t></r><r><rPr><b/></rPr><t xml:space="preserve"> Jerry_x000D_</t></r><rPh sb="0" eb="3"><t>トム</t></rPh></si>`,
  ];
  const n = COLUMN_NAMES.length;
  const header = COLUMN_NAMES.map((_, i) => `<x:c r="${letters(i)}1" t="s"><x:v>${i}</x:v></x:c>`)
    .join("");
  const sheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="${main}"><x:sheetData>
<x:row r="1">${header}</x:row>
<x:row r="2"><x:c r="A2" t="s"><x:v>${n}</x:v></x:c><x:c r="B2" t="s"><x:v>${
    n + 2
  }</x:v></x:c><x:c r="D2" s="1"><x:v>45000.5</x:v></x:c><x:c r="F2"><x:v>3</x:v></x:c><x:c r="P2" t="b"><x:v>1</x:v></x:c></x:row>
<x:row r="4"><x:c r="A4" t="s"><x:v>${
    n + 1
  }</x:v></x:c><x:c r="B4" t="inlineStr"><x:is><x:t>bell_x0007_&#13;<![CDATA[<&>]]></x:t></x:is></x:c><x:c r="F4"/></x:row>
</x:sheetData></x:worksheet>`;
  const archive = await workbookArchive({
    "[Content_Types].xml":
      `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
    "_rels/.rels":
      `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    "xl/workbook.xml":
      `<?xml version="1.0"?><workbook xmlns="${main}" xmlns:r="${rel}"><workbookPr date1904="1"/><sheets><sheet name="summary" sheetId="1" r:id="rId9"/><sheet name="pricing_data" sheetId="2" r:id="rId2"/></sheets></workbook>`,
    "xl/_rels/workbook.xml.rels":
      `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${rel}/worksheet" Target="/xl/worksheets/data.xml"/><Relationship Id="rId3" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    "xl/worksheets/sheet1.xml": `<worksheet xmlns="${main}"><sheetData/></worksheet>`,
    "xl/worksheets/data.xml": sheet,
    "xl/sharedStrings.xml": `<?xml version="1.0"?><sst xmlns="${main}">${strings.join("")}</sst>`,
  });
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "saved.xlsx");
    await Deno.writeFile(path, archive);
    const { frame } = await readExportFile(path);
    assertEquals(frame.getColumn("org_id").toArray(), ["org-1", "org-2"]);
    assertEquals(frame.getColumn("org_name").toArray(), [
      "Tom _x0001_ &amp; Jerry\r",
      "bell\x07\r<&>",
    ]);
    // day 45000.5 counted from 1904-01-01: 2027-03-16T12:00Z (from 1899-12-30: 2023-03-15)
    assertEquals(
      (frame.getColumn("created_at").toArray() as unknown as (Date | null)[]).map((d) =>
        d?.toISOString()
      ),
      ["2027-03-16T12:00:00.000Z", undefined],
    );
    assertEquals(frame.getColumn("seats").toArray(), [3, null]);
    assertEquals(frame.getColumn("is_ptb").toArray(), [true, null]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("XLSX reader: a damaged workbook is one line naming the file and what is wrong", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    await Deno.writeFile(path, await workbookArchive({ "xl/other.xml": "<x/>" }));
    await rejects(
      readExportFile(path),
      /helicone_pricing_data_2026-11-01\.xlsx is not a readable XLSX workbook \(it has no xl\/workbook\.xml\)/,
    );
    await Deno.writeFile(path, new TextEncoder().encode("not a zip"));
    await rejects(readExportFile(path), /is not a readable XLSX workbook \(not a ZIP archive/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export saved again by LibreOffice reads back the same (its booleans are 1 and 0 in a boolean format)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = await loadPricingData({
      demo: true,
      asOf: new Date("2026-11-01T00:00:00Z"),
      env: {},
      log: () => {},
    });
    const written = data.frame.head(40);
    const original = join(dir, "original", "helicone_pricing_data_2026-11-01_demo.xlsx");
    await Deno.mkdir(join(dir, "original"));
    await writeXlsxFile(written, original);
    await sofficeConvert(original, { to: "xlsx", outDir: dir });
    const resaved = (await readExportFile(join(dir, "helicone_pricing_data_2026-11-01_demo.xlsx")))
      .frame;
    const read = (await readExportFile(original)).frame;
    for (const name of ["is_ptb", "is_byok", "has_gateway_only", "cancel_at_period_end"]) {
      assertEquals(resaved.getColumn(name).toArray(), read.getColumn(name).toArray(), name);
    }
    // LibreOffice keeps 15 significant digits of a double: numbers equal to 1e-12 of their size
    const same = (a: unknown, b: unknown) =>
      typeof a === "number" && typeof b === "number"
        ? Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a))
        : JSON.stringify(a) === JSON.stringify(b);
    const differing = read.columns.filter((name) => {
      const before = read.getColumn(name).toArray();
      const after = resaved.getColumn(name).toArray();
      return after.length !== before.length || before.some((value, i) => !same(value, after[i]));
    });
    assertEquals(differing, [], "every column as the kit's own workbook reads");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export CSV saved again by LibreOffice reads back the same (its booleans are TRUE and FALSE)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = await loadPricingData({
      demo: true,
      asOf: new Date("2026-11-01T00:00:00Z"),
      env: {},
      log: () => {},
    });
    const original = join(dir, "original", "helicone_pricing_data_2026-11-01_demo.csv");
    await Deno.mkdir(join(dir, "original"));
    await writeCsvFile(data.frame, original);
    // as a user opens it (comma, double quote, UTF-8, from row 1; special numbers detected) and
    // saves it again as CSV
    await sofficeConvert(original, {
      to: "csv",
      outDir: dir,
      infilter: "CSV:44,34,76,1,,0,false,true,true",
    });
    const resavedPath = join(dir, "helicone_pricing_data_2026-11-01_demo.csv");
    const text = await Deno.readTextFile(resavedPath);
    ok(text.includes(",FALSE,") && text.includes(",TRUE,"), "LibreOffice wrote TRUE and FALSE");
    const resaved = (await readExportFile(resavedPath)).frame;
    const read = (await readExportFile(original)).frame;
    const booleans = ["is_ptb", "is_byok", "has_gateway_only", "cancel_at_period_end"];
    for (const name of booleans) {
      assertEquals(resaved.getColumn(name).toArray(), read.getColumn(name).toArray(), name);
    }
    ok(read.getColumn("is_byok").toArray().includes(true), "the fixture has true values");
    assertEquals(resaved.toRecords(), read.toRecords(), "every column as the kit's own CSV reads");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an XLSX under a .csv name, or a CSV under an .xlsx name, is one line saying which extension to give it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const frame = exportFrameFromColumns({ org_id: ["a", "b"], mrr: [1, 2] });
    const xlsx = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    const csv = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeXlsxFile(frame, xlsx);
    await writeCsvFile(frame, csv);
    const xlsxAsCsv = join(dir, "x_as.csv");
    const csvAsXlsx = join(dir, "x_as.xlsx");
    const csvAsParquet = join(dir, "x_as.parquet");
    await Deno.copyFile(xlsx, xlsxAsCsv);
    await Deno.copyFile(csv, csvAsXlsx);
    await Deno.copyFile(csv, csvAsParquet);
    for (const earlier of [false, true]) {
      await rejects(readExportFile(xlsxAsCsv, { earlier }), (error: Error) => {
        assertEquals(
          error.message,
          `${xlsxAsCsv} is an XLSX workbook, not a CSV: give it the .xlsx extension`,
        );
        return true;
      });
    }
    await rejects(
      readExportFile(csvAsXlsx, { columns: ["org_id"] }),
      /x_as\.xlsx is a CSV, not an XLSX workbook: give it the \.csv extension$/,
    );
    await rejects(
      readExportFile(csvAsParquet),
      /x_as\.parquet is a CSV, not a Parquet file: give it the \.csv extension$/,
    );
    // the files under their own names read as ever
    assertEquals((await readExportFile(xlsx)).frame.height, 2);
    assertEquals((await readExportFile(csv)).frame.height, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export CSV saved as UTF-16 (with or without a byte order mark) is said so, with the fix, as a scenario file is", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(exportFrameFromColumns({ org_id: ["a"], mrr: [1] }), csv);
    const text = await Deno.readTextFile(csv);
    const utf16le = (s: string) =>
      new Uint8Array(new Uint16Array([...s].map((c) => c.charCodeAt(0))).buffer);
    const swapped = (bytes: Uint8Array) => bytes.map((_, i) => bytes[i ^ 1]);
    for (
      const [name, bytes] of [
        ["le_bom.csv", utf16le("\uFEFF" + text)],
        ["le.csv", utf16le(text)],
        ["be_bom.csv", swapped(utf16le("\uFEFF" + text))],
      ] as const
    ) {
      const path = join(dir, name);
      await Deno.writeFile(path, bytes);
      // (was "… is not a pricing-kit export: none of its header is ours")
      await rejects(readExportFile(path), (error: Error) => {
        assertEquals(error.message, `${path} is not UTF-8: it is UTF-16 text; save it as UTF-8`);
        return true;
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
