/**
 * The economics charts: margin by plan on both bases (the headline margin chart), MRR against
 * requests per organization, and MRR and LLM cost per 1,000 requests by plan. Each mark carries a
 * `title`, so hovering a bar or dot on the admin page names it (the page shows server-rendered
 * SVG; a title is the tooltip that needs no script).
 */
import * as Plot from "@observablehq/plot";
import pl from "nodejs-polars";
import { channel } from "../report/chart_data.ts";
import { densityHexbins, type DrawnLimit, drawsEveryPoint } from "../report/chart_aggregates.ts";
import { logAxis } from "../report/chart_axes.ts";
import {
  CUSTOMER_CHART_COLUMNS,
  sharedCustomersNote,
  sharedCustomerTitle,
  withCustomerChartColumns,
} from "../report/chart_customers.ts";
import {
  type Chart,
  chartLabel,
  DENSITY_COLOR,
  DENSITY_LEGEND,
  framed,
  legend,
  MARGIN_FLOOR,
  MAX_DOTS,
  monthlyBasisNote,
  PRICING_CHARTS,
  pricingChartBuilders,
  type Row,
  rows,
  svgToPng,
  textWidth,
  usdTick,
  windowLabel,
} from "../report/charts.ts";
import { MEASURE_COLORS, planColors, TIER_DOMAIN, tierOfPlanName } from "../report/chart_colors.ts";
import {
  type MarginCounts,
  marginCountsOf,
  type PerPlanRow,
  perPlanRows,
  perPlanTable,
} from "./per_plan.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { fitWidth, nothingDrawn } from "../report/chart_frame.ts";
import {
  ptbGapLabel,
  ptbGapNote,
  ptbGapTitle,
  type PtbTimingPlan,
  ptbTimingPlans,
} from "./ptb_timing.ts";
import { hasEconomicsColumns } from "./columns.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { formatCount, formatPct, formatUsd4 } from "../report/numbers.ts";
import { SUMMARY_CHARTS, type SummaryChart, type SummaryImages } from "./xlsx_summary.ts";

const BASES = ["company cost", "all LLM cost (spec)"] as const;
/** a margin's basis takes its cost's colour */
const BASIS_COLORS = [MEASURE_COLORS.companyCost, MEASURE_COLORS.llmCost];

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
  ptbTiming?: PtbTimingPlan[];
  /** without `plans`: the export window's days the table is computed for (default 30) */
  windowDays?: number;
}

/** Plans by MRR, largest first (the `all` row left out). */
function planRows(frame: pl.DataFrame, { plans, windowDays }: PlanTableOption): PerPlanRow[] {
  return (plans ?? perPlanRows(perPlanTable(frame, { windowDays: windowDays ?? MONTH_DAYS })))
    .filter((r) => r.plan !== "all")
    .sort((a, b) => (b.mrr ?? 0) - (a.mrr ?? 0) || a.plan.localeCompare(b.plan));
}

// -1,479.7 %, thousands separated as the brief and the workbook write it (was -1479.7 %)
const pct = formatPct;

/**
 * A plan's name as a tick or legend label (the price book's text: one line, cut, as data), at most
 * 236 px, the 260 px margin less the tick's (40 characters overflowed it, cut at the image's edge).
 */
const planLabel = (plan: string) => fitWidth(chartLabel(plan, 40), 236);
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
  ptbRevenueUnknown: number,
): string {
  if (basis === BASES[0] && ptbRevenueUnknown > 0) return PTB_NOT_READ;
  if (row.mrr === null) return "not known, MRR not known";
  if (row.mrr > 0) return "not known";
  return basis === BASES[0] ? "no margin, no revenue" : `no margin, MRR ${usdTick(row.mrr)}`;
}

