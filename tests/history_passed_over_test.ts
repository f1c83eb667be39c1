/**
 * `deno task history report` reads one snapshot per month, its latest with revenue (docs/history.md):
 * the month's earlier snapshots in the folder are named in the report's Markdown, each month's with
 * the one read instead. The HISTORY fixture's three month ends, and beside them:
 *
 *   as-of        month    frame                 read?
 *   2026-01-10   2026-01  January's             no: 2026-01-31 is January's latest
 *   2026-01-20   2026-01  January's             no
 *   2026-01-31   2026-01  January's             yes
 *   2026-02-10   2026-02  February's            no: 2026-02-20 is February's latest with revenue
 *   2026-02-20   2026-02  February's            yes
 *   2026-02-28   2026-02  February's, no MRR    read, left out as without revenue (named so)
 *   2026-03-31   2026-03  March's               yes, alone in its month
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { HISTORY } from "./fixtures/history.ts";
import { snapshotAt } from "./history_snapshot_fixture.ts";
import { runHistory } from "./history_cli_run.ts";

/** The Markdown `deno task history report` writes over live snapshots of these as-ofs and frames. */
async function reportOf(snapshots: (readonly [string, pl.DataFrame])[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "history_passed_over_" });
  const out = await Deno.makeTempDir({ prefix: "history_passed_over_out_" });
  try {
    for (const [asOf, frame] of snapshots) await snapshotAt(dir, asOf, frame);
    const result = await runHistory([
      "report",
      "--no-charts",
      "--history-dir",
      dir,
      "--out-dir",
      out,
    ]);
    assertEquals(result.code, 0, result.errors.join("\n"));
    return await Deno.readTextFile(`${out}/helicone_pricing_history_2026-03-31.md`);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
}

Deno.test("history report names each same-month snapshot it does not read, and the one it reads", async () => {
  const [jan, feb, mar] = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const noRevenue = feb.frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr_recurring"));
  const markdown = await reportOf([
    ["2026-01-10", jan.frame],
    ["2026-01-20", jan.frame],
    ["2026-01-31", jan.frame],
    ["2026-02-10", feb.frame],
    ["2026-02-20", feb.frame],
    ["2026-02-28", noRevenue],
    ["2026-03-31", mar.frame],
  ]);
  const start = markdown.indexOf("## Snapshots not read");
  ok(start >= 0, markdown);
  const section = markdown.slice(start, markdown.indexOf("\n## ", start));
  // each month's files not read, named, with the one read instead; March passed over nothing
  assertEquals(section.split("\n").filter((line) => line.startsWith("- ")), [
    "- 2026-01: read `helicone_pricing_data_2026-01-31.parquet`; not read `helicone_pricing_data_2026-01-10.parquet`, `helicone_pricing_data_2026-01-20.parquet`",
    "- 2026-02: read `helicone_pricing_data_2026-02-20.parquet`; not read `helicone_pricing_data_2026-02-10.parquet`",
  ]);
  // the one without revenue was read and is named as left out for that, as before
  ok(
    markdown.includes(
      "Left out (no revenue: Stripe skipped or failed in that export): as-of 2026-02-28.",
    ),
    markdown,
  );
});

Deno.test("history report with one snapshot per month has no section of snapshots not read", async () => {
  const markdown = await reportOf(
    HISTORY.map((point) => [point.asOf.toISOString().slice(0, 10), point.frame] as const),
  );
  ok(!markdown.includes("Snapshots not read"), markdown);
});
