/**
 * Which history snapshot an export's as-of stores and which it keeps: a month to date beside its
 * month end, a snapshot named by date alone, one with revenue over one without, one a day.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { runExport } from "../lib/export.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import {
  listSnapshots,
  readSnapshotFrame,
  readSnapshotMeta,
} from "../lib/history/stored_snapshots.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  historyTable,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { demoExportAt, quiet } from "./history_snapshot_fixture.ts";

Deno.test("an export later on the 1st is that month to date, beside the month end it does not replace", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/h2`;
  const exportAt = (at: string) => demoExportAt(at, { outDir, historyDir: dir });
  await exportAt("2026-11-01T00:00:00Z");
  await exportAt("2026-12-01T00:00:00Z"); // closes November
  const later = await exportAt("2026-12-01T12:00:00Z"); // December so far
  assertEquals(
    [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".parquet")).sort(),
    [
      "helicone_pricing_data_2026-11-01_demo.parquet",
      "helicone_pricing_data_2026-12-01T120000Z_demo.parquet",
      "helicone_pricing_data_2026-12-01_demo.parquet",
    ],
  );
  const listed = await listSnapshots(dir, true);
  assertEquals(listed.map((s) => s.asOf.toISOString()), [
    "2026-11-01T00:00:00.000Z",
    "2026-12-01T00:00:00.000Z",
    "2026-12-01T12:00:00.000Z",
  ]);
  assertEquals((await readSnapshotMeta(listed[1].path))?.as_of, "2026-12-01T00:00:00.000Z");
  const report = await loadHistoryReport(await loadMonthlyHistoryPoints(dir, { demo: true }), true);
  assertEquals(
    historyTable(report).filter(pl.col("plan").eq(pl.lit("(all)")))
      .select("month", "as_of", "month_to_date").toRecords(),
    [
      { month: "2026-11", as_of: "2026-12-01", month_to_date: false },
      { month: "2026-12", as_of: "2026-12-01T12:00:00Z", month_to_date: true },
    ],
  );
  const brief = await Deno.readTextFile(later.briefPath);
  ok(
    brief.includes("| 2026-11 | 2026-12-01 |"),
    "November's month end, in the later export's brief",
  );
  ok(brief.includes("| 2026-12 (to 12-01 12:00 UTC) | 2026-12-01T12:00:00Z |"), brief);
});

Deno.test("an as-of in the first second after midnight (00:00:00.500) is its month to date under its own name, never the month end", async () => {
  const dir = await Deno.makeTempDir();
  const frame = (mrr: number) =>
    exportFrameFromColumns({ org_id: ["a"], tier: ["pro"], mrr_recurring: [mrr] });
  const write = (at: string, mrr: number) =>
    writeSnapshot(frame(mrr), { dir, asOf: new Date(at), demo: false, origin: "export" });
  await write("2026-10-01T00:00:00Z", 100); // closes September
  await write("2026-11-01T00:00:00Z", 200); // closes October
  const early = await write("2026-11-01T00:00:00.500Z", 250); // November so far
  const parquets = () =>
    [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".parquet")).sort();
  assertEquals(parquets(), [
    "helicone_pricing_data_2026-10-01.parquet",
    "helicone_pricing_data_2026-11-01.parquet",
    "helicone_pricing_data_2026-11-01T000000.500Z.parquet",
  ]);
  // October's row is the 00:00 snapshot's (100 → 200: +100), November's the .500 one's (+50)
  const rows = async () => {
    const report = await loadHistoryReport(
      await loadMonthlyHistoryPoints(dir, { demo: false }),
      false,
    );
    return historyTable(report).filter(pl.col("plan").eq(pl.lit("(all)")))
      .select("month", "as_of", "month_to_date", "start_mrr_usd", "end_mrr_usd").toRecords();
  };
  const expected = [
    {
      month: "2026-10",
      as_of: "2026-11-01",
      month_to_date: false,
      start_mrr_usd: 100,
      end_mrr_usd: 200,
    },
    {
      month: "2026-11",
      as_of: "2026-11-01T00:00:00.500Z",
      month_to_date: true,
      start_mrr_usd: 200,
      end_mrr_usd: 250,
    },
  ];
  assertEquals(await rows(), expected);
  // an earlier kit named it by its second (T000000Z): read back with its sidecar's milliseconds
  const old = `${dir}/helicone_pricing_data_2026-11-01T000000Z.parquet`;
  await Deno.rename(`${early.path}.json`, `${old}.json`);
  await Deno.rename(early.path, old);
  assertEquals((await listSnapshots(dir, false)).map((s) => s.asOf.toISOString()), [
    "2026-10-01T00:00:00.000Z",
    "2026-11-01T00:00:00.000Z",
    "2026-11-01T00:00:00.500Z",
  ]);
  assertEquals(await rows(), expected);
  // written again, it replaces its old name rather than standing beside it
  await write("2026-11-01T00:00:00.500Z", 250);
  assertEquals(parquets(), [
    "helicone_pricing_data_2026-10-01.parquet",
    "helicone_pricing_data_2026-11-01.parquet",
    "helicone_pricing_data_2026-11-01T000000.500Z.parquet",
  ]);
});

Deno.test("a snapshot named by date alone has the as-of of its sidecar; a month end does not replace it", async () => {
  const dir = await Deno.makeTempDir();
  const frame = (mrr: number) => exportFrameFromColumns({ org_id: ["a"], mrr_recurring: [mrr] });
  // an older kit named the 12:00 export of 2026-12-01 by its date alone
  const noon = await writeSnapshot(frame(1), {
    dir,
    asOf: new Date("2026-12-01T12:00:00Z"),
    demo: false,
    origin: "export",
  });
  const legacy = `${dir}/helicone_pricing_data_2026-12-01.parquet`;
  await Deno.rename(`${noon.path}.json`, `${legacy}.json`);
  await Deno.rename(noon.path, legacy);
  assertEquals((await listSnapshots(dir, false)).map((s) => s.asOf.toISOString()), [
    "2026-12-01T12:00:00.000Z",
  ]);
  // the month end of November, written later, puts the 12:00 one under its own name
  await writeSnapshot(frame(2), {
    dir,
    asOf: new Date("2026-12-01T00:00:00Z"),
    demo: false,
    origin: "backfill",
  });
  const listed = await listSnapshots(dir, false);
  assertEquals(listed.map((s) => [s.path.slice(dir.length + 1), s.asOf.toISOString()]), [
    ["helicone_pricing_data_2026-12-01.parquet", "2026-12-01T00:00:00.000Z"],
    ["helicone_pricing_data_2026-12-01T120000Z.parquet", "2026-12-01T12:00:00.000Z"],
  ]);
  assertEquals(
    listed.map((s) => readSnapshotFrame(s.path).getColumn("mrr_recurring").toArray()),
    [[2], [1]],
  );
});

Deno.test("an export without revenue keeps the stored snapshot of its as-of that has revenue, and says so", async () => {
  const outDir = await Deno.makeTempDir();
  const october = new Date("2026-10-01T00:00:00Z");
  const path = `${outDir}/history/helicone_pricing_data_2026-10-01_demo.parquet`;
  await runExport({ ...quiet, demo: true, asOf: october, outDir, formats: ["csv"] });
  const withRevenue = await Deno.readFile(path);
  const skipped = await runExport({
    ...quiet,
    demo: true,
    asOf: october,
    outDir,
    formats: ["csv"],
    stripe: "skip",
  });
  assertEquals(
    skipped.data.frame.getColumn("mrr_recurring").nullCount(),
    skipped.data.frame.height,
  );
  assertEquals(await Deno.readFile(path), withRevenue, "the snapshot with revenue stays");
  const warning = skipped.data.warnings.find((w) => w.startsWith("history snapshot"));
  assertEquals(
    warning,
    "history snapshot kept: helicone_pricing_data_2026-10-01_demo.parquet (written by an export) has revenue and this export has none (Stripe skipped or failed), so it is not replaced; delete it to store this export's",
  );
  const manifest = JSON.parse(await Deno.readTextFile(skipped.manifestPath));
  assertEquals(manifest.history_snapshot, undefined);
  ok((await Deno.readTextFile(skipped.briefPath)).includes("history snapshot kept:"));
  // a snapshot without revenue is still replaced by one with, and by another without
  const november = new Date("2026-11-01T00:00:00Z");
  const noRevenue = { ...quiet, demo: true, asOf: november, outDir, formats: ["csv" as const] };
  await runExport({ ...noRevenue, stripe: "skip" });
  const again = await runExport({ ...noRevenue, stripe: "skip" });
  ok(!again.data.warnings.some((w) => w.startsWith("history snapshot")));
  await runExport({ ...noRevenue });
  const stored = readSnapshotFrame(
    `${outDir}/history/helicone_pricing_data_2026-11-01_demo.parquet`,
  );
  ok(stored.getColumn("mrr_recurring").nullCount() < stored.height, "revenue stored");
});

Deno.test("re-running an export through a day keeps one snapshot of that day beside its 00:00 one", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  const exportAt = (at: string, stripe?: "skip") =>
    demoExportAt(at, { outDir, historyDir: dir, stripe });
  const parquets = () =>
    [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".parquet")).sort();
  await exportAt("2026-12-01T00:00:00Z");
  await exportAt("2026-12-01T09:00:00Z");
  await exportAt("2026-12-01T15:30:00.250Z"); // the day's latest: 09:00 goes, 00:00 stays
  await exportAt("2026-12-02T08:00:00Z"); // another day: the 1st's are not touched
  assertEquals(parquets(), [
    "helicone_pricing_data_2026-12-01T153000.250Z_demo.parquet",
    "helicone_pricing_data_2026-12-01_demo.parquet",
    "helicone_pricing_data_2026-12-02T080000Z_demo.parquet",
  ]);
  ok(!Deno.readDirSync(dir).some((e) => e.name.includes("T090000Z")), "its sidecar went too");
  ok(Deno.statSync(`${dir}/helicone_pricing_data_2026-12-01T153000.250Z_demo.parquet.json`).isFile);
  // a later run without revenue does not remove the day's earlier snapshot that has some
  await exportAt("2026-12-02T17:00:00Z", "skip");
  assertEquals(parquets().filter((n) => n.includes("2026-12-02")), [
    "helicone_pricing_data_2026-12-02T080000Z_demo.parquet",
    "helicone_pricing_data_2026-12-02T170000Z_demo.parquet",
  ]);
});
