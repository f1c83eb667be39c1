/**
 * The bridge per customer (revenue-rules.md rules 1 and 2): organizations sharing a Stripe customer
 * move as one. Five month ends (as-of the last day) of a hand-built history; `~` is a
 * shared_customer row (its customer's revenue on a sibling's row, MRR empty); amounts in USD:
 *
 *            Jan 31          Feb 28            Mar 31           Apr 30             May 31
 * cus_s  S1  pro  100.00    pro  ~            pro  ~           pro  ~             pro  ~
 *        S2  pro  ~         pro  100.00       pro  100.00      pro  100.00        pro  100.00
 * cus_m  M1  team 799.00    team ~            team ~           team ~             team 799.00
 *        M2  free ~         ent  799.00       ent  799.00      ent  0 paused      ent  ~
 * cus_c  C1  pro  100.00    pro  100.00       pro  100.00      pro  100.00        pro  100.00
 *        C2  pro  200.00    pro  0 canceled   pro  0 canceled  pro  0 canceled    pro  0 canceled
 * cus_x  X1  team 300.00    team 0 canceled   team ~           team ~             team ~
 *        X2  free ~         free ~            pro  250.00      pro  250.00        pro  250.00
 * cus_n  N2  —              pro   50.00       pro   50.00      pro   50.00        pro   50.00
 * (none) N1  free   0       free   0          free   0         free   0           free   0
 *
 * Feb: cus_s's revenue moves to S2 (no movement; per organization it read churn 100 + new 100);
 * cus_m's to M2, a new enterprise organization (no company movement; team moved_out, enterprise
 * moved_in 799: one plan change); C2 stops but C1 pays on (contraction 200, not churn; both rows
 * carry revenue, as a file the kit did not write may); every cus_x organization stops (churn 300);
 * cus_n starts (new 50). Mar: cus_x pays again on X2, an organization that never paid
 * (reactivation 250, not new). Apr: cus_m's revenue row is paused (paused 799). May: its revenue
 * back on M1 (resumed 799 on team: no plan change while paused; per organization M1's return read
 * reactivation).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  companyBridge,
  customerMovements,
  historyLong,
  type HistoryPoint,
} from "../lib/history/bridge.ts";
import { planBridge, planChanges } from "../lib/history/plan_bridge.ts";
import { checkBridges } from "../lib/history/bridge_check.ts";
import { bridgeOfSources } from "../lib/history/aggregate.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { buildHistoryReport, historyTable } from "../lib/history/report.ts";
import { historySection } from "../lib/history/report_markdown.ts";

/** ~ (shared_customer: MRR empty, no status) or an MRR and its subscription_status. */
type Revenue = "~" | [mrr: number, status: string];
type Row = [org: string, tier: string, customer: string | null, revenue: Revenue];

function snapshot(asOf: string, rows: Row[]): HistoryPoint {
  const shared = (r: Row) => r[3] === "~";
  const mrr = rows.map((r) => shared(r) ? null : (r[3] as [number, string])[0]);
  return {
    asOf: new Date(`${asOf}T00:00:00Z`),
    frame: exportFrameFromColumns({
      org_id: rows.map((r) => r[0]),
      tier: rows.map((r) => r[1]),
      stripe_customer_id: rows.map((r) => r[2]),
      revenue_source: rows.map((r) =>
        shared(r) ? "shared_customer" : r[2] === null ? "no_customer" : "stripe"
      ),
      mrr_recurring: mrr,
      mrr,
      subscription_status: rows.map((r) => shared(r) ? null : (r[3] as [number, string])[1]),
      requests_30d: rows.map(() => 100),
      llm_cost_30d: rows.map(() => 0),
      llm_cost_ptb_30d: rows.map(() => 0),
    }),
  };
}

