/**
 * What the admin page shows about one run: headline numbers, the charts and the top underpriced
 * organizations. Numbers come from the export frame itself, so the page and the file agree.
 */
import pl from "nodejs-polars";
import type { Chart } from "../report/charts.ts";
import { type PlanTableOption, reportCharts } from "../economics/charts.ts";
import { escapeHtml, formatValue } from "../report/html_text.ts";
import { visibleLine } from "../formats/markdown.ts";
import type { PricingData } from "../export.ts";
import { isoDate } from "../formats/files.ts";
import { formatPct } from "../report/numbers.ts";
import { utcMinutes } from "../core/window.ts";
import { columnTotal, plural, usd } from "../analysis/question_common.ts";
import {
  type CompanyMargins,
  companyMargins,
  companyMarginUnknownReason,
  formatPlanCell,
  PER_PLAN_DISPLAY,
  PER_PLAN_MARGINS_NOTE,
  planEconomics,
} from "../economics/report.ts";
import { marginCountsOf, type PerPlanRow } from "../economics/per_plan.ts";
import { ptbTimingPlans } from "../economics/ptb_timing.ts";
import type { NotJudged } from "../report/segments.ts";
import { mrrUnknown } from "../revenue/columns.ts";
import { type SegmentCustomers, segmentCustomers } from "../report/segment_customers.ts";
import { MONTH_DAYS, monthlyFactor } from "../frame/monthly.ts";
import {
  type UnderpricedSummary,
  underpricedSummary,
  underpricedTableHtml,
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
   * organization (mrrUnknown, lib/revenue/columns.ts)
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
  /** Σ llm_cost_30d over every organization */
  totalLlmCostUsd: number;
  /**
   * (Σ mrr − Σ llm_cost_30d on a 30-day basis) / Σ mrr × 100 over the organizations with known MRR (as the
   * gross_margin_pct column, all LLM cost counts); null when their MRR sums to 0 or is unknown.
   */
  grossMarginPct: number | null;
  /**
   * (Σ(mrr + PTB revenue) − Σ company_cost_30d) / Σ(mrr + PTB revenue) × 100 over organizations
   * with known revenue: what the company itself pays (lib/economics/); null when unknown.
   */
  companyMarginPct: number | null;
  /** why companyMarginPct is null, in words (the brief's reason); null when it is known */
  companyMarginReason: string | null;
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
  /** chosen on a 30-day basis (as the CLI's segment), rows with the window's values */
  underpriced: UnderpricedSummary;
  /**
   * Why the revenue is missing when Stripe could not be read (the run's REVENUE MISSING warning):
   * asking again (refresh=1) may bring it. Null when revenue was read or skipped on purpose.
   */
  revenueMissing: string | null;
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
  // a shared_customer row's empty mrr is known: its customer's revenue is on another row
  const known = frame.filter(mrrUnknown(frame).not());
  const knownMrr = columnTotal(known, "mrr");
  // mrr is monthly: the window's cost is set against it on a 30-day basis
  const knownCost = columnTotal(known, "llm_cost_30d") * monthlyFactor(data.windowDays);
  // A customer's revenue pays for all of its organizations: margins, plans and the underpriced
  // list count a segment's customers whole, their organizations outside it too.
  const whole = customers ?? customersOf(data, frame, segment);
  // Frames without the economics columns (hand-made ones) get no company margin and no plans.
  const economics = frame.height > 0 &&
    ECONOMICS_COLUMNS.every((name) => frame.columns.includes(name));
  // the brief's headline margins (a shared customer's other organizations' cost counted)
  const margins = economics ? companyMargins(whole.frame, { windowDays: data.windowDays }) : null;
  // (hand-made data in tests may carry no frame: the one given is then the run's)
  const notFetched = revenueNotFetched(data.frame ?? frame);
  return {
    asOf: data.asOf.toISOString(),
    windowDays: data.windowDays,
    demo: data.demo,
    segment,
    organizations: frame.height,
    mrrKnownOrganizations: known.height,
    // Σ over no organization is $0, unless the segment is empty because MRR is unknown
    totalMrrUsd: frame.height === 0 ? (notJudged ? null : 0) : known.height > 0 ? knownMrr : null,
    notJudged,
    totalLlmCostUsd: columnTotal(frame, "llm_cost_30d"),
    grossMarginPct: margins
      ? margins.specPct
      : knownMrr > 0
      ? (knownMrr - knownCost) / knownMrr * 100
      : null,
    companyMarginPct: margins ? margins.companyPct : null,
    companyMarginReason: companyMarginReason(frame, margins, { segment, notJudged, notFetched }),
    revenueNotFetched: notFetched,
    customersOutside: whole.outside > 0
      ? { organizations: whole.outside, mrrUsd: whole.outsideMrrUsd }
      : null,
    plans: economics
      ? planEconomics(whole.frame, { book: data.economics.priceBook, windowDays: data.windowDays })
      : [],
    underpriced: frame.height === 0 && notJudged
      // (over a segment nobody could be judged in, the reading's "$0 MRR" would read as a finding)
      ? {
        ...underpricedSummary(frame, { windowDays: data.windowDays, thresholds }),
        reading: `No organization to list: the segment ${notJudged.text}.`,
      }
      : underpricedSummary(whole.frame, { windowDays: data.windowDays, thresholds }),
    revenueMissing: revenueMissing(data),
    warnings: data.warnings,
    // (hand-made data in tests may carry no frame: the one given is then the run's)
    exportOrganizations: data.frame?.height ?? frame.height,
  };
}

