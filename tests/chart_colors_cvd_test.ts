/**
 * The chart colours as a red-green colour-blind reader sees them (about one man in twelve): every
 * two series a chart draws side by side must still look different. Each colour is passed through
 * Machado, Oliveira & Fernandes (2009)'s dichromacy matrices (severity 1, on linear sRGB) and the
 * two are compared by CIE76 ΔE in CIELAB (D65); 15 is the floor (two colours at ΔE 2, the old pro
 * blue and enterprise violet to a deuteranope, are one colour). Tritanopia (about 1 in 10,000) is
 * not checked.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  MEASURE_COLORS,
  planColors,
  TIER_DOMAIN,
  TIER_RANGE,
  tierOfPlanName,
} from "../lib/report/chart_colors.ts";
import { mrrVsRequestsChart } from "../lib/economics/charts.ts";
import { pricingModelComparison } from "../lib/analysis/questions.ts";
import { pricingModelChart } from "../lib/analysis/question_charts.ts";
import { economicsFrameWithF } from "./economics_fixture.ts";
import { legendColors } from "./chart_readers.ts";

type Matrix = readonly [readonly number[], readonly number[], readonly number[]];
// deno-fmt-ignore
const VISION: Record<string, Matrix | null> = {
  normal: null,
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
};
const FLOOR = 15;

function linear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** `#rrggbb` as CIELAB (D65), as seen through `matrix` (null: normal vision). */
function lab(hex: string, matrix: Matrix | null): [number, number, number] {
  const rgb = [1, 3, 5].map((at) => linear(parseInt(hex.slice(at, at + 2), 16)));
  const [r, g, b] = matrix === null
    ? rgb
    : matrix.map((row) =>
      Math.min(1, Math.max(0, row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2]))
    );
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

function deltaE(a: string, b: string, matrix: Matrix | null): number {
  const [p, q] = [lab(a, matrix), lab(b, matrix)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** Every pair of `colors` (label → colour) closer than FLOOR in any vision, as readable lines. */
function tooClose(colors: Record<string, string>): string[] {
  const labels = Object.keys(colors);
  const found: string[] = [];
  for (const [vision, matrix] of Object.entries(VISION)) {
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const d = deltaE(colors[labels[i]], colors[labels[j]], matrix);
        if (d < FLOOR) found.push(`${vision}: ${labels[i]} / ${labels[j]} ΔE ${d.toFixed(1)}`);
      }
    }
  }
  return found;
}

Deno.test("the simulation: white and black stay themselves; pro blue and the old enterprise violet merge for a deuteranope", () => {
  for (const matrix of Object.values(VISION)) {
    ok(deltaE("#ffffff", "#ffffff", matrix) < 1e-9);
    // white is L 100, black L 0, in every vision (each matrix row sums to 1)
    ok(Math.abs(deltaE("#ffffff", "#000000", matrix) - 100) < 0.01);
  }
  ok(deltaE("#2563eb", "#7c3aed", null) > 30); // far apart in normal vision …
  ok(deltaE("#2563eb", "#7c3aed", VISION.deuteranopia) < 3); // … one blue to a deuteranope
  assertEquals(tooClose({ pro: "#2563eb", enterprise: "#7c3aed" }), [
    "deuteranopia: pro / enterprise ΔE 1.7",
    "protanopia: pro / enterprise ΔE 12.5",
  ]);
});

Deno.test("the tiers' hues stay apart for red-green colour-blind readers", () => {
  const tiers = Object.fromEntries(TIER_DOMAIN.map((tier, i) => [tier, TIER_RANGE[i]]));
  assertEquals(tooClose(tiers), []);
});

Deno.test("price-book plans (two pro, two team, enterprise, free) stay apart: the plan charts' usual set", () => {
  const plans = [
    "enterprise (contract)",
    "free",
    "growth",
    "pro (seat, legacy)",
    "pro 2025-12-10",
    "team (bundle, legacy)",
    "team 2025-12-10",
  ];
  const { domain, range } = planColors(plans, tierOfPlanName);
  assertEquals(tooClose(Object.fromEntries(domain.map((plan, i) => [plan, range[i]]))), []);
});

Deno.test("MRR vs requests and the pricing-model chart: their legends' colours stay apart", async () => {
  const frame = await economicsFrameWithF();
  const scatter = legendColors(mrrVsRequestsChart(frame).svg);
  ok(Object.keys(scatter).length >= 3, JSON.stringify(scatter));
  assertEquals(tooClose(scatter), []);
  // MRR beside three alternative prices in spare colours: before, seat-based amber and
  // "% of LLM cost" olive were one colour to a protanope (ΔE 5)
  const models = legendColors(pricingModelChart(pricingModelComparison(frame)).svg);
  assertEquals(Object.keys(models).length, 4, JSON.stringify(models));
  assertEquals(models["current MRR"], MEASURE_COLORS.mrr, JSON.stringify(models));
  assertEquals(tooClose(models), []);
});
