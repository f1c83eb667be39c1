/**
 * The history report at the calendar's edges (stop 55's probe): a snapshot dated after now, and
 * a first snapshot before the first sign-up (no organization), each against figures worked out by
 * hand from four organizations.
 *
 *   as-of        A       B       C      D
 *   02-01      100.00  200.00    0     80.00   start 380.00, paying A B D
 *   03-01      150.00    0      50.00  80.00   new 50 (C), expansion 50 (A), churn 200 (B): 280.00
 *   04-01      150.00  300.00    0     40.00   (and E 60.00)
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { runHistory } from "./history_cli_run.ts";
import { demoExportAt } from "./history_snapshot_fixture.ts";

type Row = [org: string, mrr: number];
const JAN: Row[] = [["A", 100], ["B", 200], ["C", 0], ["D", 80]];
const FEB: Row[] = [["A", 150], ["B", 0], ["C", 50], ["D", 80]];
const MAR: Row[] = [["A", 150], ["B", 300], ["C", 0], ["D", 40], ["E", 60]];

/** A live export's snapshot of `rows` at `asOf`, in `dir`. */
function snapshotOf(dir: string, asOf: string, rows: Row[]) {
  const frame = exportFrameFromColumns({
    org_id: rows.map((r) => r[0]),
    tier: rows.map(() => "pro"),
    mrr_recurring: rows.map((r) => r[1]),
    mrr: rows.map((r) => r[1]),
    requests_30d: rows.map(() => 10),
    llm_cost_30d: rows.map(() => 0),
    llm_cost_ptb_30d: rows.map(() => 0),
    subscription_status: rows.map((r) => r[1] > 0 ? "active" : "canceled"),
  });
  return writeSnapshot(frame, { dir, asOf: new Date(asOf), demo: false, origin: "export" });
}

/** `history report` of `dir` (no charts) into a new folder: its result and the company rows. */
async function report(dir: string) {
  const out = await Deno.makeTempDir();
  const result = await runHistory([
    "report",
    "--live",
    "--no-charts",
    "--history-dir",
    dir,
    "--out-dir",
    out,
  ]);
  const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  const csv = names.find((n) => /^helicone_pricing_history_[^_]+\.csv$/.test(n));
  const md = names.find((n) => n.endsWith(".md"));
  const retentionCsv = names.find((n) => n.endsWith("_retention.csv"));
  const retention = retentionCsv
    ? parseCsvRecords(await Deno.readTextFile(join(out, retentionCsv))).records
      .filter((r) => r.plan === "(all)")
    : [];
  const company = csv
    ? parseCsvRecords(await Deno.readTextFile(join(out, csv))).records
      .filter((r) => r.plan === "(all)")
      .map((r) => [r.month, r.as_of, r.start_mrr_usd, r.new_usd, r.churn_usd, r.end_mrr_usd])
    : [];
  const markdown = md ? await Deno.readTextFile(join(out, md)) : "";
  await Deno.remove(out, { recursive: true });
  return { ...result, names, company, retention, markdown };
}

