/**
 * The XLSX writer's streamed data sheet (lib/formats/xlsx_stream.ts, used by lib/formats/xlsx.ts):
 * every entry of the workbook the same bytes as ExcelJS's own row model writes, the row XML alike
 * whatever the slices, and its escapes. tests/xlsx_readers_test.ts reads the workbook back.
 */
import { Buffer } from "node:buffer";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { COLUMNS } from "../lib/frame/columns.ts";
import { exportTypedColumns, neutraliseText, typedColumns } from "../lib/formats/cells.ts";
import { DATA_SHEET, writeXlsx, writeXlsxExcelJs } from "../lib/formats/xlsx.ts";
import { columnLetters, sheetRowsXml, xmlText } from "../lib/formats/xlsx_stream.ts";
import { withFilterDatabases } from "../lib/formats/xlsx_archive.ts";
import { frame, writtenEntries } from "./xlsx_fixture.ts";

const dir = await Deno.makeTempDir();
const streamed = await writtenEntries(writeXlsx, `${dir}/streamed.xlsx`);
const reference = await writtenEntries(writeXlsxExcelJs, `${dir}/reference.xlsx`);

Deno.test("streamed data sheet: every entry the same bytes as ExcelJS's row model writes", () => {
  assertEquals([...streamed.keys()].sort(), [...reference.keys()].sort());
  for (const [name, bytes] of reference) {
    const text = new TextDecoder().decode(streamed.get(name));
    // workbook.xml: ExcelJS's, with the autofilters' hidden names Excel writes and it does not
    const want = name === "xl/workbook.xml"
      ? withFilterDatabases(
        new TextDecoder().decode(bytes),
        new Map([
          [DATA_SHEET, `A1:${columnLetters(COLUMNS.length - 1)}${frame.height + 1}`],
          ["segment_ a_b", "A1:C4"],
        ]),
      )
      : new TextDecoder().decode(bytes);
    ok(text === want, `${name} differs from ExcelJS's`);
  }
  const workbookXml = new TextDecoder().decode(streamed.get("xl/workbook.xml"));
  ok(
    workbookXml.includes(
      '<definedName name="_xlnm._FilterDatabase" localSheetId="2" hidden="1">&apos;segment_ a_b&apos;!$A$1:$C$4</definedName>',
    ),
    workbookXml,
  );
  const sheet = new TextDecoder().decode(streamed.get("xl/worksheets/sheet1.xml"));
  ok(sheet.includes(`<c r="B3" t="str"><v>Tom &amp; Jerry&apos;s &lt;b&gt;&quot;shop&quot;`));
  ok(sheet.includes(`<row r="${frame.height + 1}" `), "one row per organization after the header");
});

Deno.test("withFilterDatabases: a sheet's name quoted as Excel does ('' for '), its range absolute", () => {
  const workbook = '<workbook><sheets><sheet name="x" sheetId="1" r:id="rId1"/>' +
    '<sheet name="a&apos;b &amp; c" sheetId="2" r:id="rId2"/></sheets><calcPr/></workbook>';
  assertEquals(
    withFilterDatabases(workbook, new Map([["a'b & c", "A1:B3"]])),
    '<workbook><sheets><sheet name="x" sheetId="1" r:id="rId1"/>' +
      '<sheet name="a&apos;b &amp; c" sheetId="2" r:id="rId2"/></sheets><definedNames>' +
      '<definedName name="_xlnm._FilterDatabase" localSheetId="1" hidden="1">' +
      "&apos;a&apos;&apos;b &amp; c&apos;!$A$1:$B$3</definedName></definedNames><calcPr/></workbook>",
  );
  assertEquals(withFilterDatabases(workbook, new Map()), workbook);
});

Deno.test("row XML is the same whatever the slice size", () => {
  const styles = COLUMNS.map((_, i) => String(i % 3));
  const rows = (sliceRows: number) =>
    // 7: many slices, one cut mid-chunk
    new TextDecoder().decode(
      Buffer.concat([
        ...sheetRowsXml({
          frame,
          columnsOf: exportTypedColumns,
          styles,
          text: neutraliseText,
          sliceRows,
        }),
      ]),
    );
  assertEquals(rows(7), rows(100_000));
});

