/**
 * Reading an export back (lib/read_export.ts) is reliable: ExcelJS's streaming reader failed on
 * valid workbooks now and then (0.2–1 % of reads, issue 10 item 7), so one export is read 500
 * times in one process and every read must give back what was written. What a file's name says
 * (a segment's suffix apart from the export's stamp) and, for a renamed file, the manifest beside
 * it (lib/formats/export_demo.ts).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { loadPricingData } from "../lib/export.ts";
import { exportNameInfo, readExportFile, suffixedStamp } from "../lib/formats/read_export.ts";
import { exportAssumptionWarning, exportFileFacts } from "../lib/formats/export_demo.ts";
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

Deno.test("a renamed export's as-of, window and demo flag come from the manifest copied beside it; without one, what was assumed is said", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "pricing_nov.csv");
    await Deno.writeTextFile(path, "not read");
    const assumed = {
      demo: "live data",
      windowDays: "a 30-day window",
      asOf: "as-of 2026-12-03 (its modification date)",
    };
    const alone = await exportFileFacts(path);
    assertEquals(
      [alone.name, alone.asOf, alone.windowDays, alone.demo.demo, alone.demoKnown],
      [null, null, null, false, false],
    );
    assertEquals(
      exportAssumptionWarning(path, alone, assumed),
      "pricing_nov.csv is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d].csv) and has no manifest beside it (pricing_nov.manifest.json): assumed live data, a 30-day window and as-of 2026-12-03 (its modification date); keep the export's name, or copy its manifest beside it as pricing_nov.manifest.json",
    );
    // the manifest a 7-day demo export was written with, copied beside it under the new name
    const manifest = join(dir, "pricing_nov.manifest.json");
    await Deno.writeTextFile(
      manifest,
      JSON.stringify({ demo: true, as_of: "2026-11-01T00:00:00.000Z", window: { days: 7 } }),
    );
    const besideIt = await exportFileFacts(path);
    assertEquals(
      [besideIt.asOf, besideIt.windowDays, besideIt.demo, besideIt.demoKnown],
      [
        new Date("2026-11-01T00:00:00Z"),
        7,
        { demo: true, why: 'its manifest says "demo": true' },
        true,
      ],
    );
    assertEquals(exportAssumptionWarning(path, besideIt, assumed), null);
    // a manifest that says only part: the rest is assumed, and said
    await Deno.writeTextFile(manifest, JSON.stringify({ demo: false }));
    assertEquals(
      exportAssumptionWarning(path, await exportFileFacts(path), assumed),
      "pricing_nov.csv is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d].csv) and its manifest pricing_nov.manifest.json does not say all: assumed a 30-day window and as-of 2026-12-03 (its modification date); keep the export's name, or copy its manifest beside it as pricing_nov.manifest.json",
    );
    // a named file says it all; a segment's manifest is its export's
    const segment = await exportFileFacts(
      join(dir, "helicone_pricing_data_2026-10-01_7d_underpriced.csv"),
    );
    assertEquals(
      [segment.asOf, segment.windowDays, segment.manifestPath],
      [
        new Date("2026-10-01T00:00:00Z"),
        7,
        join(dir, "helicone_pricing_data_2026-10-01_7d.manifest.json"),
      ],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
