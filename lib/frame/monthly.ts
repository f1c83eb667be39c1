/**
 * The one place an N-day window's usage is put on a 30-day basis. mrr, list prices and everything
 * else "per month" are monthly amounts; requests, LLM cost, infrastructure cost and PTB revenue are
 * the window's. A figure that sets the two against each other (a margin, revenue per request, MRR
 * per 1,000 requests, a per-request list price) reads the window's figure × 30 / windowDays, so a
 * 7-day export's margins match a 30-day one's when usage is uniform. The `_30d` columns keep the
 * window's raw values; a ratio of two window figures needs no factor (it cancels).
 */
import pl from "nodejs-polars";

/** Days of the month the monthly amounts (mrr, list prices) stand for. */
export const MONTH_DAYS = 30;

/** The factor that turns an N-day window's figure into a 30-day one: 30 / windowDays. */
export function monthlyFactor(windowDays: number): number {
  if (!Number.isInteger(windowDays) || windowDays < 1) {
    throw new Error(`windowDays must be a whole number ≥ 1, got ${windowDays}`);
  }
  return MONTH_DAYS / windowDays;
}

/** The export's warning for a window other than 30 days, or null for a 30-day one. */
export function windowWarning(windowDays: number): string | null {
  if (windowDays === MONTH_DAYS) return null;
  return `window is ${windowDays} days: columns named *_30d hold ${windowDays}-day values; margins, revenue_per_request, list prices and per-plan ratios set them against monthly MRR on a 30-day basis (× 30 / ${windowDays})`;
}

/**
 * A window figure (as Float64) on a 30-day basis. A 30-day window gets the figure as it is: no
 * multiplication, so the default export's numbers stay the same to the last bit.
 */
export function monthlyExpr(windowFigure: pl.Expr, windowDays: number): pl.Expr {
  const factor = monthlyFactor(windowDays);
  const value = windowFigure.cast(pl.Float64);
  return factor === 1 ? value : value.mul(factor);
}

/**
 * The window columns that add up over the days (usage, cost and PTB revenue amounts), which a
 * monthly price or MRR set against them reads on a 30-day basis. active_users_30d is a count of
 * distinct users, not a sum over days: it is not scaled. Nor are the counts of requests with no
 * cost recorded (requests_cost_unknown_30d, ptb_requests_cost_unknown_30d): a fact of the window's
 * data that no price is set against, said as the window's own (× 30 / 7 they would count requests
 * never sent).
 */
export const ADDITIVE_WINDOW_COLUMNS: readonly string[] = [
  "requests_30d",
  "ptb_requests_30d",
  "byok_requests_30d",
  "prompts_used_30d",
  "llm_cost_30d",
  "llm_cost_ptb_30d",
  "llm_cost_byok_30d",
  "ptb_revenue_30d",
  "company_cost_30d",
];

/**
 * `frame` with its additive window columns on a 30-day basis, for pricing a window's usage at
 * monthly prices (a scenario); the frame itself for a 30-day window.
 */
export function usageOnMonthlyBasis(frame: pl.DataFrame, windowDays: number): pl.DataFrame {
  if (monthlyFactor(windowDays) === 1) return frame;
  return frame.withColumns(
    ...ADDITIVE_WINDOW_COLUMNS.filter((name) => frame.columns.includes(name))
      .map((name) => monthlyExpr(pl.col(name), windowDays).alias(name)),
  );
}
