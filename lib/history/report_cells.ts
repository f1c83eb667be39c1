/**
 * The history report's table cells and headers (report.ts): exact cents, the names and
 * definition of the history's own ratios, kept apart from the export's ARPA and margins, and the
 * plan changes' table.
 */
import pl from "nodejs-polars";
import type { ColumnUnit } from "../frame/columns.ts";
import { markdownTable } from "../formats/markdown.ts";
import { counted, UNKNOWN_FROM_QUERY_OR_FILE } from "../core/words.ts";
import { formatMinorUnits } from "../revenue/currency.ts";
import { formatCount, formatPct } from "../report/numbers.ts";
import { MOVEMENTS } from "./bridge.ts";
import type { SnapshotPeriod } from "./periods.ts";

/**
 * Integer cents as USD, to the cent: polars divides a column by a number as a product with its
 * reciprocal (301320 ÷ 100 read 3013.2000000000003 in the XLSX); round(2) gives the quotient.
 */
export const centsToUsd = (column: string) => pl.col(column).cast(pl.Float64).div(100).round(2);

/** A percentage of integer sums, to 2 decimals; null when the whole is 0 (retention, cohorts). */
export const percentOfSums = (
  { part, whole, name }: { part: string; whole: string; name: string },
) =>
  pl.when(pl.col(whole).gt(0))
    .then(pl.col(part).cast(pl.Float64).mul(100).div(pl.col(whole)).round(2))
    .otherwise(pl.lit(null).cast(pl.Float64)).alias(name);

/** Units of the `history` sheet's numeric columns, for its number formats (lib/formats/xlsx.ts). */
export function historySheetUnits(columns: readonly string[]): Record<string, ColumnUnit> {
  const units: Record<string, ColumnUnit> = {};
  for (const name of columns) {
    if (name.endsWith("_usd")) units[name] = "USD";
    else if (name.endsWith("_pct")) units[name] = "percent";
    else if (
      // organizations (paying_orgs, llm_cost_unknown_orgs …) and customers are counted
      name.endsWith("_customers") || name.endsWith("_orgs") ||
      [PAYING_ORGS_SHEET_NAME, "requests", "requests_30_days", "months_covered"].includes(name)
    ) {
      units[name] = "count";
    }
  }
  return units;
}

/** Integer cents as `$1,250.10` (`-$…` for negatives), exactly. */
export function formatCents(cents: number): string {
  return formatMinorUnits(cents, "USD");
}

/** A cell of the report's tables: "–" where the value is not known (null, NaN), as the brief's. */
const known = (value: unknown) => typeof value === "number" ? value : NaN;
const usd = (value: unknown) => formatCents(Math.round(known(value) * 100));
const pct = (value: unknown) => formatPct(known(value));
export const count = (value: unknown) => formatCount(known(value));

export type Row = Record<string, unknown>;

/**
 * The bridge's movements in its tables' order, one list for the history report's cents rows and
 * mrr_history's per-plan USD rows: `name` the column's stem (`new_cents`, `new_usd`), `label` its
 * header, `loss` one that takes MRR away (shown with its minus sign, so a row's cells add up to its
 * end); `plan` (moved in/out) a plan's only, `fx` shown where some row has an FX impact.
 */
export const BRIDGE_MOVEMENTS: readonly {
  name: string;
  label: string;
  loss: boolean;
  plan?: true;
  fx?: true;
}[] = [
  { name: "new", label: "new", loss: false },
  { name: "expansion", label: "expansion", loss: false },
  { name: "contraction", label: "contraction", loss: true },
  { name: "churn", label: "churn", loss: true },
  { name: "reactivation", label: "reactivation", loss: false },
  { name: "paused", label: "paused", loss: true },
  { name: "resumed", label: "resumed", loss: false },
  { name: "moved_in", label: "moved in", loss: false, plan: true },
  { name: "moved_out", label: "moved out", loss: true, plan: true },
  { name: "fx_impact", label: "FX impact", loss: false, fx: true },
];

/** The movements a bridge table shows: moved in/out on a plan's (`moves`), FX impact when `fx`. */
export const bridgeMovements = ({ moves, fx }: { moves: boolean; fx: boolean }) =>
  BRIDGE_MOVEMENTS.filter((m) => (moves || !m.plan) && (fx || !m.fx));

/** A movement's amount in integer cents as shown: a loss with its minus sign. */
export const signedCents = (cents: number, { loss }: { loss: boolean }) =>
  loss && cents !== 0 ? -cents : cents;

/**
 * A bridge row's cells: start, the movements (moves: moved in/out too, a plan's), fx: the FX
 * impact (signed), end and the trends.
 */
export function bridgeCells(row: Row, shown: { moves: boolean; fx: boolean }): string[] {
  const c = (name: string) => formatCents(row[`${name}_cents`] as number);
  return [
    c("start"),
    ...bridgeMovements(shown).map((m) =>
      formatCents(signedCents(row[`${m.name}_cents`] as number, m))
    ),
    c("end"),
    count(row.paying_orgs),
    usd(row.mrr_recurring_per_paying_org_usd),
    count(row.requests),
    partialUsd(row.llm_cost_usd, row.llm_cost_unknown),
    partialUsd(row.llm_cost_ptb_usd, row.llm_cost_ptb_unknown),
    typeof row.llm_cost_ptb_unknown === "number" && row.llm_cost_ptb_unknown > 0
      ? "unknown (a PTB LLM cost unknown)"
      : pct(row.mrr_margin_after_ptb_llm_pct),
  ];
}