const paying = (mrr: number): Revenue => [mrr, "active"];
const canceled: Revenue = [0, "canceled"];
const steady = (x: Revenue = "~"): Row[] => [
  ["C1", "pro", "cus_c", paying(100)],
  ["C2", "pro", "cus_c", canceled],
  ["X1", "team", "cus_x", x],
  ["X2", "pro", "cus_x", x === "~" ? paying(250) : "~"],
  ["N1", "free", null, canceled],
  ["N2", "pro", "cus_n", paying(50)],
];

const HISTORY: HistoryPoint[] = [
  snapshot("2026-01-31", [
    ["S1", "pro", "cus_s", paying(100)],
    ["S2", "pro", "cus_s", "~"],
    ["M1", "team", "cus_m", paying(799)],
    ["M2", "free", "cus_m", "~"],
    ["C1", "pro", "cus_c", paying(100)],
    ["C2", "pro", "cus_c", paying(200)],
    ["X1", "team", "cus_x", paying(300)],
    ["X2", "free", "cus_x", "~"],
    ["N1", "free", null, canceled],
  ]),
  snapshot("2026-02-28", [
    ["S1", "pro", "cus_s", "~"],
    ["S2", "pro", "cus_s", paying(100)],
    ["M1", "team", "cus_m", "~"],
    ["M2", "enterprise", "cus_m", paying(799)],
    ["C1", "pro", "cus_c", paying(100)],
    ["C2", "pro", "cus_c", canceled],
    ["X1", "team", "cus_x", canceled],
    ["X2", "free", "cus_x", "~"],
    ["N1", "free", null, canceled],
    ["N2", "pro", "cus_n", paying(50)],
  ]),
  snapshot("2026-03-31", [
    ["S1", "pro", "cus_s", "~"],
    ["S2", "pro", "cus_s", paying(100)],
    ["M1", "team", "cus_m", "~"],
    ["M2", "enterprise", "cus_m", paying(799)],
    ...steady(),
  ]),
  snapshot("2026-04-30", [
    ["S1", "pro", "cus_s", "~"],
    ["S2", "pro", "cus_s", paying(100)],
    ["M1", "team", "cus_m", "~"],
    ["M2", "enterprise", "cus_m", [0, "paused"]],
    ...steady(),
  ]),
  snapshot("2026-05-31", [
    ["S1", "pro", "cus_s", "~"],
    ["S2", "pro", "cus_s", paying(100)],
    ["M1", "team", "cus_m", paying(799)],
    ["M2", "enterprise", "cus_m", "~"],
    ...steady(),
  ]),
];

const long = historyLong(HISTORY);
const records = (frame: pl.DataFrame) => frame.toRecords() as Record<string, unknown>[];
const MOVES = ["new", "expansion", "contraction", "churn", "reactivation", "paused", "resumed"];
/** A bridge row's non-zero movements in cents, with start and end. */
const nonZero = (row: Record<string, unknown>, names = MOVES) => {
  const out: Record<string, unknown> = { start: row.start_cents };
  for (const name of names) if (row[`${name}_cents`] !== 0) out[name] = row[`${name}_cents`];
  return { ...out, end: row.end_cents };
};

Deno.test("customer bridge: revenue moving between a customer's organizations moves nothing", () => {
  const feb = records(customerMovements(long)).filter((r) => r.month === "2026-02-28");
  const byCustomer = Object.fromEntries(feb.map((r) => [r.customer, r]));
  const moved = (c: string) => MOVES.reduce((n, m) => n + (byCustomer[c][m] as number), 0);
  assertEquals([byCustomer.cus_s.s, byCustomer.cus_s.e, moved("cus_s")], [10000, 10000, 0]);
  assertEquals([byCustomer.cus_m.s, byCustomer.cus_m.e, moved("cus_m")], [79900, 79900, 0]);
  assertEquals(byCustomer.cus_m.plan_changed, true); // team → enterprise, the revenue row's plan
  assertEquals(byCustomer.cus_c.contraction, 20000); // 300.00 → 100.00: C2 stopped, C1 pays on
  assertEquals(byCustomer.cus_c.churn, 0);
  assertEquals(byCustomer.cus_x.churn, 30000); // all of cus_x's organizations stopped
  assertEquals(byCustomer.cus_n.new, 5000);
  // no customer id: the organization is its own key
  assertEquals([byCustomer.N1.s, byCustomer.N1.e], [0, 0]);
  ok(!("S1" in byCustomer) && !("M2" in byCustomer), "keyed by customer, not organization");
});

