/**
 * The brief's Scope section: the window, the organizations and columns, where revenue came from,
 * the discounts it is net of and which money columns are per month or the window's, and the run's
 * warnings after it.
 */
import { COLUMNS } from "../frame/columns.ts";
import { markdownList } from "../formats/markdown.ts";
import { listInWords, nounFor } from "../core/words.ts";
import { DEFAULT_RULES, DISCOUNT_POLICY_WORDS, type DiscountPolicy } from "../revenue/rules.ts";
import { formatCount } from "./numbers.ts";
import { convertedRevenueLines } from "./brief_currency.ts";
import type { BriefFile, BriefInput } from "./brief_input.ts";
import { windowAmountLines } from "./brief_window.ts";

/**
 * Scope, from its heading; `primary` is the export file the brief describes (the CSV, else the
 * first written), named beside the trimmed file when there is one.
 */
export function scopeSection(input: BriefInput, primary: BriefFile | undefined): string[] {
  const { data } = input;
  const { frame } = data;
  const windowStart = new Date(data.asOf.getTime() - data.windowDays * 86_400_000);
  return [
    "## Scope",
    "",
    `- As of ${data.asOf.toISOString()} (UTC). Usage columns (names ending in \`_30d\`) cover the window [${windowStart.toISOString()}, ${data.asOf.toISOString()}), ${data.windowDays} days${
      data.windowDays === 30
        ? ""
        : `: despite their names, \`_30d\` columns hold ${data.windowDays}-day values`
    }.`,
    ...windowAmountLines(data.windowDays),
    input.trimmed && primary
      ? `- ${formatCount(frame.height)} ${
        nounFor(frame.height, "organization")
      } in the full export \`${primary.name}\`, one row each (the trimmed \`${input.trimmed.name}\`: ${
        formatCount(input.trimmed.rows)
      }), ${COLUMNS.length} columns.`
      : `- ${formatCount(frame.height)} ${
        nounFor(frame.height, "organization")
      }, one row each, ${COLUMNS.length} columns.`,
    `- Revenue source: ${revenueSourceText(data.revenue.source)}.`,
    ...discountLines(data.revenue.discountPolicy),
    moneyLine(data.windowDays, Boolean(input.history && input.historyByCurrency)),
    ...convertedRevenueLines(frame, data.revenue.fxRates),
  ];
}

/** The run's warnings after Scope, a blank line before them; nothing when there are none. */
export function warningLines(warnings: string[]): string[] {
  if (warnings.length === 0) return [];
  return ["", "Warnings from this run:", "", ...markdownList(warnings)];
}

/** `a`, `b` and `c`: column names in a sentence. */
function codeList(names: readonly string[]): string {
  return listInWords(names.map((n) => `\`${n}\``));
}

/**
 * The scope's money line, from the column table's units: which USD columns are per month and
 * which are the window's totals (ptb_revenue_30d among them: revenue received in the window).
 * `perCurrency`: the brief has the history's MRR per currency section, whose tables are not USD.
 */
export function moneyLine(windowDays: number, perCurrency = false): string {
  const usdColumns = (unit: string) => COLUMNS.filter((c) => c.unit === unit).map((c) => c.name);
  const window = usdColumns("USD").filter((name) => name.endsWith("_30d"));
  const allTime = usdColumns("USD").filter((name) => name.includes("all_time"));
  const except = perCurrency
    ? ", except in MRR per currency (each table in its billing currency)"
    : "";
  return `- Money is USD${except}. Per month: ${
    codeList(usdColumns("USD per month"))
  }. Totals for the ${windowDays}-day window, not per month: ${
    codeList(window)
  } (\`ptb_revenue_30d\` is the PTB revenue received in the window)${
    allTime.length > 0 ? `; all time: ${codeList(allTime)}` : ""
  }. Ratios per seat or request and percentages are as their units say (Columns).`;
}

/**
 * The Scope's line on the discounts revenue is net of (revenue-rules.md: a setting, its default
 * stated); none when no revenue was read.
 */
function discountLines(policy: DiscountPolicy | undefined): string[] {
  if (!policy) return [];
  const setting = policy === DEFAULT_RULES.discountPolicy
    ? ", the default"
    : `; the default is \`${DEFAULT_RULES.discountPolicy}\``;
  return [
    `- Discounts (\`PRICING_STRIPE_DISCOUNTS\` = \`${policy}\`${setting}): ${
      DISCOUNT_POLICY_WORDS[policy]
    }; a discount never takes an amount below 0.`,
  ];
}

/** Where revenue came from, in the Scope's words. */
function revenueSourceText(source: string): string {
  switch (source) {
    case "stripe":
      return "fetched from Stripe during this run";
    case "cache":
      return "today's Stripe cache";
    case "demo":
      return "the demo generator";
    default:
      return "none: revenue was not fetched (Stripe skipped or failed), so revenue columns are empty, which means unknown";
  }
}
