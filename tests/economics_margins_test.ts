/**
 * lib/economics/ company margins where PTB revenue is unread or late: the headline and per-plan
 * company margin, the spec margin, and the PTB timing warnings.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type pl from "nodejs-polars";
import {
  addEconomicsColumns,
  costModelFromEnv,
  costModelInWords,
  loadPriceBook,
} from "../lib/economics/mod.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  economicsFixture,
  economicsFixturePtbNotRead,
  economicsFrameWithF,
  frameWithPtbTiming,
  freePlanOfTwo,
  revenue,
} from "./economics_fixture.ts";
import type { CustomerRevenue } from "../lib/revenue/types.ts";
import { closeList, column, planRows } from "./economics_frames.ts";

Deno.test("headline company margin: '–' with the reason when PTB revenue was not read and an organization had PTB cost", async () => {
  const { companyMargins, headlineKpis } = await import("../lib/economics/headline_margins.ts");
  const { frame } = addEconomicsColumns(economicsFixture(), {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "10" }),
    priceBook: await loadPriceBook(),
    revenue: revenue({}), // PTB revenue not read
    windowDays: 30,
  });
  // a, c, d and e (MRR 0, known) had PTB cost; only b has none: a margin over b alone would be
  // (200 − 2,000 × 10 / 1,000) / 200 = 90 %, not the company's
  const margins = companyMargins(frame, { windowDays: 30 });
  assertEquals(margins.companyPct, null);
  assertEquals(margins.ptbRevenueUnknown, 4);
  const [company] = headlineKpis(frame, {
    windowDays: 30,
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "10" }),
  });
  assertEquals(company.value, null);
  assertEquals(
    company.basis,
    "not known: PTB revenue not read (the warnings say why) and 4 organizations with known MRR had PTB cost",
  );
  // read (every customer has a value): known again, the basis the formula
  const read = addEconomicsColumns(economicsFixture(), {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    revenue: revenue({ cus_a: 25, cus_b: 0, cus_c: 250, cus_d: 600 }),
    windowDays: 30,
  }).frame;
  // (79 + 25 + 200 + 450 + 3,600 + 0) − (10 + 0 + 300 + 500 + 1) = 4,354 − 811 over 4,354
  ok(Math.abs(companyMargins(read, { windowDays: 30 }).companyPct! - 3543 / 4354 * 100) < 1e-9);
});

Deno.test("the spec margin is not a bound on the company margin: little BYOK cost, infrastructure set", async () => {
  const { frame } = addEconomicsColumns(
    exportFrameFromColumns({
      org_id: ["x"],
      org_name: ["X"],
      tier: ["pro"],
      tier_raw: ["pro"],
      stripe_customer_id: ["cus_a"],
      seats: [1],
      active_users_30d: [1],
      requests_30d: [1_000],
      llm_cost_30d: [150],
      llm_cost_ptb_30d: [150],
      llm_cost_byok_30d: [0],
      addon_prompts: [0],
      mrr: [100],
      gross_margin_pct: [-50],
      revenue_source: ["stripe"],
    }),
    {
      costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.2" }),
      priceBook: await loadPriceBook(),
      revenue: revenue({ cus_a: 0 }),
      windowDays: 30,
    },
  );
  // spec (100 − 150) / 100 = −50 %; company (100 + 0 − (150 + 0.2)) / 100 = −50.2 %
  closeList(column(frame, "gross_margin_company_pct"), [-50.2], "gross_margin_company_pct");
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  ok(!readme.includes("worst case"));
  for (const file of ["../lib/mcp/economics.ts", "../lib/report/charts.ts"]) {
    ok(!(await Deno.readTextFile(new URL(file, import.meta.url))).includes("worst case"), file);
  }
});

/**
 * Free plan: g PTB revenue $10 against company cost $30; h PTB cost $5, PTB revenue $0; k BYOK
 * only, $0.50 infrastructure, no Stripe customer (PTB revenue not needed). Pro: p $100 = $60
 * recurring + $40 usage, list $79; q trialing ($0), list $79, PTB cost $10.
 */