Deno.test("customer bridge: each month's company movements by hand", () => {
  assertEquals(records(companyBridge(long)).map((r) => nonZero(r)), [
    // start 100 + 799 + 100 + 200 + 300 = 1,499.00; end 100 + 799 + 100 + 50 = 1,049.00
    { start: 149900, new: 5000, contraction: 20000, churn: 30000, end: 104900 },
    // cus_x back on X2, which never paid itself: reactivation (the customer paid in January)
    { start: 104900, reactivation: 25000, end: 129900 },
    { start: 129900, paused: 79900, end: 50000 }, // cus_m's revenue row paused at 0
    { start: 50000, resumed: 79900, end: 129900 }, // cus_m pays again, on its other organization
  ]);
});

Deno.test("customer bridge: plans per customer, moved by its revenue row's plan", () => {
  const names = [...MOVES, "moved_in", "moved_out"];
  const rows = records(planBridge(long)).filter((r) => r.end_cents !== 0 || r.start_cents !== 0)
    .map((r) => ({ month: r.month, plan: r.plan, ...nonZero(r, names) }));
  assertEquals(rows, [
    // Feb: pro = S 100 + C 300 at the start, C −200, N +50; team = M 799 + X 300 at the start
    {
      month: "2026-02-28",
      plan: "enterprise",
      start: 0,
      moved_in: 79900,
      end: 79900,
    },
    {
      month: "2026-02-28",
      plan: "pro",
      start: 40000,
      new: 5000,
      contraction: 20000,
      end: 25000,
    },
    { month: "2026-02-28", plan: "team", start: 109900, churn: 30000, moved_out: 79900, end: 0 },
    { month: "2026-03-31", plan: "enterprise", start: 79900, end: 79900 },
    // X2's row carries cus_x's revenue on pro (X1, shared, counts there too)
    { month: "2026-03-31", plan: "pro", start: 25000, reactivation: 25000, end: 50000 },
    { month: "2026-04-30", plan: "enterprise", start: 79900, paused: 79900, end: 0 },
    { month: "2026-04-30", plan: "pro", start: 50000, end: 50000 },
    { month: "2026-05-31", plan: "pro", start: 50000, end: 50000 },
    { month: "2026-05-31", plan: "team", start: 0, resumed: 79900, end: 79900 },
  ]);
  // one plan change while paying: cus_m, team → enterprise at the same MRR
  assertEquals(
    records(planChanges(long)).map((r) => [r.month, r.from_plan, r.to_plan, r.organizations]),
    [["2026-02-28", "team", "enterprise", 1]],
  );
  assertEquals(
    checkBridges({ company: companyBridge(long), plans: planBridge(long), long }),
    [],
  );
});

Deno.test("customer bridge: one snapshot at a time (aggregate.ts) is the long frame's", () => {
  const streamed = bridgeOfSources(HISTORY);
  ok(streamed.company.frameEqual(companyBridge(long), true), "company differs");
  ok(streamed.plans.frameEqual(planBridge(long), true), "plans differ");
  ok(streamed.changes.frameEqual(planChanges(long), true), "changes differ");
});

