/**
 * The admin page's report fragment (server-rendered HTML) of a PricingSummary (summary.ts): the
 * stat cards, the plan table, the warnings, the charts and the underpriced list. Every text from
 * data (plan names, warnings, segment names) is escaped here.
 */
import { escapeHtml, formatValue } from "../report/html_text.ts";
import { visibleLine } from "../formats/markdown.ts";
import { isoDate } from "../formats/files.ts";
import { formatPct, UNKNOWN_MARK } from "../report/numbers.ts";
import { utcMinutes } from "../core/window.ts";
import { plural, usd } from "../analysis/question_common.ts";
import { formatPlanCell, PER_PLAN_DISPLAY, PER_PLAN_MARGINS_NOTE } from "../economics/report.ts";
import { costUnknownReason } from "../economics/headline_margins.ts";
import { partialSumWords } from "../core/words.ts";
import type { PerPlanRow } from "../economics/per_plan.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { unmappedCustomersSentence, withoutUnmappedWarning } from "../revenue/unmapped.ts";
import { scrollBox, underpricedTableHtml } from "./underpriced.ts";
import { outlookHtml, type PageOutlook } from "./outlook.ts";
import { noMrrReason, noOrganizations, type PageChart, type PricingSummary } from "./summary.ts";

/** One card of the report: `value` for the page's tests and scripts, `text` as shown. */
function stat(
  { name, label, value, text, note = "", describedBy }: {
    /** data-stat: which figure */
    name: string;
    label: string;
    value: number | null;
    text: string;
    note?: string;
    /** the id of a line elsewhere on the page that qualifies the figure (aria-describedby) */
    describedBy?: string;
  },
): string {
  const described = describedBy ? ` aria-describedby="${describedBy}"` : "";
  // a named group: a plain div is an unnamed generic node, whose description no reader announces
  const labelId = `stat-${name}-label`;
  return `<div class="stat" data-stat="${name}" data-value="${
    value ?? ""
  }" role="group" aria-labelledby="${labelId}"${described}>` +
    `<div class="label" id="${labelId}">${escapeHtml(label)}</div><div class="value">${
      escapeHtml(text)
    }</div>` +
    (note ? `<div class="note">${escapeHtml(note)}</div>` : "") + `</div>`;
}

/** `2026-11-01 00:00 UTC`, `2026-12-02 23:21:25 UTC`: as the workbook's window line writes it. */
export function windowEnd(iso: string): string {
  return utcMinutes(new Date(iso));
}

/** The report fragment the page inserts after the token is accepted (server-rendered). */
export function reportHtml(
  summary: PricingSummary,
  charts: PageChart[],
  outlook: PageOutlook | null = null,
): string {
  const window = `${summary.windowDays}-day window ending ${windowEnd(summary.asOf)}`;
  // one decimal always, as the brief, the workbook and the notebook show the same margin
  const percent = (value: number | null) => value === null ? UNKNOWN_MARK : formatPct(value);
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
      // an upper bound says so first, in the brief's words
      note: empty ? "" : summary.companyMarginReason ??
        [
          summary.companyMarginUpperBound,
          basis(
            // not set, infrastructure is counted as $0: the bound before says so
            summary.infrastructureCostSet === false
              ? "PTB LLM cost vs MRR + PTB revenue"
              : "PTB LLM cost + infrastructure vs MRR + PTB revenue",
            summary.companyMarginPct,
          ),
        ].filter(Boolean).join("; "),
    }),
    stat({
      name: "gross_margin",
      label: "Gross margin · all LLM cost (spec)",
      value: summary.grossMarginPct,
      text: margin,
      note: empty
        ? ""
        : (summary.grossMarginPct === null && summary.specCostUnknown > 0
          ? costUnknownReason(summary.specCostUnknown, "llm_cost_30d")
          : basis(partial || "all LLM cost, BYOK included", summary.grossMarginPct)),
    }),
    stat({
      name: "organizations",
      label: "Organizations",
      value: summary.organizations,
      text: formatValue(summary.organizations),
      // why a segment is empty is said here once, not under every card its $0 or – follows from
      note: empty || summary.notJudged?.text,
    }),
    stat({
      name: "total_mrr",
      label: "Total MRR",
      value: summary.totalMrrUsd,
      text: summary.totalMrrUsd === null ? UNKNOWN_MARK : usd(summary.totalMrrUsd),
      note: empty
        ? ""
        : summary.totalMrrUsd === null
        ? noMrrReason(summary.revenueNotFetched)
        : [partial, mrrOutside].filter(Boolean).join(" · "),
      ...(summary.unmappedStripeCustomers ? { describedBy: UNMAPPED_LINE_ID } : {}),
    }),
    stat({
      name: "total_llm_cost",
      label: `LLM cost (${summary.windowDays} d)`,
      value: summary.totalLlmCostUsd,
      text: summary.totalLlmCostUsd === null ? UNKNOWN_MARK : usd(summary.totalLlmCostUsd),
      // a partial sum says so: the organizations whose cost is unknown are left out
      note: empty ? "" : partialSumWords({
        known: summary.organizations - summary.llmCostUnknown,
        unknown: summary.llmCostUnknown,
      }),
    }),
    `</div>`,
    unmappedCustomersHtml(summary),
    customersOutsideHtml(outside),
    plansHtml(summary.plans, summary.planNotes),
    warningsHtml(summary),
    `<h2>Charts</h2>`,
    empty
      ? `<p class="note" data-charts="none">No charts: ${escapeHtml(empty)}.</p>`
      : chartsCoverHtml(summary) + chartsHtml(charts),
    `<h2>Top underpriced organizations</h2>`,
    `<p class="reading">${escapeHtml(summary.underpriced.reading)}</p>`,
    underpricedTableHtml(summary.underpriced, summary.windowDays),
    outlookHtml(outlook),
    `</section>`,
  ].join("\n");
}

