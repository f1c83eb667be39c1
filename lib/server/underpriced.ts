/**
 * The admin page's "Top underpriced organizations": chosen as the CLI's `underpriced` segment
 * chooses them (thresholds per month, another window's usage on a 30-day basis), shown with the
 * window's own values, as the CSV holds them, so a row on the page reads the same as in the file.
 */
import pl from "nodejs-polars";
import { escapeHtml, formatValue } from "../report/html_text.ts";
import { visibleLine } from "../formats/markdown.ts";
import { payingNothingWords, underpricedCustomers } from "../analysis/underpriced.ts";
import {
  columnTotal,
  count,
  plural,
  type QuestionThresholds,
  thresholds as withDefaults,
  usd,
} from "../analysis/question_common.ts";
import { formatKpi } from "../economics/report.ts";
import { columnDef } from "../frame/columns.ts";
import { MONTH_DAYS, usageOnMonthlyBasis } from "../frame/monthly.ts";
import { segmentFrame } from "../report/segments.ts";

export type UnderpricedThresholds = Pick<
  QuestionThresholds,
  "underpricedMinRequests" | "underpricedMinLlmCostUsd" | "underpricedMaxMrrUsd"
>;

export interface UnderpricedSummary {
  reading: string;
  /** matching organizations (the table shows the top ones) */
  organizations: number;
  /**
   * rows of the whole list, of which `rows` holds the first TOP: the Stripe customers in a 30-day
   * window (the question's rows, a shared customer's organizations in one), else the organizations
   */
  matchedRows: number;
  columns: string[];
  /** the window's values (requests_30d, llm_cost_30d… of a 7-day window are 7 days' worth) */
  rows: unknown[][];
}

const TOP = 10;

export function underpricedSummary(
  frame: pl.DataFrame,
  { windowDays, thresholds = {} }: {
    windowDays: number;
    thresholds?: Partial<UnderpricedThresholds>;
  },
): UnderpricedSummary {
  // the server passes every segment's thresholds: the question takes its own (it refuses others)
  const own: Partial<UnderpricedThresholds> = {
    underpricedMinRequests: thresholds.underpricedMinRequests,
    underpricedMinLlmCostUsd: thresholds.underpricedMinLlmCostUsd,
    underpricedMaxMrrUsd: thresholds.underpricedMaxMrrUsd,
  };
  // its thresholds are per month: another window's usage on a 30-day basis (as the CLI and MCP)
  const monthly = underpricedCustomers(usageOnMonthlyBasis(frame, windowDays), {
    ...own,
    top: TOP,
  });
  const columns = monthly.table.columns;
  if (windowDays === MONTH_DAYS) {
    return {
      reading: monthly.reading,
      organizations: monthly.facts.organizations,
      matchedRows: monthly.facts.customers,
      columns,
      rows: monthly.table.rows() as unknown[][],
    };
  }
  // the same organizations (the segment's rule is the question's), with the window's values
  const matches = segmentFrame(frame, { name: "underpriced", thresholds, windowDays }).frame
    .sort("llm_cost_30d", true);
  const t = withDefaults(own);
  const facts = monthly.facts;
  const criteria = `sent ≥ ${count(t.underpricedMinRequests)} requests or ≥ ${
    usd(t.underpricedMinLlmCostUsd)
  } of LLM cost a month (the ${windowDays}-day window's on a ${MONTH_DAYS}-day basis: × ${MONTH_DAYS}/${windowDays}) while paying ≤ ${
    usd(t.underpricedMaxMrrUsd)
  } MRR`;
  const unknown = facts.unknownMrr > 0
    ? `${plural(facts.unknownMrr, { one: "heavy user" })} with unknown MRR not judged`
    : "";
  const reading = facts.organizations === 0 && facts.unknownMrr > 0
    ? `No organization with known MRR ${criteria}; ${unknown}.`
    : `${
      plural(matches.height, { one: "organization" })
    } ${criteria}: in the ${windowDays} days together ${
      usd(columnTotal(matches, "llm_cost_30d"))
    } of LLM cost (${
      usd(columnTotal(matches, "llm_cost_ptb_30d"))
    } pass-through, paid by the company) against ${usd(columnTotal(matches, "mrr"))} MRR a month${
      payingNothingWords(facts)
    }${unknown ? `; ${unknown}` : ""}.`;
  return {
    reading,
    organizations: matches.height,
    matchedRows: matches.height,
    columns,
    rows: matches.select(...columns).head(TOP).rows() as unknown[][],
  };
}

/** One cell as the per-plan table prints its kind: $ and two decimals, %, whole counts. */
export function underpricedCell(column: string, value: unknown): string {
  const unit = columnDef(column).unit;
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  if (unit === "USD" || unit === "USD per month" || unit === "USD per seat") {
    return formatKpi(value, "USD");
  }
  if (unit === "percent") return formatKpi(value, "percent");
  if (unit === "count") return formatKpi(value, "count");
  return formatValue(value);
}

/**
 * The table (org names and tiers are data: escaped, and on one line as the brief and the notebooks
 * show them: a U+202E in a name would draw it reversed here only), in a scroll box for narrow
 * screens; when the list is longer, a line says the table holds its top rows.
 */
export function underpricedTableHtml(
  summary: UnderpricedSummary,
  windowDays: number,
): string {
  if (summary.rows.length === 0) return `<p>None.</p>`;
  const head = summary.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  // numbers right-aligned by the column's unit, so an empty cell (–) lines up with them too
  const numeric = summary.columns.map((c) => !["text", "id"].includes(columnDef(c).unit));
  const body = summary.rows.map((row) =>
    `<tr>${
      row.map((v, i) => {
        if (numeric[i]) {
          return `<td class="num">${escapeHtml(underpricedCell(summary.columns[i], v))}</td>`;
        }
        const text = escapeHtml(visibleLine(underpricedCell(summary.columns[i], v)));
        const kind = summary.columns[i] === "org_id" ? "id" : "name";
        // dir="auto": a right-to-left name reads so inside its own box only
        return `<td class="${kind}" title="${text}"><span dir="auto">${text}</span></td>`;
      }).join("")
    }</tr>`
  ).join("");
  const note = windowDays === MONTH_DAYS
    ? ""
    : `<p class="note">Usage and cost columns hold the ${windowDays}-day window's values, as the CSV; gross_margin_pct sets that LLM cost on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS}/${windowDays}) against monthly MRR.</p>`;
  // the sentence above sums every match: a table of fewer rows must not read as all of them
  const top = summary.rows.length < summary.matchedRows
    ? `<p class="note" data-underpriced-shown="${summary.rows.length}">The ${summary.rows.length} with the most LLM cost of the ${summary.matchedRows}, biggest first; the sentence above counts all ${summary.matchedRows}.</p>`
    : "";
  return `${note}${top}${
    scrollBox(
      "Top underpriced organizations",
      `<table class="underpriced"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`,
    )
  }`;
}

/**
 * A table in a box that scrolls sideways on a narrow screen: a keyboard stop of its own, named by
 * its heading (`label`), as each chart's figure is, so a keyboard scrolls it and a reader names it.
 */
export function scrollBox(label: string, table: string): string {
  return `<div class="scroll" role="region" aria-label="${
    escapeHtml(label)
  }" tabindex="0">${table}</div>`;
}
