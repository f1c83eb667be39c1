/**
 * The plan changes of a month between a snapshot with plan versions and one without (its `plan`
 * missing or empty: written, or exported, before the price book; its plan is the tier), either
 * way: every paying organization's plan is renamed from its tier to its plan version (or back),
 * which is no customer's move. A change there counts only when the organization's tier changed too
 * (pro → team 2025-12-10), so real upgrades and downgrades of that month stay listed while the
 * renaming (pro → pro 2025-12-10, or pro 2025-12-10 → pro) does not.
 */
import pl from "nodejs-polars";
import { asOfKey } from "./periods.ts";
import { historyColumns, idxColumn } from "./bridge.ts";
import { planChangesOf, planChangeSums } from "./plan_bridge.ts";
import type { HistorySource } from "./history_source.ts";
import { isLazy } from "./lazy.ts";
import { planVersionsOf } from "./plan_versions.ts";
import { planOrNone } from "../core/no_plan.ts";

/** A snapshot's paying organizations: org_id, plan, tier (as historyColumns names a plan), cents. */
function payingWithTier(point: HistorySource): pl.LazyDataFrame {
  const frame = isLazy(point.frame) ? point.frame : point.frame.lazy();
  return frame
    .select(
      ...historyColumns(point.frame.columns, { planVersions: planVersionsOf(point) }),
      planOrNone(pl.col("tier")).alias("tier"),
    )
    .filter(pl.col("cents").gt(0))
    .select("org_id", "plan", "tier", "cents");
}

/**
 * `changes` (planChangeSums' rows of `points`' bridge) with the changes of each idx in `renamedAt`
 * (one of its snapshot and the one before has plan versions, the other has not) counted again,
 * from the tier.
 */
export function withoutPlanRenames(
  changes: pl.DataFrame,
  { points, renamedAt }: { points: HistorySource[]; renamedAt: number[] },
): pl.DataFrame {
  const kept = changes.filter(pl.col("idx").isIn(renamedAt).not());
  const recounted = renamedAt.map((idx) => {
    const moves = payingWithTier(points[idx]).rename({ plan: "plan_e", cents: "e" })
      .join(
        payingWithTier(points[idx - 1]).select(
          "org_id",
          pl.col("plan").alias("plan_s"),
          pl.col("tier").alias("tier_s"),
          pl.col("cents").alias("s"),
        ),
        { on: "org_id", how: "inner" },
      )
      .withColumns(
        idxColumn(idx),
        pl.lit(asOfKey(points[idx].asOf)).cast(pl.Utf8).alias("month"),
        // one side's plan is its tier: the same tier on both sides is the renaming
        pl.col("plan_s").neq(pl.col("plan_e")).and(pl.col("tier_s").neq(pl.col("tier")))
          .alias("plan_changed"),
      );
    return planChangeSums(moves).select(
      ...kept.columns.map((name) => pl.col(name).cast(kept.getColumn(name).dtype)),
    );
  });
  return planChangesOf(pl.concat([kept, ...recounted], { how: "vertical" }));
}
