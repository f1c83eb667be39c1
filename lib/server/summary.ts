/**
 * What the admin page shows about one run: headline numbers, the charts and the top underpriced
 * organizations. Numbers come from the export frame itself, so the page and the file agree.
 */
import pl from "nodejs-polars";
import type { Chart } from "../report/charts.ts";
import { type PlanTableOption, reportCharts } from "../economics/charts.ts";
import { marginByPlanNarrowSvg } from "../economics/margin_by_plan_narrow.ts";
import { mrrPer1kRequestsNarrowSvg } from "../economics/per_1k_requests_narrow.ts";
import type { PricingData } from "../export.ts";
import { columnTotal, knownTotal } from "../analysis/question_common.ts";
import { planEconomics } from "../economics/report.ts";
import { infrastructureCostSet } from "../economics/infrastructure_cost.ts";
import {
  type CompanyMargins,
  companyMargins,
  companyMarginUnknownReason,
  companyMarginUpperBound,
  costUnknownReason,
} from "../economics/headline_margins.ts";
import { marginCountsOf, type PerPlanRow } from "../economics/per_plan.ts";
import { ptbTimingPlans } from "../economics/ptb_timing.ts";
import { perPlanRunNotesText } from "../economics/run_notes.ts";
import { mrrNotJudged, type NotJudged } from "../report/segments.ts";
import { knownMrrRows } from "../revenue/columns.ts";
import type { UnmappedCustomers } from "../revenue/types.ts";
import { type SegmentCustomers, segmentCustomers } from "../report/segment_customers.ts";
import { monthlyFactor } from "../frame/monthly.ts";
import {
  type UnderpricedSummary,
  underpricedSummary,
  type UnderpricedThresholds,
} from "./underpriced.ts";

export interface PricingSummary {
  asOf: string;
  windowDays: number;
  demo: boolean;
  /** a segment name, or null for every organization */
  segment: string | null;
  organizations: number;
  /**
   * organizations whose MRR is known: not empty, or carried by a shared Stripe customer's other
   * organization whose row has it (knownMrrRows, lib/revenue/columns.ts)
   */
  mrrKnownOrganizations: number;
  /**
   * Σ mrr over organizations with known MRR: 0 over no organization; null when none is known, and
   * for an empty segment its rule could not judge (MRR unknown: see notJudged)
   */
  totalMrrUsd: number | null;
  /**
   * A segment whose rule judges MRR (byok_paying, underpriced, negative_margin): the organizations
   * it left out because their MRR is unknown, and the words the report shows; null otherwise.
   */
  notJudged: NotJudged | null;
  /**
   * Σ llm_cost_30d over every organization whose cost is known; null when there are organizations
   * and none is known (a sum of unknowns is not $0)
   */
  totalLlmCostUsd: number | null;
  /** organizations whose llm_cost_30d is unknown (NaN or infinite): totalLlmCostUsd leaves them out */
  llmCostUnknown: number;
  /**
   * (Σ mrr − Σ llm_cost_30d on a 30-day basis) / Σ mrr × 100 over the organizations with known MRR (as the
   * gross_margin_pct column, all LLM cost counts); null when their MRR sums to 0 or is unknown.
   */
  grossMarginPct: number | null;
  /** organizations the spec margin counts whose llm_cost_30d is unknown: the margin is then null */
  specCostUnknown: number;
  /**
   * (Σ(mrr + PTB revenue) − Σ company_cost_30d) / Σ(mrr + PTB revenue) × 100 over organizations
   * with known revenue: what the company itself pays (lib/economics/); null when unknown.
   */
  companyMarginPct: number | null;
  /** why companyMarginPct is null, in words (the brief's reason); null when it is known */
  companyMarginReason: string | null;
  /**
   * "upper bound: infrastructure cost not set and N pass-through requests had no cost recorded"
   * (the brief's words), either reason alone where only it applies: infrastructure cost not set
   * (PRICING_INFRA_USD_PER_1K_REQUESTS: counted as $0), the known companyMarginPct counting
   * organizations whose ptb_requests_cost_unknown_30d is over 0; null otherwise (neither, or the
   * margin unknown)
   */
  companyMarginUpperBound: string | null;
  /** the run counted infrastructure cost (its cost model); null where it records none */
  infrastructureCostSet: boolean | null;
  /** no revenue was read for the run (Stripe skipped or failed): every revenue_source is none */
  revenueNotFetched: boolean;
  /**
   * A segment's organizations outside it that share a Stripe customer with one in it, and the
   * mrr on their rows: the margins, plans and underpriced list count each customer with all of its
   * organizations (lib/report/segment_customers.ts). Null when there are none (and for every organization).
   */
  customersOutside: { organizations: number; mrrUsd: number } | null;
  /** per-plan unit economics (price-book order, `all` last) */
  plans: PerPlanRow[];
  /**
   * under the per-plan table, the brief's notes on this run's data as plain text: organizations
   * created inside the window ("Partial month: …"), customers billed in another currency
   */
  planNotes: string[];
  /** chosen on a 30-day basis (as the CLI's segment), rows with the window's values */
  underpriced: UnderpricedSummary;
  /**
   * Why the revenue is missing when Stripe could not be read (the run's REVENUE MISSING warning):
   * asking again (refresh=1) may bring it. Null when revenue was read or skipped on purpose.
   */
  revenueMissing: string | null;
  /**
   * Stripe customers no organization maps to, with MRR at the as-of (RevenueResult's): in Stripe's
   * dashboard MRR, in no row, so in no segment's total either; null when there are none
   */
  unmappedStripeCustomers: UnmappedCustomers | null;
  /** the run's warnings: about the whole export, whichever segment is shown */
  warnings: string[];
  /** the whole export's organizations, which the warnings are about */
  exportOrganizations: number;
}

