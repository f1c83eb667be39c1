/**
 * lib/economics/ with a Stripe customer shared by several organizations: its other organizations'
 * cost and revenue in the headline and per-plan margins, ratios and loss counts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { addEconomicsColumns, costModelFromEnv, loadPriceBook } from "../lib/economics/mod.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  economicsFixture,
  frameWithLosingSharedCustomer,
  frameWithSharedCustomer,
  revenue,
} from "./economics_fixture.ts";
import type { CustomerRevenue } from "../lib/revenue/types.ts";
import { column, planRows } from "./economics_frames.ts";

Deno.test("a shared customer's other organization: its cost counts in the headline and per-plan margins", async () => {
  const { companyMargins } = await import("../lib/economics/headline_margins.ts");
  const frame = await frameWithSharedCustomer();
  assertEquals(column(frame, "ptb_revenue_30d").at(-1), null); // on b's row
  const margins = companyMargins(frame, { windowDays: 30 });
  // company: revenue 4,419 as without g, cost 1,396.25 + 6 = 1,402.25
  ok(Math.abs(margins.companyPct! - 3016.75 / 4419 * 100) < 1e-9, `${margins.companyPct}`);
  // spec: MRR 3,519, LLM cost 2,383 + 8 = 2,391
  ok(Math.abs(margins.specPct! - 1128 / 3519 * 100) < 1e-9, `${margins.specPct}`);
  assertEquals(margins.mrr, 3519);
  // the admin page's cards: the same two margins
  const { pricingSummary } = await import("../lib/server/summary.ts");
  const summary = pricingSummary(
    {
      asOf: new Date("2026-11-01T00:00:00Z"),
      windowDays: 30,
      demo: false,
      warnings: [],
      economics: { costModel: costModelFromEnv({}), priceBook: await loadPriceBook() },
    } as unknown as Parameters<typeof pricingSummary>[0],
    { frame, segment: null },
  );
  assertEquals([summary.grossMarginPct, summary.companyMarginPct], [
    margins.specPct,
    margins.companyPct,
  ]);
  const pro = (await planRows(frame)).find((r) => r.plan === "pro (seat, legacy)")!;
  // b + f + g: spec (240 − (12 + 40 + 8)) / 240; company (265 − (1 + 24 + 6)) / 265
  assertEquals([pro.organizations, pro.paying_organizations, pro.mrr], [3, 2, 240]);
  ok(Math.abs(pro.margin_all_pct! - 75) < 1e-9, `${pro.margin_all_pct}`);
  ok(Math.abs(pro.margin_company_pct! - 234 / 265 * 100) < 1e-9, `${pro.margin_company_pct}`);
});

Deno.test("a shared customer's other organization counts in the per-plan ratios with its customer's revenue", async () => {
  const { default: pl } = await import("nodejs-polars");
  const frame = await frameWithSharedCustomer();
  // list prices: b 3 × 20 + 50 + 100 = 210, f 2 × 20 = 40, g 1 × 20 = 20
  assertEquals(column(frame, "list_price_mrr").slice(1, 2), [210]);
  assertEquals(column(frame, "list_price_mrr").slice(5), [40, 20]);
  const rows = await planRows(frame);
  const pro = rows.find((r) => r.plan === "pro (seat, legacy)")!;
  // b + f + g: $240 over 3 + 2 + 1 = 6 seats and 2,000 + 8,000 + 4,000 = 14,000 requests (g's
  // customer, b's, pays for it too; without g: $48 a seat, $24 per 1,000 requests)
  assertEquals([pro.organizations, pro.seats, pro.mrr], [3, 6, 240]);
  ok(Math.abs(pro.mrr_per_seat! - 40) < 1e-9, `${pro.mrr_per_seat}`);
  ok(Math.abs(pro.mrr_per_1k_requests! - 240 / 14) < 1e-9, `${pro.mrr_per_1k_requests}`);
  // recurring MRR b 200 + f 30 against list b 210 + g 20 + f 40 (without g's list: 230 / 250)
  ok(Math.abs(pro.mrr_to_list_pct! - 230 / 270 * 100) < 1e-9, `${pro.mrr_to_list_pct}`);
  // all: MRR 3,519 over the paying customers' a 4 + b 3 + c 10 + d 50 + f 2 + g 1 = 70 seats (e's
  // 1 free seat not priced); recurring 79 + 200 + 200 + 30 = 509 against list 79 + 210 + 200 + 40
  // + 20 = 549 (d has none)
  const all = rows.at(-1)!;
  ok(Math.abs(all.mrr_per_seat! - 3519 / 70) < 1e-9, `${all.mrr_per_seat}`);
  ok(Math.abs(all.mrr_to_list_pct! - 509 / 549 * 100) < 1e-9, `${all.mrr_to_list_pct}`);

  // g on a team plan: it still counts with b, in b's plan (the team row is c's alone)
  const gOnTeam = await frameWithSharedCustomer({ tier: "team", tierRaw: "team" });
  assertEquals(column(gOnTeam, "plan").at(-1), "team (bundle, legacy)");
  const apart = await planRows(gOnTeam);
  const proApart = apart.find((r) => r.plan === "pro (seat, legacy)")!;
  const team = apart.find((r) => r.plan === "team (bundle, legacy)")!;
  assertEquals([proApart.organizations, proApart.seats, team.organizations, team.seats], [
    3,
    6,
    1,
    10,
  ]);
  ok(Math.abs(proApart.margin_all_pct! - 75) < 1e-9, `${proApart.margin_all_pct}`);
  ok(Math.abs(proApart.mrr_per_seat! - 40) < 1e-9, `${proApart.mrr_per_seat}`);
  // c alone: (200 − 300) / 200
  ok(Math.abs(team.margin_all_pct! - -50) < 1e-9, `${team.margin_all_pct}`);

  // b's revenue unknown (not converted): g's seats, requests and cost count nowhere; pro is f's
  const unknown = await planRows(
    frame.withColumns(
      pl.when(pl.col("org_id").eq(pl.lit("b"))).then(pl.lit(null)).otherwise(pl.col("mrr"))
        .cast(pl.Float64).alias("mrr"),
    ),
  );
  const proUnknown = unknown.find((r) => r.plan === "pro (seat, legacy)")!;
  // f: (40 − 40) / 40 (counting g's $8 it read −20 %); $40 over 2 seats
  ok(Math.abs(proUnknown.margin_all_pct!) < 1e-9, `${proUnknown.margin_all_pct}`);
  ok(Math.abs(proUnknown.mrr_per_seat! - 20) < 1e-9, `${proUnknown.mrr_per_seat}`);
});

Deno.test("per-plan negative margins count the organizations of loss-making customers, a shared customer judged as one", async () => {
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  const { segmentFrame } = await import("../lib/report/segments.ts");
  // p's own row reads (50 − 30) / 50 = 40 % (company 100 %), q's none (mrr empty); their customer
  // cus_x: (50 − 90) / 50 = −80 % spec, (50 + 0 − 60) / 50 = −20 % company: p and q both count,
  // in p's plan. s: (40 − 60) / 40 = −50 % spec, company cost $0: 100 %.
  const frame = await frameWithLosingSharedCustomer();
  const rows = perPlanRows(perPlanTable(frame, { windowDays: 30 }));
  const counts = (plan: string) => {
    const row = rows.find((r) => r.plan === plan)!;
    return [row.organizations, row.negative_margin_all, row.negative_margin_company];
  };
  assertEquals(counts("pro 2025-12-10"), [2, 2, 2]);
  assertEquals(rows.find((r) => r.plan === "pro 2025-12-10")!.margin_all_pct, -80);
  assertEquals(counts("pro (seat, legacy)"), [1, 1, 0]);
  assertEquals(counts("all"), [3, 3, 2]);
  // the negative_margin segment's count
  assertEquals(segmentFrame(frame, { name: "negative_margin" }).frame.height, 3);
});

Deno.test("a shared customer's PTB revenue not read and its other organization's PTB cost: the company margin is not known", async () => {
  const { default: pl } = await import("nodejs-polars");
  const { companyMargins } = await import("../lib/economics/headline_margins.ts");
  const { orgGOnSharedCustomer, withEconomics } = await import("./economics_fixture.ts");
  // a–e and g (on b's customer, PTB cost $4), PTB revenue not read: b's own PTB cost is 0, but
  // its customer's PTB revenue pays for g's too
  const g = orgGOnSharedCustomer();
  const base = economicsFixture();
  const frame = await withEconomics(pl.concat([base.select(...g.columns), g]), revenue({}));
  const pro = (await planRows(frame)).find((r) => r.plan === "pro (seat, legacy)")!;
  // counting b's $200 against g's $4 it read 98 %
  assertEquals(pro.margin_company_pct, null);
  ok(Math.abs(pro.margin_all_pct! - (200 - 20) / 200 * 100) < 1e-9, `${pro.margin_all_pct}`);
  // the headline: a, c, d, e and g had PTB cost with PTB revenue not read
  assertEquals(companyMargins(frame, { windowDays: 30 }).ptbRevenueUnknown, 5);
});

Deno.test("per plan: a shared customer counts in its paying organization's plan, not its newest's", async () => {
  const { attachRevenue } = await import("../lib/revenue/columns.ts");
  const { addMetricColumns } = await import("../lib/frame/metrics.ts");
  // Export order, newest first. cus_eur: the newer "Euro GmbH Labs" (pro, 3 seats, 1,000
  // requests, $10) and "Euro GmbH" (enterprise, 15 seats, 90,000 requests, $270), $3,000 a
  // month. cus_two: a newer free "staging" org (1 seat, 100 requests, $1) and "Two" on
  // pro-20251210 (5 seats, 5,000 requests, $20), $179. "Solo": pro alone, 2 seats, $40, $4.
  const base = exportFrameFromColumns({
    org_id: ["labs", "staging", "solo", "eu", "two"],
    org_name: ["Euro GmbH Labs", "staging", "Solo", "Euro GmbH", "Two"],
    tier: ["pro", "free", "pro", "enterprise", "pro"],
    tier_raw: ["pro", "free", "pro", "enterprise", "pro-20251210"],
    stripe_customer_id: ["cus_eur", "cus_two", "cus_solo", "cus_eur", "cus_two"],
    seats: [3, 1, 2, 15, 5],
    active_users_30d: [3, 1, 2, 15, 5],
    requests_30d: [1_000, 100, 400, 90_000, 5_000],
    llm_cost_30d: [10, 1, 4, 270, 20],
    llm_cost_ptb_30d: [0, 0, 0, 0, 0],
    llm_cost_byok_30d: [10, 1, 4, 270, 20],
    addon_prompts: [0, 0, 0, 0, 0],
  });
  const paid = (customerId: string, mrr: number) =>
    ({
      customerId,
      mrr,
      mrrRecurring: mrr,
      baseSubscription: mrr,
      usageCharges: 0,
      addonPrompts: 0,
      addonOther: 0,
      subscriptionStatus: "active",
      ptbRevenueUsd30d: 0,
    }) as CustomerRevenue;
  const rev = revenue({});
  rev.byCustomer = new Map(
    [paid("cus_eur", 3000), paid("cus_two", 179), paid("cus_solo", 40)].map((c) => [
      c.customerId,
      c,
    ]),
  );
  const withRevenue = attachRevenue(base, rev);
  const frame = addEconomicsColumns(addMetricColumns(withRevenue.frame, { windowDays: 30 }), {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    revenue: rev,
    windowDays: 30,
    ptbRevenueAttached: true,
  }).frame;
  assertEquals(column(frame, "mrr"), [null, null, 40, 3000, 179]);
  const rows = await planRows(frame);
  const row = (plan: string) => rows.find((r) => r.plan === plan);
  // enterprise: Euro GmbH with its Labs, $3,000 over 18 seats, (3,000 − 280) / 3,000
  const enterprise = row("enterprise (contract)")!;
  assertEquals([enterprise.organizations, enterprise.seats, enterprise.mrr], [2, 18, 3000]);
  ok(Math.abs(enterprise.margin_all_pct! - 2720 / 3000 * 100) < 1e-9);
  ok(Math.abs(enterprise.mrr_per_seat! - 3000 / 18) < 1e-9);
  // legacy pro: Solo alone, $40 over 2 seats, (40 − 4) / 40
  const pro = row("pro (seat, legacy)")!;
  assertEquals([pro.organizations, pro.seats, pro.mrr, pro.mrr_per_seat], [1, 2, 40, 20]);
  ok(Math.abs(pro.margin_all_pct! - 90) < 1e-9);
  // pro 2025-12-10: Two with its staging org, $179 over 6 seats, (179 − 21) / 179
  const dated = row("pro 2025-12-10")!;
  assertEquals([dated.organizations, dated.paying_organizations, dated.seats, dated.arpa], [
    2,
    1,
    6,
    179,
  ]);
  ok(Math.abs(dated.margin_all_pct! - 158 / 179 * 100) < 1e-9);
  // free: nobody (the staging org counts with its customer's paying one)
  assertEquals(row("free")?.paying_organizations ?? 0, 0);
});
