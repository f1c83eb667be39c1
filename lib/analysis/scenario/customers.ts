/**
 * Organizations that share a Stripe customer. The export puts a customer's revenue on one
 * organization's row (the paying one: highest tier, then newest; the others read revenue_source shared_customer with mrr empty,
 * lib/revenue/columns.ts), so current MRR is known per customer, not per organization. A scenario
 * therefore compares a customer's organizations as one: current = the customer's MRR, proposed =
 * the sum of its organizations' proposed prices, and the outcome is the customer's. The customer
 * counts in the tier and plan of the organization whose row carries its revenue, as the per-plan
 * table counts it (lib/economics/per_plan.ts).
 */
import pl from "nodejs-polars";
import type { Scenario } from "./model.ts";

/** revenue_source of an organization whose Stripe customer another organization's row carries. */
export const SHARED_CUSTOMER = "shared_customer";

/**
 * Each organization's revenue row: the row of the organization whose row carries its Stripe
 * customer's revenue; its own row when no other's does (a customer of its own, none, or a shared
 * customer whose revenue row is not in the frame). `siblings` counts the organizations whose
 * revenue row is another's. A frame without revenue_source or stripe_customer_id (hand-made) has
 * none.
 */
export function revenueRows(frame: pl.DataFrame): { revenueRowOf: Int32Array; siblings: number } {
  const identity = () => ({
    revenueRowOf: Int32Array.from({ length: frame.height }, (_, i) => i),
    siblings: 0,
  });
  if (!frame.columns.includes("revenue_source") || !frame.columns.includes("stripe_customer_id")) {
    return identity();
  }
  const shared = pl.col("revenue_source").cast(pl.Utf8).eq(pl.lit(SHARED_CUSTOMER)).fillNull(false);
  const marked = frame.select(pl.col("stripe_customer_id").cast(pl.Utf8), shared.alias("shared"))
    .withRowIndex("row");
  const ids = marked.filter(pl.col("shared").and(pl.col("stripe_customer_id").isNotNull()))
    .select("stripe_customer_id").unique();
  if (ids.height === 0) return identity();
  // the rows of the shared customers only (a window over a million ids took ~200 ms a column)
  const members = marked.join(ids, { on: "stripe_customer_id", how: "semi" }).sort("row");
  const rowOf = members.getColumn("row").toArray() as number[];
  const idOf = members.getColumn("stripe_customer_id").toArray() as string[];
  const sharedOf = members.getColumn("shared").toArray() as boolean[];
  // the customer's organization that is not shared_customer (export order: the first one)
  const carrier = new Map<string, number>();
  rowOf.forEach((row, i) => {
    if (!sharedOf[i] && !carrier.has(idOf[i])) carrier.set(idOf[i], row);
  });
  const { revenueRowOf } = identity();
  let siblings = 0;
  rowOf.forEach((row, i) => {
    const at = carrier.get(idOf[i]);
    if (sharedOf[i] && at !== undefined) {
      revenueRowOf[row] = at;
      siblings++;
    }
  });
  return { revenueRowOf, siblings };
}

/** What the comparison needs of each organization's customer (arrays indexed by organization). */
export interface CustomerFigures {
  /** how many organizations share its Stripe customer, itself included (1 when alone) */
  organizations: Int32Array;
  /** the customer's current MRR (the revenue row's mrr); NaN = unknown */
  current: Float64Array;
  /** the sum of the customer's organizations' proposed MRR; NaN = unknown */
  proposed: Float64Array;
  /**
   * 1 where the customer cannot be compared though its MRR may be known (notComparableRows): a
   * paying organization of it is on a kept plan and its revenue row on a re-priced one, or the
   * other way round
   */
  notComparable: Uint8Array;
}

/** Each organization's revenue row and tier (PricingInputs' fields): what comparability reads. */
export interface CustomerRows {
  revenueRowOf: Int32Array;
  /** an index into `tiers` */
  tierOf: Int32Array;
  tiers: { tier: string | null }[];
}

/** Why a notComparable customer is not compared (the warning's and docs' words). */
export const NOT_COMPARABLE_REASON =
  "a shared Stripe customer's paying organizations are split between a kept plan and a re-priced one: what part of its MRR each pays is not known";

/** Whether organization i's plan (an index into scenario.plans, −1 none) keeps current MRR. */
export function keepsCurrent(scenario: Scenario, plan: number): boolean {
  return plan >= 0 && scenario.plans[plan].keepCurrentMrr === true;
}

/**
 * Which organizations' customers have both MRRs known under `scenario` (1) for the organizations'
 * `plans`: the customer's current MRR known, and not a notComparableRows customer. Plans match by
 * tier, never by price, so a breakeven's versions share it.
 */
