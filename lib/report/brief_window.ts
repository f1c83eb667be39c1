/**
 * What the brief says about an export window other than 30 days (`--days N`): the suggested
 * questions in the window's terms, the one line on derived columns left at the window's length,
 * and the By tier note. A 30-day brief gets none of it (its bytes stay as they were).
 *
 * One rule for the questions: a question names each window figure it sets against a monthly amount
 * (mrr, a price) as a placeholder, and a placeholder reads the figure on a 30-day basis
 * (`name × 30 / N`, lib/frame/monthly.ts) — the basis gross_margin_pct and revenue_per_request use.
 */
import { COLUMNS } from "../frame/columns.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";

/**
 * The spec's analysis questions (pricing-export-spec.md, Step 2 and Key Pricing Questions).
 * `{name}` (inside a code span) is a window column set against monthly amounts; `{label|name}`
 * is the same in words, the column named after the label on another window.
 */
const QUESTION_TEMPLATES = [
  "Show me organizations with high {usage|requests_30d} but low revenue.",
  "What would revenue be if we charged 2% of {LLM cost|llm_cost_30d} instead of seat-based?",
  "Who are our most and least profitable customers?",
  "Find free users who should be on paid plans.",
  "Calculate breakeven pricing tiers.",
  "Underpriced customers: high `{requests_30d}` or `{llm_cost_30d}` but low `mrr`.",
  "Upgrade candidates: `tier = free` with high usage.",
  "Churn risk: negative gross margin (`{llm_cost_30d} > mrr`).",
  "Pricing model comparison: seat-based (`mrr` vs `seats`), usage-based (`mrr` vs `{requests_30d}`), % of cost (`mrr` vs `{llm_cost_30d} × percentage`).",
  "Feature adoption: who uses the prompts add-on (`addon_prompts`, `addons_in_metadata`, `prompts_used_30d`)? Should it be included in base tiers?",
  // the company-basis margin is what a gateway-only price is judged on: said where it is a bound
  "PTB vs BYOK: should gateway-only customers (`has_gateway_only`) be priced differently? Their `gross_margin_company_pct` is an upper bound where `ptb_requests_cost_unknown_30d` is above 0 (pass-through requests with no cost recorded).",
];

const PLACEHOLDER = /\{(?:([^|{}]+)\|)?([a-z0-9_]+)\}/g;

/** A window column as it is set against monthly amounts: on a 30-day basis for another window. */
export function onMonthlyBasis(name: string, windowDays: number): string {
  return windowDays === MONTH_DAYS ? name : `${name} × ${MONTH_DAYS} / ${windowDays}`;
}

function question(template: string, windowDays: number): string {
  return template.replace(PLACEHOLDER, (_, label: string | undefined, name: string) => {
    const figure = onMonthlyBasis(name, windowDays);
    if (label === undefined) return figure;
    return windowDays === MONTH_DAYS ? label : `${label} (\`${figure}\`)`;
  });
}

/** The questions for an export of `windowDays`. */
export function suggestedQuestions(windowDays: number): string[] {
  return QUESTION_TEMPLATES.map((t) => question(t, windowDays));
}

/** The questions of a 30-day export. */
export const SUGGESTED_QUESTIONS: readonly string[] = suggestedQuestions(MONTH_DAYS);

/** Above the questions on another window: why they read `× 30 / N`. */
export function questionsNote(windowDays: number): string[] {
  if (windowDays === MONTH_DAYS) return [];
  return [
    `The window is ${windowDays} days: where a question sets usage or LLM cost against monthly \`mrr\` or a price, it reads them on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS} / ${windowDays}), as \`gross_margin_pct\` and \`revenue_per_request\` do.`,
    "",
  ];
}

/**
 * Money ratios that hold the window's amount (a window sum over a count that does not add up over
 * days), each with the monthly ratio of the same unit it sits beside: from the column table.
 */
export function windowAmountRatios(): { name: string; monthly: string[] }[] {
  const derived = COLUMNS.filter((c) => c.source === "Derived" && !c.name.endsWith("_30d"));
  return derived
    .filter((c) => c.window === "window" && c.unit.startsWith("USD"))
    .map((c) => ({
      name: c.name,
      monthly: derived.filter((m) => m.unit === c.unit && m.window === undefined).map((m) =>
        m.name
      ),
    }));
}

/** The Scope's line on derived money columns left at the window's length (none for 30 days). */
export function windowAmountLines(windowDays: number): string[] {
  if (windowDays === MONTH_DAYS) return [];
  return windowAmountRatios().map(({ name, monthly }) =>
    `- Not rescaled: \`${name}\` is a ${windowDays}-day figure${
      monthly.length > 0 ? ` beside monthly ${monthly.map((m) => `\`${m}\``).join(", ")}` : ""
    }; × ${MONTH_DAYS} / ${windowDays} puts it on a ${MONTH_DAYS}-day basis before comparing.`
  );
}

/** After the By tier note on another window: the table's usage and cost are the window's sums. */
export function tierWindowNote(windowDays: number): string {
  if (windowDays === MONTH_DAYS) return "";
  return ` Window of ${windowDays} days: \`requests_30d\` and \`llm_cost_30d\` are the window's sums, as in Totals, beside monthly \`mrr\` (× ${MONTH_DAYS} / ${windowDays} puts them on a ${MONTH_DAYS}-day basis); the negative-margin count sets the LLM cost on that basis against \`mrr\`, as \`gross_margin_pct\` does.`;
}