/**
 * A cost sum whose `unknown` organizations' cost is not in it (empty in the snapshot: a query's NaN
 * or infinity, or an imported file's empty cell, so words true of both):
 * "$2.85 (a partial sum: 2 organizations' unknown: NaN, infinite or empty)"; the sum alone when
 * none is.
 */
function partialUsd(value: unknown, unknown: unknown): string {
  if (typeof unknown !== "number" || unknown === 0) return usd(value);
  return `${usd(value)} (a partial sum: ${count(unknown)} organization${
    unknown === 1 ? "'s" : "s'"
  } unknown: ${UNKNOWN_FROM_QUERY_OR_FILE})`;
}

/**
 * The history's paying organizations: recurring MRR (`mrr_recurring`) > 0, not the headline's
 * "organizations with MRR > 0" (`mrr`, usage charges included): labelled with what it counts,
 * here and in the `history` sheet (PAYING_ORGS_SHEET_NAME), so the two never read as one figure.
 */
export const PAYING_ORGS_LABEL = "paying orgs (recurring MRR > 0)";
/** The `history` sheet's name of the `paying_orgs` column (the CSV keeps its name). */
export const PAYING_ORGS_SHEET_NAME = "paying_orgs_recurring_mrr";

/** The columns after the movements: the end and the trends. */
const TREND_HEADER = [
  "end",
  PAYING_ORGS_LABEL,
  "recurring MRR ÷ paying orgs",
  "requests (30 d)",
  "LLM cost (30 d)",
  "PTB LLM cost (30 d)",
  "MRR margin after PTB LLM cost",
];

/**
 * A bridge table's bridge and trend headers, as bridgeCells' cells: start, the movements shown
 * (bridgeMovements), end and the trends.
 */
export const bridgeHeader = (shown: { moves: boolean; fx: boolean }): string[] => [
  "start",
  ...bridgeMovements(shown).map((m) => m.label),
  ...TREND_HEADER,
];

/** Whether any row of the bridges has an FX impact: the Markdown tables then show its column. */
export const anyFxImpact = (...frames: pl.DataFrame[]): boolean =>
  frames.some((frame) =>
    frame.height > 0 && frame.filter(pl.col("fx_impact_cents").neq(0)).height > 0
  );

/**
 * What the history's own ratios are. They are not the export's ARPA and company-cost margin (a
 * snapshot holds no PTB revenue and no infrastructure cost), so they get names of their own and
 * this sentence wherever they are shown beside the headline.
 */
export const HISTORY_RATIOS_NOTE =
  "Not the headline's ARPA and margin: *recurring MRR ÷ paying orgs* is the end (`mrr_recurring`, no metered usage) over the organizations paying recurring MRR (*paying orgs (recurring MRR > 0)*; the headline's ARPA divides `mrr`, usage charges included, by its organizations with MRR > 0); *MRR margin after PTB LLM cost* is (`mrr` − `llm_cost_ptb_30d`) ÷ `mrr`, with neither PTB revenue nor infrastructure cost (the headline's company-cost margin, `gross_margin_company_pct`, counts both).";

/**
 * The plan changes while paying: how many customers moved (planChangeSums' `organizations`),
 * upgrades, downgrades and those at the same MRR (a move to another book's plan name is neither),
 * and the table per month and pair.
 */
export function planChangesMarkdown(
  changes: Row[],
  period: (asOf: string) => SnapshotPeriod,
): string[] {
  const total = (name: string) => changes.reduce((n, r) => n + (r[name] as number), 0);
  const sameMrr = (r: Row) =>
    (r.organizations as number) - (r.upgrades as number) - (r.downgrades as number);
  const same = total("organizations") - total("upgrades") - total("downgrades");
  const summary = `Plan changes while paying: ${
    counted(total("organizations"), "customer")
  } moved plan: ${counted(total("upgrades"), "upgrade")}, ${
    counted(total("downgrades"), "downgrade")
  }, ${same.toLocaleString("en-US")} at the same MRR.`;
  if (changes.length === 0) return [summary];
  return [
    summary,
    "",
    markdownTable(
      [
        "month",
        "from plan",
        "to plan",
        "customers",
        "upgrades",
        "downgrades",
        "at the same MRR",
        "MRR before",
        "MRR after",
      ],
      changes.map((r) => [
        period(r.month as string).label,
        r.from_plan as string,
        r.to_plan as string,
        count(r.organizations),
        count(r.upgrades),
        count(r.downgrades),
        count(sameMrr(r)),
        formatCents(r.mrr_before_cents as number),
        formatCents(r.mrr_after_cents as number),
      ]),
    ),
  ];
}

/**
 * The company bridge's logo counts (bridge.ts movementSums): customers paying at the start and the
 * end of each month, and how many each movement moved. A customer is a Stripe customer, however
 * many organizations share it, or an organization without one.
 */
export function customerCountsMarkdown(company: Row[], labels: string[]): string[] {
  if (company.length === 0) return [];
  const names = ["start", ...MOVEMENTS, "end"];
  return [
    "Customers per movement (a Stripe customer once, however many organizations share it; an organization without one on its own): paying at the start and the end, and how many each movement moved.",
    "",
    markdownTable(
      ["month", ...names.map((m) => m === "start" || m === "end" ? `paying at ${m}` : m)],
      company.map((r, i) => [labels[i], ...names.map((m) => count(r[`${m}_customers`]))]),
    ),
    "",
  ];
}
