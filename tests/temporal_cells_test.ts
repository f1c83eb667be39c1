/**
 * Temporal columns that are not millisecond datetimes, as an imported frame or a notebook's own
 * may hold them: a pl.Date is a date, a microsecond or nanosecond datetime the instant it holds,
 * through the CSV writer and the XLSX writer and read back (mutation probe of stop 55: the writers
 * read every temporal column as epoch milliseconds, a Date of 2026-11-30 came out as
 * 1970-01-01T00:00:20.787Z and a microsecond datetime in year +58803). Instants keep their
 * millisecond: finer digits are dropped, so -1 µs is 1969-12-31T23:59:59.999Z (floored, not
 * rounded up to 1970).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import ExcelJS from "exceljs";
import pl from "nodejs-polars";
import { columnValues, frameColumns } from "../lib/formats/cells.ts";
import { csvChunks, frameCsvChunks } from "../lib/formats/csv.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { readXlsxSheet } from "../lib/formats/read_xlsx.ts";
import { DATA_SHEET, writeXlsx } from "../lib/formats/xlsx.ts";
import { COLUMNS } from "../lib/frame/columns.ts";
import { tinyExportFrame } from "./tiny_frame.ts";

// 2026-11-30 is day 20,787 since 1970-01-01 (56 years of 365 days, 14 leap days, 333 days into
// 2026): 1,795,996,800 s; 18:00:00.250 adds 64,800.25 s, 06:00 21,600 s
const DAY = new Date("2026-11-30T00:00:00Z");
const EVENING_US = 1_796_061_600_250_000; // 2026-11-30T18:00:00.250Z in µs
const MORNING_NS = 1_796_018_400_000_000_000; // 2026-11-30T06:00:00Z in ns (a double exactly)

/**
 * A date, a µs and a ns datetime, and a µs one in Berlin's zone: a row, a null, a row before 1970
 * (a day, 1 µs, 1 ns before).
 */
function temporalFrame(): pl.DataFrame {
  return pl.DataFrame([
    pl.Series("day", [DAY, null, new Date("1969-12-31T00:00:00Z")], pl.Date),
    pl.Series("at_us", [EVENING_US, null, -1], pl.Int64).cast(pl.Datetime("us")),
    pl.Series("at_ns", [MORNING_NS, null, -1], pl.Int64).cast(pl.Datetime("ns")),
    pl.Series("at_berlin", [EVENING_US, null, -1], pl.Int64)
      .cast(pl.Datetime("us", "Europe/Berlin")),
  ]);
}

/** The export frame of three organizations, created_at as `created` holds it. */
function exportFrame(created: pl.Series): pl.DataFrame {
  return tinyExportFrame(["a", "b", "c"]).withColumns(created.alias("created_at"));
}

/** The created_at fields of the export's CSV, by row. */
function createdAtFields(frame: pl.DataFrame): string[] {
  return parseCsvRecords([...csvChunks(frame)].join("")).records.map((r) => r.created_at);
}

Deno.test("CSV of any frame: a date as YYYY-MM-DD, µs, ns and zoned datetimes as their instants", () => {
  // (the zoned one in UTC: Berlin's 19:00:00.250 is 18:00:00.250Z)
  assertEquals(
    [...frameCsvChunks(temporalFrame())].join(""),
    "day,at_us,at_ns,at_berlin\r\n" +
      "2026-11-30,2026-11-30T18:00:00.250Z,2026-11-30T06:00:00Z,2026-11-30T18:00:00.250Z\r\n" +
      ",,,\r\n" +
      "1969-12-31,1969-12-31T23:59:59.999Z,1969-12-31T23:59:59.999Z,1969-12-31T23:59:59.999Z\r\n",
  );
});

Deno.test("CSV of the export: created_at held in µs, ns or as a date is its instant", () => {
  const us = pl.Series("x", [EVENING_US, null, -1], pl.Int64).cast(pl.Datetime("us"));
  assertEquals(createdAtFields(exportFrame(us)), [
    "2026-11-30T18:00:00.250Z",
    "",
    "1969-12-31T23:59:59.999Z",
  ]);
  const ns = pl.Series("x", [MORNING_NS, null, -1], pl.Int64).cast(pl.Datetime("ns"));
  assertEquals(createdAtFields(exportFrame(ns)), [
    "2026-11-30T06:00:00Z",
    "",
    "1969-12-31T23:59:59.999Z",
  ]);
  // the column is a timestamp (UTC): a date is its midnight, UTC
  const day = pl.Series("x", [DAY, null, new Date("1969-12-31T00:00:00Z")], pl.Date);
  assertEquals(createdAtFields(exportFrame(day)), [
    "2026-11-30T00:00:00Z",
    "",
    "1969-12-31T00:00:00Z",
  ]);
});

Deno.test("columnValues and frameColumns: every temporal unit as epoch milliseconds", () => {
  const frame = temporalFrame();
  const columns = frameColumns(frame);
  assertEquals(columns.map((c) => [c.def.name, c.def.type, c.def.unit]), [
    ["day", "datetime", "date"],
    ["at_us", "datetime", "timestamp (UTC)"],
    ["at_ns", "datetime", "timestamp (UTC)"],
    ["at_berlin", "datetime", "timestamp (UTC)"],
  ]);
  const ms = [
    [1_795_996_800_000, null, -86_400_000],
    [1_796_061_600_250, null, -1],
    [1_796_018_400_000, null, -1],
    [1_796_061_600_250, null, -1],
  ];
  assertEquals(columns.map((c) => c.values), ms);
  assertEquals(columns.map((c) => columnValues(frame, c.def)), ms);
});

