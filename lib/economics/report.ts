/**
 * The economics in words and tables for every output: headline KPIs (company-cost margin first,
 * the spec's beside it, each with its basis), the per-plan table, the price book and the cost
 * model. Plan names come from a file and org-facing text is data: everything printed is escaped.
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
import { formatNumber } from "../formats/csv_rows.ts";
import type { EconomicsContext } from "./types.ts";
import {
  nonUsdListed,
  PER_PLAN_COLUMNS,
  type PerPlanRow,
  perPlanRows,
  perPlanTable,
} from "./per_plan.ts";
import { type PriceBook, priceBookInWords, usagePricedPlans } from "./price_book.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { listInWords } from "../core/words.ts";
import { marginConditions, marginPct, marginSums } from "./margin_sums.ts";
import { withCustomerColumns } from "../revenue/shared_customers.ts";
import { revenueOnSibling } from "../revenue/columns.ts";
import { organizationsText, type PtbTimingPlan, ptbTimingPlans } from "./ptb_timing.ts";

export type { EconomicsContext } from "./types.ts";

export interface Kpi {
  label: string;
  value: number | null;
  unit: "percent" | "USD" | "count";
  /** the basis, in words, printed under the value */
  basis: string;
}

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

/** What the headline margins need besides the frame. */
export interface MarginOptions {
  /** the export window's days: window cost and PTB revenue are set against mrr on a 30-day basis */
  windowDays: number;
}

/**
 * Company-wide margins: every organization whose revenue is known, its cost included, and the
 * cost of organizations whose revenue a sibling's row carries (shared_customer). Window cost and
 * PTB revenue are on a 30-day basis (lib/frame/monthly.ts), as mrr is monthly.
 */
export interface CompanyMargins {
  /**
   * (Σ(mrr + PTB revenue) − Σ company_cost_30d) / Σ(mrr + PTB revenue) × 100; null when some
   * organization with known MRR has PTB cost but no PTB revenue read (`ptbRevenueUnknown`):
   * leaving it out would drop its cost, counting its PTB revenue as 0 would not be the margin
   */
  companyPct: number | null;
  /** organizations with known MRR and PTB cost (or an unknown one) whose PTB revenue was not read */
  ptbRevenueUnknown: number;
  /** of ptbRevenueUnknown, those whose PTB cost is unknown (empty) */
  ptbCostUnknown: number;
  /**
   * organizations the company margin counts whose company_cost_30d is unknown (NaN or infinite
   * from a query): the margin is then null, not one over a partial cost
   */
  companyCostUnknown: number;
  /**
   * pass-through requests with no cost recorded (ptb_requests_cost_unknown_30d) of the
   * organizations whose cost the company margin counts: their PTB LLM cost is missing from it, so
   * it is an upper bound; 0 in an export from before the column (empty), which cannot say
   */
  ptbRequestsCostUnknown: number;
  /** (Σ mrr − Σ llm_cost_30d) / Σ mrr × 100 (the spec's basis); null when a counted cost is unknown */
  specPct: number | null;
  /** organizations the spec margin counts whose llm_cost_30d is unknown */
  specCostUnknown: number;
  mrr: number | null;
  /** organizations with MRR > 0; null when no MRR is known (a count of unknowns is not 0) */
  paying: number | null;
  /** organizations whose MRR is known (not empty) */
  mrrKnown: number;
}

/** The pass-through requests with no cost recorded: the company margin leaves their cost out. */
const PTB_COST_UNKNOWN = "ptb_requests_cost_unknown_30d";

/**
 * companyMargins once per frame and window: an export's brief and workbook both read the headline
 * KPIs, each a customer join and margin sums over every row (~0.1–0.3 s of CPU at a million
 * organizations, the more the more share a customer). Frames are not changed in place; only the
 * few numbers are kept.
 */
const marginsOf = new WeakMap<pl.DataFrame, Map<number, CompanyMargins>>();

