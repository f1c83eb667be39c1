import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import {
  answerDisplays,
  loadQuestionsFrame,
  sourceDisplays,
  stoppedSource,
} from "../lib/notebooks/questions_page.ts";
import { UserError } from "../lib/core/config.ts";
import { mimeBundle } from "../lib/report/display.ts";
import { shownUnit } from "../lib/report/table_numbers.ts";
import { ANSWER_COLUMN_UNITS } from "../lib/analysis/question_common.ts";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import pl from "nodejs-polars";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import { COLUMN_NAMES, COLUMNS } from "../lib/frame/columns.ts";
import { loadPricingData, runExport } from "../lib/export.ts";
import { csvChunks, writeCsvFile } from "../lib/formats/csv.ts";
import {
  compareScenario,
  loadScenarioFile,
  SCENARIO_INPUT_COLUMNS,
} from "../lib/analysis/scenario/mod.ts";
import {
  churnRisk,
  exportFrameFromCsv,
  featureAdoption,
  pricingModelComparison,
  ptbVsByok,
  TRAFFIC_TYPES,
  underpricedCustomers,
  upgradeCandidates,
  usd,
} from "../lib/analysis/questions.ts";
import {
  adoptionChart,
  churnChart,
  pricingModelChart,
  trafficChart,
  underpricedChart,
  upgradeChart,
} from "../lib/analysis/question_charts.ts";

/**
 * Six organizations; every expectation below is worked out from these rows.
 *
 *       tier        seats req        cost  mrr   ptb req  byok  gw    ptb cost addon meta            created used
 *   o1  pro         2     200,000    800   40    200,000  no    yes   800      0     –               0       0
 *   o2  free        1      60,000     30    0          0  yes   no    0        0     –               3     100
 *   o3  team        10     10,000    600  200      5,000  yes   no    150      50    prompts         5       0
 *   o4  enterprise  50  1,000,000   1000 5000          0  yes   no    0        0     evals,prompts  20     400
 *   o5  free        1           0      0    0          0  no    no    0        0     –               0       0
 *   o6  free        3      40,000    600  (unknown)    0  yes   no    0        –     prompts_v2      0       0
 *
 * Subscriptions (subscription_status, cancel_at_period_end): o1, o3, o4 active, not canceling;
 * o2 trialing (no subscription counts: its MRR is 0 and cancel_at_period_end empty); o5, o6 none.
 *
 * Company basis (infrastructure $0.01 per 1,000 requests): company cost = PTB cost + requests /
 * 1000 × 0.01; revenue = mrr + PTB revenue; margin = (revenue − cost) / revenue × 100.
 *
 *       ptb revenue  company cost  revenue  gross_margin_company_pct
 *   o1  900          802           940      138 / 940 = 14.68 %
 *   o2  0            0.6           0        –
 *   o3  50           150.1         250      99.9 / 250 = 39.96 %
 *   o4  0            10            5000     4990 / 5000 = 99.8 %
 *   o5  0            0             0        –
 *   o6  0            0.4           (unknown) –
 */
const frame = pl.DataFrame({
  org_id: ["o1", "o2", "o3", "o4", "o5", "o6"],
  org_name: ["o1", "o2", "o3", "o4", "o5", "o6"],
  tier: ["pro", "free", "team", "enterprise", "free", "free"],
  tier_raw: ["pro-20251210", "free", "team-20251210", "enterprise", "free", "free"],
  seats: [2, 1, 10, 50, 1, 3],
  active_users_30d: [1, 1, 5, 40, 0, 2],
  requests_30d: [200_000, 60_000, 10_000, 1_000_000, 0, 40_000],
  llm_cost_30d: [800, 30, 600, 1000, 0, 600],
  mrr: pl.Series("mrr", [40, 0, 200, 5000, 0, null], pl.Float64),
  // each its own Stripe customer (o5 none); o6's revenue was not read
  stripe_customer_id: pl.Series(
    "stripe_customer_id",
    ["cus_1", "cus_2", "cus_3", "cus_4", null, "cus_6"],
    pl.Utf8,
  ),
  revenue_source: pl.Series(
    "revenue_source",
    ["stripe", "stripe", "stripe", "stripe", "no_customer", "none"],
    pl.Utf8,
  ),
  gross_margin_pct: pl.Series("gross_margin_pct", [-1900, null, -200, 80, null, null], pl.Float64),
  ptb_requests_30d: [200_000, 0, 5_000, 0, 0, 0],
  is_ptb: [true, false, true, false, false, false],
  is_byok: [false, true, true, true, false, true],
  has_gateway_only: [true, false, false, false, false, false],
  llm_cost_ptb_30d: [800, 0, 150, 0, 0, 0],
  llm_cost_byok_30d: [0, 30, 450, 1000, 0, 600],
  usage_charges: pl.Series("usage_charges", [0, 0, 0, 0, 0, null], pl.Float64),
  subscription_status: pl.Series(
    "subscription_status",
    ["active", "trialing", "active", "active", null, null],
    pl.Utf8,
  ),
  cancel_at_period_end: pl.Series(
    "cancel_at_period_end",
    [false, null, false, false, null, null],
    pl.Bool,
  ),
  addon_prompts: pl.Series("addon_prompts", [0, 0, 50, 0, 0, null], pl.Float64),
  addons_in_metadata: pl.Series("addons_in_metadata", [
    null,
    null,
    "prompts",
    "evals,prompts",
    null,
    "prompts_v2",
  ], pl.Utf8),
  prompts_created: [0, 3, 5, 20, 0, 0],
  prompts_used_30d: [0, 100, 0, 400, 0, 0],
  ptb_revenue_30d: pl.Series("ptb_revenue_30d", [900, 0, 50, 0, 0, 0], pl.Float64),
  company_cost_30d: pl.Series("company_cost_30d", [802, 0.6, 150.1, 10, 0, 0.4], pl.Float64),
  gross_margin_company_pct: pl.Series(
    "gross_margin_company_pct",
    [138 / 940 * 100, null, 99.9 / 250 * 100, 4990 / 5000 * 100, null, null],
    pl.Float64,
  ),
});

const column = (df: pl.DataFrame, name: string) => df.getColumn(name).toArray();
const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
const count = (svg: string, tag: string) => svg.split(`<${tag}`).length - 1;

Deno.test("underpriced: ≥100k requests or ≥$500 cost with known MRR ≤ $100, by cost", () => {
  // Heavy: o1 (200k requests), o3, o6 ($600 cost), o4 (1M requests). MRR ≤ 100: o1 only;
  // o3 pays 200, o4 5000, o6's MRR is unknown (not judged, counted).
  const answer = underpricedCustomers(frame);
  assertEquals(column(answer.table, "org_name"), ["o1"]);
  assertEquals(answer.facts, {
    organizations: 1,
    customers: 1,
    requests: 200_000,
    llmCostUsd: 800,
    ptbLlmCostUsd: 800,
    mrrUsd: 40,
    unknownMrr: 1,
    // o1 pays $40: no one paying nothing, and the reading says nothing of it
    payingNothing: { total: 0, freeTier: 0, byStatus: {} },
  });
  assertEquals(
    answer.reading,
    "1 organization sent ≥ 100,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $100 MRR: together $800 of LLM cost ($800 pass-through, paid by the company) against $40 MRR; 1 heavy user with unknown MRR not judged.",
  );
  // Every MRR unknown (Stripe skipped): nothing judged, and no "$0 MRR" sum said: the four heavy
  // users o1, o3, o4, o6 are unknown.
  const unknown = underpricedCustomers(
    frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr")),
  );
  assertEquals(unknown.facts.organizations, 0);
  assertEquals(
    unknown.reading,
    "No organization with known MRR sent ≥ 100,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $100 MRR; 4 heavy users with unknown MRR not judged.",
  );
  // A $200 ceiling lets o3 in; biggest cost first: o1 ($800) before o3 ($600).
  assertEquals(
    column(underpricedCustomers(frame, { underpricedMaxMrrUsd: 200 }).table, "org_name"),
    ["o1", "o3"],
  );
});

