/**
 * Datetimes in a CSV: whole seconds without milliseconds, the same shape inside years 0–9999
 * (written digit by digit) and past them (Date's text, an expanded year), mutation probe
 * survivor: the fallback kept `.000Z`.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { frameCsvChunks } from "../lib/formats/csv.ts";

Deno.test("CSV datetimes: a whole second ends in Z, a year past 9999 too; milliseconds are kept", () => {
  const frame = pl.DataFrame({
    at: [
      new Date("2026-11-01T00:00:00Z"),
      new Date("2026-11-01T00:00:00.250Z"),
      new Date(Date.UTC(10000, 0, 1)),
    ],
  });
  assertEquals(
    [...frameCsvChunks(frame)].join(""),
    "at\r\n2026-11-01T00:00:00Z\r\n2026-11-01T00:00:00.250Z\r\n+010000-01-01T00:00:00Z\r\n",
  );
});

Deno.test("an export's created_at past 9999 or before year 0 (an expanded year) reads back as the instant written", async () => {
  const { tinyExportFrame } = await import("./tiny_frame.ts");
  const { csvChunks } = await import("../lib/formats/csv.ts");
  const { exportFrameFromCsvText } = await import("../lib/formats/read_export_csv.ts");
  const instants = [
    Date.UTC(10000, 0, 1),
    Date.UTC(-1, 5, 30, 12, 0, 0, 250),
    Date.UTC(2026, 10, 1),
  ];
  const frame = tinyExportFrame(["a", "b", "c"]).withColumns(
    pl.Series("created_at", instants, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms")),
  );
  const text = [...csvChunks(frame)].join("");
  assertEquals(
    text.split("\r\n").slice(1, 4).map((line) => line.split(",")[3]),
    ["+010000-01-01T00:00:00Z", "-000001-06-30T12:00:00.250Z", "2026-11-01T00:00:00Z"],
  );
  const back = exportFrameFromCsvText(text, { source: "expanded.csv" });
  assertEquals(back.getColumn("created_at").cast(pl.Int64).toArray().map(Number), instants);
});

Deno.test("an expanded year the calendar lacks (+010000-02-30) is refused as a 4-digit year's is", async () => {
  const { COLUMN_NAMES } = await import("../lib/frame/columns.ts");
  const { exportFrameFromCsvText } = await import("../lib/formats/read_export_csv.ts");
  const row = COLUMN_NAMES.map((name) =>
    name === "org_id" ? "a" : name === "created_at" ? "+010000-02-30T00:00:00Z" : ""
  );
  let message = "accepted";
  try {
    exportFrameFromCsvText(`${COLUMN_NAMES.join(",")}\r\n${row.join(",")}\r\n`, {
      source: "x.csv",
    });
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(
    message,
    'x.csv row 2, column created_at: "+010000-02-30T00:00:00Z" is not a real date and time (+010000-02 has 29 days): correct it; the kit writes 2026-11-01T12:00:00Z (UTC)',
  );
});