export function companyMargins(frame: pl.DataFrame, options: MarginOptions): CompanyMargins {
  const byWindow = marginsOf.get(frame) ?? new Map<number, CompanyMargins>();
  marginsOf.set(frame, byWindow);
  const margins = byWindow.get(options.windowDays) ?? workedOutMargins(frame, options);
  byWindow.set(options.windowDays, margins);
  return { ...margins };
}

function workedOutMargins(frame: pl.DataFrame, options: MarginOptions): CompanyMargins {
  const mrrKnown = pl.col("mrr").isNotNull();
  const sums = withCustomerColumns(frame).select(
    ...marginSums({ windowDays: options.windowDays }),
    pl.when(pl.col("mrr").gt(0)).then(pl.lit(1)).otherwise(pl.lit(0)).sum().alias("paying"),
    mrrKnown.cast(pl.Int32).sum().alias("known"),
    ...(frame.columns.includes(PTB_COST_UNKNOWN)
      ? [
        pl.when(marginConditions().companyCost)
          .then(pl.col(PTB_COST_UNKNOWN).cast(pl.Float64).fillNull(0))
          .otherwise(pl.lit(0)).sum().alias(PTB_COST_UNKNOWN),
      ]
      : []),
  ).toRecords()[0] as Record<string, number>;
  return {
    companyPct: sums._ptb_unknown > 0 || sums._company_cost_unknown > 0
      ? null
      : marginPct(sums._company_revenue, sums._company_cost),
    ptbRevenueUnknown: sums._ptb_unknown,
    ptbCostUnknown: sums._ptb_cost_unknown,
    companyCostUnknown: sums._company_cost_unknown,
    ptbRequestsCostUnknown: Number(sums[PTB_COST_UNKNOWN] ?? 0),
    specPct: sums._spec_cost_unknown > 0 ? null : marginPct(sums._spec_revenue, sums._spec_cost),
    specCostUnknown: sums._spec_cost_unknown,
    mrr: sums.known > 0 ? sums._spec_revenue : null,
    paying: sums.known > 0 ? sums.paying : null,
    mrrKnown: sums.known,
  };
}

/**
 * How the per-plan table's margins (its `all` row's too) differ from the headline margins shown
 * above it: the XLSX summary sheet and the export notebook say it in these words.
 */
export const PER_PLAN_MARGINS_NOTE =
  "Rows are price-book plans; all = every organization. Margins are ratios of sums over every organization of the plan with known revenue, paying or not (a free or trialing organization's cost counts against the plan's revenue), plus the cost of organizations whose revenue a shared customer's other organization carries (that revenue known): the headline margins above, plan by plan, and all's margins are the headline's. A Stripe customer several organizations share counts, with all of them, in the plan of the one whose row carries its revenue. A plan with cost and no revenue has no margin (–, an empty cell in the workbook), and so has a plan's company basis where PTB revenue was not read and the plan had PTB cost.";

/**
 * Why the headline company margin is not known (the brief, the workbook and the admin page): of
 * the organizations counted, `ptbCostUnknown` had an unknown PTB cost, not one known to be there.
 */
export function companyMarginUnknownReason(
  ptbRevenueUnknown: number,
  ptbCostUnknown = 0,
): string {
  const cost = ptbCostUnknown === 0
    ? "PTB cost"
    : ptbCostUnknown === ptbRevenueUnknown
    ? `${ptbRevenueUnknown === 1 ? "an " : ""}unknown PTB cost`
    : `PTB cost or an unknown one (${ptbCostUnknown.toLocaleString("en-US")} unknown)`;
  return `not known: PTB revenue not read (the warnings say why) and ${
    ptbRevenueUnknown.toLocaleString("en-US")
  } organization${ptbRevenueUnknown === 1 ? "" : "s"} with known MRR had ${cost}`;
}

/**
 * Why a headline margin is not known when a cost it counts is (NaN or infinite from a query): a
 * margin on the known costs alone would read better than it is.
 */
