/**
 * Puts each organization's Stripe revenue into the revenue columns, by stripe_customer_id.
 *
 * - Revenue not fetched (skipped, failed): every revenue column empty, revenue_source "none".
 * - No stripe_customer_id: no subscription, so 0 revenue; revenue_source "no_customer".
 * - A customer read from Stripe whose amounts could not be put in USD (no rate for its currency,
 *   or a price with no amount in the subscription's currency): money columns empty, the rest
 *   (status, currency, plans) filled, revenue_source "unconverted" — not the run's source, so
 *   stripe, cache and demo rows always have known revenue.
 * - A customer id shared by several organizations: the revenue goes to one of them only, the
 *   others get empty revenue and "shared_customer", so totals never count a subscription twice.
 *   The one is the organization likeliest to be the one paying (REVENUE_ROW_RANK): the highest
 *   tier family (enterprise > team > growth > pro > other > free), then the first in export
 *   order (newest). A newer free "staging" organization never takes a paid organization's revenue.
 *
 * Polars does the matching (a join on the customers' own small frame, then expressions): at 1M
 * organizations no JS value per organization is made.
 */
import pl from "nodejs-polars";
import type { CustomerRevenue, RevenueResult } from "./types.ts";
import { customersOf, someCustomerHasPtbRevenue } from "./customers.ts";

const MONEY: [string, keyof CustomerRevenue][] = [
  ["mrr", "mrr"],
  ["base_subscription", "baseSubscription"],
  ["usage_charges", "usageCharges"],
  ["usage_discounts", "usageDiscounts"],
  ["addon_prompts", "addonPrompts"],
  ["addon_other", "addonOther"],
  ["mrr_recurring", "mrrRecurring"],
];
const TEXT: [string, keyof CustomerRevenue][] = [
  ["subscription_status", "subscriptionStatus"],
  ["billing_interval", "billingInterval"],
  ["currency", "currency"],
  ["stripe_plan_names", "stripePlanNames"],
];

/** Names of the helper columns while matching (dropped before returning). */
const KEY = "_revenue_customer_id";
const MATCHED = "_revenue_matched";
const ROW = "_revenue_row";
const CARRIES = "_revenue_carries";
const RANK = "_revenue_rank";
const SHARED_ID = "_revenue_shared_id";
const CUSTOMER_IDS = "_revenue_customer_ids";
const DISTINCT_IDS = "_revenue_distinct_ids";

/**
 * Which of the organizations sharing a Stripe customer carries its revenue: the highest rank,
 * ties to the first in export order. By the tier family, as the price book prices them: an
 * enterprise contract above the team bundle ($200) above growth and pro (per seat), an unknown
 * tier (maybe a custom deal) above free, free (and a null tier) last. Stripe's plan names are not
 * matched to organizations: the price book does not name Stripe products.
 */
export const REVENUE_ROW_RANK: readonly string[] = ["enterprise", "team", "growth", "pro", "other"];

/** Each ranked tier family and its rank (higher carries the revenue). */
const RANKS = pl.DataFrame([
  pl.Series("tier", [...REVENUE_ROW_RANK], pl.Utf8),
  pl.Series(RANK, REVENUE_ROW_RANK.map((_, i) => REVENUE_ROW_RANK.length - i), pl.Int32),
]);

/**
 * Per row, whether it carries its Stripe customer's revenue: every row with a customer id no
 * other row has, and per shared id the one REVENUE_ROW_RANK picks. Only the shared ids' rows are
 * sorted (few), the rest is one hash pass: no JS value per organization.
 */
