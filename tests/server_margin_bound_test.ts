/**
 * The admin page's company-margin card says it is an upper bound where the organizations it counts
 * sent pass-through requests with no cost recorded (ptb_requests_cost_unknown_30d), and where the
 * run set no infrastructure cost (PRICING_INFRA_USD_PER_1K_REQUESTS), in the brief's words, over
 * real HTTP. Counts by hand.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadPricingData } from "../lib/export.ts";
import pl from "nodejs-polars";
import { threeOrganizations as threeWithoutPlans } from "./margin_bound_fixture.ts";
import { headlineKpis } from "../lib/economics/headline_margins.ts";
import { costModelFromEnv } from "../lib/economics/cost_model.ts";
import { card } from "./server_summary_fixture.ts";
import { jsonBody, serve, SUMMARY } from "./server_fixture.ts";

const REPORT = "/v1/admin/pricing-analytics/report?as_of=2026-11-01";
const BASIS = "PTB LLM cost + infrastructure vs MRR + PTB revenue";
/** The card's basis where infrastructure cost is not set: counted as $0, so not in it. */
const BASIS_WITHOUT_INFRASTRUCTURE = "PTB LLM cost vs MRR + PTB revenue";
const INFRASTRUCTURE_SET = { PRICING_INFRA_USD_PER_1K_REQUESTS: "0.01" };

/**
 * The three organizations of margin_bound_fixture.ts with what the page's plan table reads: a and
 * b have known revenue, 76.5 %, counting 3 + 2 = 5 uncosted pass-through requests; c's revenue is
 * unknown, so its 7 are not counted.
 */
function threeOrganizations(ptbUncosted: (number | null)[]) {
  return threeWithoutPlans(ptbUncosted).withColumns(
    pl.Series("org_name", ["A", "B", "C"], pl.Utf8),
    pl.Series("tier", ["pro", "pro", "free"], pl.Utf8),
    pl.Series("plan", ["pro 2025-12-10", "pro 2025-12-10", "free"], pl.Utf8),
    pl.Series("revenue_source", ["stripe", "stripe", "stripe"], pl.Utf8),
    pl.Series("mrr_recurring", [100, 50, null], pl.Float64),
    pl.Series("list_price_mrr", [100, 50, 0], pl.Float64),
  );
}

async function served(
  ptbUncosted: (number | null)[],
  env: Record<string, string> = INFRASTRUCTURE_SET,
) {
  const frame = threeOrganizations(ptbUncosted);
  const server = serve({
    env,
    loader: async (options) => ({ ...await loadPricingData(options), frame }),
  });
  try {
    const summary = await jsonBody(await server.get(`${SUMMARY}?as_of=2026-11-01`));
    const html = await (await server.get(REPORT)).text();
    return { summary, company: card(html, "gross_margin_company"), frame };
  } finally {
    await server.close();
  }
}

Deno.test("the company-margin card: 'upper bound: 5 pass-through requests had no cost recorded', the brief's words", async () => {
  const { summary, company, frame } = await served([3, 2, 7]);
  const bound = "upper bound: 5 pass-through requests had no cost recorded";
  assertEquals(summary.companyMarginUpperBound, bound);
  assertEquals(company.text, "76.5 %");
  assertEquals(company.note, `${bound}; ${BASIS}`);
  // the brief's headline row starts with the same words (infrastructure cost set: unset, it
  // names that first)
  const costModel = costModelFromEnv(INFRASTRUCTURE_SET);
  const brief = headlineKpis(frame, { windowDays: 30, costModel })[0].basis;
  assertEquals(brief.startsWith(`${bound}; `), true, brief);
});

Deno.test("the company-margin card: infrastructure cost not set, said first, the basis without it, as the brief's headline", async () => {
  const { summary, company, frame } = await served([3, 2, 7], {});
  const bound =
    "upper bound: infrastructure cost not set and 5 pass-through requests had no cost recorded";
  assertEquals(summary.companyMarginUpperBound, bound);
  assertEquals(company.text, "76.5 %");
  assertEquals(company.note, `${bound}; ${BASIS_WITHOUT_INFRASTRUCTURE}`);
  const brief = headlineKpis(frame, { windowDays: 30, costModel: costModelFromEnv({}) })[0].basis;
  assertEquals(brief.startsWith(`${bound}; `), true, brief);
  // no uncosted requests counted: infrastructure alone
  const { summary: alone, company: aloneCard } = await served([0, 0, 7], {});
  assertEquals(alone.companyMarginUpperBound, "upper bound: infrastructure cost not set");
  assertEquals(
    aloneCard.note,
    `upper bound: infrastructure cost not set; ${BASIS_WITHOUT_INFRASTRUCTURE}`,
  );
});

Deno.test("the company-margin card: one request singular; none counted, or an export from before the column, no bound", async () => {
  const one = await served([1, 0, 7]);
  assertEquals(
    one.company.note,
    `upper bound: 1 pass-through request had no cost recorded; ${BASIS}`,
  );
  // c's 7 are not counted (unknown revenue); an export from before the column cannot say
  for (const uncosted of [[0, 0, 7], [null, null, null]]) {
    const { summary, company } = await served(uncosted);
    assertEquals([summary.companyMarginUpperBound, company.note], [null, BASIS], String(uncosted));
  }
});

Deno.test("the demo run's company-margin card says its bound: no infrastructure cost set, and 125 pass-through requests, as the brief's Totals", async () => {
  const server = serve();
  try {
    const html = await (await server.get(REPORT)).text();
    assertEquals(
      card(html, "gross_margin_company").note,
      `upper bound: infrastructure cost not set and 125 pass-through requests had no cost recorded; ${BASIS_WITHOUT_INFRASTRUCTURE}`,
    );
  } finally {
    await server.close();
  }
});
