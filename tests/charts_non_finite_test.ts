/**
 * A NaN or ±Infinity in a chart's columns (a frame built in a notebook: the readers refuse them,
 * tests/read_export_non_finite_test.ts) is unknown: left out of the drawn marks and counted in the
 * caption as an empty value is, never a crash (an infinite end made logAxis' tick list infinitely
 * long; a NaN margin reached margin.toFixed). Counts by hand from the five organizations below.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { PRICING_CHARTS } from "../lib/report/charts.ts";
import { mrrVsRequestsChart } from "../lib/economics/charts.ts";
import { dotCentres } from "./chart_svg.ts";

/**
 * o1, o2 (pro) known throughout; o3 (team) requests and MRR +Infinity; o4 (team) LLM cost and
 * margin NaN; o5 (growth) requests and MRR NaN, LLM cost +Infinity, margin −Infinity.
 */
const frame = exportFrameFromColumns({
  org_id: ["o1", "o2", "o3", "o4", "o5"],
  org_name: ["One", "Two", "Three", "Four", "Five"],
  tier: ["pro", "pro", "team", "team", "growth"],
  plan: ["pro", "pro", "team", "team", "growth"],
  llm_cost_30d: [1, 2, 5, NaN, Infinity],
  mrr: [50, 100, Infinity, 200, NaN],
  gross_margin_pct: [98, 98, 90, NaN, -Infinity],
}).withColumns(
  // an integer column holds no infinity: a frame of doubles, as a notebook may build one
  pl.Series("requests_30d", [100, 200, Infinity, 300, NaN], pl.Float64),
);

/** A chart's caption: its SVG's text, tags and runs of space taken out. */
function text(svg: string): string {
  return svg.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").replaceAll("&gt;", ">");
}

Deno.test("requests vs LLM cost: o1 and o2 drawn; o3, o4, o5 (requests or cost NaN or infinite) counted as unknown", () => {
  const { svg } = PRICING_CHARTS.requests_vs_llm_cost(frame, {});
  ok(
    text(svg).includes(
      "2 organizations with requests and cost; 0 with no requests or zero cost not shown (log scales cannot show 0); 3 whose requests or cost is unknown (NaN or infinite) not shown.",
    ),
    text(svg),
  );
  assertEquals(dotCentres(svg).length, 2);
});

Deno.test("usage by tier: o1, o2, o4 in the boxes; o3 (team, +Infinity) and o5 (growth, NaN) counted as requests unknown", () => {
  const { svg } = PRICING_CHARTS.usage_by_tier(frame, {});
  ok(
    text(svg).includes(
      "Box: quartiles and median of 3 organizations with requests; whiskers reach up to 1.5 × the box's height (on the log scale), outliers beyond; none without requests; with requests unknown (NaN or infinite), not shown: team 1, growth 1.",
    ),
    text(svg),
  );
});

Deno.test("cost and MRR by tier: a NaN or infinite amount is left out of its tier's sum and counted; growth has neither known", () => {
  const { svg } = PRICING_CHARTS.cost_and_mrr_by_tier(frame, {});
  const caption = text(svg);
  // LLM cost unknown: o4 (NaN), o5 (+Infinity); MRR unknown: o3 (+Infinity), o5 (NaN)
  ok(
    caption.includes(
      "2 with unknown LLM cost left out of their tier's LLM cost (– = no LLM cost known in the tier).",
    ),
    caption,
  );
  ok(
    caption.includes(
      "2 with unknown MRR left out of their tier's MRR (– = no MRR known in the tier).",
    ),
    caption,
  );
  // pro: $3 of cost, $150 MRR; team: $5 (o3's) and $200 (o4's); growth: "– not known" twice
  for (const label of ["$3", "$150", "$5", "$200"]) ok(caption.includes(` ${label} `), label);
  // growth's LLM cost and MRR, and every tier's company cost (no company_cost_30d in the frame)
  assertEquals(caption.match(/– not known/g)?.length, 5);
  ok(!/Infinity|NaN/.test(caption), caption);
});

Deno.test("margin vs MRR: o1 and o2 drawn; o3 and o5 (MRR infinite or NaN) without MRR; o4's NaN margin counted as unknown", () => {
  const { svg } = PRICING_CHARTS.margin_vs_mrr(frame, {});
  ok(
    text(svg).includes(
      "2 organizations with MRR > 0 (2 without MRR on their row not shown: none, unknown, or on a shared Stripe customer's other row); 1 whose margin is unknown (NaN or infinite) not shown.",
    ),
    text(svg),
  );
  assertEquals(dotCentres(svg).length, 2);
});

Deno.test("margin by tier: o4 (NaN) and o5 (−Infinity) counted as margin unknown, not drawn at the floor", () => {
  const { svg } = PRICING_CHARTS.margin_by_tier(frame, {});
  const caption = text(svg);
  ok(
    caption.includes(
      "Box: quartiles and median; 3 organizations with MRR > 0; 2 whose margin is unknown (NaN or infinite) not shown. No margin (no MRR): growth.",
    ),
    caption,
  );
  ok(!caption.includes("below -300 %"), caption);
});

Deno.test("MRR vs requests: o1, o2, o4 drawn; o3 and o5 (MRR or requests infinite or NaN) not", () => {
  const { svg } = mrrVsRequestsChart(frame, {});
  assertEquals(dotCentres(svg).length, 3);
  ok(!/Infinity|NaN/.test(text(svg)), text(svg));
});
