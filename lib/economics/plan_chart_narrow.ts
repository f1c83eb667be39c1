/**
 * The charts by plan for a phone's screen (the admin page shows them under 680 px): NARROW_WIDTH
 * px wide, each plan's name on a row of its own above its bars, one bar a series, so the names and
 * the bars are on screen together. The wide charts (plan_charts.ts) keep their names in a left
 * margin as wide as the longest; on a phone they scrolled sideways and showed the names or the
 * bars, never both. What the narrow variants share is here (narrowPlanSvg); each places its own
 * labels (margin_by_plan_narrow.ts, per_1k_requests_narrow.ts).
 */
import * as Plot from "@observablehq/plot";
import { chartLabel, fitWidth } from "../report/chart_frame.ts";
import { framedNarrow } from "../report/chart_frame_narrow.ts";

/** The narrow chart's width in px: a 390 px phone's page has ~324 px for it (scaled 0.95). */
export const NARROW_WIDTH = 340;

/** The bars' labels' size in px. */
export const NARROW_LABEL_SIZE = 11;
/** a NARROW_LABEL_SIZE label's width from textWidth's 12 px one */
export const NARROW_LABEL_SCALE = NARROW_LABEL_SIZE / 12;

/** A chart by plan at NARROW_WIDTH px. */
export interface NarrowPlanChart {
  title: string;
  caption: string;
  demo?: boolean;
  /** the plans, top to bottom */
  plans: string[];
  /** the bars' series (a row each under a plan's name, in this order) and their colours */
  series: readonly string[];
  colors: readonly string[];
  /** a plan's rows' height in px: its name's and its bars' */
  planHeight: number;
  /** the plot's left and right margins in px */
  marginLeft: number;
  marginRight: number;
  /** the x axis: its label, domain and tick format (grid, 4 ticks) */
  x: Plot.ScaleOptions;
  /** the bars (each with `plan`, a `title`, and the field `y` naming its series) */
  bars: { data: Plot.Data; x: string; y: string };
  /** marks over the bars, the zero line and the names: each chart's labels and "–" marks */
  marks: Plot.Markish[];
}

/**
 * Text placed from the plot's left (`marginLeft` the plot's), where the names go: a white halo
 * over the grid and the zero line it crosses.
 */
export function fromLeft(marginLeft: number) {
  return {
    frameAnchor: "left",
    textAnchor: "start",
    dx: 12 - marginLeft,
    stroke: "white",
    strokeWidth: 4,
    paintOrder: "stroke",
  } as const;
}

/** `chart` framed (framedNarrow): its bars, the zero line, each plan's name above its bars. */
export function narrowPlanSvg(chart: NarrowPlanChart): string {
  const { plans, series, colors, bars } = chart;
  const names = plans.map((plan) => ({
    plan,
    row: "name",
    name: fitWidth(chartLabel(plan, 40), NARROW_WIDTH - 24),
  }));
  return framedNarrow({
    width: NARROW_WIDTH,
    title: chart.title,
    caption: chart.caption,
    legend: series.map((label, i) => ({ label, color: colors[i] })),
    demo: chart.demo,
    plot: {
      height: Math.max(2, plans.length) * chart.planHeight,
      marginLeft: chart.marginLeft,
      marginRight: chart.marginRight,
      x: { grid: true, labelArrow: "none", ticks: 4, ...chart.x },
      fy: { axis: null, domain: plans, padding: 0.15 },
      y: { axis: null, domain: ["name", ...series], padding: 0.15 },
      color: { domain: [...series], range: [...colors] },
      marks: [
        Plot.barX(bars.data, { x: bars.x, y: bars.y, fy: "plan", fill: bars.y, title: "title" }),
        Plot.ruleX([0], { stroke: "#111" }),
        Plot.text(names, {
          ...fromLeft(chart.marginLeft),
          y: "row",
          fy: "plan",
          text: "name",
          fontSize: 12,
          fontWeight: "bold",
          fill: "#111",
        }),
        ...chart.marks,
      ],
    } as Plot.PlotOptions,
  });
}
