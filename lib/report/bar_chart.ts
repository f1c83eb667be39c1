/**
 * A horizontal bar chart for small tables (the question charts of lib/analysis), framed and
 * titled like the export's charts.
 */
import * as Plot from "@observablehq/plot";
import { countTick, framed, legend, textWidth, usdTick } from "./charts.ts";

/**
 * Horizontal bars, one group per label (question charts in lib/analysis/question_charts.ts). With several series
 * the bars of one label sit together, so "LLM cost vs MRR" of one organization reads at a glance.
 */
export interface BarChartOptions {
  title: string;
  caption: string;
  bars: { label: string; value: number; series?: string }[];
  /** the value axis' name, and the series name of bars without one */
  valueLabel: string;
  /** dollar ticks (default) or plain counts */
  money?: boolean;
}

export function barChart(
  { title, caption, bars, valueLabel, money = true }: BarChartOptions,
): string {
  const series = [...new Set(bars.map((b) => b.series ?? valueLabel))];
  const palette = ["#2563eb", "#f97316", "#16a34a", "#7c3aed", "#db2777"];
  const labels = [...new Set(bars.map((b) => b.label))];
  const data = bars.map((b) => ({ ...b, series: b.series ?? valueLabel }));
  const barHeight = series.length > 2 ? 10 : series.length > 1 ? 13 : 20;
  const height = 84 + 48 + Math.max(2, labels.length) * (series.length * barHeight + 10);
  const x = {
    label: `${valueLabel} →`,
    grid: true,
    tickFormat: money ? usdTick : countTick,
    labelArrow: "none",
  };
  const grouped = series.length > 1;
  return framed(
    title,
    caption,
    grouped ? legend(series.map((s, i) => ({ label: s, color: palette[i % palette.length] }))) : "",
    {
      height,
      // Room for the longest label (~7 px a character at 12 px DejaVu Sans).
      marginLeft: Math.min(260, Math.max(90, 24 + Math.max(...labels.map(textWidth)))),
      x,
      // One facet row per label; inside it one bar per series.
      fy: grouped ? { label: null, domain: labels, axis: "left", padding: 0.25 } : undefined,
      y: grouped ? { axis: null, domain: series } : { label: null, domain: labels },
      color: { domain: series, range: palette },
      marks: [
        Plot.barX(data, {
          x: "value",
          y: grouped ? "series" : "label",
          fill: "series",
          ...(grouped ? { fy: "label" } : {}),
        }),
        Plot.ruleX([0]),
      ],
    } as Plot.PlotOptions,
  );
}
