/**
 * lib/analysis/questions' feature adoption and PTB vs BYOK: traffic types, margins on all LLM cost
 * and on the company basis, unread or unknown revenue, a shared Stripe customer typed together.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { featureAdoption, ptbVsByok, TRAFFIC_TYPES } from "../lib/analysis/questions.ts";
import { trafficChart } from "../lib/analysis/question_charts.ts";
import { column, count, frame, near, withoutRevenue } from "./questions_fixture.ts";

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
  // the margin's population without p1 (its PTB revenue unknown), its sums over p2 and p3 alone:
  // revenue p3's $20 + $0, cost 5 + 2 (the key_question tool's table carries these: p1's $100
  // in the revenue would set $120 beside the 2 organizations' $7 of cost)
  assertEquals(
    ["company_margin_organizations", "company_margin_revenue", "company_margin_cost"].map((name) =>
      value(unread, name)
    ),
    [2, 20, 7],
  );
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
 * o1 MRR $100, PTB revenue $10, company cost $31; o2 MRR $50 with PTB revenue, PTB cost, LLM cost
 * and company cost empty. o2's PTB revenue is needed unless its PTB cost is $0, which is not known:
 * the margin is unknown, not (110 − 31) / 110 = 71.8 % over o1 alone, and o2 is counted so.
 */
Deno.test("PTB vs BYOK: unread PTB revenue with an unknown PTB cost leaves the company margin unknown, said as unknown", () => {
  const rows = pl.DataFrame({
    has_gateway_only: [true, true],
    is_byok: [false, false],
    ptb_requests_30d: [1_000, 1_000],
    requests_30d: [1_000, 1_000],
    llm_cost_30d: pl.Series("llm_cost_30d", [30, null], pl.Float64),
    llm_cost_ptb_30d: pl.Series("llm_cost_ptb_30d", [30, null], pl.Float64),
    mrr: pl.Series("mrr", [100, 50], pl.Float64),
    ptb_revenue_30d: pl.Series("ptb_revenue_30d", [10, null], pl.Float64),
    company_cost_30d: pl.Series("company_cost_30d", [31, null], pl.Float64),
    stripe_customer_id: pl.Series("stripe_customer_id", ["cus_1", "cus_2"], pl.Utf8),
    revenue_source: pl.Series("revenue_source", ["stripe", "stripe"], pl.Utf8),
  });
  const answer = ptbVsByok(rows);
  const value = (name: string) => answer.table.row(0)[answer.table.columns.indexOf(name)];
  assertEquals(
    ["ptb_revenue_unknown", "margin_company_pct", "company_margin_organizations"].map(value),
    [1, null, 1],
  );
  ok(
    answer.reading.includes(
      "company-basis margin unknown (PTB revenue not read for 1 organization whose pass-through cost is unknown)",
    ),
    answer.reading,
  );
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

/**
 * A shared Stripe customer whose revenue row's MRR is unknown: e1 carries cus_e's revenue but its
 * amounts could not be put in USD (unconverted), e2 shares cus_e (revenue_source
 * shared_customer), f1 is its own customer at $100 MRR, $20 PTB revenue. All three are
 * gateway-only. e2's MRR is its customer's, so unknown too: MRR is known for f1 only.
 *
 *   gateway-only: MRR $100 over f1, 2 with unknown MRR (e1, e2); mrr_per_org 100 / 1 = 100;
 *   spec (100 − 10) / 100 = 90 %; company over f1 (120 − 10.1) / 120 = 91.58 %
 */
Deno.test("PTB vs BYOK: an organization sharing a customer whose revenue row's MRR is unknown counts as unknown MRR, not known", () => {
  const answer = ptbVsByok(pl.DataFrame({
    has_gateway_only: [true, true, true],
    is_byok: [false, false, false],
    ptb_requests_30d: [1_000, 1_000, 1_000],
    requests_30d: [1_000, 1_000, 1_000],
    llm_cost_30d: [8, 2, 10],
    llm_cost_ptb_30d: [8, 2, 10],
    mrr: pl.Series("mrr", [null, null, 100], pl.Float64),
    ptb_revenue_30d: pl.Series("ptb_revenue_30d", [null, null, 20], pl.Float64),
    company_cost_30d: pl.Series("company_cost_30d", [8.1, 2.1, 10.1], pl.Float64),
    stripe_customer_id: pl.Series("stripe_customer_id", ["cus_e", "cus_e", "cus_f"], pl.Utf8),
    revenue_source: pl.Series(
      "revenue_source",
      ["unconverted", "shared_customer", "stripe"],
      pl.Utf8,
    ),
  }));
  const table = answer.table;
  assertEquals(column(table, "mrr"), [100]);
  assertEquals(column(table, "unknown_mrr"), [2]);
  assertEquals(column(table, "mrr_per_org"), [100]);
  ok(near((column(table, "gross_margin_pct") as number[])[0], 90));
  ok(near((column(table, "margin_company_pct") as number[])[0], 109.9 / 120 * 100));
  assertEquals(answer.facts["gateway only (PTB)"].unknownMrr, 2);
  ok(
    answer.reading.startsWith(
      "3 organizations are gateway-only: $100 MRR over 1 of them, 2 with unknown MRR,",
    ),
    answer.reading,
  );
});

Deno.test("feature adoption: an organization sharing a customer whose revenue row's MRR is unknown counts as unknown revenue", () => {
  // e1 carries cus_e's revenue, unconverted; e2 shares cus_e; f1 pays $100 with the $50 add-on
  const answer = featureAdoption(pl.DataFrame({
    addon_prompts: pl.Series("addon_prompts", [null, null, 50], pl.Float64),
    addons_in_metadata: pl.Series("addons_in_metadata", [null, null, "prompts"], pl.Utf8),
    prompts_created: [0, 0, 3],
    prompts_used_30d: [0, 0, 10],
    mrr: pl.Series("mrr", [null, null, 100], pl.Float64),
    stripe_customer_id: pl.Series("stripe_customer_id", ["cus_e", "cus_e", "cus_f"], pl.Utf8),
    revenue_source: pl.Series(
      "revenue_source",
      ["unconverted", "shared_customer", "stripe"],
      pl.Utf8,
    ),
  }));
  assertEquals(column(answer.table, "organizations"), [1, 2]); // f1 | e1, e2
  assertEquals(column(answer.table, "mrr"), [100, null]);
  assertEquals(column(answer.table, "unknown_mrr"), [0, 2]);
  assertEquals(answer.facts.unknownRevenue, 2);
  ok(answer.reading.includes("2 organizations with unknown revenue"), answer.reading);
});

Deno.test("PTB vs BYOK on no organizations: no rows, traffic a text column as with rows", () => {
  const answer = ptbVsByok(frame.head(0));
  assertEquals(answer.table.height, 0);
  assertEquals(answer.table.getColumn("traffic").dtype, pl.String);
  assertEquals(answer.table.schema, ptbVsByok(frame).table.schema);
});