const ECONOMICS_COLUMNS = ["plan", "ptb_revenue_30d", "company_cost_30d", "list_price_mrr"];

export function pricingSummary(
  data: PricingData,
  { frame, segment, thresholds = {}, notJudged = null, customers }: {
    frame: pl.DataFrame;
    segment: string | null;
    /** the segment's Stripe customers whole (segmentCustomers of the run's frame and `frame`) */
    customers?: SegmentCustomers;
    thresholds?: Partial<UnderpricedThresholds>;
    /** the segment's organizations not judged for unknown MRR (segmentFrame's notJudged) */
    notJudged?: NotJudged | null;
  },
): PricingSummary {
  // A customer's revenue pays for all of its organizations: margins, plans and the underpriced
  // list count a segment's customers whole, their organizations outside it too.
  const whole = customers ?? customersOf(data, { frame, segment });
  // a shared_customer row's empty mrr is known when its customer's revenue row (in the segment or
  // outside it) has it
  const known = knownMrrRows(frame, whole.frame);
  const knownMrr = columnTotal(known, "mrr");
  // mrr is monthly: the window's cost is set against it on a 30-day basis
  const knownCost = columnTotal(known, "llm_cost_30d") * monthlyFactor(data.windowDays);
  // Frames without the economics columns (hand-made ones) get no company margin and no plans.
  const economics = frame.height > 0 &&
    ECONOMICS_COLUMNS.every((name) => frame.columns.includes(name));
  // the brief's headline margins (a shared customer's other organizations' cost counted)
  const margins = economics ? companyMargins(whole.frame, { windowDays: data.windowDays }) : null;
  // (hand-made data in tests may carry no frame: the one given is then the run's)
  const notFetched = revenueNotFetched(data.frame ?? frame);
  // (hand-made data in tests may carry no cost model: nothing is said of it then)
  const infrastructureSet = infrastructureCostSet(
    data.economics?.costModel?.infraUsdPer1kRequests,
  );
  return {
    asOf: data.asOf.toISOString(),
    windowDays: data.windowDays,
    demo: data.demo,
    segment,
    organizations: frame.height,
    mrrKnownOrganizations: known.height,
    // Σ over no organization is $0, unless the segment is empty because MRR is unknown
    totalMrrUsd: frame.height === 0
      ? (mrrNotJudged(notJudged) > 0 ? null : 0)
      : known.height > 0
      ? knownMrr
      : null,
    notJudged,
    totalLlmCostUsd: knownTotal(frame, "llm_cost_30d"),
    llmCostUnknown: frame.height === 0 ? 0 : frame.getColumn("llm_cost_30d").nullCount(),
    grossMarginPct: margins
      ? margins.specPct
      : knownMrr > 0
      ? (knownMrr - knownCost) / knownMrr * 100
      : null,
    specCostUnknown: margins ? margins.specCostUnknown : 0,
    companyMarginPct: margins ? margins.companyPct : null,
    companyMarginReason: companyMarginReason(frame, margins, { segment, notJudged, notFetched }),
    companyMarginUpperBound: margins && margins.companyPct !== null
      ? companyMarginUpperBound(margins.ptbRequestsCostUnknown, {
        infrastructureSet: infrastructureSet !== false,
      })
      : null,
    infrastructureCostSet: infrastructureSet,
    revenueNotFetched: notFetched,
    customersOutside: whole.outside > 0
      ? { organizations: whole.outside, mrrUsd: whole.outsideMrrUsd }
      : null,
    plans: economics
      ? planEconomics(whole.frame, { book: data.economics.priceBook, windowDays: data.windowDays })
      : [],
    planNotes: economics
      ? perPlanRunNotesText(whole.frame, {
        // (hand-made data in tests may carry no revenue result)
        fxRates: data.revenue?.fxRates,
        windowStart: new Date(data.asOf.getTime() - data.windowDays * 86_400_000),
      })
      : [],
    underpriced: frame.height === 0 && notJudged
      // (over a segment nobody could be judged in, the reading's "$0 MRR" would read as a finding)
      ? {
        ...underpricedSummary(frame, { windowDays: data.windowDays, thresholds }),
        reading: `No organization to list: the segment ${notJudged.text}.`,
      }
      : underpricedSummary(whole.frame, { windowDays: data.windowDays, thresholds }),
    revenueMissing: revenueMissing(data),
    // (hand-made data in tests may carry no revenue result)
    unmappedStripeCustomers: data.revenue?.unmappedCustomers ?? null,
    warnings: data.warnings,
    // (hand-made data in tests may carry no frame: the one given is then the run's)
    exportOrganizations: data.frame?.height ?? frame.height,
  };
}

