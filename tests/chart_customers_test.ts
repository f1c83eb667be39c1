/**
 * lib/report/chart_customers.ts: a Stripe customer several organizations share is drawn once on the
 * per-organization charts, at its revenue row, with all of its organizations' LLM cost and
 * requests (not one organization's against the whole customer's MRR).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CUSTOMER_CHART_COLUMNS, withCustomerChartColumns } from "../lib/report/chart_customers.ts";
import { marginByTierChart, marginVsMrrChart } from "../lib/report/charts.ts";
import { mrrVsRequestsChart } from "../lib/economics/charts.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import pl from "nodejs-polars";

/**
 * a1 Acme, pro, cus_acme's revenue row: MRR $100, LLM cost $10, 1,000 requests → own margin 90 %
 * a2 Acme Labs, free, cus_acme too (shared_customer): LLM cost $30, 3,000 requests, no MRR
 * b1 Beta, pro, its own customer: MRR $50, LLM cost $5, 500 requests → 90 %
 * c1 Gamma, free, no customer: MRR $0, LLM cost $1, 7 requests
 * cus_acme: (100 − (10 + 30)) / 100 = 60 %, 4,000 requests, on a1's row.
 */
const frame = exportFrameFromColumns({
  org_id: ["a1", "a2", "b1", "c1"],
  org_name: ["Acme", "Acme Labs", "Beta", "Gamma"],
  tier: ["pro", "free", "pro", "free"],
  plan: ["pro", "free", "pro", "free"],
  stripe_customer_id: ["cus_acme", "cus_acme", "cus_beta", null],
  revenue_source: ["stripe", "shared_customer", "stripe", "no_customer"],
  mrr: [100, null, 50, 0],
  llm_cost_30d: [10, 30, 5, 1],
  requests_30d: [1_000, 3_000, 500, 7],
  gross_margin_pct: [90, null, 90, null],
});
const C = CUSTOMER_CHART_COLUMNS;

/** An SVG's text with its wrapped caption lines joined by spaces. */
const joined = (svg: string) => svg.replaceAll(/<\/text><text[^>]*>/g, " ");
const SHARED_NOTE =
  "; 1 Stripe customer shared by several organizations drawn once, at the row carrying its MRR, with all its organizations'";

Deno.test("a shared customer's revenue row gets its customer's margin, requests and organizations", () => {
  const columns = withCustomerChartColumns(frame);
  assertEquals(columns.getColumn(C.margin).toArray(), [60, null, 90, null]);
  assertEquals(columns.getColumn(C.requests).toArray(), [4_000, 3_000, 500, 7]);
  assertEquals(columns.getColumn(C.organizations).toArray(), [2, 1, 1, 1]);
  // a 15-day window: the cost on a 30-day basis against monthly MRR, (100 − 40 × 2) / 100
  assertEquals(withCustomerChartColumns(frame, 15).getColumn(C.margin).toArray()[0], 20);
  // made once: a frame that has them keeps them (the chart worker's, made on the main thread)
  assertEquals(withCustomerChartColumns(columns), columns);
  // no customer ids: every row its own
  const own = withCustomerChartColumns(frame.drop("stripe_customer_id"));
  assertEquals(own.getColumn(C.margin).toArray(), [90, null, 90, null]);
  assertEquals(own.getColumn(C.organizations).toArray(), [1, 1, 1, 1]);
});

Deno.test("margin vs MRR and margin by tier draw the shared customer's margin, and say so", () => {
  const vsMrr = marginVsMrrChart(frame).svg;
  ok(
    vsMrr.includes(
      "<title>Acme\npro\nMRR $100 · 60.0 % gross margin, spec basis\nStripe customer of 2 organizations: their LLM cost summed</title>",
    ),
    vsMrr,
  );
  ok(vsMrr.includes("<title>Beta\npro\nMRR $50 · 90.0 % gross margin, spec basis</title>"));
  ok(joined(vsMrr).includes(`${SHARED_NOTE} LLM cost.`), vsMrr);
  const byTier = marginByTierChart(frame).svg;
  ok(joined(byTier).includes(`${SHARED_NOTE} LLM cost.`), byTier);
  // pro's box is a1 and b1 at 60 % and 90 % (not 90 % twice): the boxes of a frame whose own
  // margins are those, past the caption
  const marks = (svg: string) => svg.slice(svg.indexOf("<style>"));
  const own = frame.drop("stripe_customer_id").withColumns(
    pl.Series("gross_margin_pct", [60, null, 90, null], pl.Float64),
  );
  assertEquals(marks(byTier), marks(marginByTierChart(own).svg));
  ok(marks(byTier) !== marks(marginByTierChart(frame.drop("stripe_customer_id")).svg));
});

Deno.test("MRR vs requests draws the shared customer at its organizations' requests", () => {
  const svg = mrrVsRequestsChart(frame).svg;
  ok(
    svg.includes(
      "<title>Acme\npro\nMRR $100 · 4,000 requests\nStripe customer of 2 organizations: their requests summed</title>",
    ),
    svg,
  );
  ok(joined(svg).includes(`and requests${SHARED_NOTE} requests; `), svg);
});