Deno.test("customer bridge: customers per movement, company and plan, by hand", () => {
  const counts = (r: Record<string, unknown>, names: string[]) =>
    Object.fromEntries(
      names.flatMap((m) => r[`${m}_customers`] === 0 ? [] : [[m, r[`${m}_customers`]]]),
    );
  const company = ["start", ...MOVES, "end"];
  assertEquals(records(companyBridge(long)).map((r) => counts(r, company)), [
    // paying at the start: cus_s, cus_m, cus_c, cus_x; at the end: cus_s, cus_m, cus_c, cus_n
    { start: 4, new: 1, contraction: 1, churn: 1, end: 4 },
    { start: 4, reactivation: 1, end: 5 }, // cus_x back
    { start: 5, paused: 1, end: 4 }, // cus_m paused
    { start: 4, resumed: 1, end: 5 },
  ]);
  const feb = records(planBridge(long)).filter((r) => r.month === "2026-02-28");
  const plan = [...company, "moved_in", "moved_out"];
  assertEquals(Object.fromEntries(feb.map((r) => [r.plan, counts(r, plan)])), {
    enterprise: { moved_in: 1, end: 1 }, // cus_m
    free: {},
    pro: { start: 2, new: 1, contraction: 1, end: 3 }, // cus_s, cus_c; cus_n new
    team: { start: 2, churn: 1, moved_out: 1 }, // cus_m out, cus_x churned
  });
});

Deno.test("customer bridge: the report's CSV rows and Markdown carry the customers per movement", () => {
  const report = buildHistoryReport(HISTORY, false);
  assertEquals(report.failures, []);
  const feb = records(historyTable(report)).filter((r) => r.as_of === "2026-02-28");
  const pick = (
    r: Record<string, unknown>,
  ) => [r.plan, r.start_customers, r.churn_customers, r.moved_out_customers, r.end_customers];
  assertEquals(feb.filter((r) => r.plan === "(all)" || r.plan === "team").map(pick), [
    ["(all)", 4, 1, 0, 4], // the company row moves no plan
    ["team", 2, 1, 1, 0],
  ]);
  const section = historySection(report);
  ok(
    section.includes(
      "| month | paying at start | new | expansion | contraction | churn | reactivation | paused | resumed | paying at end |",
    ),
    section,
  );
  ok(section.includes("| 2026-02 (before 02-28) | 4 | 1 | 0 | 1 | 1 | 0 | 0 | 0 | 4 |"), section);
  // cus_m's move to its enterprise organization: one customer at the same MRR
  ok(
    section.includes(
      "| 2026-02 (before 02-28) | team | enterprise | 1 | 0 | 0 | 1 | $799.00 | $799.00 |",
    ),
  );
});

Deno.test("customer bridge: a shared_customer row with MRR of its own (a file the kit did not write) still takes its customer's plan, one snapshot at a time too", () => {
  // cus_q: R (team) carries its revenue, 100.00; S (pro) is marked shared_customer but has 200.00
  // itself, so S's row has the most cents and gives the customer's plan: team, R's (customerPlan)
  const month = (asOf: string): HistoryPoint => ({
    asOf: new Date(`${asOf}T00:00:00Z`),
    frame: exportFrameFromColumns({
      org_id: ["R", "S"],
      tier: ["team", "pro"],
      stripe_customer_id: ["cus_q", "cus_q"],
      revenue_source: ["stripe", "shared_customer"],
      mrr_recurring: [100, 200],
      mrr: [100, 200],
      subscription_status: ["active", null],
      requests_30d: [100, 100],
      llm_cost_30d: [0, 0],
      llm_cost_ptb_30d: [0, 0],
    }),
  });
  const points = [month("2026-01-31"), month("2026-02-28")];
  const plans = records(bridgeOfSources(points).plans).filter((r) => r.end_cents !== 0)
    .map((r) => [r.month, r.plan, r.start_cents, r.end_cents]);
  assertEquals(plans, [["2026-02-28", "team", 30000, 30000]]);
  assertEquals(
    records(planBridge(historyLong(points))).filter((r) => r.end_cents !== 0)
      .map((r) => [r.month, r.plan, r.start_cents, r.end_cents]),
    plans,
  );
});
