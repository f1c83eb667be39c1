/**
 * MRR and LLM cost per 1,000 requests by plan for a phone's screen (plan_chart_narrow.ts): each
 * plan's name on a row of its own above its three bars. Same bars, "–" marks and caption as the
 * wide one (mrrPer1kRequestsMarks).
 */
import * as Plot from "@observablehq/plot";
import type pl from "nodejs-polars";
import { textWidth, usdLabel, usdTick } from "../report/chart_frame.ts";
import {
  mrrNotKnownMark,
  mrrPer1kRequestsMarks,
  type Per1kBar,
  PER_1K_COLORS,
  PER_1K_SERIES,
  type PlanTableOption,
} from "./plan_charts.ts";
import {
  NARROW_LABEL_SCALE,
  NARROW_LABEL_SIZE,
  NARROW_WIDTH,
  narrowPlanSvg,
} from "./plan_chart_narrow.ts";

/** The plot's left margin: half the first tick's label ("$0") left of the frame. */
const LEFT = 14;
/** The plot's right margin: half the last tick's label ("$3.5", "$10k") right of the frame. */
const RIGHT = 22;
/** Each plan's rows: its name and its three bars. */
const PLAN_HEIGHT = 76;

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
    const inside = end(b.value) + 4 + textWidth(text) * NARROW_LABEL_SCALE > NARROW_WIDTH - 4;
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
  const labels = (inside: boolean) =>
    Plot.text(labelled.filter((l) => l.inside === inside), {
      x: "value",
      y: "series",
      fy: "plan",
      text: "text",
      title: "title",
      textAnchor: inside ? "end" : "start",
      dx: inside ? -4 : 4,
      fontSize: NARROW_LABEL_SIZE,
      fill: inside ? "white" : "#111",
    });
  return narrowPlanSvg({
    title: `MRR and LLM cost per 1,000 requests by plan${monthly}`,
    caption,
    demo: table.demo,
    plans,
    series: PER_1K_SERIES,
    colors: PER_1K_COLORS,
    planHeight: PLAN_HEIGHT,
    marginLeft: LEFT,
    marginRight: RIGHT,
    x: { label: "USD per 1,000 requests →", domain: [0, high], tickFormat: usdTick },
    bars: { data: bars, x: "value", y: "series" },
    marks: [
      mrrNotKnownMark(mrrNotKnown, { fontSize: NARROW_LABEL_SIZE }),
      labels(false),
      labels(true),
    ],
  });
}