Deno.test("XLSX: dates as Excel dates formatted yyyy-mm-dd, µs and ns datetimes as their instants", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/dates.xlsx`;
    const created = pl.Series("x", [EVENING_US, null, -1], pl.Int64).cast(pl.Datetime("us"));
    const stream = createWriteStream(path);
    await writeXlsx(exportFrame(created), stream, {
      sheets: [{ name: "dates", frame: temporalFrame() }],
      documentDate: new Date("2026-12-01T00:00:00Z"),
    });
    await finished(stream);

    // the cells as written: days since 1899-12-30 (1970-01-01 is day 25,569); row 3 has none
    const raw = readXlsxSheet(await Deno.readFile(path), "dates");
    assertEquals(raw.rows.map((r) => [r.number, r.values[0]]), [
      [1, "day"],
      [2, 25_569 + 20_787],
      [4, 25_568],
    ]);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const sheet = workbook.getWorksheet("dates")!;
    const column = (c: number) => [2, 3, 4].map((r) => sheet.getRow(r).getCell(c).value);
    assertEquals(column(1), [DAY, null, new Date("1969-12-31T00:00:00Z")]);
    assertEquals(sheet.getRow(2).getCell(1).numFmt, "yyyy-mm-dd");
    assertEquals(column(2), [new Date("2026-11-30T18:00:00.250Z"), null, new Date(-1)]);
    assertEquals(column(3), [new Date("2026-11-30T06:00:00Z"), null, new Date(-1)]);
    assertEquals(column(4), [new Date("2026-11-30T18:00:00.250Z"), null, new Date(-1)]);

    // the data sheet (streamed): created_at held in µs
    const data = workbook.getWorksheet(DATA_SHEET)!;
    const at = COLUMNS.findIndex((c) => c.name === "created_at") + 1;
    assertEquals(
      [2, 3, 4].map((r) => data.getRow(r).getCell(at).value),
      [new Date("2026-11-30T18:00:00.250Z"), null, new Date(-1)],
    );
    assertEquals(data.getRow(2).getCell(at).numFmt, "yyyy-mm-dd hh:mm:ss");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** `frame` as the XLSX writer puts it on a sheet of its own beside the data, read back by ExcelJS. */
async function writtenSheet(frame: pl.DataFrame): Promise<ExcelJS.Worksheet> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/sheet.xlsx`;
    const stream = createWriteStream(path);
    await writeXlsx(tinyExportFrame(["a"]), stream, {
      sheets: [{ name: "frame", frame }],
      documentDate: new Date("2026-12-01T00:00:00Z"),
    });
    await finished(stream);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    return workbook.getWorksheet("frame")!;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Durations in ms and µs (90 s, null, -1 of its unit) and a time of day (01:00, null,
 * 12:34:56.789), as a notebook's frame may hold them (a created_at subtracted from now).
 */
function durationFrame(): pl.DataFrame {
  const day = (at: string) => new Date(`2026-11-30T${at}Z`);
  return pl.DataFrame([
    pl.Series("d_ms", [90_000, null, -1], pl.Int64).cast(pl.Duration("ms")),
    pl.Series("d_us", [90_000_000, null, -1], pl.Int64).cast(pl.Duration("us")),
    pl.Series("t", [day("01:00:00"), null, day("12:34:56.789")], pl.Datetime("ms")).cast(pl.Time),
  ]);
}

Deno.test("durations as a number of seconds whatever their unit, a time of day as its text, in CSV and XLSX", async () => {
  // 90,000 ms and 90,000,000 µs are both 90 s; -1 ms is -0.001 s, -1 µs -0.000001 s (they read
  // 90000 and 90000000 as text, the negative ones guarded as formulas: '-1)
  assertEquals(
    [...frameCsvChunks(durationFrame())].join(""),
    "d_ms,d_us,t\r\n90,90,01:00:00\r\n,,\r\n-0.001,-0.000001,12:34:56.789\r\n",
  );
  assertEquals(frameColumns(durationFrame()).map((c) => [c.def.type, c.def.unit, c.values]), [
    ["number", "seconds", [90, null, -0.001]],
    ["number", "seconds", [90, null, -0.000001]],
    ["string", "text", ["01:00:00", null, "12:34:56.789"]],
  ]);
  const sheet = await writtenSheet(durationFrame());
  const row = (r: number) => [1, 2, 3].map((c) => sheet.getRow(r).getCell(c).value);
  assertEquals([2, 3, 4].map(row), [
    [90, 90, "01:00:00"],
    [null, null, null],
    [-0.001, -0.000001, "12:34:56.789"],
  ]);
});

Deno.test("XLSX: a datetime of another sheet is formatted with its time of day, as the data sheet's", async () => {
  // (no format given, ExcelJS wrote its default mm-dd-yy: 2026-11-30T18:00:00.250Z showed 11-30-26)
  const row = (await writtenSheet(temporalFrame())).getRow(2);
  assertEquals([1, 2, 3, 4].map((c) => row.getCell(c).numFmt), [
    "yyyy-mm-dd",
    "yyyy-mm-dd hh:mm:ss",
    "yyyy-mm-dd hh:mm:ss",
    "yyyy-mm-dd hh:mm:ss",
  ]);
  const columns = frameColumns(temporalFrame()).map((c) => c.def.unit);
  assertEquals(columns, ["date", "timestamp (UTC)", "timestamp (UTC)", "timestamp (UTC)"]);
});
