/**
 * Value axes of the scatter and box charts fitted to their data: each end at a labelled tick at
 * or beyond the extreme value, and the scale inset from the frame so a dot or ▼ at an end is drawn
 * inside it. The exact data extent put the extreme points on the frame's corners, half over the
 * axes, with the lowest value below the lowest labelled tick; on a log axis of a small range d3
 * fell back to linear ticks (1, 1.2, 1.4 … requests).
 */
import * as Plot from "@observablehq/plot";
import pl from "nodejs-polars";
import { extentOf } from "./chart_aggregates.ts";
import { countTick, usdTick } from "./chart_frame.ts";

/**
 * Pixels between the frame and a value axis' ends: a dot (r 3.5) or a ▼ (r 4.5) on an end is
 * inside the frame with room to spare.
 */
export const AXIS_INSET = 10;

/**
 * Tick values per decade by the decades an axis spans: every integer mantissa within one decade,
 * 1-2-5 up to three, 1-3 up to seven, decades beyond (labels about 20 px apart or more on the
 * 348 px a chart's y axis has).
 */
const MANTISSAS: { upTo: number; mantissas: number[] }[] = [
  { upTo: 1, mantissas: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
  { upTo: 3, mantissas: [1, 2, 5] },
  { upTo: 7, mantissas: [1, 3] },
  { upTo: Infinity, mantissas: [1] },
];

/** m × 10^e without the float error of m * 10 ** −e (0.1 × 3 is not 0.3). */
function value(m: number, e: number): number {
  return e >= 0 ? m * 10 ** e : m / 10 ** -e;
}

/** The tick values of these mantissas over the decades of [lo, hi], one decade more each side. */
function candidates(lo: number, hi: number, { mantissas }: { mantissas: number[] }): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) {
    for (const m of mantissas) out.push(value(m, e));
  }
  return out;
}

/**
 * A log axis' domain and ticks for values in [lo, hi] (> 0): the domain from the largest tick
 * value at or below lo to the smallest at or above hi (one step further each way when both are
 * the same value), every tick labelled. On a count axis only whole numbers are ticks.
 */
export function logTicks(
  [lo, hi]: [number, number],
  { counts }: { counts: boolean },
): { domain: [number, number]; ticks: number[] } {
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(a, b);
  let fitted = { domain: [lo, hi] as [number, number], ticks: [] as number[] };
  for (const { upTo, mantissas } of MANTISSAS) {
    const values = candidates(lo, hi, { mantissas });
    let low = values.findLastIndex((v) => v <= lo || near(v, lo));
    let high = values.findIndex((v) => v >= hi || near(v, hi));
    if (low === high) low--, high++;
    const domain: [number, number] = [values[low], values[high]];
    const ticks = values.slice(low, high + 1).filter((v) => !counts || Number.isInteger(v));
    fitted = { domain, ticks };
    if (Math.log10(domain[1] / domain[0]) <= upTo) break;
  }
  return fitted;
}

/** A log axis' scale options and the marks that draw its ticks (Plot's own would blank some). */
export interface LogAxis {
  scale: Plot.ScaleOptions;
  marks: Plot.Markish[];
}

/**
 * A log axis over `column` of `frame` (its values > 0: the chart's filtered frame), fitted by
 * logTicks and inset AXIS_INSET px, money or counts. Plot labels a log axis through d3's log
 * tick format, which blanks the labels of some ticks (5 of 1-2-5 over three decades) whatever
 * ticks it is given, so the ticks, their labels and grid are marks here.
 */
export function logAxis(
  frame: pl.DataFrame,
  column: string,
  { axis, label, money }: { axis: "x" | "y"; label: string; money: boolean },
): LogAxis {
  const [lo, hi] = extentOf(frame, pl.col(column));
  if (!(lo > 0 && hi >= lo)) {
    // nothing to draw: the axis and its label, no ticks (Plot's own read 1 to 10, values no
    // organization has; the chart says it has nothing to draw: nothingDrawn)
    return { scale: { type: "log", label, domain: [1, 10], ticks: [] }, marks: [] };
  }
  const format = money ? usdTick : countTick;
  const { domain, ticks } = logTicks([lo, hi], { counts: !money });
  const scale = { type: "log", label, domain, inset: AXIS_INSET } as const;
  return axis === "x"
    ? { scale, marks: [Plot.gridX(ticks), Plot.axisX(ticks, { text: format })] }
    : {
      scale,
      marks: [Plot.gridY(ticks), Plot.axisY(ticks, { text: format, labelAnchor: "center" })],
    };
}
