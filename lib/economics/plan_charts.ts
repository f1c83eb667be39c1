/**
 * The economics charts by plan, from the per-plan table's rows (per_plan.ts), plans by MRR: gross
 * margin on both bases (the headline margin chart, a "–" and its reason where a plan has none), and
 * MRR and LLM cost per 1,000 requests. Plan names are labelled as charts.ts's MRR-vs-requests
 * legend labels them (planLabel).
 */
import * as Plot from "@observablehq/plot";
import type pl from "nodejs-polars";
import type { DrawnLimit } from "../report/chart_aggregates.ts";
import {
  type Chart,
  chartLabel,
  framed,
  legend,
  MARGIN_FLOOR,
  MARGIN_FLOOR_LABEL,
  monthlyBasisNote,
  textWidth,
  usdLabel,
  usdTick,
} from "../report/charts.ts";
import { MEASURE_COLORS } from "../report/chart_colors.ts";
import {
  type MarginCounts,
  marginCountsOf,
  type PerPlanRow,
  perPlanRows,
  perPlanTable,
} from "./per_plan.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { fitWidth, pctLabel } from "../report/chart_frame.ts";
import {
  ptbGapLabel,
  ptbGapNote,
  ptbGapTitle,
  type PtbTimingPlan,
  ptbTimingPlans,
} from "./ptb_timing.ts";
import { formatCount, formatUsd4, pictureMinus } from "../report/numbers.ts";
import { compareText } from "../core/text_order.ts";
import { nounFor } from "../core/words.ts";

export const BASES = ["company cost", "all LLM cost (spec)"] as const;
/** a margin's basis takes its cost's colour */
export const BASIS_COLORS = [MEASURE_COLORS.companyCost, MEASURE_COLORS.llmCost];

/**
 * The per-plan table's rows (perPlanRows(perPlanTable(frame))), when computed elsewhere: the chart
 * worker gets them from the main thread instead of the columns they sum (lib/report/chart_worker.ts).
 * With it, the limit above which charts draw from aggregates.
 */
export interface PlanTableOption extends DrawnLimit {
  plans?: PerPlanRow[];
  /** margin by plan's n per plan (marginCountsOf), computed with `plans` */
  marginCounts?: Record<string, MarginCounts>;
  /**
   * the plans whose company margin PTB cost without PTB revenue pulls down, by timing or for
   * want of a Stripe customer (ptbTimingPlans, the warnings' rule), computed with `plans`
   */
  ptbTiming?: readonly PtbTimingPlan[];
  /** without `plans`: the export window's days the table is computed for (default 30) */
  windowDays?: number;
}

/** Plans by MRR, largest first (the `all` row left out). */
function planRows(frame: pl.DataFrame, { plans, windowDays }: PlanTableOption): PerPlanRow[] {
  return (plans ?? perPlanRows(perPlanTable(frame, { windowDays: windowDays ?? MONTH_DAYS })))
    .filter((r) => r.plan !== "all")
    .sort((a, b) => (b.mrr ?? 0) - (a.mrr ?? 0) || compareText(a.plan, b.plan));
}

// -1,479.7 %, thousands separated as the brief and the workbook write it (was -1479.7 %)
const pct = pctLabel;

/**
 * A plan's name as a tick or legend label (the price book's text: one line, cut, as data), at most
 * 236 px, the 260 px margin less the tick's (40 characters overflowed it, cut at the image's edge).
 */
export const planLabel = (plan: string) => fitWidth(chartLabel(plan, 40), 236);
const planWidth = (plan: string) => textWidth(planLabel(plan));

/** The brief's words for the company margin when PTB revenue was not read (report.ts). */
const PTB_NOT_READ = "not known, PTB revenue not read";

/**
 * Why a plan has no margin on a basis, from what its per-plan row's margin is a ratio of
 * (per_plan.ts): PTB revenue not read while the plan had PTB cost (company basis), no known MRR,
 * or no revenue to divide by.
 */
function noMarginReason(
  row: PerPlanRow,
  basis: (typeof BASES)[number],
  { ptbRevenueUnknown }: { ptbRevenueUnknown: number },
): string {
  if (basis === BASES[0] && ptbRevenueUnknown > 0) return PTB_NOT_READ;
  if (row.mrr === null) return "not known, MRR not known";
  if (row.mrr > 0) return "not known";
  return basis === BASES[0] ? "no margin, no revenue" : `no margin, MRR ${usdLabel(row.mrr)}`;
}

