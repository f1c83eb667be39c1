/**
 * The workbook's summary sheet in words: formula-like plan names guarded as on pricing_data, its
 * window and dates under the title, the run's warnings wrapped as data, cells cut to Excel's limit.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { join } from "node:path";
import { loadPriceBook } from "../lib/economics/mod.ts";
import { type XlsxWritten } from "../lib/formats/xlsx.ts";
import { windowWarning } from "../lib/frame/monthly.ts";
import { xlsxCutWarning } from "../lib/formats/export_files.ts";
import { demoWorkbookExport, writeFixtureWorkbook } from "./economics_workbook.ts";

Deno.test("summary sheet: price-book plan names that look like formulas get the guard's ' as on pricing_data (openpyxl)", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    // the built-in price book with three plans renamed to formula-like text
    const renamed: Record<string, string> = {
      "pro 2025-12-10": '=HYPERLINK("http://evil.example","pro")',
      "pro (seat, legacy)": "+pro new",
      "team (bundle, legacy)": "@team legacy",
    };
    const book = JSON.parse(await Deno.readTextFile((await loadPriceBook({})).file));
    for (const plan of book.plans) plan.name = renamed[plan.name] ?? plan.name;
    const bookPath = join(outDir, "hostile_book.json");
    await Deno.writeTextFile(bookPath, JSON.stringify(book));
    const result = await demoWorkbookExport(outDir, { PRICING_PRICE_BOOK: bookPath });
    const path = result.files.find((file) => file.endsWith(".xlsx"))!;
    // every text cell of each sheet that holds one of the names, as openpyxl reads it
    const script = `
import json, sys, openpyxl
names = json.loads(sys.argv[2])
found = {}
for ws in openpyxl.load_workbook(sys.argv[1]).worksheets:
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and any(n in c.value for n in names):
                found.setdefault(ws.title, []).append([c.coordinate, c.value, c.data_type])
print(json.dumps(found))
`;
    const names = Object.values(renamed);
    const output = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", script, path, JSON.stringify(names)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    ok(output.success, new TextDecoder().decode(output.stderr));
    const found = JSON.parse(new TextDecoder().decode(output.stdout)) as Record<
      string,
      [string, string, string][]
    >;
    const guarded = names.map((name) => `'${name}`);
    // summary: each name in the per-plan table's two blocks and in the price book, 3 × 3 = 9
    // cells, all in column A, each the name with one ' before it, text not a formula
    // (the notes on unbilled and on discounted metered usage name the renamed pro 2025-12-10
    // plan inside their text, quoted and not at its start, so no guard: the two cells besides the
    // names themselves)
    const notes = (found.summary ?? []).filter(([, value]) =>
      value.startsWith("Unbilled metered usage: ") || value.startsWith("Discounted metered usage: ")
    );
    assertEquals(notes.length, 2, JSON.stringify(notes));
    ok(notes[0][1].includes(` on "${renamed["pro 2025-12-10"]}" and `), notes[0][1]);
    ok(notes[1][1].includes(` on "${renamed["pro 2025-12-10"]}" were billed`), notes[1][1]);
    const summary = (found.summary ?? []).filter((cell) => !notes.includes(cell));
    assertEquals(summary.length, 9, JSON.stringify(summary));
    for (const [at, value, type] of summary) {
      ok(at.startsWith("A") && guarded.includes(value) && type === "s", `${at} ${value}`);
    }
    assertEquals(new Set(summary.map(([, value]) => value)), new Set(guarded));
    // the same text as pricing_data's plan column holds
    ok((found.pricing_data ?? []).length > 0);
    for (const [at, value] of found.pricing_data) ok(guarded.includes(value), `${at} ${value}`);
    // the dictionary names no plan
    assertEquals(found.dictionary, undefined);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("summary sheet says its window with its dates under the title, 30 days too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const secondRow = async (windowDays: number) => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(
        await writeFixtureWorkbook(dir, {
          windowDays,
          charts: () => ({ names: [], pngs: Promise.resolve([]) }),
        }),
      );
      const rows = workbook.getWorksheet("summary")!.getSheetValues() as unknown[][];
      return { second: rows[2]?.[1], third: rows[3]?.[1] };
    };
    // as of 2026-11-01 00:00 UTC: [2026-10-25, 2026-11-01) is the days Oct 25 to Oct 31; 182
    // characters, past the 168 of a line as wide as A–J (153 × 1.1): two rows, no merged cell
    const note =
      "Window: 7 days, 2026-10-25 to 2026-10-31 (as of 2026-11-01 00:00 UTC) — the *_30d columns hold 7-day values; margins and other ratios against MRR put usage on a 30-day basis (× 30/7)";
    assertEquals(note.length, 182);
    assertEquals(await secondRow(7), {
      second: note.slice(0, note.lastIndexOf(" basis (× 30/7)")),
      third: "basis (× 30/7)",
    });
    // 30 days, [2026-10-02, 2026-11-01): the title names only the as-of's date, this the period
    assertEquals(await secondRow(30), {
      second: "Window: 30 days, 2026-10-02 to 2026-10-31 (as of 2026-11-01 00:00 UTC)",
      third: undefined,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("summary sheet lists the run's warnings under the title, a row each, as data (ExcelJS, openpyxl)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const warnings = [
      "Stripe skipped: revenue columns are empty",
      '=HYPERLINK("http://x") tier <b>"a" & b</b>',
      // data quoted in a warning: what XML cannot hold broke the workbook; a CR read back as LF
      'unknown tier values exported as tier "other": "pro\uFFFF\uFFFE\x01\x7F", and a CR\r',
      // a right-to-left override drew the rest of the warning reversed; tag characters hid text
      'unknown tier values exported as tier "other": "ent\u202eerprise\u{e0049}"',
    ];
    // as ExcelJS and openpyxl show it: OOXML's escape as written (tests/xlsx_text_test.ts)
    const shown =
      'unknown tier values exported as tier "other": "pro_xFFFF__xFFFE__x0001__x007F_", and a CR\r';
    const path = await writeFixtureWorkbook(dir, {
      warnings,
      charts: () => ({ names: [], pngs: Promise.resolve([]) }),
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const summary = workbook.getWorksheet("summary")!;
    const rows = summary.getSheetValues() as unknown[][];
    const heading = rows.findIndex((r) => r?.[1] === "Warnings from this run");
    ok(heading > 1 && heading < 5, `heading at row ${heading}`);
    // formula-like text neutralised with ', markup kept as text
    const hiddenDropped = 'unknown tier values exported as tier "other": "enterprise"';
    assertEquals(
      [rows[heading + 1][1], rows[heading + 2][1], rows[heading + 3][1], rows[heading + 4][1]],
      [warnings[0], `'${warnings[1]}`, shown, hiddenDropped],
    );
    // a line each, in column A, running on over the empty cells to its right (not merged)
    const cell = summary.getCell(heading + 2, 1);
    assertEquals(cell.isMerged, false);
    assertEquals(summary.getCell(heading + 2, 2).value, null);
    ok(summary.getCell(heading + 2, 1).formula === undefined, "not a formula");
    const script = `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["summary"]
print(json.dumps([[c.value, c.data_type] for c in ws["A"][:8]]))
`;
    const output = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", script, path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    ok(output.success, new TextDecoder().decode(output.stderr));
    const read = JSON.parse(new TextDecoder().decode(output.stdout)) as [string, string][];
    const at = read.findIndex(([v]) => v === "Warnings from this run");
    assertEquals(read.slice(at + 1, at + 5), [
      [warnings[0], "s"],
      [`'${warnings[1]}`, "s"],
      [shown, "s"],
      [hiddenDropped, "s"],
    ]);
    // no warnings: no heading
    const none = new ExcelJS.Workbook();
    await none.xlsx.readFile(
      await writeFixtureWorkbook(dir, { charts: () => ({ names: [], pngs: Promise.resolve([]) }) }),
    );
    ok(
      !(none.getWorksheet("summary")!.getSheetValues() as unknown[][])
        .some((r) => r?.[1] === "Warnings from this run"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("summary sheet warns of the cells cut to Excel's limit, as many as the writer cut (UTF-16 units, the guard's ')", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let written: XlsxWritten | undefined;
    const path = await writeFixtureWorkbook(dir, {
      warnings: ["Stripe skipped: revenue columns are empty"],
      names: [
        "x".repeat(40_000), // cut
        "y".repeat(32_766) + "🚀", // 32,768 units: cut
        "z".repeat(32_767), // the limit: kept
        "=" + "w".repeat(32_766), // 32,768 with the guard's ': cut
        "🚀".repeat(16_384), // 16,384 characters, 32,768 units: cut
        "🚀".repeat(16_383) + "v", // 32,767 units: kept
      ],
      written: (w) => written = w,
      charts: () => ({ names: [], pngs: Promise.resolve([]) }),
    });
    assertEquals(written, { cutCells: 4 });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const rows = workbook.getWorksheet("summary")!.getSheetValues() as unknown[][];
    const heading = rows.findIndex((r) => r?.[1] === "Warnings from this run");
    assertEquals([rows[heading + 1][1], rows[heading + 2][1]], [
      "Stripe skipped: revenue columns are empty",
      xlsxCutWarning(4),
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("summary sheet of a 7-day export says its window once: the window note, not again among the warnings", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeFixtureWorkbook(dir, {
      windowDays: 7,
      warnings: ["Stripe skipped: revenue columns are empty", windowWarning(7)!],
      charts: () => ({ names: [], pngs: Promise.resolve([]) }),
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const texts = (workbook.getWorksheet("summary")!.getSheetValues() as unknown[][])
      .map((r) => String(r?.[1] ?? ""));
    assertEquals(texts.filter((t) => t.includes("7 days") || t.includes("window is 7")).length, 1);
    ok(texts.includes("Stripe skipped: revenue columns are empty"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
