/**
 * Metered usage above a plan's included amount that Stripe did not bill: revenue leakage.
 *
 * The rule, from the price book's data model: a plan whose `meteredPrices.requests` lists an
 * included amount and bands (the 2025-12-10 plans: first 10,000 requests a month free, then
 * graduated) bills every request above the included amount as Stripe usage, which reaches the
 * export as `usage_charges`. An organization on such a plan with a counted subscription
 * (`billing_interval` set), more requests on a 30-day basis than its plan includes, and
 * nothing billed for them before discounts (`usage_charges` 0 and `usage_discounts` 0) was billed
 * nothing: `unbilled_usage_usd` is what those requests cost at the plan's list bands, a month. Judged
 * before discounts, so a coupon taking all of the usage off (a concession, said apart:
 * discountedUsage) is not leakage, and the column is the same under every PRICING_STRIPE_DISCOUNTS
 * (usage_charges is net of the discounts it counts, usage_discounts of none). 0 where nothing is
 * unbilled (within the included amount, or Stripe billed metered usage: its amount is not
 * second-guessed); empty where it cannot be judged
 * (a plan without metered request prices, the legacy ones whose list prices are not known; no
 * counted subscription; revenue not known or on another organization's row; a customer whose
 * subscriptions are all in their first billing period, the revenue stage's FIRST_PERIOD_OPEN: Stripe
 * bills metered usage at a period's end, so none was due yet, and a customer of ten days is no
 * leakage). usage_charges is the last closed period's and requests_30d the window's, so usage that
 * only rose in the period under way reads unbilled too: the note says to check the subscription
 * (the description, that usage_charges is the last closed period's).
 */
import pl from "nodejs-polars";
import type { PerRequestPricing } from "../analysis/scenario/model.ts";
import { monthlyExpr } from "../frame/monthly.ts";
import type { PriceBook } from "./types.ts";
import { formatUsd } from "../core/usd.ts";
import { formatCount } from "../report/numbers.ts";
import { FIRST_PERIOD_OPEN } from "../revenue/columns.ts";

export const UNBILLED_USAGE_COLUMN = "unbilled_usage_usd";
export const USAGE_DISCOUNTS_COLUMN = "usage_discounts";

/**
 * USD for `requests` under per-request pricing, as a Polars expression: the scenario's
 * requestChargeUsd (lib/analysis/scenario/pricing.ts) over a column, so a million organizations
 * are priced without a JS array of them.
 */
export function requestChargeExpr(requests: pl.Expr, pricing: PerRequestPricing): pl.Expr {
  const included = pricing.includedRequests;
  const billable = requests.minus(included).clip(0, Number.MAX_VALUE);
  if (pricing.mode === "volume") {
    // every billable request at the rate of the band the total falls in
    let rate: pl.Expr | null = null;
    let chain: pl.Then | pl.ChainedThen | null = null;
    for (const tier of pricing.tiers) {
      if (tier.upTo === null) {
        rate = chain ? chain.otherwise(pl.lit(tier.usdPer1k)) : pl.lit(tier.usdPer1k);
        break;
      }
      const when = requests.ltEq(tier.upTo);
      chain = chain
        ? chain.when(when).then(pl.lit(tier.usdPer1k))
        : pl.when(when).then(pl.lit(tier.usdPer1k));
    }
    rate ??= chain!.otherwise(pl.lit(null));
    return billable.div(1000).mul(rate);
  }
  // graduated: each band's requests above the included amount at that band's rate
  let total: pl.Expr = pl.lit(0);
  let lower = 0;
  for (const tier of pricing.tiers) {
    const from = Math.max(lower, included);
    const upper = tier.upTo ?? Number.MAX_VALUE;
    if (upper > from) {
      const inBand = requests.clip(from, upper).minus(from);
      total = total.add(inBand.mul(tier.usdPer1k / 1000));
    }
    if (tier.upTo === null) break;
    lower = tier.upTo;
  }
  return total;
}

/** The price book's plans with metered request prices, by name. */
export function meteredRequestPlans(
  book: PriceBook,
): { name: string; pricing: PerRequestPricing }[] {
  return book.scenario.plans.flatMap((plan) =>
    !plan.keepCurrentMrr && plan.meteredPrices?.requests
      ? [{ name: plan.name, pricing: plan.meteredPrices.requests }]
      : []
  );
}

/**
 * `unbilled_usage_usd` (see the module comment) over an export frame holding `plan`,
 * `requests_30d`, `usage_charges`, `usage_discounts` and `billing_interval`, and, where the
 * revenue stage made it, FIRST_PERIOD_OPEN (`frameColumns`, the frame's: a frame without it, made
 * by hand or read back from a file, judges every counted subscription).
 */
