/**
 * mrr_history's bridge per plan over the retention period (lib/history/retention_period.ts: the
 * trailing 12 months to the last month end, or the months stored): each plan's start, movements
 * summed over the period's months and end, from the history sheet's plan rows. "Which plans lose
 * revenue?" had only the company's bridge and each plan's retention, whose new, reactivated and
 * moved-in customers are left out; the per-plan bridge was in the report and the workbook only.
 */
import { markdownTable } from "../formats/markdown.ts";
import { BRIDGE_MOVEMENTS, formatCents, signedCents } from "../history/report_cells.ts";
import type { Row } from "./text.ts";
import { ALL_PLANS } from "../history/plan_label.ts";

const cents = (value: unknown) => Math.round(Number(value ?? 0) * 100);

/**
 * Per plan: plan, from_as_of, as_of, start_mrr_usd, each movement summed, end_mrr_usd, over the
 * months after the period's start snapshot up to its end. `plans`: the history sheet's rows but
 * the company's; `retention`: the retention sheet's rows (its period's from_as_of and as_of).
 * Empty when no period is there.
 */
export function planPeriodRows(plans: Row[], retention: Row[]): Row[] {
  const period = retention.find((row) => row.period !== "month" && row.plan === ALL_PLANS);
  if (!period) return [];
  const months = [...new Set(plans.map((row) => row.as_of))];
  const first = months.indexOf(period.from_as_of) + 1;
  const inPeriod = new Set(months.slice(first, months.indexOf(period.as_of) + 1));
  const byPlan = Map.groupBy(
    plans.filter((row) => inPeriod.has(row.as_of)),
    (row) => String(row.plan),
  );
  return [...byPlan.entries()].map(([plan, rows]) => ({
    plan,
    from_as_of: period.from_as_of,
    as_of: period.as_of,
    start_mrr_usd: cents(rows[0].start_mrr_usd) / 100,
    ...Object.fromEntries(
      BRIDGE_MOVEMENTS.map(({ name }) => [
        `${name}_usd`,
        rows.reduce((sum, row) => sum + cents(row[`${name}_usd`]), 0) / 100,
      ]),
    ),
    end_mrr_usd: cents(rows.at(-1)!.end_mrr_usd) / 100,
  }));
}

/** The rows as a Markdown section: losses with their minus sign, as the bridge's tables. */
export function planPeriodMarkdown(rows: Row[]): string | null {
  if (rows.length === 0) return null;
  const amount = (value: unknown, movement = { loss: false }) =>
    formatCents(signedCents(cents(value), movement));
  return [
    `### Per plan, as-of ${rows[0].from_as_of} → ${rows[0].as_of}`,
    "",
    "Each plan's recurring MRR over the retention period, its months' movements summed (a customer that changed plan moved out of its old plan and into its new one).",
    "",
    markdownTable(
      ["plan", "start", ...BRIDGE_MOVEMENTS.map((m) => m.label), "end"],
      rows.map((row) => [
        String(row.plan),
        amount(row.start_mrr_usd),
        ...BRIDGE_MOVEMENTS.map((m) => amount(row[`${m.name}_usd`], m)),
        amount(row.end_mrr_usd),
      ]),
    ),
  ].join("\n");
}
