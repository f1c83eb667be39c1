/**
 * The MRR bridge on the small hand-built history of tests/fixtures/history.ts (three month-end
 * snapshots). Every number below is computed by hand from the fixture (cents), as the comments show.
 *
 *            Jan 31          Feb 28          Mar 31
 *   A  pro   100.10    pro   150.10    pro   150.10     expansion 5000 in Feb
 *   B  pro   200.00    pro     0       pro   250.00     churn 20000 Feb, reactivation 25000 Mar
 *   C  free    0       team  500.00    team  400.00     new 50000 Feb, contraction 10000 Mar
 *   D  pro   100.00    team  300.00    team  300.00     plan change while paying (upgrade) Feb
 *   E  team  300.00    team  300.00    pro    79.00     plan change (downgrade) Mar
 *   F  free    0       free    0       free    0        never pays
 *   G  growth 99.99    (gone)          (gone)           churn 9999 Feb (organization deleted)
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { checkBridges } from "../lib/history/bridge_check.ts";
import { companyBridge, customerMovements, historyLong } from "../lib/history/bridge.ts";
import { planBridge, planChanges } from "../lib/history/plan_bridge.ts";
import {
  HISTORY,
  PAUSE_AFTER_BACKFILL_HISTORY,
  PAUSED_HISTORY,
  PAUSED_HISTORY_WITHOUT_STATUS,
} from "./fixtures/history.ts";

const long = historyLong(HISTORY);
const records = (frame: pl.DataFrame) => frame.toRecords() as Record<string, unknown>[];
const pick = (row: Record<string, unknown>, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, row[n]]));
const BRIDGE = [
  "month",
  "start_cents",
  "new_cents",
  "expansion_cents",
  "contraction_cents",
  "churn_cents",
  "reactivation_cents",
  "end_cents",
];

Deno.test("customer movements: one label per organization and month", () => {
  const feb = records(customerMovements(long)).filter((r) => r.month === "2026-02-28");
  const byOrg = Object.fromEntries(feb.map((r) => [r.customer, r])); // no customer ids: each organization its own
  assertEquals(byOrg.A.expansion, 5000);
  assertEquals(byOrg.B.churn, 20000);
  assertEquals(byOrg.C.new, 50000);
  assertEquals(byOrg.D.expansion, 20000); // 300.00 − 100.00, one movement despite the plan change
  assertEquals(byOrg.D.plan_changed, true);
  assertEquals(byOrg.G.churn, 9999); // gone from the snapshot = MRR 0
  assertEquals(byOrg.F.new + byOrg.F.churn + byOrg.F.expansion, 0);
});

Deno.test("company bridge: each component by hand, per month", () => {
  const rows = records(companyBridge(long)).map((r) => pick(r, BRIDGE));
  assertEquals(rows, [
    {
      month: "2026-02-28",
      start_cents: 80009, // 10010 + 20000 + 10000 + 30000 + 9999
      new_cents: 50000, // C
      expansion_cents: 25000, // A 5000 + D 20000
      contraction_cents: 0,
      churn_cents: 29999, // B 20000 + G 9999
      reactivation_cents: 0,
      end_cents: 125010, // 15010 + 50000 + 30000 + 30000
    },
    {
      month: "2026-03-31",
      start_cents: 125010,
      new_cents: 0,
      expansion_cents: 0,
      contraction_cents: 32100, // C 10000 + E 22100 (300.00 → 79.00)
      churn_cents: 0,
      reactivation_cents: 25000, // B comes back at the new price
      end_cents: 117910, // 15010 + 25000 + 40000 + 30000 + 7900
    },
  ]);
});

Deno.test("company bridge: paying organizations, ARPA, requests, cost and margin", () => {
  const [feb, mar] = records(companyBridge(long));
  assertEquals(feb.paying_orgs, 4); // A C D E
  ok(Math.abs((feb.mrr_recurring_per_paying_org_usd as number) - 1250.10 / 4) < 1e-9); // end ÷ paying organizations
  assertEquals(feb.requests, 1500 + 0 + 9000 + 4000 + 3000 + 20);
  assertEquals(feb.llm_cost_ptb_usd, 10 + 100 + 20);
  assertEquals(feb.llm_cost_usd, 2 * (10 + 100 + 20));
  ok(
    Math.abs((feb.mrr_margin_after_ptb_llm_pct as number) - (1250.10 - 130) / 1250.10 * 100) < 1e-9,
  );
  assertEquals(mar.paying_orgs, 5);
  assertEquals(mar.requests, 1600 + 800 + 8000 + 4500 + 900 + 30);
});

Deno.test("plan bridge: moved in/out on plan changes, the rest by the organization's label", () => {
  const names = [
    "month",
    "plan",
    ...BRIDGE.slice(1, -1),
    "moved_in_cents",
    "moved_out_cents",
    "end_cents",
  ];
  const rows = records(planBridge(long)).map((r) => pick(r, names));
  const zero = {
    start_cents: 0,
    new_cents: 0,
    expansion_cents: 0,
    contraction_cents: 0,
    churn_cents: 0,
    reactivation_cents: 0,
    moved_in_cents: 0,
    moved_out_cents: 0,
  };
  assertEquals(rows, [
    // F's free plan has requests but no MRR: a row for the usage, zero money
    { ...zero, month: "2026-02-28", plan: "free", end_cents: 0 },
    {
      ...zero,
      month: "2026-02-28",
      plan: "growth",
      start_cents: 9999,
      churn_cents: 9999,
      end_cents: 0,
    },
    {
      ...zero,
      month: "2026-02-28",
      plan: "pro",
      start_cents: 40010, // A 10010 + B 20000 + D 10000
      expansion_cents: 5000, // A
      churn_cents: 20000, // B
      moved_out_cents: 10000, // D leaves pro at its start MRR
      end_cents: 15010,
    },
    {
      ...zero,
      month: "2026-02-28",
      plan: "team",
      start_cents: 30000, // E
      new_cents: 50000, // C
      moved_in_cents: 30000, // D arrives at its end MRR
      end_cents: 110000,
    },
    { ...zero, month: "2026-03-31", plan: "free", end_cents: 0 },
    {
      ...zero,
      month: "2026-03-31",
      plan: "pro",
      start_cents: 15010,
      reactivation_cents: 25000, // B
      moved_in_cents: 7900, // E
      end_cents: 47910,
    },
    {
      ...zero,
      month: "2026-03-31",
      plan: "team",
      start_cents: 110000,
      contraction_cents: 10000, // C
      moved_out_cents: 30000, // E
      end_cents: 70000,
    },
  ]);
});

Deno.test("plan changes: an upgrade in February, a downgrade in March", () => {
  const rows = records(planChanges(long)).map((r) =>
    pick(r, [
      "month",
      "from_plan",
      "to_plan",
      "upgrades",
      "downgrades",
      "mrr_before_cents",
      "mrr_after_cents",
    ])
  );
  assertEquals(rows, [
    {
      month: "2026-02-28",
      from_plan: "pro",
      to_plan: "team",
      upgrades: 1,
      downgrades: 0,
      mrr_before_cents: 10000,
      mrr_after_cents: 30000,
    },
    {
      month: "2026-03-31",
      from_plan: "team",
      to_plan: "pro",
      upgrades: 0,
      downgrades: 1,
      mrr_before_cents: 30000,
      mrr_after_cents: 7900,
    },
  ]);
});

Deno.test("reconciliation: the bridge balances; a tampered bridge is caught", () => {
  const company = companyBridge(long);
  const plans = planBridge(long);
  assertEquals(checkBridges({ company, plans, long }), []);
  const tampered = company.withColumns(pl.col("new_cents").add(pl.lit(1)).cast(pl.Int64));
  const failures = checkBridges({ company: tampered, plans, long });
  assertEquals(failures.map((f) => f.month), ["2026-02-28", "2026-03-31"]);
  ok(failures[0].problem.includes("movements give 125011"));
});

Deno.test("a plan column, when present, takes over from tier", () => {
  const withPlan = HISTORY.map((p) => ({
    asOf: p.asOf,
    frame: p.frame.withColumns(
      pl.Series("plan", (p.frame.getColumn("tier").toArray() as string[]).map((t) => `${t}-x`)),
    ),
  }));
  const plans = new Set(records(planBridge(historyLong(withPlan))).map((r) => r.plan));
  assertEquals([...plans].sort(), ["free-x", "growth-x", "pro-x", "team-x"]);
});

/**
 * Pauses (tests/fixtures/history.ts's PAUSED_HISTORY), by hand in cents. Jan end: P 10000 + C 30000
 * + X 5000 + M 8000 + B 0 = 53000.
 */
