/**
 * The XLSX workbook (lib/formats/xlsx.ts, its data sheet streamed) read back by three independent
 * readers (ExcelJS, openpyxl, LibreOffice headless) with every feature: typed cells, formats,
 * frozen header, autofilter, widths, the dictionary and extra sheets, document properties, and
 * printed. tests/xlsx_stream_test.ts checks its bytes against ExcelJS's own.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { COLUMN_NAMES, COLUMN_NOTES, COLUMNS } from "../lib/frame/columns.ts";
import { columnValues, neutraliseText } from "../lib/formats/cells.ts";
import { BOOLEAN_FORMAT, DATA_SHEET, writeXlsx } from "../lib/formats/xlsx.ts";
import { columnLetters } from "../lib/formats/xlsx_stream.ts";
import { entryBytes, readZipEntries } from "../lib/formats/zip.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { frame, writtenEntries } from "./xlsx_fixture.ts";
import { sofficeConvert } from "./libreoffice.ts";

/** The dictionary sheet: its header, a row per column, a blank row, the notes' header and notes. */
const DICTIONARY_ROWS = 1 + COLUMNS.length + 2 + COLUMN_NOTES.length;

// named streamed.xlsx: LibreOffice names what it converts after it
const dir = await Deno.makeTempDir();
const streamedPath = `${dir}/streamed.xlsx`;
await writtenEntries(writeXlsx, streamedPath);

