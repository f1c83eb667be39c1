/**
 * The margins at their edges (mutation probe survivors of lib/economics/), figures by hand.
 *
 * A 7-day window sets the window's LLM cost, company cost and PTB revenue on a 30-day basis
 * (× 30 / 7) against monthly MRR: one pro organization, MRR $100; LLM cost $7 in the window, all
 * PTB; company cost $7; PTB revenue $7. On a 30-day basis: cost 7 × 30 / 7 = 30, company cost 30,
 * PTB revenue 30.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { companyMargins } from "../lib/economics/headline_margins.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

const FRAME = exportFrameFromColumns({
  org_id: ["p"],
  plan: ["pro"],
  seats: [2],
  requests_30d: [700],
  mrr: [100],
  mrr_recurring: [100],
  list_price_mrr: [79],
  ptb_revenue_30d: [7],
  llm_cost_30d: [7],
  llm_cost_ptb_30d: [7],
  company_cost_30d: [7],
  revenue_source: ["stripe"],
});

Deno.test("margins on a 7-day window: the window's cost and PTB revenue on a 30-day basis", () => {
  const margins = companyMargins(FRAME, { windowDays: 7 });
  // spec: (100 − 30) / 100 = 70 % (not (100 − 7) / 100 = 93 %)
  ok(Math.abs(margins.specPct! - 70) < 1e-9, `${margins.specPct}`);
  // company: (100 + 30 − 30) / (100 + 30) = 100 / 130 (not (107 − 30) / 107)
  ok(Math.abs(margins.companyPct! - 10000 / 130) < 1e-9, `${margins.companyPct}`);
  assertEquals(margins.mrr, 100);
});

Deno.test("the spec margin is unknown when a shared_customer organization it counts has an unknown LLM cost", () => {
  // s carries cus_s's $100; t shares cus_s (its row's mrr empty) and its LLM cost is unknown (NaN
  // or infinite from a query): the margin counts t's cost (its customer's MRR is known), so over
  // s's $10 alone, (100 − 10) / 100 = 90 %, it would be a partial sum: unknown, and t counted so
  const frame = exportFrameFromColumns({
    org_id: ["s", "t"],
    plan: ["pro", "pro"],
    seats: [1, 1],
    requests_30d: [100, 100],
    mrr: [100, null],
    mrr_recurring: [100, null],
    ptb_revenue_30d: [0, 0],
    llm_cost_30d: [10, null],
    llm_cost_ptb_30d: [0, 0],
    company_cost_30d: [0, 0],
    stripe_customer_id: ["cus_s", "cus_s"],
    revenue_source: ["stripe", "shared_customer"],
  });
  const margins = companyMargins(frame, { windowDays: 30 });
  assertEquals([margins.specPct, margins.specCostUnknown], [null, 1]);
});

Deno.test("no revenue, no margin: organizations at $0 MRR with LLM cost have an unknown margin, not −∞", () => {
  // f pays $0 and cost $5: (0 − 5) / 0 is no margin on either basis
  const frame = exportFrameFromColumns({
    org_id: ["f"],
    plan: ["free"],
    seats: [1],
    requests_30d: [100],
    mrr: [0],
    mrr_recurring: [0],
    ptb_revenue_30d: [0],
    llm_cost_30d: [5],
    llm_cost_ptb_30d: [5],
    company_cost_30d: [5],
    revenue_source: ["stripe"],
  });
  const margins = companyMargins(frame, { windowDays: 30 });
  assertEquals([margins.specPct, margins.companyPct], [null, null]);
});

Deno.test("per plan: LLM cost per 1k requests and the PTB share are unknown when one organization's LLM cost is", async () => {
  // u's llm_cost_30d is unknown (NaN or infinite from a query): pro's $4 over v alone would read
  // $4 / 2k = $2.00 per 1k requests and 4 / 4 = 100 % PTB; unknown instead, never a partial sum
  const { planRows } = await import("./economics_frames.ts");
  const frame = exportFrameFromColumns({
    org_id: ["u", "v"],
    plan: ["pro", "pro"],
    seats: [1, 1],
    requests_30d: [1000, 1000],
    mrr: [50, 50],
    mrr_recurring: [50, 50],
    ptb_revenue_30d: [0, 0],
    llm_cost_30d: [null, 4],
    llm_cost_ptb_30d: [2, 4],
    company_cost_30d: [2, 4],
    revenue_source: ["stripe", "stripe"],
  });
  const pro = (await planRows(frame)).find((row) => row.plan === "pro")!;
  assertEquals([pro.llm_cost_per_1k_requests, pro.ptb_cost_share_pct], [null, null]);
  // the company's LLM cost is known for both: (2 + 4) / 2k requests × 1,000 = $3.00 per 1k
  assertEquals(pro.company_llm_cost_per_1k_requests, 3);
});

Deno.test("per plan: loss-making customers on a 7-day window judge the window's cost on a 30-day basis; a free one's unknown cost leaves the count known", async () => {
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  // w pays $100 and its LLM cost in 7 days is $28: 28 × 30 / 7 = $120 a month, a loss (the
  // window's own $28 would not be); z pays $0 and its cost is unknown: no revenue, no margin, so
  // it is no loss to tell, and the count stays known: 1
  const frame = exportFrameFromColumns({
    org_id: ["w", "z"],
    plan: ["pro", "pro"],
    seats: [1, 1],
    requests_30d: [100, 100],
    mrr: [100, 0],
    mrr_recurring: [100, 0],
    ptb_revenue_30d: [0, 0],
    llm_cost_30d: [28, null],
    llm_cost_ptb_30d: [0, 0],
    company_cost_30d: [0, 0],
    stripe_customer_id: ["cus_w", "cus_z"],
    revenue_source: ["stripe", "stripe"],
  });
  const pro = perPlanRows(perPlanTable(frame, { windowDays: 7 })).find((row) =>
    row.plan === "pro"
  )!;
  assertEquals(pro.negative_margin_all, 1);
});

Deno.test("usage-priced plans: per request and % of LLM cost, not a contract kept at its MRR, not seats", async () => {
  // their list price holds usage, so mrr_to_list_pct sets all of mrr against it (per_plan.ts)
  const { readPriceBookFile, usagePricedPlans } = await import("../lib/economics/price_book.ts");
  const plansOf = async (name: string) =>
    usagePricedPlans(await readPriceBookFile(`${import.meta.dirname}/../scenarios/${name}.json`));
  assertEquals(await plansOf("two_percent_of_llm_cost"), ["two_percent"]);
  assertEquals(await plansOf("per_request"), ["free_allowance", "usage"]);
  assertEquals(await plansOf("current_seat_based"), []);
});

Deno.test("list prices on a 7-day window price the window's requests on a 30-day basis", async () => {
  const { planColumns, readPriceBookFile } = await import("../lib/economics/price_book.ts");
  const book = await readPriceBookFile(`${import.meta.dirname}/../scenarios/per_request.json`);
  // free: 7,000 requests in 7 days = 30,000 a month; the first 10,000 free, then $0.50 per 1,000:
  // (30,000 − 10,000) / 1,000 × 0.50 = $10 (the window's own 7,000 are within the allowance: $0)
  const frame = exportFrameFromColumns({
    org_id: ["f"],
    tier: ["free"],
    tier_raw: ["free"],
    requests_30d: [7000],
    addon_prompts: [0],
  });
  const { plan, listPriceMrr } = planColumns(frame, { book, windowDays: 7 });
  assertEquals([plan.toArray(), listPriceMrr.toArray()], [["free_allowance"], [10]]);
});