const PAUSE_COLUMNS = [...BRIDGE.slice(0, -1), "paused_cents", "resumed_cents", "end_cents"];
/** The movements of PAUSE_COLUMNS at 0: a month's row below says only those that are not. */
const NO_PAUSE_MOVES = {
  new_cents: 0,
  expansion_cents: 0,
  contraction_cents: 0,
  churn_cents: 0,
  reactivation_cents: 0,
  paused_cents: 0,
  resumed_cents: 0,
};

Deno.test("pauses: paused and resumed, not churn and reactivation or new", () => {
  const pausedLong = historyLong(PAUSED_HISTORY);
  const rows = records(companyBridge(pausedLong)).map((r) => pick(r, PAUSE_COLUMNS));
  assertEquals(rows, [
    {
      ...NO_PAUSE_MOVES,
      month: "2026-03-01", // February
      start_cents: 53000,
      churn_cents: 30000, // C canceled
      paused_cents: 18000, // P 10000 + M 8000 (M's plan label changed while paused)
      resumed_cents: 4000, // B: paused at the baseline, paying again (not new)
      end_cents: 9000, // X 5000 + B 4000 = 53000 + 4000 − 30000 − 18000
    },
    {
      ...NO_PAUSE_MOVES,
      month: "2026-04-01", // March: P still paused moves nothing
      start_cents: 9000,
      paused_cents: 5000, // X
      resumed_cents: 20000, // M, at its new plan's price
      end_cents: 24000, // M 20000 + B 4000 = 9000 + 20000 − 5000
    },
    {
      ...NO_PAUSE_MOVES,
      month: "2026-05-01", // April: X cancels while at 0, no movement
      start_cents: 24000,
      resumed_cents: 12000, // P, at its new price (it paused at 100.00)
      end_cents: 36000, // P 12000 + M 20000 + B 4000
    },
  ]);
  const plans = planBridge(pausedLong);
  assertEquals(checkBridges({ company: companyBridge(pausedLong), plans, long: pausedLong }), []);
});

