/**
 * The headline "Gross margin, company cost" (brief, workbook, notebook) says it is an upper bound
 * where organizations it counts sent pass-through requests with no cost recorded
 * (ptb_requests_cost_unknown_30d): their PTB LLM cost is missing from it; and where the run set no
 * infrastructure cost (PRICING_INFRA_USD_PER_1K_REQUESTS unset: counted as $0). Hand-counted
 * frames.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { costModelFromEnv, economicsBriefLines, headlineKpis } from "../lib/economics/mod.ts";
import { loadPriceBook } from "../lib/economics/price_book.ts";
import { summarySheetInput } from "../lib/economics/xlsx_summary.ts";
import { DEFAULT_MARKDOWN_MAX_LENGTH } from "../lib/formats/markdown.ts";
import { threeOrganizations } from "./margin_bound_fixture.ts";

const FORMULA =
  "(MRR + PTB revenue − PTB LLM cost − infrastructure) / (MRR + PTB revenue), every organization with known revenue";
/** the formula as worked out without infrastructure cost */
const FORMULA_WITHOUT_INFRASTRUCTURE =
  "(MRR + PTB revenue − PTB LLM cost) / (MRR + PTB revenue), every organization with known revenue";

/** the fixture's company cost holds infrastructure: set (its figure does not change the words) */
const INFRASTRUCTURE_SET = costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.01" });
const INFRASTRUCTURE_UNSET = costModelFromEnv({});

const companyKpi = (
  frame: ReturnType<typeof threeOrganizations>,
  costModel = INFRASTRUCTURE_SET,
) =>
  headlineKpis(frame, { windowDays: 30, costModel })
    .find((k) => k.label === "Gross margin, company cost")!;

/**
 * threeOrganizations as a run without infrastructure cost exports it: company cost is PTB LLM
 * cost alone (a $25, b $0), so a and b's margin is (100 + 20 + 50 + 0 − 25 − 0) / 170 = 85.3 %.
 */
const withoutInfrastructure = (ptbUncosted: (number | null)[]) =>
  threeOrganizations(ptbUncosted).withColumns(pl.col("llm_cost_ptb_30d").alias("company_cost_30d"));

Deno.test("headline company margin: an upper bound, said first, where counted pass-through requests had no cost recorded", () => {
  const company = companyKpi(threeOrganizations([3, 2, 7]));
  ok(Math.abs(company.value! - 130 / 170 * 100) < 1e-9, String(company.value));
  assertEquals(
    company.basis,
    `upper bound: 5 pass-through requests had no cost recorded; ${FORMULA}`,
  );
  // one request: singular
  assertEquals(
    companyKpi(threeOrganizations([1, 0, 7])).basis,
    `upper bound: 1 pass-through request had no cost recorded; ${FORMULA}`,
  );
  // the longest count still fits the KPI cell's cap
  const most = companyKpi(threeOrganizations([1_234_567_890, 0, 0])).basis;
  ok(most.length <= DEFAULT_MARKDOWN_MAX_LENGTH, `${most.length}: ${most}`);
});

Deno.test("headline company margin: none uncosted (only the uncounted c's), or an export from before the column: the formula as before", () => {
  const before = `${FORMULA}, free and shared-customer ones' cost included`;
  assertEquals(companyKpi(threeOrganizations([0, 0, 7])).basis, before);
  assertEquals(companyKpi(threeOrganizations([null, null, null])).basis, before);
});

Deno.test("the brief's and the workbook's headline rows say the bound", async () => {
  const frame = threeOrganizations([3, 2, 7]);
  const context = {
    costModel: INFRASTRUCTURE_SET,
    priceBook: await loadPriceBook(),
    ptbRevenueRead: true,
    windowDays: 30,
  };
  const basis = `upper bound: 5 pass-through requests had no cost recorded; ${FORMULA}`;
  const brief = economicsBriefLines(frame, context);
  const markdown = brief.join("\n");
  ok(markdown.includes(`| Gross margin, company cost | 76.5 % | ${basis} |`), markdown);
  const sheet = summarySheetInput(frame, { ...context, asOf: new Date("2026-12-01"), demo: false });
  assertEquals(sheet.kpis.find((k) => k.label === "Gross margin, company cost")?.basis, basis);
});

Deno.test("headline company margin: infrastructure cost not set, an upper bound for it, said first, the formula without it", () => {
  const company = companyKpi(withoutInfrastructure([0, 0, 7]), INFRASTRUCTURE_UNSET);
  ok(Math.abs(company.value! - 145 / 170 * 100) < 1e-9, String(company.value));
  assertEquals(
    company.basis,
    `upper bound: infrastructure cost not set; ${FORMULA_WITHOUT_INFRASTRUCTURE}, free and shared-customer ones' cost included`,
  );
  // an export from before the uncosted requests' column: the same
  assertEquals(
    companyKpi(withoutInfrastructure([null, null, null]), INFRASTRUCTURE_UNSET).basis,
    company.basis,
  );
  // set to 0: infrastructure costs nothing, as set, and the margin stands
  assertEquals(
    companyKpi(
      withoutInfrastructure([0, 0, 7]),
      costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0" }),
    ).basis,
    `${FORMULA}, free and shared-customer ones' cost included`,
  );
});

Deno.test("headline company margin: infrastructure cost not set and uncosted pass-through requests, both reasons, under the cap", () => {
  assertEquals(
    companyKpi(withoutInfrastructure([3, 2, 7]), INFRASTRUCTURE_UNSET).basis,
    `upper bound: infrastructure cost not set and 5 pass-through requests had no cost recorded; ${FORMULA_WITHOUT_INFRASTRUCTURE}`,
  );
  const most = companyKpi(withoutInfrastructure([1_234_567_890, 0, 0]), INFRASTRUCTURE_UNSET)
    .basis;
  ok(most.length <= DEFAULT_MARKDOWN_MAX_LENGTH, `${most.length}: ${most}`);
  ok(most.includes("1,234,567,890 pass-through requests had no cost recorded"), most);
});

Deno.test("the brief's and the workbook's headline rows say infrastructure cost is not set", async () => {
  const frame = withoutInfrastructure([3, 2, 7]);
  const context = {
    costModel: INFRASTRUCTURE_UNSET,
    priceBook: await loadPriceBook(),
    ptbRevenueRead: true,
    windowDays: 30,
  };
  const basis =
    `upper bound: infrastructure cost not set and 5 pass-through requests had no cost recorded; ${FORMULA_WITHOUT_INFRASTRUCTURE}`;
  const markdown = economicsBriefLines(frame, context).join("\n");
  ok(markdown.includes(`| Gross margin, company cost | 85.3 % | ${basis} |`), markdown);
  const sheet = summarySheetInput(frame, { ...context, asOf: new Date("2026-12-01"), demo: false });
  assertEquals(sheet.kpis.find((k) => k.label === "Gross margin, company cost")?.basis, basis);
});
