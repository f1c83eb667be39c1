/**
 * Which stored snapshots the history report reads (lib/history/report.ts's
 * loadMonthlyHistoryPoints): the latest with revenue of each month, not the ones this export stands
 * in for nor those after its as-of, only the report's columns; snapshots without revenue or with
 * unknown MRR are counted and said; a damaged snapshot, or one an older kit stored weeks after its
 * as-of, fails in one line naming the file and the fix.
 */
import { deepStrictEqual as assertEquals, ok, rejects as assertRejects } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  buildHistoryReport,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { historySection } from "../lib/history/report_markdown.ts";
import { writeHistoryReport } from "../lib/history/report_files.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { listSnapshots, readSnapshotFrame } from "../lib/history/stored_snapshots.ts";
import { HISTORY_COLUMNS } from "../lib/history/bridge.ts";
import { HISTORY } from "./fixtures/history.ts";
import { UserError } from "../lib/core/config.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { snapshotAt } from "./history_snapshot_fixture.ts";

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
  const files = await writeHistoryReport(report, {
    chosenBy: ANOTHER_OUTPUT_FOLDER,
    outDir,
    charts: false,
  });
  const markdown = await Deno.readTextFile(files.markdownPath);
  ok(
    markdown.includes(
      "Left out (no revenue: Stripe skipped or failed in that export): as-of 2026-02-28.",
    ),
  );
  ok(markdown.includes("unknown MRR, counted as 0") && markdown.includes("as-of 2026-03-31: 1"));
  // March's row holds February's movements too: said, not labelled March alone
  ok(
    markdown.includes(
      "**Gap:** no snapshot with revenue for 2026-02, so the row 2026-02 → 2026-03 (before 03-31) (as-of 2026-03-31) holds 2 months of movements, netted per organization.",
    ),
    markdown,
  );
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
  const write = (asOf: string, frame: pl.DataFrame) => snapshotAt(dir, asOf, frame);
  await write("2026-01-31", sorted[0].frame);
  await write("2026-02-10", sorted[0].frame); // superseded: never read
  await write("2026-02-15", sorted[1].frame);
  // the month's last export had Stripe skipped: read, left out, named
  await write(
    "2026-02-28",
    sorted[1].frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr_recurring")),
  );
  await write("2026-03-31", sorted[2].frame);
  const points = await loadMonthlyHistoryPoints(dir, { demo: false });
  assertEquals(
    points.map((p) => p.asOf.toISOString().slice(0, 10)),
    ["2026-01-31", "2026-02-15", "2026-02-28", "2026-03-31"],
  );
  const report = buildHistoryReport(points, false);
  assertEquals(report.months, ["2026-01-31", "2026-02-15", "2026-03-31"]);
  assertEquals(report.skipped, ["2026-02-28"]);
  assertEquals(report.failures, []);
});

