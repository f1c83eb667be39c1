/**
 * History charts (lib/report/chart_frame.ts's frame and legend, chart_colors.ts's tier colours):
 * MRR by plan over time, the period's MRR bridge as a waterfall, and MRR margin after PTB LLM cost
 * and requests per plan over time.
 * Each takes a FrameNote: a report of demo snapshots says "Demo data." in its captions.
 */
import * as Plot from "@observablehq/plot";
import type pl from "nodejs-polars";
import {
  type Chart,
  chartLabel,
  countTick,
  framed,
  legend,
  usdLabel,
  usdTick,
} from "../report/charts.ts";
import {
  FLOW_COLORS,
  MEASURE_COLORS,
  MORE_SWATCH,
  planColors,
  tierOfPlanName,
} from "../report/chart_colors.ts";
import {
  FRAME_LEFT,
  FRAME_RIGHT,
  type FrameNote,
  textWidth,
  WIDTH,
} from "../report/chart_frame.ts";
import { periodOf, periodRange, type SnapshotPeriod, toDateEnd } from "./periods.ts";

type Periods = ReadonlyMap<string, SnapshotPeriod>;

/**
 * The month labels of the snapshots' as-ofs (`2026-07` for as-of 2026-08-01, `2026-12 (before
 * 12-02)` for a month to date, `2026-01 → 2026-05` for a row of several months), in the order
 * given, and an x axis over them: a point for July's movements sits at July, not at the Aug tick
 * of its as-of date.
 */
function monthAxis(asOfs: string[], periods: Periods) {
  const found = asOfs.map((asOf) => periodOf(periods, asOf));
  const labels = [...new Set(found.map((p) => p.label))];
  const { ticks, marginRight } = fittedTicks(
    labels.map((label) => found.find((p) => p.label === label)!),
  );
  return {
    labels,
    /** the first month to the last label, "2026-06 to 2026-12 (before 12-02)" */
    range: periodRange(found),
    x: { label: null, domain: labels, tickFormat: (d: string) => ticks.get(d) ?? "" },
    /** the plot's right margin: room for the last label, centred under the last month */
    marginRight,
  };
}

/** Every how many months a tick is labelled, tried in turn until the labels fit. */
const TICK_STEPS = [1, 2, 3, 4, 6, 12, 24, 60, 120];
/** The least room between two tick labels, px. */
const TICK_GAP = 6;

/**
 * Each label's tick text and the plot's right margin: a margin wide enough for the last label,
 * centred under the last month with half a month's room beyond it (a month to date's `12 (to
 * 12-03)` ran past the chart's edge), and the labels thinned across the plot that leaves.
 */
function fittedTicks(
  periods: SnapshotPeriod[],
): { ticks: Map<string, string>; marginRight: number } {
  const fitted = (marginRight: number) => {
    const spacing = (WIDTH - FRAME_LEFT - marginRight) / Math.max(1, periods.length);
    const ticks = thinnedTicks(periods, spacing);
    const last = textWidth([...ticks.values()].at(-1) ?? "");
    return { ticks, needed: Math.ceil(last / 2 - spacing / 2 + 2) };
  };
  // a wider margin narrows the plot (fewer labels may fit, the last one's text may change): again
  // until the margin holds the last label, a step or two
  let marginRight = FRAME_RIGHT;
  let result = fitted(marginRight);
  for (let tries = 0; result.needed > marginRight && tries < 4; tries++) {
    marginRight = result.needed;
    result = fitted(marginRight);
  }
  return { ticks: result.ticks, marginRight };
}

/**
 * Each label's tick text, every k-th month labelled (k the first of TICK_STEPS at which no two
 * labels touch; counted back from the last, so the latest month always is) and the others left
 * blank under their tick mark: with a label per month, two years of months ran into each other
 * (`2025-0102`). `spacing`: px between two months' centres (a band or point each, as Plot lays
 * them out).
 */
function thinnedTicks(periods: SnapshotPeriod[], spacing: number): Map<string, string> {
  const everyStep = (step: number) =>
    tickTexts(periods.filter((_, i) => (periods.length - 1 - i) % step === 0));
  const fits = (step: number) => {
    const widths = [...everyStep(step).values()].map(textWidth);
    return widths.every((width, i) =>
      i === 0 || (widths[i - 1] + width) / 2 + TICK_GAP <= step * spacing
    );
  };
  return everyStep(TICK_STEPS.find(fits) ?? TICK_STEPS.at(-1)!);
}

/**
 * Each label's tick: `2026-01`, then `02` … with the year again wherever it changes (after a gap
 * too: `2025-12`, `2026-01 → 05`, `06`), and a month to date's day.
 */
