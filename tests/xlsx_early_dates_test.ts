/**
 * Dates and times before 1900-03-01 in XLSX: Excel shows a serial below 1 as #### and counts the
 * days before 1900-03-01 one too many (it takes 1900 for a leap year), so 1900-02-28 written as
 * serial 60 showed 1900-02-29. Such cells hold ISO text (as the CSV's), which every reader shows
 * as written and the kit reads back as the same instant; 1900-03-01 on is a serial, as before.
 *
 * By hand: 1900-03-01 is day 61 since 1899-12-30 (31 days of January and 28 of February 1900,
 * and 1899-12-31, 1900-01-01 … from day 1): Excel's serial 61 is 1900-03-01 too.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import ExcelJS from "exceljs";
import pl from "nodejs-polars";
import { exportFrameFromXlsxFile } from "../lib/formats/read_export.ts";
import { readXlsxSheet } from "../lib/formats/read_xlsx.ts";
import { DATA_SHEET, writeXlsx } from "../lib/formats/xlsx.ts";
import { COLUMNS } from "../lib/frame/columns.ts";
import { tinyExportFrame } from "./tiny_frame.ts";

const INSTANTS = [
  "1850-06-01T00:00:00.000Z", // before Excel's first day: ####
  "1900-02-28T12:00:00.000Z", // a day late in Excel (1900-02-29)
  "1900-03-01T00:00:00.000Z", // Excel's and everyone's day 61
];
const MS = INSTANTS.map((at) => Date.parse(at));

/** The export with created_at at INSTANTS, and a sheet `early` of them as dates and instants. */
async function writeEarly(path: string): Promise<void> {
  const frame = tinyExportFrame(["a", "b", "c"])
    .withColumns(pl.Series("created_at", MS, pl.Float64).cast(pl.Datetime("ms")));
  const early = pl.DataFrame([
    pl.Series("day", MS.map((ms) => new Date(ms)), pl.Date),
    pl.Series("at", MS, pl.Float64).cast(pl.Datetime("ms")),
  ]);
  const stream = createWriteStream(path);
  await writeXlsx(frame, stream, {
    sheets: [{ name: "early", frame: early }],
    documentDate: new Date("2026-12-01T00:00:00Z"),
  });
  await finished(stream);
}

Deno.test("XLSX: dates and times before 1900-03-01 are ISO text; 1900-03-01 the serial 61", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/early.xlsx`;
    await writeEarly(path);
    const at = COLUMNS.findIndex((c) => c.name === "created_at");
    const archive = await Deno.readFile(path);
    const data = readXlsxSheet(archive, DATA_SHEET).rows.slice(1).map((r) => r.values[at]);
    assertEquals(data, [INSTANTS[0], INSTANTS[1], 61]);
    const early = readXlsxSheet(archive, "early").rows.slice(1).map((r) => r.values);
    assertEquals(early, [
      ["1850-06-01", INSTANTS[0]],
      ["1900-02-28", INSTANTS[1]],
      [61, 61],
    ]);

    // ExcelJS: the text as text, 1900-03-01 as its Date
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const sheet = workbook.getWorksheet("early")!;
    assertEquals([2, 3, 4].map((r) => sheet.getRow(r).getCell(2).value), [
      INSTANTS[0],
      INSTANTS[1],
      new Date(MS[2]),
    ]);
    const streamed = workbook.getWorksheet(DATA_SHEET)!;
    assertEquals([2, 3, 4].map((r) => streamed.getRow(r).getCell(at + 1).value), [
      INSTANTS[0],
      INSTANTS[1],
      new Date(MS[2]),
    ]);

    // openpyxl (which reads serials as Excel does): the same
    const script = `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
print(json.dumps([[str(c.value) for c in row] for row in wb["early"].iter_rows(min_row=2)]))
`;
    const output = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", script, path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    ok(output.success, new TextDecoder().decode(output.stderr));
    assertEquals(JSON.parse(new TextDecoder().decode(output.stdout)), [
      ["1850-06-01", INSTANTS[0]],
      ["1900-02-28", INSTANTS[1]],
      ["1900-03-01 00:00:00", "1900-03-01 00:00:00"],
    ]);

    // the kit's reader: the same instants
    const read = await exportFrameFromXlsxFile(path);
    assertEquals(
      (read.getColumn("created_at").toArray() as unknown as Date[]).map((d) => d.toISOString()),
      INSTANTS,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
