/**
 * Scenarios over metered usage and subscription status (a seven-organization fixture below): the
 * 2025-12-10 plans' usage charges carried, unpaid subscriptions at $0, metered prices not
 * re-priced named, and a founder's changes worked by hand.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  biggestMovers,
  compareScenario,
  loadScenarioFile,
  parseScenario,
} from "../lib/analysis/scenario/mod.ts";
import { withPriceParameter } from "../lib/analysis/scenario/parameters.ts";
import { close, column, frame, SCENARIOS } from "./scenario_fixture.ts";

/**
 * Metered usage and subscription status. a pro-20251210 $79 + $50.50 usage = $129.50; b
 * pro-20251210 $71.10 (a 10 % discount), no usage; c pro-20251210 trialing, $0; d team-20251210
 * canceled, $0; e free, no subscription, $0; f legacy pro 2 seats $40 + $7.25 usage = $47.25;
 * g legacy pro 3 seats, trialing and canceled, $0. c and e made 30,000 requests.
 */
const metered = exportFrameFromColumns({
  org_id: ["a", "b", "c", "d", "e", "f", "g"],
  org_name: ["A", "B", "C", "D", "E", "F", "G"],
  tier: ["pro", "pro", "pro", "team", "free", "pro", "pro"],
  tier_raw: [
    "pro-20251210",
    "pro-20251210",
    "pro-20251210",
    "team-20251210",
    "free",
    "pro-20240913",
    "pro",
  ],
  seats: [2, 5, 1, 4, 1, 2, 3],
  requests_30d: [90_000, 0, 30_000, 0, 30_000, 0, 0],
  mrr: [129.5, 71.1, 0, 0, 0, 47.25, 0],
  usage_charges: [50.5, 0, 0, 0, null, 7.25, 0],
  subscription_status: [
    "active",
    "active",
    "trialing",
    "canceled",
    null,
    "active",
    "canceled,trialing",
  ],
  cancel_at_period_end: [false, true, null, null, null, false, null],
});

const atOrg = (perOrg: pl.DataFrame, id: string, name: string) =>
  perOrg.filter(pl.col("org_id").eq(pl.lit(id))).getColumn(name).get(0);

Deno.test("current pricing carries the 2025-12-10 plans' usage charges and keeps unpaid subscriptions at $0", async () => {
  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const result = await compareScenario(metered, { scenario: book, priceBook: book });
  // a 79 + 50.50 carried = 129.50 (= current); b 79 (current 71.10: +7.90, the discount);
  // c, d, g $0 (no counted subscription, not $79 / $799 / $60); e free $0; f 2 × 20 + 7.25
  // carried = 47.25 (= current).
  assertEquals(column(result.perOrg, "proposed_mrr"), [129.5, 79, 0, 0, 0, 47.25, 0]);
  assertEquals(column(result.perOrg, "proposed_usage_carried"), [50.5, 0, 0, 0, 0, 7.25, 0]);
  assertEquals(column(result.perOrg, "outcome"), [
    "unchanged",
    "pays_more",
    "unchanged",
    "unchanged",
    "unchanged",
    "unchanged",
    "unchanged",
  ]);
  // current 129.5 + 71.1 + 47.25 = 247.85; proposed 129.5 + 79 + 47.25 = 255.75: +7.90, b's
  // discount alone
  close(result.totals.currentMrrUsd, 247.85, "current");
  close(result.totals.proposedMrrUsd, 255.75, "proposed");
  close(result.totals.deltaUsd, 7.9, "delta", 1e-9);
  // no enterprise or other-tier organization; d, the one team organization, is team-20251210
  assertEquals(result.warnings, [
    'plan "team (bundle, legacy)" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "team 2025-12-10"',
    'usage charges carried as billed into proposed MRR, not re-priced: $57.75 a month of 2 organizations on "pro 2025-12-10", "pro (seat, legacy)" (plans with meteredPrices that price no usage themselves; Stripe bills metered requests and storage, in usage_charges)',
    "3 organizations pay nothing because no subscription of theirs is in a status MRR counts (subscription_status trialing, paused, incomplete, canceled on a paying tier, …): kept at $0, not priced by their plan",
    // the fixture has no company cost: no margin, said with the columns it lacks
    "7 of the 7 organizations compared are left out of the company margin: 7 whose company cost is unknown (company_cost_30d empty; ptb_revenue_30d and company_cost_30d empty on every organization: an export of a kit before the cost model of 2026-12-01 has none; export again to price the margin)",
  ]);
  // nobody on a trial leads the increases: b's discount (+7.90) is the only one
  assertEquals(column(biggestMovers(result.perOrg, { outcome: "pays_more", limit: 5 }), "org_id"), [
    "b",
  ]);
});

