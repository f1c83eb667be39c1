/**
 * lib/history/sums_cache.ts: a stored snapshot's own aggregates are kept in its sidecar once
 * computed and read back instead of computed again, for that file only (the hand-built history
 * of tests/fixtures/history.ts: two stored month-ends and the export's own).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import {
  buildHistoryReport,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { assertSameHistoryReport, HISTORY } from "./fixtures/history.ts";

// (the fixture lists them out of order)
const [january, february, march] = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());

async function storedHistory(dir: string) {
  for (const point of [january, february]) {
    await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
  }
}

const reportOf = async (dir: string) =>
  await loadHistoryReport([
    ...await loadMonthlyHistoryPoints(dir, { demo: false, current: march }),
    march,
  ], false);

const sidecarOf = (dir: string, date: string) =>
  `${dir}/helicone_pricing_data_${date}.parquet.json`;

Deno.test("stored snapshots' sums are kept in their sidecars and read back: the same report, to the bit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await storedHistory(dir);
    const computed = await reportOf(dir);
    assertSameHistoryReport(computed, buildHistoryReport(HISTORY, false));
    for (const date of ["2026-01-31", "2026-02-28"]) {
      const sidecar = JSON.parse(await Deno.readTextFile(sidecarOf(dir, date)));
      assertEquals(sidecar.as_of, `${date}T00:00:00.000Z`, "the sidecar's own fields kept");
      const entry = sidecar.history_sums;
      assertEquals(entry.version, 6); // 6: an empty plan of a snapshot with plans is (none)
      assertEquals(
        entry.parquet.bytes,
        (await Deno.stat(`${dir}/helicone_pricing_data_${date}.parquet`)).size,
      );
      assertEquals(entry.mrr_stats.rows, date === "2026-01-31" ? 7 : 6);
      ok(typeof entry.sums.company === "string" && typeof entry.sums.plans === "string");
    }
    assertSameHistoryReport(await reportOf(dir), computed);

    // read, not computed: February's stored sums changed by hand show in the report
    const path = sidecarOf(dir, "2026-02-28");
    const sidecar = JSON.parse(await Deno.readTextFile(path));
    const company = pl.readIPC(Buffer.from(sidecar.history_sums.sums.company, "base64"));
    sidecar.history_sums.sums.company = Buffer.from(
      company.withColumns(pl.lit(12345.5).alias("mrr_usd")).writeIPC(),
    ).toString("base64");
    await Deno.writeTextFile(path, JSON.stringify(sidecar));
    // (the bridge's stored state would give the sums without reading them: bridge_state.ts)
    await Deno.remove(`${dir}/.bridge-state`, { recursive: true });
    const read = await reportOf(dir);
    const mrr = read.company.filter(pl.col("month").eq(pl.lit("2026-02-28")))
      .getColumn("mrr_usd").toArray();
    assertEquals(mrr, [12345.5]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot file replaced under its sidecar is summed again, not read from the old entry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await storedHistory(dir);
    await reportOf(dir); // entries for both files
    // January's file now holds February's frame (its sidecar and entry stay January's)
    const other = await Deno.makeTempDir({ dir });
    await writeSnapshot(february.frame, {
      dir: other,
      asOf: january.asOf,
      demo: false,
      origin: "export",
    });
    await Deno.rename(
      `${other}/helicone_pricing_data_2026-01-31.parquet`,
      `${dir}/helicone_pricing_data_2026-01-31.parquet`,
    );
    await Deno.remove(other, { recursive: true });
    const expected = buildHistoryReport(
      [{ ...january, frame: february.frame }, february, march],
      false,
    );
    assertSameHistoryReport(await reportOf(dir), expected);
    const entry = JSON.parse(await Deno.readTextFile(sidecarOf(dir, "2026-01-31"))).history_sums;
    assertEquals(entry.mrr_stats.rows, 6, "the entry made again for the new file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
