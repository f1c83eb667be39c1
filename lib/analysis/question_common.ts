/**
 * What the pricing questions (lib/analysis/questions.ts) share: the answer shape, thresholds and
 * model prices with their defaults, column checks and the words numbers are read in.
 */
import pl from "nodejs-polars";
import { exportFrameFromCsvText } from "../formats/read_export.ts";
import { numberParameters, parameterError } from "../core/parameters.ts";
import { quoteParameter } from "../core/quote.ts";
import { inWindowWords } from "../core/window.ts";
import { isUnknownNumber, plainNumber, UNKNOWN_MARK, withSign } from "../core/signs.ts";
import { formatCount, formatScaledCount } from "../report/numbers.ts";
import { partialSumWords, UNKNOWN_FROM_QUERY_OR_FILE } from "../core/words.ts";
import { ADDITIVE_WINDOW_COLUMNS, MONTH_DAYS } from "../frame/monthly.ts";
import type { ColumnUnit } from "../frame/column_def.ts";

/**
 * The units of the columns the answers' tables make up (the export's own columns have theirs in
 * lib/frame/columns.ts; `*_usd` and `*_pct` say theirs): how a table writes their numbers.
 */
export const ANSWER_COLUMN_UNITS: Readonly<Record<string, ColumnUnit>> = {
  organizations: "count",
  own_tier_organizations: "count",
  unknown_mrr: "count",
  typed_by_customer: "count",
  company_margin_organizations: "count",
  ptb_revenue_unknown: "count",
  prompt_requests_30d: "count",
  current_mrr: "USD per month",
  seat_based: "USD per month",
  usage_based: "USD per month",
  pct_of_llm_cost: "USD per month",
  mrr_per_org: "USD per month",
  company_margin_revenue: "USD",
  company_margin_cost: "USD",
};

export interface Answer<Facts> {
  /** a short table: the top organizations, or one row per group */
  table: pl.DataFrame;
  /** the numbers the reading is built from */
  facts: Facts;
  /** one sentence that reads the facts */
  reading: string;
  /**
   * when the table lists the first `top` (thresholds.top) of `of` organizations: both, so a cut
   * table can say so (the facts count all `of`)
   */
  ranked?: { top: number; of: number };
  /**
   * the days of the window the usage came from: other than 30, the usage was put on a 30-day
   * basis (× 30 / days) and the reading, the table's usage columns (`*_per_30d`) and the chart
   * say so
   */
  windowDays: number;
  /**
   * what an organization had to meet to be in the table, in words ("≥ 50,000 requests in the
   * window"), where a chart names it when none did
   */
  criteria?: string;
}

/**
 * What window the frame's usage came from (questions_page.ts and the MCP server put another
 * window's usage on a 30-day basis before asking): 30 unless given.
 */
export interface UsageBasis {
  windowDays?: number;
}

/** The basis' window in days, checked: a whole number ≥ 1 (30 when not given). */
export function basisDays(basis: UsageBasis = {}): number {
  const days = basis.windowDays ?? MONTH_DAYS;
  if (!Number.isInteger(days) || days < 1) {
    throw parameterError(`windowDays must be a whole number ≥ 1, got ${quoteParameter(days)}`);
  }
  return days;
}

/**
 * Thresholds are per 30 days and set against monthly MRR, so another window is judged on its
 * usage put on a 30-day basis; the words say so. "in the 30-day window", or "per 30 days".
 */
export function usageWords(windowDays: number): string {
  return windowDays === MONTH_DAYS ? inWindowWords(windowDays) : `per ${MONTH_DAYS} days`;
}

/**
 * `reading` as is for a 30-day window; for another, led by what its numbers are: "On a 30-day
 * basis (the 7-day window's usage × 30/7): …".
 */
export function onBasis(reading: string, windowDays: number): string {
  if (windowDays === MONTH_DAYS) return reading;
  return `On a ${MONTH_DAYS}-day basis (the ${windowDays}-day window's usage × ${MONTH_DAYS}/${windowDays}): ${
    reading[0].toLowerCase()
  }${reading.slice(1)}`;
}

/** The usage columns an answer's table shows on a 30-day basis (scaled by usageOnMonthlyBasis). */
const SCALED_COLUMNS = new Set([...ADDITIVE_WINDOW_COLUMNS, "prompt_requests_30d"]);