/**
 * A segment's Stripe customers whole, from the run's frame; every organization (or hand-made data
 * without the run's frame) is its own.
 */
export function customersOf(
  data: PricingData,
  frame: pl.DataFrame,
  segment: string | null,
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
export function summaryCharts(summary: PricingSummary, customers: SegmentCustomers): Chart[] {
  if (summary.organizations === 0) return [];
  return reportCharts(customers.frame, summaryChartTable(summary, customers));
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
function noMrrReason(notFetched: boolean): string {
  return notFetched ? "revenue not fetched" : "no organization's MRR is known";
}

/** "no organizations in this segment" (or "no organizations" for the whole export). */
function noOrganizations(segment: string | null): string {
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
  if (margins.ptbRevenueUnknown > 0) return companyMarginUnknownReason(margins.ptbRevenueUnknown);
  if (margins.mrrKnown === 0) return `not known: ${noMrrReason(notFetched)}`;
  return "no margin: MRR + PTB revenue is $0";
}

/** One card of the report: `value` for the page's tests and scripts, `text` as shown. */
function stat(
  { name, label, value, text, note = "" }: {
    /** data-stat: which figure */
    name: string;
    label: string;
    value: number | null;
    text: string;
    note?: string;
  },
): string {
  return `<div class="stat" data-stat="${name}" data-value="${value ?? ""}">` +
    `<div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(text)}</div>` +
    (note ? `<div class="note">${escapeHtml(note)}</div>` : "") + `</div>`;
}

/** `2026-11-01 00:00 UTC`, `2026-12-02 23:21:25 UTC`: as the workbook's window line writes it. */
export function windowEnd(iso: string): string {
  return utcMinutes(new Date(iso));
}

/** The report fragment the page inserts after the token is accepted (server-rendered). */
export function reportHtml(summary: PricingSummary, charts: Chart[]): string {
  const window = `${summary.windowDays}-day window ending ${windowEnd(summary.asOf)}`;
  // one decimal always, as the brief, the workbook and the notebook show the same margin
  const percent = (value: number | null) => value === null ? "—" : formatPct(value);
  const margin = percent(summary.grossMarginPct);
  const partial = summary.mrrKnownOrganizations < summary.organizations
    ? `MRR known for ${summary.mrrKnownOrganizations} of ${summary.organizations}`
    : "";
  const outside = summary.customersOutside;
  // the segment's rows' MRR: its customers' revenue on rows outside it is said beside it
  const mrrOutside = outside && outside.mrrUsd > 0
    ? `${usd(outside.mrrUsd)} of their Stripe customers' MRR is on ${
      plural(outside.organizations, { one: "organization" })
    } outside this segment`
    : "";
  // an empty segment: every card says why it is $0 or – (nobody in it, or nobody could be judged
  // for MRR unknown), and no chart is drawn over nothing
  const empty = summary.organizations === 0
    ? summary.notJudged?.text ?? noOrganizations(summary.segment)
    : "";
  // Beside "LLM cost (7 d)" a margin reads as if from that figure: say it is set on a 30-day basis.
  const monthlyBasis =
    `${summary.windowDays}-day cost × ${MONTH_DAYS}/${summary.windowDays} (${MONTH_DAYS}-day basis) vs monthly revenue`;
  const basis = (note: string, value: number | null) =>
    value === null || summary.windowDays === MONTH_DAYS ? note : `${note} · ${monthlyBasis}`;
  return [
    `<section class="report" data-as-of="${escapeHtml(summary.asOf)}" data-demo="${summary.demo}">`,
    summary.demo
      ? `<p class="banner">Demo data: a synthetic dataset, not Helicone's customers.</p>`
      : "",
    `<p class="window">${escapeHtml(window)}${
      summary.segment ? ` · segment ${escapeHtml(summary.segment)}` : ""
    } · files dated ${escapeHtml(isoDate(new Date(summary.asOf)))}</p>`,
    revenueMissingHtml(summary.revenueMissing),
    `<div class="stats">`,
    // The company-cost margin leads; the spec's all-cost margin stands beside it.
    stat({
      name: "gross_margin_company",
      label: "Gross margin · company cost",
      value: summary.companyMarginPct,
      text: percent(summary.companyMarginPct),
      note: summary.companyMarginReason ??
        basis("PTB LLM cost + infrastructure vs MRR + PTB revenue", summary.companyMarginPct),
    }),
    stat({
      name: "gross_margin",
      label: "Gross margin · all LLM cost (spec)",
      value: summary.grossMarginPct,
      text: margin,
      note: empty || basis(partial || "all LLM cost, BYOK included", summary.grossMarginPct),
    }),
    stat({
      name: "organizations",
      label: "Organizations",
      value: summary.organizations,
      text: formatValue(summary.organizations),
      note: summary.notJudged?.text,
    }),
    stat({
      name: "total_mrr",
      label: "Total MRR",
      value: summary.totalMrrUsd,
      text: summary.totalMrrUsd === null ? "—" : usd(summary.totalMrrUsd),
      note: summary.totalMrrUsd === null
        ? empty || noMrrReason(summary.revenueNotFetched)
        : empty || [partial, mrrOutside].filter(Boolean).join(" · "),
    }),
    stat({
      name: "total_llm_cost",
      label: `LLM cost (${summary.windowDays} d)`,
      value: summary.totalLlmCostUsd,
      text: usd(summary.totalLlmCostUsd),
      note: empty,
    }),
    `</div>`,
    customersOutsideHtml(outside),
    plansHtml(summary.plans),
    warningsHtml(summary),
    `<h2>Charts</h2>`,
    empty
      ? `<p class="note" data-charts="none">No charts: ${escapeHtml(empty)}.</p>`
      : chartsCoverHtml(summary) + chartsHtml(charts),
    `<h2>Top underpriced organizations</h2>`,
    `<p class="reading">${escapeHtml(summary.underpriced.reading)}</p>`,
    underpricedTableHtml(summary.underpriced, summary.windowDays),
    `</section>`,
  ].join("\n");
}

/** Why a segment's margins, plans and underpriced list reach organizations outside it. */
function customersOutsideHtml(outside: PricingSummary["customersOutside"]): string {
  if (outside === null) return "";
  return `<p class="note" data-customers-outside="${outside.organizations}">This segment shares Stripe customers with ${
    plural(outside.organizations, { one: "organization" })
  } outside it: the margins, the plan table, the charts and the underpriced list count each customer with all of its organizations, since its revenue pays for all of them.</p>`;
}

/**
 * What a segment's charts cover when that is more than its organizations (its Stripe customers
 * whole): the Organizations card counts the segment's own, the charts' captions those too.
 */
function chartsCoverHtml(summary: PricingSummary): string {
  const outside = summary.customersOutside;
  if (outside === null) return "";
  const drawn = summary.organizations + outside.organizations;
  return `<p class="note" data-charts-cover="${drawn}">${
    escapeHtml(
      `The charts cover ${
        plural(drawn, { one: "organization" })
      }: this segment's ${summary.organizations} and ${outside.organizations} outside it sharing a Stripe customer with one in it.`,
    )
  }</p>`;
}

/**
 * The run's warnings. They are written once for the whole export (a plan's PTB timing counts all
 * of its organizations), so under a segment they say so: the plans and counts they name may not
 * be on screen.
 */
function warningsHtml(summary: PricingSummary): string {
  const warnings = summary.warnings.filter((w) => w !== summary.revenueMissing);
  if (warnings.length === 0) return "";
  const scope = summary.segment === null
    ? ""
    : `<p class="note" data-warnings-scope="export">${
      escapeHtml(
        `The export's warnings, about all of its ${
          plural(summary.exportOrganizations, { one: "organization" })
        }, not only this segment's:`,
      )
    }</p>`;
  return `${scope}<ul class="warnings">${
    warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")
  }</ul>`;
}

/**
 * Stripe could not be read: the reason, and a button that asks for the report again past the
 * server's cache (the page's script sends refresh=1), since the server keeps such a run briefly.
 */
function revenueMissingHtml(reason: string | null): string {
  if (reason === null) return "";
  return `<div class="banner revenue-missing" data-revenue-missing role="alert"><p>${
    escapeHtml(reason)
  }</p><p>Once Stripe answers again, fetch the report again to read its revenue. ` +
    `<button type="button" data-action="fetch-again">Fetch again</button></p></div>`;
}

/**
 * The charts, each in a figure that scrolls sideways on a narrow screen: an 880-unit chart shrunk
 * to a phone's width has 4 px text, so the page's style keeps it 640 px wide.
 */
function chartsHtml(charts: Chart[]): string {
  // Chart SVGs are rendered here by Observable Plot (text escaped by its DOM), not user input.
  return `<p class="note charts-hint">Each chart scrolls sideways.</p><div class="charts">${
    charts.map((c) =>
      `<figure data-chart="${escapeHtml(c.name)}" aria-label="${
        escapeHtml(c.title)
      }" tabindex="0">${c.svg}</figure>`
    ).join("\n")
  }</div>`;
}

/** The per-plan unit-economics table (plan names come from the price book file: escaped). */
function plansHtml(plans: PerPlanRow[]): string {
  if (plans.length === 0) return "";
  const columns = Object.keys(PER_PLAN_DISPLAY) as (keyof PerPlanRow)[];
  const head = ["plan", ...columns].map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = plans.map((row) =>
    `<tr data-plan="${escapeHtml(row.plan)}"><td class="name" title="${
      escapeHtml(visibleLine(row.plan))
    }"><span dir="auto">${escapeHtml(visibleLine(row.plan))}</span></td>${
      columns.map((c) => `<td class="num">${escapeHtml(formatPlanCell(c, row[c]))}</td>`).join("")
    }</tr>`
  ).join("");
  // the same sentence as the workbook's and the notebook's: why all's margins differ from the headline's
  return `<h2>Unit economics by plan</h2><p class="note">${
    escapeHtml(PER_PLAN_MARGINS_NOTE)
  }</p><div class="scroll"><table class="plans"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}
