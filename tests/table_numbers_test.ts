import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { columnNumberText, shownUnit } from "../lib/report/table_numbers.ts";

Deno.test("table numbers are written by their column's unit: dollars with cents, percent, counts", () => {
  const cells = [
    // the export's columns (lib/frame/columns.ts): one format down a column, 80 as $80.00
    ["mrr", 80, "$80.00"],
    ["mrr", 1518.146, "$1,518.15"],
    ["llm_cost_30d", 0.3, "$0.30"],
    ["revenue_per_seat", 75.4666, "$75.47"],
    ["cost_per_request", 0.0027512, "$0.00275"], // a fraction of a cent keeps 3 digits
    ["cost_per_request", 0.1, "$0.10"], // from a cent up, in cents
    ["cost_per_request", 3, "$3.00"],
    ["cost_per_request", 0, "$0.00"],
    ["gross_margin_pct", -2174.66, "-2,174.7 %"],
    ["seat_utilization_pct", 50, "50.0 %"],
    ["requests_30d", 22_452_219, "22,452,219"],
    // a usage column on a 30-day basis has its own column's unit
    ["requests_per_30d", 1234.6, "1,235"],
    ["llm_cost_per_30d", 12.5, "$12.50"],
    // names that say their unit: the query stage's dollars, an answer's loss, a margin
    ["ptb_spend_usd", 3111.756, "$3,111.76"],
    ["loss_usd", -0.001, "$0.00"], // no "-$0.00"
    ["margin_company_pct", 81.23, "81.2 %"],
    // a column nothing gives a unit for: rounded as before
    ["organizations", 400, "400"],
    ["mystery", 4966.382659, "4,966"],
    // unknown: "–", as the per-plan table and the KPIs write it, whatever the unit
    ["gross_margin_pct", null, "–"],
    ["mrr", null, "–"],
    ["requests_30d", NaN, "–"],
  ] as const;
  assertEquals(
    cells.map(([column, value]) => [column, value, columnNumberText(column, value)]),
    cells.map((cell) => [...cell]),
  );
});

Deno.test("an analysis's own columns take their unit from the map it passes", () => {
  const extra = { seat_based: "USD per month", unknown_mrr: "count" } as const;
  assertEquals(shownUnit("seat_based"), undefined);
  assertEquals(shownUnit("seat_based", extra), "USD per month");
  assertEquals(columnNumberText("seat_based", 16140, { extraUnits: extra }), "$16,140.00");
  assertEquals(columnNumberText("unknown_mrr", 3, { extraUnits: extra }), "3");
  // the export's own unit wins over the map (mrr is money whatever an analysis says)
  assertEquals(columnNumberText("mrr", 5, { extraUnits: { mrr: "count" } }), "$5.00");
});