/**
 * The name a table column has on `windowDays`' basis: a scaled `requests_30d` of a 7-day window
 * is `requests_per_30d`, so it is not read as the export file's `requests_30d` (the window's).
 */
export function basisColumn(name: string, windowDays: number): string {
  return windowDays === MONTH_DAYS || !SCALED_COLUMNS.has(name)
    ? name
    : name.replace(/_30d$/, `_per_${MONTH_DAYS}d`);
}

/**
 * A table of organizations to act on (reach out to, upgrade, keep): `org_id` first where the frame
 * has it. Names are customer-chosen and not unique: two organizations can be named alike, or look
 * alike once the Markdown and HTML outputs drop zero-width and bidi characters (`Acme\u200BCorp`
 * reads `AcmeCorp`); the id says which one a row is.
 */
export function withOrgId(frame: pl.DataFrame, columns: readonly string[]): string[] {
  return frame.columns.includes("org_id") ? ["org_id", ...columns] : [...columns];
}

/** An answer's table with its scaled usage columns named as basisColumn names them. */
export function tableOnBasis(table: pl.DataFrame, windowDays: number): pl.DataFrame {
  if (windowDays === MONTH_DAYS) return table;
  return table.rename(
    Object.fromEntries(table.columns.map((name) => [name, basisColumn(name, windowDays)])),
  );
}

/**
 * Usage thresholds are per 30 days: another window's usage is put on a 30-day basis before it is
 * judged (UsageBasis), as MRR is monthly.
 */
export interface QuestionThresholds {
  /** Underpriced: at least this many requests in 30 days … (default 100,000) */
  underpricedMinRequests: number;
  /** … or at least this much LLM cost in 30 days, USD … (default $500) */
  underpricedMinLlmCostUsd: number;
  /** … while paying at most this MRR, USD per month (default $100). */
  underpricedMaxMrrUsd: number;
  /** Upgrade candidates: free tier with at least this many requests in 30 days (default 50,000). */
  upgradeMinRequests: number;
  /** Upgrade candidates: the paid seat price their upside is computed at, USD (default Pro's $20). */
  upgradeSeatPriceUsd: number;
  /** Rows in each table (default 15). */
  top: number;
}

export const DEFAULT_THRESHOLDS: Readonly<QuestionThresholds> = {
  underpricedMinRequests: 100_000,
  underpricedMinLlmCostUsd: 500,
  underpricedMaxMrrUsd: 100,
  upgradeMinRequests: 50_000,
  upgradeSeatPriceUsd: 20,
  top: 15,
};

/** Simple pricing models to hold against current MRR. */
export interface ModelPrices {
  /** Seat-based: USD per seat per month (default $20, Pro's list price). */
  seatPriceUsd: number;
  /** Usage-based: USD per 1,000 requests (default $0.50). */
  per1kRequestsUsd: number;
  /** Percentage of LLM cost, in percent (default 2). */
  pctOfLlmCost: number;
}

export const DEFAULT_MODEL_PRICES: Readonly<ModelPrices> = {
  seatPriceUsd: 20,
  per1kRequestsUsd: 0.5,
  pctOfLlmCost: 2,
};

/**
 * The thresholds with their defaults under `overrides`; a misspelled key, a negative or non-number
 * value, or a `top` that is not a whole number ≥ 1 is a one-line UserError naming `thresholds`.
 */
export function thresholds(overrides: Partial<QuestionThresholds> = {}): QuestionThresholds {
  return numberParameters<QuestionThresholds>(overrides, {
    name: "thresholds",
    defaults: DEFAULT_THRESHOLDS,
    rules: { top: { min: 1, whole: true } },
  });
}

/** The model prices with their defaults under `prices`, checked as thresholds() checks. */
export function modelPrices(prices: Partial<ModelPrices> = {}): ModelPrices {
  return numberParameters<ModelPrices>(prices, {
    name: "modelPrices",
    defaults: DEFAULT_MODEL_PRICES,
  });
}

export function requireColumns(
  frame: pl.DataFrame,
  { question, names }: { question: string; names: string[] },
): void {
  const missing = names.filter((n) => !frame.columns.includes(n));
  if (missing.length > 0) {
    throw new Error(
      `${question}: the frame has no column ${
        missing.join(", ")
      }; pass the export frame (loadPricingData().frame or a CSV read back with its header)`,
    );
  }
}

