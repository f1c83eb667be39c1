/**
 * lib/report/chart_colors.ts: a colour means one thing in every chart. Tiers keep their hues, a
 * plan is a shade of its tier's, and MRR and the LLM costs have colours no tier has, read back from
 * the charts' legends.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  MEASURE_COLORS,
  planColors,
  shade,
  SPARE_COLORS,
  TIER_DOMAIN,
  TIER_RANGE,
  tierOfPlanName,
} from "../lib/report/chart_colors.ts";
import { costAndMrrByTierChart } from "../lib/report/charts.ts";
import { mrrVsRequestsChart } from "../lib/economics/charts.ts";
import { marginByPlanChart, mrrPer1kRequestsByPlanChart } from "../lib/economics/plan_charts.ts";
import pl from "nodejs-polars";
import { ptbVsByok, underpricedCustomers } from "../lib/analysis/questions.ts";
import { trafficChart, underpricedChart } from "../lib/analysis/question_charts.ts";
import { economicsFrameWithF } from "./economics_fixture.ts";
import { legendColors } from "./chart_readers.ts";

const tierColor = (tier: string) => TIER_RANGE[TIER_DOMAIN.indexOf(tier)];

Deno.test("no measure or spare colour is a tier's, and the measures differ from each other", () => {
  const measures = Object.values(MEASURE_COLORS);
  assertEquals(new Set(measures).size, measures.length);
  for (const color of [...measures, ...SPARE_COLORS]) {
    ok(!TIER_RANGE.includes(color), `${color} is a tier's colour`);
  }
  ok(SPARE_COLORS.every((color) => !measures.includes(color as never)));
});

Deno.test("a plan is drawn in its tier's hue: one plan in it exactly, two in a darker and a lighter shade", () => {
  const plans = [
    "pro 2025-12-10",
    "enterprise (contract)",
    "pro (seat, legacy)",
    "Scale",
    "team (bundle, legacy)",
  ];
  const colors = planColors(plans, tierOfPlanName);
  const colorOf = (plan: string) => colors.range[colors.domain.indexOf(plan)];
  assertEquals(colors.domain, [...plans].sort());
  assertEquals(colorOf("enterprise (contract)"), tierColor("enterprise"));
  assertEquals(colorOf("team (bundle, legacy)"), tierColor("team"));
  // the pro plans in name order: "pro (seat…" before "pro 2025…" ("(" sorts before "2")
  assertEquals(colorOf("pro (seat, legacy)"), shade(tierColor("pro"), -0.35));
  assertEquals(colorOf("pro 2025-12-10"), shade(tierColor("pro"), 0.35));
  // #2563eb 35 % toward black: 0x25 × 0.65 = 24.05, 0x63 × 0.65 = 64.35, 0xeb × 0.65 = 152.75
  assertEquals(shade("#2563eb", -0.35), "#184099");
  // …and toward white: 37 + 218 × 0.35 = 113.3, 99 + 156 × 0.35 = 153.6, 235 + 20 × 0.35 = 242
  assertEquals(shade("#2563eb", 0.35), "#719af2");
  assertEquals(colorOf("Scale"), SPARE_COLORS[0]); // no tier in its name
});

Deno.test("tierOfPlanName: the tier a plan's name starts with, in any case; else null", () => {
  assertEquals(tierOfPlanName("pro 2025-12-10"), "pro");
  assertEquals(tierOfPlanName("Team (bundle, legacy)"), "team");
  assertEquals(tierOfPlanName("enterprise_contract"), "enterprise");
  assertEquals(tierOfPlanName("free"), "free");
  assertEquals(tierOfPlanName("professional"), null);
  assertEquals(tierOfPlanName("other"), null);
  assertEquals(tierOfPlanName("(no plan)"), null);
});

Deno.test("MRR and the LLM costs have the same colours in the tier, plan and question charts", async () => {
  const frame = await economicsFrameWithF();
  const byTier = legendColors(costAndMrrByTierChart(frame).svg);
  const perRequest = legendColors(mrrPer1kRequestsByPlanChart(frame).svg);
  const underpriced = legendColors(
    underpricedChart(
      // thresholds every organization with MRR passes, so the chart has bars and a legend
      underpricedCustomers(frame, {
        underpricedMinRequests: 1,
        underpricedMinLlmCostUsd: 1,
        underpricedMaxMrrUsd: 1e6,
      }),
    ).svg,
  );
  assertEquals(byTier, {
    "LLM cost, all (30 days)": MEASURE_COLORS.llmCost,
    "company cost": MEASURE_COLORS.companyCost,
    MRR: MEASURE_COLORS.mrr,
  });
  assertEquals(perRequest, {
    MRR: MEASURE_COLORS.mrr,
    "LLM cost, all": MEASURE_COLORS.llmCost,
    "LLM cost, company": MEASURE_COLORS.companyCost,
  });
  // before: LLM cost in blue and MRR in orange here, the other way round in the tier chart
  assertEquals(underpriced, {
    "LLM cost (30 days)": MEASURE_COLORS.llmCost,
    MRR: MEASURE_COLORS.mrr,
  });
  // a margin's basis in its cost's colour
  assertEquals(legendColors(marginByPlanChart(frame).svg), {
    "company cost": MEASURE_COLORS.companyCost,
    "all LLM cost (spec)": MEASURE_COLORS.llmCost,
  });
});

Deno.test("MRR vs requests colours each plan by the tier of its organizations", async () => {
  const frame = await economicsFrameWithF();
  const colors = legendColors(mrrVsRequestsChart(frame).svg);
  const plans = Object.keys(colors);
  ok(plans.length >= 3, JSON.stringify(colors));
  for (const plan of plans) {
    const tier = tierOfPlanName(plan);
    ok(tier !== null, plan);
    const hue = tierColor(tier);
    const shades = [hue, shade(hue, -0.35), shade(hue, 0.35)];
    ok(
      shades.includes(colors[plan]),
      `${plan}: ${colors[plan]} is not a shade of ${tier}'s ${hue}`,
    );
  }
});

Deno.test("a measure left out of a question chart (MRR not known) keeps the others' colours", async () => {
  const frame = await economicsFrameWithF();
  const colorsOf = (f: typeof frame) => legendColors(trafficChart(ptbVsByok(f)).svg);
  const known = colorsOf(frame);
  assertEquals(known["MRR"], MEASURE_COLORS.mrr);
  // every MRR unknown (Stripe skipped): the MRR series is gone; before, LLM cost took its
  // near-black and pass-through the all-LLM-cost orange
  const unknown = colorsOf(frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr")));
  assertEquals(unknown, {
    "of which pass-through": MEASURE_COLORS.companyCost,
    "LLM cost (30 days)": MEASURE_COLORS.llmCost,
  });
});