Deno.test("a free organization whose subscription was canceled is priced as free, not kept at $0", async () => {
  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const twoPercent = await loadScenarioFile(join(SCENARIOS, "two_percent_of_llm_cost.json"));
  // p free, its subscription canceled ($100 LLM cost); q free, never subscribed ($50); r pro
  // trialing ($200); s pro paying $40 ($300)
  const churned = exportFrameFromColumns({
    org_id: ["p", "q", "r", "s"],
    org_name: ["P", "Q", "R", "S"],
    tier: ["free", "free", "pro", "pro"],
    tier_raw: ["free", "free", "pro-20250202", "pro-20250202"],
    seats: [1, 1, 2, 2],
    requests_30d: [1_000, 1_000, 1_000, 1_000],
    llm_cost_30d: [100, 50, 200, 300],
    mrr: [0, 0, 0, 40],
    subscription_status: ["canceled", null, "trialing", "active"],
    cancel_at_period_end: [null, null, null, false],
  });
  const result = await compareScenario(churned, { scenario: twoPercent, priceBook: book });
  // 2 % of LLM cost: p 2 and q 1, both free today; r stays $0 (a trial); s 6
  assertEquals(column(result.perOrg, "proposed_mrr"), [2, 1, 0, 6]);
  assertEquals(column(result.perOrg, "outcome"), [
    "pays_more",
    "pays_more",
    "unchanged",
    "pays_less",
  ]);
  close(result.totals.proposedMrrUsd, 9, "proposed");
  ok(
    result.warnings.includes(
      "1 organization pays nothing because no subscription of theirs is in a status MRR counts (subscription_status trialing, paused, incomplete, canceled on a paying tier, …): kept at $0, not priced by their plan",
    ),
    result.warnings.join("\n"),
  );
});

Deno.test("raising pro 2025-12-10 from $79 to $99 reads as +$20 per paying organization", async () => {
  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const raised = withPriceParameter(book, { path: "plans[0].flatUsd", value: 99 });
  const result = await compareScenario(metered, { scenario: raised, priceBook: book });
  // a 99 + 50.50 = 149.50 (+20); b 99 (+27.90: 20 + the 7.90 discount); c still $0 (trialing).
  assertEquals(column(result.perOrg, "proposed_mrr"), [149.5, 99, 0, 0, 0, 47.25, 0]);
  const pro = result.perOrg.filter(pl.col("plan").eq(pl.lit("pro 2025-12-10")));
  // plan: current 129.5 + 71.1 + 0 = 200.60, proposed 149.5 + 99 + 0 = 248.50: +47.90, which is
  // the preset's +7.90 plus 2 × $20
  close(pro.getColumn("delta_usd").sum(), 47.9, "pro 2025-12-10 delta");
  // the same metered prices as the book: no "not re-priced" warning
  ok(!result.warnings.some((w) => w.startsWith("meteredPrices of")));
});

Deno.test("metered prices that differ from the price book are named as not re-priced", async () => {
  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  // (set by hand: a breakeven parameter may not name a meteredPrices price, which nothing charges)
  const cheaper = structuredClone(book);
  cheaper.plans[0].meteredPrices!.requests!.tiers[0].usdPer1k = 0.5;
  const result = await compareScenario(metered, { scenario: cheaper, priceBook: book });
  // a's usage is carried as billed all the same: $129.50
  assertEquals(atOrg(result.perOrg, "a", "proposed_mrr"), 129.5);
  assertEquals(
    result.warnings.filter((w) => w.startsWith("meteredPrices of")),
    [
      'meteredPrices of "pro 2025-12-10" differ from what their organizations are billed on (the price book): they are not re-priced; the organizations\' usage charges are carried as billed',
    ],
  );
  // without a price book nothing is compared
  const alone = await compareScenario(metered, { scenario: cheaper });
  ok(!alone.warnings.some((w) => w.startsWith("meteredPrices of")));
});

Deno.test("a plan without meteredPrices that prices no usage leaves usage charges out, and says so", async () => {
  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const scenario = structuredClone(book);
  delete scenario.plans[2].meteredPrices; // pro (seat, legacy)
  const result = await compareScenario(metered, { scenario, priceBook: book });
  // f: 2 × 20 = 40 against 47.25: −7.25, its usage charges
  assertEquals(atOrg(result.perOrg, "f", "proposed_mrr"), 40);
  assertEquals(atOrg(result.perOrg, "f", "delta_usd"), -7.25);
  ok(result.warnings.includes(
    'usage charges left out of proposed MRR: $7.25 a month of 1 organization on "pro (seat, legacy)" (in current MRR as usage_charges; these plans list no meteredPrices and price no usage), so they read as paying that much less',
  ));
});

