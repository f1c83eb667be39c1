/**
 * The brief's "Paying organizations: expansion candidates and signs of leaving" section
 * (lib/analysis/outlook.ts, whose upgrade and churn lists these are): the rule in words, the
 * counts, and each list's first rows. Its words are not the brief's questions' and segments'
 * ("upgrade candidates": free organizations with high usage; "churn risk": a negative gross
 * margin, the spec's), which name other lists. Organization names are data: markdownTable escapes
 * them.
 */
import type pl from "nodejs-polars";
import { isoDate } from "../formats/files.ts";
import { markdownTable, trustedMarkdown } from "../formats/markdown.ts";
import { formatCount, formatPct, formatUsd, UNKNOWN_MARK } from "./numbers.ts";
import {
  type AccountOutlook,
  accountOutlook,
  EARLIER_SNAPSHOT_DAYS,
  type EarlierUsage,
  OUTLOOK_THRESHOLDS,
} from "../analysis/outlook.ts";
import type { PriceBook } from "../economics/types.ts";

const DAY_MS = 24 * 3600 * 1000;

/** The rule, as the brief states it (the thresholds filled in). */
export function outlookRule(): string {
  const t = OUTLOOK_THRESHOLDS;
  return `Paying organizations (\`mrr\` > 0 on their row; a Stripe customer several organizations share is judged on the row carrying its revenue), split by where they are heading. **Signs of leaving**, any of: a Stripe subscription past due or unpaid (\`subscription_status\`), one set to cancel (\`cancel_at_period_end\`), the organization canceled in Helicone's database (\`org_subscription_status\`), or, against the earlier history snapshot, requests down by ${t.dropMinPct} % or more (from at least ${
    formatCount(t.minRequests)
  }) or fewer \`seats\`. **Expansion candidate**: no sign of leaving, requests on a 30-day basis at least ${
    formatCount(t.minRequests)
  } and ${t.growthMinPct} % or more above the earlier snapshot's, and, on a plan whose price book lists an included amount (\`meteredPrices.requests\`), at or above ${t.nearIncludedPct} % of it. Neither is what the questions below (and \`key_question\`) call upgrade candidates and churn risk: free organizations with high usage, and a negative gross margin.`;
}

/** The section's heading: the brief's, the admin report's and the notebook's. */
export const OUTLOOK_HEADING = "Paying organizations: expansion candidates and signs of leaving";

/** Where the earlier figures come from, or why there are none. */
export function earlierLine(outlook: AccountOutlook, asOf: Date): string {
  const { min, max } = EARLIER_SNAPSHOT_DAYS;
  if (!outlook.earlierAsOf) {
    return `No readable history snapshot from ${min} to ${max} days before the as-of is stored (the history folder, \`PRICING_HISTORY_DIR\`), so usage and seat trends are not known: no expansion candidate can be named, and signs of leaving are the Stripe and database ones alone.`;
  }
  const days = Math.round((asOf.getTime() - outlook.earlierAsOf.getTime()) / DAY_MS);
  const unknown = outlook.facts.trendUnknown;
  return `Earlier figures: the history snapshot of ${
    isoDate(outlook.earlierAsOf)
  } (${days} days before the as-of: ${
    outlook.earlierBackfill
      ? "its `requests_30d` per `org_id`; a backfill, whose `seats` count today's members who had joined by then, not those removed since, so seats are not compared"
      : "its `requests_30d` and `seats` per `org_id`"
  })${
    unknown > 0
      ? `; ${formatCount(unknown)} paying organization${
        unknown === 1 ? " is" : "s are"
      } not in it (new since, or paying under another id): ${
        unknown === 1 ? "its" : "their"
      } trend is not known`
      : ""
  }.`;
}

/**
 * How a shown column's values are written: the organizations' text (data: each format escapes it
 * and keeps it on one line), the kit's words (`signals`), or a figure.
 */
export type OutlookCellKind = "data" | "words" | "usd" | "count" | "pct";

/** A list's column as the brief and the admin page show it. */
export interface OutlookShownColumn {
  /** the list's column (OUTLOOK_TABLE_COLUMNS, `signals`) */
  field: string;
  /** the heading in words; absent: the export column's own name (code in Markdown) */
  heading?: string;
  kind: OutlookCellKind;
}

