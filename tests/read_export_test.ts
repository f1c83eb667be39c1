/**
 * Reading an export back (lib/formats/read_export.ts) is reliable: ExcelJS's streaming reader
 * failed on valid workbooks now and then (0.2–1 % of reads, issue 10 item 7), so one export is read
 * 500 times in one process and every read must give back what was written; XLSX text and
 * workbooks as Excel or LibreOffice save them, damaged or misnamed files. What a file's name says
 * is in read_export_name_test.ts.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { loadPricingData } from "../lib/export.ts";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
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
      {
        sheets: segmentSheets(segmentFrames(written, { thresholds: segmentThresholdsFromEnv({}) })),
        documentDate: data.asOf,
      },
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
    await writeXlsxFile(tinyExportFrame(names), path, {
      documentDate: new Date("2026-11-01T00:00:00Z"),
    });
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
    await writeXlsxFile(written, original, { documentDate: new Date("2026-11-01T00:00:00Z") });
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
    await writeXlsxFile(frame, xlsx, { documentDate: new Date("2026-11-01T00:00:00Z") });
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