Deno.test("row XML: an empty string is a cell, null is none; numbers as String() writes them", () => {
  const tiny = pl.DataFrame({
    org_name: pl.Series("org_name", ["", null, "=1"], pl.Utf8),
    mrr: pl.Series("mrr", [-0, 2 ** 53 - 1, 0.1 + 0.2], pl.Float64),
  });
  const defs = ["org_name", "mrr"].map((name) => COLUMNS.find((c) => c.name === name)!);
  const xml = new TextDecoder().decode(Buffer.concat([
    ...sheetRowsXml({
      frame: tiny,
      columnsOf: (slice) => typedColumns(slice, defs),
      styles: ["", "5"],
      text: neutraliseText,
    }),
  ]));
  const span = '" spans="1:2" x14ac:dyDescent="0.25">';
  assertEquals(
    xml,
    `<row r="2${span}<c r="A2" t="str"><v></v></c><c r="B2" s="5"><v>0</v></c></row>` +
      `<row r="3${span}<c r="B3" s="5"><v>9007199254740991</v></c></row>` +
      `<row r="4${span}<c r="A4" t="str"><v>&apos;=1</v></c><c r="B4" s="5"><v>0.30000000000000004</v></c></row>`,
  );
});

Deno.test("xmlText and columnLetters", () => {
  assertEquals(
    xmlText(`a<b>&"c'\x00\x08\x0b\x0c\x0e\x1f\x7f\t\n\r`),
    "a&lt;b&gt;&amp;&quot;c&apos;_x0000__x0008__x000B__x000C__x000E__x001F__x007F_\t\n&#13;",
  );
  assertEquals([0, 25, 26, 27, 51, 52, 701, 702].map(columnLetters), [
    "A",
    "Z",
    "AA",
    "AB",
    "AZ",
    "BA",
    "ZZ",
    "AAA",
  ]);
});

/**
 * Row XML as ExcelJS writes it, built with template strings: column i a number (r × 3 + i, empty
 * every 7th row) or a string (`t${r}<&`, empty every 5th), every third column unstyled.
 */
function rowsCase(height: number, width: number) {
  const number = COLUMNS.find((c) => c.name === "requests_30d")!;
  const string = COLUMNS.find((c) => c.name === "org_name")!;
  const defs = Array.from({ length: width }, (_, i) => ({
    ...(i % 2 === 0 ? number : string),
    name: `c${i}`,
  }));
  const rows = Array.from({ length: height }, (_, r) => r);
  const frame = pl.DataFrame(
    defs.map((def, i) =>
      i % 2 === 0
        ? pl.Series(def.name, rows.map((r) => r % 7 === 0 ? null : r * 3 + i), pl.Float64)
        : pl.Series(def.name, rows.map((r) => r % 5 === 0 ? null : `t${r}<&`), pl.Utf8)
    ),
  );
  const styles = defs.map((_, i) => i % 3 === 0 ? "" : String(i));
  const xml = new TextDecoder().decode(Buffer.concat([
    ...sheetRowsXml({
      frame,
      columnsOf: (slice) => typedColumns(slice, defs),
      styles,
      text: neutraliseText,
    }),
  ]));
  const span = `" spans="1:${width}" x14ac:dyDescent="0.25">`;
  const expected = rows.map((r) => {
    const row = r + 2;
    const cells = defs.map((_, i) => {
      const at = `<c r="${columnLetters(i)}${row}${styles[i] ? `" s="${styles[i]}"` : `"`}`;
      const empty = i % 2 === 0 ? r % 7 === 0 : r % 5 === 0;
      if (empty) return styles[i] ? `${at}/>` : "";
      return i % 2 === 0
        ? `${at}><v>${r * 3 + i}</v></c>`
        : `${at} t="str"><v>t${r}&lt;&amp;</v></c>`;
    });
    return `<row r="${row}${span}${cells.join("")}</row>`;
  }).join("");
  return { xml, expected };
}

Deno.test("row XML, written four bytes at a time: row numbers across digit counts (9 → 10 … 99,999 → 100,000) and cells past Z and AZ", () => {
  // 55 columns: A … Z, AA … AZ, BA … BC; rows 2 … 13
  const wide = rowsCase(12, 55);
  ok(wide.xml === wide.expected, "55 columns differ from ExcelJS's row XML");
  ok(
    wide.xml.endsWith(
      '<c r="BB13" s="53" t="str"><v>t11&lt;&amp;</v></c><c r="BC13"><v>87</v></c></row>',
    ),
  );
  // rows 2 … 100,003: 1 to 6 digits, the row number's second word from 5 on; many chunks
  const tall = rowsCase(100_002, 2);
  ok(tall.xml === tall.expected, "100,002 rows differ from ExcelJS's row XML");
  ok(
    tall.xml.endsWith(
      '<row r="100003" spans="1:2" x14ac:dyDescent="0.25"><c r="A100003"><v>300003</v></c>' +
        '<c r="B100003" s="1" t="str"><v>t100001&lt;&amp;</v></c></row>',
    ),
  );
});
