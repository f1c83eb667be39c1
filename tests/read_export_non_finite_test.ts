/**
 * One rule for a number cell that is infinite or not a number, in every reader an export comes
 * back through (CSV, XLSX, Parquet snapshot: lib/formats/read_export.ts), as for any cell the kit
 * would not write: refused in one line naming the file, row and column, with the fix (an unknown
 * figure is an empty cell, read as null and said unknown). Read as a number before, a NaN or
 * Infinity crashed the charts (logAxis, margin.toFixed) and summed into totals.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { join } from "node:path";
import JSZip from "jszip";
import pl from "nodejs-polars";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";

const FIX = "enter the figure, or empty the cell if it is unknown";
const NUMBER_COLUMNS = ["mrr", "llm_cost_30d", "gross_margin_pct"];

/** What reading `path` says: its first error's message, or the column's values. */
async function readOutcome(path: string, column: string): Promise<string | unknown[]> {
  try {
    return (await readExportFile(path)).frame.getColumn(column).toArray();
  } catch (error) {
    return (error as Error).message;
  }
}

/** Runs `test` on a path named `name` in a new folder, removed after. */
async function inTempFolder(name: string, test: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await test(join(dir, name));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** This version's snapshot columns, filled for `n` rows (else it reads as an earlier version's). */
const currentColumns = (n: number) => ({
  plan: new Array(n).fill("a"),
  list_price_mrr: new Array(n).fill(1),
  ptb_revenue_30d: new Array(n).fill(0),
  company_cost_30d: new Array(n).fill(0),
  gross_margin_company_pct: new Array(n).fill(1),
});

/** A snapshot's refusal of `value` at row 3 (organization o3) of `column`. */
const snapshotRefusal = (path: string, column: string, value: number) =>
  `${path} row 3, column ${column} (organization "o3"): ${value} is not a number; the kit writes an unknown figure as empty: import the snapshot again from its export (deno task history import)`;

Deno.test("CSV: inf, -inf, NaN, Infinity and 1e400 in a number column are refused naming file, row and column, with the fix", () =>
  inTempFolder("x.csv", async (path) => {
    const header = COLUMN_NAMES.join(",");
    const row = (values: Record<string, string>) =>
      COLUMN_NAMES.map((name) => values[name] ?? "").join(",");
    for (const column of NUMBER_COLUMNS) {
      for (const cell of ["inf", "-inf", "NaN", "Infinity", "1e400", "-1e400"]) {
        await Deno.writeTextFile(
          path,
          `${header}\r\n${row({ org_id: "o1", mrr: "5" })}\r\n${
            row({ org_id: "o2", [column]: cell })
          }\r\n`,
        );
        const why = cell.endsWith("e400")
          ? "is too large a number (at most 1.8e308 in magnitude)"
          : "is not a number";
        assertEquals(
          await readOutcome(path, column),
          `${path} row 3, column ${column}: "${cell}" ${why}: ${FIX}`,
        );
      }
    }
    // a count column: a request count of inf is refused too (an integer column has no infinity)
    await Deno.writeTextFile(
      path,
      `${header}\r\n${row({ org_id: "o1", requests_30d: "inf" })}\r\n`,
    );
    assertEquals(
      await readOutcome(path, "requests_30d"),
      `${path} row 2, column requests_30d: "inf" is not a number: ${FIX}`,
    );
    // an empty cell is the kit's unknown: null, not refused
    await Deno.writeTextFile(path, `${header}\r\n${row({ org_id: "o1" })}\r\n`);
    assertEquals(await readOutcome(path, "mrr"), [null]);
  }));

/** A one-sheet workbook whose pricing_data has the header and one row: org o1, `mrrCell` as mrr. */
async function workbook(mrrCell: string): Promise<Uint8Array> {
  const main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  const letters = (i: number) =>
    i < 26 ? String.fromCharCode(65 + i) : "A" + String.fromCharCode(65 + i - 26);
  const mrrAt = `${letters(COLUMN_NAMES.indexOf("mrr"))}2`;
  const header = COLUMN_NAMES.map((name, i) =>
    `<c r="${letters(i)}1" t="inlineStr"><is><t>${name}</t></is></c>`
  ).join("");
  const zip = new JSZip();
  zip.file(
    "_rels/.rels",
    `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  );
  zip.file(
    "xl/workbook.xml",
    `<?xml version="1.0"?><workbook xmlns="${main}" xmlns:r="${rel}"><sheets><sheet name="pricing_data" sheetId="1" r:id="rId2"/></sheets></workbook>`,
  );
  zip.file(
    "xl/_rels/workbook.xml.rels",
    `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId2" Type="${rel}/worksheet" Target="worksheets/data.xml"/></Relationships>`,
  );
  zip.file(
    "xl/worksheets/data.xml",
    `<worksheet xmlns="${main}"><sheetData><row r="1">${header}</row><row r="2"><c r="A2" t="inlineStr"><is><t>o1</t></is></c>${
      mrrCell.replace("@", mrrAt)
    }</row></sheetData></worksheet>`,
  );
  return await zip.generateAsync({ type: "uint8array" });
}

