/**
 * The brief's PTB vs BYOK section: organizations by their traffic in the window (gateway-only,
 * mixed, BYOK-only, none; traffic unknown where a deciding count is) with their usage, cost,
 * revenue and both margins, from the same answer the MCP server and the questions notebook give
 * (lib/analysis/ptb_vs_byok.ts). Without it a
 * reader pricing gateway-only customers had to rebuild the customer grouping and the margin sums
 * from the CSV, where a shared customer's revenue sits on one organization's row.
 */
import type pl from "nodejs-polars";
import { PTB_VS_BYOK_COLUMNS, ptbVsByok } from "../analysis/ptb_vs_byok.ts";
import { basisColumn, TRAFFIC_UNKNOWN } from "../analysis/question_common.ts";
import { MONTH_DAYS, usageOnMonthlyBasis } from "../frame/monthly.ts";
import { escapeMarkdown, markdownTable, trustedMarkdown } from "../formats/markdown.ts";
import { formatCount, formatPct, formatUsd } from "./numbers.ts";

/** The columns the brief shows of the answer's table, with how each is printed. */
const SHOWN: [name: string, kind: "count" | "USD" | "percent"][] = [
  ["organizations", "count"],
  ["requests_30d", "count"],
  ["llm_cost_30d", "USD"],
  ["llm_cost_ptb_30d", "USD"],
  ["company_cost_30d", "USD"],
  ["mrr", "USD"],
  ["ptb_revenue_30d", "USD"],
  ["gross_margin_pct", "percent"],
  ["margin_company_pct", "percent"],
];

function cell(value: unknown, kind: "count" | "USD" | "percent"): string {
  const n = value === null || value === undefined ? NaN : Number(value); // "–" when not known
  return kind === "count" ? formatCount(n) : kind === "USD" ? formatUsd(n) : formatPct(n);
}

/** The section's Markdown lines; none when the frame lacks the columns it needs. */
export function trafficBriefLines(frame: pl.DataFrame, windowDays: number): string[] {
  // a frame without the economics columns gets no section
  if (!PTB_VS_BYOK_COLUMNS.every((name) => frame.columns.includes(name))) return [];
  const answer = ptbVsByok(usageOnMonthlyBasis(frame, windowDays), { windowDays });
  const rows = answer.table.toRecords() as Record<string, unknown>[];
  // the organizations a shared Stripe customer's traffic typed (the reading counts them, naming
  // the column): a column only when there are any, as the reading says it only then
  const typed = rows.some((row) => Number(row.typed_by_customer) > 0);
  // the requests with no cost recorded, per type (the reading says which margins they bound):
  // a column only when there are any, as the reading says them only then
  const unrecorded = rows.some((row) =>
    Number(row[basisColumn("requests_cost_unknown_30d", windowDays)]) > 0
  );
  // and of them the pass-through ones the company pays for, where the export counts them (not
  // one from before the column: every cell would be –)
  const ptbUnrecorded = unrecorded &&
    rows.some((row) => row[basisColumn("ptb_requests_cost_unknown_30d", windowDays)] !== null);
  const count = (name: string) => [[name, "count"] as (typeof SHOWN)[number]];
  const shown: typeof SHOWN = [
    SHOWN[0],
    ...(typed ? count("typed_by_customer") : []),
    SHOWN[1],
    ...(unrecorded ? count("requests_cost_unknown_30d") : []),
    ...(ptbUnrecorded ? count("ptb_requests_cost_unknown_30d") : []),
    ...SHOWN.slice(2),
  ];
  const names = shown.map(([name]) => basisColumn(name, windowDays));
  // named only when some organization has it (its row says how many)
  const unknownType = answer.facts[TRAFFIC_UNKNOWN]
    ? `, ${TRAFFIC_UNKNOWN} (a PTB or BYOK request count that decides the type is unknown: a NaN or infinite count from a query; never taken as no requests)`
    : "";
  // the counts of requests with no cost recorded stay the window's (usageOnMonthlyBasis)
  const counts = ptbUnrecorded
    ? "`requests_cost_unknown_30d` and `ptb_requests_cost_unknown_30d` count"
    : "`requests_cost_unknown_30d` counts";
  const basis = windowDays === MONTH_DAYS
    ? "the window's"
    : `the ${windowDays}-day window's on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS} / ${windowDays}; columns named \`*_per_${MONTH_DAYS}d\`${
      unrecorded ? `; ${counts} the window's requests with no cost recorded, as Totals does` : ""
    })`;
  return [
    "## PTB vs BYOK",
    "",
    `Organizations by their traffic in the window: gateway only (every request pass-through billed, PTB: the company pays the provider), mixed, BYOK only (the customer pays the provider), no requests${unknownType}. Requests, LLM cost, company cost and PTB revenue are ${basis}; \`mrr\` is USD per month. \`gross_margin_pct\` is the spec's basis, (Σ mrr − Σ llm_cost_30d) / Σ mrr × 100 over organizations with known MRR; \`margin_company_pct\` the company's, (Σ mrr + Σ ptb_revenue_30d − Σ company_cost_30d) / (Σ mrr + Σ ptb_revenue_30d) × 100; both count organizations as the per-plan table does (– where not known).`,
    "",
    markdownTable(
      ["traffic", ...names.map((name) => `\`${name}\``)],
      rows.map((row) => [
        String(row.traffic),
        ...shown.map(([name, kind]) =>
          trustedMarkdown(cell(row[basisColumn(name, windowDays)], kind))
        ),
      ]),
    ),
    "",
    // kit words and numbers only, escaped all the same
    escapeMarkdown(answer.reading, { maxLength: 4000 }),
  ];
}