export function carriesCustomerRevenue(frame: pl.DataFrame): pl.Series {
  const id = pl.col("stripe_customer_id");
  const hasCustomer = id.isNotNull().and(id.neq(pl.lit("")));
  // no id shared (the usual export): every row with a customer carries it, without the tier
  // ranks' join and the join back by row that only shared ids need (stop 54); told by counting
  // the distinct ids, not by a duplicate flag per row (~15 against ~45 ms at a million, stop 55)
  const customerIds = id.filter(hasCustomer);
  const counts = frame.select(
    customerIds.count().alias(CUSTOMER_IDS),
    customerIds.nUnique().alias(DISTINCT_IDS),
  );
  if (counts.getColumn(CUSTOMER_IDS).get(0) === counts.getColumn(DISTINCT_IDS).get(0)) {
    return frame.select(hasCustomer.alias(CARRIES)).getColumn(CARRIES);
  }
  // the rank of each row's tier: 0 for free, null or a frame without tier
  const ranked = frame.columns.includes("tier")
    ? frame.lazy().select(id, pl.col("tier").cast(pl.Utf8))
      .join(RANKS.lazy(), { on: "tier", how: "left", maintainOrder: "left" } as never)
      .select(id, pl.col(RANK).fillNull(0))
    : frame.lazy().select(id, pl.lit(0).cast(pl.Int32).alias(RANK));
  const keyed = ranked
    .withRowIndex(ROW)
    .withColumns(hasCustomer.and(id.isDuplicated()).alias(SHARED_ID))
    .collectSync();
  // the shared ids' rows, best first: the first row of each id carries its revenue
  const picked = keyed.lazy().filter(pl.col(SHARED_ID))
    .sort({ by: [RANK, ROW], descending: [true, false] })
    .select(pl.col(ROW), id.isFirstDistinct().alias(CARRIES));
  return keyed.lazy()
    .join(picked, { on: ROW, how: "left", maintainOrder: "left" } as never)
    .select(hasCustomer.and(pl.col(SHARED_ID).not().or(pl.col(CARRIES))).alias(CARRIES))
    .collectSync().getColumn(CARRIES);
}

/**
 * The revenue stage's helper column of CustomerRevenue.firstPeriodOpen, on the row carrying its
 * customer's revenue (null elsewhere): the economics stage reads it (unbilled_usage_usd), and the
 * metrics stage's select of the column table leaves it out of every output.
 */
export const FIRST_PERIOD_OPEN = "_first_period_open";

export interface RevenueColumnsResult {
  frame: pl.DataFrame;
  warnings: string[];
  /**
   * withRecurringMinor's column of `frame`, worked out in the same join (the history stage reads
   * it through shareRecurringMinor rather than joining the customers again); none without revenue
   */
  recurringMinor?: pl.Series;
}

/**
 * Whether Stripe's PTB revenue was read for this run (PRICING_STRIPE_PTB_PRODUCT set); a result
 * without that summary (an older cache) counts as read when a customer has a value.
 */
export function ptbRevenueRead(revenue: RevenueResult | null): boolean {
  if (!revenue || revenue.source === "none") return false;
  return revenue.ptb ? revenue.ptb.status === "read" : someCustomerHasPtbRevenue(revenue);
}

/**
 * Rows whose revenue another organization's row carries (revenue_source shared_customer): their
 * mrr is empty but not unknown, and their cost belongs beside the sibling's revenue. False for a
 * frame without revenue_source (a hand-made one).
 */
export function revenueOnSibling(frame: pl.DataFrame): pl.Expr {
  return frame.columns.includes("revenue_source")
    ? pl.col("revenue_source").eq(pl.lit("shared_customer")).fillNull(false)
    : pl.lit(false);
}

/**
 * The numeric columns a shared_customer row has empty because its sibling's row carries them
 * (the money columns and ptb_revenue_30d): 0 for that organization, not unknown.
 */
export const SIBLING_CARRIED_NUMBERS: readonly string[] = [
  ...MONEY.map(([name]) => name),
  "ptb_revenue_30d",
];

/** Rows whose MRR is unknown: empty, and not because another organization's row carries it. */
export function mrrUnknown(frame: pl.DataFrame): pl.Expr {
  return pl.col("mrr").isNull().and(revenueOnSibling(frame).not());
}

/**
 * The rows of `frame` whose MRR is known: not empty, or a shared_customer row whose customer's
 * revenue row has it, looked for in `customers` (the frame `frame` was cut from: a segment's
 * sibling may be outside it). A revenue row with none (unconverted, unknown to Stripe) leaves its
 * siblings' unknown too. Without stripe_customer_id (a hand-made frame) as mrrUnknown says.
 */
export function knownMrrRows(frame: pl.DataFrame, customers: pl.DataFrame): pl.DataFrame {
  return frame.withColumns(mrrKnownFlags(frame, customers).alias(ROW_MRR_KNOWN))
    .filter(pl.col(ROW_MRR_KNOWN)).drop(ROW_MRR_KNOWN);
}

/**
 * One flag per row of `frame`, in its order: its MRR is known, as knownMrrRows counts it (for a
 * count per group or per row: the brief's By tier, the trimmed file's left-out MRR, the tier
 * chart). Only the shared_customer rows' customers are looked up, among `customers`' rows with MRR
 * (a join of every row against every paying customer took ~0.37 s of CPU at a million).
 */
