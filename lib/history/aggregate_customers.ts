/**
 * aggregate.ts's customers: a snapshot's paying and paused customers on integer keys, and the
 * movement sums of a pair of consecutive snapshots from them (only the aggregates are kept).
 */
import pl from "nodejs-polars";
import { collectOf, type HistorySource } from "./history_source.ts";
import { lazyOf, STREAMING } from "./lazy.ts";
import {
  centsOf,
  currentSide,
  historyColumns,
  joinedSides,
  movementSums,
  pausedOf,
  previousSide,
  withMovements,
} from "./bridge.ts";
import { planChangeSums, planMovementSums } from "./plan_bridge.ts";
import { CUSTOMER, perCustomer } from "./bridge_keys.ts";
import { takesCustomerPlan, withCustomerPlans } from "./customer_plan.ts";
import { planVersionsOf } from "./plan_versions.ts";
import { FX_FIRST, type FxRates } from "./bridge_fx.ts";
import { CURRENCY_INPUTS, currencyMovementSums } from "./bridge_currency.ts";

/**
 * A customer in the bridge's joins: a dense integer id (UInt32) given to its key (bridge_keys.ts
 * customerKeyOf: the Stripe customer, else the organization) the first time the bridge meets it
 * and kept in its state (`customerIds`: withCustomerIds), so two customers never share one; null
 * where the key is null. Joined and grouped on one integer, not the org_id strings (a pair of a
 * million organizations' snapshots held ~+180 MB) nor the two 64-bit hashes of the key kept before
 * (a full join of two 940k sides 0.40–0.47 CPU-s on them, ~0.2 on one integer: Polars's row
 * encoding of several keys). The ids count within one bridge state only.
 */
export const CUSTOMER_ID = "customer_id";
export const BRIDGE_KEYS = [CUSTOMER_ID];

/** The bridge's customer ids: customer (the key), customer_id; none yet. */
export const noCustomerIds = (): pl.DataFrame =>
  pl.DataFrame([pl.Series(CUSTOMER, [], pl.Utf8), pl.Series(CUSTOMER_ID, [], pl.UInt32)]);

/**
 * `frame` (rows with a customer column) with its customer's id in place of the key, and `ids`
 * (customer, customer_id) with the customers met for the first time: numbered on from `ids`'s
 * height in the keys' sorted order, so the same snapshots give the same ids. The rows' order is
 * kept within each customer (perCustomer takes the first of its organizations with the most cents).
 */
export function withCustomerIds(
  frame: pl.DataFrame,
  ids: pl.DataFrame,
): { keyed: pl.DataFrame; ids: pl.DataFrame } {
  const byKey = (rows: pl.DataFrame, known: pl.DataFrame) =>
    rows.lazy().join(known.lazy(), { on: CUSTOMER, how: "left", maintainOrder: "left" })
      .collectSync();
  const looked = byKey(frame, ids);
  const unseen = pl.col(CUSTOMER).isNotNull().and(pl.col(CUSTOMER_ID).isNull());
  const firstMet = looked.filter(unseen);
  if (firstMet.height === 0) return { keyed: looked.drop(CUSTOMER), ids };
  const added = firstMet.lazy().select(CUSTOMER).unique().sort(CUSTOMER)
    .withRowIndex(CUSTOMER_ID, ids.height)
    .select(CUSTOMER, pl.col(CUSTOMER_ID).cast(pl.UInt32)).collectSync();
  // the others' rows first, then those of the customers met now (all of them in the first step)
  const keyed = pl.concat([
    looked.filter(unseen.not()),
    byKey(firstMet.drop(CUSTOMER_ID), added).select(...looked.columns),
  ], { how: "vertical" }).drop(CUSTOMER);
  return { keyed, ids: pl.concat([ids, added], { how: "vertical" }) };
}

/**
 * The snapshot's customers with a paying organization or one with a paused subscription (perCustomer
 * of those organizations): customer_id, plan (a category), cents, is_paused, has_status (a
 * subscription_status is given), and currency and FX rates (its own and `previousRates`); and
 * `ids` with the customers met for the first time (withCustomerIds).
 */