export function unbilledUsageExpr(
  { book, windowDays, frameColumns }: {
    book: PriceBook;
    windowDays: number;
    frameColumns: readonly string[];
  },
): pl.Expr {
  const plans = meteredRequestPlans(book);
  if (plans.length === 0) return pl.lit(null).cast(pl.Float64).alias(UNBILLED_USAGE_COLUMN);
  const requests = monthlyExpr(pl.col("requests_30d"), windowDays);
  // plans with the same bands priced by one expression (the 2025-12-10 pro and team share theirs):
  // each is a pass over every row
  const byPricing = new Map<string, { names: string[]; pricing: PerRequestPricing }>();
  for (const { name, pricing } of plans) {
    const key = JSON.stringify(pricing);
    const same = byPricing.get(key);
    if (same) same.names.push(name);
    else byPricing.set(key, { names: [name], pricing });
  }
  let listUsd: pl.Then | pl.ChainedThen | null = null;
  for (const { names, pricing } of byPricing.values()) {
    const isPlan = pl.col("plan").isIn(names);
    const charge = requestChargeExpr(requests, pricing);
    listUsd = listUsd ? listUsd.when(isPlan).then(charge) : pl.when(isPlan).then(charge);
  }
  // only a plan with metered request prices is judged: another plan's billed usage is not a 0
  // (nor counted among the judged by discountedUsage)
  const judged = pl.col("plan").isIn(plans.map((plan) => plan.name)).fillNull(false)
    .and(pl.col("usage_charges").isNotNull())
    .and(pl.col("billing_interval").isNotNull())
    .and(pl.col("requests_30d").isNotNull())
    .and(
      frameColumns.includes(FIRST_PERIOD_OPEN)
        ? pl.col(FIRST_PERIOD_OPEN).fillNull(false).not()
        : pl.lit(true),
    );
  // billed before discounts: whatever the discount setting took off usage_charges, a discount
  // above 0 means Stripe billed the usage it took off
  const billed = pl.col("usage_charges").gt(0)
    .or(pl.col(USAGE_DISCOUNTS_COLUMN).fillNull(0).gt(0));
  return pl.when(judged.not()).then(pl.lit(null))
    .when(billed).then(pl.lit(0))
    .otherwise(listUsd!.otherwise(pl.lit(null)))
    .cast(pl.Float64)
    .alias(UNBILLED_USAGE_COLUMN);
}

/** What a column adds up to over organizations: those above 0, and their USD a month. */
export interface UnbilledUsage {
  organizations: number;
  usd: number;
  /** their plans, in name order */
  plans: string[];
}

/** The frame's unbilled metered usage, or null when none (or the column is not there). */
export function unbilledUsage(frame: pl.DataFrame): UnbilledUsage | null {
  if (!frame.columns.includes(UNBILLED_USAGE_COLUMN)) return null;
  return summed(frame, {
    where: pl.col(UNBILLED_USAGE_COLUMN).gt(0),
    column: UNBILLED_USAGE_COLUMN,
  });
}

/**
 * The metered usage discounts took off among the organizations unbilled_usage_usd judged (the
 * metered plans' counted subscriptions): `usd` is usage_discounts', not a list price. Null when
 * none (or either column is not there: an export from before usage_discounts).
 */
export function discountedUsage(frame: pl.DataFrame): UnbilledUsage | null {
  if (![UNBILLED_USAGE_COLUMN, USAGE_DISCOUNTS_COLUMN].every((c) => frame.columns.includes(c))) {
    return null;
  }
  return summed(frame, {
    where: pl.col(UNBILLED_USAGE_COLUMN).isNotNull().and(pl.col(USAGE_DISCOUNTS_COLUMN).gt(0)),
    column: USAGE_DISCOUNTS_COLUMN,
  });
}

/** `column` summed over the rows `where` holds, and their plans. */
function summed(
  frame: pl.DataFrame,
  { where, column }: { where: pl.Expr; column: string },
): UnbilledUsage | null {
  // the columns read, then the rows: not a copy of every column of the flagged rows
  const hasPlan = frame.columns.includes("plan");
  const read = [...new Set([UNBILLED_USAGE_COLUMN, column, ...(hasPlan ? ["plan"] : [])])];
  const flagged = frame.select(...read).filter(where);
  if (flagged.height === 0) return null;
  const usd = flagged.select(pl.col(column).sum()).getColumn(column).toArray()[0] as number;
  const plans = hasPlan
    ? (flagged.getColumn("plan").unique().toArray() as (string | null)[])
      .filter((plan): plan is string => plan !== null).sort()
    : [];
  return { organizations: flagged.height, usd, plans };
}

/**
 * The run's warning of unbilled metered usage, or null when there is none; usage discounted away
 * is said after it, apart (a concession is no leakage, so alone it warns of nothing).
 */
export function unbilledUsageWarning(frame: pl.DataFrame): string | null {
  const found = unbilledUsage(frame);
  if (!found) return null;
  const one = found.organizations === 1;
  const discounted = discountedUsage(frame);
  return `metered usage not billed: ${formatCount(found.organizations)} organization${
    one ? "" : "s"
  } on ${found.plans.map((plan) => JSON.stringify(plan)).join(", ")} above the requests ${
    one ? "its plan includes" : "their plan includes"
  }: ${formatUsd(found.usd)} a month at list price (${UNBILLED_USAGE_COLUMN})${
    discounted
      ? `; discounted, not unbilled: ${formatCount(discounted.organizations)} organization${
        discounted.organizations === 1 ? "" : "s"
      }, ${formatUsd(discounted.usd)} a month (${USAGE_DISCOUNTS_COLUMN})`
      : ""
  }`;
}
