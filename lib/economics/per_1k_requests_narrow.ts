/**
 * MRR and LLM cost per 1,000 requests by plan for a phone's screen (the admin page shows it under
 * 680 px), as margin by plan's narrow variant (margin_by_plan_narrow.ts): NARROW_WIDTH px wide,
 * each plan's name on a row of its own above its three bars. The wide chart (plan_charts.ts) keeps
 * its names in a left margin as wide as the longest; on a phone it scrolled sideways and showed
 * the names or the bars, never both. Same bars, "–" marks and caption as the wide one
 * (mrrPer1kRequestsMarks).
 */
import * as Plot from "@observablehq/plot";
import type pl from "nodejs-polars";
import { chartLabel, fitWidth, textWidth, usdLabel, usdTick } from "../report/chart_frame.ts";
import { framedNarrow } from "../report/chart_frame_narrow.ts";
import { NARROW_WIDTH } from "./margin_by_plan_narrow.ts";
import {
  mrrPer1kRequestsMarks,
  type Per1kBar,
  PER_1K_COLORS,
  PER_1K_SERIES,
  type PlanTableOption,
} from "./plan_charts.ts";

/** The plot's left margin: half the first tick's label ("$0") left of the frame. */
const LEFT = 14;
/** The plot's right margin: half the last tick's label ("$3.5", "$10k") right of the frame. */
const RIGHT = 22;
/** Each plan's rows: its name and its three bars. */
const PLAN_HEIGHT = 76;
const LABEL_SIZE = 11;
/** a 11 px label's width from textWidth's 12 px one */
const LABEL_SCALE = LABEL_SIZE / 12;

/**
 * Each bar's amount (a phone has no hover to read a bar's title): right of its bar where it fits
 * inside the chart, else inside the bar's end in white (a bar that long has room for it).
 */
function barLabels(bars: Per1kBar[]) {
  const [, high] = Plot.scale({
    x: { domain: [0, Math.max(0, ...bars.map((b) => b.value))], nice: true, ticks: 4 },
  }).domain as [number, number];
  const plot = NARROW_WIDTH - LEFT - RIGHT;
  const end = (value: number) => LEFT + (high > 0 ? value / high : 0) * plot;
  const labelled = bars.map((b) => {
    const text = usdLabel(b.value);
    const inside = end(b.value) + 4 + textWidth(text) * LABEL_SCALE > NARROW_WIDTH - 4;
    return { ...b, text, inside };
  });
  return { high, labelled };
}

/** MRR and LLM cost per 1,000 requests by plan at NARROW_WIDTH px: names above bars. */
export function mrrPer1kRequestsNarrowSvg(
  frame: pl.DataFrame,
  table: PlanTableOption = {},
): string {
  const { plans, bars, mrrNotKnown, monthly, caption } = mrrPer1kRequestsMarks(frame, table);
  const { high, labelled } = barLabels(bars);
  const names = plans.map((plan) => ({
    plan,
    row: "name",
    name: fitWidth(chartLabel(plan, 40), NARROW_WIDTH - 24),
  }));
  const labels = (inside: boolean) =>
    Plot.text(labelled.filter((l) => l.inside === inside), {
      x: "value",
      y: "series",
      fy: "plan",
      text: "text",
      title: "title",
      textAnchor: inside ? "end" : "start",
      dx: inside ? -4 : 4,
      fontSize: LABEL_SIZE,
      fill: inside ? "white" : "#111",
    });
  return framedNarrow({
    width: NARROW_WIDTH,
    title: `MRR and LLM cost per 1,000 requests by plan${monthly}`,
    caption,
    legend: PER_1K_SERIES.map((s, i) => ({ label: s, color: PER_1K_COLORS[i] })),
    demo: table.demo,
    plot: {
      height: Math.max(2, plans.length) * PLAN_HEIGHT,
      marginLeft: LEFT,
      marginRight: RIGHT,
      x: {
        label: "USD per 1,000 requests →",
        grid: true,
        labelArrow: "none",
        domain: [0, high],
        ticks: 4,
        tickFormat: usdTick,
      },
      fy: { axis: null, domain: plans, padding: 0.15 },
      y: { axis: null, domain: ["name", ...PER_1K_SERIES], padding: 0.15 },
      color: { domain: [...PER_1K_SERIES], range: PER_1K_COLORS },
      marks: [
        Plot.barX(bars, { x: "value", y: "series", fy: "plan", fill: "series", title: "title" }),
        Plot.ruleX([0], { stroke: "#111" }),
        // left of the frame, as the margin chart's names; a white halo over the grid and the
        // zero line they cross
        Plot.text(names, {
          frameAnchor: "left",
          textAnchor: "start",
          dx: 12 - LEFT,
          y: "row",
          fy: "plan",
          text: "name",
          fontSize: 12,
          fontWeight: "bold",
          fill: "#111",
          stroke: "white",
          strokeWidth: 4,
          paintOrder: "stroke",
        }),
        Plot.text(mrrNotKnown, {
          x: 0,
          y: "series",
          fy: "plan",
          text: () => "– not known",
          textAnchor: "start",
          dx: 4,
          fontSize: LABEL_SIZE,
        }),
        labels(false),
        labels(true),
      ],
    } as Plot.PlotOptions,
  });
}
