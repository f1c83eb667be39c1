/**
 * lib/analysis/questions' pricing models by tier (priced as scenarios) and organizations sharing a
 * Stripe customer judged as one customer.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { loadQuestionsFrame } from "../lib/notebooks/questions_page.ts";
import { readExportFile } from "../lib/formats/read_export.ts";
import pl from "nodejs-polars";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import {
  compareScenario,
  loadScenarioFile,
  SCENARIO_INPUT_COLUMNS,
} from "../lib/analysis/scenario/mod.ts";
import {
  churnRisk,
  featureAdoption,
  pricingModelComparison,
  ptbVsByok,
  TRAFFIC_TYPES,
  underpricedCustomers,
  upgradeCandidates,
} from "../lib/analysis/questions.ts";
import { churnChart, pricingModelChart } from "../lib/analysis/question_charts.ts";
import { column, frame, near, withoutRevenue } from "./questions_fixture.ts";

Deno.test("pricing models by tier: seats × $20, requests × $0.50/1k, 2 % of LLM cost, priced as scenarios", () => {
  // As deno task scenario prices: o2 is trialing (no subscription counts), $0 under every model;
  // o6's MRR is unknown, left out of every sum. The sums are over o1, o2, o3, o4, o5.
  const answer = pricingModelComparison(frame);
  const table = answer.table;
  assertEquals(column(table, "tier"), ["enterprise", "team", "pro", "free"]);
  assertEquals(column(table, "organizations"), [1, 1, 1, 3]);
  assertEquals(column(table, "own_tier_organizations"), [1, 1, 1, 3]); // no shared customer
  assertEquals(column(table, "unknown_mrr"), [0, 0, 0, 1]); // o6
  assertEquals(column(table, "current_mrr"), [5000, 200, 40, 0]); // free: o2 0 + o5 0
  assertEquals(column(table, "seat_based"), [1000, 200, 40, 20]); // free: o5 1 × 20 (o2 trialing)
  assertEquals(column(table, "usage_based"), [500, 5, 100, 0]); // free: o5 sent nothing
  const pct = column(table, "pct_of_llm_cost") as number[];
  ok([20, 12, 16, 0].every((v, i) => near(pct[i], v)), `${pct}`); // free: o2 trialing, o5 $0 cost
  const f = answer.facts;
  assertEquals(
    [f.comparableOrganizations, f.currentMrrUsd, f.seatBasedUsd, f.usageBasedUsd],
    [5, 5240, 1260, 605],
  );
  assertEquals([f.unknownMrr, f.notCounted], [1, 1]);
  ok(near(f.pctOfLlmCostUsd!, 48), `${f.pctOfLlmCostUsd}`); // 20 + 12 + 16
  // MRR / the LLM cost the model prices (o1 800 + o3 600 + o4 1000; not o2's, not o6's)
  ok(near(f.breakEvenPct!, 5240 / 2400 * 100), `${f.breakEvenPct}`);
  assertEquals(
    answer.reading,
    "Over 5 organizations with known MRR, 2 % of LLM cost would bring $48 a month against $5,240 MRR today (matching it would take 218.3 % of LLM cost); seat-based at $20 a seat $1,260, usage-based at $0.50 per 1,000 requests $605; as in deno task scenario, 1 organization with no subscription in a status MRR counts (trialing, paused, incomplete, canceled on a paying tier, …) stays at $0 and 1 organization with unknown MRR is left out.",
  );
  const at10 = pricingModelComparison(frame, { pctOfLlmCost: 10 });
  ok(near(at10.facts.pctOfLlmCostUsd!, 240)); // 2400 × 10 %
  throws(
    () => pricingModelComparison(frame, { seatPriceUsd: -1 }),
    /modelPrices.seatPriceUsd must be a number ≥ 0, got -1/,
  );
  throws(
    () => pricingModelComparison(frame.drop("subscription_status")),
    /pricing model comparison: the frame has no column subscription_status/,
  );
});

/** Q4's 2 % revenue and breakeven next to scenarios/two_percent_of_llm_cost.json's on `frame`. */
async function pctModelAgainstScenario(
  questions: pl.DataFrame,
  scenarioFrame: pl.DataFrame,
) {
  const scenario = await loadScenarioFile(
    fileURLToPath(new URL("../scenarios/two_percent_of_llm_cost.json", import.meta.url)),
  );
  const compared = await compareScenario(scenarioFrame, { scenario });
  const facts = pricingModelComparison(questions).facts;
  const cents = (usd: number) => Math.round(usd * 100);
  return {
    question: [cents(facts.currentMrrUsd!), cents(facts.pctOfLlmCostUsd!), facts.breakEvenPct],
    scenario: [
      cents(compared.totals.currentMrrUsd),
      cents(compared.totals.proposedMrrUsd),
      compared.breakeven!.value,
    ],
  };
}

