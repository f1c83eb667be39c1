/**
 * Text in XLSX cells (lib/formats/xlsx_text.ts, and putXmlText in lib/formats/cell_text.ts for
 * the streamed data sheet): org names read back by ExcelJS, openpyxl and LibreOffice headless as
 * the CSV holds them; over-long text cut to Excel's 32,767 characters.
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { XLSX_CELL_CHARS } from "../lib/formats/cell_text.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { xlsxCutCells } from "../lib/formats/cells.ts";
import { writeExportFiles } from "../lib/formats/export_files.ts";
import { DATA_SHEET } from "../lib/formats/xlsx.ts";
import { cellText, excelJsText, xmlText } from "../lib/formats/xlsx_text.ts";
import { entryBytes, readZipEntries } from "../lib/formats/zip.ts";
import { exportFrameFromXlsxFile } from "../lib/formats/read_export.ts";
import { withoutFormulaGuardText } from "../lib/formats/formula_guard.ts";
import { sofficeConvert } from "./libreoffice.ts";
import { tinyExportFrame } from "./tiny_frame.ts";

/** OOXML's ST_Xstring decoding, as Excel reads `_xHHHH_` (left to right, one pass). */
function decodeXstring(text: string): string {
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/** XML text content as a parser gives it: entities and character references resolved. */
function parsedXml(xml: string): string {
  return xml.replace(
    /&(lt|gt|amp|quot|apos|#13);/g,
    (_, name: string) => ({ lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", "#13": "\r" })[name]!,
  );
}

Deno.test("xmlText: CR as a character reference, control characters in OOXML's escape, a literal escape escaped", () => {
  assertEquals(xmlText("Line1\r\nLine2\rLine3"), "Line1&#13;\nLine2&#13;Line3");
  assertEquals(xmlText("ctrl\x01\x08\x1bchars\x7f"), "ctrl_x0001__x0008__x001B_chars_x007F_");
  // outside XML 1.0's characters: U+FFFE, U+FFFF and a surrogate without its pair
  assertEquals(xmlText("a\uFFFEb\uFFFFc"), "a_xFFFE_b_xFFFF_c");
  assertEquals(xmlText("\uD800 \uDFFF 🚀 \uDBFF"), "_xD800_ _xDFFF_ 🚀 _xDBFF_");
  assertEquals(xmlText("_x0041\uFFFF _x0041\x7F"), "_x005F_x0041_xFFFF_ _x005F_x0041_x007F_");
  assertEquals(xmlText("a _x000D_ b"), "a _x005F_x000D_ b");
  // a `_` that only becomes an escape before a control character's own escape
  assertEquals(xmlText("_x0041\x02"), "_x005F_x0041_x0002_");
  assertEquals(xmlText("_x0041\r _x004 _xZZZZ_"), "_x0041&#13; _x004 _xZZZZ_");
  for (
    const text of [
      "Line1\r\nLine2\rLine3",
      "ctrl\x01\x08\x1bchars\x7f",
      "_x000D_ _x0041_x0042_ __x00fF__ _x0041\x02 _x0041\r",
      "\uFFFE\uFFFF _x0041\uFFFF _x0041\x7f _xD800\uD800 \uDC00 🚀",
      'Tom & Jerry\'s <b>"shop"</b>\t\n',
    ]
  ) {
    assertEquals(decodeXstring(parsedXml(xmlText(text))), text, JSON.stringify(text));
  }
});

Deno.test("excelJsText: what ExcelJS would drop in OOXML's escape, DEL too; a CR noted", () => {
  const written = { cells: 0, carriageReturns: false };
  assertEquals(excelJsText("ctrl\x01\x7f _x0041_", written), "ctrl_x0001__x007F_ _x005F_x0041_");
  // what XML cannot hold, which ExcelJS writes as it is (a broken file); the entities are its own
  assertEquals(
    excelJsText("a\uFFFEb\uFFFF _x0041\uFFFF \uD800 <&>", written),
    "a_xFFFE_b_xFFFF_ _x005F_x0041_xFFFF_ _xD800_ <&>",
  );
  assertEquals(written.carriageReturns, false);
  assertEquals(excelJsText("a\r\nb", written), "a\r\nb"); // rewritten in the archive afterwards
  assertEquals(written, { cells: 0, carriageReturns: true });
});

Deno.test("cellText: cut to 32,767 characters, never between a surrogate pair; counted", () => {
  assertEquals(XLSX_CELL_CHARS, 32_767);
  const cut = { cells: 0 };
  const limit = "z".repeat(32_767);
  ok(cellText(limit, cut) === limit);
  assertEquals(cut.cells, 0);
  assertEquals(cellText("x".repeat(40_000), cut), "x".repeat(32_767));
  // the pair's high half would be character 32,767: both halves go
  assertEquals(cellText("y".repeat(32_766) + "🚀", cut), "y".repeat(32_766));
  assertEquals(cellText("y".repeat(32_765) + "🚀!", cut), "y".repeat(32_765) + "🚀");
  assertEquals(cut.cells, 3);
});

/** Org names that need care, and what a cell holds of each (the CSV's text, cut). */
const NAMES: { name: string; cell: string }[] = [
  { name: "Line1\r\nLine2\rLine3", cell: "Line1\r\nLine2\rLine3" },
  { name: "ctrl\x01\x08\x1bchars\x7f", cell: "ctrl\x01\x08\x1bchars\x7f" },
  { name: "literal _x000D_ and _x0041_x0042_", cell: "literal _x000D_ and _x0041_x0042_" },
  { name: "tab\tLF\n Tom & Jerry's <b>", cell: "tab\tLF\n Tom & Jerry's <b>" },
  { name: "x".repeat(40_000), cell: "x".repeat(32_767) },
  { name: "y".repeat(32_766) + "🚀", cell: "y".repeat(32_766) },
  { name: "z".repeat(32_767), cell: "z".repeat(32_767) },
  // 32,767 characters, 32,768 with the formula guard's '
  { name: "=" + "w".repeat(32_766), cell: "'=" + "w".repeat(32_765) },
  // outside XML 1.0's characters: raw, they broke the whole workbook
  { name: "nonchar \uFFFE and \uFFFF end", cell: "nonchar \uFFFE and \uFFFF end" },
  { name: "_x0041\uFFFF and _x0042\x7F", cell: "_x0041\uFFFF and _x0042\x7F" },
];
/** Rows of NAMES whose text readers that do not decode OOXML's escape get as written. */
const ESCAPED = new Set([1, 2, 8, 9]);

const dir = await Deno.makeTempDir();
const frame = tinyExportFrame(NAMES.map((n) => n.name));
const files = await writeExportFiles({
  chosenBy: ANOTHER_OUTPUT_FOLDER,
  frame,
  formats: ["csv", "xlsx"],
  pathOf: (ext) => `${dir}/export.${ext}`,
  // an ExcelJS-written sheet with the same names
  xlsx: {
    sheets: [{ name: "segment", frame: frame.select("org_id", "org_name") }],
    documentDate: new Date("2026-11-01T00:00:00Z"),
  },
});
const csvNames = parseCsvRecords(await Deno.readTextFile(`${dir}/export.csv`)).records
  .map((r) => r.org_name);

Deno.test("the CSV holds each name whole; the XLSX cut three cells in each of its two sheets", () => {
  assertEquals(csvNames, NAMES.map((n) => n.name.startsWith("=") ? `'${n.name}` : n.name));
  assertEquals(files.xlsxCutCells, 6);
  // as counted before the workbook is written (its summary sheet says how many)
  assertEquals(xlsxCutCells(frame, [{ frame: frame.select("org_id", "org_name") }]), 6);
});

/** Each reader's org_name cells, per sheet, against what the cells hold. */
function assertNames(
  read: Record<string, string[]>,
  reader: string,
) {
  for (const sheet of [DATA_SHEET, "segment"]) {
    NAMES.forEach(({ cell }, i) => {
      const where = `${reader}, ${sheet} row ${i + 2}`;
      const got = read[sheet][i];
      if (ESCAPED.has(i)) assertEquals(decodeXstring(got), cell, where);
      else assertEquals(got, cell, where);
    });
  }
}

Deno.test("ExcelJS reads the names as the CSV holds them (OOXML's escape decoded)", async () => {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(`${dir}/export.xlsx`);
  const read = Object.fromEntries([DATA_SHEET, "segment"].map((name) => {
    const sheet = workbook.getWorksheet(name)!;
    return [name, NAMES.map((_, i) => String(sheet.getCell(`B${i + 2}`).value))];
  }));
  assertNames(read, "ExcelJS");
});

Deno.test("openpyxl reads the names as the CSV holds them (OOXML's escape decoded)", async () => {
  const script = `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
print(json.dumps({name: [c.value for c in wb[name]["B"][1:]] for name in ["${DATA_SHEET}", "segment"]}))
`;
  const output = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, `${dir}/export.xlsx`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(output.success, new TextDecoder().decode(output.stderr));
  assertNames(JSON.parse(new TextDecoder().decode(output.stdout)), "openpyxl");
});

Deno.test("LibreOffice headless reads the names as the CSV holds them (OOXML's escape decoded)", async () => {
  const out = await Deno.makeTempDir();
  try {
    await sofficeConvert(`${dir}/export.xlsx`, {
      // UTF-8, raw values, every sheet
      to: "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false,false,-1",
      outDir: out,
    });
    const read = Object.fromEntries(
      await Promise.all([DATA_SHEET, "segment"].map(async (name) => {
        const csv = parseCsvRecords(await Deno.readTextFile(`${out}/export-${name}.csv`));
        return [name, csv.records.map((r) => r.org_name)] as const;
      })),
    );
    assertNames(read, "LibreOffice");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("the kit's reader reads the names as entered (OOXML's escape decoded, the guard's ' taken off)", async () => {
  const read = await exportFrameFromXlsxFile(`${dir}/export.xlsx`);
  assertEquals(
    read.getColumn("org_name").toArray(),
    NAMES.map(({ cell }) => withoutFormulaGuardText(cell)),
  );
});

/** The XML of the sheet named `name` in an XLSX archive (workbook.xml and its relationships). */
function sheetXml(archive: Uint8Array, name: string): string {
  const entries = new Map(readZipEntries(archive).map((e) => [e.name, entryBytes(e)]));
  const text = (path: string) => new TextDecoder().decode(entries.get(path));
  const id =
    text("xl/workbook.xml").match(new RegExp(`<sheet [^>]*name="${name}"[^>]*r:id="([^"]+)"`))![1];
  const target = text("xl/_rels/workbook.xml.rels")
    .match(new RegExp(`Id="${id}"[^>]*Target="([^"]+)"`))![1];
  return text(target.startsWith("/") ? target.slice(1) : `xl/${target}`);
}

/** Column B's cells of a sheet's XML, as written between <v> and </v>, from row 2 on. */
function orgNameCells(xml: string): string[] {
  return [...xml.matchAll(/<c r="B(\d+)"[^>]*><v>(.*?)<\/v><\/c>/gs)]
    .filter((m) => m[1] !== "1").map((m) => m[2]);
}

Deno.test("both writers write every character as the same text, and only characters XML 1.0 holds", async () => {
  // every UTF-16 unit but the surrogates (Polars holds UTF-8: a lone one becomes U+FFFD), 512 a
  // name; a pair; and `_xHHHH` before each character the writers write specially
  const names: string[] = [];
  for (let from = 0; from < 0x10000; from += 512) {
    let name = "";
    for (let c = from; c < from + 512; c++) {
      if (c < 0xd800 || c > 0xdfff) name += String.fromCharCode(c);
    }
    if (name !== "") names.push(name);
  }
  names.push("🚀 \u{10FFFF}");
  for (const c of "\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\uFFFE\uFFFF\t\n\r_&") {
    names.push(`_x0041${c} _x00e9_${c}`);
  }
  const out = await Deno.makeTempDir();
  try {
    const every = tinyExportFrame(names);
    await writeExportFiles({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      frame: every,
      formats: ["xlsx"],
      pathOf: (ext) => `${out}/every.${ext}`,
      xlsx: {
        sheets: [{ name: "segment", frame: every.select("org_id", "org_name") }],
        documentDate: new Date("2026-11-01T00:00:00Z"),
      },
    });
    const archive = await Deno.readFile(`${out}/every.xlsx`);
    const data = orgNameCells(sheetXml(archive, DATA_SHEET));
    const segment = orgNameCells(sheetXml(archive, "segment"));
    assertEquals(data.length, names.length);
    // the streamed data sheet (putXmlText) and ExcelJS's sheet (excelJsText): the same text
    data.forEach((cell, i) => assertEquals(segment[i], cell, `name ${i}`));
    data.forEach((cell, i) => {
      // what XML 1.0 cannot hold (with the u flag a surrogate matches only without its pair)
      // deno-lint-ignore no-control-regex -- the control characters are among them
      const outside = cell.match(/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/u);
      ok(outside === null, `name ${i} holds U+${outside?.[0].charCodeAt(0).toString(16)}`);
      assertEquals(decodeXstring(parsedXml(cell)), names[i], `name ${i} reads back`);
    });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
