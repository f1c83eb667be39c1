/**
 * The admin report's outlook (OUTLOOK_HEADING): the brief's section (its rule, where the
 * earlier figures come from, the counts, both lists) over the shown organizations, worked out by
 * outlookFromHistory against the history folder's snapshot a month before, as the brief, the
 * questions notebook and MCP account_outlook do. Names are data: escaped, on one line.
 */
import type pl from "nodejs-polars";
import { OUTLOOK_READS, shownFacts, type ShownOutlookFacts } from "../analysis/outlook.ts";
import type { PriceBook } from "../economics/types.ts";
import { outlookFromHistory } from "../history/earlier_usage.ts";
import {
  earlierLine,
  OUTLOOK_HEADING,
  type OutlookCellKind,
  outlookCounts,
  outlookFigure,
  outlookRule,
  outlookShownColumns,
} from "../report/brief_outlook.ts";
import { escapeHtml } from "../report/html_text.ts";
import { visibleLine } from "../formats/markdown.ts";
import { scrollBox } from "./underpriced.ts";

/** Rows in each list, as the brief's. */
const TOP = 10;

/** One organization of a list: OUTLOOK_TABLE_COLUMNS (and `signals` in the churn list). */
export type OutlookRow = Record<string, string | number | null>;

/** The section as the summary carries it (JSON) and the report draws it. */
export interface PageOutlook {
  /** the rule, the earlier snapshot's line and the counts, in the brief's words (its Markdown) */
  rule: string;
  earlier: string;
  counts: string;
  /** the earlier snapshot could not be read: the trends are not known (null: read, or none) */
  warning: string | null;
  /** the earlier snapshot's as-of (YYYY-MM-DD); null when none was stored */
  earlierAsOf: string | null;
  /** upgrade and upgradeMrrUsd null when no earlier snapshot says them */
  facts: ShownOutlookFacts;
  churn: OutlookRow[];
  upgrade: OutlookRow[];
}

/**
 * The outlook of `frame` (the shown organizations) against the history folder; null over no
 * organization (an empty segment says why on its cards) or a frame without the columns it reads.
 */
export async function pageOutlook(
  frame: pl.DataFrame,
  { historyDir, asOf, demo, windowDays, book }: {
    historyDir: string;
    asOf: Date;
    demo: boolean;
    windowDays: number;
    book?: PriceBook;
  },
): Promise<PageOutlook | null> {
  if (frame.height === 0 || !OUTLOOK_READS.every((name) => frame.columns.includes(name))) {
    return null;
  }
  const { outlook, warning } = await outlookFromHistory(frame, {
    dir: historyDir,
    asOf,
    demo,
    windowDays,
    book,
    top: TOP,
  });
  const known = outlook.earlierAsOf !== null;
  return {
    rule: outlookRule(),
    earlier: earlierLine(outlook, asOf),
    counts: outlookCounts(outlook),
    warning,
    earlierAsOf: known ? outlook.earlierAsOf!.toISOString().slice(0, 10) : null,
    facts: shownFacts(outlook),
    churn: outlook.churn.toRecords() as OutlookRow[],
    upgrade: outlook.upgrade.toRecords() as OutlookRow[],
  };
}

/**
 * The brief's Markdown as HTML: its code spans and bold only (the kit's own words, no data in
 * them), everything else escaped.
 */
function briefWordsHtml(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
}

/** One list as a table, the brief's columns; names escaped, on one line. */
function listHtml(label: string, rows: OutlookRow[], { signals }: { signals: boolean }): string {
  const columns = outlookShownColumns({ signals });
  const head = columns.map((c) => `<th>${escapeHtml(c.heading ?? c.field)}</th>`).join("");
  const td = (value: unknown, kind: OutlookCellKind) => {
    if (kind === "words") return `<td>${escapeHtml(String(value ?? ""))}</td>`;
    if (kind !== "data") return `<td class="num">${escapeHtml(outlookFigure(value, kind))}</td>`;
    // (whole on hover: a long one is cut, as the other tables' names)
    const line = escapeHtml(visibleLine(String(value ?? "")));
    return `<td class="name" title="${line}"><span dir="auto">${line}</span></td>`;
  };
  const body = rows.map((r) =>
    `<tr data-org="${escapeHtml(String(r.org_id))}">${
      columns.map(({ field, kind }) => td(r[field], kind)).join("")
    }</tr>`
  ).join("");
  return scrollBox(
    label,
    `<table class="outlook"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`,
  );
}

/** The report's section; nothing without an outlook (an empty segment, a hand-made frame). */
export function outlookHtml(outlook: PageOutlook | null): string {
  if (outlook === null) return "";
  const more = (shown: number, of: number | null) =>
    of !== null && of > shown ? ` (the first ${shown})` : "";
  return [
    `<h2>${escapeHtml(OUTLOOK_HEADING)}</h2>`,
    `<p class="note" data-outlook="rule">${briefWordsHtml(outlook.rule)}</p>`,
    `<p class="note" data-outlook="earlier">${briefWordsHtml(outlook.earlier)}</p>`,
    outlook.warning
      ? `<p class="note" data-outlook="warning">${escapeHtml(visibleLine(outlook.warning))}</p>`
      : "",
    `<p class="reading" data-outlook="counts">${escapeHtml(outlook.counts)}</p>`,
    outlook.churn.length > 0
      ? `<h3>Signs of leaving, most MRR first${
        more(outlook.churn.length, outlook.facts.churn)
      }</h3>` +
        listHtml("Signs of leaving", outlook.churn, { signals: true })
      : "",
    outlook.upgrade.length > 0
      ? `<h3>Expansion candidates, most requests added first${
        more(outlook.upgrade.length, outlook.facts.upgrade)
      }</h3>` + listHtml("Expansion candidates", outlook.upgrade, { signals: false })
      : "",
  ].filter(Boolean).join("\n");
}