function marginFrame(): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["g", "h", "k", "p", "q"],
    plan: ["free", "free", "free", "pro", "pro"],
    seats: [1, 1, 1, 2, 2],
    requests_30d: [1000, 1000, 1000, 1000, 1000],
    mrr: [0, 0, 0, 100, 0],
    mrr_recurring: [0, 0, 0, 60, 0],
    list_price_mrr: [0, 0, 0, 79, 79],
    ptb_revenue_30d: [10, 0, null, 0, 0],
    llm_cost_30d: [30, 5, 2, 20, 10],
    llm_cost_ptb_30d: [30, 5, 0, 0, 10],
    company_cost_30d: [30, 5, 0.5, 1, 10],
    gross_margin_pct: [null, null, null, 80, null],
    gross_margin_company_pct: [-200, null, null, 99, null],
    revenue_source: ["stripe", "stripe", "no_customer", "stripe", "stripe"],
  });
}

Deno.test("per-plan margins count every organization with known revenue, so all is the headline", async () => {
  const { companyMargins } = await import("../lib/economics/headline_margins.ts");
  const frame = marginFrame();
  const rows = await planRows(frame);
  const free = rows.find((r) => r.plan === "free")!;
  const pro = rows.find((r) => r.plan === "pro")!;
  const all = rows.at(-1)!;
  // free, company: (10 − (30 + 5 + 0.5)) / 10 = −255 % (g alone, the old basis: −200 %);
  // spec: no MRR, no margin
  ok(Math.abs(free.margin_company_pct! - -255) < 1e-9, `${free.margin_company_pct}`);
  assertEquals(free.margin_all_pct, null);
  // pro: spec (100 − 30) / 100 = 70 % (q's trial cost counts; p alone 80 %); company
  // (100 + 0 − 11) / 100 = 89 %
  ok(Math.abs(pro.margin_all_pct! - 70) < 1e-9, `${pro.margin_all_pct}`);
  ok(Math.abs(pro.margin_company_pct! - 89) < 1e-9, `${pro.margin_company_pct}`);
  // pro mrr_to_list_pct: p's recurring 60 of list 79 (not 100 with its usage, 126.6 %)
  ok(Math.abs(pro.mrr_to_list_pct! - 6000 / 79) < 1e-9, `${pro.mrr_to_list_pct}`);
  // all: spec (100 − 67) / 100 = 33 %; company (110 − 46.5) / 110; both the headline's
  ok(Math.abs(all.margin_all_pct! - 33) < 1e-9, `${all.margin_all_pct}`);
  ok(Math.abs(all.margin_company_pct! - 6350 / 110) < 1e-9, `${all.margin_company_pct}`);
  // the company margins' numerators in dollars: free 10 − 35.5, pro 100 − 11, all 110 − 46.5
  assertEquals(
    rows.map((r) => [r.plan, r.gross_profit_company_usd]),
    [["free", -25.5], ["pro", 89], ["all", 63.5]],
  );
  const headline = companyMargins(frame, { windowDays: 30 });
  assertEquals([all.margin_all_pct, all.margin_company_pct], [
    headline.specPct,
    headline.companyPct,
  ]);
});

Deno.test("a plan's company margin is unknown where PTB revenue was not read and it had PTB cost, as the headline", async () => {
  const { default: pl } = await import("nodejs-polars");
  const { companyMargins } = await import("../lib/economics/headline_margins.ts");
  // r: pro, $50, PTB cost $4, PTB revenue not read
  const r = exportFrameFromColumns({
    org_id: ["r"],
    plan: ["pro"],
    seats: [1],
    requests_30d: [1000],
    mrr: [50],
    mrr_recurring: [50],
    list_price_mrr: [79],
    ptb_revenue_30d: [null],
    llm_cost_30d: [4],
    llm_cost_ptb_30d: [4],
    company_cost_30d: [4],
    revenue_source: ["stripe"],
  });
  const frame = pl.concat([marginFrame(), r]);
  const rows = await planRows(frame);
  const pro = rows.find((row) => row.plan === "pro")!;
  assertEquals(pro.margin_company_pct, null);
  // and so is its gross profit (r's $4 PTB cost against no PTB revenue read), and all's
  assertEquals([pro.gross_profit_company_usd, rows.at(-1)!.gross_profit_company_usd], [null, null]);
  // spec basis needs no PTB revenue: (150 − 34) / 150
  ok(Math.abs(pro.margin_all_pct! - 11600 / 150) < 1e-9, `${pro.margin_all_pct}`);
  // free is untouched; all is unknown, as the headline
  ok(Math.abs(rows.find((row) => row.plan === "free")!.margin_company_pct! - -255) < 1e-9);
  assertEquals(rows.at(-1)!.margin_company_pct, null);
  assertEquals(companyMargins(frame, { windowDays: 30 }).companyPct, null);
});

