/**
 * A horizontal bar chart for small tables (the question charts of lib/analysis), framed and
 * titled like the export's charts.
 */
import * as Plot from "@observablehq/plot";
import { countTick, framed, legend, textWidth, usdTick } from "./charts.ts";
import { fitWidth, WIDTH } from "./chart_frame.ts";
import { SPARE_COLORS } from "./chart_colors.ts";

/**
 * Horizontal bars, one group per label (question charts in lib/analysis/question_charts.ts). With several series
 * the bars of one label sit together, so "LLM cost vs MRR" of one organization reads at a glance.
 */
export interface BarChartOptions {
  title: string;
  caption: string;
  /**
   * a null value is not known: no bar, and with `unknown` a "–" mark with its reason where the
   * bar would be (without, no mark and no series swatch of its own)
   */
  bars: { label: string; value: number | null; series?: string }[];
  /** the value axis' name, and the series name of bars without one */
  valueLabel: string;
  /** dollar ticks (default) or plain counts */
  money?: boolean;
  /**
   * a colour per series, in the order the series first appear (lib/report/chart_colors.ts: MRR in
   * its colour, as in every chart); without, SPARE_COLORS
   */
  colors?: readonly string[];
  /** why a value is not known (its mark), and what that means (the caption) */
  unknown?: { reason: string; note: string };
  /** the chart is of demo data: its caption opens saying so (chart_frame.ts DEMO_NOTE) */
  demo?: boolean;
}

/** The widest label drawn in full, px (the chart gives labels at most 260 px, 24 of them margin). */
const MAX_LABEL_WIDTH = 236;
/**
 * The last tick's label is centred on the frame's right edge: room for half the widest ("$1.23M",
 * ~42 px), as plan_charts.ts gives it.
 */
const MARGIN_RIGHT = 32;

export function barChart(
  { title, caption, bars: given, valueLabel, money = true, unknown, colors, demo }: BarChartOptions,
): string {
  // without `unknown`, a null value is simply left out (the caption says why: trafficChart)
  const bars = unknown ? given : given.filter((b) => b.value !== null);
  const series = [...new Set(bars.map((b) => b.series ?? valueLabel))];
  // a series' colour by its place among all the series given, so one left out (every value not
  // known) does not hand its colour to the next: LLM cost drawn in MRR's
  const givenSeries = [...new Set(given.map((b) => b.series ?? valueLabel))];
  const palette = colors ?? SPARE_COLORS;
  const colorOf = (name: string) => palette[givenSeries.indexOf(name) % palette.length];
  // a label wider than the room beside the bars (emoji are 12.4 px each) is cut to fit it
  const fitted = (label: string) => fitWidth(label, MAX_LABEL_WIDTH);
  const labels = [...new Set(bars.map((b) => fitted(b.label)))];
  const all = bars.map((b) => ({ ...b, label: fitted(b.label), series: b.series ?? valueLabel }));
  const data = all.filter((b) => b.value !== null);
  const grouped = series.length > 1;
  const marks = unknownMarks(all, unknown?.reason);
  const barHeight = series.length > 2 ? 10 : series.length > 1 ? 13 : 20;
  const height = 84 + 48 + Math.max(2, labels.length) * (series.length * barHeight + 10);
  // Every value $0 or not known gives Plot a [0, 0] domain, where a $0 bar spans the whole plot.
  const nothing = data.every((b) => b.value === 0);
  const marginLeft = Math.min(
    24 + MAX_LABEL_WIDTH,
    Math.max(90, 24 + Math.max(...labels.map(textWidth))),
  );
  // niced to the axis' own tick count (Plot's default, a tick per 80 px), so the frame's edge is a
  // labelled tick and the longest bar ends before it (before: $11.6k ran past the last tick, $11k,
  // to the edge; nice alone, to 10 ticks, left $61.8k past "$60k" on an unlabelled $65k edge)
  const tickCount = (WIDTH - marginLeft - MARGIN_RIGHT) / 80;
  const x = {
    label: `${valueLabel} →`,
    grid: true,
    tickFormat: money ? usdTick : countTick,
    labelArrow: "none",
    ...(nothing ? { domain: [0, 1], ticks: [0] } : { nice: tickCount, ticks: tickCount }),
  };
  const note = marks.count > 0 ? ` – = not known${unknown ? `: ${unknown.note}` : ""}.` : "";
  return framed({
    title,
    caption: caption + note,
    legendSvg: grouped ? legend(series.map((s) => ({ label: s, color: colorOf(s) }))) : "",
    demo,
    plot: {
      height,
      marginRight: MARGIN_RIGHT,
      // Room for the longest label (~7 px a character at 12 px DejaVu Sans).
      marginLeft,
      x,
      // One facet row per label; inside it one bar per series.
      fy: grouped ? { label: null, domain: labels, axis: "left", padding: 0.25 } : undefined,
      y: grouped ? { axis: null, domain: series } : { label: null, domain: labels },
      color: { domain: series, range: series.map(colorOf) },
      marks: [
        Plot.barX(data, {
          x: "value",
          y: grouped ? "series" : "label",
          fill: "series",
          ...(grouped ? { fy: "label" } : {}),
        }),
        // a label with no value known: one mark in its group's middle (no y); else one a bar
        Plot.text(marks.whole, {
          ...UNKNOWN_TEXT,
          text: () => marks.text,
          ...(grouped ? { fy: "label" } : { y: "label" }),
        }),
        Plot.text(marks.slots, {
          ...UNKNOWN_TEXT,
          text: () => marks.text,
          ...(grouped ? { fy: "label", y: "series" } : { y: "label" }),
        }),
        Plot.ruleX([0]),
      ],
    } as Plot.PlotOptions,
  });
}

const UNKNOWN_TEXT: Plot.TextOptions = {
  x: () => 0,
  textAnchor: "start",
  dx: 4,
  fontSize: 10,
  fill: "#555",
};

/**
 * Where the "–" marks of values not known go: once in a label's group when none of its series is
 * known (four stacked would crowd it), else in each unknown bar's place.
 */
function unknownMarks(
  bars: { label: string; value: number | null; series: string }[],
  reason: string | undefined,
) {
  const unknown = bars.filter((b) => b.value === null);
  const known = new Set(bars.filter((b) => b.value !== null).map((b) => b.label));
  const whole = [...new Set(unknown.map((b) => b.label))].filter((label) => !known.has(label));
  return {
    text: reason ? `– not known, ${reason}` : "– not known",
    whole: whole.map((label) => ({ label })),
    slots: unknown.filter((b) => known.has(b.label)),
    count: unknown.length,
  };
}
