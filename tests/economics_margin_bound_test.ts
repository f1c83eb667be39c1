/**
 * The headline "Gross margin, company cost" (brief and workbook) says it is an upper bound where
 * organizations it counts sent pass-through requests with no cost recorded
 * (ptb_requests_cost_unknown_30d): their PTB LLM cost is missing from it. Hand-counted frames.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { costModelFromEnv, economicsBriefLines, headlineKpis } from "../lib/economics/mod.ts";
import { loadPriceBook } from "../lib/economics/price_book.ts";
import { summarySheetInput } from "../lib/economics/xlsx_summary.ts";
import { DEFAULT_MARKDOWN_MAX_LENGTH } from "../lib/formats/markdown.ts";
import { threeOrganizations } from "./margin_bound_fixture.ts";

const FORMULA =
  "(MRR + PTB revenue − PTB LLM cost − infrastructure) / (MRR + PTB revenue), every organization with known revenue";

const companyKpi = (frame: ReturnType<typeof threeOrganizations>) =>
  headlineKpis(frame, { windowDays: 30 }).find((k) => k.label === "Gross margin, company cost")!;

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
    costModel: costModelFromEnv({}),
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