export function mrrKnownFlags(frame: pl.DataFrame, customers: pl.DataFrame): pl.Series {
  if (customers !== frame) return flagsWorkedOut(frame, customers);
  let flags = flagsOf.get(frame);
  if (!flags) flagsOf.set(frame, flags = flagsWorkedOut(frame, frame));
  return flags;
}

/**
 * mrrKnownFlags of a whole frame once per frame: an export's brief reads them for By tier and its
 * note, the tier chart and the trimmed file's sentence (~40–60 ms of CPU each at a million
 * organizations with a thousand shared_customer rows). Frames are not changed in place.
 */
const flagsOf = new WeakMap<pl.DataFrame, pl.Series>();

function flagsWorkedOut(frame: pl.DataFrame, customers: pl.DataFrame): pl.Series {
  const own = () =>
    frame.select(mrrUnknown(frame).not().alias(ROW_MRR_KNOWN)).getColumn(ROW_MRR_KNOWN);
  if (![frame, customers].every((f) => f.columns.includes("stripe_customer_id"))) return own();
  const onSibling = revenueOnSibling(frame);
  const key = pl.col("stripe_customer_id").cast(pl.Utf8);
  const siblingCustomers = frame.select(key.alias(CUSTOMER_KEY), onSibling.alias(ON_SIBLING))
    .filter(pl.col(ON_SIBLING).and(pl.col(CUSTOMER_KEY).isNotNull())).select(CUSTOMER_KEY).unique();
  // no organization sharing a customer: each row's own mrr says
  if (siblingCustomers.height === 0) return own();
  const known = customers.select(key.alias(CUSTOMER_KEY), pl.col("mrr"))
    .filter(pl.col("mrr").isNotNull()).join(siblingCustomers, { on: CUSTOMER_KEY, how: "semi" })
    .select(pl.col(CUSTOMER_KEY).unique()).getColumn(CUSTOMER_KEY);
  // (as a literal: isIn of a bare Series is deprecated in Polars)
  return frame.select(
    pl.col("mrr").isNotNull().or(onSibling.and(key.isIn(pl.lit(known)).fillNull(false)))
      .alias(ROW_MRR_KNOWN),
  ).getColumn(ROW_MRR_KNOWN);
}

const ROW_MRR_KNOWN = "_known_mrr_row";
const CUSTOMER_KEY = "_known_mrr_customer";
const ON_SIBLING = "_known_mrr_on_sibling";

/** A frame column read from a customer field, and its type (rounded first when `round`). */
interface CustomerField {
  name: string;
  key: keyof CustomerRevenue;
  type: pl.DataType;
  round?: boolean;
}

const PTB: CustomerField = { name: "ptb_revenue_30d", key: "ptbRevenueUsd30d", type: pl.Float64 };

/**
 * One row per customer Stripe gave revenue for: the key, `fields` (frame column ← customer
 * field, typed) and `_revenue_matched` true; then one row per customer the revenue stage found
 * unknown to Stripe (`unknownCustomerIds`), fields null and `_revenue_matched` false. Read from
 * the result's customers frame (lib/revenue/customers.ts), so no JS value per customer is made.
 */
function customersFrame(revenue: RevenueResult, fields: CustomerField[]): pl.DataFrame {
  const known = customersOf(revenue).select(
    pl.col("customerId").alias(KEY),
    ...fields.map(({ name, key, type, round }) =>
      (round ? pl.col(key).round(0) : pl.col(key)).cast(type).alias(name)
    ),
    pl.lit(true).alias(MATCHED),
  );
  const unknownIds = revenue.unknownCustomerIds ?? [];
  const unknown = pl.DataFrame([
    pl.Series(KEY, unknownIds, pl.Utf8),
    ...fields.map(({ name, type }) => pl.Series(name, unknownIds.map(() => null), type)),
    pl.Series(MATCHED, unknownIds.map(() => false), pl.Bool),
  ]).join(known.select(KEY), { on: KEY, how: "anti" });
  return pl.concat([known, unknown]);
}

/**
 * `frame` with `customers`' columns beside each organization's customer (null where none), in
 * `frame`'s row order, as a lazy plan, so the joined columns a caller does not select are never
 * kept. `customers` comes from customersFrame.
 */