Deno.test("underpriced: the reading says how many matches pay nothing (MRR $0) and why; the table shows the status", () => {
  // At ≥ 50,000 requests, with o3 and o4 paying nothing: o3 (team) trialing, o4 (enterprise)
  // paused. Heavy: o1 (200k), o2 (60k), o3 ($600), o4 (1M), o6 ($600, MRR unknown). MRR ≤ $100:
  // o1 $40, o2 $0 (free, trialing), o3 $0, o4 $0. By cost: o4 $1,000, o1 $800, o3 $600, o2 $30
  // = $2,430, of it pass-through o1 $800 + o3 $150 = $950; MRR $40. Paying nothing: o2 on the
  // free tier (its trial aside), o3 trialing, o4 paused.
  const zero = frame.withColumns(
    pl.Series("mrr", [40, 0, 0, 0, 0, null], pl.Float64),
    pl.Series(
      "subscription_status",
      ["active", "trialing", "trialing", "paused", null, null],
      pl.Utf8,
    ),
  );
  const answer = underpricedCustomers(zero, { underpricedMinRequests: 50_000 });
  assertEquals(column(answer.table, "org_name"), ["o4", "o1", "o3", "o2"]);
  assertEquals(answer.facts.payingNothing, {
    total: 3,
    freeTier: 1,
    byStatus: { paused: 1, trialing: 1 },
  });
  assertEquals(
    answer.reading,
    "4 organizations sent ≥ 50,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $100 MRR: together $2,430 of LLM cost ($950 pass-through, paid by the company) against $40 MRR (3 of them pay nothing, MRR $0: 1 on the free tier, 1 paused, 1 trialing); 1 heavy user with unknown MRR not judged.",
  );
  // the status beside MRR: what tells a trial from a customer paying little
  assertEquals(answer.table.columns.slice(6, 8), ["mrr", "subscription_status"]);
  assertEquals(column(answer.table, "subscription_status"), [
    "paused",
    "active",
    "trialing",
    "trialing",
  ]);
  // all of them paying nothing. MRR ≤ $0: of the heavy o1 ($40), o3 and o4 ($0), o6 (unknown),
  // o3 and o4; o3's status a cell's text, not one of Stripe's, which the reading does not repeat
  const edited = zero.withColumns(
    pl.Series("subscription_status", [null, null, "## NOTE", "paused", null, null], pl.Utf8),
  );
  const both = underpricedCustomers(edited, { underpricedMaxMrrUsd: 0 });
  assertEquals(
    both.reading,
    "2 organizations sent ≥ 100,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $0 MRR: together $1,600 of LLM cost ($150 pass-through, paid by the company) against $0 MRR (both pay nothing, MRR $0: 1 of other subscription statuses, 1 paused); 1 heavy user with unknown MRR not judged.",
  );
  // one, alone, of one kind: "it", the kind without a count. Heavy at ≥ $1,000: o1 (200k
  // requests, $40) and o4 ($1,000, $0); o6 ($600, 40k requests) no longer
  const one = underpricedCustomers(edited, {
    underpricedMaxMrrUsd: 0,
    underpricedMinLlmCostUsd: 1000,
  });
  ok(one.reading.endsWith("against $0 MRR (it pays nothing, MRR $0: paused)."), one.reading);
});

Deno.test("upgrade candidates: free tier with ≥50k requests, seat upside at $20", () => {
  const answer = upgradeCandidates(frame); // o2 (60k); o6 has 40k, o5 none
  assertEquals(column(answer.table, "org_name"), ["o2"]);
  assertEquals(answer.facts, {
    organizations: 1,
    freeOrganizations: 3, // o2, o5, o6
    requests: 60_000,
    llmCostUsd: 30,
    seats: 1,
    seatMrrUsd: 20, // 1 seat × $20
    customerPays: 0,
  });
  assertEquals(
    answer.reading,
    "1 of 3 free organizations sent ≥ 50,000 requests in the 30-day window (60,000 requests, $30 of LLM cost); at $20 a seat their 1 seat would bring $20 MRR.",
  );
  const lower = upgradeCandidates(frame, { upgradeMinRequests: 30_000 });
  assertEquals(column(lower.table, "org_name"), ["o2", "o6"]); // 60k, 40k
  assertEquals(lower.facts.seatMrrUsd, 80); // (1 + 3) seats × $20
});

Deno.test("churn risk: paying orgs whose LLM cost exceeds MRR, biggest loss first", () => {
  // Paying: o1, o3, o4. o1 loses 800 − 40 = 760, o3 600 − 200 = 400; o4 earns.
  const answer = churnRisk(frame);
  assertEquals(column(answer.table, "org_name"), ["o1", "o3"]);
  assertEquals(column(answer.table, "loss_usd"), [760, 400]);
  assertEquals(answer.facts, {
    organizations: 2,
    customers: 2, // no Stripe customer shared: one organization each
    payingOrganizations: 3,
    payingCustomers: 3,
    lossUsd: 1160, // 760 + 400
    mrrUsd: 240, // 40 + 200
    // o1's pass-through cost (800) is above its MRR (40), but its $900 of PTB revenue covers it:
    // company basis +14.7 %; o3 +39.96 %. Neither loses the company money.
    companyLossOrganizations: 0,
    companyMarginUnknown: 0,
    // o6: $600 of LLM cost, MRR unknown: counted and said, not judged at $0
    unknownMrr: 1,
    unknownMrrLlmCostUsd: 600,
    knownMrr: 5, // o1…o5
  });
  assertEquals(
    answer.reading,
    "2 of 3 paying organizations cost more in LLM spend than they pay ($1,160 over their $240 MRR); on the company's cost basis (gross_margin_company_pct: MRR + PTB revenue against PTB LLM cost + infrastructure) 0 of them lose money; 1 organization with $600 of LLM spend but unknown MRR not judged.",
  );
  // PTB revenue $30 instead: o1 (70 − 802) / 70 < 0 loses money on the company basis too.
  const short = frame.withColumns(
    pl.Series("gross_margin_company_pct", [(70 - 802) / 70 * 100, null, 39.96, 99.8, null, null]),
  );
  assertEquals(churnRisk(short).facts.companyLossOrganizations, 1);
  ok(churnRisk(short).reading.includes(" 1 of them loses money; "));
  // PTB revenue not read: organizations with PTB cost have no company-basis margin (o1, o3).
  const unread = frame.withColumns(
    pl.Series("gross_margin_company_pct", [null, null, null, 99.8, null, null], pl.Float64),
  );
  assertEquals(churnRisk(unread).facts.companyMarginUnknown, 2);
  ok(
    churnRisk(unread).reading.includes(
      " 0 of them lose money and 2 have no company-basis margin (PTB revenue not read); ",
    ),
  );
});

/** The fixture as an export with Stripe skipped: every revenue column empty. */
const withoutRevenue = () =>
  frame.withColumns(
    ...["mrr", "addon_prompts", "ptb_revenue_30d", "gross_margin_pct", "gross_margin_company_pct"]
      .map((name) => pl.lit(null).cast(pl.Float64).alias(name)),
  );

Deno.test("churn risk with no MRR known says it cannot be judged, never '0 of 0 … $0 MRR'", () => {
  // LLM spend: o1 800 + o2 30 + o3 600 + o4 1000 + o6 600 = 3,030 over 5 organizations (o5: none)
  const answer = churnRisk(withoutRevenue());
  assertEquals(answer.table.height, 0);
  assertEquals(
    [answer.facts.unknownMrr, answer.facts.unknownMrrLlmCostUsd, answer.facts.knownMrr],
    [5, 3030, 0],
  );
  assertEquals(
    answer.reading,
    "Churn risk cannot be judged without revenue: MRR is unknown for every organization (revenue not fetched), so 5 organizations with $3,030 of LLM spend but unknown MRR are not judged.",
  );
  // o1 (the biggest loser, $760) unknown: left out of the sums, and said
  const o1Unknown = churnRisk(
    frame.withColumns(pl.Series("mrr", [null, 0, 200, 5000, 0, null], pl.Float64)),
  );
  assertEquals(column(o1Unknown.table, "org_name"), ["o3"]);
  ok(
    o1Unknown.reading.startsWith(
      "1 of 2 paying organizations cost more in LLM spend than they pay ($400 over their $200 MRR)",
    ) && o1Unknown.reading.endsWith(
      "; 2 organizations with $1,400 of LLM spend but unknown MRR not judged.",
    ),
    o1Unknown.reading,
  );
});

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
    "Over 5 organizations with known MRR, 2 % of LLM cost would bring $48 a month against $5,240 MRR today (matching it would take 218.3 % of LLM cost); seat-based at $20 a seat $1,260, usage-based at $0.50 per 1,000 requests $605; as in deno task scenario, 1 organization whose subscriptions do not count (trialing, canceled on a paying tier) stays at $0 and 1 organization with unknown MRR is left out.",
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
    new URL("../scenarios/two_percent_of_llm_cost.json", import.meta.url).pathname,
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
      "2 of 3 paying customers (3 of 4 paying organizations, those sharing a Stripe customer judged as one) cost more in LLM spend than they pay ($1,760 over their $240 MRR); on the company's cost basis (gross_margin_company_pct: MRR + PTB revenue against PTB LLM cost + infrastructure) 0 of those organizations lose money.",
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
    "Over 6 organizations whose Stripe customer's MRR is known (5 with known MRR on their own row, as the brief counts them, and 1 sharing a customer whose MRR is on another organization's row), 2 % of LLM cost would bring $60 a month against $5,240 MRR today (matching it would take 174.7 % of LLM cost); seat-based at $20 a seat $1,320, usage-based at $0.50 per 1,000 requests $625; as in deno task scenario, 1 organization whose subscriptions do not count (trialing, canceled on a paying tier) stays at $0. By tier, a Stripe customer several organizations share counts, with all of them, in the tier of the organization whose row carries its revenue: 1 organization counts in another tier than its own (the table's organizations; own_tier_organizations counts each in its own tier, as the brief's By tier does).",
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
    new URL("../scenarios/two_percent_of_llm_cost.json", import.meta.url).pathname,
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