/** One margin bar of margin by plan: a plan's margin on one basis. */
export interface MarginBar {
  plan: string;
  basis: (typeof BASES)[number];
  margin: number;
  /** the margin drawn: at MARGIN_FLOOR when below it */
  shown: number;
  n: number;
  /** beside the bar: the margin, n and what pulls it down */
  label: string;
  title: string;
}

/** A plan's margin not known on one basis: a "–" and its reason where its bar would be. */
export interface UnknownMargin {
  plan: string;
  basis: (typeof BASES)[number];
  reason: string;
  text: string;
  title: string;
}

/**
 * What margin by plan draws, the page's narrow variant too (margin_by_plan_narrow.ts): its plans
 * by MRR, bars, "–" marks, caption and the axis' low end.
 */
export interface MarginByPlanMarks {
  plans: string[];
  bars: MarginBar[];
  unknown: UnknownMargin[];
  caption: string;
  /** the x axis' low end: 0, or the lowest bar drawn */
  low: number;
}

/** Margin by plan's marks and caption (marginByPlanChart draws them). */
export function marginByPlanMarks(
  frame: pl.DataFrame,
  table: PlanTableOption = {},
): MarginByPlanMarks {
  const plans = planRows(frame, table);
  // the organizations each plan's margin counts (its revenue or cost), per basis, with a shared
  // Stripe customer in its revenue row's plan, as the per-plan table groups them
  const countOf = table.marginCounts ??
    marginCountsOf(frame, { windowDays: table.windowDays ?? MONTH_DAYS });
  const n = (plan: string, column: keyof MarginCounts) => countOf[plan]?.[column] ?? 0;
  const both = plans.flatMap((p) => [
    {
      row: p,
      basis: BASES[0],
      margin: p.margin_company_pct,
      n: n(p.plan, "gross_margin_company_pct"),
    },
    { row: p, basis: BASES[1], margin: p.margin_all_pct, n: n(p.plan, "gross_margin_pct") },
  ]);
  const bars = both.flatMap((b) =>
    b.margin === null ? [] : [{ plan: b.row.plan, basis: b.basis, margin: b.margin, n: b.n }]
  );
  // A margin not known is a "–" with its reason where its bar would be: every plan of the
  // per-plan table stays on the chart (they vanished without a word).
  const unknown: UnknownMargin[] = both.flatMap(({ row, basis, margin }) => {
    if (margin !== null) return [];
    const reason = noMarginReason(row, basis, {
      ptbRevenueUnknown: n(row.plan, "ptb_revenue_unknown"),
    });
    return [{
      plan: row.plan,
      basis,
      reason,
      text: `${basis}: – ${reason}`,
      title: `${chartLabel(row.plan)}\n${basis}: – ${reason}`,
    }];
  });
  const clipped = bars.filter((b) => b.margin < MARGIN_FLOOR).length;
  // a company margin PTB cost without PTB revenue pulls down, as the warnings judge it (timing, or
  // organizations without a Stripe customer): said on its bar
  const timing = new Map(
    (table.ptbTiming ?? ptbTimingPlans(frame, table.windowDays ?? MONTH_DAYS))
      .map((t) => [t.plan, t]),
  );
  const timed = (b: { plan: string; basis: string }) =>
    b.basis === BASES[0] ? timing.get(b.plan) : undefined;
  const data: MarginBar[] = bars.map((b) => ({
    ...b,
    shown: Math.max(MARGIN_FLOOR, b.margin),
    label: `${pct(b.margin)} · n=${formatCount(b.n)}${timed(b) ? ptbGapLabel(timed(b)!) : ""}`,
    title: `${chartLabel(b.plan)}\n${b.basis}: ${pct(b.margin)} margin, revenue-weighted\nn = ${
      formatCount(b.n)
    } ${nounFor(b.n, "organization")}${timed(b) ? `\n${ptbGapTitle(timed(b)!)}` : ""}`,
  }));
  const labels = plans.map((p) => p.plan);
  // nothing to draw (no MRR known: Stripe skipped or not read) says so, as the other charts do
  const empty = data.length === 0
    ? " 0 organizations with a margin (none with known MRR or PTB revenue > 0): no bars."
    : "";
  const low = Math.min(0, ...data.map((d) => d.shown));
  const caption = `${
    monthlyBasisNote(table.windowDays, "costs and PTB revenue")
  }Company: (MRR + PTB revenue − company cost) / (MRR + PTB revenue). Spec: (MRR − all LLM cost) / MRR. n = orgs counted.${
    clipped > 0
      ? ` ${formatCount(clipped)} bars below ${MARGIN_FLOOR_LABEL} drawn at ${MARGIN_FLOOR_LABEL}.`
      : ""
  }${empty}${unknownNote(unknown)}${ptbGapNote(data.flatMap((d) => timed(d) ?? []))}`;
  return { plans: labels, bars: data, unknown, caption, low };
}

