/**
 * The brief's line on revenue converted to USD (lib/report/brief_currency.ts): currencies, rates,
 * organizations and MRR by hand from six organizations; none when all is USD; Stripe's currency
 * text escaped.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { convertedRevenueLines } from "../lib/report/brief_currency.ts";
import { briefMarkdown } from "../lib/report/brief.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

/**
 * a EUR $108 (€100 at 1.08), b EUR $216, c GBP $127 (£100 at 1.27), d USD $100, e unconverted
 * (CHF, no rate: mrr empty), f free (no currency, $0)
 */
const frame = () =>
  exportFrameFromColumns({
    org_id: ["a", "b", "c", "d", "e", "f"],
    currency: ["EUR", "EUR", "GBP", "USD", "CHF", null],
    mrr: [108, 216, 127, 100, null, 0],
    revenue_source: ["stripe", "stripe", "stripe", "stripe", "unconverted", "no_customer"],
  });
const RATES = { EUR: 1.08, GBP: 1.27 };
const TAIL =
  "Their USD value moves with the exchange rate even where the customer's price does not change.";
const HEAD =
  "- Converted to USD at the run's rates (USD per unit of the currency; `PRICING_FX_RATES`, recorded in the manifest as `revenue.fx_rates`), per the `currency` column: ";

Deno.test("brief: revenue converted to USD, by currency with its rate and its share of MRR", () => {
  // EUR: a + b = $324 over 2; GBP: c $127; together $451 of $551 = 81.85 %; e (no rate) is not
  // converted: its empty mrr counts nowhere
  assertEquals(convertedRevenueLines(frame(), RATES), [
    `${HEAD}EUR at 1.08 USD: 2 organizations, $324.00 of \`mrr\`; GBP at 1.27 USD: 1 organization, $127.00 of \`mrr\`; together $451.00, 81.9 % of the MRR total. ${TAIL}`,
  ]);
  // one currency, no "together": $324 of $108 + $216 + $100 = $424, 76.4 %
  const noGbp = frame().filter(pl.col("org_id").neq(pl.lit("c")));
  assertEquals(convertedRevenueLines(noGbp, RATES), [
    `${HEAD}EUR at 1.08 USD: 2 organizations, $324.00 of \`mrr\`, 76.4 % of the MRR total. ${TAIL}`,
  ]);
  // all USD (or unconverted): no line
  const usd = frame().filter(pl.col("org_id").isIn(["d", "e", "f"]));
  assertEquals(convertedRevenueLines(usd, RATES), []);
});

Deno.test("brief: the converted-revenue line sits in Scope; Stripe's currency text is escaped", () => {
  const odd = exportFrameFromColumns({
    org_id: ["a", "b"],
    currency: ["EUR", "[X](http://e.test)"],
    mrr: [108, 50],
    revenue_source: ["stripe", "stripe"],
  });
  const brief = briefMarkdown({
    data: {
      frame: odd,
      asOf: new Date("2026-11-01T00:00:00Z"),
      windowDays: 30,
      demo: false,
      warnings: [],
      revenue: { source: "stripe", fxRates: RATES },
    },
    exportFiles: [{ name: "x.csv", bytes: 1 }],
  });
  const scope = brief.slice(brief.indexOf("## Scope"), brief.indexOf("## Totals"));
  const line = scope.split("\n").find((l) => l.startsWith("- Converted to USD"));
  ok(line, scope);
  ok(line.includes("EUR at 1.08 USD: 1 organization, $108.00 of `mrr`"), line);
  // no link survives: its brackets escaped, its URL no autolink
  ok(!line.includes("[X](http://"), line);
  ok(line.includes("\\[X\\]"), line);
  ok(line.includes("a rate not recorded"), line);
});