/** Sum of a column, nulls skipped (0 for an empty frame). */
export function columnTotal(frame: pl.DataFrame, name: string): number {
  let total = 0;
  for (const value of frame.getColumn(name).toArray() as unknown[]) {
    if (value !== null && value !== undefined) total += Number(value);
  }
  return total;
}

/**
 * Sum of a column's known values; null when the frame has rows and none is known (an unknown
 * total, not $0), 0 for an empty frame.
 */
export function knownTotal(frame: pl.DataFrame, name: string): number | null {
  const column = frame.getColumn(name);
  return frame.height > 0 && column.nullCount() === frame.height ? null : columnTotal(frame, name);
}

/**
 * The rows of `frame` whose `name` is unknown (empty: a NaN or infinite figure from a query, or an
 * empty cell of an export file),
 * which columnTotal leaves out of its sum.
 */
export function unknownCount(frame: pl.DataFrame, name: string): number {
  return frame.height === 0 ? 0 : frame.getColumn(name).nullCount();
}

/**
 * A sum in a sentence that says when it is a partial one: "$12.50"; "$12.50 over 2 of 3
 * organizations; 1 unknown (NaN, infinite or empty)" when `unknown` of the `rows` are not in it;
 * "an unknown amount (NaN, infinite or empty)" when all are (a sum of none is no $0).
 */
export function usdOver(
  total: number,
  { rows, unknown, unit }: { rows: number; unknown: number; unit?: string },
): string {
  if (unknown > 0 && unknown === rows) return `an unknown amount (${UNKNOWN_FROM_QUERY_OR_FILE})`;
  // the questions read a query's data or an export file's: words true of both
  const words = partialSumWords({
    known: rows - unknown,
    unknown,
    unit,
    why: UNKNOWN_FROM_QUERY_OR_FILE,
  });
  return words === "" ? usd(total) : `${usd(total)} ${words}`;
}

export function countWhere(frame: pl.DataFrame, predicate: pl.Expr): number {
  return frame.filter(predicate).height;
}

/**
 * A magnitude of 1e15 or more with an exponent at 12 significant digits (`2e+300`), as the CSV
 * and the MCP tables write it: plain digits ran to 301 places with their commas.
 */
function huge(value: number): string | null {
  return Number.isFinite(value) && Math.abs(value) >= 1e15
    ? Number(value.toPrecision(12)).toExponential()
    : null;
}

/**
 * $1,234, $12.34 under $100, $20 for whole dollars: money in sentences; -$5.50 for a loss (the
 * sign before the "$", as formatUsd), "–" when not known (lib/core/signs.ts).
 */
export function usd(value: number): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  const abs = Math.abs(value);
  const exponent = huge(abs);
  if (exponent !== null) return withSign(value, `$${exponent}`);
  const digits = abs < 100 && !Number.isInteger(value) ? 2 : 0;
  return withSign(value, `$${plainNumber(abs, { digits })}`);
}

/** 1,234,567; "–" when not known */
export function count(value: number): string {
  return huge(value) ?? formatCount(value);
}

/**
 * "1 request", "3 requests"; a count put on a 30-day basis (a fraction) as shown: "1 request" for
 * 1.2, and "< 1 request" where it is above 0 and rounds to 0 (a 100-day window's 1 is 0.3), not
 * "0 requests" beside the bound it bears out.
 */
export function plural(
  n: number,
  { one, many = `${one}s` }: { one: string; many?: string },
): string {
  const exponent = huge(n);
  if (exponent !== null) return `${exponent} ${many}`;
  const shown = formatScaledCount(n);
  return `${shown.text} ${shown.one ? one : many}`;
}

/**
 * An export CSV (helicone_pricing_data_*.csv) read back into a typed frame, so the questions can
 * be asked of the exact file that was handed on (lib/formats/read_export.ts checks it is one of ours).
 */
export function exportFrameFromCsv(text: string): pl.DataFrame {
  return exportFrameFromCsvText(text);
}

export const mrrKnown = () => pl.col("mrr").isNotNull();

/**
 * In an aggregation: the column's sum over its known values, null when none is known (a sum of
 * nothing read as $0 would say "pays nothing").
 */
export function knownSum(name: string): pl.Expr {
  return pl.when(pl.col(name).isNotNull().any()).then(pl.col(name).sum())
    .otherwise(pl.lit(null)).cast(pl.Float64);
}

/** "is" or "are" for `n` organizations. */
export const isAre = (n: number) => n === 1 ? "is" : "are";