export function costUnknownReason(organizations: number, column: string): string {
  return `not known: the ${column} of ${organizations.toLocaleString("en-US")} organization${
    organizations === 1 ? "" : "s"
  } it counts is unknown (NaN or infinite; the warnings say which query)`;
}

/** The company-cost margin's basis, when it is known. */
const COMPANY_MARGIN_FORMULA =
  "(MRR + PTB revenue − PTB LLM cost − infrastructure) / (MRR + PTB revenue), every organization with known revenue";

/**
 * "upper bound: N pass-through requests had no cost recorded" where counted pass-through requests
 * had no cost recorded (their cost is missing from the company margin); null where none did. The
 * brief, the workbook and the admin page's card say it in these words.
 */
export function companyMarginUpperBound(ptbRequestsCostUnknown: number): string | null {
  if (!(ptbRequestsCostUnknown > 0)) return null;
  return `upper bound: ${formatCount(ptbRequestsCostUnknown)} pass-through request${
    ptbRequestsCostUnknown === 1 ? "" : "s"
  } had no cost recorded`;
}

/**
 * The known company-cost margin's basis: the upper bound, said first, where counted pass-through
 * requests had no cost recorded; under the 200-character cap with any count, the free and
 * shared-customer clause (said above the table) given up for it.
 */
function companyMarginBasis(ptbRequestsCostUnknown: number): string {
  const bound = companyMarginUpperBound(ptbRequestsCostUnknown);
  if (bound !== null) return `${bound}; ${COMPANY_MARGIN_FORMULA}`;
  return `${COMPANY_MARGIN_FORMULA}, free and shared-customer ones' cost included`;
}

/** Headline KPIs: the company-cost margin leads, the spec's beside it, each with its basis. */
export function headlineKpis(frame: pl.DataFrame, options: MarginOptions): Kpi[] {
  const m = companyMargins(frame, options);
  return [
    {
      label: "Gross margin, company cost",
      value: m.companyPct,
      unit: "percent",
      // a table cell: at most 200 characters (markdownTable cuts longer text)
      basis: m.ptbRevenueUnknown > 0
        ? companyMarginUnknownReason(m.ptbRevenueUnknown, m.ptbCostUnknown)
        : m.companyCostUnknown > 0
        ? costUnknownReason(m.companyCostUnknown, "company_cost_30d")
        : companyMarginBasis(m.ptbRequestsCostUnknown),
    },
    {
      label: "Gross margin, all LLM cost (spec)",
      value: m.specPct,
      unit: "percent",
      basis: m.specCostUnknown > 0
        ? costUnknownReason(m.specCostUnknown, "llm_cost_30d")
        : "(MRR − all LLM cost, BYOK included) / MRR, every organization with known MRR, free and shared-customer ones' LLM cost included",
    },
    { label: "MRR", value: m.mrr, unit: "USD", basis: "spec MRR, known values" },
    { label: "Paying organizations", value: m.paying, unit: "count", basis: payingBasis(m, frame) },
  ];
}

/**
 * What the paying count covers: every organization, or only those with MRR on their own row. A
 * shared_customer row's empty mrr is not unknown (its customer's revenue is on another row; the
 * admin page counts it among the known), so the two kinds of empty mrr are said apart.
 */
function payingBasis(m: CompanyMargins, frame: pl.DataFrame): string {
  const empty = frame.height - m.mrrKnown;
  if (empty === 0) return "MRR > 0";
  if (m.mrrKnown === 0) return "not known: no organization's MRR is known (empty mrr)";
  // (an empty frame returned above: empty === 0)
  const onSibling = Number(
    frame.select(revenueOnSibling(frame).cast(pl.Int32).sum().alias("n")).getColumn("n").get(0),
  );
  const count = (n: number) => n.toLocaleString("en-US");
  const notCounted = [
    ...(onSibling > 0
      ? [
        `${
          count(onSibling)
        } sharing a Stripe customer whose revenue another organization's row carries`,
      ]
      : []),
    ...(empty - onSibling > 0 ? [`${count(empty - onSibling)} with unknown MRR`] : []),
  ];
  return `MRR > 0, of the ${count(m.mrrKnown)} organizations with MRR on their own row (${
    notCounted.join(", ")
  }: empty mrr, not counted)`;
}

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

