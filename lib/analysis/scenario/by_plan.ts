/** A scenario comparison's totals per plan: the summary's By plan table and MCP's `by_plan`. */
import pl from "nodejs-polars";
import { distinctIndex } from "./pricing_inputs.ts";
import { groupTotals } from "./totals.ts";
import { type BreakdownFigures, breakdownFrame } from "./breakdown.ts";
import { groupMargins, type MarginInputs } from "./margins.ts";
import type { Scenario } from "./model.ts";
import { NO_PLAN, planNameOrNone } from "../../core/no_plan.ts";

/**
 * The totals of each plan's organizations (no plan matched: NO_PLAN, a plan so named relabelled:
 * lib/core/no_plan.ts), in the scenario's plan order, then those no plan matched. A Stripe customer's organizations count in the plan of
 * its revenue row (`revenueRowOf`, ScenarioComparison's), as the per-plan table of the export
 * counts them; a plan whose every organization counts with its customer's in another plan has
 * no row.
 */
export function planTotals(
  { scenario, perOrg, margins, revenueRowOf }: {
    scenario: Scenario;
    perOrg: pl.DataFrame;
    /** each organization's company margin inputs (margins.ts), for each plan's margin */
    margins: MarginInputs;
    revenueRowOf: Int32Array;
  },
): ({ plan: string } & BreakdownFigures)[] {
  // each organization's plan as an index into the plan names (one group per name shown), the
  // sums by groupTotals: no JS value per organization; sums in organization order
  const { index, values } = distinctIndex(perOrg, [pl.col("plan")]);
  const names: string[] = [];
  const groupOfValue = (values.getColumn("plan").toArray() as (string | null)[]).map((plan) => {
    const name = planNameOrNone(plan);
    const known = names.indexOf(name);
    return known >= 0 ? known : names.push(name) - 1;
  });
  const groups = {
    groupOf: index.map((value) => groupOfValue[value]),
    groups: names.length,
    revenueRowOf,
  };
  const totals = groupTotals(perOrg, groups);
  const margin = groupMargins(margins, groups);
  const order = [...scenario.plans.map((p) => planNameOrNone(p.name)), NO_PLAN];
  return names.map((plan, group) => ({ plan, totals: totals[group], margin: margin[group] }))
    .filter((row) => row.totals.organizations > 0)
    .sort((a, b) => order.indexOf(a.plan) - order.indexOf(b.plan));
}

/** planTotals as a breakdown frame (column `plan`, then BREAKDOWN_COLUMNS); no `all` row. */
export function byPlanFrame(
  comparison: {
    scenario: Scenario;
    perOrg: pl.DataFrame;
    margins: MarginInputs;
    revenueRowOf: Int32Array;
  },
): pl.DataFrame {
  return breakdownFrame(
    "plan",
    planTotals(comparison).map(({ plan, ...figures }) => ({ name: plan, ...figures })),
  );
}