/** Revenue-weighted margin per plan, both bases side by side, n on each bar. */
export function marginByPlanChart(frame: pl.DataFrame, table: PlanTableOption = {}): Chart {
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
  const unknown = both.flatMap(({ row, basis, margin }) => {
    if (margin !== null) return [];
    const reason = noMarginReason(row, basis, n(row.plan, "ptb_revenue_unknown"));
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
  const data = bars.map((b) => ({
    ...b,
    shown: Math.max(MARGIN_FLOOR, b.margin),
    label: `${pct(b.margin)} · n=${formatCount(b.n)}${timed(b) ? ptbGapLabel(timed(b)!) : ""}`,
    title: `${chartLabel(b.plan)}\n${b.basis}: ${pct(b.margin)} margin, revenue-weighted\nn = ${
      formatCount(b.n)
    } organizations${timed(b) ? `\n${ptbGapTitle(timed(b)!)}` : ""}`,
  }));
  const labels = plans.map((p) => p.plan);
  // nothing to draw (no MRR known: Stripe skipped or not read) says so, as the other charts do
  const empty = data.length === 0
    ? " 0 organizations with a margin (none with known MRR or PTB revenue > 0): no bars."
    : "";
  const low = Math.min(0, ...data.map((d) => d.shown));
  // a "–" starts at 0 and runs right, or left when 0 is past the middle (margins below −100 %)
  const leftOfZero = low < -100;
  const height = 84 + 48 + Math.max(2, labels.length) * 40;
  return {
    name: "margin_by_plan",
    title: "Gross margin by plan, both bases",
    svg: framed(
      "Gross margin by plan (revenue-weighted)",
      `${
        monthlyBasisNote(table.windowDays, "costs and PTB revenue")
      }Company: (MRR + PTB revenue − company cost) / (MRR + PTB revenue). Spec: (MRR − all LLM cost) / MRR. n = orgs counted.${
        clipped > 0
          ? ` ${formatCount(clipped)} bars below ${MARGIN_FLOOR} % drawn at ${MARGIN_FLOOR} %.`
          : ""
      }${empty}${unknownNote(unknown)}${ptbGapNote(data.flatMap((d) => timed(d) ?? []))}`,
      legend(BASES.map((b, i) => ({ label: b, color: BASIS_COLORS[i] }))),
      {
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
      { demo: table.demo },
    ),
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

/**
 * Each plan's tier, for its colour: the tier most of its organizations drawn are in (a legacy plan
 * also matched by tier_raw has a few of another), else the one its name starts with.
 */
function mostCommonTier(data: readonly Row[]): (plan: string) => string | null {
  const counts = new Map<string, Map<string, number>>();
  for (const { plan, tier } of data) {
    if (typeof tier !== "string") continue;
    const byTier = counts.get(plan as string) ?? new Map<string, number>();
    byTier.set(tier, (byTier.get(tier) ?? 0) + 1);
    counts.set(plan as string, byTier);
  }
  return (plan) => {
    const byTier = [...(counts.get(plan) ?? new Map<string, number>())]
      .filter(([tier]) => TIER_DOMAIN.includes(tier) && tier !== "other")
      .sort((a, b) => b[1] - a[1] || TIER_DOMAIN.indexOf(a[0]) - TIER_DOMAIN.indexOf(b[0]));
    return byTier[0]?.[0] ?? tierOfPlanName(plan);
  };
}

/** MRR against requests per organization, log–log, coloured by plan (a shade of its tier's hue). */
export function mrrVsRequestsChart(frame: pl.DataFrame, limit: DrawnLimit = {}): Chart {
  // filtered in Polars (> 0, not NaN, as the dots' log scales need), in export order
  const positive = (column: string) =>
    pl.col(column).gt(0).and(pl.col(column).cast(pl.Float64).isNan().not());
  // a shared Stripe customer's revenue row at its organizations' requests (chart_customers.ts)
  const shown = withCustomerChartColumns(frame, limit.windowDays)
    .select(
      "org_name",
      "plan",
      "tier",
      "mrr",
      pl.col(CUSTOMER_CHART_COLUMNS.requests).alias("requests_30d"),
      CUSTOMER_CHART_COLUMNS.organizations,
    )
    .filter(positive("mrr").and(positive("requests_30d")).fillNull(false));
  const dense = shown.height > MAX_DOTS;
  const whole = drawsEveryPoint(shown.height, limit);
  // A hexbin draws from the two channels: no row object, no hover title per organization.
  const organizations = CUSTOMER_CHART_COLUMNS.organizations;
  const data = dense
    ? []
    : rows(shown, ["org_name", "plan", "tier", "mrr", "requests_30d", organizations])
      .map((r) => ({
        ...r,
        plan: r.plan ?? "(no plan)",
        title: `${chartLabel(r.org_name)}\n${chartLabel(r.plan ?? "(no plan)")}\nMRR ${
          usdTick(r.mrr as number)
        } · ${(r.requests_30d as number).toLocaleString("en-US")} requests${
          sharedCustomerTitle(r[organizations] as number, "requests")
        }`,
      }));
  const colors = planColors(data.map((d) => d.plan as string), mostCommonTier(data));
  const xy = { x: "requests_30d", y: "mrr" };
  const x = logAxis(shown, "requests_30d", {
    axis: "x",
    label: `Requests in ${windowLabel(limit)} (log scale)`,
    money: false,
  });
  const y = logAxis(shown, "mrr", {
    axis: "y",
    label: "MRR (USD per month, log scale)",
    money: true,
  });
  const hexbins = () =>
    whole
      ? Plot.dot(
        { length: shown.height },
        Plot.hexbin({ fill: "count" }, {
          x: channel(shown, "requests_30d"),
          y: channel(shown, "mrr"),
        }),
      )
      : densityHexbins(shown, {
        x: { values: pl.col("requests_30d"), log: true },
        y: { values: pl.col("mrr"), log: true },
      });
  return {
    name: "mrr_vs_requests",
    title: "MRR vs requests per organization",
    svg: framed(
      `MRR vs requests per organization (${windowLabel(limit)})`,
      `${formatCount(shown.height)} organizations with MRR > 0 and requests${
        sharedCustomersNote(shown, "requests")
      }; ${
        formatCount(frame.height - shown.height)
      } with no MRR, unknown MRR or no requests not shown (log scales cannot show 0).`,
      dense ? legend([DENSITY_LEGEND]) : legend(
        colors.domain.map((p, i) => ({ label: planLabel(p), color: colors.range[i] })),
      ),
      {
        x: x.scale,
        y: y.scale,
        color: dense ? DENSITY_COLOR : colors,
        marks: [
          ...x.marks,
          ...y.marks,
          dense
            ? hexbins()
            : Plot.dot(data, { ...xy, fill: "plan", r: 3.5, fillOpacity: 0.75, title: "title" }),
          ...(shown.height === 0
            ? [nothingDrawn("no organization with MRR > 0 and requests")]
            : []),
        ],
      } as Plot.PlotOptions,
      { demo: limit.demo },
    ),
  };
}

/** MRR and LLM cost per 1,000 requests by plan (ratios of sums). */
export function mrrPer1kRequestsByPlanChart(
  frame: pl.DataFrame,
  table: PlanTableOption = {},
): Chart {
  const plans = planRows(frame, table);
  const series = ["MRR", "LLM cost, all", "LLM cost, company"] as const;
  const colors = [MEASURE_COLORS.mrr, MEASURE_COLORS.llmCost, MEASURE_COLORS.companyCost];
  const data = plans.flatMap((p) =>
    [p.mrr_per_1k_requests, p.llm_cost_per_1k_requests, p.company_llm_cost_per_1k_requests]
      .map((value, i) => ({
        plan: p.plan,
        series: series[i],
        value,
        title: `${chartLabel(p.plan)}\n${series[i]} per 1,000 requests: ${
          value === null ? "–" : formatUsd4(value)
        }`,
      }))
      .filter((d) => d.value !== null)
  );
  const labels = plans.map((p) => p.plan).filter((plan) => data.some((d) => d.plan === plan));
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
  return {
    name: "mrr_per_1k_requests_by_plan",
    title: "MRR and LLM cost per 1,000 requests by plan",
    svg: framed(
      `MRR and LLM cost per 1,000 requests by plan${monthly}`,
      `Per plan: ${ratios}. Company = PTB LLM cost (BYOK is paid by the customer).${notKnownNote}`,
      legend(series.map((s, i) => ({ label: s, color: colors[i] }))),
      {
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
          Plot.text(mrrNotKnown, {
            x: 0,
            y: "series",
            fy: "plan",
            text: () => "– not known",
            textAnchor: "start",
            dx: 4,
            fontSize: 10,
          }),
          Plot.ruleX([0]),
        ],
      } as Plot.PlotOptions,
      { demo: table.demo },
    ),
  };
}

/** The economics charts by name, headline first (they need the economics columns: plan, margins). */
export const ECONOMICS_CHARTS = {
  margin_by_plan: marginByPlanChart,
  mrr_vs_requests: mrrVsRequestsChart,
  mrr_per_1k_requests_by_plan: mrrPer1kRequestsByPlanChart,
} as const satisfies Record<string, (frame: pl.DataFrame, table: PlanTableOption) => Chart>;

/** Every chart an export draws, by name, in its order (the economics ones need their columns). */
export const EXPORT_CHARTS: Record<
  keyof typeof ECONOMICS_CHARTS | keyof typeof PRICING_CHARTS,
  (frame: pl.DataFrame, table: PlanTableOption) => Chart
> = { ...ECONOMICS_CHARTS, ...PRICING_CHARTS };

/** The export's chart names, in its order. */
export const EXPORT_CHART_NAMES = Object.keys(EXPORT_CHARTS) as (keyof typeof EXPORT_CHARTS)[];

/** The economics charts, headline first (they need the economics columns: plan, margins). */
export function economicsCharts(frame: pl.DataFrame, table: PlanTableOption = {}): Chart[] {
  return Object.values(ECONOMICS_CHARTS).map((build) => {
    const chart = build(frame, table);
    collectDroppedFrames({ rows: frame.height }); // its Plot work is garbage once the SVG exists
    return chart;
  });
}

/**
 * Every chart of an export, one builder each, the economics charts first when the frame has their
 * columns: the chart worker awaits the release of each chart's frames before the next one.
 */
export function reportChartBuilders(
  frame: pl.DataFrame,
  table: PlanTableOption = {},
): (() => Chart)[] {
  const economics = Object.values(ECONOMICS_CHARTS);
  return [
    ...(hasEconomicsColumns(frame) ? economics.map((build) => () => build(frame, table)) : []),
    ...pricingChartBuilders(frame, table),
  ];
}

/** Every chart of an export: the economics charts first when the frame has their columns. */
export function reportCharts(frame: pl.DataFrame, table: PlanTableOption = {}): Chart[] {
  return reportChartBuilders(frame, table).map((build) => {
    const chart = build();
    collectDroppedFrames({ rows: frame.height }); // its Plot work is garbage once the SVG exists
    return chart;
  });
}

/** The charts the summary sheet shows (SUMMARY_CHARTS), as 1280-px PNGs. */
export function summaryCharts(charts: Chart[]): SummaryChart[] {
  return SUMMARY_CHARTS.flatMap((name) => {
    const chart = charts.find((c) => c.name === name);
    return chart ? [{ name, title: chart.title, png: svgToPng(chart.svg, 1280) }] : [];
  });
}

/** Summary images of charts drawn already (PNGs made now). */
export function summaryImages(charts: Chart[]): SummaryImages {
  const pngs = summaryCharts(charts);
  return { names: pngs.map((c) => c.name), pngs: Promise.resolve(pngs) };
}