const SHOWN_COLUMNS: readonly OutlookShownColumn[] = [
  { field: "org_name", kind: "data" },
  { field: "plan", kind: "data" },
  { field: "mrr", kind: "usd" },
  { field: "requests_30d", heading: "requests (30-day basis)", kind: "count" },
  { field: "requests_earlier", heading: "earlier", kind: "count" },
  { field: "requests_change_pct", heading: "change", kind: "pct" },
  { field: "seats", kind: "count" },
  { field: "seats_earlier", heading: "earlier", kind: "count" },
];

/** The columns of one list, the brief's and the admin page's: the churn list adds its signals. */
export function outlookShownColumns({ signals }: { signals: boolean }): OutlookShownColumn[] {
  return [
    ...SHOWN_COLUMNS,
    ...(signals ? [{ field: "signals", heading: "signals", kind: "words" as const }] : []),
  ];
}

/** A figure as the lists show it; not known (null) is UNKNOWN_MARK. */
export function outlookFigure(value: unknown, kind: "usd" | "count" | "pct"): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return UNKNOWN_MARK;
  return kind === "usd" ? formatUsd(value) : kind === "pct" ? formatPct(value) : formatCount(value);
}

/** One list's table: its first rows, names escaped. */
function outlookTable(rows: pl.DataFrame, { signals }: { signals: boolean }): string {
  const columns = outlookShownColumns({ signals });
  const records = rows.toRecords() as Record<string, unknown>[];
  return markdownTable(
    columns.map((c) => c.heading ?? `\`${c.field}\``),
    records.map((r) =>
      columns.map(({ field, kind }) =>
        kind === "data" || kind === "words"
          ? String(r[field] ?? "")
          : trustedMarkdown(outlookFigure(r[field], kind))
      )
    ),
  );
}

/** The section's Markdown lines. */
export function outlookSection(
  frame: pl.DataFrame,
  { asOf, earlier = null, book, windowDays, top = 10 }: {
    asOf: Date;
    earlier?: EarlierUsage | null;
    book?: PriceBook;
    windowDays: number;
    top?: number;
  },
): string[] {
  return outlookMarkdown(accountOutlook(frame, { earlier, book, windowDays, top }), { asOf, top });
}

/** The counts in one line: signs of leaving and expansion candidates of the paying organizations. */
export function outlookCounts(outlook: AccountOutlook): string {
  const f = outlook.facts;
  // (a free segment on the admin page, a tier of free organizations): nothing to split
  if (f.paying === 0) {
    return "No paying organization (MRR above $0 on its row): no sign of leaving or expansion candidate to name.";
  }
  const of = (n: number, mrr: number) =>
    `${formatCount(n)} of ${formatCount(f.paying)} paying organization${
      f.paying === 1 ? "" : "s"
    } (${formatUsd(mrr)} MRR)`;
  return `Signs of leaving: ${of(f.churn, f.churnMrrUsd)}. Expansion candidates: ${
    outlook.earlierAsOf ? of(f.upgrade, f.upgradeMrrUsd) : `not known (${UNKNOWN_MARK})`
  }.`;
}

/**
 * The section's Markdown lines of an outlook worked out already (accountOutlook with `top`): the
 * brief's, and the questions notebook's, which shows the same section.
 */
export function outlookMarkdown(
  outlook: AccountOutlook,
  { asOf, top }: { asOf: Date; top: number },
): string[] {
  const f = outlook.facts;
  const lines = [
    `## ${OUTLOOK_HEADING}`,
    "",
    outlookRule(),
    "",
    earlierLine(outlook, asOf),
    "",
    outlookCounts(outlook),
  ];
  if (outlook.churn.height > 0) {
    lines.push(
      "",
      `Signs of leaving, most MRR first${f.churn > top ? ` (the first ${top})` : ""}:`,
      "",
      outlookTable(outlook.churn, { signals: true }),
    );
  }
  if (outlook.upgrade.height > 0) {
    lines.push(
      "",
      `Expansion candidates, most requests added first${
        f.upgrade > top ? ` (the first ${top})` : ""
      }:`,
      "",
      outlookTable(outlook.upgrade, { signals: false }),
    );
  }
  return lines;
}