Deno.test("XLSX: a number or text cell of inf, NaN or 1e400 is refused as the CSV's is, quoting what the cell holds", () =>
  inTempFolder("x.xlsx", async (path) => {
    const cases: [string, string][] = [
      // a number cell (no t): Number() read these as NaN and Infinity, quoted as such before
      [`<c r="@"><v>inf</v></c>`, `"inf" is not a number: ${FIX}`],
      [`<c r="@"><v>NaN</v></c>`, `"NaN" is not a number: ${FIX}`],
      [
        `<c r="@"><v>1e400</v></c>`,
        `"1e400" is too large a number (at most 1.8e308 in magnitude): ${FIX}`,
      ],
      [
        `<c r="@"><v>-1e400</v></c>`,
        `"-1e400" is too large a number (at most 1.8e308 in magnitude): ${FIX}`,
      ],
      [
        `<c r="@" t="inlineStr"><is><t>-Infinity</t></is></c>`,
        `"-Infinity" is not a number: ${FIX}`,
      ],
      [`<c r="@" t="inlineStr"><is><t>nan</t></is></c>`, `"nan" is not a number: ${FIX}`],
    ];
    for (const [cell, message] of cases) {
      await Deno.writeFile(path, await workbook(cell));
      assertEquals(await readOutcome(path, "mrr"), `${path} row 2, column mrr: ${message}`);
    }
    // an empty cell and a finite number read as before
    await Deno.writeFile(path, await workbook(`<c r="@"/>`));
    assertEquals(await readOutcome(path, "mrr"), [null]);
    await Deno.writeFile(path, await workbook(`<c r="@"><v>1e300</v></c>`));
    assertEquals(await readOutcome(path, "mrr"), [1e300]);
  }));

Deno.test("Parquet snapshot: a NaN or ±Infinity in a number column is refused naming file, row, column and organization (read as a number before)", () =>
  inTempFolder("x.parquet", async (path) => {
    for (const [column, value] of [["mrr", NaN], ["llm_cost_30d", Infinity]] as const) {
      const values = [5, null, value];
      exportFrameFromColumns({ org_id: ["o1", "o2", "o3"], [column]: values, ...currentColumns(3) })
        .writeParquet(path);
      await rejects(readExportFile(path), { message: snapshotRefusal(path, column, value) });
    }
    // o1 at 5, o2 unknown
    const twoOrganizations = exportFrameFromColumns({
      org_id: ["o1", "o2"],
      mrr: [5, null],
      ...currentColumns(2),
    });
    // a number column written as text ("NaN" in it) is refused in one line too, not Polars'
    // "`is_finite` operation not supported for dtype `str`" (nor, as before the check, read as
    // text a later cast made NaN)
    twoOrganizations.withColumns(pl.col("mrr").cast(pl.Utf8).fillNull("NaN")).writeParquet(path);
    await rejects(readExportFile(path), {
      message:
        `${path} column mrr holds text (String), not numbers; the kit writes numbers there: import the snapshot again from its export (deno task history import)`,
    });
    // whole numbers and decimals are numbers: read as they are
    for (const type of [pl.Int64, pl.Decimal(10, 2)]) {
      twoOrganizations.withColumns(pl.col("mrr").cast(type)).writeParquet(path);
      const mrr = (await readExportFile(path)).frame.getColumn("mrr").cast(pl.Float64);
      assertEquals(mrr.toArray(), [5, null]);
    }
    // null is unknown, read as it is
    twoOrganizations.writeParquet(path);
    assertEquals(await readOutcome(path, "mrr"), [5, null]);
  }));

Deno.test("Parquet snapshot: a NaN or infinity in an integer column stored as floats is refused too (mrr_recurring_minor, requests_30d)", () =>
  inTempFolder("x.parquet", async (path) => {
    // a snapshot written by another tool: an integer column as floats (pandas writes one with
    // nulls so), a NaN in it; read as the history table's mrr_recurring_minor, it came back empty
    // beside mrr_recurring_minor_stored true, and requests_30d as NaN
    const cases = [
      ["mrr_recurring_minor", NaN, { snapshotOnly: true }],
      ["requests_30d", Infinity, {}],
    ] as const;
    for (const [column, value, options] of cases) {
      exportFrameFromColumns({ org_id: ["o1", "o2", "o3"], ...currentColumns(3) })
        .withColumns(pl.Series(column, [5, null, value], pl.Float64)).writeParquet(path);
      await rejects(readExportFile(path, options), {
        message: snapshotRefusal(path, column, value),
      });
    }
    // whole floats and nulls read as they are
    exportFrameFromColumns({ org_id: ["o1", "o2"], ...currentColumns(2) })
      .withColumns(pl.Series("mrr_recurring_minor", [9000, null], pl.Float64)).writeParquet(path);
    const read = await readExportFile(path, { snapshotOnly: true });
    assertEquals(read.frame.getColumn("mrr_recurring_minor").toArray(), [9000, null]);
  }));