Deno.test("a scenario pricing usage itself replaces usage charges; free orgs stay priced, trials at $0", async () => {
  const scenario = await loadScenarioFile(join(SCENARIOS, "per_request.json"));
  const result = await compareScenario(metered, { scenario });
  // e free, no subscription: (30,000 − 10,000) / 1,000 × $0.50 = $10; c the same usage but
  // trialing: $0. a: 80,000 billable requests × $0.50 / 1,000 = $40 (no carried usage).
  assertEquals(atOrg(result.perOrg, "e", "proposed_mrr"), 10);
  assertEquals(atOrg(result.perOrg, "c", "proposed_mrr"), 0);
  assertEquals(atOrg(result.perOrg, "a", "proposed_mrr"), 40);
  assertEquals(atOrg(result.perOrg, "a", "proposed_usage_carried"), 0);
  // a's 50.50 and f's 7.25 on the "usage" plan: 57.75 replaced
  ok(result.warnings.includes(
    'usage charges replaced by the scenario\'s own usage prices: $57.75 a month of current MRR of 2 organizations on "usage" (perRequest or pctOfLlmCost)',
  ));
});

Deno.test("a founder's changes: 5 % of LLM cost with a $49 floor, and team merged into pro at $23 a seat", async () => {
  const floor = parseScenario({
    name: "pct_floor",
    description: "5 % of LLM cost, at least $49 a month; free stays free",
    addonPrices: {},
    plans: [
      { name: "free", match: { tiers: ["free"] }, flatUsd: 0 },
      {
        name: "pct",
        pctOfLlmCost: { percent: 5, basis: "all" },
        minimumUsd: 49,
        addonsIncluded: true,
      },
    ],
    breakeven: "plans[1].minimumUsd",
  });
  const priced = await compareScenario(frame, { scenario: floor });
  // 5 % of s1 10, s2 0, s3 40, u1 150, t1 900, p25 1200, e1 5000 = 0.5, 0, 2, 7.5, 45, 60, 250:
  // the first five are raised to $49; f1, f2 free at $0.
  assertEquals(column(priced.perOrg, "proposed_mrr"), [49, 49, 49, 49, 49, 60, 250, 0, 0]);
  assertEquals(column(priced.perOrg, "proposed_minimum_topup"), [
    48.5,
    49,
    47,
    41.5,
    4,
    0,
    0,
    0,
    0,
  ]);
  // comparable (all but f2): current 3,593.50, proposed 5 × 49 + 60 + 250 + 0 = 555
  close(priced.totals.proposedMrrUsd, 555, "floor proposed");
  close(priced.totals.deltaUsd, -3038.5, "floor delta");
  close(priced.totals.changePct!, -3038.5 / 3593.5 * 100, "floor change %");
  // only s2 pays more ($20 → $49); f1 $0 → $0 unchanged; the other six pay less
  assertEquals(
    [priced.totals.paysMore, priced.totals.paysLess, priced.totals.unchanged],
    [1, 6, 1],
  );
  // breakeven floor m: above e1's 250 every pct organization pays m, 7m = 3,593.50 → m = 513.357…
  close(priced.breakeven!.value!, 3593.5 / 7, "floor breakeven", 1e-6);

  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const merged = parseScenario({
    ...book,
    name: "team_into_pro",
    plans: [
      ...book.plans.slice(0, 2),
      { ...book.plans[2], match: { tiers: ["pro", "growth", "team"] }, perSeatUsd: 23 },
      ...book.plans.slice(4),
    ],
  });
  const result = await compareScenario(frame, { scenario: merged });
  // s1 3 × 23 = 69; s2 0 seats → the $20 minimum; s3 5 × 23 + prompts 50 = 165; u1 4 × 23 + 4.50
  // carried = 96.5; t1 12 × 23 = 276 (was the $200 bundle); p25 $79; e1 kept; f1, f2 free.
  assertEquals(column(result.perOrg, "proposed_mrr"), [69, 20, 165, 96.5, 276, 79, 3000, 0, 0]);
  assertEquals(column(result.perOrg, "plan")[4], "pro (seat, legacy)");
  // 69 + 20 + 165 + 96.5 + 276 + 79 + 3000 + 0 = 3,705.50: +112 (+3.117 %)
  close(result.totals.proposedMrrUsd, 3705.5, "merged proposed");
  close(result.totals.changePct!, 112 / 3593.5 * 100, "merged change %");
  assertEquals(
    [result.totals.paysMore, result.totals.paysLess, result.totals.unchanged],
    [4, 0, 4],
  );
  const team = result.byTier.filter(pl.col("tier").eq(pl.lit("team")));
  assertEquals([column(team, "current_mrr"), column(team, "proposed_mrr")], [[200], [276]]);
  // breakeven seat price p: 3p + 20 + (5p + 50) + (4p + 4.5) + 12p + 79 + 3000 = 3,593.50 →
  // 24p = 440, p = 18.33…
  close(result.breakeven!.value!, 440 / 24, "merged breakeven", 1e-6);
});