function tickTexts(found: SnapshotPeriod[]): Map<string, string> {
  const ticks = new Map<string, string>();
  let year: string | undefined;
  const short = (month: string) => {
    const text = month.slice(0, 4) === year ? month.slice(5) : month;
    year = month.slice(0, 4);
    return text;
  };
  for (const p of found) {
    if (ticks.has(p.label)) continue;
    const span = p.months > 1 ? `${short(p.firstMonth)} → ${short(p.month)}` : short(p.month);
    ticks.set(p.label, p.monthToDate ? `${span} (${toDateEnd(p.asOf)})` : span);
  }
  return ticks;
}

/**
 * A colour per plan, as the economics charts colour them (lib/report/chart_colors.ts): a stored
 * month's plans are names only, so a plan's tier is the one its name starts with.
 */
function historyPlanColors(plans: string[]): { domain: string[]; range: string[] } {
  return planColors(plans, tierOfPlanName);
}

/**
 * The plans' legend on one line: labels cut shorter until every plan fits, then the plans that fit
 * and how many more (a history mixing tiers and plan versions has a dozen plans; at full length
 * the line ran off the chart's left edge).
 */
export function planLegend(colors: { domain: string[]; range: string[] }): string {
  const room = WIDTH - 24;
  const widthOf = (labels: string[]) => labels.reduce((w, label) => w + 28 + textWidth(label), 0);
  // plan names are the price book's text: one line, cut (chartLabel)
  for (const max of [40, 28, 20, 14]) {
    const labels = colors.domain.map((plan) => chartLabel(plan, max));
    if (widthOf(labels) <= room) {
      return legend(labels.map((label, i) => ({ label, color: colors.range[i] })));
    }
  }
  const labels = colors.domain.map((plan) => chartLabel(plan, 14));
  let shown = labels.length;
  const more = (n: number) => `+${n} more`;
  while (shown > 0 && widthOf([...labels.slice(0, shown), more(labels.length - shown)]) > room) {
    shown--;
  }
  return legend([
    ...labels.slice(0, shown).map((label, i) => ({ label, color: colors.range[i] })),
    { label: more(labels.length - shown), color: MORE_SWATCH },
  ]);
}

type Row = Record<string, unknown>;

/** Ending MRR per plan, stacked, one bar per snapshot (the baseline included). */
export function mrrByPlanChart(
  planEnds: pl.DataFrame,
  { periods, note = {} }: { periods: Periods; note?: FrameNote },
): Chart {
  const records = (planEnds.toRecords() as Row[]).filter((r) => (r.end_cents as number) > 0);
  const axis = monthAxis([...new Set(records.map((r) => r.month as string))].sort(), periods);
  const data = records.map((r) => ({
    month: periodOf(periods, r.month as string).label,
    plan: r.plan,
    mrr: (r.end_cents as number) / 100,
  }));
  const colors = historyPlanColors(data.map((d) => d.plan as string));
  const title = "MRR by plan over time";
  return {
    name: "history_mrr_by_plan",
    title,
    svg: framed({
      title,
      caption:
        `Recurring MRR (mrr_recurring) at the end of each month (its snapshot as-of the 1st after it; "to MM-DD": the month so far), ${axis.range}.`,
      legendSvg: planLegend(colors),
      ...note,
      plot: {
        x: axis.x,
        marginRight: axis.marginRight,
        y: { label: "MRR (USD per month)", grid: true, tickFormat: usdTick },
        color: { ...colors, label: "plan" },
        marks: [Plot.barY(data, { x: "month", y: "mrr", fill: "plan" }), Plot.ruleY([0])],
      } as Plot.PlotOptions,
    }),
  };
}

/**
 * A waterfall's balance bar, its date on a second line (on one, beside the pause pair's two more
 * bars, the labels ran into each other): `start⏎(end of 2026-06)`, `end⏎(2026-12 before 12-02)`.
 */
function balanceStep(which: "start" | "end", period: SnapshotPeriod | undefined): string {
  if (!period) return which;
  return period.monthToDate
    ? `${which}\n(${period.month} ${toDateEnd(period.asOf)})`
    : `${which}\n(end of ${period.month})`;
}

/**
 * The plot's right margin that holds the last bar's label (its widest line) centred under that
 * bar: a month to date's `end⏎(2026-12 to 12-07 16:35 UTC)` ran past the chart's edge. A wider
 * margin narrows the bars, so again until it holds, a step or two.
 */
function lastBarMarginRight(steps: string[]): number {
  const last = Math.max(...(steps.at(-1) ?? "").split("\n").map(textWidth));
  let marginRight = FRAME_RIGHT;
  for (let tries = 0; tries < 4; tries++) {
    const band = (WIDTH - FRAME_LEFT - marginRight) / Math.max(1, steps.length);
    const needed = Math.ceil(last / 2 - band / 2 + 2);
    if (needed <= marginRight) break;
    marginRight = needed;
  }
  return marginRight;
}

