/**
 * What pricing reads of the export frame: each organization's inputs column-wise (PricingInputs,
 * checked against the columns a scenario needs), and the helpers that read a column as doubles or
 * text once per distinct value, which the scenario's notes and breakdowns use too.
 */
import pl from "nodejs-polars";
import { UserError } from "../../core/config.ts";
import type { CostBasis } from "./model.ts";
import { revenueRows } from "./customers.ts";

/**
 * What pricing reads of each organization, column-wise: numbers as Float64Arrays (nulls in usage
 * columns read as 0, an unknown current MRR as NaN), and the text it reads (tiers, add-ons) as an
 * index per organization into its few distinct values, each read once. A million organizations
 * take ~60 MB here; as JS arrays of values and strings they took ~250 MB of heap. The
 * organizations' names and ids stay in the frame (the per-organization results take them there).
 */
export interface PricingInputs {
  height: number;
  /** each organization's (tier, tier_raw): an index into `tiers` */
  tierOf: Int32Array;
  tiers: { tier: string | null; tierRaw: string | null }[];
  seats: Float64Array;
  activeUsers: Float64Array;
  requests: Float64Array;
  llmCost: Record<CostBasis, Float64Array>;
  /**
   * each organization's add-ons (addons_in_metadata, plus prompts when addon_prompts > 0): an
   * index into `addonLists`
   */
  addonsOf: Int32Array;
  addonLists: string[][];
  /** current MRR; NaN = unknown (a shared_customer organization's is on its revenue row) */
  currentMrr: Float64Array;
  /**
   * each organization's revenue row: the row that carries its Stripe customer's revenue, its own
   * unless another organization's row carries it (lib/analysis/scenario/customers.ts)
   */
  revenueRowOf: Int32Array;
  /** organizations whose revenue row is another's (revenue_source shared_customer) */
  siblings: number;
  /** what Stripe billed for metered usage (usage_charges, in MRR); unknown = 0 */
  usageCharges: Float64Array;
  /**
   * 1 where the organization pays nothing because of its subscriptions' status: MRR 0, Stripe
   * subscriptions, none counted (trialing, canceled, …: cancel_at_period_end is empty exactly
   * when no subscription counts). An organization without subscriptions (free) is not one, nor
   * is a free-tier one whose subscriptions all ended (canceled): both are priced as free. An
   * organization sharing a Stripe customer is one when its customer is (its revenue row's).
   */
  notCounted: Uint8Array;
}

/** The columns a scenario needs in its frame (org_id and org_name for its results). */
export const SCENARIO_INPUT_COLUMNS = [
  "org_id",
  "org_name",
  "tier",
  "tier_raw",
  "seats",
  "active_users_30d",
  "requests_30d",
  "llm_cost_30d",
  "llm_cost_ptb_30d",
  "llm_cost_byok_30d",
  "addons_in_metadata",
  "addon_prompts",
  "mrr",
  "usage_charges",
  "subscription_status",
  "cancel_at_period_end",
  // organizations sharing a Stripe customer are compared as one (customers.ts)
  "stripe_customer_id",
  "revenue_source",
];

export interface DoublesOfOptions {
  /** the value read for a null (0 unless given) */
  ifNull?: number;
}

/** An expression's values as doubles through a typed array (null → `ifNull`): no JS value per row. */
export function doublesOf(
  frame: pl.DataFrame,
  expr: pl.Expr,
  { ifNull = 0 }: DoublesOfOptions = {},
): Float64Array {
  return frame.select(expr.cast(pl.Float64).fillNull(pl.lit(ifNull)).alias("v"))
    .getColumn("v").toTypedArray() as Float64Array;
}

/**
 * A count column as doubles, empty (null) read as 0, and all zeros where `frame` lacks it (an export
 * from before the column: read as none).
 */
export function doublesOrZeros(frame: pl.DataFrame, column: string): Float64Array {
  return frame.columns.includes(column)
    ? doublesOf(frame, pl.col(column))
    : new Float64Array(frame.height);
}

/**
 * Columns made once per distinct value of `keys` (by `columnsOf`, given those values in order of
 * first appearance) and joined back to every row of `frame`, in its order: text with a few values
 * per million rows is read, and priced, once per value, not per row. Returns the values and the
 * columns, one row per row of `frame`.
 */
export function perDistinctValue(
  frame: pl.DataFrame,
  { keys, columnsOf }: { keys: pl.Expr[]; columnsOf: (values: pl.DataFrame) => pl.Series[] },
): { values: pl.DataFrame; rows: pl.DataFrame } {
  const keyed = frame.select(...keys);
  const on = keyed.columns;
  const values = keyed.unique({ maintainOrder: true });
  const made = columnsOf(values);
  // nullsEqual: a null is a value like any other
  const rows = keyed.lazy().join(values.withColumns(...made).lazy(), {
    on,
    how: "left",
    nullsEqual: true,
    maintainOrder: "left",
  }).select(...made.map((column) => column.name)).collectSync();
  if (rows.height !== frame.height) {
    throw new Error(`a join on distinct values gave ${rows.height} rows for ${frame.height}`);
  }
  return { values, rows };
}

