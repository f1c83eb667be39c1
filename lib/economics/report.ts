/**
 * The economics in words and tables for every output: the headline KPIs (headline_margins.ts), the
 * per-plan table, the price book and the cost model. Plan names come from a file and org-facing
 * text is data: everything printed is escaped.
 */
import pl from "nodejs-polars";
import { basename } from "node:path";
import {
  escapeMarkdown,
  markdownCode,
  markdownTable,
  trustedMarkdown,
} from "../formats/markdown.ts";
import { formatCount, formatPct, formatUsd, formatUsd4, UNKNOWN_MARK } from "../report/numbers.ts";
import { costModelInWords } from "./cost_model.ts";
import type { EconomicsContext } from "./types.ts";
import { PER_PLAN_COLUMNS, type PerPlanRow, perPlanRows, perPlanTable } from "./per_plan.ts";
import { type PriceBook, priceBookInWords, usagePricedPlans } from "./price_book.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { listInWords } from "../core/words.ts";
import { headlineKpis, type Kpi } from "./headline_margins.ts";
import { type PtbTimingPlan, ptbTimingPlans } from "./ptb_timing.ts";
import { perPlanRunNotes } from "./run_notes.ts";

export type { EconomicsContext } from "./types.ts";

/** The per-plan rows of a frame, price-book order, `all` last. */
export function planEconomics(
  frame: pl.DataFrame,
  { book, windowDays }: { book: PriceBook; windowDays: number },
): PerPlanRow[] {
  return perPlanRows(
    perPlanTable(frame, {
      windowDays,
      planOrder: book.scenario.plans.map((p) => p.name),
      usagePricedPlans: usagePricedPlans(book),
    }),
  );
}

/**
 * How the per-plan table's margins (its `all` row's too) differ from the headline margins shown
 * above it: the XLSX summary sheet and the export notebook say it in these words.
 */
export const PER_PLAN_MARGINS_NOTE =
  "Rows are price-book plans; all = every organization. Margins are ratios of sums over every organization of the plan with known revenue, paying or not (a free or trialing organization's cost counts against the plan's revenue), plus the cost of organizations whose revenue a shared customer's other organization carries (that revenue known): the headline margins above, plan by plan, and all's margins are the headline's. A Stripe customer several organizations share counts, with all of them, in the plan of the one whose row carries its revenue. A plan with cost and no revenue has no margin (–, an empty cell in the workbook), and so has a plan's company basis where PTB revenue was not read and the plan had PTB cost.";

// ── formatting (small and local: the brief's helpers import this module) ──────────────────

/** A KPI as the brief's numbers: lib/report/numbers.ts ("–" when not known). */
export function formatKpi(value: number | null, unit: Kpi["unit"]): string {
  if (value === null) return UNKNOWN_MARK;
  if (unit === "percent") return formatPct(value);
  if (unit === "USD") return formatUsd(value);
  return formatCount(value);
}

/** How each per-plan column is printed. */
export const PER_PLAN_DISPLAY: Record<Exclude<keyof PerPlanRow, "plan">, Kpi["unit"] | "USD4"> = {
  organizations: "count",
  paying_organizations: "count",
  seats: "count",
  mrr: "USD",
  arpa: "USD",
  mrr_per_seat: "USD",
  mrr_per_1k_requests: "USD4",
  llm_cost_per_1k_requests: "USD4",
  company_llm_cost_per_1k_requests: "USD4",
  ptb_cost_share_pct: "percent",
  margin_all_pct: "percent",
  margin_company_pct: "percent",
  gross_profit_company_usd: "USD",
  negative_margin_all: "count",
  negative_margin_company: "count",
  list_price_mrr: "USD",
  mrr_to_list_pct: "percent",
};

export function formatPlanCell(column: keyof PerPlanRow, value: number | string | null): string {
  if (column === "plan") return String(value);
  const kind = PER_PLAN_DISPLAY[column];
  if (value === null) return UNKNOWN_MARK;
  return kind === "USD4" ? formatUsd4(value as number) : formatKpi(value as number, kind);
}

/**
 * Under the per-plan table: which plans' company margins PTB cost without PTB revenue in the
 * window pulls down, by timing, and apart from them by PTB cost of organizations without a Stripe
 * customer, which is no timing (lib/economics/ptb_timing.ts), so a negative free plan is not read
 * as free PTB users losing money. Names only: why PTB revenue and cost can differ in a window is
 * the Cost model's bullet below, and each plan's figures and cause its warning's, said once there.
 */