/** 14.7 %, or the word "unknown" (in a sentence) for a group without a company-basis margin. */
export function percent(value: number | null): string {
  return isUnknownNumber(value) ? "unknown" : `${+value.toFixed(1)} %`;
}

/** PTB vs BYOK (questions.ts ptbVsByok): traffic types in the table's order, facts per type. */
export const TRAFFIC_TYPES = ["gateway only (PTB)", "mixed", "BYOK only", "no requests"] as const;
export type TrafficType = typeof TRAFFIC_TYPES[number];
/**
 * The type of an organization (or shared Stripe customer) whose PTB or BYOK request count is
 * unknown (a NaN or infinite count from a query) where it decides the type: said, never guessed as
 * "no requests". Its table row and facts are there only when some organization has it.
 */
export const TRAFFIC_UNKNOWN = "traffic unknown";
/** PTB vs BYOK's facts: one per type, and TRAFFIC_UNKNOWN's only when some organization has it. */
export type TrafficTypeFacts =
  & Record<TrafficType, TrafficFacts>
  & { [TRAFFIC_UNKNOWN]?: TrafficFacts };

export interface TrafficFacts {
  organizations: number;
  /**
   * those of them whose own traffic is another type: organizations sharing a Stripe customer are
   * typed by their traffic together
   */
  typedByCustomer: number;
  /**
   * its requests with no cost recorded (requests_cost_unknown_30d), the window's count on any
   * window (usageOnMonthlyBasis leaves them); present only when above 0 (absent too where the
   * export does not know it: one from before the column)
   */
  requestsCostUnknown?: number;
  /**
   * of requestsCostUnknown, the pass-through ones the company pays the provider for
   * (ptb_requests_cost_unknown_30d); present only with requestsCostUnknown, and only where it is
   * known (absent in an export from before the column: the reading then goes by traffic type)
   */
  ptbRequestsCostUnknown?: number;
  /** MRR summed over the organizations with known MRR; null when none is known */
  mrrUsd: number | null;
  /** organizations whose MRR is unknown (not in mrrUsd) */
  unknownMrr: number;
  /**
   * LLM cost; null when an organization's is unknown (a NaN or infinite figure from a query), as
   * the table's: costUnknown says how many and the sum over the others
   */
  llmCostUsd: number | null;
  /** pass-through LLM cost: the part the company pays (null as llmCostUsd) */
  ptbLlmCostUsd: number | null;
  /**
   * per cost the fact leaves null: the organizations whose cost is unknown and the sum over the
   * others (a partial sum, which the reading gives as one). Present only when some is unknown
   */
  costUnknown?: Partial<Record<TrafficCost, { organizations: number; knownUsd: number }>>;
  /** PTB revenue received for that cost (ptb_revenue_30d), over the organizations it was read for */
  ptbRevenueUsd: number | null;
  /**
   * organizations whose Stripe customer's PTB revenue was not read (not in ptbRevenueUsd; not one
   * whose customer's is on a sibling's row)
   */
  ptbRevenueUnread: number;
  /** company_cost_30d: pass-through LLM cost plus infrastructure (null as llmCostUsd) */
  companyCostUsd: number | null;
  /**
   * (Σ(mrr + ptb_revenue_30d) − Σ company_cost_30d) / Σ(mrr + ptb_revenue_30d) × 100 with the
   * per-plan table's sums (lib/economics/margin_sums.ts): revenue over every organization with
   * known revenue, paying or not, cost over those and the ones a sibling's row carries; null when
   * that revenue is not above $0 or PTB revenue was not read for one with PTB cost
   */
  companyMarginPct: number | null;
  /** the organizations companyMarginPct is over and their sums (the totals above are all's) */
  companyMargin: {
    organizations: number;
    mrrUsd: number;
    ptbRevenueUsd: number;
    companyCostUsd: number;
    /** organizations with known MRR and PTB cost (or an unknown one) whose PTB revenue was not read */
    ptbRevenueUnknown: number;
    /** of ptbRevenueUnknown, those whose PTB cost is unknown (empty). Present only when some is */
    ptbCostUnknown?: number;
    /**
     * organizations the margin counts whose company cost is unknown (NaN or infinite): the margin
     * is then null. Present only when some is
     */
    costUnknown?: number;
  };
}

/** The cost facts of a traffic type that are null when an organization's is unknown. */
export type TrafficCost = "llmCostUsd" | "ptbLlmCostUsd" | "companyCostUsd";
