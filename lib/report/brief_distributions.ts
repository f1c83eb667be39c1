/**
 * The brief's Distributions table: quantiles per organization of the headline columns, and of
 * `mrr` over paying organizations, in one select over the export frame.
 */
import pl from "nodejs-polars";
import { COLUMNS, HEADLINE_COLUMNS } from "../frame/columns.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { markdownCode, markdownTable, trustedMarkdown } from "../formats/markdown.ts";
import { formatCount } from "./numbers.ts";
import { countWhere, figures, formatFigure, known, num, sortedKnown } from "./brief_figures.ts";

/**
 * The q-quantile with linear interpolation between closest ranks (numpy's default):
 * position (n − 1)·q in the sorted values. (Polars' quantile(q, "linear") is the same rule.)
 */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** The columns whose distributions the brief gives: the headline ones. */
export const DISTRIBUTION_COLUMNS = HEADLINE_COLUMNS;

/**
 * Each margin's basis, as README's "Which margin?" names them: the spec's gross_margin_pct
 * subtracts all LLM cost, BYOK included; the company's only what the company pays.
 */
const MARGIN_BASIS: Record<string, string> = {
  gross_margin_pct: "spec basis (all LLM cost)",
  gross_margin_company_pct: "company basis (company cost)",
};

const QUANTILES: [string, number][] = [
  ["min", 0],
  ["p25", 0.25],
  ["median", 0.5],
  ["p75", 0.75],
  ["p90", 0.9],
  ["max", 1],
];

/**
 * The `mrr` row over paying organizations only, after the one over all (most organizations are
 * free: that one's median is $0). Paying as this brief counts them everywhere else: MRR > 0 (the
 * unit economics' Paying organizations, Totals, By tier and the per-plan paying_organizations
 * that ARPA divides by), so its count is theirs; the history's paying orgs count recurring MRR.
 */
export const PAYING_MRR_LABEL = "`mrr`, paying organizations only (MRR > 0)";

/** Paying organizations: MRR > 0 (an empty mrr counts as no). */
const paying = () => pl.col("mrr").gt(0).fillNull(false);

/**
 * Quantiles per organization of the headline columns, and of `mrr` over paying organizations;
 * another window's usage columns say they are the window's, its margin that it is on a 30-day
 * basis (a 7-day p90 read as a month's).
 */
export function distributionSection(frame: pl.DataFrame, windowDays = MONTH_DAYS): string {
  const exprs: Record<string, pl.Expr> = {};
  for (const name of DISTRIBUTION_COLUMNS) {
    exprs[`${name}:n`] = known(name);
    const sorted = sortedKnown(num(name));
    for (const [label, q] of QUANTILES) exprs[`${name}:${label}`] = sorted.quantile(q, "linear");
  }
  exprs["paying:n"] = countWhere(paying());
  const payingMrr = sortedKnown(num("mrr").filter(paying()));
  for (const [label, q] of QUANTILES) {
    exprs[`paying:${label}`] = payingMrr.quantile(q, "linear");
  }
  const f = figures(frame, exprs);
  const rows = DISTRIBUTION_COLUMNS.flatMap((name) => {
    const def = COLUMNS.find((c) => c.name === name)!;
    const basis = MARGIN_BASIS[name];
    const window = windowDays === MONTH_DAYS
      ? ""
      : def.window === "window"
      ? ` (${windowDays} days)`
      : def.window === "30-day basis"
      ? ` (the ${windowDays}-day window on a ${MONTH_DAYS}-day basis)`
      : "";
    const unit = def.unit;
    const row = [
      trustedMarkdown(`${markdownCode(name).markdown}${window}${basis ? `, ${basis}` : ""}`),
      formatCount(f[`${name}:n`]!),
      ...QUANTILES.map(([label]) => formatFigure(f[`${name}:${label}`], unit)),
    ];
    if (name !== "mrr") return [row];
    return [row, [
      trustedMarkdown(PAYING_MRR_LABEL),
      formatCount(f["paying:n"]!),
      ...QUANTILES.map(([label]) => formatFigure(f[`paying:${label}`], unit)),
    ]];
  });
  return markdownTable(["column", "values", ...QUANTILES.map(([label]) => label)], rows);
}