/**
 * Two organizations: o1 MRR $100, PTB revenue $10, company cost $31 (PTB cost $30); o2 MRR $50
 * with PTB revenue, PTB cost, LLM cost and company cost all empty (unknown). Without o2 the
 * company margin would read (110 − 31) / 110 = 71.8 % over o1 alone: o2's PTB revenue is unknown
 * and needed (its PTB cost may be above $0), so the margin is not known and o2 is counted so.
 */
Deno.test("headline company margin: an organization with PTB revenue not read and an unknown PTB cost leaves it not known, counted", async () => {
  const { companyMarginUnknownReason, companyMargins, headlineKpis } = await import(
    "../lib/economics/headline_margins.ts"
  );
  const frame = exportFrameFromColumns({
    org_id: ["o1", "o2"],
    plan: ["pro", "pro"],
    mrr: [100, 50],
    ptb_revenue_30d: [10, null],
    llm_cost_30d: [30, null],
    llm_cost_ptb_30d: [30, null],
    company_cost_30d: [31, null],
    stripe_customer_id: ["cus_1", "cus_2"],
    revenue_source: ["stripe", "stripe"],
  });
  const margins = companyMargins(frame, { windowDays: 30 });
  assertEquals(
    [margins.companyPct, margins.ptbRevenueUnknown, margins.ptbCostUnknown],
    [null, 1, 1],
  );
  const [company] = headlineKpis(frame, { windowDays: 30, costModel: costModelFromEnv({}) });
  assertEquals(company.value, null);
  assertEquals(
    company.basis,
    "not known: PTB revenue not read (the warnings say why) and 1 organization with known MRR had an unknown PTB cost",
  );
  // some with PTB cost, some with an unknown one: neither said of all of them
  assertEquals(
    companyMarginUnknownReason(3, 1),
    "not known: PTB revenue not read (the warnings say why) and 3 organizations with known MRR had PTB cost or an unknown one (1 unknown)",
  );
  // the per-plan table's pro and all rows, as the headline; margin by plan's n counts o2 as PTB
  // revenue unknown, and o1 alone in the company basis
  const rows = await planRows(frame);
  const pro = rows.find((r) => r.plan === "pro")!;
  assertEquals([pro.margin_company_pct, rows.at(-1)!.margin_company_pct], [null, null]);
  const { marginCountsOf } = await import("../lib/economics/per_plan.ts");
  const counts = marginCountsOf(frame, { windowDays: 30 });
  assertEquals(
    [counts.pro.gross_margin_company_pct, counts.pro.ptb_revenue_unknown],
    [1, 1],
  );
});

