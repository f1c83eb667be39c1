/**
 * The data of one run (PricingData), gathered from its stages once the metrics are done: the
 * export frame, what each stage read, the warnings every stage gave in stage order and their kinds.
 */
import type pl from "nodejs-polars";
import type { DemoReason } from "../core/demo_reason.ts";
import type { ExportWindow, PricingData, QueryStat } from "../core/types.ts";
import { windowWarning } from "../frame/monthly.ts";
import type { RevenueResult } from "../revenue/types.ts";
import type { EconomicsResult } from "../economics/columns.ts";
import type { EconomicsContext } from "../economics/types.ts";

/**
 * The run's data. Its warnings: the queries', the join's, the revenue's, its columns', the
 * economics', then the window's (a window other than 30 days); its kinds those of the revenue and
 * the economics (and the window's).
 */
export function pricingData(
  { window, demo, demoReason, queries, joined, revenue, withRevenue, metrics, stages }: {
    window: ExportWindow;
    demo: boolean;
    demoReason: DemoReason | null;
    queries: { stats: QueryStat[]; warnings?: string[] };
    joined: { warnings: string[] };
    revenue: RevenueResult;
    withRevenue: { warnings: string[] };
    /** the metrics stage's export frame and economics */
    metrics: { frame: pl.DataFrame; economics: EconomicsResult; context: EconomicsContext };
    /** each stage's milliseconds */
    stages: Record<string, number>;
  },
): PricingData {
  const { economics } = metrics;
  const warnings = [
    ...(queries.warnings ?? []),
    ...joined.warnings,
    ...revenue.warnings,
    ...withRevenue.warnings,
    ...economics.warnings,
  ];
  const warningKinds = new Map([...revenue.warningKinds ?? [], ...economics.warningKinds]);
  const windowNote = windowWarning(window.days);
  if (windowNote) {
    warnings.push(windowNote);
    warningKinds.set(windowNote, "window");
  }
  return {
    frame: metrics.frame,
    asOf: window.end,
    windowDays: window.days,
    window,
    demo,
    demoReason,
    queries: queries.stats,
    revenue,
    warnings,
    warningKinds,
    stages,
    economics: metrics.context,
  };
}