Deno.test("pricing models with no MRR known say they cannot be judged, never '$0 against $0 MRR'", () => {
  const answer = pricingModelComparison(withoutRevenue());
  const f = answer.facts;
  assertEquals(
    [f.comparableOrganizations, f.unknownMrr, f.currentMrrUsd, f.seatBasedUsd],
    [0, 6, null, null],
  );
  assertEquals([f.usageBasedUsd, f.pctOfLlmCostUsd, f.breakEvenPct], [null, null, null]);
  assertEquals(
    answer.reading,
    "Pricing models cannot be judged without revenue: MRR is unknown for every organization (revenue not fetched), so 6 organizations are not judged.",
  );
});

Deno.test("pricing models: 2 % of LLM cost gives the scenario's revenue and breakeven", async () => {
  // the small frame: $48.00 and 218.33 % by hand (above)
  const small = await pctModelAgainstScenario(frame, frame);
  assertEquals(small.question, small.scenario);
  assertEquals(small.question.slice(0, 2), [524_000, 4_800]);
  ok(near(small.question[2]!, 5240 / 2400 * 100));
  // the demo export, as a file: the questions notebook's reading of it against the scenario
  // command's (deno task scenario … --input reads the scenario's columns only)
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/helicone_pricing_data_2026-11-01_demo.csv`;
    await writeCsvFile((await goldenDemoData()).frame, path);
    const questions = (await loadQuestionsFrame({ asOf: new Date(), csvPath: path })).frame;
    const scenarioFrame = (await readExportFile(path, { columns: SCENARIO_INPUT_COLUMNS })).frame;
    const demo = await pctModelAgainstScenario(questions, scenarioFrame);
    assertEquals(demo.question, demo.scenario);
    // the demo has trials and cancellations: kept at $0, they change the answer
    ok(pricingModelComparison(questions).facts.notCounted > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The fixture with o6 sharing o3's Stripe customer (cus_3): o3's row carries the customer's $200
 * MRR and $50 PTB revenue, o6 reads revenue_source shared_customer with its revenue empty. The
 * customer is judged as one: $200 against o3's and o6's summed usage and cost (50,000 requests,
 * $1,200 of LLM cost, $150 of it pass-through, $150.5 company cost), in o3's tier (team).
 */
const sharedCustomer = () =>
  frame.withColumns(
    pl.Series("stripe_customer_id", ["cus_1", "cus_2", "cus_3", "cus_4", null, "cus_3"], pl.Utf8),
    pl.Series(
      "revenue_source",
      ["stripe", "stripe", "stripe", "stripe", "no_customer", "shared_customer"],
      pl.Utf8,
    ),
    pl.Series("ptb_revenue_30d", [900, 0, 50, 0, 0, null], pl.Float64),
  );

Deno.test("the questions judge organizations sharing a Stripe customer as one customer, never as unknown MRR", async () => {
  const shared = sharedCustomer();
  const customer = "o3 and 1 more organization of its Stripe customer";
  // underpriced at ≤ $200: the customer ($1,200 of cost over $200) and o1 ($800 over $40)
  const underpriced = underpricedCustomers(shared, { underpricedMaxMrrUsd: 200 });
  assertEquals(column(underpriced.table, "org_name"), [customer, "o1"]);
  assertEquals(column(underpriced.table, "requests_30d"), [50_000, 200_000]);
  assertEquals(underpriced.facts, {
    organizations: 3, // o3, o6 (its customer's) and o1
    customers: 2,
    requests: 250_000, // 200,000 + 10,000 + 40,000
    llmCostUsd: 2000, // 800 + 600 + 600
    ptbLlmCostUsd: 950, // 800 + 150
    mrrUsd: 240,
    unknownMrr: 0,
    payingNothing: { total: 0, freeTier: 0, byStatus: {} }, // $200 and $40
  });
  // the rows are customers: said so, not "2 organizations" beside a segment of 3
  ok(
    underpriced.reading.startsWith(
      "2 customers (3 organizations, those sharing a Stripe customer judged as one) sent ≥",
    ),
    underpriced.reading,
  );
  // the customer on a trial ($0): one of the two rows, said in the rows' unit, customers
  const trial = underpricedCustomers(
    shared.withColumns(
      pl.Series("mrr", [40, 0, 0, 5000, 0, null], pl.Float64),
      pl.Series("subscription_status", ["active", "trialing", "trialing", "active", null, null]),
    ),
    { underpricedMaxMrrUsd: 200 },
  );
  ok(
    trial.reading.endsWith(
      "against $40 MRR (1 of the 2 customers pays nothing, MRR $0: trialing).",
    ),
    trial.reading,
  );
  // upgrade candidates over 30,000 requests: o2 (60k) and o6 (40k), but o6's customer (cus_3,
  // o3's $200) already pays: left out and said
  const upgrade = upgradeCandidates(shared, { upgradeMinRequests: 30_000 });
  assertEquals(column(upgrade.table, "org_name"), ["o2"]);
  assertEquals([upgrade.facts.organizations, upgrade.facts.customerPays], [1, 1]);
  ok(
    upgrade.reading.endsWith(
      "would bring $20 MRR; 1 more free organization over it left out: their Stripe customer already pays.",
    ),
    upgrade.reading,
  );
  // churn: the customer loses 1,200 − 200 = 1,000, o1 760; on the company basis the customer's
  // (200 + 50 − 150.5) / 250 = 39.8 % and o1's 14.7 % are gains
  const churn = churnRisk(shared);
  assertEquals(column(churn.table, "org_name"), [customer, "o1"]);
  assertEquals(column(churn.table, "loss_usd"), [1000, 760]);
  assertEquals(column(churn.table, "gross_margin_pct"), [(200 - 1200) / 200 * 100, -1900]);
  ok(near(column(churn.table, "gross_margin_company_pct")[0] as number, 99.5 / 250 * 100));
  assertEquals(churn.facts, {
    organizations: 3, // o3, o6 (its customer's) and o1
    customers: 2,
    payingOrganizations: 4, // o1, o3 with o6, o4
    payingCustomers: 3,
    lossUsd: 1760,
    mrrUsd: 240,
    companyLossOrganizations: 0,
    companyMarginUnknown: 0,
    unknownMrr: 0,
    unknownMrrLlmCostUsd: 0,
    knownMrr: 5, // o1, o2, o3 (with o6's), o4, o5: on their own rows, as the brief counts them
  });
  ok(!churn.reading.includes("unknown MRR"), churn.reading);
  // a row is a customer here: the reading says so, and how many organizations they are (the
  // brief counts organizations), not "2 organizations" beside a segment of 3
  ok(
    churn.reading.startsWith(
      "2 of 3 paying customers (3 of 4 paying organizations, those sharing a Stripe customer judged as one) cost more in LLM spend than they pay ($2,000 of LLM spend against their $240 MRR: $1,760 more); on the company's cost basis (gross_margin_company_pct: MRR + PTB revenue against PTB LLM cost + infrastructure) 0 of those organizations lose money.",
    ),
    churn.reading,
  );
  // the chart's caption counts its bars' rows as customers
  const churnCaption = [
    ...churnChart(churn).svg.matchAll(/font-size="11" fill="#555"[^>]*>([^<]*)</g),
  ].map((m) => m[1]).join(" ");
  ok(churnCaption.startsWith("Top 2 of 2 customers by loss (LLM cost − MRR)"), churnCaption);
  // o6's infrastructure at $400: the customer's company basis (250 − 550.1) / 250 < 0, and both
  // of its organizations lose the company money (o1 does not)
  const costly = churnRisk(
    shared.withColumns(
      pl.Series("company_cost_30d", [802, 0.6, 150.1, 10, 0, 400], pl.Float64),
    ),
  );
  assertEquals(costly.facts.companyLossOrganizations, 2);
  ok(costly.reading.includes(" 2 of those organizations lose money."), costly.reading);
  // pricing models: every organization comparable; o6's $12 (2 % of $600) in team with o3's $12;
  // seats × $20: 40 + 0 (o2 trialing) + 200 + 1,000 + 20 + 60; requests × $0.50 per 1,000:
  // 100 + 5 + 500 + 20; breakeven 5,240 / (800 + 600 + 1,000 + 600) = 174.67 %
  const models = pricingModelComparison(shared);
  const m = models.facts;
  assertEquals(
    [m.comparableOrganizations, m.unknownMrr, m.currentMrrUsd, m.pctOfLlmCostUsd],
    [6, 0, 5240, 60],
  );
  assertEquals([m.seatBasedUsd, m.usageBasedUsd], [1320, 625]);
  ok(near(m.breakEvenPct!, 5240 / 3000 * 100));
  assertEquals(column(models.table, "tier"), ["enterprise", "team", "pro", "free"]);
  assertEquals(column(models.table, "organizations"), [1, 2, 1, 2]);
  // … which says why its counts are not the brief's: o6 (free) counts in team with o3, whose row
  // carries their customer's revenue; own_tier_organizations is the brief's By tier (free: o2,
  // o5, o6), and of the 6 compared 5 have known MRR on their own row (churn_risk's knownMrr)
  assertEquals(column(models.table, "own_tier_organizations"), [1, 1, 1, 3]);
  assertEquals([m.ownMrrKnown, m.mrrOnSiblingRow, m.countedInOtherTier], [5, 1, 1]);
  assertEquals(m.ownMrrKnown, churn.facts.knownMrr);
  assertEquals(
    models.reading,
    "Over 6 organizations whose Stripe customer's MRR is known (5 with known MRR on their own row, as the brief counts them, and 1 sharing a customer whose MRR is on another organization's row), 2 % of LLM cost would bring $60 a month against $5,240 MRR today (matching it would take 174.7 % of LLM cost); seat-based at $20 a seat $1,320, usage-based at $0.50 per 1,000 requests $625; as in deno task scenario, 1 organization with no subscription in a status MRR counts (trialing, paused, incomplete, canceled on a paying tier, …) stays at $0. By tier, a Stripe customer several organizations share counts, with all of them, in the tier of the organization whose row carries its revenue: 1 organization counts in another tier than its own (the table's organizations; own_tier_organizations counts each in its own tier, as the brief's By tier does).",
  );
  // the chart's caption (its grey 11 px lines, wrapped) says so too
  const caption = [
    ...pricingModelChart(models).svg.matchAll(/font-size="11" fill="#555"[^>]*>([^<]*)</g),
  ].map((m) => m[1]).join(" ");
  ok(
    caption.endsWith(
      "A Stripe customer several organizations share is in the tier of its revenue row (1 organization moved from its own tier).",
    ),
    caption,
  );
  assertEquals(column(models.table, "pct_of_llm_cost"), [20, 24, 16, 0]);
  // … which is scenario's, tier by tier
  const scenario = await loadScenarioFile(
    fileURLToPath(new URL("../scenarios/two_percent_of_llm_cost.json", import.meta.url)),
  );
  const byTier = (await compareScenario(shared, { scenario })).byTier;
  const tiers = column(byTier, "tier");
  assertEquals(
    column(models.table, "tier").map((tier) => column(byTier, "proposed_mrr")[tiers.indexOf(tier)]),
    column(models.table, "pct_of_llm_cost"),
  );
  assertEquals(pctModelTotals(models), [5240, 60]);
  // feature adoption and PTB vs BYOK: o6's revenue is its sibling's, not unknown
  const adoption = featureAdoption(shared);
  assertEquals(column(adoption.table, "unknown_mrr"), [0, 0, 0, 0]);
  assertEquals(adoption.facts.unknownRevenue, 0);
  const traffic = ptbVsByok(shared).facts;
  assertEquals(TRAFFIC_TYPES.map((type) => traffic[type].unknownMrr), [0, 0, 0, 0]);
});

const pctModelTotals = (models: ReturnType<typeof pricingModelComparison>) => [
  models.facts.currentMrrUsd,
  models.facts.pctOfLlmCostUsd,
];
