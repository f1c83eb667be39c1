/**
 * The XLSX tests' workbook (tests/xlsx_stream_test.ts, tests/xlsx_readers_test.ts): the demo
 * export's frame with the cells writers get wrong put into its first rows, a segment sheet beside
 * it, and a workbook written from them with its zip entries read back.
 */
import pl from "nodejs-polars";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { loadPricingData } from "../lib/export.ts";
import type { writeXlsx } from "../lib/formats/xlsx.ts";
import { entryBytes, readZipEntries } from "../lib/formats/zip.ts";

const asOf = new Date("2026-11-01T00:00:00Z");

/** The demo export's frame, with the cells writers get wrong put into its first rows. */
async function fixtureFrame(): Promise<pl.DataFrame> {
  const data = await loadPricingData({ demo: true, asOf, env: {}, log: () => {} });
  const names = data.frame.getColumn("org_name").toArray() as (string | null)[];
  const tricky = [
    '=HYPERLINK("http://x")', // formula: neutralised
    'Tom & Jerry\'s <b>"shop"</b>', // the five XML entities
    "bell\x07 and \x1f escaped, tab\tand\nnewline kept, DEL\x7f and U+FFFF\uffff escaped",
    "-5 people",
    null,
    "emoji 🚀 ünïcode",
  ];
  tricky.forEach((name, i) => names[i] = name);
  const cost = data.frame.getColumn("llm_cost_30d").toArray() as (number | null)[];
  [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, 1e-7, 123456789.125]
    .forEach((value, i) => cost[i] = value);
  const created = data.frame.getColumn("created_at").toArray() as unknown as (Date | null)[];
  created[0] = null;
  return data.frame.withColumns(
    pl.Series("org_name", names, pl.Utf8),
    pl.Series("llm_cost_30d", cost, pl.Float64),
    pl.Series("created_at", created, pl.Datetime("ms")),
  );
}

/** The workbook's data sheet. */
export const frame = await fixtureFrame();
/** Its extra sheet: a segment whose name Excel cannot hold as given. */
export const extra = [{
  name: "segment: a/b",
  frame: frame.head(3).select("org_id", "org_name", "mrr"),
}];

/** The workbook `write` writes of `frame` and `extra` to `path`: its zip entries by name. */
export async function writtenEntries(
  write: typeof writeXlsx,
  path: string,
): Promise<Map<string, Uint8Array>> {
  const stream = createWriteStream(path);
  await write(frame, stream, { sheets: extra, documentDate: new Date("2026-11-01T00:00:00Z") });
  await finished(stream);
  const entries = readZipEntries(await Deno.readFile(path));
  return new Map(
    entries.map((e) => [e.name, entryBytes(e)] as const),
  );
}