Deno.test("feature adoption: prompts add-on (billed or in metadata) against prompt usage", () => {
  // Add-on: o3 (billed $50, metadata) and o4 (metadata "evals,prompts"); o6's "prompts_v2" is
  // another add-on. Prompt use in the window: o2, o4.
  const answer = featureAdoption(frame);
  const table = answer.table;
  assertEquals(column(table, "has_prompts_addon"), [true, true, false, false]);
  assertEquals(column(table, "uses_prompts"), [true, false, true, false]);
  assertEquals(column(table, "organizations"), [1, 1, 1, 3]); // o4 | o3 | o2 | o1, o5, o6
  assertEquals(column(table, "prompt_requests_30d"), [400, 0, 100, 0]);
  assertEquals(column(table, "mrr"), [5000, 200, 0, 40]); // o6's unknown MRR not in the last
  assertEquals(column(table, "unknown_mrr"), [0, 0, 0, 1]);
  assertEquals(column(table, "addon_prompts"), [0, 50, 0, 0]);
  assertEquals(answer.facts, {
    addonOrganizations: 2,
    addonUsingPrompts: 1,
    promptUsersWithoutAddon: 1,
    addonMrrUsd: 50,
    unknownRevenue: 1, // o6: addon_prompts empty
  });
  assertEquals(
    answer.reading,
    "2 organizations have the prompts add-on and 1 of them used stored prompts in the 30-day window; 1 used prompts without it; the add-on brings $50 MRR from the organizations with known revenue; 1 organization with unknown revenue is not in it (its add-on known from addons_in_metadata only).",
  );
  // every organization's revenue known (o6 billed $0): the plain sentence
  const known = featureAdoption(
    frame.withColumns(
      pl.Series("addon_prompts", [0, 0, 50, 0, 0, 0], pl.Float64),
      pl.Series("mrr", [40, 0, 200, 5000, 0, 0], pl.Float64),
    ),
  );
  ok(known.reading.endsWith("; the add-on brings $50 MRR."), known.reading);
  // none known: no "$0 MRR", and the empty sums stay empty; metadata still names o3 and o4
  const none = featureAdoption(withoutRevenue());
  assertEquals(column(none.table, "addon_prompts"), [null, null, null, null]);
  assertEquals(column(none.table, "mrr"), [null, null, null, null]);
  assertEquals(
    none.reading,
    "2 organizations have the prompts add-on and 1 of them used stored prompts in the 30-day window; 1 used prompts without it; what the add-on brings cannot be said without revenue (not fetched for any organization: the add-on is known from addons_in_metadata only).",
  );
});

Deno.test("PTB vs BYOK: traffic types in a fixed order, margins on all LLM cost and on the company basis", () => {
  const answer = ptbVsByok(frame);
  const table = answer.table;
  assertEquals(column(table, "traffic"), [
    "gateway only (PTB)",
    "mixed",
    "BYOK only",
    "no requests",
  ]);
  assertEquals(column(table, "organizations"), [1, 1, 3, 1]); // o1 | o3 | o2, o4, o6 | o5
  assertEquals(column(table, "requests_30d"), [200_000, 10_000, 1_100_000, 0]);
  assertEquals(column(table, "llm_cost_30d"), [800, 600, 1630, 0]);
  // over the organizations with known MRR: BYOK's o2 and o4 (o6's is unknown, counted)
  assertEquals(column(table, "mrr"), [40, 200, 5000, 0]);
  assertEquals(column(table, "unknown_mrr"), [0, 0, 1, 0]);
  assertEquals(column(table, "mrr_per_org"), [40, 200, 2500, 0]); // BYOK: 5000 / 2
  // (40 − 800) / 40 = −1900 %; (200 − 600) / 200 = −200 %; BYOK without o6's $600:
  // (5000 − 30 − 1000) / 5000 = 79.4 %
  const margins = column(table, "gross_margin_pct") as (number | null)[];
  ok(near(margins[0]!, -1900) && near(margins[1]!, -200) && near(margins[2]!, 79.4), `${margins}`);
  assertEquals(margins[3], null); // no MRR, no margin
  // Company basis, the per-plan table's sums over every organization with known revenue, paying
  // or not: gateway o1 (940 − 802) / 940 = 14.68 %; mixed o3 (250 − 150.1) / 250 = 39.96 %;
  // BYOK o2 ($0 revenue, $0.60 cost) and o4 (o6's MRR is unknown): (5000 − 10.6) / 5000 =
  // 99.788 %; no requests: o5, $0 revenue, no margin.
  const company = column(table, "margin_company_pct") as (number | null)[];
  ok(near(company[0]!, 138 / 940 * 100) && near(company[1]!, 39.96), `${company}`);
  ok(near(company[2]!, 4989.4 / 5000 * 100) && company[3] === null, `${company}`);
  assertEquals(column(table, "ptb_revenue_30d"), [900, 50, 0, 0]);
  ok(near((column(table, "company_cost_30d") as number[])[2], 11)); // 0.6 + 10 + 0.4
  // the company margin's own population and sums: BYOK's is o2 and o4 (5000 revenue, 10.6 cost)
  assertEquals(column(table, "company_margin_organizations"), [1, 1, 2, 1]);
  assertEquals(column(table, "company_margin_revenue"), [940, 250, 5000, 0]);
  ok(near((column(table, "company_margin_cost") as number[])[2], 10.6));
  assertEquals((column(table, "company_margin_cost") as number[]).slice(0, 2), [802, 150.1]);
  assertEquals(column(table, "ptb_revenue_unknown"), [0, 0, 0, 0]);
  const mixed = answer.facts["mixed"];
  assertEquals({ ...mixed, companyMarginPct: null }, {
    organizations: 1,
    typedByCustomer: 0,
    mrrUsd: 200,
    unknownMrr: 0,
    ptbRevenueUnread: 0,
    llmCostUsd: 600,
    ptbLlmCostUsd: 150,
    ptbRevenueUsd: 50,
    companyCostUsd: 150.1,
    companyMarginPct: null,
    companyMargin: {
      organizations: 1,
      mrrUsd: 200,
      ptbRevenueUsd: 50,
      companyCostUsd: 150.1,
      ptbRevenueUnknown: 0,
    },
  });
  ok(near(mixed.companyMarginPct!, 39.96));
  assertEquals(
    answer.reading,
    "1 organization is gateway-only: $40 MRR and $900 of PTB revenue against $800 of pass-through LLM cost the company pays ($802 company cost with infrastructure), company-basis margin 14.7 %; 3 organizations are BYOK-only ($5,000 MRR over 2 of them, 1 with unknown MRR, their $1,630 of LLM cost paid to the providers by themselves) and 1 mixed ($200 MRR, $50 of PTB revenue, $150 pass-through, company-basis margin 40 %).",
  );
});

/**
 * Three gateway-only organizations (infrastructure $0.50 per 1,000 requests; company cost = PTB
 * cost + requests / 1000 × 0.5):
 *
 *       mrr        ptb revenue  ptb cost  requests  company cost  counted
 *   g1  100        50           25        10,000    30            yes
 *   g2  (unknown)  20           40        10,000    45            no (MRR unknown)
 *   g3  0          0             8         4,000    10            yes (known revenue, $0)
 *
 * All three: MRR $100, PTB revenue $70, pass-through $73, company cost $85. The margin is the
 * per-plan table's over g1 and g3, paying or not: (150 − 40) / 150 = 73.33 % (g1 alone would read
 * 80 %), and the reading says so.
 */
Deno.test("PTB vs BYOK: the company-basis margin is the per-plan table's, over every organization with known revenue, with its own sums", () => {
  const gatewayOnly = pl.DataFrame({
    has_gateway_only: [true, true, true],
    is_byok: [false, false, false],
    ptb_requests_30d: [10_000, 10_000, 4_000],
    requests_30d: [10_000, 10_000, 4_000],
    llm_cost_30d: [25, 40, 8],
    llm_cost_ptb_30d: [25, 40, 8],
    mrr: pl.Series("mrr", [100, null, 0], pl.Float64),
    ptb_revenue_30d: pl.Series("ptb_revenue_30d", [50, 20, 0], pl.Float64),
    company_cost_30d: pl.Series("company_cost_30d", [30, 45, 10], pl.Float64),
    gross_margin_company_pct: pl.Series("gross_margin_company_pct", [80, null, null], pl.Float64),
  });
  const answer = ptbVsByok(gatewayOnly);
  const row = answer.table.row(0);
  const names = answer.table.columns;
  const value = (name: string) => row[names.indexOf(name)];
  assertEquals(value("traffic"), "gateway only (PTB)");
  // MRR over g1 and g3 (g2's unknown, counted); cost and PTB revenue over all three
  assertEquals(
    [
      "organizations",
      "mrr",
      "unknown_mrr",
      "ptb_revenue_30d",
      "llm_cost_ptb_30d",
      "company_cost_30d",
      "mrr_per_org",
    ].map(value),
    [3, 100, 1, 70, 73, 85, 50],
  );
  // over g1 and g3, whose MRR is known: (100 − 25 − 8) / 100 = 67 % (g2's $40 read against $0
  // MRR gave 27 %)
  ok(near(value("gross_margin_pct") as number, 67));
  // the margin's population: g1 and g3
  assertEquals(
    ["company_margin_organizations", "company_margin_revenue", "company_margin_cost"].map(value),
    [2, 150, 40],
  );
  ok(near(value("margin_company_pct") as number, 110 / 150 * 100));
  assertEquals(
    answer.reading,
    "3 organizations are gateway-only: $100 MRR over 2 of them, 1 with unknown MRR, and $70 of PTB revenue against $73 of pass-through LLM cost the company pays ($85 company cost with infrastructure), company-basis margin 73.3 % over the 2 with known revenue (their $50 PTB revenue and $40 company cost; the other 1 cost $45); 0 organizations are BYOK-only ($0 MRR, their $0 of LLM cost paid to the providers by themselves) and 0 mixed ($0 MRR, $0 of PTB revenue, $0 pass-through, no company-basis margin).",
  );
});

