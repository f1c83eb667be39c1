/**
 * The economics charts: margin by plan on both bases (the headline margin chart) and MRR and LLM
 * cost per 1,000 requests by plan (plan_charts.ts), MRR against requests per organization; and
 * every chart an export draws, in its order, with the summary sheet's PNGs of them. Each mark
 * carries a `title`, so hovering a bar or dot on the admin page names it (the page shows
 * server-rendered SVG; a title is the tooltip that needs no script).
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
  MAX_DOTS,
  PRICING_CHARTS,
  type Row,
  rows,
  svgToPng,
  usdLabel,
  windowLabel,
} from "../report/charts.ts";
import { planColors, TIER_DOMAIN, tierOfPlanName } from "../report/chart_colors.ts";
import { drawnRows, nothingDrawn } from "../report/chart_frame.ts";
import { hasEconomicsColumns } from "./columns.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { planNameOrNone } from "../core/no_plan.ts";
import { formatCount } from "../report/numbers.ts";
import { SUMMARY_CHARTS, type SummaryChart, type SummaryImages } from "./xlsx_summary.ts";
import {
  marginByPlanChart,
  mrrPer1kRequestsByPlanChart,
  planLabel,
  type PlanTableOption,
} from "./plan_charts.ts";
import { nounFor } from "../core/words.ts";

// the options every chart builder here takes (reportCharts' callers pass them)
export type { PlanTableOption };

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
  // filtered in Polars (> 0, finite, as the dots' log scales need), in export order
  const positive = (column: string) =>
    pl.col(column).gt(0).and(pl.col(column).cast(pl.Float64).isFinite());
  // a shared Stripe customer's revenue row at its organizations' requests (chart_customers.ts)
  const shown = drawnRows(frame, {
    orgNames: limit.orgNames,
    drawn: (source, named) =>
      withCustomerChartColumns(source, limit.windowDays)
        .select(
          ...(named ? ["org_name"] : []),
          "plan",
          "tier",
          "mrr",
          pl.col(CUSTOMER_CHART_COLUMNS.requests).alias("requests_30d"),
          CUSTOMER_CHART_COLUMNS.organizations,
        )
        .filter(positive("mrr").and(positive("requests_30d")).fillNull(false)),
  });
  const dense = shown.height > MAX_DOTS;
  const whole = drawsEveryPoint(shown.height, limit);
  // A hexbin draws from the two channels: no row object, no hover title per organization.
  const organizations = CUSTOMER_CHART_COLUMNS.organizations;
  const data = dense
    ? []
    : rows(shown, ["org_name", "plan", "tier", "mrr", "requests_30d", organizations])
      .map((r) => ({
        ...r,
        plan: planNameOrNone(r.plan as string | null),
        title: `${chartLabel(r.org_name)}\n${
          chartLabel(planNameOrNone(r.plan as string | null))
        }\nMRR ${usdLabel(r.mrr as number)} · ${
          (r.requests_30d as number).toLocaleString("en-US")
        } requests${sharedCustomerTitle(r[organizations] as number, "requests")}`,
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
    svg: framed({
      title: `MRR vs requests per organization (${windowLabel(limit)})`,
      caption: `${formatCount(shown.height)} ${
        nounFor(shown.height, "organization")
      } with MRR > 0 and requests${sharedCustomersNote(shown, "requests")}; ${
        formatCount(frame.height - shown.height)
      } with no MRR, unknown MRR or no requests not shown (log scales cannot show 0).`,
      legendSvg: dense ? legend([DENSITY_LEGEND]) : legend(
        colors.domain.map((p, i) => ({ label: planLabel(p), color: colors.range[i] })),
      ),
      demo: limit.demo,
      plot: {
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
    }),
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

/**
 * The export charts that read the per-plan table (PlanTableOption's plans, marginCounts and
 * ptbTiming): the chart worker draws them last when the table comes after the job.
 */
export const PLAN_TABLE_CHARTS: readonly ExportChartName[] = [
  "margin_by_plan",
  "mrr_per_1k_requests_by_plan",
];

/** The export's chart names, in its order. */
export const EXPORT_CHART_NAMES = Object.keys(EXPORT_CHARTS) as ExportChartName[];

/** The economics charts, headline first (they need the economics columns: plan, margins). */
export function economicsCharts(frame: pl.DataFrame, table: PlanTableOption = {}): Chart[] {
  return Object.values(ECONOMICS_CHARTS).map((build) => {
    const chart = build(frame, table);
    collectDroppedFrames({ rows: frame.height }); // its Plot work is garbage once the SVG exists
    return chart;
  });
}

/** An export chart's name (EXPORT_CHARTS). */
export type ExportChartName = keyof typeof EXPORT_CHARTS;

/**
 * The charts of a frame with these columns, in the export's order: the economics charts first
 * when it has their columns. The chart worker draws them one at a time, each from the columns it
 * reads, awaiting the release of each chart's frames before the next one.
 */
export function reportChartNames(columns: readonly string[]): ExportChartName[] {
  return [
    ...(hasEconomicsColumns({ columns }) ? Object.keys(ECONOMICS_CHARTS) : []),
    ...Object.keys(PRICING_CHARTS),
  ] as ExportChartName[];
}

/** Every chart of an export. */
export function reportCharts(frame: pl.DataFrame, table: PlanTableOption = {}): Chart[] {
  return reportChartNames(frame.columns).map((name) => {
    const chart = EXPORT_CHARTS[name](frame, table);
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