function joinCustomersLazy(frame: pl.DataFrame, customers: pl.DataFrame): pl.LazyDataFrame {
  // The row index keeps export order whatever order the join hands back.
  return frame.lazy().withRowIndex(ROW)
    .join(customers.lazy(), { leftOn: "stripe_customer_id", rightOn: KEY, how: "left" })
    .sort(ROW)
    .drop(ROW);
}

/**
 * The revenue columns and ptb_revenue_30d (an economics column, read in the same join): a counted
 * customer's PTB revenue, 0 without a Stripe customer, empty when shared, not fetched or not read.
 */
export function attachRevenue(
  frame: pl.DataFrame,
  revenue: RevenueResult | null,
): RevenueColumnsResult {
  const textColumn = (name: string) => pl.lit(null).cast(pl.Utf8).alias(name);
  if (!revenue || revenue.source === "none") {
    return {
      frame: frame.withColumns(
        ...MONEY.map(([name]) => pl.lit(null).cast(pl.Float64).alias(name)),
        ...TEXT.map(([name]) => textColumn(name)),
        pl.lit(null).cast(pl.Bool).alias("cancel_at_period_end"),
        pl.lit(null).cast(pl.Bool).alias(FIRST_PERIOD_OPEN),
        pl.lit("none").alias("revenue_source"),
        pl.lit(null).cast(pl.Float64).alias("ptb_revenue_30d"),
      ),
      warnings: [],
    };
  }

  const ptbRead = ptbRevenueRead(revenue);
  const customers = customersFrame(revenue, [
    ...MONEY.map(([name, key]) => ({ name, key, type: pl.Float64 })),
    ...TEXT.map(([name, key]) => ({ name, key, type: pl.Utf8 })),
    { name: "cancel_at_period_end", key: "cancelAtPeriodEnd", type: pl.Bool },
    { name: FIRST_PERIOD_OPEN, key: "firstPeriodOpen", type: pl.Bool },
    ...(ptbRead ? [PTB] : []),
    RECURRING_MINOR_FIELD,
  ]);
  const id = pl.col("stripe_customer_id");
  const hasCustomer = id.isNotNull().and(id.neq(pl.lit("")));
  const first = pl.col(CARRIES);
  const known = pl.col(MATCHED).fillNull(false);
  const counted = hasCustomer.and(first).and(known);
  // What the customer gives where the organization counts it, else null (0 for money without a
  // customer: no subscription).
  const value = (name: string, noCustomer: pl.Expr) =>
    pl.when(hasCustomer.not()).then(noCustomer)
      .when(counted).then(pl.col(name))
      .otherwise(pl.lit(null)).alias(name);
  // One pass over the join: the revenue columns and the two flags the warnings count.
  const keys = frame.select("stripe_customer_id").withColumns(carriesCustomerRevenue(frame));
  const columns = joinCustomersLazy(keys, customers).select(
    ...MONEY.map(([name]) => value(name, pl.lit(0).cast(pl.Float64))),
    ...TEXT.map(([name]) => value(name, pl.lit(null).cast(pl.Utf8))),
    value("cancel_at_period_end", pl.lit(null).cast(pl.Bool)),
    value(FIRST_PERIOD_OPEN, pl.lit(null).cast(pl.Bool)),
    // the snapshot's column, read in this join rather than in a join of its own
    value(RECURRING_MINOR, pl.lit(0).cast(pl.Int64)),
    ptbRead
      ? value("ptb_revenue_30d", pl.lit(0).cast(pl.Float64))
      : pl.lit(null).cast(pl.Float64).alias("ptb_revenue_30d"),
    pl.when(hasCustomer.not()).then(pl.lit("no_customer"))
      .when(first.not()).then(pl.lit("shared_customer"))
      // a customer's money is empty only when it could not be converted (mrr.ts)
      .when(known.and(pl.col("mrr").isNull())).then(pl.lit("unconverted"))
      .when(known).then(pl.lit(revenue.source))
      .otherwise(pl.lit("none")).alias("revenue_source"),
    // counted as integers: the sum of a Bool series is a Bool in nodejs-polars, not a count
    hasCustomer.and(first.not()).cast(pl.UInt32).alias("_shared"),
    // Customers Stripe does not know are already named in the revenue stage's warning
    // (_revenue_matched false): flagged here are those with no revenue data at all.
    hasCustomer.and(first).and(pl.col(MATCHED).isNull()).cast(pl.UInt32).alias("_unknown"),
  ).collectSync();
  const shared = Number(columns.getColumn("_shared").sum());
  const unknown = Number(columns.getColumn("_unknown").sum());
  const warnings: string[] = [];
  const organizations = (n: number, one: string, many: string) =>
    `${n.toLocaleString("en-US")} ${n === 1 ? `organization ${one}` : `organizations ${many}`}`;
  if (shared > 0) {
    warnings.push(
      `${
        organizations(shared, "shares", "share")
      } a stripe_customer_id with another organization; the revenue is shown once, on the paying one (the highest tier, then the newest; revenue_source = shared_customer on the others)`,
    );
  }
  if (unknown > 0) {
    warnings.push(
      `${organizations(unknown, "has", "have")} a stripe_customer_id with no revenue data`,
    );
  }

  return {
    frame: frame.withColumns(...columns.drop("_shared", "_unknown", RECURRING_MINOR).getColumns()),
    warnings,
    recurringMinor: columns.getColumn(RECURRING_MINOR),
  };
}