Deno.test("PTB timing: a plan pulled down by PTB cost without PTB revenue in the window is warned of, by how many", async () => {
  const { frame, warnings } = await frameWithPtbTiming();
  const { NO_CUSTOMER_WHY } = await import("../lib/economics/ptb_timing.ts");
  const timing = warnings.filter((w) => w.startsWith("plan ") && w.includes("PTB cost"));
  const why =
    "PTB revenue is credits bought and invoices issued in the window, PTB cost is usage in it, and PTB carries no markup, so the gap is most likely timing (credits bought before the window spent in it, or usage invoiced after it), not a loss on PTB";
  assertEquals(timing, [
    // free: e (no customer, PTB cost $1, revenue $0), g ($30, $0) and h ($10, $25). Revenue 25;
    // cost e 1 + 0.25, g 30 + 1, h 10 + 1 = 43.25: (25 − 43.25) / 25 = −73.0 %. Timing is g alone
    // (e has no Stripe customer to have bought credits with): its customers' PTB cost 40 − revenue
    // 25 = 15, 60 points of the revenue. No MRR: no margin without PTB.
    `plan "free": company margin -73.0 % counts PTB cost of 1 organization with no PTB revenue in the window ($30.00 of the plan's $41.00 PTB cost, against $25.00 PTB revenue, 30-day basis): ${why}; with PTB left out on both sides there is no margin: the plan has no MRR`,
    // … and e's $1, 4 points of the revenue, on its own: without it (25 − 42.25) / 25 = −69.0 %
    `plan "free": company margin -73.0 % counts PTB cost of 1 organization without a Stripe customer ($1.00 of the plan's $41.00 PTB cost, 30-day basis): PTB ${NO_CUSTOMER_WHY}, not timing; without their PTB cost the margin is -69.0 %`,
    // a: revenue 79, cost 10 + 20 × 0.5 = 20: (79 − 20) / 79 = 74.7 %; without PTB (79 − 10) / 79
    // = 87.3 %. team (c: $300 cost, $250 revenue) and enterprise (d: $500, $600): every
    // organization bought credits in the window, no warning.
    `plan "pro 2025-12-10": company margin 74.7 % counts PTB cost of 1 organization with no PTB revenue in the window ($10.00 of the plan's $10.00 PTB cost, against $0.00 PTB revenue, 30-day basis): ${why}; with PTB left out on both sides the margin is 87.3 %`,
  ]);

  // under the per-plan table the brief names the plans, each cause apart, and points to the
  // warnings for their figures and to the cost model for why: each said once
  const { economicsBriefLines } = await import("../lib/economics/report.ts");
  const lines = economicsBriefLines(frame, {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
    priceBook: await loadPriceBook(),
    ptbRevenueRead: true,
    windowDays: 30,
  });
  const paragraph = lines.find((line) => line.startsWith("PTB timing "))!;
  assertEquals(
    paragraph,
    "PTB timing (why PTB revenue and PTB cost can differ in a window: Cost model, below): it pulls down the company margin of **free** and **pro 2025-12-10** (the warnings give the figures). Not timing: the company margin of **free** counts PTB cost of organizations without a Stripe customer, which no PTB revenue can be on record for (the warnings give the figures and why).",
  );
  // the why is the cost model's, wherever it is printed (brief, workbook, notebook, MCP), and
  // the brief's only one
  const cash = "PTB revenue (`ptb_revenue_30d`) is cash in the window";
  ok(costModelInWords(costModelFromEnv({})).some((line) => line.startsWith(cash)));
  ok(lines.some((line) => line.startsWith(`- ${cash}`)));
  ok(
    !lines.some((line) => line.includes("PTB carries no markup") && !line.startsWith(`- ${cash}`)),
  );
  ok(!lines.some((line) => line.includes(NO_CUSTOMER_WHY)), "the warning's why, not repeated");
});

Deno.test("PTB timing: isPtbWarning knows the run's PTB warnings, as any version of the kit stored them, and no other text", async () => {
  const { isPtbWarning } = await import("../lib/economics/ptb_timing.ts");
  const { warnings, warningKinds } = await frameWithPtbTiming();
  const ptb = warnings.filter((w) => w.startsWith("plan ") && w.includes("PTB cost"));
  // today's: both timing warnings (a plan without MRR, one with) and the no-customer one, each
  // with its kind (what a manifest stores), the run's other warnings with none (other)
  assertEquals(ptb.length, 3, warnings.join("\n"));
  assertEquals(
    ptb.map((w) => [w.includes("most likely timing"), warningKinds.get(w)]),
    ptb.map((w) =>
      w.includes("most likely timing") ? [true, "ptb_timing"] : [false, "ptb_no_customer"]
    ),
  );
  assertEquals(ptb.filter((w) => warningKinds.get(w) === "ptb_timing").length, 2);
  assertEquals(warningKinds.size, 3);
  for (const w of ptb) ok(isPtbWarning(w), w);
  for (const w of warnings.filter((w) => !ptb.includes(w))) ok(!isPtbWarning(w), w);
  // as kits before dcefbab wrote the timing one (git log -p -S timing -- lib/economics/ptb_timing.ts)
  const why =
    "PTB revenue is credits bought and invoices issued in the window, PTB cost is usage in it, and PTB carries no markup, so the gap is most likely timing (credits bought before the window spent in it, or usage invoiced after it), not a loss on PTB";
  const head = (plan: string, pct: string, organizations: string) =>
    `plan ${plan}: company margin ${pct} counts PTB cost of ${organizations} with no PTB revenue in the window ($1,302.48 of the plan's $1,302.48 PTB cost, against $0.00 PTB revenue, 30-day basis): ${why}; `;
  // 2dc6567: toFixed(1), no thousands separator; "– (no MRR)"
  const first = head('"free"', "-1250.0 %", "1,042 organizations") +
    "with PTB left out on both sides the margin is – (no MRR)";
  ok(isPtbWarning(first), first);
  ok(
    isPtbWarning(
      head('"free"', "-104.2 %", "42 organizations") +
        "with PTB left out on both sides the margin is 33.1 %",
    ),
  );
  // 5513c9a: formatPct, "there is no margin: the plan has no MRR"; a quoted plan name
  ok(
    isPtbWarning(
      head('"a \\"b\\""', "-5,933.5 %", "1 organization") +
        "with PTB left out on both sides there is no margin: the plan has no MRR",
    ),
  );
  // not one: another ending, a word added, a plural that is not the kit's, an unquoted plan
  for (
    const w of [
      head('"free"', "-104.2 %", "42 organizations") +
      "with PTB left out on both sides the margin is unknown",
      `${first} (edited)`,
      `note: ${first}`,
      head('"free"', "-104.2 %", "1 organizations") +
      "with PTB left out on both sides the margin is 33.1 %",
      head("free", "-104.2 %", "42 organizations") +
      "with PTB left out on both sides the margin is 33.1 %",
      'plan "free": company margin -104.2 %',
    ]
  ) ok(!isPtbWarning(w), w);
});