function ptbTimingParagraph(
  frame: pl.DataFrame,
  { windowDays, ptbRevenueRead }: { windowDays: number; ptbRevenueRead: boolean },
): string {
  const rows = ptbTimingPlans(frame, windowDays);
  const names = (plans: readonly PtbTimingPlan[]) =>
    listInWords(plans.map((p) => `**${escapeMarkdown(p.plan)}**`));
  const timing = rows.filter((p) => p.timing);
  const noCustomer = rows.filter((p) => p.noCustomer);
  return [
    "PTB timing (why PTB revenue and PTB cost can differ in a window: Cost model, below):",
    // not read: the plans it would pull down have no company margin to pull down (–)
    !ptbRevenueRead
      ? "PTB revenue was not read, so whether a plan's company margin is pulled down by it cannot be told: those with PTB cost have none (–)."
      : timing.length === 0
      ? "no plan's company margin is pulled down by it."
      : `it pulls down the company margin of ${names(timing)} (the warnings give the figures).`,
    ...(noCustomer.length === 0 ? [] : [
      `Not timing: the company margin of ${
        names(noCustomer)
      } counts PTB cost of organizations without a Stripe customer, which no PTB revenue can be on record for (the warnings give the figures and why).`,
    ]),
  ].join(" ");
}

/** The brief's economics section (Markdown lines). */
export function economicsBriefLines(
  frame: pl.DataFrame,
  context: EconomicsContext,
  { fxRates, windowStart }: {
    /** the rates that converted revenue to USD (the currency line's example is at this run's) */
    fxRates?: Record<string, number>;
    /** the window's start: organizations created after it are said to have part of a month */
    windowStart?: Date;
  } = {},
): string[] {
  const { windowDays } = context;
  const rows = planEconomics(frame, { book: context.priceBook, windowDays });
  const kpis = headlineKpis(frame, { windowDays, costModel: context.costModel });
  const columns = Object.keys(PER_PLAN_DISPLAY) as (keyof PerPlanRow)[];
  return [
    "## Unit economics by plan",
    "",
    "Two margin bases, both ratios of sums (revenue-weighted). The headline and every per-plan row count every organization with known revenue, paying or not (free and trialing organizations' cost included): a plan's margin is the headline's over its organizations. The company-cost margin counts only what the company pays (LLM cost of pass-through-billed requests plus infrastructure) against MRR plus PTB revenue; the spec's margin subtracts all LLM cost, including BYOK cost the customer pays the provider.",
    "",
    // another window: its cost and requests are the window's, the margins' on a 30-day basis (a
    // reader checking a margin against the Totals' window sums would see a contradiction)
    ...(windowDays === MONTH_DAYS ? [] : [
      `Window of ${windowDays} days: every margin and per-request ratio here sets the window's LLM cost, PTB revenue and requests on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS} / ${windowDays}) against monthly MRR and list prices; the Totals' sums are the window's own.`,
      "",
    ]),
    markdownTable(
      ["measure", "value", "basis"],
      kpis.map((k) => [k.label, trustedMarkdown(formatKpi(k.value, k.unit)), k.basis]),
    ),
    "",
    `Per plan (price-book plan version of each organization, column \`plan\`; the last row, \`all\`, is every organization, and its margins are the headline's). PTB revenue ${
      context.ptbRevenueRead
        ? "was read"
        : "not read: a plan's company-basis margin is – when one of its organizations had PTB cost"
    }. Each cell is rounded from exact sums, \`all\`'s too (MRR converted from another currency has fractions of a cent), so the plans' \`mrr\` and \`list_price_mrr\` as shown can add up to a few cents more or less than \`all\`'s.`,
    "",
    markdownTable(
      ["plan", ...columns.map((c) => `\`${c}\``)],
      rows.map((row) => [
        row.plan, // price-book text: escaped by markdownTable
        ...columns.map((c) => trustedMarkdown(formatPlanCell(c, row[c]))),
      ]),
    ),
    "",
    ...perPlanRunNotes(frame, { fxRates, windowStart }),
    ptbTimingParagraph(frame, { windowDays, ptbRevenueRead: context.ptbRevenueRead }),
    "",
    "Columns (each ratio's own organizations):",
    "",
    ...PER_PLAN_COLUMNS.map(([name, definition]) =>
      // kit-authored text, printed as written (escaping showed "&lt; 0")
      `- ${markdownCode(name).markdown}: ${definition}`
    ),
    "",
    "### Price book",
    "",
    `List prices per plan version, from ${
      markdownCode(basename(context.priceBook.file)).markdown
    } (also the "current pricing" scenario), in the order they are tried: an organization gets the first plan that matches it, and a plan's row above holds every tier the plan matches. \`list_price_mrr\` is seats or flat fee, the usage the plan prices itself (per request, % of LLM cost), minimum and add-ons; metered prices (listed as billed by Stripe) are billed as usage and not in it.`,
    "",
    ...priceBookInWords(context.priceBook).map(([plan, words]) =>
      `- **${escapeMarkdown(plan)}**: ${escapeMarkdown(words, { maxLength: 1000 })}`
    ),
    "",
    "### Cost model",
    "",
    ...costModelInWords(context.costModel).map((line) => `- ${line}`),
  ];
}
