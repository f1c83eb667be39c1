/**
 * Margin by plan for a phone's screen (the admin page shows it under 680 px): NARROW_WIDTH px wide,
 * each plan's name on a row of its own above its two bars, so the names and the bars are on screen
 * together. The wide chart (plan_charts.ts) keeps its names in a left margin as wide as the
 * longest; on a phone that chart scrolls sideways and showed names or bars, never both. Same
 * bars, "–" marks and caption as the wide one (marginByPlanMarks).
 */
import * as Plot from "@observablehq/plot";
import type pl from "nodejs-polars";
import { chartLabel, fitWidth, textWidth } from "../report/chart_frame.ts";
import { framedNarrow, wrapWords } from "../report/chart_frame_narrow.ts";
import {
  BASES,
  BASIS_COLORS,
  marginByPlanMarks,
  type PlanTableOption,
  type UnknownMargin,
} from "./plan_charts.ts";

/** The narrow chart's width in px: a 390 px phone's page has ~324 px for it (scaled 0.95). */
export const NARROW_WIDTH = 340;

/** The plot's left margin: half the first tick's label ("−300") left of the frame. */
const LEFT = 20;
/** Each plan's rows: its name and its two bars. */
const PLAN_HEIGHT = 60;
/** The narrowest the plot gets to leave its labels room (ticks 50 apart still labelled). */
const MIN_PLOT = 180;
const LABEL_SIZE = 11;
/** a 11 px label's width from textWidth's 12 px one */
const LABEL_SCALE = LABEL_SIZE / 12;

/** A bar's label: from where to where its bar runs. */
interface Placed {
  text: string;
  /** the bar's ends: 0 and its margin drawn, the lower first */
  from: number;
  to: number;
}

/**
 * Where each bar's label goes: right of its bar (of 0 for a negative bar) where it fits, else
 * left of the bar, else on the roomier side in lines (a label cut to the room read
 * "−250.0 % · n=…"); and the plot's right margin: the least that fits every label on the right,
 * else each on a side, else a positive bar's on the right.
 */
function placeLabels(items: Placed[], low: number) {
  const layout = (right: number) => {
    const plot = NARROW_WIDTH - LEFT - right;
    const x = (v: number) => LEFT + (v - low) / (100 - low) * plot;
    return items.map((item) => {
      const width = textWidth(item.text) * LABEL_SCALE;
      const roomRight = NARROW_WIDTH - 4 - (x(item.to) + 4);
      const roomLeft = x(item.from) - 4 - 4;
      return { item, width, roomRight, roomLeft, fitsRight: width <= roomRight };
    });
  };
  const widest = NARROW_WIDTH - LEFT - MIN_PLOT;
  const margins = Array.from({ length: Math.floor((widest - 8) / 2) + 1 }, (_, i) => 8 + 2 * i);
  const positiveRight = (l: ReturnType<typeof layout>[number]) => l.item.to <= 0 || l.fitsRight;
  const right = margins.find((m) => layout(m).every((l) => l.fitsRight)) ??
    margins.find((m) =>
      layout(m).every((l) => positiveRight(l) && (l.fitsRight || l.width <= l.roomLeft))
    ) ?? margins.find((m) => layout(m).every(positiveRight)) ?? widest;
  const placed = layout(right).map(({ item, width, roomRight, roomLeft, fitsRight }) => {
    const side = fitsRight || roomRight >= roomLeft ? "right" : "left";
    const room = side === "right" ? roomRight : roomLeft;
    const lines = width <= room ? [item.text] : labelLines(item.text, room / LABEL_SCALE);
    return { side, x: side === "right" ? item.to : item.from, lines };
  });
  return { right, placed };
}

/**
 * A label in lines at most `width` px at 12 px (textWidth): its " · " parts ("−250.0 % · n=5",
 * "PTB timing", "PTB, no customer") together while they fit, a part wider than a line in words.
 */
