/**
 * Round trips under a seeded random generator (tests/hostile_values.ts): export frames with hostile
 * text (bidi, zero-width, lone surrogates, NUL, CR/LF, quotes, formula starts, markup, 40,000
 * characters), numbers at a double's edges, nulls and dates from 2 BC to 10000 are written by the
 * kit's CSV, XLSX and Parquet snapshot writers and read back by the readers compare, scenario
 * --input, history import and the MCP server use (readExportFile). What comes back is what went in,
 * within the documented rules (README "Output files", docs/analysis.md): an empty text and an
 * unknown number read as empty (null); the CSV writes numbers at 12 significant digits (whole
 * numbers below 1e21 exactly); the XLSX cuts text at Excel's 32,767 UTF-16 units (the formula
 * guard's `'` counted, never between a surrogate pair's halves); the formula guard's `'` is taken
 * off again. A failure names its seed; PROPERTY_SEED=<n> repeats it.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import ExcelJS from "exceljs";
import pl from "nodejs-polars";
import { COLUMNS } from "../lib/frame/columns.ts";
import { csvChunks, writeCsvFile } from "../lib/formats/csv.ts";
import { writeCsvWithSubset } from "../lib/formats/csv_files.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { exportFrameFromCsvRows, exportFrameFromCsvText } from "../lib/formats/read_export_csv.ts";
import { readExportFile } from "../lib/formats/read_export.ts";
import { DATA_SHEET, writeXlsxFile } from "../lib/formats/xlsx.ts";
import { decodeXstring } from "../lib/formats/read_xlsx.ts";
import { neutraliseText } from "../lib/formats/formula_guard.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import {
  differences,
  expectedBack,
  forEachSeed,
  hostileExportFrame,
  plainValues,
} from "./hostile_values.ts";

/** The differences' lines, for an assertion that shows them. */
function differenceLines(...lists: ReturnType<typeof differences>[]): string[] {
  return lists.flat().map((d) => d.text);
}

const asOf = new Date("2026-11-01T00:00:00Z");

/** The frame with every non-finite number unknown (null), as the pipeline's frame holds them. */
function finiteNumbers(frame: pl.DataFrame): pl.DataFrame {
  return frame.withColumns(
    ...COLUMNS.filter((def) => def.type === "number").map((def) =>
      pl.when(pl.col(def.name).isFinite()).then(pl.col(def.name)).otherwise(pl.lit(null))
        .alias(def.name)
    ),
  );
}

Deno.test("CSV text: hostile frames read back as written, by the columnar and the row reader alike", async () => {
  await forEachSeed({ count: 25 }, (random) => {
    const frame = hostileExportFrame(random);
    const text = [...csvChunks(frame)].join("");
    const back = exportFrameFromCsvText(text, { source: "hostile.csv" });
    assertEquals(differenceLines(differences(frame, back, "csv")), []);
    // the row reader (parseCsv: what a file Polars cannot read takes) reads it the same
    const rows = exportFrameFromCsvRows(text, { source: "hostile.csv" });
    ok(rows.frameEqual(back, true), "the row reader's frame is the columnar reader's");
    // written again, the same bytes: the guard's `'` comes back where it was
    assertEquals([...csvChunks(back)].join(""), text);
  });
});

Deno.test("the export's CSV writer, in slices, on a second thread and with its subset file, writes csvChunks' bytes for hostile frames", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await forEachSeed({ count: 3 }, async (random, seed) => {
      const frame = hostileExportFrame(random, 4 + random.int(12));
      const keep = Uint8Array.from({ length: frame.height }, () => random.int(2));
      const [path, subset] = ["all", "kept"].map((name) => join(dir, `${seed}-${name}.csv`));
      await writeCsvWithSubset(frame, {
        path,
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        subset: { path: subset, keep },
        offThread: true,
        sliceRows: 1 + random.int(4),
      });
      assertEquals(await Deno.readTextFile(path), [...csvChunks(frame)].join(""));
      const kept = frame.filter(pl.Series(Array.from(keep, (k) => k === 1)));
      assertEquals(await Deno.readTextFile(subset), [...csvChunks(kept)].join(""));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CSV, XLSX and Parquet snapshot files: hostile frames read back by readExportFile as written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await forEachSeed({ count: 8 }, async (random, seed) => {
      const frame = hostileExportFrame(random);
      const folder = join(dir, `seed-${seed}`);
      await Deno.mkdir(folder);
      const csv = join(folder, "helicone_pricing_data_2026-11-01.csv");
      const xlsx = join(folder, "helicone_pricing_data_2026-11-01.xlsx");
      await writeCsvFile(frame, csv);
      await writeXlsxFile(frame, xlsx, { documentDate: asOf });
      // the pipeline's frame holds no NaN or infinity (lib/frame/metrics.ts): a snapshot of one
      // is refused as it is read (read_export_non_finite_test.ts)
      const finite = finiteNumbers(frame);
      const snapshot = await writeSnapshot(finite, {
        dir: join(folder, "history"),
        asOf,
        demo: false,
        origin: "export",
      });
      const found = differenceLines(
        differences(frame, (await readExportFile(csv)).frame, "csv"),
        differences(frame, (await readExportFile(xlsx)).frame, "xlsx"),
        differences(finite, (await readExportFile(snapshot.path)).frame, "parquet"),
      );
      assertEquals(found, []);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Text as ExcelJS 4.4 reads a `t="str"` cell (the kit's text cells, as ExcelJS's own row model
 * writes them): after the XML parser, its cell reader resolves the five named entities a second
 * time (lib/xlsx/xform/sheet/cell-xform.js, utils.xmlDecode), so a name holding the text `&amp;`
 * reads there as `&`. Excel, openpyxl, LibreOffice and the kit's readers read the text as written.
 */
function excelJsEntitiesResolved(text: string): string {
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };
  return text.replace(/&([a-z]*);/g, (all, name: string) => named[name] ?? all);
}

Deno.test("XLSX read by ExcelJS: typed numbers, booleans and dates; text as written, the guard's ' first, named entities resolved once more", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await forEachSeed({ count: 6 }, async (random, seed) => {
      const frame = hostileExportFrame(random);
      const path = join(dir, `hostile-${seed}.xlsx`);
      await writeXlsxFile(frame, path, { documentDate: asOf });
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(path);
      const sheet = workbook.getWorksheet(DATA_SHEET)!;
      const found: string[] = [];
      COLUMNS.forEach((def, c) => {
        const want = plainValues(frame, def.name).map((v) =>
          expectedBack(v, { type: def.type, format: "xlsx" })
        );
        for (let row = 0; row < frame.height; row++) {
          const cell = sheet.getRow(row + 2).getCell(c + 1).value ?? null;
          let got: unknown = cell;
          if (def.type === "string" && typeof cell === "string") {
            // ExcelJS leaves `_x0001_` escapes as they are (README, Output files)
            got = decodeXstring(cell);
            if (typeof want[row] === "string") {
              want[row] = excelJsEntitiesResolved(neutraliseText(want[row] as string));
            }
          } else if (def.type === "datetime" && cell instanceof Date) got = cell.getTime();
          else if (def.type === "datetime" && typeof cell === "string") {
            got = Date.parse(cell); // before 1900-03-01: ISO text (earlyDateText)
          }
          if (!Object.is(got, want[row]) && !(got === 0 && want[row] === 0)) {
            found.push(
              `${def.name} row ${row}: wrote ${
                JSON.stringify(want[row])?.slice(0, 120)
              }, ExcelJS read ${JSON.stringify(cell)?.slice(0, 120)}`,
            );
          }
        }
      });
      assertEquals(found, []);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
