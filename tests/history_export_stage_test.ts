/**
 * The export's history stage (lib/history/export_stage.ts): which snapshot an export stores, and
 * its brief's history section over the stored ones.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { runExport } from "../lib/export.ts";
import { exportHistory } from "../lib/history/report.ts";

const quiet = { charts: false, env: {}, log: () => {}, quiet: true };

/** The rows of a brief's history table: `| month | as of |` of each. */
const historyRows = (brief: string) =>
  brief.split("\n").filter((line) => /^\| 2026-[^|]*\| 2026-/.test(line)).map((line) =>
    line.split(" | ").slice(0, 2).join(" | ")
  );

Deno.test("an unreadable snapshot is left out of the export's history with one warning naming it; the export is whole", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  const exportAt = (date: string) =>
    runExport({
      ...quiet,
      demo: true,
      asOf: new Date(`${date}T00:00:00Z`),
      outDir,
      formats: ["csv", "xlsx"],
    });
  const snapshot = (date: string) => `${dir}/helicone_pricing_data_${date}_demo.parquet`;
  try {
    for (const date of ["2026-08-01", "2026-09-01", "2026-10-01"]) await exportAt(date);
    // October's cut short (its footer gone: unreadable as the folder is listed); September's
    // data pages zeroed (its footer intact: it fails only as its values are read, mid-bridge)
    await Deno.truncate(snapshot("2026-10-01"), 5_000);
    const september = await Deno.readFile(snapshot("2026-09-01"));
    september.fill(0, 4, 4 + 512);
    await Deno.writeFile(snapshot("2026-09-01"), september);

    const result = await exportAt("2026-11-01");
    const leftOut = result.data.warnings.filter((w) => w.startsWith("history snapshot left out"));
    assertEquals(leftOut.length, 2, leftOut.join("\n"));
    for (const [i, date] of ["2026-09-01", "2026-10-01"].entries()) {
      const prefix = `history snapshot left out of the history section: ${
        snapshot(date)
      } is not a readable Parquet snapshot (`;
      ok(leftOut.some((w) => w.startsWith(prefix)), `${i}: ${leftOut.join("\n")}`);
    }
    for (const warning of leftOut) {
      ok(warning.endsWith("); move it out of the history folder or write it again"), warning);
      assertEquals(warning.split("\n").length, 1);
    }
    // everything else written: the CSV, the workbook with its history sheet, the brief with its
    // section from August's end to November's as-of (two months without a readable snapshot)
    ok((await Deno.stat(result.csvPath!)).size > 0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(result.xlsxPath!);
    ok(workbook.getWorksheet("history"), "a history sheet");
    const brief = await Deno.readTextFile(result.briefPath);
    assertEquals(historyRows(brief), ["| 2026-08 → 2026-10 | 2026-11-01"]);
    ok(brief.includes("history snapshot left out of the history section:"), "the brief says so");
    ok((await Deno.stat(snapshot("2026-11-01"))).isFile, "its own snapshot stored");

    // written again, both are read; nothing cached from the damaged files (sums in sidecars, the
    // bridge state) stands in for them: the section is the one made from scratch
    await exportAt("2026-09-01");
    await exportAt("2026-10-01");
    const again = await exportAt("2026-11-01");
    assertEquals(
      again.data.warnings.filter((w) => w.startsWith("history snapshot left out")),
      [],
    );
    const section = historyRows(await Deno.readTextFile(again.briefPath));
    assertEquals(section, [
      "| 2026-08 | 2026-09-01",
      "| 2026-09 | 2026-10-01",
      "| 2026-10 | 2026-11-01",
    ]);
    const tableOf = (brief: string) => brief.split("\n").filter((line) => /^\| 2026-/.test(line));
    await Deno.remove(`${dir}/.bridge-state`, { recursive: true });
    for (const date of ["2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01"]) {
      const meta = JSON.parse(await Deno.readTextFile(`${snapshot(date)}.json`));
      delete meta.history_sums;
      await Deno.writeTextFile(`${snapshot(date)}.json`, JSON.stringify(meta));
    }
    const fresh = await exportHistory(dir, { demo: true, asOf: new Date("2026-11-01T00:00:00Z") });
    assertEquals(tableOf(await Deno.readTextFile(again.briefPath)), tableOf(fresh!.section));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