export function payingOrPausedOf(
  point: HistorySource,
  { ids, previousRates }: { ids: pl.DataFrame; previousRates?: FxRates },
): { found: pl.DataFrame; ids: pl.DataFrame } {
  // filtered on the snapshot's own columns: the Parquet reader then decodes the other columns
  // of these organizations only
  const columns = point.frame.columns;
  const kept = lazyOf(point.frame).filter(centsOf().gt(0).or(pausedOf(columns)));
  // the customer's plan (withCustomerPlans: a join over every kept organization, ~0.2 CPU-s a
  // million) changes only a shared_customer organization's plan, and an export gives those
  // neither MRR nor a status: counted first, the join left out when none is kept
  const takes = takesCustomerPlan(columns);
  const customerPlans = takes !== null &&
    Number(collectOf(point, kept.filter(takes).select(pl.len())).row(0)[0]) > 0;
  // the customers' plans found among the kept organizations, as customerPlan's window over them
  const planVersions = planVersionsOf(point);
  const planned = customerPlans ? withCustomerPlans(kept, { columns, planVersions }) : kept;
  const organizations = planned
    .select(
      ...historyColumns(planned.columns, {
        own: point.fxRates,
        previous: previousRates,
        planVersions,
        plans: customerPlans ? "given" : "own",
      }),
      (columns.includes("subscription_status")
        ? pl.col("subscription_status").isNotNull()
        : pl.lit(false)).alias("has_status"),
    )
    .select(
      CUSTOMER,
      pl.col("plan").cast(pl.Categorical),
      "cents",
      "is_paused",
      "has_status",
      ...FX_FIRST,
    );
  // collected once: perCustomer's two halves (customers of one organization, of several) each
  // read the snapshot and evaluated the columns again
  const { keyed, ids: known } = withCustomerIds(collectOf(point, organizations), ids);
  const found = collectOf(
    point,
    perCustomer(keyed.lazy(), { keys: BRIDGE_KEYS, any: ["has_status"], first: FX_FIRST }),
  );
  return { found, ids: known };
}

/**
 * The movement sums of one pair of snapshots, from their keyed paying and paused customers (the
 * previous one's with open_pause, the current one's with first_paid).
 */
export function pairSums(
  { previous, current, idx, month }: {
    previous: pl.DataFrame;
    /** with first_paid (cohorts.ts firstPaymentsOf) */
    current: pl.DataFrame;
    idx: number;
    /** null when snapshot idx has no organizations */
    month: string | null;
  },
): { moves: pl.DataFrame; plans: pl.DataFrame; changes: pl.DataFrame; currencies: pl.DataFrame } {
  // the join held with only what the movements are derived from (the movement columns of
  // ~300k paying organizations, and the sums of both plan sides at once, held ~+60 MB); each
  // sum derives them as it goes, in the streaming engine
  const joined = joinedSides({
    // its first payment carried along: no join with every customer's first payment again
    current: currentSide(current, [...BRIDGE_KEYS, "first_paid"]),
    previous: previousSide(previous, BRIDGE_KEYS),
    idx,
    months: pl.DataFrame([
      pl.Series("idx", [idx], pl.Int32),
      pl.Series("month_e", [month], pl.Utf8),
    ]),
    on: BRIDGE_KEYS,
  }).select(
    ...["idx", "month_e", "plan_s", "s", "open_s", "plan_e", "e", "paused_e", "first_paid"],
    ...["cur_s", "cur_e", "rate_s", "rate_e"],
    ...CURRENCY_INPUTS,
  )
    .collectSync(STREAMING);
  const moves = withMovements(joined.lazy());
  return {
    moves: movementSums(moves),
    plans: planMovementSums(moves).withColumns(pl.col("plan").cast(pl.Utf8)),
    changes: planChangeSums(moves).withColumns(
      pl.col("from_plan").cast(pl.Utf8),
      pl.col("to_plan").cast(pl.Utf8),
    ),
    currencies: currencyMovementSums(moves),
  };
}

/** movementSums' row of a month without paying organizations. */
export function zeroSums(
  sums: pl.DataFrame,
  { idx, month }: { idx: number; month: string | null },
): pl.DataFrame {
  return pl.DataFrame(
    sums.columns.map((name) =>
      name === "idx"
        ? pl.Series(name, [idx], pl.Int32)
        : name === "month"
        ? pl.Series(name, [month], pl.Utf8)
        : pl.Series(name, [0], pl.Float64).cast(pl.Int64)
    ),
  );
}
