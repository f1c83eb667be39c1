/**
 * The history report on the hand-built history (tests/fixtures/history.ts): the CSV's company
 * rows read back equal the bridge worked out by hand, plan text is escaped in Markdown, the charts
 * are written as SVG and PNG, the brief and XLSX carry the history once two snapshots exist, and
 * `deno task compare` takes two snapshots.
 */
import { deepStrictEqual as assertEquals, ok, rejects as assertRejects } from "node:assert/strict";
import ExcelJS from "exceljs";
import pl from "nodejs-polars";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { runExport } from "../lib/export.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import {
  buildHistoryReport,
  formatCents,
  loadMonthlyHistoryPoints,
  writeHistoryReport,
} from "../lib/history/report.ts";
import { listSnapshots, readSnapshotFrame, writeSnapshot } from "../lib/history/snapshot.ts";
import { HISTORY_COLUMNS } from "../lib/history/bridge.ts";
import { HISTORY } from "./fixtures/history.ts";
import { UserError } from "../lib/core/config.ts";

Deno.test("formatCents is exact", () => {
  assertEquals(formatCents(125010), "$1,250.10");
  assertEquals(formatCents(-9999), "−$99.99");
  assertEquals(formatCents(5), "$0.05");
});

Deno.test("history report: CSV, Markdown and charts from the hand-built history", async () => {
  const outDir = await Deno.makeTempDir();
  // A plan name with Markdown and HTML in it: data, to be escaped.
  const points = HISTORY.map((p) => ({
    asOf: p.asOf,
    frame: p.frame.withColumns(
      pl.Series(
        "plan",
        (p.frame.getColumn("tier").toArray() as string[]).map((t) =>
          t === "team" ? "team|<b>[x](y)</b>" : t
        ),
      ),
    ),
  }));
  const report = buildHistoryReport(points, false);
  assertEquals(report.failures, []);
  const files = await writeHistoryReport(report, { outDir, charts: true });
  assertEquals(files.csvPath, `${outDir}/helicone_pricing_history_2026-03-31.csv`);

  const { records } = parseCsvRecords(await Deno.readTextFile(files.csvPath));
  const company = records.filter((r) => r.plan === "(all)").map((r) => [
    r.month,
    r.start_mrr_usd,
    r.new_usd,
    r.expansion_usd,
    r.contraction_usd,
    r.churn_usd,
    r.reactivation_usd,
    r.end_mrr_usd,
    r.paying_orgs,
  ]);
  assertEquals(company, [
    ["2026-02-28", "800.09", "500", "250", "0", "299.99", "0", "1250.1", "4"],
    ["2026-03-31", "1250.1", "0", "0", "321", "0", "250", "1179.1", "5"],
  ]);
  const teamMarch = records.find((r) => r.month === "2026-03-31" && r.plan.startsWith("team"))!;
  assertEquals(teamMarch.plan, "team|<b>[x](y)</b>", "the CSV keeps the text as it is");
  assertEquals(
    [teamMarch.start_mrr_usd, teamMarch.contraction_usd, teamMarch.moved_out_usd],
    ["1100", "100", "300"],
  );

  const markdown = await Deno.readTextFile(files.markdownPath);
  ok(!markdown.includes("<b>"), "no raw HTML from the data");
  ok(markdown.includes("team\\|&lt;b>\\[x\\](y)&lt;/b>"), "plan name escaped (escapeMarkdown)");
  ok(markdown.includes("| 2026-02-28 | $800.09 | $500.00 | $250.00 | $0.00 | −$299.99 | $0.00 |"));
  ok(markdown.includes("Every month's bridge reconciles to the cent"));

  assertEquals(files.chartPaths.length, 8); // 4 charts × SVG + PNG
  for (const path of files.chartPaths.filter((p) => p.endsWith(".png"))) {
    const bytes = await Deno.readFile(path);
    assertEquals([...bytes.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  }
  for (const path of files.chartPaths.filter((p) => p.endsWith(".svg"))) {
    const svg = await Deno.readTextFile(path);
    ok(!svg.includes("<b>"), `${path}: plan text escaped in SVG`);
  }
  const waterfall = await Deno.readTextFile(
    `${outDir}/helicone_pricing_history_bridge_waterfall_2026-03-31.svg`,
  );
  ok(waterfall.includes("start 2026-01-31") && waterfall.includes("end 2026-03-31"));
});

Deno.test("the brief and the XLSX get the history once two snapshots exist", async () => {
  const outDir = await Deno.makeTempDir();
  const base = { demo: true, outDir, charts: false, env: {}, log: () => {}, quiet: true };
  const first = await runExport({ ...base, asOf: new Date("2026-10-01T00:00:00Z") });
  const firstBrief = await Deno.readTextFile(first.briefPath);
  ok(!firstBrief.includes("## MRR history"), "one snapshot: no history section");

  const second = await runExport({ ...base, asOf: new Date("2026-11-01T00:00:00Z") });
  const brief = await Deno.readTextFile(second.briefPath);
  ok(brief.includes("## MRR history 2026-10-01 to 2026-11-01"), "the brief's section");
  ok(brief.includes("reconciles to the cent"));

  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(`${outDir}/helicone_pricing_data_2026-11-01_demo.xlsx`);
  const sheet = workbook.getWorksheet("history");
  ok(sheet, "a history sheet");
  const header = (sheet.getRow(1).values as unknown[]).slice(1);
  assertEquals(header.slice(0, 4), ["month", "plan", "start_mrr_usd", "new_usd"]);
  // company row + plan rows of the one bridge month; the end equals the export's MRR total
  const all = sheet.getRow(2).values as unknown[];
  assertEquals(all.slice(1, 3), ["2026-11-01", "(all)"]);
  const totalCents = (second.data.frame.getColumn("mrr_recurring").toArray() as (number | null)[])
    .reduce((sum: number, v) => sum + Math.round((v ?? 0) * 100), 0);
  const endColumn = header.indexOf("end_mrr_usd") + 1;
  assertEquals(Math.round((all[endColumn] as number) * 100), totalCents);
});

Deno.test("compare takes two snapshots", async () => {
  const dir = await Deno.makeTempDir();
  for (const point of [HISTORY[0], HISTORY[2]]) {
    await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
  }
  const quiet = ["--quiet", "--out-dir", dir];
  const code = await compareMain([
    `${dir}/helicone_pricing_data_2026-01-31.parquet`,
    `${dir}/helicone_pricing_data_2026-03-31.parquet`,
    ...quiet,
  ]);
  assertEquals(code, 0);
  const { records } = parseCsvRecords(
    await Deno.readTextFile(`${dir}/helicone_pricing_compare_2026-01-31_to_2026-03-31.csv`),
  );
  const byOrg = Object.fromEntries(records.map((r) => [r.org_id, r]));
  assertEquals(Object.keys(byOrg).sort(), ["A", "B", "C", "D", "E", "F", "G"]);
  assertEquals(byOrg.G.presence, "disappeared");
  // C free → team, D pro → team, E team → pro
  assertEquals(records.filter((r) => r.tier_changed === "true").map((r) => r.org_id), [
    "C",
    "D",
    "E",
  ]);
  assertEquals([byOrg.A.mrr_old, byOrg.A.mrr_new], ["100.1", "150.1"]);
});

Deno.test("a snapshot without revenue is left out, unknown MRR is counted and said", async () => {
  const [jan, feb, mar] = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const noRevenue = {
    asOf: feb.asOf,
    frame: feb.frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr_recurring")),
  };
  // March with E's MRR unknown: E (79.00) reads as 0
  const ids = mar.frame.getColumn("org_id").toArray() as string[];
  const marchUnknown = {
    asOf: mar.asOf,
    frame: mar.frame.withColumns(
      pl.Series(
        "mrr_recurring",
        (mar.frame.getColumn("mrr_recurring").toArray() as number[]).map((v, i) =>
          ids[i] === "E" ? null : v
        ),
        pl.Float64,
      ),
    ),
  };
  const report = buildHistoryReport([jan, noRevenue, marchUnknown], false);
  assertEquals(report.months, ["2026-01-31", "2026-03-31"]);
  assertEquals(report.skipped, ["2026-02-28"]);
  assertEquals(report.unknownMrr, [{ month: "2026-03-31", organizations: 1 }]);
  assertEquals(report.failures, []);
  // Jan → Mar directly: end = 15010 + 25000 + 40000 + 30000 (E unknown → 0)
  assertEquals(report.company.toRecords()[0].end_cents, 110010);
  const outDir = await Deno.makeTempDir();
  const files = await writeHistoryReport(report, { outDir, charts: false });
  const markdown = await Deno.readTextFile(files.markdownPath);
  ok(
    markdown.includes(
      "Left out (no revenue: Stripe skipped or failed in that export): 2026-02-28.",
    ),
  );
  ok(markdown.includes("unknown MRR, counted as 0") && markdown.includes("2026-03-31: 1"));
  assertThrowsOne(() => buildHistoryReport([jan, noRevenue], false));
});

function assertThrowsOne(work: () => unknown) {
  try {
    work();
  } catch (error) {
    ok(/two snapshots with revenue, got 1 \(of 2/.test((error as Error).message));
    return;
  }
  throw new Error("expected an error");
}

Deno.test("daily snapshots: the latest of each month makes the month-end bridge", () => {
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  // a mid-February snapshot (B still paying) is superseded by the month's last one
  const midFebruary = { asOf: new Date("2026-02-15T00:00:00Z"), frame: sorted[0].frame };
  const report = buildHistoryReport([...sorted, midFebruary], false);
  assertEquals(report.months, ["2026-01-31", "2026-02-28", "2026-03-31"]);
  // 03-01 00:00 closes February: it replaces 02-28 as February's snapshot
  const marchFirst = { asOf: new Date("2026-03-01T00:00:00Z"), frame: sorted[1].frame };
  const withFirst = buildHistoryReport([sorted[0], sorted[1], marchFirst, sorted[2]], false);
  assertEquals(withFirst.months, ["2026-01-31", "2026-03-01", "2026-03-31"]);
  assertEquals(withFirst.failures, []);
});

Deno.test("loadMonthlyHistoryPoints reads the latest snapshot with revenue of each month", async () => {
  const dir = await Deno.makeTempDir();
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const write = (asOf: string, frame: pl.DataFrame) =>
    writeSnapshot(frame, {
      dir,
      asOf: new Date(`${asOf}T00:00:00Z`),
      demo: false,
      origin: "export",
    });
  await write("2026-01-31", sorted[0].frame);
  await write("2026-02-10", sorted[0].frame); // superseded: never read
  await write("2026-02-15", sorted[1].frame);
  // the month's last export had Stripe skipped: read, left out, named
  await write(
    "2026-02-28",
    sorted[1].frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr_recurring")),
  );
  await write("2026-03-31", sorted[2].frame);
  const points = await loadMonthlyHistoryPoints(dir, false);
  assertEquals(
    points.map((p) => p.asOf.toISOString().slice(0, 10)),
    ["2026-01-31", "2026-02-15", "2026-02-28", "2026-03-31"],
  );
  const report = buildHistoryReport(points, false);
  assertEquals(report.months, ["2026-01-31", "2026-02-15", "2026-03-31"]);
  assertEquals(report.skipped, ["2026-02-28"]);
  assertEquals(report.failures, []);
});

Deno.test("loadMonthlyHistoryPoints reads only the report's columns; the report is that of whole snapshots", async () => {
  const dir = await Deno.makeTempDir();
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  for (const point of sorted) {
    await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
  }
  const points = await loadMonthlyHistoryPoints(dir, false);
  assertEquals(points.length, sorted.length);
  for (const point of points) {
    assertEquals([...point.frame.columns].sort(), [...HISTORY_COLUMNS].sort());
  }
  const whole = (await listSnapshots(dir, false)).map((info) => ({
    asOf: info.asOf,
    frame: readSnapshotFrame(info.path),
  }));
  assertEquals(whole[0].frame.width > HISTORY_COLUMNS.length, true);
  const projected = buildHistoryReport(points, false);
  const full = buildHistoryReport(whole, false);
  for (const part of ["company", "plans", "changes", "planEnds"] as const) {
    ok(projected[part].frameEqual(full[part], true), part);
  }
  assertEquals(projected.months, full.months);
  assertEquals(projected.unknownMrr, full.unknownMrr);
});

Deno.test("a stored snapshot damaged past its schema fails in one line naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const point of HISTORY) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const [first] = await listSnapshots(dir, false);
    // the data pages after the magic bytes zeroed; the footer (schema, row groups) intact, so
    // the lazy scan opens and only reading the values fails
    const bytes = await Deno.readFile(first.path);
    bytes.fill(0, 4, Math.min(bytes.length - 64, 4 + 512));
    await Deno.writeFile(first.path, bytes);
    await assertRejects(
      async () => buildHistoryReport(await loadMonthlyHistoryPoints(dir, false), false),
      (error: Error) => {
        ok(error instanceof UserError, String(error));
        ok(error.message.startsWith(`${first.path} is not a readable Parquet snapshot (`));
        assertEquals(error.message.split("\n").length, 1);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadMonthlyHistoryPoints does not read the snapshots this export stands in for", async () => {
  const dir = await Deno.makeTempDir();
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const write = async (asOf: string, frame: pl.DataFrame) =>
    (await writeSnapshot(frame, {
      dir,
      asOf: new Date(`${asOf}T00:00:00Z`),
      demo: false,
      origin: "export",
    })).path;
  await write("2026-02-28", sorted[0].frame);
  // March's earlier snapshot and one of this export's own date: made unreadable, so reading
  // either would throw
  for (const asOf of ["2026-03-15", "2026-03-31"]) {
    await Deno.writeTextFile(await write(asOf, sorted[1].frame), "not parquet");
  }
  const current = { asOf: new Date("2026-03-31T00:00:00Z"), frame: sorted[2].frame };
  const points = await loadMonthlyHistoryPoints(dir, false, current);
  assertEquals(points.map((p) => p.asOf.toISOString().slice(0, 10)), ["2026-02-28"]);
  // this export without revenue stands in for its own date only: March's earlier one is read
  const noRevenue = {
    asOf: current.asOf,
    frame: current.frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr_recurring")),
  };
  await assertRejects(() => loadMonthlyHistoryPoints(dir, false, noRevenue));
});