Deno.test("unknown MRR leaves out shared_customer organizations: their customer's revenue is on another row", async () => {
  // March: E's MRR unknown (revenue not read), F shares A's Stripe customer (its mrr empty, not
  // unknown: the brief, compare and the MCP server count 1 unknown, so must the report)
  const [jan, , mar] = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const ids = mar.frame.getColumn("org_id").toArray() as string[];
  const mrr = mar.frame.getColumn("mrr_recurring").toArray() as number[];
  const march = {
    asOf: mar.asOf,
    frame: mar.frame.withColumns(
      pl.Series("mrr_recurring", mrr.map((v, i) => ["E", "F"].includes(ids[i]) ? null : v)),
      pl.Series(
        "revenue_source",
        ids.map((id) => id === "E" ? "none" : id === "F" ? "shared_customer" : "stripe"),
      ),
    ),
  };
  const expected = [{ month: "2026-03-31", organizations: 1 }];
  assertEquals(buildHistoryReport([jan, march], false).unknownMrr, expected);
  // the same read back from stored snapshots (lazy scans of the report's columns)
  const dir = await Deno.makeTempDir();
  try {
    for (const point of [jan, march]) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const points = await loadMonthlyHistoryPoints(dir, { demo: false });
    assertEquals(buildHistoryReport(points, false).unknownMrr, expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("per plan, a shared Stripe customer's organizations count in its revenue row's plan, as the brief's per-plan table", async () => {
  // S (free plan, no MRR of its own: shared_customer) shares P's customer (pro, $100): its
  // requests and costs count in P's plan, where the revenue that pays for them is
  const month = (asOf: string) => ({
    asOf: new Date(`${asOf}T00:00:00Z`),
    frame: exportFrameFromColumns({
      org_id: ["P", "S", "F"],
      tier: ["pro", "free", "free"],
      plan: ["pro", "free", "free"],
      stripe_customer_id: ["cus_p", "cus_p", null],
      revenue_source: ["stripe", "shared_customer", "no_customer"],
      mrr_recurring: [100, null, 0],
      mrr: [100, null, 0],
      requests_30d: [1000, 500, 20],
      llm_cost_30d: [8, 6, 1],
      llm_cost_ptb_30d: [4, 3, 1],
    }),
  });
  const points = [month("2026-01-31"), month("2026-02-28")];
  const rows = (report: ReturnType<typeof buildHistoryReport>) =>
    Object.fromEntries(
      report.plans.filter(pl.col("month").eq(pl.lit("2026-02-28"))).toRecords().map((r) => [
        r.plan,
        [r.requests, r.llm_cost_usd, r.llm_cost_ptb_usd, r.mrr_margin_after_ptb_llm_pct],
      ]),
    );
  // pro: P + S = 1500 requests, $14 LLM cost, $7 PTB; margin (100 − 7) / 100; free: F alone
  const expected = { pro: [1500, 14, 7, 93], free: [20, 1, 1, null] };
  assertEquals(rows(buildHistoryReport(points, false)), expected);
  // the same read back from stored snapshots (lazy scans of the report's columns)
  const dir = await Deno.makeTempDir();
  try {
    for (const point of points) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    assertEquals(
      rows(buildHistoryReport(await loadMonthlyHistoryPoints(dir, { demo: false }), false)),
      expected,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadMonthlyHistoryPoints reads only the report's columns; the report is that of whole snapshots", async () => {
  const dir = await Deno.makeTempDir();
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  for (const point of sorted) {
    await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
  }
  const points = await loadMonthlyHistoryPoints(dir, { demo: false });
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

Deno.test("a damaged stored snapshot fails the report in one line naming the file and the fix", async () => {
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
      async () => buildHistoryReport(await loadMonthlyHistoryPoints(dir, { demo: false }), false),
      (error: Error) => {
        ok(error instanceof UserError, String(error));
        ok(error.message.startsWith(`${first.path} is not a readable Parquet snapshot (`));
        ok(error.message.endsWith("; move it out of the history folder or write it again"));
        assertEquals(error.message.split("\n").length, 1);
        return true;
      },
    );
    // cut short (its footer gone), it fails as the folder is listed, in the same line: the
    // report refuses (an export leaves it out of its history section: export_stage.ts)
    await Deno.truncate(first.path, 5_000);
    await assertRejects(
      () => loadMonthlyHistoryPoints(dir, { demo: false }),
      (error: Error) => {
        ok(error.message.startsWith(`${first.path} is not a readable Parquet snapshot (`));
        ok(error.message.endsWith("; move it out of the history folder or write it again"));
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
    (await snapshotAt(dir, asOf, frame)).path;
  await write("2026-02-28", sorted[0].frame);
  // March's earlier snapshot and one of this export's own date: made unreadable, so reading
  // either would throw
  for (const asOf of ["2026-03-15", "2026-03-31"]) {
    await Deno.writeTextFile(await write(asOf, sorted[1].frame), "not parquet");
  }
  const current = { asOf: new Date("2026-03-31T00:00:00Z"), frame: sorted[2].frame };
  const points = await loadMonthlyHistoryPoints(dir, { demo: false, current });
  assertEquals(points.map((p) => p.asOf.toISOString().slice(0, 10)), ["2026-02-28"]);
  // this export without revenue stands in for its own date only: March's earlier one is read
  const noRevenue = {
    asOf: current.asOf,
    frame: current.frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr_recurring")),
  };
  await assertRejects(() => loadMonthlyHistoryPoints(dir, { demo: false, current: noRevenue }));
});

Deno.test("an export's history leaves out the snapshots dated after its as-of (its future)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
    const write = (asOf: string, frame: pl.DataFrame) => snapshotAt(dir, asOf, frame);
    await write("2026-02-01", sorted[0].frame);
    await write("2026-03-01", sorted[1].frame); // after the export below: not its history
    const current = { asOf: new Date("2026-02-15T00:00:00Z"), frame: sorted[2].frame };
    const dates = (points: { asOf: Date }[]) =>
      points.map((p) => p.asOf.toISOString().slice(0, 10));
    assertEquals(dates(await loadMonthlyHistoryPoints(dir, { demo: false, current })), [
      "2026-02-01",
    ]);
    // another window's export (no current) gives its as-of: the same cut
    assertEquals(
      dates(await loadMonthlyHistoryPoints(dir, { demo: false, until: current.asOf })),
      ["2026-02-01"],
    );
    // the report over all of them (deno task history report) still reads both
    assertEquals(dates(await loadMonthlyHistoryPoints(dir, { demo: false })), [
      "2026-02-01",
      "2026-03-01",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot an older kit's export stored weeks after its as-of is named with the fix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const frame = (mrr: number[]) =>
      exportFrameFromColumns({ org_id: ["A", "B"], tier: ["pro", "team"], mrr_recurring: mrr });
    // stored by exports run an hour after their as-of, except 2026-10-01's: an older kit stored it
    // on 2026-12-03 12:00, 63.5 days later
    for (
      const [asOf, mrr, writtenAt] of [
        ["2026-09-01", [20, 100], "2026-09-01T01:00:00.000Z"],
        ["2026-10-01", [20, 200], "2026-12-03T12:00:00.000Z"],
        ["2026-11-01", [20, 200], "2026-11-01T01:00:00.000Z"],
      ] as const
    ) {
      const { path } = await snapshotAt(dir, asOf, frame([...mrr]));
      const meta = JSON.parse(await Deno.readTextFile(`${path}.json`));
      await Deno.writeTextFile(`${path}.json`, JSON.stringify({ ...meta, written_at: writtenAt }));
    }
    const report = await loadHistoryReport(
      await loadMonthlyHistoryPoints(dir, { demo: false }),
      false,
    );
    assertEquals(report.staleExports.map((s) => s.month), ["2026-10-01"]);
    const section = historySection(report);
    const lines = section.split("\n").filter((line) => line.includes("older kit"));
    assertEquals(lines.length, 1, section);
    ok(
      lines[0].startsWith(
        "Snapshot as-of 2026-10-01 was stored by an older kit's export: as-of 2026-10-01 is 63.5 days before the export ran",
      ),
      lines[0],
    );
    ok(lines[0].includes("`deno task history backfill` replaces it"), lines[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
