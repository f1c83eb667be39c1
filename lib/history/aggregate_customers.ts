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
import { perCustomer } from "./bridge_keys.ts";
import { takesCustomerPlan, withCustomerPlans } from "./customer_plan.ts";
import { FX_FIRST } from "./bridge_fx.ts";
import type { FxRates } from "./bridge_fx.ts";
import { CURRENCY_INPUTS, currencyMovementSums } from "./bridge_currency.ts";

/**
 * A customer in the pairs' joins: its key (bridge_keys.ts customerKeyOf: the Stripe customer, else
 * the organization) hashed twice with different seeds, 128 bits (two customers share them about as
 * likely as two random UUIDs collide), null where the key is null. Pairs of a million
 * organizations' snapshots joined on the org_id strings held ~+180 MB; the keys are compared
 * within one bridge only, so they need not be stable across versions. Hashed as text: a
 * categorical id would hash its codes, not its values.
 */
export const ORG_KEYS = ["org_key_1", "org_key_2"];
const ORG_KEY_SEEDS: [number, number, number, number][] = [[1, 2, 3, 4], [5, 6, 7, 8]];

const orgKeys = () =>
  ORG_KEYS.map((name, i) =>
    pl.when(pl.col("customer").isNull()).then(pl.lit(null)).otherwise(
      pl.col("customer").hash(...ORG_KEY_SEEDS[i]),
    ).cast(pl.UInt64).alias(name)
  );

/**
 * The snapshot's customers with a paying organization or one with a paused subscription (perCustomer
 * of those organizations): customer keys, plan (a category), cents, is_paused, has_status (a
 * subscription_status is given), and currency and FX rates (its own and `previousRates`).
 */
export function payingOrPausedOf(point: HistorySource, previousRates?: FxRates): pl.DataFrame {
  // filtered on the snapshot's own columns: the Parquet reader then decodes the other columns
  // of these organizations only; the customer key is hashed as it is read, never held
  const columns = point.frame.columns;
  const kept = lazyOf(point.frame).filter(centsOf().gt(0).or(pausedOf(columns)));
  // the customer's plan (withCustomerPlans: a join over every kept organization, ~0.2 CPU-s a
  // million) changes only a shared_customer organization's plan, and an export gives those
  // neither MRR nor a status: counted first, the join left out when none is kept
  const takes = takesCustomerPlan(columns);
  const customerPlans = takes !== null &&
    Number(collectOf(point, kept.filter(takes).select(pl.len())).row(0)[0]) > 0;
  // the customers' plans found among the kept organizations, as customerPlan's window over them
  const planned = customerPlans ? withCustomerPlans(kept, columns) : kept;
  const organizations = planned
    .select(
      ...historyColumns(planned.columns, {
        own: point.fxRates,
        previous: previousRates,
        customerPlans: false,
      }),
      (columns.includes("subscription_status")
        ? pl.col("subscription_status").isNotNull()
        : pl.lit(false)).alias("has_status"),
    )
    .select(
      ...orgKeys(),
      pl.col("plan").cast(pl.Categorical),
      "cents",
      "is_paused",
      "has_status",
      ...FX_FIRST,
    );
  // collected once: perCustomer's two halves (customers of one organization, of several) each
  // read the snapshot and evaluated the columns again
  const keyed = collectOf(point, organizations).lazy();
  return collectOf(
    point,
    perCustomer(keyed, { keys: ORG_KEYS, any: ["has_status"], first: FX_FIRST }),
  );
}

/**
 * The movement sums of one pair of snapshots, from their keyed paying and paused customers (the
 * previous one's with open_pause).
 */
export function pairSums(
  { previous, current, firstPaid, idx, month }: {
    previous: pl.DataFrame;
    current: pl.DataFrame;
    firstPaid: pl.DataFrame;
    idx: number;
    /** null when snapshot idx has no organizations */
    month: string | null;
  },
): { moves: pl.DataFrame; plans: pl.DataFrame; changes: pl.DataFrame; currencies: pl.DataFrame } {
  // the join held with only what the movements are derived from (the movement columns of
  // ~300k paying organizations, and the sums of both plan sides at once, held ~+60 MB); each
  // sum derives them as it goes, in the streaming engine
  const joined = joinedSides({
    current: currentSide(current, ORG_KEYS),
    previous: previousSide(previous, ORG_KEYS),
    idx,
    firstPaid,
    months: pl.DataFrame([
      pl.Series("idx", [idx], pl.Int32),
      pl.Series("month_e", [month], pl.Utf8),
    ]),
    on: ORG_KEYS,
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