/**
 * Start of the first month, each movement summed over the period, end of the last month. The
 * pause pair only when a month has one: a history of backfills (no subscription status) never
 * does, and two empty bars would read as "no pauses".
 */
export function bridgeWaterfallChart(
  company: pl.DataFrame,
  { periods, note = {} }: { periods: Periods; note?: FrameNote },
): Chart {
  const rows = company.toRecords() as Row[];
  // the baseline is the first snapshot: the end of the month before the first row's
  const asOfs = [...periods.keys()].sort();
  const first = asOfs.length > 0 ? periodOf(periods, asOfs[0]) : undefined;
  const rowPeriods = rows.map((r) => periodOf(periods, r.month as string));
  const last = rowPeriods.at(-1);
  const sum = (name: string) => rows.reduce((total, r) => total + (r[name] as number), 0) / 100;
  const start = (rows[0]?.start_cents as number ?? 0) / 100;
  const end = (rows.at(-1)?.end_cents as number ?? 0) / 100;
  const pauses = rows.some((r) =>
    (r.paused_cents as number) > 0 || (r.resumed_cents as number) > 0
  );
  const fx = rows.some((r) => ((r.fx_impact_cents as number | undefined) ?? 0) !== 0);
  const steps: [string, number][] = [
    ["new", sum("new_cents")],
    ["expansion", sum("expansion_cents")],
    ["reactivation", sum("reactivation_cents")],
    ...(pauses ? [["resumed", sum("resumed_cents")] as [string, number]] : []),
    ["contraction", -sum("contraction_cents")],
    ["churn", -sum("churn_cents")],
    ...(pauses ? [["paused", -sum("paused_cents")] as [string, number]] : []),
    // rule 7: FX drift apart from the movements, only when a rate changed (bridge_fx.ts)
    ...(fx ? [["FX impact", sum("fx_impact_cents")] as [string, number]] : []),
  ];
  const bars: { step: string; y1: number; y2: number; kind: string }[] = [
    { step: balanceStep("start", first), y1: 0, y2: start, kind: "balance" },
  ];
  let level = start;
  for (const [step, delta] of steps) {
    bars.push({ step, y1: level, y2: level + delta, kind: delta >= 0 ? "gain" : "loss" });
    level += delta;
  }
  bars.push({ step: balanceStep("end", last), y1: 0, y2: end, kind: "balance" });
  // the start and end are MRR (its colour in every chart); movements gain and loss
  const colors = {
    domain: ["balance", "gain", "loss"],
    range: [MEASURE_COLORS.mrr, FLOW_COLORS.gain, FLOW_COLORS.loss],
  };
  const title = "MRR bridge (waterfall)";
  return {
    name: "history_bridge_waterfall",
    title,
    svg: framed({
      title,
      caption: `${
        rowPeriods.reduce((months, p) => months + p.months, 0)
      } months of movements summed (${
        rows.length > 0 ? periodRange(rowPeriods) : "none"
      }); start + new + expansion + reactivation${
        pauses ? " + resumed" : ""
      } − contraction − churn${pauses ? " − paused" : ""}${fx ? " + FX impact" : ""} = end.`,
      legendSvg: planLegend(colors),
      ...note,
      plot: {
        x: { label: null, domain: bars.map((b) => b.step) },
        y: { label: "MRR (USD per month)", grid: true, tickFormat: usdTick },
        marginRight: lastBarMarginRight(bars.map((b) => b.step)),
        color: colors,
        marks: [
          Plot.rectY(bars, {
            x: "step",
            y1: "y1",
            y2: "y2",
            fill: "kind",
            insetLeft: 6,
            insetRight: 6,
          }),
          Plot.text(bars, {
            x: "step",
            y: (b: { y1: number; y2: number }) => Math.max(b.y1, b.y2),
            // a loss −$230 (the picture's minus), a gain +$360, a level $1.20k (usdLabel)
            text: (b: { y1: number; y2: number; kind: string }) => {
              const size = Math.abs(b.y2 - b.y1);
              return b.kind === "loss"
                ? usdLabel(-size)
                : `${b.kind === "gain" ? "+" : ""}${usdLabel(size)}`;
            },
            dy: -8,
            fontSize: 11,
          }),
          Plot.ruleY([0]),
        ],
      } as Plot.PlotOptions,
    }),
  };
}

/**
 * Ticks of a log axis over [min, max] (both > 0), each labelled: 1, 2, 3, 4, 5, 6, 8 × 10^k over
 * two decades or fewer (Plot's own log ticks left 6M–9M and those above 50M unlabelled), fewer per
 * decade over wider ranges; and the domain from the tick at or below min to the one at or above
 * max, so that neither end of a line sits past the last label.
 */
