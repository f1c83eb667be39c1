/**
 * The export-name grammar (lib/formats/export_names.ts) as a table: each name, what a reader takes
 * it for (exportNameInfo), whether the MCP server lists it as an export's data file
 * (exportDataFileInfo), and whether retention takes it for the kit's (kitFile: only names a writer
 * produces).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  exportDataFileInfo,
  exportFileName,
  exportNameDateProblem,
  exportNameInfo,
  exportStamp,
  stampIsDemo,
  stampIsStandardWindow,
} from "../lib/formats/export_names.ts";
import { kitFile } from "../lib/delivery/kit_names.ts";

interface Row {
  name: string;
  /** exportNameInfo's stamp, suffix, window and demo flag; null: not an export's name */
  read: { stamp: string; suffix: string | null; days: number; demo: boolean } | null;
  /** listed by the MCP server as an export's CSV or XLSX */
  data: boolean;
  /** retention's reading: an export set's stamp, another kind of kit file, or null (not the kit's) */
  kit: string | null;
}

const P = "helicone_pricing_data_";
const live = (stamp: string, days = 30, suffix: string | null = null) => ({
  stamp,
  suffix,
  days,
  demo: false,
});
const demo = (stamp: string, days = 30, suffix: string | null = null) => ({
  stamp,
  suffix,
  days,
  demo: true,
});

const TABLE: Row[] = [
  // what exportStamp writes: a date, `_demo`, a window other than 30 days
  { name: `${P}2026-11-01.csv`, read: live("2026-11-01"), data: true, kit: "2026-11-01" },
  { name: `${P}2026-11-01.xlsx`, read: live("2026-11-01"), data: true, kit: "2026-11-01" },
  {
    name: `${P}2026-11-01_demo.csv`,
    read: demo("2026-11-01_demo"),
    data: true,
    kit: "2026-11-01_demo",
  },
  {
    name: `${P}2026-11-01_7d.csv`,
    read: live("2026-11-01_7d", 7),
    data: true,
    kit: "2026-11-01_7d",
  },
  {
    name: `${P}2026-11-01_demo_7d.xlsx`,
    read: demo("2026-11-01_demo_7d", 7),
    data: true,
    kit: "2026-11-01_demo_7d",
  },
  {
    name: `${P}2026-11-01_3660d.csv`,
    read: live("2026-11-01_3660d", 3660),
    data: true,
    kit: "2026-11-01_3660d",
  },
  // the files beside it: manifest and brief are the set's, not data files; a part is no data file
  { name: `${P}2026-11-01_7d.manifest.json`, read: null, data: false, kit: "2026-11-01_7d" },
  { name: `${P}2026-11-01_demo.md`, read: null, data: false, kit: "2026-11-01_demo" },
  {
    name: `${P}2026-11-01_demo_7d_trimmed.csv`,
    read: demo("2026-11-01_demo_7d", 7, "trimmed"),
    data: false,
    kit: "2026-11-01_demo_7d",
  },
  {
    name: `${P}2026-11-01_underpriced.csv`,
    read: live("2026-11-01", 30, "underpriced"),
    data: false,
    kit: "2026-11-01",
  },
  // a history snapshot: dated, with a time when not 00:00 UTC (ms when not zero)
  { name: `${P}2026-12-01_demo.parquet`, read: demo("2026-12-01_demo"), data: false, kit: null },
  {
    name: `${P}2026-12-01T120000Z.parquet`,
    read: live("2026-12-01T120000Z"),
    data: false,
    kit: null,
  },
  {
    name: `${P}2026-11-01T000000.500Z_demo.parquet`,
    read: demo("2026-11-01T000000.500Z_demo"),
    data: false,
    kit: null,
  },
  { name: `${P}2026-12-01T120000Z.csv`, read: live("2026-12-01T120000Z"), data: false, kit: null },
  // a second download or copy: the same export to a reader, not listed, not the kit's to delete
  { name: `${P}2026-11-01_7d (1).csv`, read: live("2026-11-01_7d", 7), data: false, kit: null },
  { name: `${P}2026-11-01 - Copy (2).xlsx`, read: live("2026-11-01"), data: false, kit: null },
  // older or hand-made names: a reader takes any 1–4-digit window, retention only written ones
  { name: `${P}2026-11-01_30d.csv`, read: live("2026-11-01"), data: true, kit: null },
  {
    name: `${P}2026-11-01_9999d.csv`,
    read: live("2026-11-01_9999d", 9999),
    data: true,
    kit: null,
  },
  {
    name: `${P}2026-11-01_0007d.csv`,
    read: live("2026-11-01", 30, "0007d"),
    data: false,
    kit: null,
  },
  {
    name: `${P}2026-11-01_backup.csv`,
    read: live("2026-11-01", 30, "backup"),
    data: false,
    kit: null,
  },
  // `_demo` after the window is a suffix, not the demo mark
  {
    name: `${P}2026-11-01_7d_demo.csv`,
    read: live("2026-11-01_7d", 7, "demo"),
    data: false,
    kit: null,
  },
  // no export's name: no real date, other extensions, other kits' and other writers' names
  { name: `${P}2026-02-30.csv`, read: null, data: false, kit: null },
  { name: `${P}2026-12-01T250000Z.parquet`, read: null, data: false, kit: null },
  { name: `${P}2026-11-1.csv`, read: null, data: false, kit: null },
  { name: `${P}2026-11-01.txt`, read: null, data: false, kit: null },
  { name: `${P}2026-11-01_Backup.csv`, read: null, data: false, kit: null },
  { name: "pricing_data_2026-11-01.csv", read: null, data: false, kit: null },
  { name: "helicone_usage_data_2026-11-01.csv", read: null, data: false, kit: null },
  {
    name: "helicone_pricing_compare_2026-10-01_to_2026-11-01_7d.md",
    read: null,
    data: false,
    kit: "comparison",
  },
];