Deno.test("history report leaves out a snapshot dated after now, naming it in one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await snapshotOf(dir, "2026-02-01T00:00:00Z", JAN);
    await snapshotOf(dir, "2026-03-01T00:00:00Z", FEB);
    // no export, import or backfill writes one: a clock set ahead, or a file renamed by hand
    await snapshotOf(dir, "2099-03-01T00:00:00Z", JAN);
    const result = await report(dir);
    assertEquals(result.code, 0, result.errors.join("\n"));
    // February's row alone: no row of 2099 netting 2026-03 … 2099-02
    assertEquals(result.company, [["2026-02", "2026-03-01", "380", "50", "200", "280"]]);
    ok(result.names.includes("helicone_pricing_history_2026-03-01.csv"), result.names.join());
    assertEquals(
      result.errors.filter((line) => line.includes("2099")),
      [
        `warning: history snapshot helicone_pricing_data_2099-03-01.parquet is dated as-of 2099-03-01, after now: left out of the report (no export, import or backfill stores one for a time to come: a clock set ahead when it was written, or a file renamed); delete it, or rename it to the as-of it holds`,
      ],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a first snapshot before the first sign-up is the report's baseline, said as such", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // by hand: January's row starts at 0 (no organization yet) and A, B and D are new, 380.00
    await snapshotOf(dir, "2026-01-01T00:00:00Z", []);
    await snapshotOf(dir, "2026-02-01T00:00:00Z", JAN);
    await snapshotOf(dir, "2026-03-01T00:00:00Z", FEB);
    const result = await report(dir);
    assertEquals(result.code, 0, result.errors.join("\n"));
    assertEquals(result.company, [
      ["2026-01", "2026-02-01", "0", "380", "0", "380"],
      ["2026-02", "2026-03-01", "380", "50", "200", "280"],
    ]);
    // the baseline the sentence and the command's line name is the row 2026-01's start
    ok(
      result.markdown.includes(
        "3 snapshots, the latest of each month: the baseline as-of 2026-01-01 (the end of 2025-12); month ends 2026-01 (as-of 2026-02-01), 2026-02 (as-of 2026-03-01).",
      ),
      result.markdown,
    );
    ok(
      result.logs.includes("history 2026-01-01 to 2026-03-01 (3 snapshots):"),
      result.logs.join("\n"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a first snapshot before the first sign-up, months before the next: the row names the gap", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 2025-10-01 holds no organization; the next snapshot, 2026-02-01, closes January: the row
    // 2025-10 → 2026-01 holds four months (new 380.00), and three month ends are missing
    await snapshotOf(dir, "2025-10-01T00:00:00Z", []);
    await snapshotOf(dir, "2026-02-01T00:00:00Z", JAN);
    await snapshotOf(dir, "2026-03-01T00:00:00Z", FEB);
    const result = await report(dir);
    assertEquals(result.code, 0, result.errors.join("\n"));
    assertEquals(result.company[0], ["2026-01", "2026-02-01", "0", "380", "0", "380"]);
    ok(
      result.markdown.includes(
        "**Gap:** no snapshot with revenue for 2025-10 to 2025-12, so the row 2025-10 → 2026-01 (as-of 2026-02-01) holds 4 months of movements, netted per organization.",
      ),
      result.markdown,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retention over the months stored starts at the first snapshot where a customer paid, naming the one before", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // by hand: 2026-01-01 holds the four organizations, none paying; from 2026-02-01 (A, B, D
    // paying 380.00) to 2026-04-01 (A 150, B 300, D 40: 490.00; capped 100 + 200 + 40 = 340.00):
    // NRR 490 ÷ 380 = 128.95 %, GRR 340 ÷ 380 = 89.47 %, no customer lost
    await snapshotOf(dir, "2026-01-01T00:00:00Z", [["A", 0], ["B", 0], ["C", 0], ["D", 0]]);
    await snapshotOf(dir, "2026-02-01T00:00:00Z", JAN);
    await snapshotOf(dir, "2026-03-01T00:00:00Z", FEB);
    await snapshotOf(dir, "2026-04-01T00:00:00Z", MAR);
    const result = await report(dir);
    assertEquals(result.code, 0, result.errors.join("\n"));
    const period = result.retention.filter((r) => r.period !== "month");
    assertEquals(
      period.map((r) => [
        r.period,
        r.from_as_of,
        r.as_of,
        r.months_covered,
        r.start_mrr_usd,
        r.net_revenue_retention_pct,
        r.gross_revenue_retention_pct,
        r.logo_churn_pct,
      ]),
      [["months_stored", "2026-02-01", "2026-04-01", "2", "380", "128.95", "89.47", "0"]],
    );
    // again, from the bridge state the first report kept: the same start
    const again = await report(dir);
    assertEquals(again.retention, result.retention);
    ok(
      result.markdown.includes(
        "**Revenue retention**, over the 2 months stored (as-of 2026-02-01 → 2026-04-01; no customer paid at as-of 2026-01-01 before it): NRR 128.9 %, GRR 89.5 %, logo churn 0.0 % (0 of 3 customers).",
      ),
      result.markdown,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export names a stored snapshot dated after now, which its history section leaves out", async () => {
  const outDir = await Deno.makeTempDir();
  const historyDir = join(outDir, "history");
  try {
    await Deno.mkdir(historyDir);
    const demo = (asOf: string) =>
      demoExportAt(asOf, { outDir: join(outDir, asOf.slice(0, 10)), historyDir });
    await demo("2026-10-01T00:00:00Z");
    // a demo snapshot renamed to a time to come (a clock set ahead when it was written)
    const name = "helicone_pricing_data_2026-10-01_demo.parquet";
    const future = "helicone_pricing_data_2099-03-01_demo.parquet";
    await Deno.copyFile(join(historyDir, name), join(historyDir, future));
    const result = await demo("2026-11-01T00:00:00Z");
    assertEquals(
      result.data.warnings.filter((w) => w.includes("2099")),
      [
        `history snapshot ${future} is dated as-of 2099-03-01, after now: left out of the history section (no export, import or backfill stores one for a time to come: a clock set ahead when it was written, or a file renamed); delete it, or rename it to the as-of it holds`,
      ],
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
