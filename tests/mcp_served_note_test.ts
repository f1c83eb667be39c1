/**
 * lib/mcp/served_note.ts notNewestNote: the unreadable exports newer than the one served are
 * listed up to UNREADABLE_LISTED (3), with "…" only when more are left out. The dataset's fields
 * the note reads (the file served, its as-of and window, the unreadable ones), by hand.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type Dataset, UNREADABLE_LISTED } from "../lib/mcp/dataset.ts";
import { notNewestNote } from "../lib/mcp/served_note.ts";

/** A dataset served from 2026-10-01's export, `count` newer exports unreadable (newest first). */
function servedOld(count: number): Dataset {
  const unreadable = ["2026-11-04", "2026-11-03", "2026-11-02", "2026-11-01"].slice(0, count)
    .map((date) => ({ name: `helicone_pricing_data_${date}.csv`, problem: "is empty" }));
  return {
    notNewest: { unreadable },
    source: { path: "/exports/helicone_pricing_data_2026-10-01.csv" },
    asOf: new Date("2026-10-01T00:00:00Z"),
    window: { days: 30 },
  } as unknown as Dataset;
}

const HEAD =
  "warning: not the newest export: this is from helicone_pricing_data_2026-10-01.csv (as of 2026-10-01T00:00:00.000Z, 30 days), the newest that can be read; the newest cannot be read: is empty";

Deno.test("not-newest note: three unreadable are all named, no …; four name three and …", () => {
  assertEquals(UNREADABLE_LISTED, 3);
  assertEquals(
    notNewestNote(servedOld(3))!.line,
    `${HEAD} (nor can 2 more exports newer than helicone_pricing_data_2026-10-01.csv: helicone_pricing_data_2026-11-03.csv, helicone_pricing_data_2026-11-02.csv)`,
  );
  const four = notNewestNote(servedOld(4))!;
  assertEquals(
    four.line,
    `${HEAD} (nor can 3 more exports newer than helicone_pricing_data_2026-10-01.csv: helicone_pricing_data_2026-11-03.csv, helicone_pricing_data_2026-11-02.csv, …)`,
  );
  assertEquals(
    [four.structured.unreadable.length, four.structured.unreadable_total],
    [3, 4],
  );
});
