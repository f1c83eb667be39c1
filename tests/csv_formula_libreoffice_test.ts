/**
 * The export CSV's formula guard as LibreOffice reads it: hostile org names written by the kit's
 * own CSV writer, opened by LibreOffice's CSV import with formulas evaluated (its default), with
 * and without its "Trim spaces" option, and read back from the converted workbook by openpyxl: no
 * cell is a formula.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { sofficeConvert } from "./libreoffice.ts";

/** Names an attacker can choose; each but the last two is a live formula in a naive CSV. */
const HOSTILE = [
  '=HYPERLINK("http://evil.example","x")',
  "=cmd|' /C calc'!A0",
  "\0=1+1", // LibreOffice drops the NUL and runs the rest
  "\0\0=cmd|' /C calc'!A0",
  "\0'=1+1",
  " =1+1", // "Trim spaces" takes the space off and runs the rest
  "  =cmd|' /C calc'!A0",
  " \0@SUM(1)",
  "＝1+1", // full-width: text to LibreOffice
  "\u00a0=1+1", // a no-break space: not trimmed, text
];

/** The org_name column of `csv` as LibreOffice reads it with `infilter`: [value, openpyxl type]. */
async function libreOfficeCells(csv: string, infilter: string): Promise<[string, string][]> {
  const outDir = await Deno.makeTempDir();
  try {
    await sofficeConvert(csv, { to: "xlsx", outDir, infilter });
    const script = `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
print(json.dumps([[c.value, c.data_type] for c in ws["B"][1:]]))
`;
    const output = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", script, join(outDir, "names.xlsx")],
      stdout: "piped",
      stderr: "piped",
    }).output();
    ok(output.success, new TextDecoder().decode(output.stderr));
    return JSON.parse(new TextDecoder().decode(output.stdout));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}

Deno.test("LibreOffice reads no formula from the export CSV's hostile org names (NULs and spaces before = too)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = join(dir, "names.csv");
    const frame = exportFrameFromColumns({
      org_id: HOSTILE.map((_, i) => `org_${i}`),
      org_name: HOSTILE,
    });
    await writeCsvFile(frame, csv);
    // comma, double quote, UTF-8, from row 1 (formulas evaluated: LibreOffice's default); then the
    // same with "Trim spaces" (the 11th option) ticked, as a user may in the import dialog
    for (const infilter of ["CSV:44,34,76,1", "CSV:44,34,76,1,,0,false,false,false,false,true"]) {
      const cells = await libreOfficeCells(csv, infilter);
      assertEquals(cells.length, HOSTILE.length, infilter);
      const formulas = cells.filter(([, type]) => type === "f");
      assertEquals(formulas, [], `no org_name cell is a formula (${infilter})`);
    }
    // the kit's own reader (Polars, the guard's Rust pattern) takes the guard off: names as entered
    const read = (await readExportFile(csv)).frame.getColumn("org_name").toArray();
    assertEquals(read, HOSTILE);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