/** Revenue-weighted margin per plan, both bases side by side, n on each bar. */
export function marginByPlanChart(frame: pl.DataFrame, table: PlanTableOption = {}): Chart {
  const { plans: labels, bars: data, unknown, caption, low } = marginByPlanMarks(frame, table);
  // a "–" starts at 0 and runs right, or left when 0 is past the middle (margins below −100 %)
  const leftOfZero = low < -100;
  const height = 84 + 48 + Math.max(2, labels.length) * 40;
  return {
    name: "margin_by_plan",
    title: "Gross margin by plan, both bases",
    svg: framed({
      title: "Gross margin by plan (revenue-weighted)",
      caption,
      legendSvg: legend(BASES.map((b, i) => ({ label: b, color: BASIS_COLORS[i] }))),
      demo: table.demo,
      plot: {
        height,
        marginLeft: Math.max(90, 24 + Math.max(0, ...labels.map(planWidth))),
        marginRight: 110,
        x: { label: "Gross margin (%) →", grid: true, domain: [low, 100], labelArrow: "none" },
        fy: { label: null, domain: labels, axis: "left", padding: 0.2, tickFormat: planLabel },
        y: { axis: null, domain: [...BASES] },
        color: { domain: [...BASES], range: BASIS_COLORS },
        marks: [
          Plot.barX(data, { x: "shown", y: "basis", fy: "plan", fill: "basis", title: "title" }),
          Plot.text(data, {
            x: (d: { shown: number }) => Math.max(0, d.shown),
            y: "basis",
            fy: "plan",
            text: "label",
            textAnchor: "start",
            dx: 4,
            fontSize: 10,
          }),
          Plot.text(unknown, {
            x: () => 0,
            y: "basis",
            fy: "plan",
            text: "text",
            title: "title",
            textAnchor: leftOfZero ? "end" : "start",
            dx: leftOfZero ? -4 : 4,
            fontSize: 10,
            fill: "#555",
          }),
          Plot.ruleX([0], { stroke: "#111" }),
        ],
      } as Plot.PlotOptions,
    }),
  };
}

/**
 * The caption's word on the "–" marks, when there are any: what one means, and how to read PTB
 * revenue when that is why (each mark says its own reason beside its plan).
 */
function unknownNote(unknown: { reason: string }[]): string {
  if (unknown.length === 0) return "";
  return ` – = no margin, the reason beside it${
    unknown.some((u) => u.reason === PTB_NOT_READ)
      ? "; PTB revenue not read (the run's warnings say why)"
      : ""
  }.`;
}

/** The series of MRR and LLM cost per 1,000 requests by plan, and their colours. */
export const PER_1K_SERIES = ["MRR", "LLM cost, all", "LLM cost, company"] as const;
export const PER_1K_COLORS = [
  MEASURE_COLORS.mrr,
  MEASURE_COLORS.llmCost,
  MEASURE_COLORS.companyCost,
];

/** One bar of MRR and LLM cost per 1,000 requests by plan. */
export interface Per1kBar {
  plan: string;
  series: (typeof PER_1K_SERIES)[number];
  value: number;
  title: string;
}

/**
 * What MRR and LLM cost per 1,000 requests by plan draws, the page's narrow variant too
 * (per_1k_requests_narrow.ts): its plans by MRR, bars, "–" marks where MRR is not known, the
 * title's window note and the caption.
 */
export interface Per1kMarks {
  plans: string[];
  bars: Per1kBar[];
  mrrNotKnown: { plan: string; series: (typeof PER_1K_SERIES)[number] }[];
  /** " (30-day basis)" for another window, else "" */
  monthly: string;
  caption: string;
}