Deno.test("PTB timing: worked out once per frame and window; the export frame reads the metrics stage's plans", async () => {
  const { ptbTimingPlans, sharePtbTimingPlans } = await import("../lib/economics/ptb_timing.ts");
  // the metrics stage's frame: its warnings worked the plans out (free and pro 2025-12-10)
  const { frame } = await frameWithPtbTiming();
  const plans = ptbTimingPlans(frame, 30);
  assertEquals(plans.map((p) => p.plan), ["free", "pro 2025-12-10"]);
  ok(ptbTimingPlans(frame, 30) === plans, "the same frame and window: not worked out again");
  ok(Object.isFrozen(plans) && plans.every((p) => Object.isFrozen(p)), "shared rows are frozen");
  // the export frame: the same rows, its columns in another order (lib/export.ts selects them)
  const columns = [...frame.columns].reverse();
  const exported = frame.select(...columns);
  sharePtbTimingPlans(frame, exported);
  ok(ptbTimingPlans(exported, 30) === plans, "the export frame reads the metrics stage's plans");
  // … which are what working them out on such a frame gives
  const fresh = ptbTimingPlans(frame.select(...columns), 30);
  ok(fresh !== plans);
  assertEquals(fresh, plans);
  // another window is its own (PTB cost × 30 / 7 on a 30-day basis): worked out for it
  const week = ptbTimingPlans(exported, 7);
  ok(week !== ptbTimingPlans(exported, 30));
  ok(ptbTimingPlans(exported, 7) === week);
  // nothing worked out for the source: nothing handed on (worked out when read)
  const other = frame.select(...columns);
  const unread = frame.select(...frame.columns);
  sharePtbTimingPlans(unread, other);
  assertEquals(ptbTimingPlans(other, 30), plans);
});

Deno.test("PTB timing: none without PTB cost lacking revenue, nor when PTB revenue was not read", async () => {
  const { economicsBriefLines } = await import("../lib/economics/report.ts");
  const { ptbTimingPlans } = await import("../lib/economics/ptb_timing.ts");
  // every organization of economicsFrameWithF with PTB cost bought credits in the window, but e
  // (free, no customer: $1 PTB cost, revenue 0) whose plan has no revenue, so no margin to pull
  const frame = await economicsFrameWithF();
  assertEquals(ptbTimingPlans(frame, 30), []);
  const lines = economicsBriefLines(frame, {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    ptbRevenueRead: true,
    windowDays: 30,
  });
  ok(lines.some((line) => line.endsWith("no plan's company margin is pulled down by it.")));
  // PTB revenue not read: empty ptb_revenue_30d, the company margins of the plans with PTB cost
  // are empty, nothing to warn of
  const notRead = await frameWithPtbTiming({ ptbRead: false });
  assertEquals(column(notRead.frame, "ptb_revenue_30d"), Array(7).fill(null));
  ok(
    !notRead.warnings.some((w) => w.startsWith("plan ") && w.includes("PTB cost")),
    notRead.warnings.join("\n"),
  );
});

