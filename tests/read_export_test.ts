/**
 * Reading an export back (lib/read_export.ts) is reliable: ExcelJS's streaming reader failed on
 * valid workbooks now and then (0.2–1 % of reads, issue 10 item 7), so one export is read 500
 * times in one process and every read must give back what was written. What a file's name says
 * (a segment's suffix apart from the export's stamp).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { loadPricingData } from "../lib/export.ts";
import { exportNameInfo, readExportFile, suffixedStamp } from "../lib/formats/read_export.ts";
import { segmentFrames, segmentSheets, segmentThresholdsFromEnv } from "../lib/report/segments.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";

Deno.test("one XLSX export read back 500 times in one process, every read equal", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 40 demo organizations (small, so 500 reads stay quick), with the segment sheets: the
    // workbook.xml the streaming reader sometimes missed is the zip's last entry, after them.
    const data = await loadPricingData({
      demo: true,
      asOf: new Date("2026-11-01T00:00:00Z"),
      env: {},
      log: () => {},
    });
    const written = data.frame.head(40);
    const path = join(dir, "helicone_pricing_data_2026-11-01_demo.xlsx");
    await writeXlsxFile(
      written,
      path,
      segmentSheets(segmentFrames(written, { thresholds: segmentThresholdsFromEnv({}) })),
    );
    const first = (await readExportFile(path)).frame;
    for (const name of ["org_id", "mrr", "llm_cost_30d", "created_at"]) {
      assertEquals(first.getColumn(name).toArray(), written.getColumn(name).toArray(), name);
    }
    const failures: string[] = [];
    for (let i = 2; i <= 500; i++) {
      try {
        const { frame } = await readExportFile(path);
        if (!frame.frameEqual(first, true)) failures.push(`read ${i}: differs from the first read`);
      } catch (error) {
        failures.push(`read ${i}: ${(error as Error).message}`);
      }
    }
    assertEquals(failures, []);
    ok(first.height === 40);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export's name: a segment's or the trimmed CSV's suffix apart from the export's stamp", () => {
  const segment = exportNameInfo("out/helicone_pricing_data_2026-11-01_demo_underpriced.csv");
  assertEquals(segment, {
    asOf: new Date("2026-11-01T00:00:00Z"),
    demo: true,
    windowDays: 30,
    stamp: "2026-11-01_demo",
    suffix: "underpriced",
  });
  assertEquals(suffixedStamp(segment!), "2026-11-01_demo_underpriced");
  const trimmed = exportNameInfo("helicone_pricing_data_2026-11-01_7d_trimmed.csv");
  assertEquals([trimmed?.windowDays, trimmed?.stamp, trimmed?.suffix], [
    7,
    "2026-11-01_7d",
    "trimmed",
  ]);
  // a window alone is no suffix, and the whole export has none
  const week = exportNameInfo("helicone_pricing_data_2026-11-01_demo_7d.xlsx");
  assertEquals([week?.windowDays, week?.stamp, week?.suffix], [7, "2026-11-01_demo_7d", null]);
  assertEquals(exportNameInfo("helicone_pricing_data_2026-11-01.csv")?.suffix, null);
  assertEquals(
    suffixedStamp(exportNameInfo("helicone_pricing_data_2026-11-01.csv")!),
    "2026-11-01",
  );
});