/** The snapshot-only column of each organization's native recurring MRR (extra_columns.ts). */
export const RECURRING_MINOR = "mrr_recurring_minor";

const RECURRING_MINOR_FIELD: CustomerField = {
  name: RECURRING_MINOR,
  key: "mrrRecurringMinor",
  type: pl.Int64,
  round: true,
};

const emptyRecurringMinor = () => pl.lit(null).cast(pl.Int64).alias(RECURRING_MINOR);

/**
 * withRecurringMinor's column of a frame whose rows are attachRevenue's (the export frame), worked
 * out in attachRevenue's join: a second join on the customer id for the snapshot took ~50 ms of
 * CPU at a million organizations (stop 55). Frames are not changed in place.
 */
const recurringMinorOf = new WeakMap<pl.DataFrame, pl.Series>();

/**
 * Hands attachRevenue's mrr_recurring_minor on to `to`, a frame of `withRevenue`'s rows in its
 * order with its stripe_customer_id and revenue_source (the metrics stage's export frame), so
 * withRecurringMinor of it reads the column rather than joining the customers again.
 */
export function shareRecurringMinor(withRevenue: RevenueColumnsResult, to: pl.DataFrame): void {
  const column = withRevenue.recurringMinor;
  if (column && column.length === to.height) recurringMinorOf.set(to, column);
}

/**
 * `frame` (an export frame: stripe_customer_id and revenue_source as attachRevenue made them)
 * with mrr_recurring_minor, the recurring MRR in the billing currency's minor units
 * (CustomerRevenue.mrrRecurringMinor, exact from the revenue stage), which history snapshots
 * store beside the USD columns: the row carrying its customer's revenue has it (unconverted ones
 * too: known in their currency), 0 without a customer, empty on a shared_customer row, with
 * revenue not read and for a customer without one native amount. One join on the customer id in
 * the frame's order; the frame's other columns are kept as they are.
 */
export function withRecurringMinor(
  frame: pl.DataFrame,
  revenue: RevenueResult | null,
): pl.DataFrame {
  const known = recurringMinorOf.get(frame);
  if (known) return frame.withColumns(known);
  if (!revenue || revenue.source === "none" || !frame.columns.includes("revenue_source")) {
    return frame.withColumns(emptyRecurringMinor());
  }
  const customers = customersOf(revenue).select(
    pl.col("customerId").alias(KEY),
    pl.col("mrrRecurringMinor").round(0).cast(pl.Int64).alias(RECURRING_MINOR),
  );
  const source = pl.col("revenue_source");
  const column = frame.lazy().select("stripe_customer_id", "revenue_source")
    .join(customers.lazy(), {
      leftOn: "stripe_customer_id",
      rightOn: KEY,
      how: "left",
      maintainOrder: "left",
    } as never)
    .select(
      pl.when(source.eq(pl.lit("no_customer"))).then(pl.lit(0).cast(pl.Int64))
        .when(source.eq(pl.lit("shared_customer")).or(source.eq(pl.lit("none"))))
        .then(pl.lit(null).cast(pl.Int64))
        .otherwise(pl.col(RECURRING_MINOR)).alias(RECURRING_MINOR),
    ).collectSync().getColumn(RECURRING_MINOR);
  return frame.withColumns(column);
}