export interface SegmentFrameOptions {
  /** the segment's organizations (the run's frame when no segment is asked for) */
  frame: pl.DataFrame;
  /** the segment's name; null for every organization */
  segment: string | null;
}

/**
 * A segment's Stripe customers whole, from the run's frame; every organization (or hand-made data
 * without the run's frame) is its own.
 */
export function customersOf(
  data: PricingData,
  { frame, segment }: SegmentFrameOptions,
): SegmentCustomers {
  // (hand-made data in tests may carry no frame)
  return segment === null || !data.frame
    ? { frame, outside: 0, outsideMrrUsd: 0 }
    : segmentCustomers(data.frame, frame);
}

/**
 * The plan charts' table: the summary's plan rows (a segment's customers whole), their
 * organizations per margin basis and the plans PTB timing pulls down, so the charts read as the
 * table above them.
 */
export function summaryChartTable(
  summary: PricingSummary,
  customers: SegmentCustomers,
): PlanTableOption {
  const { windowDays, demo } = summary;
  if (summary.plans.length === 0) return { windowDays, demo };
  return {
    windowDays,
    demo,
    plans: summary.plans,
    marginCounts: marginCountsOf(customers.frame, { windowDays }),
    ptbTiming: ptbTimingPlans(customers.frame, windowDays),
  };
}

