/**
 * An export XLSX read back (lib/formats/read_xlsx.ts, lib/formats/read_export.ts) when a program
 * wrote it, or a hand edit left cells the export never holds: a formula no spreadsheet computed, an
 * error value, a negative count. Each is refused in one line naming the row and column; a formula
 * with its saved value reads as that value.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import ExcelJS from "exceljs";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { exportFrameFromXlsxFile } from "../lib/formats/read_export.ts";
import { DATA_SHEET } from "../lib/formats/xlsx.ts";

type Value = ExcelJS.CellValue;

/** An export workbook whose data sheet has the header and one row (the given columns filled). */
async function workbookPath(dir: string, cells: Record<string, Value>): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(DATA_SHEET);
  sheet.addRow([...COLUMN_NAMES]);
  sheet.addRow(COLUMN_NAMES.map((name) => cells[name] ?? null));
  const path = `${dir}/export.xlsx`;
  await workbook.xlsx.writeFile(path);
  return path;
}

/**
 * The message reading such a workbook is refused with, or its org_id and `columns` (seats by
 * default) as read.
 */
async function read(
  cells: Record<string, Value>,
  columns = ["seats"],
): Promise<string | Record<string, unknown>> {
  const dir = await Deno.makeTempDir();
  try {
    const frame = await exportFrameFromXlsxFile(await workbookPath(dir, cells), {
      source: "export.xlsx",
    });
    return frame.select("org_id", ...columns).toRecords()[0];
  } catch (error) {
    return (error as Error).message;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a formula with no saved value is named with its text and how to store the value", async () => {
  // ExcelJS writes `<f>` without `<v>` when it is given no result: only a spreadsheet computes it
  assertEquals(
    await read({ org_id: "o1", seats: { formula: "SUM(A1:A9)" } as Value }),
    'export.xlsx row 2, column seats: cell holds the formula "=SUM(A1:A9)" with no saved value: open the workbook in a spreadsheet and save it (that stores each formula\'s value), or pass the CSV',
  );
});

Deno.test("a formula with its saved value reads as that value", async () => {
  assertEquals(
    await read({ org_id: "o1", seats: { formula: "2+3", result: 5 } as Value }),
    { org_id: "o1", seats: 5 },
  );
});

Deno.test("an error value is named by row and column", async () => {
  assertEquals(
    await read({ org_id: "o1", seats: { error: "#N/A" } as Value }),
    'export.xlsx row 2, column seats: cell holds the error "#N/A"',
  );
});

Deno.test("a negative count is refused, not summed into the totals", async () => {
  assertEquals(
    await read({ org_id: "o1", seats: -5 }),
    "export.xlsx row 2, column seats: -5 is a negative count (counts are 0 or more)",
  );
  assertEquals(await read({ org_id: "o1", seats: 0 }), { org_id: "o1", seats: 0 });
});

Deno.test("a timestamp: a date cell is its instant; a text cell only in ISO form with a zone, on a real day", async () => {
  const instant = new Date(Date.UTC(2026, 9, 1, 12, 30));
  // the writer's date cell (a day serial): no zone to lose
  assertEquals(await read({ org_id: "o1", created_at: instant }, ["created_at"]), {
    org_id: "o1",
    created_at: instant,
  });
  assertEquals(await read({ org_id: "o1", created_at: "2026-10-01T12:30:00Z" }, ["created_at"]), {
    org_id: "o1",
    created_at: instant,
  });
  // (read as 2026-03-02, and in the computer's own zone, before)
  assertEquals(
    await read({ org_id: "o1", created_at: "2026-02-30T00:00:00Z" }),
    'export.xlsx row 2, column created_at: "2026-02-30T00:00:00Z" is not a real date and time (2026-02 has 28 days): correct it; the kit writes 2026-11-01T12:00:00Z (UTC)',
  );
  assertEquals(
    await read({ org_id: "o1", created_at: "2026-10-01T12:30:00" }),
    'export.xlsx row 2, column created_at: "2026-10-01T12:30:00" has no time zone: add Z for UTC ("2026-10-01T12:30:00Z", as the kit writes it) or its offset (+02:00)',
  );
});

Deno.test("a tier the kit does not write is refused naming the tiers it does", async () => {
  assertEquals(
    await read({ org_id: "o1", tier: "platinum" }),
    'export.xlsx row 2, column tier: "platinum" is not a tier the kit writes: use one of free, pro, team, growth, enterprise, other',
  );
  assertEquals(await read({ org_id: "o1", tier: "other" }, ["tier"]), {
    org_id: "o1",
    tier: "other",
  });
});

Deno.test("after a cleared row, a row is named by the number the sheet shows", async () => {
  // row 3 cleared (no cells: no row in the sheet's XML), so the rows after it are one further on
  // than counting the rows read from the header would say
  const dir = await Deno.makeTempDir();
  try {
    const refusal = async (rows: Record<number, Record<string, Value>>) => {
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet(DATA_SHEET);
      sheet.getRow(1).values = [...COLUMN_NAMES];
      for (const [number, cells] of Object.entries(rows)) {
        sheet.getRow(Number(number)).values = COLUMN_NAMES.map((name) => cells[name] ?? null);
      }
      const path = `${dir}/export.xlsx`;
      await workbook.xlsx.writeFile(path);
      return await exportFrameFromXlsxFile(path, { source: "export.xlsx" }).then(
        () => "read",
        (error) => (error as Error).message,
      );
    };
    assertEquals(
      await refusal({
        2: { org_id: "a" },
        4: { seats: 4 },
        5: { org_id: "b" },
        6: { org_name: "Ghost" },
      }),
      "export.xlsx rows 4, 6 have no org_id: fill in each organization's org_id, or delete the row",
    );
    assertEquals(
      await refusal({ 2: { org_id: "a" }, 4: { org_id: "b", seats: -5 } }),
      "export.xlsx row 4, column seats: -5 is a negative count (counts are 0 or more)",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