/**
 * Three gateway-only organizations: p1 MRR $100, PTB cost $30, PTB revenue not read (company cost
 * $31); p2 MRR unknown, its revenue on a sibling's row (revenue_source shared_customer: p3's,
 * whose customer's MRR and PTB revenue, $20 and $0, are known), company cost $5; p3 company cost
 * $2. As the per-plan table: p1's unread PTB revenue makes the margin '–' (null); p2's cost
 * counts with its customer's revenue. Without p1's PTB cost the margin is (120 − 38) / 120 =
 * 68.33 %.
 */
Deno.test("PTB vs BYOK: unread PTB revenue with PTB cost leaves the company margin unknown; a sibling's organization's cost counts", () => {
  const rows = pl.DataFrame({
    has_gateway_only: [true, true, true],
    is_byok: [false, false, false],
    ptb_requests_30d: [1_000, 1_000, 1_000],
    requests_30d: [1_000, 1_000, 1_000],
    llm_cost_30d: [30, 4, 2],
    llm_cost_ptb_30d: [30, 4, 2],
    mrr: pl.Series("mrr", [100, null, 20], pl.Float64),
    ptb_revenue_30d: pl.Series("ptb_revenue_30d", [null, null, 0], pl.Float64),
    company_cost_30d: pl.Series("company_cost_30d", [31, 5, 2], pl.Float64),
    stripe_customer_id: pl.Series("stripe_customer_id", ["cus_1", "cus_2", "cus_2"], pl.Utf8),
    revenue_source: pl.Series("revenue_source", ["stripe", "shared_customer", "stripe"], pl.Utf8),
  });
  const unread = ptbVsByok(rows);
  const value = (answer: ReturnType<typeof ptbVsByok>, name: string) =>
    answer.table.row(0)[answer.table.columns.indexOf(name)];
  assertEquals(value(unread, "ptb_revenue_unknown"), 1);
  assertEquals(value(unread, "margin_company_pct"), null);
  ok(
    unread.reading.includes(
      "company-basis margin unknown (PTB revenue not read for 1 organization with pass-through cost)",
    ),
    unread.reading,
  );
  // p1 without PTB cost: its PTB revenue is not needed; revenue 100 + 20, cost 31 + 5 + 2
  const read = ptbVsByok(rows.withColumns(pl.Series("llm_cost_ptb_30d", [0, 4, 2], pl.Float64)));
  assertEquals(
    ["company_margin_organizations", "company_margin_revenue", "company_margin_cost"].map((name) =>
      value(read, name)
    ),
    [3, 120, 38],
  );
  ok(near(value(read, "margin_company_pct") as number, 82 / 120 * 100));
});

/**
 * Four Stripe customers, two of them shared (revenue on the first organization's row, the other's
 * revenue_source shared_customer), and d1 whose customer's amounts could not be converted:
 *
 *       customer  own traffic  requests  llm cost  ptb cost  mrr   ptb revenue  company cost
 *   a1  cus_a     BYOK only       1,000         5         0  100   30             0.1
 *   a2  cus_a     gateway        10,000       200       200  (a1)  (a1)         201
 *   b1  cus_b     gateway         2,000        10        10   50   20            10.2
 *   b2  cus_b     gateway         3,000        40        40  (b1)  (b1)          40.3
 *   c1  cus_c     BYOK only       5,000        50         0  200    0             0.5
 *   d1  cus_d     gateway         1,000         8         8  (unknown)            8.1
 *
 * cus_a's organizations have gateway-only and BYOK traffic: together mixed, so a1 and a2 are one
 * mixed customer ($100 MRR + $30 PTB revenue against $205 of LLM cost, $201.10 company cost), not
 * $200 of a2's cost in gateway-only against none of its revenue and a1's $30 PTB revenue in
 * BYOK-only against no PTB cost. cus_b's are both gateway-only: gateway-only.
 *
 *   gateway-only b1 b2 d1: MRR $50 (d1 unknown), spec (50 − 10 − 40) / 50 = 0 %; company over b1
 *     and b2 (70 − 50.5) / 70 = 27.857 %; PTB revenue read for b1 and b2 (b2's on b1's row)
 *   mixed a1 a2: spec (100 − 205) / 100 = −105 %; company (130 − 201.1) / 130 = −54.69 %
 *   BYOK-only c1: spec (200 − 50) / 200 = 75 %; company (200 − 0.5) / 200 = 99.75 %
 */
const sharedTraffic = () =>
  pl.DataFrame({
    org_name: ["a1", "a2", "b1", "b2", "c1", "d1"],
    has_gateway_only: [false, true, true, true, false, true],
    is_byok: [true, false, false, false, true, false],
    ptb_requests_30d: [0, 10_000, 2_000, 3_000, 0, 1_000],
    requests_30d: [1_000, 10_000, 2_000, 3_000, 5_000, 1_000],
    llm_cost_30d: [5, 200, 10, 40, 50, 8],
    llm_cost_ptb_30d: [0, 200, 10, 40, 0, 8],
    mrr: pl.Series("mrr", [100, null, 50, null, 200, null], pl.Float64),
    ptb_revenue_30d: pl.Series("ptb_revenue_30d", [30, null, 20, null, 0, null], pl.Float64),
    company_cost_30d: pl.Series("company_cost_30d", [0.1, 201, 10.2, 40.3, 0.5, 8.1], pl.Float64),
    stripe_customer_id: pl.Series(
      "stripe_customer_id",
      ["cus_a", "cus_a", "cus_b", "cus_b", "cus_c", "cus_d"],
      pl.Utf8,
    ),
    revenue_source: pl.Series("revenue_source", [
      "stripe",
      "shared_customer",
      "stripe",
      "shared_customer",
      "stripe",
      "unconverted",
    ], pl.Utf8),
  });

Deno.test("PTB vs BYOK: a shared Stripe customer's organizations are typed together, so its revenue meets all of its cost", () => {
  const answer = ptbVsByok(sharedTraffic());
  const table = answer.table;
  assertEquals(column(table, "traffic"), ["gateway only (PTB)", "mixed", "BYOK only"]);
  assertEquals(column(table, "organizations"), [3, 2, 1]); // b1 b2 d1 | a1 a2 | c1
  assertEquals(column(table, "typed_by_customer"), [0, 2, 0]);
  assertEquals(column(table, "llm_cost_30d"), [58, 205, 50]);
  assertEquals(column(table, "llm_cost_ptb_30d"), [58, 200, 0]);
  assertEquals(column(table, "mrr"), [50, 100, 200]);
  assertEquals(column(table, "unknown_mrr"), [1, 0, 0]);
  assertEquals(column(table, "ptb_revenue_30d"), [20, 30, 0]);
  const spec = column(table, "gross_margin_pct") as number[];
  ok(near(spec[0], 0) && near(spec[1], -105) && near(spec[2], 75), `${spec}`);
  assertEquals(column(table, "company_margin_organizations"), [2, 2, 1]);
  assertEquals(column(table, "company_margin_revenue"), [70, 130, 200]);
  const cost = column(table, "company_margin_cost") as number[];
  ok(near(cost[0], 50.5) && near(cost[1], 201.1) && near(cost[2], 0.5), `${cost}`);
  const company = column(table, "margin_company_pct") as number[];
  ok(
    near(company[0], 19.5 / 70 * 100) && near(company[1], -71.1 / 130 * 100) &&
      near(company[2], 99.75),
    `${company}`,
  );
  // unread: d1 only (its customer's PTB revenue unknown); b2's is its customer's, on b1's row
  const facts = answer.facts;
  assertEquals(
    TRAFFIC_TYPES.map((type) => [facts[type].ptbRevenueUnread, facts[type].typedByCustomer]),
    [[1, 0], [0, 2], [0, 0], [0, 0]],
  );
  assertEquals(
    answer.reading,
    "3 organizations are gateway-only: $50 MRR over 2 of them, 1 with unknown MRR, and $20 of PTB revenue (read for 2 of them) against $58 of pass-through LLM cost the company pays ($58.60 company cost with infrastructure), company-basis margin 27.9 % over the 2 with known revenue (their $50.50 company cost; the other 1 cost $8.10); 1 organization is BYOK-only ($200 MRR, their $50 of LLM cost paid to the providers by themselves) and 2 mixed ($100 MRR, $30 of PTB revenue, $200 pass-through ($201 company cost with infrastructure), company-basis margin -54.7 % over all of them). A Stripe customer several organizations share is typed by their traffic together (gateway-only and BYOK organizations: mixed), so its revenue is set against all of its cost: 2 organizations count in another type than their own (typed_by_customer).",
  );
  // the chart's caption (its grey 11 px lines, wrapped) says so too
  const caption = [
    ...trafficChart(answer).svg.matchAll(/font-size="11" fill="#555"[^>]*>([^<]*)</g),
  ].map((m) => m[1]).join(" ");
  ok(
    caption.endsWith(
      "A Stripe customer several organizations share is typed by their traffic together (2 organizations moved from their own type).",
    ),
    caption,
  );
});

