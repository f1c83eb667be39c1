/**
 * A name holding XML entity text (`AT&amp;T`, `&lt;b&gt;`) in the kit's XLSX: ExcelJS's reader
 * resolves the entities a second time in the kit's `t="str"` text cells (`AT&amp;T` reads `AT&T`),
 * openpyxl reads the text as written. The kit's own read path for an XLSX (readExportFile:
 * `compare`, `scenario --input`, `history import`, the MCP server, the questions notebook) reads it
 * as written too, so an analyst's data is not changed by it; ExcelJS reads nothing in lib/.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import { DATA_SHEET, writeXlsxFile } from "../lib/formats/xlsx.ts";

const NAMES = ["AT&amp;T", "&lt;b&gt;bold&lt;/b&gt;", "Q&A &amp;amp; more", "plain & simple"];

Deno.test("XLSX text with entity-like text: the kit's reader and openpyxl read it as written, ExcelJS resolves it again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "xlsx_entities_" });
  try {
    const path = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    const frame = exportFrameFromColumns({
      org_id: NAMES.map((_, i) => `o${i}`),
      org_name: NAMES,
      mrr: NAMES.map(() => 10),
    });
    await writeXlsxFile(frame, path, { documentDate: new Date("2026-11-01T00:00:00Z") });
    // the kit's read path
    const read = await readExportFile(path);
    assertEquals(read.frame.getColumn("org_name").toArray(), NAMES);
    // openpyxl (Debian's python3-openpyxl), as Excel and LibreOffice read it
    const script =
      `import openpyxl,json,sys\nws=openpyxl.load_workbook(sys.argv[1])[sys.argv[2]]\nh=[c.value for c in ws[1]]\ni=h.index("org_name")\nprint(json.dumps([r[i] for r in ws.iter_rows(min_row=2,values_only=True)]))`;
    const out = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", script, path, DATA_SHEET],
    })
      .output();
    ok(out.success, new TextDecoder().decode(out.stderr));
    assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)), NAMES);
    // ExcelJS: the entities resolved once more (why the kit does not read with it)
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const sheet = workbook.getWorksheet(DATA_SHEET)!;
    const header = (sheet.getRow(1).values as unknown[]).indexOf("org_name");
    const excelJs = NAMES.map((_, i) => sheet.getRow(i + 2).getCell(header).value);
    assertEquals(excelJs, ["AT&T", "<b>bold</b>", "Q&A &amp; more", "plain & simple"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