export function comparableOrganizations(
  inputs: CustomerRows & { currentMrr: Float64Array },
  { scenario, plans }: { scenario: Scenario; plans: Int32Array },
): Uint8Array {
  const { revenueRowOf, currentMrr } = inputs;
  const mixed = notComparableRows(inputs, { scenario, plans });
  return Uint8Array.from(
    revenueRowOf,
    (row) => !Number.isNaN(currentMrr[row]) && (mixed === null || mixed[row] === 0) ? 1 : 0,
  );
}

/**
 * The organizations a comparison leaves out, counted as its totals count them (ScenarioTotals):
 * those whose customer's current MRR is known but that `comparable` (comparableOrganizations')
 * leaves out are not comparable, with their customers' MRR (each once, on its revenue row); the
 * others it leaves out have unknown current MRR.
 */
export function leftOutOfComparison(
  { currentMrr, revenueRowOf }: { currentMrr: Float64Array; revenueRowOf: Int32Array },
  comparable: Uint8Array,
): { notComparable: number; currentMrrNotComparableUsd: number; unknownCurrent: number } {
  const leftOut = { notComparable: 0, currentMrrNotComparableUsd: 0, unknownCurrent: 0 };
  for (let i = 0; i < revenueRowOf.length; i++) {
    if (comparable[i]) continue;
    if (Number.isNaN(currentMrr[revenueRowOf[i]])) {
      leftOut.unknownCurrent++;
      continue;
    }
    leftOut.notComparable++;
    // the other organizations' mrr is empty: the customer's MRR counts once
    if (!Number.isNaN(currentMrr[i])) leftOut.currentMrrNotComparableUsd += currentMrr[i];
  }
  return leftOut;
}

/**
 * Whether organization i is on the free tier: no subscription of its own, so none of its Stripe
 * customer's MRR (on the revenue row) is its, whether that MRR is kept or re-priced.
 */
export function freeTier(
  { tierOf, tiers }: Omit<CustomerRows, "revenueRowOf">,
  i: number,
): boolean {
  return tiers[tierOf[i]].tier === "free";
}

/**
 * Per revenue row, 1 when its customer cannot be compared under `scenario`; null = none. The
 * customer's MRR is on the revenue row. A kept revenue row keeps it all and its other
 * organizations are priced on top, which is right for a free one (it pays nothing today), but a
 * re-priced sibling on a paying tier already pays inside the kept MRR, and its price would count
 * twice. A re-priced revenue row sets the whole MRR against its price; a free sibling on a kept
 * plan keeps its $0 beside it (it cannot change what the customer pays), but a paying one would
 * keep a part of that MRR nobody knows. Decided by plans and tiers, never prices, so a
 * breakeven's versions share it.
 */
export function notComparableRows(
  rows: CustomerRows,
  { scenario, plans }: { scenario: Scenario; plans: Int32Array },
): Uint8Array | null {
  if (!scenario.plans.some((plan) => plan.keepCurrentMrr)) return null;
  const { revenueRowOf } = rows;
  let mixed: Uint8Array | null = null;
  for (let i = 0; i < revenueRowOf.length; i++) {
    const row = revenueRowOf[i];
    if (row === i || freeTier(rows, i)) continue;
    // a paying sibling on the other side of the kept / re-priced line from its revenue row
    if (keepsCurrent(scenario, plans[i]) !== keepsCurrent(scenario, plans[row])) {
      (mixed ??= new Uint8Array(revenueRowOf.length))[row] = 1;
    }
  }
  return mixed;
}

/** Every organization's customer figures, from its own current and proposed MRR (NaN unknown). */
export function customerFigures(
  inputs: CustomerRows & { siblings: number; currentMrr: Float64Array },
  { scenario, plans, proposed }: { scenario: Scenario; plans: Int32Array; proposed: Float64Array },
): CustomerFigures {
  const { revenueRowOf, siblings, currentMrr } = inputs;
  const height = revenueRowOf.length;
  if (siblings === 0) {
    return {
      organizations: new Int32Array(height).fill(1),
      current: currentMrr,
      proposed,
      notComparable: new Uint8Array(height),
    };
  }
  const mixed = notComparableRows(inputs, { scenario, plans }) ?? new Uint8Array(height);
  const count = new Int32Array(height);
  const sum = new Float64Array(height);
  // in organization order: a customer alone gets its own proposed MRR, the same float
  for (let i = 0; i < height; i++) {
    count[revenueRowOf[i]]++;
    sum[revenueRowOf[i]] += proposed[i]; // NaN stays NaN
  }
  const figures: CustomerFigures = {
    organizations: new Int32Array(height),
    current: new Float64Array(height),
    proposed: new Float64Array(height),
    notComparable: new Uint8Array(height),
  };
  for (let i = 0; i < height; i++) {
    const row = revenueRowOf[i];
    figures.organizations[i] = count[row];
    figures.current[i] = currentMrr[row];
    figures.proposed[i] = mixed[row] ? Number.NaN : sum[row];
    figures.notComparable[i] = mixed[row];
  }
  return figures;
}