/** Each row's index into the distinct values of `keys` (in order of first appearance), and those values. */
export function distinctIndex(
  frame: pl.DataFrame,
  keys: pl.Expr[],
): { index: Int32Array; values: pl.DataFrame } {
  const { values, rows } = perDistinctValue(frame, {
    keys,
    columnsOf: (distinct) => [
      pl.Series("index", Int32Array.from({ length: distinct.height }, (_, i) => i)),
    ],
  });
  return { index: rows.getColumn("index").toTypedArray() as Int32Array, values };
}

/** A frame's pricing inputs; a frame without every SCENARIO_INPUT_COLUMNS column is refused. */
export function pricingInputs(frame: pl.DataFrame): PricingInputs {
  const missing = SCENARIO_INPUT_COLUMNS.filter((name) => !frame.columns.includes(name));
  if (missing.length > 0) {
    throw new UserError(
      `the frame lacks ${
        missing.join(", ")
      }: pass an export frame (loadPricingData or readExportFile)`,
    );
  }
  const tiers = distinctIndex(frame, [
    pl.col("tier").cast(pl.Utf8),
    pl.col("tier_raw").cast(pl.Utf8),
  ]);
  const tierTexts = tiers.values.getColumn("tier").toArray() as (string | null)[];
  const tierRawTexts = tiers.values.getColumn("tier_raw").toArray() as (string | null)[];
  const addons = distinctIndex(frame, [
    pl.col("addons_in_metadata").cast(pl.Utf8),
    pl.col("addon_prompts").cast(pl.Float64).fillNull(0).gt(0).alias("prompts_billed"),
  ]);
  const metadata = addons.values.getColumn("addons_in_metadata").toArray() as (string | null)[];
  const promptsBilled = addons.values.getColumn("prompts_billed").toArray() as boolean[];
  const { revenueRowOf, siblings } = revenueRows(frame);
  const notCounted = Uint8Array.from(doublesOf(frame, notCountedExpr()));
  // a trialing or canceled customer's other organizations pay nothing either
  if (siblings > 0) revenueRowOf.forEach((row, i) => notCounted[i] = notCounted[row]);
  return {
    height: frame.height,
    tierOf: tiers.index,
    tiers: tierTexts.map((tier, i) => ({ tier, tierRaw: tierRawTexts[i] })),
    seats: doublesOf(frame, pl.col("seats")),
    activeUsers: doublesOf(frame, pl.col("active_users_30d")),
    requests: doublesOf(frame, pl.col("requests_30d")),
    llmCost: {
      all: doublesOf(frame, pl.col("llm_cost_30d")),
      ptb: doublesOf(frame, pl.col("llm_cost_ptb_30d")),
      byok: doublesOf(frame, pl.col("llm_cost_byok_30d")),
    },
    addonsOf: addons.index,
    addonLists: metadata.map((text, i) => {
      const list = (text ?? "").split(",").map((a) => a.trim()).filter((a) => a !== "");
      if (promptsBilled[i] && !list.includes("prompts")) list.push("prompts");
      return list;
    }),
    currentMrr: doublesOf(frame, pl.col("mrr"), { ifNull: Number.NaN }),
    revenueRowOf,
    siblings,
    usageCharges: doublesOf(frame, pl.col("usage_charges")),
    notCounted,
  };
}

/** Subscription statuses (subscription_status, comma-separated) that are all ended ones. */
const ENDED_ONLY = "^(canceled|incomplete_expired)(,(canceled|incomplete_expired))*$";

/**
 * An organization that pays nothing because no subscription of its counts (see notCounted). A
 * free-tier organization whose subscriptions all ended (canceled) is not one: it is a free
 * organization like those that never subscribed, and a scenario prices it as it prices them (the
 * demo's 2 % of LLM cost left 16 such organizations out at $0, "unchanged").
 */
function notCountedExpr(): pl.Expr {
  const status = pl.col("subscription_status").cast(pl.Utf8);
  const freeAfterCancel = pl.col("tier").cast(pl.Utf8).eq(pl.lit("free"))
    .and(status.str.contains(ENDED_ONLY)).fillNull(false);
  return pl.col("mrr").cast(pl.Float64).eq(0)
    .and(status.isNotNull()).and(status.neq(pl.lit("")))
    .and(pl.col("cancel_at_period_end").isNull())
    .and(freeAfterCancel.not())
    .cast(pl.Float64);
}
