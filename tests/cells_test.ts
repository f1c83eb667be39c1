/**
 * lib/formats/cells.ts: the columns of a frame that is not the export (segments, the history
 * sheet, comparisons) get their cell types from Polars' data types.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { frameColumns } from "../lib/formats/cells.ts";

Deno.test("frameColumns: booleans, datetimes, integers, floats and text of any frame typed", () => {
  const frame = pl.DataFrame([
    pl.Series("month_to_date", [true, false, null], pl.Bool),
    pl.Series("at", [new Date("2026-11-01T00:00:00Z"), null, null], pl.Datetime("ms")),
    pl.Series("orgs", [3, 0, null], pl.Int64),
    pl.Series("usd", [1.5, 0, null], pl.Float64),
    pl.Series("label", ["2026-10", "", null], pl.Utf8),
  ]);
  const columns = frameColumns(frame);
  assertEquals(columns.map((c) => [c.def.name, c.def.type]), [
    ["month_to_date", "boolean"],
    ["at", "datetime"],
    ["orgs", "integer"],
    ["usd", "number"],
    ["label", "string"],
  ]);
  assertEquals(columns[0].values, [true, false, null]);
  assertEquals(columns[1].values, [Date.UTC(2026, 10, 1), null, null]);
  assertEquals(columns[2].values, [3, 0, null]);
});
