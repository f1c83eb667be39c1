/**
 * MCP's compare_exports, given an export from before a column every reader takes as it is
 * (ptb_requests_cost_unknown_30d, requests_cost_unknown_30d), says so as `deno task compare` does:
 * a note under its totals and a structured `lacked_columns`, so that file's unknown totals are not
 * read as a change. Through the real MCP SDK client.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { EARLIER_HEADERS } from "../lib/frame/earlier_columns.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { compareNewestTwo } from "./mcp_client.ts";

// (the newest earlier headers lack only usage_discounts, then unbilled_usage_usd too: these two
// lack both too)
const [, , JUST_BEFORE, BEFORE] = EARLIER_HEADERS;

/** A two-organization export at `path`, with `earlier`'s header when given (its last columns off). */
async function writeExport(
  path: string,
  earlier?: (typeof EARLIER_HEADERS)[number],
): Promise<void> {
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["a", "b"],
      requests_30d: [10, 4],
      mrr: [20, 0],
      ptb_requests_cost_unknown_30d: [3, 0],
      requests_cost_unknown_30d: [5, 1],
    }),
    path,
  );
  if (!earlier) return;
  // (the columns are the last: their fields taken off the end of every line)
  const last = new RegExp(`(,[^,\\r\\n]*){${earlier.lacks.length}}\\r\\n`, "g");
  await Deno.writeTextFile(path, (await Deno.readTextFile(path)).replaceAll(last, "\r\n"));
  assertEquals((await Deno.readTextFile(path)).split("\r\n")[0], earlier.names.join(","));
}

/** compare_exports' default (the newest against the one before) over a folder of two exports. */
async function compareTwo(
  old: (typeof EARLIER_HEADERS)[number] | undefined,
  newer: (typeof EARLIER_HEADERS)[number] | undefined,
) {
  const dir = await Deno.makeTempDir({ prefix: "mcp_compare_earlier_" });
  try {
    await writeExport(join(dir, "helicone_pricing_data_2026-10-01.csv"), old);
    await writeExport(join(dir, "helicone_pricing_data_2026-11-01.csv"), newer);
    return await compareNewestTwo(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const totalsOf = (structured: Record<string, unknown>, name: string) =>
  (structured.totals as Record<string, unknown>[]).find((row) => row.column === name);

Deno.test("compare_exports: an old export from before ptb_requests_cost_unknown_30d (and unbilled_usage_usd) is said to lack them, in the text and structured", async () => {
  const { text, structured } = await compareTwo(JUST_BEFORE, undefined);
  // (the text's totals table leaves them empty: the note says so in the same word)
  const note = "old (helicone_pricing_data_2026-10-01.csv) was written by an earlier kit " +
    "version, before ptb_requests_cost_unknown_30d, unbilled_usage_usd, usage_discounts: read as " +
    "empty, so their totals and changes read empty";
  assertEquals(structured.lacked_columns, {
    old: ["ptb_requests_cost_unknown_30d", "unbilled_usage_usd", "usage_discounts"],
    new: [],
    note,
  });
  assertEquals(text.split("\n").filter((line) => line === `note: ${note}`).length, 1, text);
  // what the note explains: the old file's total is unknown (both its values), the new one's 3
  const row = totalsOf(structured, "ptb_requests_cost_unknown_30d");
  ok(row, JSON.stringify(structured.totals));
  assertEquals([row.old_total, row.unknown_old, row.new_total], [null, 2, 3]);
});

Deno.test("compare_exports: a new export (the one served) from before requests_cost_unknown_30d too is said to lack both", async () => {
  const { text, structured } = await compareTwo(undefined, BEFORE);
  const note = "new (helicone_pricing_data_2026-11-01.csv) was written by an earlier kit " +
    "version, before requests_cost_unknown_30d, ptb_requests_cost_unknown_30d, " +
    "unbilled_usage_usd, usage_discounts: read as empty, so their totals and changes read empty";
  assertEquals(structured.lacked_columns, {
    old: [],
    new: [
      "requests_cost_unknown_30d",
      "ptb_requests_cost_unknown_30d",
      "unbilled_usage_usd",
      "usage_discounts",
    ],
    note,
  });
  ok(text.includes(`note: ${note}`), text);
});

Deno.test("compare_exports: two exports of this version say nothing of earlier versions", async () => {
  const { text, structured } = await compareTwo(undefined, undefined);
  assertEquals("lacked_columns" in structured, false);
  ok(!text.includes("earlier kit version"), text);
  // both know every value: 3 and 3, no change
  const row = totalsOf(structured, "ptb_requests_cost_unknown_30d");
  assertEquals([row?.old_total, row?.new_total, row?.delta], [3, 3, 0]);
});
