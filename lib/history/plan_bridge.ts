/**
 * The MRR bridge per plan and the plan changes (revenue-rules.md, rule 2): a paying customer whose
 * plan changed while paying is `moved_out` of the old plan and `moved_in` to the new one; its other
 * movements are booked on the old plan (start, churn, paused, contraction and expansion when the
 * plan stayed) or the new (new, reactivation, resumed, fx_impact). From bridge.ts's customer
 * movements, as a frame or a query; each plan's end is its snapshot's total (bridge_totals.ts).
 */
import pl from "nodejs-polars";
import {
  COUNTED,
  countOf,
  CUSTOMER_COUNT_COLUMNS,
  customerMovements,
  MOVEMENTS,
  type Movements,
  PLAN_MOVES,
  sumInt,
} from "./bridge.ts";
import { lazyOf, STREAMING } from "./lazy.ts";
import { COST_UNKNOWN_COLUMNS, snapshotTotals, TOTALS_FIGURES } from "./bridge_totals.ts";
import { FX_IMPACT } from "./bridge_fx.ts";

/** Per (month, plan): start, movements, moved_in, moved_out, end and the snapshot totals. */
export function planBridge(
  long: pl.DataFrame,
  moves: pl.DataFrame = customerMovements(long),
): pl.DataFrame {
  return planBridgeOf({
    sums: planMovementSums(moves),
    totals: snapshotTotals(long.filter(pl.col("idx").gtEq(1)), ["idx", "plan"]),
    months: long.select("idx", pl.col("month").alias("month_t")).unique(),
  });
}

const PLAN_MOVEMENT_NAMES = ["start", ...MOVEMENTS, ...PLAN_MOVES, FX_IMPACT];

/**
 * Retention's sums on the plan a customer paid on at the start (retention.ts): `retained`, its end
 * at the start rate (e_fx; 0 when it pays nothing), and `kept`, that capped at its start. Not
 * movements: a plan change moves the customer's end to the new plan's row, so the plan rows
 * alone cannot tell what the old plan's customers kept.
 */
export const RETENTION_SUMS = ["retained", "kept"] as const;

/** Per (idx, month, plan) of customer movements: start, movements, moved_in/out (cents). */
export function planMovementSums(movements: Movements): pl.DataFrame {
  const moves = lazyOf(movements);
  const changed = pl.col("plan_changed");
  // Old-plan side: start, churn, paused, contraction/expansion when the plan stayed, moved_out.
  const oldSide = moves.filter(pl.col("s").gt(0)).select(
    "idx",
    "month",
    pl.col("plan_s").alias("plan"),
    pl.col("s").alias("start"),
    pl.lit(0).cast(pl.Int64).alias("new"),
    pl.when(changed).then(pl.lit(0)).otherwise(pl.col("expansion")).cast(pl.Int64).alias(
      "expansion",
    ),
    pl.when(changed).then(pl.lit(0)).otherwise(pl.col("contraction")).cast(pl.Int64).alias(
      "contraction",
    ),
    pl.col("churn"),
    pl.lit(0).cast(pl.Int64).alias("reactivation"),
    pl.col("paused"),
    pl.lit(0).cast(pl.Int64).alias("resumed"),
    pl.lit(0).cast(pl.Int64).alias("moved_in"),
    pl.when(changed).then(pl.col("s")).otherwise(pl.lit(0)).cast(pl.Int64).alias("moved_out"),
    pl.lit(0).cast(pl.Int64).alias(FX_IMPACT),
    pl.lit(0).cast(pl.Int64).alias("end"),
    pl.col("e_fx").alias("retained"),
    pl.when(pl.col("e_fx").lt(pl.col("s"))).then(pl.col("e_fx")).otherwise(pl.col("s"))
      .cast(pl.Int64).alias("kept"),
  );
  // New-plan side: new, reactivation, resumed, moved_in, fx_impact (expansion/contraction: the
  // old side, which is the same plan when the plan stayed).
  const newSide = moves.filter(pl.col("e").gt(0)).select(
    "idx",
    "month",
    pl.col("plan_e").alias("plan"),
    pl.lit(0).cast(pl.Int64).alias("start"),
    pl.col("new"),
    pl.lit(0).cast(pl.Int64).alias("expansion"),
    pl.lit(0).cast(pl.Int64).alias("contraction"),
    pl.lit(0).cast(pl.Int64).alias("churn"),
    pl.col("reactivation"),
    pl.lit(0).cast(pl.Int64).alias("paused"),
    pl.col("resumed"),
    pl.when(changed).then(pl.col("e_fx")).otherwise(pl.lit(0)).cast(pl.Int64).alias("moved_in"),
    pl.lit(0).cast(pl.Int64).alias("moved_out"),
    pl.col(FX_IMPACT),
    pl.col("e").alias("end"), // counted only: the plan's end is its snapshot's (planBridgeOf)
    ...RETENTION_SUMS.map((name) => pl.lit(0).cast(pl.Int64).alias(name)),
  );
  return pl.concat([oldSide, newSide], { how: "vertical" })
    .groupBy(["idx", "month", "plan"])
    .agg(
      ...[...PLAN_MOVEMENT_NAMES, ...RETENTION_SUMS].map(sumInt),
      ...COUNTED.map(countOf),
    )
    .collectSync(STREAMING);
}

