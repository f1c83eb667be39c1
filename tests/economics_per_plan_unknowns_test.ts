/**
 * lib/economics/per_plan.ts where a plan's figures are partly or wholly unknown, on a window other
 * than 30 days, and the organizations its margins count. Every cell by hand from the few
 * organizations below.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { marginCountsOf, perPlanRows, perPlanTable } from "../lib/economics/per_plan.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

/** One organization per entry: its plan, mrr, LLM cost and company cost (no PTB: none needed). */
function frame(orgs: [org: string, plan: string, mrr: number | null, llm: number | null][]) {
  return exportFrameFromColumns({
    org_id: orgs.map((o) => o[0]),
    plan: orgs.map((o) => o[1]),
    stripe_customer_id: orgs.map((o) => `cus_${o[0]}`),
    revenue_source: orgs.map(() => "stripe"),
    mrr: orgs.map((o) => o[2]),
    mrr_recurring: orgs.map((o) => o[2]),
    requests_30d: orgs.map(() => 700),
    llm_cost_30d: orgs.map((o) => o[3]),
    llm_cost_ptb_30d: orgs.map(() => 0),
    ptb_revenue_30d: orgs.map(() => 0),
    company_cost_30d: orgs.map((o) => o[3]),
  });
}

const rowsOf = (f: ReturnType<typeof frame>, windowDays = 30) =>
  perPlanRows(perPlanTable(f, { windowDays }));

Deno.test("per plan: a plan whose MRR nobody knows has no gross profit, not $0", () => {
  const [x] = rowsOf(frame([["a", "x", null, 10]]));
  assertEquals([x.plan, x.mrr, x.margin_company_pct, x.gross_profit_company_usd], [
    "x",
    null,
    null,
    null,
  ]);
});

Deno.test("per plan: negative margins count the organizations whose MRR is known, and are unknown where a paying one's cost is", () => {
  // y: b pays 100 against a cost of 10 (no loss), c's MRR unknown (not counted, no unknown count)
  // z: d pays 100 and its LLM cost is unknown: whether it loses money cannot be told
  const [y, z] = rowsOf(frame([["b", "y", 100, 10], ["c", "y", null, 5], ["d", "z", 100, null]]));
  assertEquals([y.plan, y.negative_margin_all, y.negative_margin_company], ["y", 0, 0]);
  assertEquals([z.plan, z.negative_margin_all, z.negative_margin_company], ["z", null, null]);
  // nor is its margin, nor its profit: not $100 − a partial cost of $0
  assertEquals([z.margin_all_pct, z.margin_company_pct, z.gross_profit_company_usd], [
    null,
    null,
    null,
  ]);
});

Deno.test("per plan: MRR per 1,000 requests reads a 7-day window's requests on a 30-day basis", () => {
  // 700 requests in 7 days are 700 × 30 / 7 = 3,000 a month: 70 / 3,000 × 1,000 = 23.33
  const [pro] = rowsOf(frame([["a", "pro", 70, 0]]), 7);
  assertEquals(pro.mrr_per_1k_requests, 70 / (700 * 30 / 7) * 1000);
});

Deno.test("margin by plan's n: a shared customer's other organization counts on both bases", () => {
  // p carries cus_p's $100; s shares cus_p (its mrr empty, its cost the customer's): both count
  const shared = frame([["p", "pro", 100, 10], ["s", "pro", null, 5]]).withColumns(
    pl.Series("stripe_customer_id", ["cus_p", "cus_p"]),
    pl.Series("revenue_source", ["stripe", "shared_customer"]),
  );
  assertEquals(marginCountsOf(shared, { windowDays: 30 }), {
    pro: { gross_margin_pct: 2, gross_margin_company_pct: 2, ptb_revenue_unknown: 0 },
  });
});

Deno.test("per plan: a 7-day window's PTB revenue and company cost on a 30-day basis against monthly mrr", () => {
  // mrr 10 a month; in 7 days PTB revenue 7 and company cost 7 (its PTB LLM cost), 30 and 30 a
  // month: revenue 10 + 30 = 40 against 30, margin (40 − 30) / 40 = 25 %, profit $10, no loss
  // (with the window's 7 set against monthly mrr: 17 against 30, a loss)
  const week = exportFrameFromColumns({
    org_id: ["a"],
    plan: ["pro"],
    stripe_customer_id: ["cus_a"],
    revenue_source: ["stripe"],
    mrr: [10],
    mrr_recurring: [10],
    requests_30d: [100],
    llm_cost_30d: [7],
    llm_cost_ptb_30d: [7],
    ptb_revenue_30d: [7],
    company_cost_30d: [7],
  });
  const [pro] = rowsOf(week, 7);
  assertEquals(
    [pro.margin_company_pct, pro.gross_profit_company_usd, pro.negative_margin_company],
    [25, 10, 0],
  );
});