/**
 * The page's charts, over what its margins, plan table and underpriced list count: a segment's
 * Stripe customers whole (a customer's organizations outside it too), so a chart by tier or per
 * organization does not show a customer's cost without the revenue that pays for it. None over no
 * organization (the page says why instead of drawing empty axes).
 */
export function summaryCharts(summary: PricingSummary, customers: SegmentCustomers): PageChart[] {
  if (summary.organizations === 0) return [];
  const table = summaryChartTable(summary, customers);
  return reportCharts(customers.frame, table).map((chart) => {
    const narrow = NARROW_VARIANTS[chart.name];
    return narrow ? { ...chart, narrowSvg: narrow(customers.frame, table) } : chart;
  });
}

/** The charts by plan drawn a second time for a phone: their names above their bars. */
const NARROW_VARIANTS: Record<string, (frame: pl.DataFrame, table: PlanTableOption) => string> = {
  margin_by_plan: marginByPlanNarrowSvg,
  mrr_per_1k_requests_by_plan: mrrPer1kRequestsNarrowSvg,
};

/**
 * A chart on the page: its SVG, and where it has one a narrow variant the page shows on a phone
 * instead (the charts by plan: names above their bars; the wide ones scrolled sideways and showed
 * their names or their bars, never both).
 */
export interface PageChart extends Chart {
  narrowSvg?: string;
}

/**
 * The run's REVENUE MISSING warning when its Stripe fetch failed, else null: found by its kind
 * (revenue_missing, as the manifest stores it), not by its words, which are for people to read.
 */
function revenueMissing(data: PricingData): string | null {
  // (hand-made data in tests may carry no revenue result)
  if (data.revenue?.failed !== true) return null;
  return data.revenue.warnings.find((w) => data.warningKinds.get(w) === "revenue_missing") ??
    "REVENUE MISSING: Stripe could not be read";
}

/** No revenue read for the run (Stripe skipped or failed): every revenue_source is none. */
function revenueNotFetched(frame: pl.DataFrame): boolean {
  // (a hand-made frame without revenue_source: no MRR known at all)
  const fetched = frame.columns.includes("revenue_source")
    ? pl.col("revenue_source").neq(pl.lit("none")).fillNull(false)
    : pl.col("mrr").isNotNull();
  return frame.height > 0 && frame.filter(fetched).height === 0;
}

/** Why no MRR is known: revenue not fetched for the run, or fetched and none of it known. */
export function noMrrReason(notFetched: boolean): string {
  return notFetched ? "revenue not fetched" : "no organization's MRR is known";
}

/** "no organizations in this segment" (or "no organizations" for the whole export). */
export function noOrganizations(segment: string | null): string {
  return segment === null ? "no organizations" : "no organizations in this segment";
}

/**
 * Why the company margin is not known: no organization, PTB revenue not read (the brief's and the
 * workbook's words), no revenue known, or revenue summing to $0.
 */
function companyMarginReason(
  frame: pl.DataFrame,
  margins: CompanyMargins | null,
  { segment, notJudged, notFetched }: {
    segment: string | null;
    notJudged: NotJudged | null;
    /** no revenue read for the run (revenueNotFetched) */
    notFetched: boolean;
  },
): string | null {
  if (frame.height === 0) return notJudged?.text ?? noOrganizations(segment);
  if (margins === null) return "not known: the frame has no economics columns";
  if (margins.companyPct !== null) return null;
  if (margins.ptbRevenueUnknown > 0) {
    return companyMarginUnknownReason(margins.ptbRevenueUnknown, margins.ptbCostUnknown);
  }
  if (margins.companyCostUnknown > 0) {
    return costUnknownReason(margins.companyCostUnknown, "company_cost_30d");
  }
  if (margins.mrrKnown === 0) return `not known: ${noMrrReason(notFetched)}`;
  return "no margin: MRR + PTB revenue is $0";
}