Deno.test("PTB vs BYOK with no revenue known says it cannot be judged; its sums stay empty, never $0", () => {
  const answer = ptbVsByok(withoutRevenue());
  for (const name of ["mrr", "ptb_revenue_30d", "mrr_per_org", "gross_margin_pct"]) {
    assertEquals(column(answer.table, name), [null, null, null, null], name);
  }
  assertEquals(column(answer.table, "unknown_mrr"), [1, 1, 3, 1]);
  assertEquals(
    answer.reading,
    "PTB vs BYOK cannot be judged without revenue: MRR is unknown for every organization (revenue not fetched); 1 organization is gateway-only ($800 of pass-through LLM cost the company pays), 1 mixed ($150 pass-through) and 3 BYOK-only (their $1,630 of LLM cost paid to the providers by themselves).",
  );
  // MRR read, PTB revenue not (no PTB product set): said so, not "$0 of PTB revenue"
  const noPtb = ptbVsByok(
    frame.withColumns(pl.lit(null).cast(pl.Float64).alias("ptb_revenue_30d")),
  );
  ok(
    noPtb.reading.startsWith(
      "1 organization is gateway-only: $40 MRR and PTB revenue not read against $800 of pass-through LLM cost",
    ),
    noPtb.reading,
  );
  // the chart draws no MRR bar where none is known, and says why
  const chart = trafficChart(answer).svg;
  ok(chart.includes("No MRR bars: MRR is unknown for every organization"), "caption");
  // LLM cost and pass-through of the 4 types, and their 2 swatches: no MRR bar, no MRR swatch
  assertEquals(count(chart, "rect"), 4 * 2 + 2);
});

Deno.test("with no revenue known, the facts carry null sums where the readings say unknown, not $0", () => {
  const none = withoutRevenue();
  const churn = churnRisk(none).facts;
  assertEquals([churn.lossUsd, churn.mrrUsd, churn.unknownMrr], [null, null, 5]);
  // o1 gateway-only, o3 mixed, o2 o4 o6 BYOK-only, o5 no requests: every type's sums unknown
  const traffic = ptbVsByok(none).facts;
  for (const type of TRAFFIC_TYPES) {
    const f = traffic[type];
    assertEquals([f.mrrUsd, f.ptbRevenueUsd], [null, null], type);
    assertEquals([f.unknownMrr, f.ptbRevenueUnread], [f.organizations, f.organizations], type);
  }
  const adoption = featureAdoption(none).facts;
  assertEquals([adoption.addonMrrUsd, adoption.unknownRevenue], [null, 6]);
  // with o6's MRR only unknown the known sums stay numbers (o3's $50 add-on, churn's o1 $760)
  assertEquals(featureAdoption(frame).facts.addonMrrUsd, 50);
  assertEquals(churnRisk(frame).facts.lossUsd !== null, true);
});

Deno.test("an empty frame gives empty answers and zero facts, not errors", () => {
  const empty = frame.head(0);
  assertEquals(underpricedCustomers(empty).facts.organizations, 0);
  assertEquals(churnRisk(empty).reading.startsWith("0 of 0 paying organizations"), true);
  assertEquals(pricingModelComparison(empty).facts.breakEvenPct, null);
  assertEquals(ptbVsByok(empty).table.height, 0);
});

Deno.test("bad input: a missing column or a negative threshold is named", () => {
  throws(
    () => churnRisk(frame.drop("llm_cost_ptb_30d")),
    /churn risk: the frame has no column llm_cost_ptb_30d/,
  );
  throws(
    () => upgradeCandidates(frame, { upgradeMinRequests: -1 }),
    /upgradeMinRequests must be a number ≥ 0, got -1/,
  );
});

/** The one-line UserError `work` throws: its message, its stack the same line (none into lib/). */
function oneLineError(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    ok(error instanceof UserError, String(error));
    assertEquals(error.stack, `UserError: ${error.message}`);
    ok(!error.message.includes("\n"), error.message);
    return error.message;
  }
  throw new Error("no error");
}

Deno.test("thresholds and model prices: a misspelled key is refused naming the nearest one; a bad value shows as typed, in one line", () => {
  const asked = (t: Record<string, unknown>) => () => underpricedCustomers(frame, t as never);
  // ignored, it left the $100 default in force without a word
  assertEquals(
    oneLineError(asked({ underpricedMaxMrr: 200 })),
    'thresholds has no "underpricedMaxMrr": did you mean underpricedMaxMrrUsd? (thresholds: underpricedMinRequests, underpricedMinLlmCostUsd, underpricedMaxMrrUsd, upgradeMinRequests, upgradeSeatPriceUsd, top)',
  );
  ok(!oneLineError(asked({ colour: 1 })).includes("did you mean"));
  assertEquals(
    oneLineError(asked({ underpricedMaxMrrUsd: -5 })),
    "thresholds.underpricedMaxMrrUsd must be a number ≥ 0, got -5",
  );
  // a string keeps its quotes: "got 100000" read as if the number were refused
  assertEquals(
    oneLineError(asked({ underpricedMinRequests: "100000" })),
    'thresholds.underpricedMinRequests must be a number ≥ 0, got "100000"',
  );
  assertEquals(oneLineError(asked({ top: 0 })), "thresholds.top must be a whole number ≥ 1, got 0");
  assertEquals(
    oneLineError(asked({ top: 2.5 })),
    "thresholds.top must be a whole number ≥ 1, got 2.5",
  );
  // undefined keeps the default
  assertEquals(underpricedCustomers(frame, { top: undefined }).ranked?.top, 15);
  assertEquals(
    oneLineError(() => pricingModelComparison(frame, { seatPriceUsd: -20 })),
    "modelPrices.seatPriceUsd must be a number ≥ 0, got -20",
  );
  ok(
    oneLineError(() => pricingModelComparison(frame, { seatPrice: 20 } as never))
      .startsWith('modelPrices has no "seatPrice": did you mean seatPriceUsd?'),
  );
});

