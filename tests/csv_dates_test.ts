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