export function logTicks(min: number, max: number): { ticks: number[]; domain: [number, number] } {
  const low = Math.floor(Math.log10(min));
  const high = Math.ceil(Math.log10(max));
  const decades = high - low;
  const mantissas = decades <= 2 ? [1, 2, 3, 4, 5, 6, 8] : decades <= 4 ? [1, 2, 5] : [1];
  const candidates: number[] = [];
  for (let k = low; k <= high; k++) {
    for (const m of mantissas) candidates.push(Number(`${m}e${k}`));
  }
  const from = candidates.filter((t) => t <= min).at(-1) ?? candidates[0];
  const to = candidates.find((t) => t >= max) ?? candidates.at(-1)!;
  return { ticks: candidates.filter((t) => t >= from && t <= to), domain: [from, to] };
}

/** What perPlanLines draws from `trends`, and how. */
interface PerPlanLinesOptions {
  /** the month each snapshot stands for */
  periods: Periods;
  /** the frame's note (demo data, a note of the caller's) */
  note: FrameNote;
  name: string;
  title: string;
  /** the caption of the months drawn ("2026-06 to 2026-12 (before 12-02)") */
  caption: (range: string) => string;
  column: string;
  yLabel: string;
  money: boolean;
}

/** `options.column` per plan at every snapshot in `trends`: one line a plan. */
function perPlanLines(trends: pl.DataFrame, options: PerPlanLinesOptions): Chart {
  const { money, periods, note } = options;
  const records = (trends.toRecords() as Row[]).filter((r) =>
    typeof r[options.column] === "number"
  );
  const axis = monthAxis([...new Set(records.map((r) => r.month as string))].sort(), periods);
  const data = records.map((r) => ({
    month: periodOf(periods, r.month as string).label,
    plan: r.plan,
    value: r[options.column] as number,
  }));
  const colors = historyPlanColors(data.map((d) => d.plan as string));
  const values = data.map((d) => d.value);
  const log = money || values.length === 0
    ? undefined
    : logTicks(Math.min(...values), Math.max(...values));
  return {
    name: options.name,
    title: options.title,
    svg: framed({
      title: options.title,
      caption: options.caption(axis.range),
      legendSvg: planLegend(colors),
      ...note,
      plot: {
        x: { ...axis.x, type: "point" },
        marginRight: axis.marginRight,
        // a log axis drawn as marks with its own labels: Plot labels a log scale's ticks through
        // d3's log tickFormat, which blanks mantissas above 5 whatever tickFormat says
        y: log
          ? { type: "log", domain: log.domain, label: options.yLabel }
          : { label: options.yLabel, grid: true, nice: true }, // (margins near 100 % get the 100 tick)
        color: { ...colors, label: "plan" },
        marks: [
          ...(log
            ? [
              Plot.gridY(log.ticks),
              Plot.axisY(log.ticks, {
                text: (d: number) => countTick(d),
                label: options.yLabel,
                labelAnchor: "center",
              }),
            ]
            : []),
          // z: the plan (a plan of one snapshot is a series of one point, not a warning)
          Plot.lineY(data, { x: "month", y: "value", z: "plan", stroke: "plan", strokeWidth: 2 }),
          Plot.dot(data, { x: "month", y: "value", fill: "plan", r: 3 }),
          ...(money ? [Plot.ruleY([0], { stroke: "#dc2626" })] : []),
        ],
      } as Plot.PlotOptions,
    }),
  };
}

/** MRR margin after PTB LLM cost per plan at every snapshot, the baseline included. */
export function marginByPlanChart(
  trends: pl.DataFrame,
  { periods, note = {} }: { periods: Periods; note?: FrameNote },
): Chart {
  return perPlanLines(trends, {
    periods,
    note,
    name: "history_margin_by_plan",
    title: "MRR margin after PTB LLM cost per plan over time",
    caption: (range) =>
      // one line at the longest range (a month to date to the minute, after "Demo data."):
      // wrapped, it ran into the legend and the y axis' top tick, or left "out." alone below
      `(MRR − PTB LLM cost) ÷ MRR, ${range}; no PTB revenue or infra cost; plans without MRR left out.`,
    column: "mrr_margin_after_ptb_llm_pct",
    yLabel: "Margin (%)",
    money: true,
  });
}

/** Requests per plan at every snapshot, the baseline included. */
export function requestsByPlanChart(
  trends: pl.DataFrame,
  { periods, note = {} }: { periods: Periods; note?: FrameNote },
): Chart {
  const positive = trends.filter(trends.getColumn("requests").gt(0));
  return perPlanLines(positive, {
    periods,
    note,
    name: "history_requests_by_plan",
    title: "Requests per plan over time",
    caption: (range) =>
      `Requests in the 30 days before each month's snapshot, summed per plan (log scale), ${range}.`,
    column: "requests",
    yLabel: "Requests (30 days, log scale)",
    money: false,
  });
}