/** The id of the line on unmapped Stripe customers, which the Total MRR card points at. */
const UNMAPPED_LINE_ID = "unmapped-stripe-mrr";

/**
 * The MRR of Stripe customers no organization maps to, under the cards: Stripe's dashboard counts
 * it, no row holds it (so no segment either); nothing when there is none.
 */
function unmappedCustomersHtml(summary: PricingSummary): string {
  const unmapped = summary.unmappedStripeCustomers;
  if (unmapped === null) return "";
  const lead = summary.segment === null
    ? "Not in the total MRR:"
    : "Not in the total MRR, nor in any segment's (the whole export's):";
  return `<p class="note" id="${UNMAPPED_LINE_ID}" data-unmapped-mrr="${
    unmapped.customers === 0 ? "" : unmapped.mrrUsd
  }">${escapeHtml(`${lead} ${unmappedCustomersSentence(unmapped)}`)}</p>`;
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
  // the revenue banner and the unmapped customers' line under the cards say theirs already
  const warnings = withoutUnmappedWarning(summary.warnings, summary.unmappedStripeCustomers)
    .filter((w) => w !== summary.revenueMissing);
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
  // a warning may quote data (a plan's or an organization's name): on one line, without bidi
  // overrides or hidden characters, as the brief and the workbook write it (a U+202E in a plan's
  // name drew the rest of its warning reversed)
  return `${scope}<ul class="warnings">${
    warnings.map((w) => `<li>${escapeHtml(visibleLine(w))}</li>`).join("")
  }</ul>`;
}

/**
 * Stripe could not be read: the reason, and a button that asks for the report again past the
 * server's cache (the page's script sends refresh=1), since the server keeps such a run briefly.
 */
function revenueMissingHtml(reason: string | null): string {
  if (reason === null) return "";
  return `<div class="banner revenue-missing" data-revenue-missing role="alert"><p>${
    escapeHtml(visibleLine(reason)) // (Stripe's own words may be in it: as a warning, above)
  }</p><p>Once Stripe answers again, fetch the report again to read its revenue. ` +
    `<button type="button" data-action="fetch-again">Fetch again</button></p></div>`;
}

/**
 * The charts, each in a figure that scrolls sideways on a narrow screen: an 880-unit chart shrunk
 * to a phone's width has 4 px text, so the page's style keeps it 640 px wide. A chart with a
 * narrow variant carries both; the page's style shows the one that fits the screen.
 */
function chartsHtml(charts: PageChart[]): string {
  // Chart SVGs are rendered here by Observable Plot (text escaped by its DOM), not user input.
  const svgs = (c: PageChart) =>
    c.narrowSvg === undefined
      ? c.svg
      : `<div class="wide">${c.svg}</div><div class="narrow">${c.narrowSvg}</div>`;
  return `<p class="note charts-hint">Wide charts scroll sideways.</p><div class="charts">${
    charts.map((c) =>
      `<figure data-chart="${escapeHtml(c.name)}" aria-label="${escapeHtml(c.title)}" tabindex="0"${
        c.narrowSvg === undefined ? "" : " data-narrow"
      }>${svgs(c)}</figure>`
    ).join("\n")
  }</div>`;
}

/** The per-plan unit-economics table (plan names come from the price book file: escaped). */
function plansHtml(plans: PerPlanRow[], notes: string[]): string {
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
  return `<h2>Unit economics by plan</h2><p class="note">${escapeHtml(PER_PLAN_MARGINS_NOTE)}</p>${
    scrollBox(
      "Unit economics by plan",
      `<table class="plans"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`,
    )
  }${
    // the brief's notes under its table: without them a margin on a few days' cost reads as a month's
    notes.map((note) => `<p class="note" data-plan-note>${escapeHtml(note)}</p>`).join("")}`;
}
