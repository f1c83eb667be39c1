/**
 * History charts (lib/charts.ts's frame, legend and tier colours): MRR by plan over time, the
 * period's MRR bridge as a waterfall, and company-cost margin and requests per plan over time.
 */
import * as Plot from "@observablehq/plot";
import type pl from "nodejs-polars";
import { type Chart, framed, legend, TIER_DOMAIN, TIER_RANGE, usdTick } from "../report/charts.ts";

const EXTRA_COLORS = ["#0891b2", "#65a30d", "#ea580c", "#4f46e5", "#be123c", "#0f766e"];

/** A colour per plan: tier colours for tier names, then a fixed palette in sorted order. */
function planColors(plans: string[]): { domain: string[]; range: string[] } {
  const sorted = [...new Set(plans)].sort();
  let extra = 0;
  const range = sorted.map((plan) => {
    const tier = TIER_DOMAIN.indexOf(plan);
    return tier >= 0 ? TIER_RANGE[tier] : EXTRA_COLORS[extra++ % EXTRA_COLORS.length];
  });
  return { domain: sorted, range };
}

function planLegend(colors: { domain: string[]; range: string[] }): string {
  return legend(colors.domain.map((label, i) => ({ label, color: colors.range[i] })));
}

type Row = Record<string, unknown>;

function countTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${+(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${+(value / 1e3).toPrecision(3)}k`;
  return `${+value.toPrecision(3)}`;
}

/** Ending MRR per plan, stacked, one bar per snapshot (the baseline included). */
export function mrrByPlanChart(planEnds: pl.DataFrame): Chart {
  const data = (planEnds.toRecords() as Row[])
    .filter((r) => (r.end_cents as number) > 0)
    .map((r) => ({ month: r.month, plan: r.plan, mrr: (r.end_cents as number) / 100 }));
  const colors = planColors(data.map((d) => d.plan as string));
  const months = [...new Set(data.map((d) => d.month as string))].sort();
  const title = "MRR by plan over time";
  return {
    name: "history_mrr_by_plan",
    title,
    svg: framed(
      title,
      `Recurring MRR (mrr_recurring) at each snapshot's as-of date, ${months[0]} to ${
        months.at(-1)
      }.`,
      planLegend(colors),
      {
        // 2026-01-01, then 02-01 … (the year again each January)
        x: {
          label: null,
          domain: months,
          tickFormat: (d: string, i: number) => i === 0 || d.slice(5, 7) === "01" ? d : d.slice(5),
        },
        y: { label: "MRR (USD per month)", grid: true, tickFormat: usdTick },
        color: { ...colors, label: "plan" },
        marks: [Plot.barY(data, { x: "month", y: "mrr", fill: "plan" }), Plot.ruleY([0])],
      } as Plot.PlotOptions,
    ),
  };
}

/** Start of the first month, each movement summed over the period, end of the last month. */
export function bridgeWaterfallChart(company: pl.DataFrame, baselineMonth: string): Chart {
  const rows = company.toRecords() as Row[];
  const sum = (name: string) => rows.reduce((total, r) => total + (r[name] as number), 0) / 100;
  const start = (rows[0]?.start_cents as number ?? 0) / 100;
  const end = (rows.at(-1)?.end_cents as number ?? 0) / 100;
  const steps: [string, number][] = [
    ["new", sum("new_cents")],
    ["expansion", sum("expansion_cents")],
    ["reactivation", sum("reactivation_cents")],
    ["contraction", -sum("contraction_cents")],
    ["churn", -sum("churn_cents")],
  ];
  const bars: { step: string; y1: number; y2: number; kind: string }[] = [
    { step: `start ${baselineMonth}`, y1: 0, y2: start, kind: "balance" },
  ];
  let level = start;
  for (const [step, delta] of steps) {
    bars.push({ step, y1: level, y2: level + delta, kind: delta >= 0 ? "gain" : "loss" });
    level += delta;
  }
  bars.push({ step: `end ${rows.at(-1)?.month ?? ""}`, y1: 0, y2: end, kind: "balance" });
  const colors = { domain: ["balance", "gain", "loss"], range: ["#6b7280", "#16a34a", "#dc2626"] };
  const title = "MRR bridge (waterfall)";
  return {
    name: "history_bridge_waterfall",
    title,
    svg: framed(
      title,
      `${rows.length} months of movements summed; start + new + expansion + reactivation − contraction − churn = end.`,
      planLegend(colors),
      {
        x: { label: null, domain: bars.map((b) => b.step) },
        y: { label: "MRR (USD per month)", grid: true, tickFormat: usdTick },
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
            text: (b: { y1: number; y2: number; kind: string }) =>
              `${b.kind === "loss" ? "−" : b.kind === "gain" ? "+" : ""}${
                usdTick(Math.abs(b.y2 - b.y1))
              }`,
            dy: -8,
            fontSize: 11,
          }),
          Plot.ruleY([0]),
        ],
      } as Plot.PlotOptions,
    ),
  };
}

function perPlanLines(
  plans: pl.DataFrame,
  options: {
    name: string;
    title: string;
    caption: string;
    column: string;
    yLabel: string;
    money: boolean;
  },
): Chart {
  const { money } = options;
  const data = (plans.toRecords() as Row[])
    .filter((r) => typeof r[options.column] === "number")
    .map((r) => ({
      date: new Date(`${r.month}T00:00:00Z`),
      plan: r.plan,
      value: r[options.column] as number,
    }));
  const colors = planColors(data.map((d) => d.plan as string));
  return {
    name: options.name,
    title: options.title,
    svg: framed(options.title, options.caption, planLegend(colors), {
      x: { type: "utc", label: null },
      y: {
        label: options.yLabel,
        grid: true,
        tickFormat: money ? undefined : countTick,
        ...(money ? {} : { type: "log" }),
      },
      color: { ...colors, label: "plan" },
      marks: [
        Plot.lineY(data, { x: "date", y: "value", stroke: "plan", strokeWidth: 2 }),
        Plot.dot(data, { x: "date", y: "value", fill: "plan", r: 3 }),
        ...(money ? [Plot.ruleY([0], { stroke: "#dc2626" })] : []),
      ],
    } as Plot.PlotOptions),
  };
}

export function marginByPlanChart(plans: pl.DataFrame): Chart {
  return perPlanLines(plans, {
    name: "history_margin_by_plan",
    title: "Company-cost margin per plan over time",
    caption:
      "(MRR − LLM cost the company pays, i.e. pass-through) ÷ MRR; plans without MRR not shown.",
    column: "margin_company_pct",
    yLabel: "Margin (%)",
    money: true,
  });
}

export function requestsByPlanChart(plans: pl.DataFrame): Chart {
  const positive = plans.filter(plans.getColumn("requests").gt(0));
  return perPlanLines(positive, {
    name: "history_requests_by_plan",
    title: "Requests per plan over time",
    caption: "Requests in the 30 days before each snapshot, summed per plan (log scale).",
    column: "requests",
    yLabel: "Requests (30 days, log scale)",
    money: false,
  });
}
