/**
 * The export's CSV and XLSX written together (lib/formats/export_files.ts): text cells the XLSX
 * cut to Excel's limit are counted for the export's warning; the CSV keeps the whole text.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { writeExportFiles, xlsxCutWarning } from "../lib/formats/export_files.ts";
import { tinyExportFrame } from "./tiny_frame.ts";

// two names past 32,767 characters, one at it, one short
const frame = tinyExportFrame(["a".repeat(40_000), "b".repeat(32_767), "c".repeat(32_768), "d"]);

Deno.test("XLSX cells cut to Excel's limit are counted, with or without the CSV; the CSV keeps them whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pathOf = (ext: string) => `${dir}/both.${ext}`;
    const both = await writeExportFiles({ frame, formats: ["csv", "xlsx"], pathOf, xlsx: {} });
    assertEquals(both.xlsxCutCells, 2);
    const csv = parseCsvRecords(await Deno.readTextFile(`${dir}/both.csv`));
    assertEquals(csv.records.map((r) => r.org_name.length), [40_000, 32_767, 32_768, 1]);
    const xlsxOnly = await writeExportFiles({
      frame,
      formats: ["xlsx"],
      pathOf: (ext) => `${dir}/xlsx_only.${ext}`,
      xlsx: {},
    });
    assertEquals(xlsxOnly.xlsxCutCells, 2);
    const csvOnly = await writeExportFiles({
      frame,
      formats: ["csv"],
      pathOf: (ext) => `${dir}/csv_only.${ext}`,
      xlsx: {},
    });
    assertEquals(csvOnly.xlsxCutCells, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the warning names how many cells were cut and that the CSV has the full text", () => {
  assertEquals(
    xlsxCutWarning(2),
    "2 cells of the XLSX held text longer than Excel's 32,767 characters a cell and were cut to that; the CSV has the full text",
  );
  assertEquals(
    xlsxCutWarning(1),
    "1 cell of the XLSX held text longer than Excel's 32,767 characters a cell and was cut to that; the CSV has the full text",
  );
});
