/**
 * MRR cohorts (lib/history/cohorts.ts) when the newest snapshot is a month to date a few days
 * after a month end: its "+N mo" share is that month so far, not the month's end, and the
 * report's triangle says so in the cell and in a line under it. By hand from three customers.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { buildHistoryReport } from "../lib/history/report.ts";
import { cohortMarkdown } from "../lib/history/cohorts.ts";
import { snapshot } from "./fixtures/history.ts";

// as-of 2026-09-01 (August's end): A $100; 2026-10-01 (September's end): A $100, B $50;
// 2026-10-04 (October to date, three days in): A $80, B $50, C $10.
// Cohorts: "2026-08 or before" A: 100 %, 100 %, then 80 % at October to date;
// 2026-09 B: 100 %, then 100 % at October to date; "2026-10 (before 10-04)" C: 100 %.
const points = [
  snapshot("2026-09-01", [["a", "pro", 100, 1, 0]]),
  snapshot("2026-10-01", [["a", "pro", 100, 1, 0], ["b", "pro", 50, 1, 0]]),
  snapshot("2026-10-04", [["a", "pro", 80, 1, 0], ["b", "pro", 50, 1, 0], ["c", "pro", 10, 1, 0]]),
];

Deno.test("cohorts: a month to date a few days after a month end is marked 'to date' in the triangle, and said under it", () => {
  const { cohorts, periods } = buildHistoryReport(points, false);
  const lines = cohortMarkdown(cohorts, periods).join("\n").split("\n");
  const rows = lines.filter((line) => line.startsWith("| 2026-"));
  assertEquals(rows.slice(0, 3), [
    "| 2026-08 or before | 1 | $100.00 | 100.0 % | 100.0 % | 80.0 % (to date) |",
    "| 2026-09 | 1 | $50.00 | 100.0 % | 100.0 % (to date) |  |",
    // the cohort's own first snapshot: its label already says it is a month to date
    "| 2026-10 (before 10-04) | 1 | $10.00 | 100.0 % |  |  |",
  ]);
  const note =
    "(to date): the share at as-of 2026-10-04, 2026-10 (before 10-04), a month to date: the month so far, not its end.";
  assertEquals(lines.filter((line) => line === note).length, 1, lines.join("\n"));
});

Deno.test("cohorts: month ends only, nothing is marked 'to date'", () => {
  const { cohorts, periods } = buildHistoryReport(points.slice(0, 2), false);
  const markdown = cohortMarkdown(cohorts, periods).join("\n");
  ok(markdown.includes("| 2026-08 or before | 1 | $100.00 | 100.0 % | 100.0 % |"), markdown);
  ok(!markdown.includes("to date"), markdown);
});