Deno.test("pauses per plan: a pause across a plan change is paused on the old plan, resumed on the new", () => {
  const pausedLong = historyLong(PAUSED_HISTORY);
  const names = [...PAUSE_COLUMNS.slice(0, 2), "plan", ...PAUSE_COLUMNS.slice(2, -1)];
  const rows = records(planBridge(pausedLong)).map((r) =>
    pick(r, [...names, "moved_in_cents", "moved_out_cents", "end_cents"])
  );
  const zero = {
    ...NO_PAUSE_MOVES,
    start_cents: 0,
    moved_in_cents: 0, // M never moves while paying: no moved in/out, no plan change
    moved_out_cents: 0,
  };
  assertEquals(rows, [
    {
      ...zero,
      month: "2026-03-01",
      plan: "pro",
      start_cents: 23000, // P 10000 + X 5000 + M 8000
      paused_cents: 18000, // P 10000 + M 8000, on pro where M paid
      resumed_cents: 4000, // B
      end_cents: 9000, // X 5000 + B 4000
    },
    {
      ...zero,
      month: "2026-03-01",
      plan: "team",
      start_cents: 30000,
      churn_cents: 30000, // C
      end_cents: 0, // M is on team, paused at 0
    },
    {
      ...zero,
      month: "2026-04-01",
      plan: "pro",
      start_cents: 9000,
      paused_cents: 5000, // X
      end_cents: 4000, // B
    },
    {
      ...zero,
      month: "2026-04-01",
      plan: "team",
      resumed_cents: 20000, // M, on team where it pays again
      end_cents: 20000,
    },
    {
      ...zero,
      month: "2026-05-01",
      plan: "pro",
      start_cents: 4000,
      resumed_cents: 12000, // P
      end_cents: 16000,
    },
    { ...zero, month: "2026-05-01", plan: "team", start_cents: 20000, end_cents: 20000 },
  ]);
  assertEquals(planChanges(pausedLong).height, 0);
});

