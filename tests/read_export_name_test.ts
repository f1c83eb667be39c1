/**
 * What an export file's name says (a segment's suffix apart from the export's stamp, a download's
 * copy mark, a date that is no real one) and, for a renamed file, the manifest beside it or the
 * workbook's summary sheet (lib/formats/read_export.ts, lib/formats/export_demo.ts).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import ExcelJS from "exceljs";
import pl from "nodejs-polars";
import { DEMO_WEEK_STEM, writeDemoWeekExport } from "./export_demo_fixture.ts";
import {
  exportNameDateProblem,
  exportNameInfo,
  suffixedStamp,
} from "../lib/formats/export_names.ts";
import {
  exportAssumptionWarning,
  exportExactAsOf,
  exportFileFacts,
  rowsSayDemo,
  withRowsFacts,
} from "../lib/formats/export_demo.ts";

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

Deno.test("an export's name whose date or time is no real one: said as such; a real or other name: null", () => {
  const problem = (name: string) => exportNameDateProblem(`out/${name}`);
  // 2026 is no leap year (February 28 days), 2024 is (29); April has 30 days
  assertEquals(
    problem("helicone_pricing_data_2026-02-30_demo.csv"),
    "2026-02-30 is not a date: 2026-02 has 28 days",
  );
  assertEquals(
    problem("helicone_pricing_data_2024-02-30.xlsx"),
    "2024-02-30 is not a date: 2024-02 has 29 days",
  );
  assertEquals(
    problem("helicone_pricing_data_2026-04-31.csv"),
    "2026-04-31 is not a date: 2026-04 has 30 days",
  );
  assertEquals(
    problem("helicone_pricing_data_2026-13-01.csv"),
    "2026-13-01 is not a date: months run 01 to 12",
  );
  assertEquals(
    problem("helicone_pricing_data_2026-12-01T250000Z_demo.csv"),
    "T250000Z is not a time of day (THHMMSSZ, UTC)",
  );
  assertEquals(problem("helicone_pricing_data_2024-02-29.csv"), null, "a real day");
  assertEquals(problem("pricing_2026-02-30.csv"), null, "not an export's name");
});

Deno.test("an export's name with the mark a second download or a copy gets reads as the export's", () => {
  const export7d = exportNameInfo("helicone_pricing_data_2026-11-01_demo_7d.csv");
  assertEquals(export7d, {
    asOf: new Date("2026-11-01T00:00:00Z"),
    demo: true,
    windowDays: 7,
    stamp: "2026-11-01_demo_7d",
    suffix: null,
  });
  for (
    const mark of [" (1)", " (12)", "-1", " copy", " copy 2", " Copy", " - Copy", " - Copy (2)"]
  ) {
    assertEquals(
      exportNameInfo(`Downloads/helicone_pricing_data_2026-11-01_demo_7d${mark}.csv`),
      export7d,
      mark,
    );
  }
  // a segment's copy keeps its suffix
  assertEquals(
    exportNameInfo("helicone_pricing_data_2026-11-01_underpriced (1).xlsx")?.suffix,
    "underpriced",
  );
  // other words after the name are not a copy's mark
  for (
    const name of [
      "helicone_pricing_data_2026-11-01 (old).csv",
      "helicone_pricing_data_2026-11-01 v2.csv",
    ]
  ) {
    assertEquals(exportNameInfo(name), null, name);
  }
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
      exportAssumptionWarning(path, { facts: alone, assumed }),
      "pricing_nov.csv is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d].csv) and has no manifest beside it (pricing_nov.manifest.json): assumed live data, a 30-day window and as-of 2026-12-03 (its modification date); keep the export's name, or copy its manifest beside it as pricing_nov.manifest.json",
    );
    // a manifest cut short is read as missing, and said to be damaged (was: "has no manifest")
    const manifest = join(dir, "pricing_nov.manifest.json");
    await Deno.writeTextFile(manifest, '{"demo": true, "as_of": "2026-11-01T0');
    const damaged = await exportFileFacts(path);
    assertEquals([damaged.asOf, damaged.manifestFound, damaged.manifestDamaged], [
      null,
      false,
      true,
    ]);
    assertEquals(
      exportAssumptionWarning(path, { facts: damaged, assumed }),
      "pricing_nov.csv is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d].csv) and its manifest pricing_nov.manifest.json is damaged, not a JSON object: assumed live data, a 30-day window and as-of 2026-12-03 (its modification date); keep the export's name, or copy its manifest beside it as pricing_nov.manifest.json",
    );
    // a file named as an export: its as-of is the name's date, and the line says why not the manifest's
    const named = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await Deno.writeTextFile(named, "not read");
    await Deno.writeTextFile(join(dir, "helicone_pricing_data_2026-11-01.manifest.json"), "[");
    assertEquals(await exportExactAsOf(named), {
      asOf: new Date("2026-11-01T00:00:00Z"),
      from:
        "its name's date at 00:00 UTC: its manifest helicone_pricing_data_2026-11-01.manifest.json is damaged, not a JSON object",
    });
    // the manifest a 7-day demo export was written with, copied beside it under the new name
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
    assertEquals(exportAssumptionWarning(path, { facts: besideIt, assumed }), null);
    // a manifest that says only part: the rest is assumed, and said
    await Deno.writeTextFile(manifest, JSON.stringify({ demo: false }));
    assertEquals(
      exportAssumptionWarning(path, { facts: await exportFileFacts(path), assumed }),
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

Deno.test("a renamed export with nothing beside it: a workbook's summary sheet gives its as-of, window and demo flag; demo rows make any file demo data", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const written = await writeDemoWeekExport(dir);
    // copied away from its manifest, under another name
    const workbook = join(dir, "week.xlsx");
    await Deno.copyFile(join(dir, `${DEMO_WEEK_STEM}.xlsx`), workbook);
    const facts = await exportFileFacts(workbook);
    assertEquals(
      [facts.asOf, facts.windowDays, facts.demo, facts.demoKnown, facts.manifestFound],
      [
        new Date("2026-11-01T00:00:00Z"),
        7, // its "Window: 7 days, 2026-10-25 to 2026-10-31 …" line
        { demo: true, why: "its summary sheet's title says DEMO DATA" },
        true,
        false,
      ],
    );
    // an earlier kit's line, without dates, reads the same
    const old = new ExcelJS.Workbook();
    await old.xlsx.readFile(workbook);
    old.getWorksheet("summary")!.getCell("A2").value = "Window: 7 days — the *_30d columns hold …";
    await old.xlsx.writeFile(join(dir, "old.xlsx"));
    assertEquals((await exportFileFacts(join(dir, "old.xlsx"))).windowDays, 7);
    // a CSV carries no window: unknown; its rows (revenue_source demo) say demo data
    const csv = join(dir, "week.csv");
    await Deno.copyFile(join(dir, `${DEMO_WEEK_STEM}.csv`), csv);
    const csvFacts = await exportFileFacts(csv);
    assertEquals([csvFacts.windowDays, csvFacts.demo.demo], [null, false]);
    const frame = written.data.frame;
    ok(rowsSayDemo(frame));
    const withRows = withRowsFacts(csvFacts, frame);
    assertEquals([withRows.demo, withRows.demoKnown], [
      { demo: true, why: "its rows' revenue_source is demo (the demo generator's)" },
      true,
    ]);
    // live revenue sources never make a file demo, nor does a frame without the column
    const live = frame.withColumns(pl.lit("stripe").alias("revenue_source"));
    assertEquals(withRowsFacts(csvFacts, live), csvFacts);
    assertEquals(rowsSayDemo(frame.drop("revenue_source")), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