/** MRR and LLM cost per 1,000 requests by plan's marks and caption. */
export function mrrPer1kRequestsMarks(
  frame: pl.DataFrame,
  table: PlanTableOption = {},
): Per1kMarks {
  const plans = planRows(frame, table);
  const series = PER_1K_SERIES;
  const bars = plans.flatMap((p) =>
    [p.mrr_per_1k_requests, p.llm_cost_per_1k_requests, p.company_llm_cost_per_1k_requests]
      .map((value, i) => ({
        plan: p.plan,
        series: series[i],
        value,
        title: `${chartLabel(p.plan)}\n${series[i]} per 1,000 requests: ${
          pictureMinus(formatUsd4(value ?? NaN))
        }`,
      }))
      .filter((d): d is Per1kBar => d.value !== null)
  );
  const labels = plans.map((p) => p.plan).filter((plan) => bars.some((d) => d.plan === plan));
  // a plan drawn whose MRR per 1,000 requests is not known (no MRR known beside its requests:
  // revenue not read) gets a "–" where the bar would be, not a silent gap
  const mrrNotKnown = plans
    .filter((p) => p.mrr_per_1k_requests === null && labels.includes(p.plan))
    .map((p) => ({ plan: p.plan, series: series[0] }));
  const notKnownNote = mrrNotKnown.length > 0 ? " – = MRR not known (revenue not read)." : "";
  // perPlanTable divides monthly MRR by the window's requests on a 30-day basis
  // (lib/frame/monthly.ts), LLM cost by the window's own (a ratio of two window figures): another
  // window's chart says which is which
  const days = table.windowDays ?? MONTH_DAYS;
  const monthly = days === MONTH_DAYS ? "" : ` (${MONTH_DAYS}-day basis)`;
  const ratios = days === MONTH_DAYS
    ? `MRR and LLM cost ÷ its requests in the ${days} days × 1,000`
    : `monthly MRR ÷ its requests on a ${MONTH_DAYS}-day basis (${days}-day requests × ${MONTH_DAYS}/${days}) × 1,000; ${days}-day LLM cost ÷ ${days}-day requests × 1,000`;
  const caption =
    `Per plan: ${ratios}. Company = PTB LLM cost (BYOK is paid by the customer).${notKnownNote}`;
  return { plans: labels, bars, mrrNotKnown, monthly, caption };
}

/** The "–" where a plan's MRR bar would be when its MRR per 1,000 requests is not known. */
export function mrrNotKnownMark(
  mrrNotKnown: Per1kMarks["mrrNotKnown"],
  { fontSize }: { fontSize: number },
): Plot.Markish {
  return Plot.text(mrrNotKnown, {
    x: 0,
    y: "series",
    fy: "plan",
    text: () => "– not known",
    textAnchor: "start",
    dx: 4,
    fontSize,
  });
}

/** MRR and LLM cost per 1,000 requests by plan (ratios of sums). */
export function mrrPer1kRequestsByPlanChart(
  frame: pl.DataFrame,
  table: PlanTableOption = {},
): Chart {
  const { plans: labels, bars: data, mrrNotKnown, monthly, caption } = mrrPer1kRequestsMarks(
    frame,
    table,
  );
  const series = PER_1K_SERIES;
  const colors = PER_1K_COLORS;
  return {
    name: "mrr_per_1k_requests_by_plan",
    title: "MRR and LLM cost per 1,000 requests by plan",
    svg: framed({
      title: `MRR and LLM cost per 1,000 requests by plan${monthly}`,
      caption,
      legendSvg: legend(series.map((s, i) => ({ label: s, color: colors[i] }))),
      demo: table.demo,
      plot: {
        height: 84 + 48 + Math.max(2, labels.length) * 46,
        marginLeft: Math.max(90, 24 + Math.max(0, ...labels.map(planWidth))),
        // the last tick's label is centred on the frame's right edge: room for half the widest
        // money label ("$1.23M", ~42 px)
        marginRight: 32,
        x: {
          label: "USD per 1,000 requests →",
          grid: true,
          labelArrow: "none",
          nice: true,
          tickFormat: usdTick,
        },
        fy: { label: null, domain: labels, axis: "left", padding: 0.2, tickFormat: planLabel },
        y: { axis: null, domain: [...series] },
        color: { domain: [...series], range: colors },
        marks: [
          Plot.barX(data, { x: "value", y: "series", fy: "plan", fill: "series", title: "title" }),
          mrrNotKnownMark(mrrNotKnown, { fontSize: 10 }),
          Plot.ruleX([0]),
        ],
      } as Plot.PlotOptions,
    }),
  };
}