/**
 * Under the per-plan table, when mrr_to_list_pct counts customers billed in another currency than
 * USD: their converted MRR against the USD price book reads the exchange rate at list price. The
 * example is at this run's rate (`fxRates`, USD per unit by code) of the first currency it has;
 * without one it names no rate (a fixed one read as this run's).
 */
function nonUsdListedLines(frame: pl.DataFrame, fxRates: Record<string, number> = {}): string[] {
  const found = nonUsdListed(frame);
  if (!found) return [];
  const { organizations, currencies, plans } = found;
  const codes = listInWords(currencies.map((code) => escapeMarkdown(code)));
  const planList = listInWords(plans.map((plan) => `**${escapeMarkdown(plan)}**`));
  const rated = currencies.find((code) => Number.isFinite(fxRates[code]) && fxRates[code] > 0);
  const example = rated === undefined
    ? `79 ${escapeMarkdown(currencies[0])} for a $79 plan reads 100 × its rate in USD`
    : `79 ${escapeMarkdown(rated)} for a $79 plan at this run's ${escapeMarkdown(rated)} ${
      formatNumber(fxRates[rated])
    }: ${formatPct(fxRates[rated] * 100)}`;
  return [
    `Currency: ${organizationsText(organizations)} counted in \`mrr_to_list_pct\` ${
      organizations === 1 ? "is" : "are"
    } billed in ${codes}, not USD (plans ${planList}): their MRR is converted to USD at \`PRICING_FX_RATES\` and set against the USD price book, so one paying its plan's list price in its own currency reads the exchange rate (${example}), not a premium, and those plans' \`mrr_to_list_pct\` moves with the rate.`,
    "",
  ];
}

/**
 * Under the per-plan table, when organizations were created inside the window: their window
 * columns cover only the days since, yet mrr is a whole month's, so their margins read high (and a
 * list price on usage low). Created exactly at the start, an organization had the whole window.
 */
function partialMonthLines(frame: pl.DataFrame, windowStart: Date | undefined): string[] {
  if (!windowStart || !frame.columns.includes("created_at")) return [];
  const created = frame.select(
    pl.col("created_at").gt(pl.lit(windowStart)).fillNull(false).sum().alias("n"),
  ).getColumn("n").toArray()[0] as number;
  if (!created) return [];
  const start = windowStart.toISOString().replace(/T00:00:00\.000Z$/, "").replace(/\.000Z$/, "Z");
  const one = created === 1;
  return [
    `Partial month: ${organizationsText(created)} ${
      one ? "was" : "were"
    } created inside the window (after its start, ${start}): ${
      one ? "its" : "their"
    } \`_30d\` usage and cost cover only the days since, set against a whole month's \`mrr\`, so ${
      one ? "its" : "their"
    } margins read higher, and a list price on usage lower, than a whole month of ${
      one ? "its" : "their"
    } use would make them.`,
    "",
  ];
}

/**
 * Under the per-plan table, what this run's data says of its figures: customers billed in another
 * currency and organizations created inside the window (Markdown lines, each followed by ""; none
 * when neither applies). The brief prints them, and so does the export notebook's economics cell.
 */
export function perPlanRunNotes(
  frame: pl.DataFrame,
  { fxRates, windowStart }: { fxRates?: Record<string, number>; windowStart?: Date },
): string[] {
  return [...nonUsdListedLines(frame, fxRates), ...partialMonthLines(frame, windowStart)];
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
  const kpis = headlineKpis(frame, { windowDays });
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
