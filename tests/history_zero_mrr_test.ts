/**
 * A snapshot with revenue read but recurring MRR $0 for every organization (a Stripe key of
 * another account or mode) between snapshots with revenue reads as total churn, then total
 * reactivation: the report names it in one line (lib/history/zero_mrr.ts), and consecutive ones
 * together in one line naming each. One organization paying $100 (or $0, MRR known) at each month
 * end of a hand-built history.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { HistoryPoint } from "../lib/history/bridge.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { buildHistoryReport } from "../lib/history/report.ts";
import { historyMarkdown } from "../lib/history/report_markdown.ts";
import { zeroMrrSentences } from "../lib/history/zero_mrr.ts";
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
  assertEquals(report.zeroMrr, [{ months: ["2026-02-28"], recovered: true }]);
  const markdown = historyMarkdown(report, { files: [] });
  assertEquals(markdown.split(LINE).length - 1, 1, markdown);
  ok(markdown.includes("while the snapshots beside it have some"), markdown);
  ok(markdown.includes("and the next as every customer coming back"), markdown);
});

/** The line on two snapshots in a row at $0, Feb and Mar 2026, after January's $100. */
const PAIR =
  "snapshots as-of 2026-02-28 and 2026-03-31 have recurring MRR $0 for every organization though their revenue was read, while the snapshots before and after them have some: likely Stripe read with a key of another account or mode each time, so the month to as-of 2026-02-28 reads as every customer churning, the month to as-of 2026-03-31 as nothing moving ($0 to $0) and the next as every customer coming back. Check those snapshots; an export `--as-of` each as-of, or `deno task history backfill --replace`, writes them again.";

Deno.test("zero MRR: two months in a row at $0 between months with revenue are named together, both dates in one line", () => {
  const report = buildHistoryReport([
    month("2026-01-31", 100),
    month("2026-02-28", 0),
    month("2026-03-31", 0),
    month("2026-04-30", 100),
  ], false);
  // churn $100, then a month of nothing ($0 to $0), then reactivation $100 (cents)
  assertEquals(
    report.company.select("month", "churn_cents", "reactivation_cents", "end_cents").toRecords(),
    [
      { month: "2026-02-28", churn_cents: 10000, reactivation_cents: 0, end_cents: 0 },
      { month: "2026-03-31", churn_cents: 0, reactivation_cents: 0, end_cents: 0 },
      { month: "2026-04-30", churn_cents: 0, reactivation_cents: 10000, end_cents: 10000 },
    ],
  );
  assertEquals(report.zeroMrr, [{ months: ["2026-02-28", "2026-03-31"], recovered: true }]);
  assertEquals(zeroMrrSentences(report.zeroMrr), [PAIR]);
  const markdown = historyMarkdown(report, { files: [] });
  assertEquals(markdown.split(PAIR).length - 1, 1, markdown);
  assertEquals(markdown.split("has recurring MRR $0").length - 1, 0, "no line of its own each");
});

Deno.test("zero MRR: the last months at $0 after revenue are named, one or several; a history starting at $0 is not", () => {
  const last = buildHistoryReport([month("2026-01-31", 100), month("2026-02-28", 0)], false);
  assertEquals(last.zeroMrr, [{ months: ["2026-02-28"], recovered: false }]);
  assertEquals(zeroMrrSentences(last.zeroMrr), [
    "snapshot as-of 2026-02-28 has recurring MRR $0 for every organization though its revenue was read, while the snapshot before it has some: likely Stripe read with a key of another account or mode, so its month reads as every customer churning. Check that snapshot; an export `--as-of` its as-of, or `deno task history backfill --replace`, writes it again.",
  ]);
  // a business before its first payment
  const start = buildHistoryReport([month("2026-01-31", 0), month("2026-02-28", 100)], false);
  assertEquals(start.zeroMrr, []);
  ok(!historyMarkdown(start, { files: [] }).includes("recurring MRR $0 for every organization"));
  // three in a row to the end: one line naming all three (a second wrong read does not hide the
  // first)
  const lasting = buildHistoryReport([
    month("2026-01-31", 100),
    month("2026-02-28", 0),
    month("2026-03-31", 0),
    month("2026-04-30", 0),
  ], false);
  assertEquals(lasting.zeroMrr, [{
    months: ["2026-02-28", "2026-03-31", "2026-04-30"],
    recovered: false,
  }]);
  assertEquals(zeroMrrSentences(lasting.zeroMrr), [
    "snapshots as-of 2026-02-28, 2026-03-31 and 2026-04-30 have recurring MRR $0 for every organization though their revenue was read, while the snapshot before them has some: likely Stripe read with a key of another account or mode each time, so the month to as-of 2026-02-28 reads as every customer churning and the months to as-of 2026-03-31 and 2026-04-30 as nothing moving ($0 to $0). Check those snapshots; an export `--as-of` each as-of, or `deno task history backfill --replace`, writes them again.",
  ]);
  // two runs apart: a line each
  assertEquals(
    buildHistoryReport([
      month("2026-01-31", 100),
      month("2026-02-28", 0),
      month("2026-03-31", 100),
      month("2026-04-30", 0),
      month("2026-05-31", 0),
    ], false).zeroMrr,
    [
      { months: ["2026-02-28"], recovered: true },
      { months: ["2026-04-30", "2026-05-31"], recovered: false },
    ],
  );
});

/** `history report` on `points` stored as exports in a folder of their own: its stderr lines. */
async function reportErrors(points: HistoryPoint[]): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    for (const point of points) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const run = await runHistory([
      ...["report", "--live", "--no-charts", "--history-dir", dir, "--out-dir", `${dir}/out`],
    ]);
    assertEquals(run.code, 0, run.errors.join("\n"));
    return run.errors;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("zero MRR: history report warns in one line naming the snapshot", async () => {
  const errors = await reportErrors([
    month("2026-01-31", 100),
    month("2026-02-28", 0),
    month("2026-03-31", 100),
  ]);
  const warned = errors.filter((line) => line.includes("has recurring MRR $0"));
  assertEquals(warned.length, 1, errors.join("\n"));
  ok(warned[0].startsWith(`warning: ${LINE}`), warned[0]);
  assertEquals(warned[0].split("\n").length, 1);
});

Deno.test("zero MRR: history report warns in one line naming both snapshots of a pair at $0", async () => {
  const errors = await reportErrors([
    month("2026-01-31", 100),
    month("2026-02-28", 0),
    month("2026-03-31", 0),
    month("2026-04-30", 100),
  ]);
  assertEquals(
    errors.filter((line) => line.includes("recurring MRR $0")),
    [`warning: ${PAIR}`],
    errors.join("\n"),
  );
});
