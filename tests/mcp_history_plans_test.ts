/**
 * lib/mcp/history_plans.ts: each plan's bridge over the retention period, by hand. Plan a moves
 * $30 of a customer to plan b in February; rows before the period's start snapshot and the month
 * to date after its end are left out:
 *
 *   as-of             a: start, movements, end        b: start, movements, end
 *   2026-01-01        50 → 100 (before the period)    0 → 0
 *   2026-02-01        100, churn 20, moved out 30 → 50  0, moved in 30 → 30
 *   2026-03-01        50, expansion 10 → 60            30, new 5 → 35
 *   2026-03-06T…      60, churn 60 → 0 (after it)      35 → 35
 *
 * Over as-of 2026-01-01 → 2026-03-01: a 100 + 10 − 20 − 30 = 60; b 0 + 5 + 30 = 35.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { planPeriodMarkdown, planPeriodRows } from "../lib/mcp/history_plans.ts";
import { BRIDGE_MOVEMENTS, bridgeHeader } from "../lib/history/report_cells.ts";
import { MOVEMENTS, PLAN_MOVES } from "../lib/history/bridge.ts";
import { FX_IMPACT } from "../lib/history/bridge_fx.ts";

type PlanMonth = [
  plan: string,
  asOf: string,
  start: number,
  moves: Record<string, number>,
  end: number,
];

const PLANS = ([
  ["a", "2026-01-01", 50, { new_usd: 50 }, 100],
  ["b", "2026-01-01", 0, {}, 0],
  ["a", "2026-02-01", 100, { churn_usd: 20, moved_out_usd: 30 }, 50],
  ["b", "2026-02-01", 0, { moved_in_usd: 30 }, 30],
  ["a", "2026-03-01", 50, { expansion_usd: 10 }, 60],
  ["b", "2026-03-01", 30, { new_usd: 5 }, 35],
  ["a", "2026-03-06T12:00:00Z", 60, { churn_usd: 60 }, 0],
  ["b", "2026-03-06T12:00:00Z", 35, {}, 35],
] as PlanMonth[]).map(([plan, as_of, start, moves, end]) => ({
  plan,
  as_of,
  start_mrr_usd: start,
  ...moves,
  end_mrr_usd: end,
}));
const RETENTION = [
  { period: "month", plan: "(all)", from_as_of: "2026-02-01", as_of: "2026-03-01" },
  { period: "months_stored", plan: "(all)", from_as_of: "2026-01-01", as_of: "2026-03-01" },
];

Deno.test("planPeriodRows: each plan's start, movements summed and end over the retention period", () => {
  const rows = planPeriodRows(PLANS, RETENTION);
  const pick = ["plan", "start_mrr_usd", "new_usd", "expansion_usd", "churn_usd", "moved_in_usd"];
  assertEquals(
    rows.map((r) =>
      [...pick, "moved_out_usd", "end_mrr_usd"].map((c) => (r as Record<string, unknown>)[c])
    ),
    [
      ["a", 100, 0, 10, 20, 0, 30, 60],
      ["b", 0, 5, 0, 0, 30, 0, 35],
    ],
  );
  const markdown = planPeriodMarkdown(rows)!;
  ok(markdown.startsWith("### Per plan, as-of 2026-01-01 → 2026-03-01\n"), markdown);
  ok(
    markdown.includes(
      "| a | $100.00 | $0.00 | $10.00 | $0.00 | -$20.00 | $0.00 | $0.00 | $0.00 | $0.00 | -$30.00 | $0.00 | $60.00 |",
    ),
    markdown,
  );
  // no period (fewer than two months): no rows, no section
  assertEquals(planPeriodRows(PLANS, []), []);
  assertEquals(planPeriodMarkdown([]), null);
});

Deno.test("BRIDGE_MOVEMENTS: the bridge's movements in its order, the losses those its check subtracts", () => {
  // one list for mrr_history's per-plan USD rows and the history report's cents rows
  assertEquals(BRIDGE_MOVEMENTS.map((m) => m.name), [...MOVEMENTS, ...PLAN_MOVES, FX_IMPACT]);
  // revenue-rules.md: start + … − contraction − churn − paused − moved_out + fx_impact = end
  assertEquals(BRIDGE_MOVEMENTS.filter((m) => m.loss).map((m) => m.name), [
    "contraction",
    "churn",
    "paused",
    "moved_out",
  ]);
  assertEquals(bridgeHeader({ moves: false, fx: false }).slice(0, 9), [
    ...["start", "new", "expansion", "contraction", "churn", "reactivation", "paused", "resumed"],
    "end",
  ]);
  assertEquals(
    bridgeHeader({ moves: true, fx: true }).slice(8, 12),
    ["moved in", "moved out", "FX impact", "end"],
  );
});