Deno.test("PTB timing: PTB cost of organizations without a Stripe customer is not timing, and is warned of on its own", async () => {
  const { ptbTimingPlans, ptbTimingWarnings, NO_CUSTOMER_WHY } = await import(
    "../lib/economics/ptb_timing.ts"
  );
  // a free plan of two: x has no Stripe customer and PTB cost $30 (none of it can have been
  // bought: Helicone's checkout creates the customer first); y bought $25 of credits in the
  // window and spent $10. No infrastructure cost.
  const free = freePlanOfTwo({
    org_id: ["x", "y"],
    stripe_customer_id: [null, "cus_y"],
    requests_30d: [3_000, 1_000],
  });
  const rev = revenue({});
  rev.byCustomer.set("cus_y", { customerId: "cus_y", ptbRevenueUsd30d: 25 } as CustomerRevenue);
  const { frame, warnings } = addEconomicsColumns(free, {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    revenue: rev,
    windowDays: 30,
  });
  // revenue 25 (y's credits), cost 30 + 10 = 40: (25 − 40) / 25 = −60 %. y's credits cover its
  // own usage: no timing. Without x's $30: (25 − 10) / 25 = 60 %.
  const [plan] = ptbTimingPlans(frame, 30);
  assertEquals(
    { ...plan, companyPct: Math.round(plan.companyPct * 1e9) / 1e9 },
    {
      plan: "free",
      organizations: 0,
      theirPtbCost: 0,
      withoutCustomer: 1,
      withoutCustomerPtbCost: 30,
      ptbCost: 40,
      ptbRevenue: 25,
      companyPct: -60,
      withoutPtbPct: null,
      withoutCustomerCostPct: 60,
      timing: false,
      noCustomer: true,
    },
  );
  assertEquals(ptbTimingWarnings(frame, 30), [{
    kind: "ptb_no_customer",
    text:
      `plan "free": company margin -60.0 % counts PTB cost of 1 organization without a Stripe customer ($30.00 of the plan's $40.00 PTB cost, 30-day basis): PTB ${NO_CUSTOMER_WHY}, not timing; without their PTB cost the margin is 60.0 %`,
  }]);
  ok(warnings.includes(ptbTimingWarnings(frame, 30)[0].text), warnings.join("\n"));
  ok(!warnings.some((w) => w.includes("most likely timing")), warnings.join("\n"));
});

Deno.test("PTB revenue not read: a plan with PTB cost has no company-basis loss count, and the brief says timing cannot be told", async () => {
  const { economicsBriefLines } = await import("../lib/economics/report.ts");
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  const frame = await economicsFixturePtbNotRead();
  const rows = perPlanRows(perPlanTable(frame, { windowDays: 30 }));
  const company = Object.fromEntries(rows.map((r) => [r.plan, r.negative_margin_company]));
  // b (legacy pro) has no PTB cost: its $200 against its infrastructure cost is judged, no loss;
  // a, c, d and e had PTB cost with no PTB revenue read: their plans' counts are unknown (a 0
  // read as "none loses money" beside a margin of –), and so is all's
  assertEquals(company, {
    "enterprise (contract)": null,
    "team (bundle, legacy)": null,
    "pro 2025-12-10": null,
    "pro (seat, legacy)": 0,
    free: null,
    all: null,
  });
  // the spec basis is judged as before: c ($300 > $200) is the one loss
  assertEquals(
    rows.map((r) => r.negative_margin_all),
    rows.map((r) => r.plan === "team (bundle, legacy)" || r.plan === "all" ? 1 : 0),
  );
  const lines = economicsBriefLines(frame, {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    ptbRevenueRead: false,
    windowDays: 30,
  });
  ok(
    lines.some((line) =>
      line.endsWith(
        "PTB revenue was not read, so whether a plan's company margin is pulled down by it cannot be told: those with PTB cost have none (–).",
      )
    ),
  );
  ok(!lines.some((line) => line.includes("no plan's company margin is pulled down by it.")));
});