Deno.test("pauses: a tampered paused or resumed amount is caught by the reconciliation", () => {
  const pausedLong = historyLong(PAUSED_HISTORY);
  const company = companyBridge(pausedLong);
  const plans = planBridge(pausedLong);
  for (const name of ["paused_cents", "resumed_cents"]) {
    const tampered = company.withColumns(pl.col(name).add(pl.lit(1)).cast(pl.Int64));
    const failures = checkBridges({ company: tampered, plans, long: pausedLong });
    assertEquals(failures.map((f) => f.month), ["2026-03-01", "2026-04-01", "2026-05-01"], name);
  }
});

Deno.test("snapshots without subscription_status (backfills): a pause reads as churn, its end as reactivation", () => {
  const rows = records(companyBridge(historyLong(PAUSED_HISTORY_WITHOUT_STATUS))).map((r) =>
    pick(r, [
      "month",
      "new_cents",
      "churn_cents",
      "reactivation_cents",
      "paused_cents",
      "resumed_cents",
    ])
  );
  assertEquals(rows, [
    // C 30000 + P 10000 + M 8000; B paid first now
    {
      month: "2026-03-01",
      new_cents: 4000,
      churn_cents: 48000,
      reactivation_cents: 0,
      paused_cents: 0,
      resumed_cents: 0,
    },
    {
      month: "2026-04-01",
      new_cents: 0,
      churn_cents: 5000, // X
      reactivation_cents: 20000, // M
      paused_cents: 0,
      resumed_cents: 0,
    },
    {
      month: "2026-05-01",
      new_cents: 0,
      churn_cents: 0,
      reactivation_cents: 12000, // P
      paused_cents: 0,
      resumed_cents: 0,
    },
  ]);
});

Deno.test("resumed only from an open pause: a first payment after a paused trial is new, a return after a churn reactivation", () => {
  // tests/fixtures/history.ts's PAUSE_AFTER_BACKFILL_HISTORY, by hand in cents
  const pausedLong = historyLong(PAUSE_AFTER_BACKFILL_HISTORY);
  const company = companyBridge(pausedLong);
  const rows = records(company).map((r) => pick(r, PAUSE_COLUMNS));
  assertEquals(rows, [
    {
      ...NO_PAUSE_MOVES,
      month: "2026-09-01", // August, a backfill: P and W at 0 without a status
      start_cents: 25000, // P 10000 + W 9000 + K 6000
      churn_cents: 19000, // P 10000 + W 9000
      end_cents: 6000, // K
    },
    {
      ...NO_PAUSE_MOVES,
      month: "2026-10-01", // N, P and W paused at 0 already: nothing booked
      start_cents: 6000,
      paused_cents: 6000, // K
      end_cents: 0,
    },
    {
      ...NO_PAUSE_MOVES,
      month: "2026-11-01", // K still paused moves nothing
      start_cents: 0,
      new_cents: 7900, // N: never paid (its trial paused), not resumed
      reactivation_cents: 21000, // P 12000 + W 9000: their drop was churn, not a pause
      end_cents: 28900,
    },
    {
      ...NO_PAUSE_MOVES,
      month: "2026-12-01",
      start_cents: 28900,
      resumed_cents: 7000, // K: its pause (October) still open, at its new price
      end_cents: 35900,
    },
  ]);
  assertEquals(checkBridges({ company, plans: planBridge(pausedLong), long: pausedLong }), []);
});
