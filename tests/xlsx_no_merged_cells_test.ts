/**
 * No sheet of the workbook has a merged cell (revenue-rules.md, "Handing files to an AI
 * assistant"): a reader gets a merged range's text in its first cell and blanks in the rest. The
 * summary sheet breaks its long lines into rows instead (textLines), read here by ExcelJS and by
 * openpyxl, on a demo export with every kind of sheet: summary, pricing_data, the segments', the
 * history's four and the dictionary.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { join } from "node:path";
import { textLines } from "../lib/formats/xlsx.ts";
import { runExport } from "../lib/export.ts";
import { run } from "./economics_workbook.ts";

/** Every sheet's merged ranges as openpyxl reads them, by sheet name. */
async function openpyxlMerges(path: string): Promise<Record<string, string[]>> {
  const script = `
import json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
print(json.dumps({ws.title: [str(r) for r in ws.merged_cells.ranges] for ws in book.worksheets}))
`;
  return JSON.parse(await run("/usr/bin/python3", ["-c", script, path]));
}

/** Every sheet's merged ranges as ExcelJS reads them, by sheet name. */
async function excelJsMerges(path: string): Promise<Record<string, string[]>> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  return Object.fromEntries(
    workbook.worksheets.map((sheet) => [sheet.name, sheet.model.merges ?? []]),
  );
}

Deno.test("both readers see a merged range where there is one (the check below can fail)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pricing-kit-merges-" });
  try {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("merged");
    sheet.getCell("A1").value = "a line across A to C";
    sheet.mergeCells("A1:C1");
    const path = join(dir, "merged.xlsx");
    await workbook.xlsx.writeFile(path);
    assertEquals(await excelJsMerges(path), { merged: ["A1:C1"] });
    assertEquals(await openpyxlMerges(path), { merged: ["A1:C1"] });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("no sheet of a demo export's workbook has a merged cell (ExcelJS and openpyxl)", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "pricing-kit-merges-" });
  try {
    const base = {
      demo: true,
      outDir,
      charts: false,
      segments: true,
      formats: ["xlsx" as const],
      env: {},
      quiet: true,
      log: () => {},
    };
    // a month earlier first, so the second export's workbook has the history's sheets
    await runExport({ ...base, asOf: new Date("2026-10-01T00:00:00Z") });
    await runExport({ ...base, asOf: new Date("2026-11-01T00:00:00Z") });
    const path = join(outDir, "helicone_pricing_data_2026-11-01_demo.xlsx");
    const byExcelJs = await excelJsMerges(path);
    const names = Object.keys(byExcelJs);
    for (
      const name of [
        "summary",
        "pricing_data",
        "history",
        "history_retention",
        "history_cohorts",
        "history_by_currency",
        "dictionary",
      ]
    ) ok(names.includes(name), `${name} in ${names.join(", ")}`);
    ok(names.length > 7, `segment sheets too: ${names.join(", ")}`);
    assertEquals(byExcelJs, Object.fromEntries(names.map((name) => [name, []])));
    assertEquals(await openpyxlMerges(path), Object.fromEntries(names.map((name) => [name, []])));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("textLines: lines of at most the width, joined by spaces the text; a guarded word or a second space never starts one", () => {
  assertEquals(textLines("one two three four", 9), ["one two", "three", "four"]);
  // a word longer than a line is a line of its own, whole
  assertEquals(textLines("a averyveryverylongword b", 8), ["a", "averyveryverylongword", "b"]);
  // "-104.4 %" would get the formula guard's ' at a cell's start: it stays with the word before
  assertEquals(textLines("margin is -104.4 % here", 10), ["margin is -104.4", "% here"]);
  assertEquals(textLines("a =b @c +d", 2), ["a =b @c +d"]);
  // two spaces: the break after the second, so no line starts with a space
  const spaced = textLines("abc  def", 4);
  assertEquals(spaced, ["abc ", "def"]);
  assertEquals(spaced.join(" "), "abc  def");
  // the text's own line breaks are breaks
  assertEquals(textLines("first\nsecond line", 40), ["first", "second line"]);
  assertEquals(textLines("", 10), [""]);
});
