/**
 * A snapshot with revenue read but recurring MRR $0 for every organization (a Stripe key of
 * another account or mode) between snapshots with revenue reads as total churn, then total
 * reactivation: the report names it in one line (lib/history/zero_mrr.ts). One organization paying
 * $100 (or $0, MRR known) at each month end of a hand-built history.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { HistoryPoint } from "../lib/history/bridge.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { buildHistoryReport, historyMarkdown } from "../lib/history/report.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { runHistory } from "./history_cli_run.ts";

function month(asOf: string, mrr: number): HistoryPoint {
  return {
    asOf: new Date(`${asOf}T00:00:00Z`),
    frame: exportFrameFromColumns({
      org_id: ["org_a", "org_b"],
      tier: ["pro", "free"],
      stripe_customer_id: ["cus_a", null],
      revenue_source: ["stripe", "no_customer"],
      mrr_recurring: [mrr, 0],
      mrr: [mrr, 0],
      subscription_status: ["active", null],
      requests_30d: [100, 5],
      llm_cost_30d: [0, 0],
      llm_cost_ptb_30d: [0, 0],
    }),
  };
}

const LINE = "snapshot as-of 2026-02-28 has recurring MRR $0 for every organization though";

Deno.test("zero MRR: a month at $0 between months with revenue is named once, in the report", () => {
  const report = buildHistoryReport([
    month("2026-01-31", 100),
    month("2026-02-28", 0),
    month("2026-03-31", 100),
  ], false);
  // what the bridge reads: churn $100, then reactivation $100 (cents)
  assertEquals(
    report.company.select("month", "churn_cents", "reactivation_cents").toRecords(),
    [
      { month: "2026-02-28", churn_cents: 10000, reactivation_cents: 0 },
      { month: "2026-03-31", churn_cents: 0, reactivation_cents: 10000 },
    ],
  );
  assertEquals(report.zeroMrr, ["2026-02-28"]);
  const markdown = historyMarkdown(report, { files: [] });
  assertEquals(markdown.split(LINE).length - 1, 1, markdown);
});

Deno.test("zero MRR: the last month at $0 after revenue is named; a history starting at $0, or a churn that lasts, is not", () => {
  assertEquals(
    buildHistoryReport([month("2026-01-31", 100), month("2026-02-28", 0)], false).zeroMrr,
    ["2026-02-28"],
  );
  // a business before its first payment
  const start = buildHistoryReport([month("2026-01-31", 0), month("2026-02-28", 100)], false);
  assertEquals(start.zeroMrr, []);
  ok(!historyMarkdown(start, { files: [] }).includes("has recurring MRR $0"));
  // everyone gone for good (two months at $0): the bridge's churn, no suspect snapshot
  assertEquals(
    buildHistoryReport([
      month("2026-01-31", 100),
      month("2026-02-28", 0),
      month("2026-03-31", 0),
    ], false).zeroMrr,
    [],
  );
});

Deno.test("zero MRR: history report warns in one line naming the snapshot", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const point of [month("2026-01-31", 100), month("2026-02-28", 0), month("2026-03-31", 100)]
    ) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const run = await runHistory([
      "report",
      "--live",
      "--no-charts",
      "--history-dir",
      dir,
      "--out-dir",
      `${dir}/out`,
    ]);
    assertEquals(run.code, 0, run.errors.join("\n"));
    const warned = run.errors.filter((line) => line.includes("has recurring MRR $0"));
    assertEquals(warned.length, 1, run.errors.join("\n"));
    ok(warned[0].startsWith(`warning: ${LINE}`), warned[0]);
    assertEquals(warned[0].split("\n").length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