Deno.test("the export-name grammar: each name as a reader, the MCP server's listing and retention take it", () => {
  for (const { name, read, data, kit } of TABLE) {
    const info = exportNameInfo(`some/folder/${name}`);
    assertEquals(
      info && { stamp: info.stamp, suffix: info.suffix, days: info.windowDays, demo: info.demo },
      read,
      name,
    );
    assertEquals(exportDataFileInfo(name) !== null, data, name);
    if (data) assertEquals(exportDataFileInfo(name), info, name);
    const file = kitFile(name);
    assertEquals(file === null ? null : file.stamp ?? file.kind, kit, name);
  }
});

Deno.test("the export-name grammar: every name exportFileName builds reads back as what built it", () => {
  const asOf = new Date("2026-11-01T00:00:00Z");
  for (const demoData of [false, true]) {
    for (const windowDays of [1, 7, 29, 30, 31, 365, 3660]) {
      for (const ext of ["csv", "xlsx"]) {
        const name = exportFileName({ asOf, demo: demoData, windowDays, ext });
        const stamp = exportStamp({ asOf, demo: demoData, windowDays });
        const expected = { asOf, demo: demoData, windowDays, stamp, suffix: null };
        assertEquals(exportNameInfo(name), expected, name);
        assertEquals(exportDataFileInfo(name), expected, name);
        assertEquals(kitFile(name)?.stamp, stamp, name);
        assertEquals(stampIsDemo(stamp), demoData, stamp);
        assertEquals(stampIsStandardWindow(stamp), windowDays === 30, stamp);
      }
    }
  }
});

Deno.test("the export-name grammar: a name shaped right whose date or time is no real one says which", () => {
  assertEquals(
    exportNameDateProblem(`${P}2026-02-30.csv`),
    "2026-02-30 is not a date: 2026-02 has 28 days",
  );
  assertEquals(
    exportNameDateProblem(`${P}2026-12-01T250000Z.parquet`),
    "T250000Z is not a time of day (THHMMSSZ, UTC)",
  );
  assertEquals(exportNameDateProblem(`${P}2026-11-01.csv`), null);
  assertEquals(exportNameDateProblem("notes_2026-02-30.csv"), null);
});

Deno.test("kitFile: a killed run's temporary file is the kit's; a name that only starts like one is not", () => {
  // tempPathFor's `.<name>.<random>.tmp`, and ownedTempPath's with `.p<pid>s<start>h<host>`
  assertEquals(kitFile(".helicone_pricing_data_2026-10-01.csv.lx2k9a.tmp"), {
    kind: "temporary",
    date: new Date("2026-10-01T00:00:00Z"),
  });
  assertEquals(
    kitFile(".helicone_pricing_data_2026-10-01.csv.lx2k9a.p4242s17h0a1b2c3d.tmp")?.kind,
    "temporary",
  );
  // someone's copy kept beside it: not a name the kit writes, never deleted as one
  assertEquals(kitFile(".helicone_pricing_data_2026-10-01.csv.lx2k9a.tmp.keep"), null);
});