Deno.test("the questions notebook says which parameters a csvPath file overrules (its window, its demo flag), not dropping them without a word", async () => {
  const dir = await Deno.makeTempDir({ prefix: "questions_unused_" });
  try {
    // a 30-day demo export, by its name
    const path = `${dir}/helicone_pricing_data_2026-11-01_demo.csv`;
    await writeCsvFile((await goldenDemoData()).frame, path);
    const overruled = await loadQuestionsFrame({
      asOf: new Date(),
      csvPath: path,
      windowDays: 7,
      demo: false,
    });
    assertEquals([overruled.windowDays, overruled.demo], [30, true]);
    ok(
      overruled.label.endsWith(
        "; **Not used with csvPath:** `windowDays = 7` (the file's window is 30 days), `demo = false` (the file holds demo data)",
      ),
      overruled.label,
    );
    // the parameters cell's defaults agree with the file: nothing to say
    const agreeing = await loadQuestionsFrame({ asOf: new Date(), csvPath: path, windowDays: 30 });
    ok(!agreeing.label.includes("Not used"), agreeing.label);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the questions notebook checks thresholds and model prices in its loading cell: one line there, defaults in the stopped source", async () => {
  const error = await loadQuestionsFrame({
    asOf: new Date(),
    csvPath: "/nonexistent/never-read.csv",
    thresholds: { underpricedMaxMrr: 200 } as never,
  }).then(() => null, (thrown: unknown) => thrown);
  ok(error instanceof UserError, String(error));
  ok(error.message.startsWith('thresholds has no "underpricedMaxMrr"'), error.message);
  assertEquals(error.stack, `UserError: ${error.message}`);
  await rejects(
    loadQuestionsFrame({
      asOf: new Date(),
      csvPath: "/nonexistent/never-read.csv",
      modelPrices: { pctOfLlmCost: -1 },
    }),
    /^UserError: modelPrices\.pctOfLlmCost must be a number ≥ 0, got -1$/,
  );
  // the answer cells ask with the source's parameters: the defaults, not the bad ones again
  const source = stoppedSource(error);
  assertEquals(source.thresholds.top, 15);
  assertEquals(source.modelPrices.seatPriceUsd, 20);
  const answer = underpricedCustomers(source.frame, source.thresholds);
  const shown = answerDisplays({ answer, chart: underpricedChart(answer), rows: 15, source });
  assertEquals(shown.length, 1);
});

Deno.test("answer tables write every number by its unit: $ with cents, %, counts", () => {
  // the pricing models' first row, enterprise (o4): MRR $5,000; 50 seats × $20 = $1,000;
  // 1,000,000 requests × $0.50 / 1,000 = $500; 2 % of $1,000 = $20
  const models = pricingModelComparison(frame);
  const [table] = answerDisplays({ answer: models, chart: pricingModelChart(models), rows: 4 });
  const cells = firstRowCells(mimeBundle(table)["text/html"]);
  assertEquals(cells, ["enterprise", "1", "1", "0", "$5,000.00", "$1,000.00", "$500.00", "$20.00"]);
  // churn risk's first row, o1: MRR $40 against $800 of LLM cost, all pass-through: a $760 loss,
  // margin (40 − 800) / 40 = -1,900 %, on the company basis 14.7 %
  const churn = churnRisk(frame);
  const [churnTable] = answerDisplays({ answer: churn, chart: churnChart(churn), rows: 1 });
  const churnCells = firstRowCells(mimeBundle(churnTable)["text/html"]);
  assertEquals(churnCells.slice(2), [
    "$40.00",
    "$800.00",
    "$800.00",
    "$760.00",
    "-1,900.0 %",
    "14.7 %",
  ]);
  // no numeric column of any answer, on a 30-day or a 7-day basis, is left without a unit
  const answers = (windowDays: number) => [
    underpricedCustomers(frame, {}, { windowDays }),
    upgradeCandidates(frame, {}, { windowDays }),
    churnRisk(frame, {}, { windowDays }),
    pricingModelComparison(frame, {}, { windowDays }),
    featureAdoption(frame, { windowDays }),
    ptbVsByok(frame, { windowDays }),
  ];
  for (const answer of [...answers(30), ...answers(7)]) {
    const numeric = answer.table.columns.filter((name) =>
      /Int|Float/.test(String(answer.table.getColumn(name).dtype))
    );
    assertEquals(numeric.filter((name) => !shownUnit(name, ANSWER_COLUMN_UNITS)), []);
  }
});

/** The text of the first body row's cells of a frame table. */
function firstRowCells(html: string): string[] {
  const row = html.split("<tbody><tr>")[1].split("</tr>")[0];
  return [...row.matchAll(/<td[^>]*>(?:<div[^>]*>)?([^<]*)/g)].map((m) => m[1]);
}

Deno.test("question charts: one bar per row and series, labels ranked", () => {
  // Plot draws each bar as a <rect>; grouped charts add one legend swatch <rect> per series.
  const underpriced = underpricedChart(underpricedCustomers(frame, { underpricedMaxMrrUsd: 200 }));
  assertEquals(count(underpriced.svg, "rect"), 2 * 2 + 2); // o1, o3 × (cost, MRR) + 2 swatches
  ok(underpriced.svg.includes("1. o1") && underpriced.svg.includes("2. o3"));
  assertEquals(count(upgradeChart(upgradeCandidates(frame)).svg, "rect"), 1); // o2, no legend
  assertEquals(count(churnChart(churnRisk(frame)).svg, "rect"), 2 * 3 + 3);
  assertEquals(count(pricingModelChart(pricingModelComparison(frame)).svg, "rect"), 4 * 4 + 4);
  const adoption = adoptionChart(featureAdoption(frame)).svg;
  assertEquals(count(adoption, "rect"), 4);
  ok(adoption.includes("no add-on, uses prompts"));
  assertEquals(count(trafficChart(ptbVsByok(frame)).svg, "rect"), 4 * 3 + 3);
});

Deno.test("a question's table cut to its top says top N of all, as its chart does, in HTML and plain text", () => {
  // ≤ $200 MRR: o1 ($800 of LLM cost) and o3 ($600) qualify; top 1 keeps o1. Its 9 columns: the 8
  // underpriced ones and subscription_status after mrr.
  const answer = underpricedCustomers(frame, { underpricedMaxMrrUsd: 200, top: 1 });
  const chart = underpricedChart(answer);
  ok(chart.svg.includes("Top 1 of 2 by LLM cost"), chart.svg);
  const [table] = answerDisplays({ answer, chart, rows: 1 });
  const html = mimeBundle(table)["text/html"];
  ok(html.includes("<small>top 1 of 2 rows, 9 columns</small>"), html);
  // the plain text (a console's) too, under polars' table of the row shown
  const plain = mimeBundle(table)["text/plain"];
  ok(plain.startsWith("shape: (1, 9)"), plain);
  ok(plain.endsWith("\ntop 1 of 2 rows, 9 columns"), plain);
  // top 2 keeps both: nothing cut, the plain count; polars' shape says it all in the plain text
  const both = underpricedCustomers(frame, { underpricedMaxMrrUsd: 200, top: 2 });
  const [whole] = answerDisplays({ answer: both, chart: underpricedChart(both), rows: 2 });
  ok(mimeBundle(whole)["text/html"].includes("<small>2 rows, 9 columns</small>"));
  const wholePlain = mimeBundle(whole)["text/plain"];
  ok(wholePlain.startsWith("shape: (2, 9)") && !wholePlain.includes(" rows, "), wholePlain);
});

/** Whether `text` holds half of a surrogate pair (half an emoji): an invalid SVG character. */
const loneSurrogate = (text: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

Deno.test("question charts: an organization's name is one line, no RTL override, cut to whole characters", () => {
  // by LLM cost at MRR ≤ $5,000: o4 ($1,000), o1 ($800), o3 ($600)
  const named = frame.withColumns(
    pl.Series("org_name", [
      "Line one\nLine two",
      "o2",
      "😀".repeat(30),
      "RTL\u202Eevil",
      "o5",
      "o6",
    ]),
  );
  const svg = underpricedChart(underpricedCustomers(named, { underpricedMaxMrrUsd: 5000 })).svg;
  ok(svg.includes(">1. RTLevil<"), "the override dropped, the name reads as stored");
  ok(!svg.includes("\u202E"), "no RTL override");
  ok(svg.includes(">2. Line one Line two<"), "one line");
  // cut to whole emoji: at 24 characters, then to the 236 px beside the bars (12.5 px an emoji:
  // "3. " 15.4 px + 17 emoji 212.5 px + "…" 7.6 px = 235.5 px), so "3." is not drawn off the edge
  ok(svg.includes(`>3. ${"😀".repeat(17)}…<`), "cut to whole emoji, within the label room");
  ok(!loneSurrogate(svg), "no lone surrogate");
});

Deno.test("an export CSV reads back into a typed frame (numbers, nulls, booleans, dates)", () => {
  const exported = pl.DataFrame({
    org_id: ["a", "b"],
    org_name: ["=cmd", "b, inc"],
    tier: ["pro", "free"],
    created_at: pl.Series(
      "created_at",
      [new Date("2026-01-02T03:04:05Z"), null],
      pl.Datetime("ms"),
    ),
    seats: [2, 1],
    requests_30d: [200_000, 0],
    llm_cost_30d: [800.25, 0],
    mrr: pl.Series("mrr", [40, null], pl.Float64),
    is_ptb: pl.Series("is_ptb", [true, false], pl.Bool),
  });
  // The CSV writer needs every export column: build the rest as nulls.
  const full = exported.withColumns(
    ...COLUMNS.filter((c) => !exported.columns.includes(c.name)).map((c) =>
      pl.lit(null).alias(c.name)
    ),
  );
  const back = exportFrameFromCsv([...csvChunks(full)].join(""));
  // neutralised on the way out (`'=cmd` in the CSV), taken off again on the way in
  assertEquals(column(back, "org_name"), ["=cmd", "b, inc"]);
  assertEquals(column(back, "llm_cost_30d"), [800.25, 0]);
  assertEquals(column(back, "mrr"), [40, null]);
  assertEquals(column(back, "is_ptb"), [true, false]);
  assertEquals(
    (column(back, "created_at") as unknown as (Date | null)[]).map((d) => d?.toISOString() ?? null),
    ["2026-01-02T03:04:05.000Z", null],
  );
  throws(() => exportFrameFromCsv("a,b\r\n1,2\r\n"), /is not a pricing-kit export/);
});

const allReadings = (f: pl.DataFrame) => [
  underpricedCustomers(f).reading,
  upgradeCandidates(f).reading,
  churnRisk(f).reading,
  pricingModelComparison(f).reading,
  featureAdoption(f).reading,
  ptbVsByok(f).reading,
];

Deno.test("on the demo export, the CSV gives the same six readings as the frame it came from", async () => {
  const data = await goldenDemoData();
  const back = exportFrameFromCsv([...csvChunks(data.frame)].join(""));
  const readings = allReadings;
  assertEquals(readings(back), readings(data.frame));
});

Deno.test("money in sentences", () => {
  assertEquals([usd(20), usd(0.5), usd(60.6), usd(1234.4), usd(245544.48)], [
    "$20",
    "$0.50",
    "$60.60",
    "$1,234",
    "$245,544",
  ]);
});

Deno.test("the questions notebook's export file: read in pieces as the readers read it; a missing one in one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/helicone_pricing_data_2026-11-01.csv`;
    const written = exportFrameFromColumns({
      org_id: ["a", "b"],
      org_name: ["Acme", "=Bee, Inc."],
      tier: ["pro", "free"],
      seats: [3, 1],
      mrr: [50, null],
    });
    await writeCsvFile(written, path);
    const { frame, label } = await loadQuestionsFrame({ asOf: new Date(), csvPath: path });
    assertEquals(frame.toRecords(), (await readExportFile(path)).frame.toRecords());
    assertEquals(frame.getColumn("org_name").toArray(), ["Acme", "=Bee, Inc."]);
    ok(label.includes(path), label);
    await rejects(
      loadQuestionsFrame({ asOf: new Date(), csvPath: `${dir}/gone.csv` }),
      /gone\.csv does not exist/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the questions notebook's csvPath typed from the repository's root: the error says the notebook runs in notebooks/ and names ../<path> when it exists", async () => {
  const root = await Deno.makeTempDir();
  const cwd = Deno.cwd();
  try {
    await Deno.mkdir(`${root}/notebooks`);
    await Deno.mkdir(`${root}/outputs`);
    await writeCsvFile(
      exportFrameFromColumns({ org_id: ["a"] }),
      `${root}/outputs/helicone_pricing_data_2026-11-01.csv`,
    );
    Deno.chdir(`${root}/notebooks`);
    await rejects(
      loadQuestionsFrame({
        asOf: new Date(),
        csvPath: "outputs/helicone_pricing_data_2026-11-01.csv",
      }),
      (error: Error) => {
        assertEquals(
          error.message,
          'csvPath: outputs/helicone_pricing_data_2026-11-01.csv does not exist (the notebook runs in notebooks/: ../outputs/helicone_pricing_data_2026-11-01.csv exists; set csvPath = "../outputs/helicone_pricing_data_2026-11-01.csv")',
        );
        return true;
      },
    );
    await rejects(
      loadQuestionsFrame({ asOf: new Date(), csvPath: "outputs/gone.csv" }),
      /^UserError: csvPath: outputs\/gone\.csv does not exist \(the notebook runs in notebooks\/: a path from the repository's root starts with \.\.\/, e\.g\. "\.\.\/outputs\/helicone_pricing_data_2026-11-01\.csv"\)$/,
    );
    // a path already from notebooks/ gets no advice to go up again
    await rejects(
      loadQuestionsFrame({ asOf: new Date(), csvPath: "../outputs/gone.csv" }),
      (error: Error) => {
        assertEquals(error.message, "csvPath: ../outputs/gone.csv does not exist");
        return true;
      },
    );
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(root, { recursive: true });
  }
});

/**
 * Three organizations' usage over 30 days, and the same usage as a 7-day export holds it (× 7/30):
 *
 *       tier  seats  mrr   requests        ptb req         byok req        cost      ptb cost  byok cost  prompts used
 *   w1  pro   2       40   300,000/70,000  300,000/70,000  0               900/210   900/210   0          0
 *   w2  free  1        0    60,000/14,000  0               60,000/14,000    30/7       0/0      30/7      0
 *   w3  team  10     200    30,000/7,000   15,000/3,500    15,000/3,500    600/140   150/35    450/105    300/70
 */
function windowUsage(scale: number) {
  const usage = (values: number[]) => values.map((v) => v * scale);
  return exportFrameFromColumns({
    org_id: ["w1", "w2", "w3"],
    org_name: ["w1", "w2", "w3"],
    tier: ["pro", "free", "team"],
    seats: [2, 1, 10],
    mrr: [40, 0, 200],
    requests_30d: usage([300_000, 60_000, 30_000]),
    ptb_requests_30d: usage([300_000, 0, 15_000]),
    byok_requests_30d: usage([0, 60_000, 15_000]),
    prompts_used_30d: usage([0, 0, 300]),
    llm_cost_30d: usage([900, 30, 600]),
    llm_cost_ptb_30d: usage([900, 0, 150]),
    llm_cost_byok_30d: usage([0, 30, 450]),
    active_users_30d: [2, 1, 4],
    has_gateway_only: [true, false, false],
    is_byok: [false, true, true],
    is_ptb: [true, false, true],
    prompts_created: [0, 0, 5],
    addon_prompts: [0, 0, 0],
  });
}

Deno.test("a 7-day export's usage is put on a 30-day basis: its answers are the 30-day export's, and the label says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const monthly = `${dir}/helicone_pricing_data_2026-11-01.csv`;
    const weekly = `${dir}/helicone_pricing_data_2026-11-01_7d.csv`;
    await writeCsvFile(windowUsage(1), monthly);
    await writeCsvFile(windowUsage(7 / 30), weekly);
    const month = await loadQuestionsFrame({ asOf: new Date(), csvPath: monthly });
    const week = await loadQuestionsFrame({ asOf: new Date(), csvPath: weekly });
    assertEquals([month.windowDays, week.windowDays], [30, 7]);
    ok(!month.label.includes("basis"), month.label);
    ok(week.label.includes("7-day export, usage put on a 30-day basis (× 30/7)"), week.label);
    assertEquals(allReadings(week.frame), allReadings(month.frame));
    // By hand: w1 (900 > 40) and w3 (600 > 200) cost more than they pay, $860 + $400 over
    // their $240; unscaled, w3's week (140) is under its MRR.
    const churn = churnRisk(week.frame).facts;
    assertEquals([churn.organizations, Math.round(churn.lossUsd!)], [2, 1260]);
    assertEquals(churnRisk((await readExportFile(weekly)).frame).facts.organizations, 1);
    // w1 is underpriced on 300,000 requests a month (70,000 a week would be under 100,000).
    assertEquals(underpricedCustomers(week.frame).facts.organizations, 1);
    // 390,000 requests a month at $0.50 per 1,000.
    assertEquals(+pricingModelComparison(week.frame).facts.usageBasedUsd!.toFixed(6), 195);
    // active users are counted, not summed over days: left as they are
    assertEquals(week.frame.getColumn("active_users_30d").toArray(), [2, 1, 4]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a 7-day export's answers say their usage is per 30 days: readings, table columns, chart axes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const weekly = `${dir}/helicone_pricing_data_2026-11-01_7d.csv`;
    await writeCsvFile(windowUsage(7 / 30), weekly);
    const week = await loadQuestionsFrame({ asOf: new Date(), csvPath: weekly });
    const basis = { windowDays: week.windowDays };
    // w2, free: 14,000 requests in the 7 days (the file's requests_30d), 60,000 per 30 days
    const upgrade = upgradeCandidates(week.frame, {}, basis);
    assertEquals(
      upgrade.reading,
      "On a 30-day basis (the 7-day window's usage × 30/7): 1 of 1 free organization sent ≥ 50,000 requests per 30 days (60,000 requests, $30 of LLM cost); at $20 a seat their 1 seat would bring $20 MRR.",
    );
    assertEquals(upgrade.table.columns, [
      "org_name",
      "seats",
      "active_users_30d", // a count of users in the window, not scaled: the file's name
      "requests_per_30d",
      "llm_cost_per_30d",
      "is_ptb",
    ]);
    assertEquals((column(upgrade.table, "requests_per_30d") as number[]).map(Math.round), [60_000]);
    const axis = upgradeChart(upgrade).svg;
    ok(axis.includes("Requests per 30 days (7-day window × 30/7)"), "axis");
    ok(!axis.includes("in window"), "no 'in window'");
    // w1: 300,000 requests and $900 per 30 days against $40 MRR
    const underpriced = underpricedCustomers(week.frame, {}, basis);
    ok(
      underpriced.reading.startsWith(
        "On a 30-day basis (the 7-day window's usage × 30/7): 1 organization sent ≥ 100,000 requests or ≥ $500 of LLM cost per 30 days while paying ≤ $100 MRR: together $900 of LLM cost",
      ),
      underpriced.reading,
    );
    const chart = underpricedChart(underpriced).svg;
    ok(chart.includes("LLM cost (per 30 days)") && chart.includes("by LLM cost per 30 days"));
    const answers = [
      underpriced,
      upgrade,
      churnRisk(week.frame, {}, basis),
      pricingModelComparison(week.frame, {}, basis),
      featureAdoption(week.frame, basis),
      ptbVsByok(week.frame, basis),
    ];
    for (const answer of answers) {
      assertEquals(answer.windowDays, 7);
      // a usage column of the table is named for its basis, never the file's *_30d name
      for (
        const name of ["requests_30d", "llm_cost_30d", "prompt_requests_30d", "ptb_revenue_30d"]
      ) {
        ok(!answer.table.columns.includes(name), `${answer.reading}: ${name}`);
      }
    }
    // usage sums in the reading: said on a 30-day basis; adoption only counts organizations
    for (const answer of [answers[0], answers[1], answers[2], answers[3], answers[5]]) {
      ok(answer.reading.startsWith("On a 30-day basis (the 7-day window's usage × 30/7): "));
      ok(!/requests in the (30-day )?window/.test(answer.reading), answer.reading);
    }
    assertEquals(
      answers[4].table.columns.includes("prompt_requests_per_30d"),
      true,
    );
    // a 30-day window reads as before
    assertEquals(upgradeCandidates(week.frame).reading.startsWith("1 of 1 free"), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the questions notebook's file: demo and window from the name, else from the manifest beside it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const demo = `${dir}/helicone_pricing_data_2026-11-01_demo.csv`;
    await writeCsvFile(windowUsage(1), demo);
    const fromName = await loadQuestionsFrame({ asOf: new Date(), csvPath: demo });
    ok(fromName.demo && fromName.label.startsWith("**Demo data**"), fromName.label);

    const renamed = `${dir}/week.csv`;
    await writeCsvFile(windowUsage(7 / 30), renamed);
    const plain = await loadQuestionsFrame({ asOf: new Date(), csvPath: renamed });
    assertEquals([plain.demo, plain.windowDays], [false, 30]);
    ok(!plain.label.includes("Demo"), plain.label);
    // nothing says its window or kind: what was assumed is said, and how to make it known
    ok(
      plain.label.includes("**Assumed:**") &&
        plain.label.includes("assumed live data and a 30-day window") &&
        plain.label.includes("copy its manifest beside it as week.manifest.json"),
      plain.label,
    );
    await Deno.writeTextFile(
      `${dir}/week.manifest.json`,
      JSON.stringify({ demo: true, window: { days: 7 } }),
    );
    const withManifest = await loadQuestionsFrame({ asOf: new Date(), csvPath: renamed });
    assertEquals([withManifest.demo, withManifest.windowDays], [true, 7]);
    ok(withManifest.label.startsWith("**Demo data**"), withManifest.label);
    ok(withManifest.label.includes("(× 30/7)"), withManifest.label);
    ok(!withManifest.label.includes("Assumed"), withManifest.label);
    assertEquals(allReadings(withManifest.frame), allReadings(fromName.frame));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the questions notebook's file: a renamed demo export is demo data by its rows; a renamed workbook gives its window", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const written = await runExport({
      outDir: dir,
      demo: true,
      windowDays: 7,
      asOf: new Date("2026-11-01T00:00:00Z"),
      formats: ["csv", "xlsx"],
      charts: false,
      history: false,
      quiet: true,
      log: () => {},
      env: {},
    });
    const stamp = `${dir}/helicone_pricing_data_2026-11-01_demo_7d`;
    // a copy without its manifest: 180 rows of revenue_source demo (the demo generator's)
    const renamed = `${dir}/renamed.csv`;
    await Deno.copyFile(`${stamp}.csv`, renamed);
    const csv = await loadQuestionsFrame({ asOf: new Date(), csvPath: renamed });
    assertEquals(csv.demo, true);
    ok(csv.label.startsWith("**Demo data**"), csv.label);
    ok(csv.label.includes("revenue_source is demo"), csv.label);
    // its window is nowhere in a CSV: assumed, and said (not "live data": the rows said demo)
    assertEquals(csv.windowDays, 30);
    ok(csv.label.includes("assumed a 30-day window"), csv.label);
    ok(!csv.label.includes("live data"), csv.label);
    // a workbook carries its window (and its DEMO DATA title): 7 days, nothing assumed
    const workbook = `${dir}/renamed.xlsx`;
    await Deno.copyFile(`${stamp}.xlsx`, workbook);
    const xlsx = await loadQuestionsFrame({ asOf: new Date(), csvPath: workbook });
    assertEquals([xlsx.demo, xlsx.windowDays], [true, 7]);
    ok(xlsx.label.includes("7-day export, usage put on a 30-day basis (× 30/7)"), xlsx.label);
    ok(!xlsx.label.includes("Assumed"), xlsx.label);
    // live rows (revenue from Stripe) renamed are never called demo
    const live = `${dir}/live.csv`;
    await writeCsvFile(
      written.data.frame.withColumns(pl.lit("stripe").alias("revenue_source")),
      live,
    );
    const liveSource = await loadQuestionsFrame({ asOf: new Date(), csvPath: live });
    assertEquals(liveSource.demo, false);
    ok(!liveSource.label.includes("Demo"), liveSource.label);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the questions notebook's errors name its parameters: csvPath, demo", async () => {
  await rejects(
    loadQuestionsFrame({ asOf: new Date(), csvPath: "../outputs/notes.txt" }),
    (error: Error) =>
      error.message.startsWith("csvPath ../outputs/notes.txt is not a .csv, .xlsx or .parquet") &&
      error.message.includes('"../outputs/helicone_pricing_data_2026-11-01.csv"') &&
      !error.message.includes("\n"),
  );
  await rejects(
    loadQuestionsFrame({ asOf: new Date(), demo: false, envFile: "/nonexistent/.env" }),
    /^UserError: no database configured: .*pass --demo \(a notebook: demo = true\)/,
  );
});

Deno.test("a 7-day pipeline run in the questions notebook puts its usage on a 30-day basis too", async () => {
  const asOf = new Date("2026-11-01T00:00:00Z");
  const week = await loadPricingData({
    demo: true,
    windowDays: 7,
    asOf,
    env: {},
    quiet: true,
    log: () => {},
  });
  const source = await loadQuestionsFrame({
    demo: true,
    windowDays: 7,
    asOf,
    envFile: "/nonexistent/.env",
  });
  assertEquals(source.windowDays, 7);
  ok(source.label.includes("7-day window, usage put on a 30-day basis (× 30/7)"), source.label);
  // its dates as the brief names them, not an ISO instant with milliseconds
  ok(
    source.label.includes(
      ", window 7 days, 2026-10-25 to 2026-10-31 (as of 2026-11-01 00:00 UTC),",
    ),
    source.label,
  );
  const raw = week.frame.getColumn("requests_30d").toArray() as number[];
  const scaled = source.frame.getColumn("requests_30d").toArray() as number[];
  assertEquals(scaled.map((v) => +v.toFixed(6)), raw.map((v) => +(v * 30 / 7).toFixed(6)));
  assertEquals(
    source.frame.getColumn("mrr").toArray(),
    week.frame.getColumn("mrr").toArray(),
  );
});

Deno.test("the questions notebook stopped at a parameter's error: one line, then notes, no answers over nothing", async () => {
  const error = await loadQuestionsFrame({ asOf: new Date(), csvPath: "/nonexistent/gone.csv" })
    .then(() => null, (thrown: unknown) => thrown);
  ok(error instanceof UserError, String(error));
  const message = "csvPath: /nonexistent/gone.csv does not exist";
  assertEquals([error.message, error.stack], [message, `UserError: ${message}`]);
  // `.catch(stoppedSource)`: `frame` stays defined (every column, no row), so the answer cells run
  const source = stoppedSource(error);
  assertEquals(source.frame.height, 0);
  assertEquals(source.frame.columns, [...COLUMN_NAMES]);
  let thrown: unknown;
  try {
    sourceDisplays(source);
  } catch (caught) {
    thrown = caught;
  }
  assertEquals(thrown, error, "the loading cell shows the error");
  const answer = underpricedCustomers(source.frame);
  const shown = answerDisplays({ answer, chart: underpricedChart(answer), rows: 5, source });
  assertEquals(shown.map((d) => mimeBundle(d)["text/markdown"]), [
    "_Nothing to show: loading the data stopped at the error above (fix it, then run again)._",
  ]);
});

Deno.test("churn risk with no MRR known and every LLM spend unknown (NaN) still says it cannot be judged, not '0 of 0 … $0 MRR'", () => {
  // revenue not fetched; o1, o3, o4 and o6 spent an unknown amount (NaN), o2 and o5 nothing
  const answer = churnRisk(
    withoutRevenue().withColumns(
      pl.Series("llm_cost_30d", [null, 0, null, null, 0, null], pl.Float64),
    ),
  );
  assertEquals(answer.table.height, 0);
  assertEquals(
    [answer.facts.unknownMrr, answer.facts.llmCostUnknown, answer.facts.knownMrr],
    [0, 4, 0],
  );
  assertEquals([answer.facts.lossUsd, answer.facts.mrrUsd], [null, null]);
  assertEquals(
    answer.reading,
    "Churn risk cannot be judged without revenue: MRR is unknown for every organization (revenue not fetched), so 4 organizations with an unknown LLM cost (NaN, infinite or empty; their Stripe customer's) are not judged.",
  );
});

Deno.test("an export file's empty cost cell: the answers call it unknown in words true of a file (not only a query's NaN)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/helicone_pricing_data_2026-11-01.csv`;
    // b's LLM cost is an empty cell; a and b are free with ≥ 50,000 requests (upgrade candidates)
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["a", "b", "c"],
        org_name: ["Acme", "Bee", "Cee"],
        tier: ["free", "free", "pro"],
        seats: [1, 2, 3],
        requests_30d: [60_000, 70_000, 1_000],
        llm_cost_30d: [5, null, 10],
        llm_cost_ptb_30d: [0, 0, 0],
        mrr: [0, 0, 100],
        mrr_recurring: [0, 0, 100],
      }),
      path,
    );
    const { frame } = await loadQuestionsFrame({ asOf: new Date(), csvPath: path });
    const upgrades = upgradeCandidates(frame);
    // a's $5 known, b's unknown
    ok(
      upgrades.reading.includes(
        "(130,000 requests, $5 over 1 of 2 organizations; 1 unknown (NaN, infinite or empty) of LLM cost)",
      ),
      upgrades.reading,
    );
    // 2 % of the known cost, a $5 + c $10 = $15: $0.30; b's priced at $0
    const models = pricingModelComparison(frame);
    ok(
      models.reading.includes(
        "$0.30 (a partial sum over 2 of 3: 1 organization with an unknown LLM cost (NaN, infinite or empty) priced at $0)",
      ),
      models.reading,
    );
    for (const answer of [upgrades, models, churnRisk(frame), ptbVsByok(frame)]) {
      ok(!answer.reading.includes("from a query"), answer.reading);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