/** What each cell should read as: values of the frame, text neutralised, non-finite empty. */
function expected(name: string): unknown[] {
  const def = COLUMNS.find((c) => c.name === name)!;
  return columnValues(frame, def).map((v) => {
    if (v === null) return null;
    if (def.type === "string") {
      // XML cannot hold them: the writers give them in OOXML's escape, which these three
      // readers leave as written in a t="str" cell (tests/xlsx_text_test.ts decodes it)
      return neutraliseText(String(v)).replace(
        // deno-lint-ignore no-control-regex -- the characters escaped
        /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]/g,
        (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}_`,
      );
    }
    if (def.type === "number" || def.type === "integer") {
      return Number.isFinite(v as number) ? v : null;
    }
    return v;
  });
}

Deno.test("ExcelJS reads the streamed workbook: typed cells, formats, view, filter, widths, sheets", async () => {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(streamedPath);
  assertEquals(workbook.worksheets.map((w) => w.name), [DATA_SHEET, "dictionary", "segment_ a_b"]);
  assertEquals(workbook.creator, "pricing-kit");
  const sheet = workbook.getWorksheet(DATA_SHEET)!;
  assertEquals(sheet.rowCount, frame.height + 1);
  assertEquals(sheet.views[0].state, "frozen");
  assertEquals((sheet.views[0] as { ySplit?: number }).ySplit, 1);
  // over the header and the data, as Excel saves it
  assertEquals(sheet.autoFilter, `A1:${columnLetters(COLUMNS.length - 1)}${frame.height + 1}`);
  assertEquals((sheet.getRow(1).values as unknown[]).slice(1), COLUMN_NAMES);
  ok(sheet.getRow(1).getCell(1).font?.bold, "bold header");
  COLUMNS.forEach((def, i) => {
    const column = sheet.getColumn(i + 1);
    ok(column.width === undefined || column.width >= 8, `${def.name} width`);
    const want = expected(def.name);
    for (let r = 0; r < frame.height; r++) {
      const cell = sheet.getRow(r + 2).getCell(i + 1).value;
      const value = def.type === "datetime" && cell instanceof Date ? cell.getTime() : cell;
      assertEquals(value ?? null, want[r], `${def.name} row ${r + 2}`);
    }
  });
  assertEquals(sheet.getCell("I2").numFmt, '"$"#,##0.00'); // llm_cost_30d, USD
  assertEquals(sheet.getCell("D3").numFmt, "yyyy-mm-dd hh:mm:ss"); // created_at
  assertEquals(workbook.getWorksheet("dictionary")!.rowCount, DICTIONARY_ROWS);
  assertEquals(workbook.getWorksheet("segment_ a_b")!.rowCount, 4);
});

Deno.test("openpyxl reads the streamed workbook the same", async () => {
  const script = `
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["${DATA_SHEET}"]
def plain(v):
    if isinstance(v, datetime.datetime):
        return int(v.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)
    return v
print(json.dumps({
    "sheets": wb.sheetnames,
    "creator": wb.properties.creator,
    "freeze": ws.freeze_panes,
    "filter": ws.auto_filter.ref,
    "rows": [[plain(c.value) for c in row] for row in ws.iter_rows()],
    "formats": {c.coordinate: c.number_format for c in ws[3]},
    "width_A": ws.column_dimensions["A"].width,
    "dictionary_rows": wb["dictionary"].max_row,
}))
`;
  const output = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, streamedPath],
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(output.success, new TextDecoder().decode(output.stderr));
  const read = JSON.parse(new TextDecoder().decode(output.stdout));
  assertEquals(read.sheets, [DATA_SHEET, "dictionary", "segment_ a_b"]);
  assertEquals(read.creator, "pricing-kit");
  assertEquals(read.freeze, "C2"); // header and org_id, org_name frozen
  assertEquals(read.filter, `A1:${columnLetters(COLUMNS.length - 1)}${frame.height + 1}`);
  assertEquals(read.rows.length, frame.height + 1);
  assertEquals(read.rows[0], COLUMN_NAMES);
  COLUMNS.forEach((def, i) => {
    const want = expected(def.name);
    for (let r = 0; r < frame.height; r++) {
      const got = read.rows[r + 1][i];
      if (def.type === "datetime" && want[r] !== null) {
        // openpyxl rounds the serial day fraction to whole microseconds
        ok(Math.abs(got - (want[r] as number)) <= 1, `${def.name} row ${r + 2}`);
      } else {
        assertEquals(got, want[r], `${def.name} row ${r + 2}`);
      }
    }
  });
  assertEquals(read.formats.I3, '"$"#,##0.00');
  assertEquals(read.formats.F3, "#,##0");
  assertEquals(read.formats.B3, "General");
  ok(read.width_A > 30, "org_id column sized to its UUIDs");
  assertEquals(read.dictionary_rows, DICTIONARY_ROWS);
});

Deno.test("LibreOffice headless opens the streamed workbook: every sheet, every value", async () => {
  const out = await Deno.makeTempDir();
  await sofficeConvert(streamedPath, {
    // UTF-8, raw values (not as shown), every sheet
    to: "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false,false,-1",
    outDir: out,
  });
  const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  assertEquals(files, [
    "streamed-dictionary.csv",
    `streamed-${DATA_SHEET}.csv`,
    "streamed-segment_ a_b.csv",
  ]);
  const csv = parseCsvRecords(await Deno.readTextFile(`${out}/streamed-${DATA_SHEET}.csv`));
  assertEquals(csv.header, COLUMN_NAMES);
  assertEquals(csv.records.length, frame.height);
  COLUMNS.forEach((def) => {
    const want = expected(def.name);
    for (let r = 0; r < frame.height; r++) {
      const got = csv.records[r][def.name];
      const where = `${def.name} row ${r + 2}`;
      if (want[r] === null) assertEquals(got, "", where);
      else if (def.type === "string") assertEquals(got, want[r], where);
      else if (def.type === "boolean") assertEquals(got, want[r] ? "TRUE" : "FALSE", where);
      else if (def.type === "datetime") {
        const seconds = Date.parse(got.replace(" ", "T") + "Z");
        ok(Math.abs(seconds - (want[r] as number)) <= 1000, where);
      } else {
        const n = Number(got);
        const w = want[r] as number;
        ok(Math.abs(n - w) <= Math.abs(w) * 1e-14, `${where}: ${got} vs ${w}`);
      }
    }
  });
  // its autofilters kept, with their buttons (without the hidden _FilterDatabase names it
  // dropped them, and a file it saved again had none)
  await sofficeConvert(streamedPath, { to: "ods", outDir: out });
  const content = new TextDecoder().decode(
    entryBytes(
      readZipEntries(await Deno.readFile(`${out}/streamed.ods`)).find((e) =>
        e.name === "content.xml"
      )!,
    ),
  );
  const ranges = [...content.matchAll(/<table:database-range [^>]*>/g)].map((m) => m[0]);
  const last = columnLetters(COLUMNS.length - 1);
  ok(
    ranges.some((r) =>
      r.includes(
        `table:target-range-address="${DATA_SHEET}.A1:${DATA_SHEET}.${last}${frame.height + 1}"`,
      ) && r.includes('table:display-filter-buttons="true"')
    ),
    ranges.join("\n"),
  );
  ok(ranges.some((r) => r.includes("A1:") && r.includes('.C4"')), ranges.join("\n"));
  await Deno.remove(out, { recursive: true });
});

Deno.test("dictionary: formula and description wrap in rows tall enough; LibreOffice prints every description whole", async () => {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(streamedPath);
  const sheet = workbook.getWorksheet("dictionary")!;
  assertEquals(sheet.pageSetup.orientation, "landscape");
  assertEquals(sheet.pageSetup.fitToWidth, 1);
  assertEquals(sheet.pageSetup.printTitlesRow, "1:1");
  COLUMNS.forEach((def, i) => {
    const row = sheet.getRow(i + 2);
    assertEquals(row.getCell(6).value, def.description);
    ok(row.getCell(5).alignment?.wrapText && row.getCell(6).alignment?.wrapText, def.name);
    // at least the lines the text needs even if a line held 20 % more characters than the
    // column is wide (100 for the description)
    const lines = Math.ceil(def.description.length / 120);
    ok((row.height ?? 15) >= 15 * lines, `${def.name}: ${row.height} pt for ${lines} lines`);
  });
  // Cut off at column G before (the description did not wrap): every description is in the PDF.
  const out = await Deno.makeTempDir();
  try {
    await sofficeConvert(streamedPath, { to: "pdf", outDir: out });
    const text = await new Deno.Command("pdftotext", {
      args: ["-raw", `${out}/streamed.pdf`, "-"],
      stdout: "piped",
    }).output();
    const printed = new TextDecoder().decode(text.stdout).replace(/\s+/g, "");
    for (const def of COLUMNS) {
      ok(printed.includes(def.description.replace(/\s+/g, "")), `${def.name}'s description cut`);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test('booleans: t="b" cells with a TRUE/FALSE format; ExcelJS and openpyxl read booleans, LibreOffice prints TRUE/FALSE', async () => {
  const booleans = COLUMNS.filter((def) => def.type === "boolean").map((def) => def.name);
  ok(booleans.includes("is_ptb") && booleans.includes("cancel_at_period_end"), booleans.join());
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(streamedPath);
  const sheet = workbook.getWorksheet(DATA_SHEET)!;
  for (const name of booleans) {
    const cells = Array.from(
      { length: frame.height },
      (_, r) => sheet.getRow(r + 2).getCell(COLUMN_NAMES.indexOf(name) + 1),
    );
    ok(cells.some((cell) => cell.value !== null), `${name} has values`);
    for (const cell of cells) {
      ok(cell.value === null || typeof cell.value === "boolean", `${name} ${cell.address}`);
      assertEquals(cell.numFmt, BOOLEAN_FORMAT, name);
    }
  }
  // the dictionary's "in spec" booleans the same
  assertEquals(workbook.getWorksheet("dictionary")!.getCell("G2").numFmt, BOOLEAN_FORMAT);
  const script = `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["${DATA_SHEET}"]
header = [c.value for c in ws[1]]
print(json.dumps({n: [type(r[header.index(n)].value).__name__ for r in ws.iter_rows(min_row=2, max_row=4)] for n in sys.argv[2:]}))
`;
  const output = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, streamedPath, ...booleans],
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(output.success, new TextDecoder().decode(output.stderr));
  const types = JSON.parse(new TextDecoder().decode(output.stdout));
  for (const name of booleans) {
    ok(
      types[name].every((t: string) => t === "bool" || t === "NoneType"),
      `${name}: ${types[name]}`,
    );
  }
  // Printed (PDF), LibreOffice showed 1/0: the page with is_ptb's header prints TRUE/FALSE on
  // every organization's line (is_ptb, is_byok, has_gateway_only: three a line).
  const out = await Deno.makeTempDir();
  try {
    await sofficeConvert(streamedPath, { to: "pdf", outDir: out });
    const pdf = `${out}/streamed.pdf`;
    const text = new TextDecoder().decode(
      (await new Deno.Command("pdftotext", { args: ["-layout", pdf, "-"], stdout: "piped" })
        .output())
        .stdout,
    );
    const page = text.split("\f").find((p) => /\bis_ptb\s+is_byok\b/.test(p));
    ok(page, "a page with is_ptb, is_byok");
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/;
    const lines = page.split("\n").filter((line) => uuid.test(line));
    ok(lines.length > 10, `${lines.length} organization lines`);
    for (const line of lines) {
      ok((line.match(/\b(TRUE|FALSE)\b/g) ?? []).length >= 2, line);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("segment sheets freeze and print as pricing_data: org_id, org_name and the header on every page", async () => {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(streamedPath);
  const segment = workbook.getWorksheet("segment_ a_b")!;
  const view = segment.views[0] as { state: string; xSplit?: number; ySplit?: number };
  assertEquals({ state: view.state, xSplit: view.xSplit, ySplit: view.ySplit }, {
    state: "frozen",
    xSplit: 2,
    ySplit: 1,
  });
  assertEquals(segment.pageSetup.orientation, "landscape");
  assertEquals(segment.pageSetup.scale, 60);
  assertEquals(segment.pageSetup.printTitlesRow, "1:1");
  assertEquals(segment.pageSetup.printTitlesColumn, "A:B");
  const script = `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["segment_ a_b"]
print(json.dumps([ws.freeze_panes, str(ws.print_title_rows), str(ws.print_title_cols), ws.page_setup.orientation]))
`;
  const output = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, streamedPath],
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(output.success, new TextDecoder().decode(output.stderr));
  assertEquals(JSON.parse(new TextDecoder().decode(output.stdout)), [
    "C2",
    "$1:$1",
    "$A:$B",
    "landscape",
  ]);
});

Deno.test("percent cells hold 96.6 for 96.6 % and the dictionary's unit says so (openpyxl)", async () => {
  // gross_margin_pct of the first organization with one, as the frame holds it (× 100 already)
  const margins = frame.getColumn("gross_margin_pct").toArray() as (number | null)[];
  const row = margins.findIndex((m) => m !== null && Number.isFinite(m));
  const script = `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
data, dictionary = wb["${DATA_SHEET}"], wb["dictionary"]
column = [c.value for c in data[1]].index("gross_margin_pct") + 1
cell = data.cell(row=int(sys.argv[2]) + 2, column=column)
units = {r[0].value: r[2].value for r in dictionary.iter_rows(min_row=2)}
print(json.dumps({"value": cell.value, "format": cell.number_format, "units": units}))
`;
  const output = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, streamedPath, String(row)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(output.success, new TextDecoder().decode(output.stderr));
  const read = JSON.parse(new TextDecoder().decode(output.stdout));
  // the cell is the percentage itself, shown with a literal "%": a formula divides it by 100
  assertEquals([read.value, read.format], [margins[row], '#,##0.0"%"']);
  const words = "percent: 96.6 means 96.6 % (÷ 100 for a fraction)";
  for (const def of COLUMNS) {
    assertEquals(read.units[def.name], def.unit === "percent" ? words : def.unit, def.name);
  }
  ok(read.units["seat_utilization_pct"] === words);
});