function labelLines(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const part of text.split(" · ")) {
    const last = lines.length - 1;
    if (last >= 0 && textWidth(`${lines[last]} · ${part}`) <= width) {
      lines[last] = `${lines[last]} · ${part}`;
    } else lines.push(...wrapWords(part, { width }));
  }
  return lines;
}

/**
 * A "–" mark's text with its basis in a word ("spec: – no margin, MRR $0"), as the legend's
 * "all LLM cost (spec)" reads: the wide chart's whole basis took most of a phone's width.
 */
function narrowUnknown(u: UnknownMargin): string {
  return `${u.basis === BASES[0] ? "company" : "spec"}: – ${u.reason}`;
}

/** Margin by plan at NARROW_WIDTH px: names above bars, the caption under the axis. */
export function marginByPlanNarrowSvg(frame: pl.DataFrame, table: PlanTableOption = {}): string {
  const { plans, bars, unknown, caption, low } = marginByPlanMarks(frame, table);
  const { right, placed } = placeLabels(
    bars.map((b) => ({ text: b.label, from: Math.min(0, b.shown), to: Math.max(0, b.shown) })),
    low,
  );
  const labelled = bars.map((b, i) => ({ ...b, ...placed[i], text: placed[i].lines.join("\n") }));
  const names = plans.map((plan) => ({
    plan,
    row: "name",
    name: fitWidth(chartLabel(plan, 40), NARROW_WIDTH - 24),
  }));
  // a "–" has no bar: its text from the plot's left, where the most room is
  const marks = unknown.map((u) => ({
    ...u,
    text: labelLines(narrowUnknown(u), NARROW_WIDTH - 24).join("\n"),
  }));
  // a label in lines (no room on either side) gets the plans taller rows: it ran past its bar's
  // height into its neighbours' otherwise
  const lines = Math.max(
    1,
    ...placed.map((p) => p.lines.length),
    ...marks.map((m) => m.text.split("\n").length),
  );
  const planHeight = PLAN_HEIGHT + (lines - 1) * 2 * LABEL_SIZE * 1.2;
  // left of the frame, as the names; a white halo over the grid and the zero line they cross
  const fromLeft = {
    frameAnchor: "left",
    textAnchor: "start",
    dx: 12 - LEFT,
    stroke: "white",
    strokeWidth: 4,
    paintOrder: "stroke",
  } as const;
  const labels = (side: "right" | "left") =>
    Plot.text(labelled.filter((l) => l.side === side), {
      x: "x",
      y: "basis",
      fy: "plan",
      text: "text",
      title: "title",
      textAnchor: side === "right" ? "start" : "end",
      dx: side === "right" ? 4 : -4,
      fontSize: LABEL_SIZE,
    });
  return framedNarrow({
    width: NARROW_WIDTH,
    title: "Gross margin by plan",
    caption: `Revenue-weighted. ${caption}`,
    legend: BASES.map((b, i) => ({ label: b, color: BASIS_COLORS[i] })),
    demo: table.demo,
    plot: {
      height: Math.max(2, plans.length) * planHeight,
      marginLeft: LEFT,
      marginRight: right,
      x: {
        label: "Gross margin (%) →",
        grid: true,
        domain: [low, 100],
        labelArrow: "none",
        ticks: 4,
      },
      fy: { axis: null, domain: plans, padding: 0.15 },
      y: { axis: null, domain: ["name", ...BASES], padding: 0.15 },
      color: { domain: [...BASES], range: BASIS_COLORS },
      marks: [
        Plot.barX(bars, { x: "shown", y: "basis", fy: "plan", fill: "basis", title: "title" }),
        Plot.ruleX([0], { stroke: "#111" }),
        Plot.text(names, {
          ...fromLeft,
          y: "row",
          fy: "plan",
          text: "name",
          fontSize: 12,
          fontWeight: "bold",
          fill: "#111",
        }),
        Plot.text(marks, {
          ...fromLeft,
          y: "basis",
          fy: "plan",
          text: "text",
          title: "title",
          fontSize: LABEL_SIZE,
          fill: "#555",
        }),
        labels("right"),
        labels("left"),
      ],
    } as Plot.PlotOptions,
  });
}
