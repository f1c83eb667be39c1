/**
 * Margin by plan for a phone's screen (plan_chart_narrow.ts): each plan's name on a row of its own
 * above its two bars. Same bars, "–" marks and caption as the wide one (marginByPlanMarks).
 */
import * as Plot from "@observablehq/plot";
import type pl from "nodejs-polars";
import { textWidth } from "../report/chart_frame.ts";
import { wrapWords } from "../report/chart_frame_narrow.ts";
import {
  BASES,
  BASIS_COLORS,
  marginByPlanMarks,
  type PlanTableOption,
  type UnknownMargin,
} from "./plan_charts.ts";
import {
  fromLeft,
  NARROW_LABEL_SCALE,
  NARROW_LABEL_SIZE,
  NARROW_WIDTH,
  narrowPlanSvg,
} from "./plan_chart_narrow.ts";

/** The plot's left margin: half the first tick's label ("−300") left of the frame. */
const LEFT = 20;
/** Each plan's rows: its name and its two bars. */
const PLAN_HEIGHT = 60;
/** The narrowest the plot gets to leave its labels room (ticks 50 apart still labelled). */
const MIN_PLOT = 180;

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
      const width = textWidth(item.text) * NARROW_LABEL_SCALE;
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
    const lines = width <= room ? [item.text] : labelLines(item.text, room / NARROW_LABEL_SCALE);
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
  const labels = (side: "right" | "left") =>
    Plot.text(labelled.filter((l) => l.side === side), {
      x: "x",
      y: "basis",
      fy: "plan",
      text: "text",
      title: "title",
      textAnchor: side === "right" ? "start" : "end",
      dx: side === "right" ? 4 : -4,
      fontSize: NARROW_LABEL_SIZE,
    });
  return narrowPlanSvg({
    title: "Gross margin by plan",
    caption: `Revenue-weighted. ${caption}`,
    demo: table.demo,
    plans,
    series: BASES,
    colors: BASIS_COLORS,
    planHeight: PLAN_HEIGHT + (lines - 1) * 2 * NARROW_LABEL_SIZE * 1.2,
    marginLeft: LEFT,
    marginRight: right,
    x: { label: "Gross margin (%) →", domain: [low, 100] },
    bars: { data: bars, x: "shown", y: "basis" },
    marks: [
      Plot.text(marks, {
        ...fromLeft(LEFT),
        y: "basis",
        fy: "plan",
        text: "text",
        title: "title",
        fontSize: NARROW_LABEL_SIZE,
        fill: "#555",
      }),
      labels("right"),
      labels("left"),
    ],
  });
}