/**
 * The plan bridge from planMovementSums, snapshotTotals by (idx, plan) of the snapshots idx ≥ 1
 * and the months (idx, month_t) of the snapshots with organizations.
 */
export function planBridgeOf(
  { sums, totals, months }: { sums: pl.DataFrame; totals: pl.DataFrame; months: pl.DataFrame },
): pl.DataFrame {
  const movementNames = [...PLAN_MOVEMENT_NAMES, ...RETENTION_SUMS];
  return sums.join(totals, { on: ["idx", "plan"], how: "full", coalesce: true })
    .join(months, { on: "idx", how: "left" })
    .withColumns(
      pl.col("month").fillNull(pl.col("month_t")),
      ...movementNames.map((m) => pl.col(`${m}_cents`).fillNull(0).cast(pl.Int64)),
      ...CUSTOMER_COUNT_COLUMNS.map((name) => pl.col(name).fillNull(0).cast(pl.Int64)),
      pl.col("end_cents").fillNull(0).cast(pl.Int64),
      pl.col("paying_orgs").fillNull(0).cast(pl.Int64),
      ...COST_UNKNOWN_COLUMNS.map((name) => pl.col(name).fillNull(0).cast(pl.Int64)),
    )
    .filter(
      pl.col("start_cents").gt(0).or(pl.col("end_cents").gt(0)).or(pl.col("paying_orgs").gt(0))
        .or(pl.col("requests").gt(0)),
    )
    .sort(["idx", "plan"])
    .select(
      "idx",
      "month",
      "plan",
      ...movementNames.map((m) => `${m}_cents`),
      "end_cents",
      ...CUSTOMER_COUNT_COLUMNS,
      ...TOTALS_FIGURES,
      "mrr_usd",
      "mrr_margin_after_ptb_llm_pct",
      ...COST_UNKNOWN_COLUMNS,
    );
}

/**
 * Upgrades and downgrades between plans: per (month, from, to), customers (the `organizations`
 * column: a Stripe customer counts once, whichever of its organizations carries its revenue) and
 * MRR.
 */
export function planChanges(
  long: pl.DataFrame,
  moves: pl.DataFrame = customerMovements(long),
): pl.DataFrame {
  return planChangesOf(planChangeSums(moves));
}

/**
 * Per (idx, month, from_plan, to_plan) of customer movements: the plan changes, unsorted; an
 * upgrade or downgrade by the end at the start rate (e_fx, where given), the MRR after as it is.
 */
export function planChangeSums(moves: Movements): pl.DataFrame {
  const lazy = lazyOf(moves);
  const after = pl.col(lazy.columns.includes("e_fx") ? "e_fx" : "e");
  return lazy.filter(pl.col("plan_changed"))
    .rename({ plan_s: "from_plan", plan_e: "to_plan" })
    .groupBy(["idx", "month", "from_plan", "to_plan"])
    .agg(
      // every row counts: a plan change joins both sides, so its customer is never null
      pl.len().cast(pl.Int64).alias("organizations"),
      after.gt(pl.col("s")).cast(pl.Int64).sum().alias("upgrades"),
      after.lt(pl.col("s")).cast(pl.Int64).sum().alias("downgrades"),
      pl.col("s").sum().cast(pl.Int64).alias("mrr_before_cents"),
      pl.col("e").sum().cast(pl.Int64).alias("mrr_after_cents"),
    )
    .collectSync(STREAMING);
}

/** Plan changes in order from planChangeSums. */
export function planChangesOf(sums: pl.DataFrame): pl.DataFrame {
  return sums.sort(["idx", "from_plan", "to_plan"]);
}
