/**
 * The all-customers label, `(all)`: the company's rows in the history, retention and cohorts CSVs
 * and sheets carry it in `plan` (`cohort_plan`). A plan literally named `(all)` (a price book's, or
 * a tier) would read there as the company, and the kit's own readers (the retention headline, the
 * MCP mrr_history) would take its rows for the company's. So its rows are labelled `(all) plan`
 * instead, and the report says so: in those files, `(all)` is always every customer.
 */
import pl from "nodejs-polars";

/** The all-customers rows' plan (and cohort_plan). */
export const ALL_PLANS = "(all)";

/** The label of a plan named ALL_PLANS in the reports. */
export const ALL_NAMED_PLAN = "(all) plan";

/** A plan column's labels: ALL_PLANS → ALL_NAMED_PLAN (as text). */
export function planLabel(plan: pl.Expr): pl.Expr {
  const text = plan.cast(pl.Utf8);
  return pl.when(text.eq(pl.lit(ALL_PLANS))).then(pl.lit(ALL_NAMED_PLAN)).otherwise(text);
}

/** `frame` with its `plan` labelled (planLabel); as it is (a category) without a plan `(all)`. */
function withPlanLabel(frame: pl.DataFrame): pl.DataFrame {
  const plans = frame.getColumn("plan").cast(pl.Utf8).toArray() as (string | null)[];
  return plans.includes(ALL_PLANS)
    ? frame.withColumns(planLabel(pl.col("plan")).alias("plan"))
    : frame;
}

/**
 * The bridge with its per-plan rows labelled (withPlanLabel): plans, planEnds (checked against
 * them) and planTrends. (Its period's plans are retention_period.ts's, its cohorts cohorts.ts's.)
 */
export function withPlanLabels<
  T extends { plans: pl.DataFrame; planEnds: pl.DataFrame; planTrends: pl.DataFrame },
>(bridge: T): T {
  return {
    ...bridge,
    plans: withPlanLabel(bridge.plans),
    planEnds: withPlanLabel(bridge.planEnds),
    planTrends: withPlanLabel(bridge.planTrends),
  };
}

/** The report's line on a plan named `(all)` (null without one): how its rows are labelled. */
export function allNamedPlanSentence(plans: pl.DataFrame): string | null {
  if (!(plans.getColumn("plan").cast(pl.Utf8).toArray() as string[]).includes(ALL_NAMED_PLAN)) {
    return null;
  }
  return `A plan is named \`${ALL_PLANS}\`, the label of every customer's rows: its rows read \`${ALL_NAMED_PLAN}\` (rename the plan in the price book to see its own name).`;
}
