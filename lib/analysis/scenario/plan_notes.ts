/**
 * Plans that price no organization in the data: a typo in `match.tiersRaw`, a tier the data does
 * not have, or a plan after a broader one that takes all its organizations (plans are tried in
 * order). The scenario is valid, but such a plan's prices change nothing, so a warning says so.
 * A plan that keeps current MRR prices nothing whoever it matches (enterprise contracts, the
 * unknown-tier catch-all): it matching no organization is no mistake, and not warned about.
 */
import type { Scenario } from "./model.ts";
import { matches, type PricingInputs } from "./pricing.ts";

/** One warning for the plans no organization's tier fits, one per plan earlier plans shadow. */
export function emptyPlanWarnings(inputs: PricingInputs, scenario: Scenario): string[] {
  // plans match by tier only: the first plan of each distinct (tier, tier_raw) in the data
  const firstPlan = inputs.tiers.map(({ tier, tierRaw }) =>
    scenario.plans.findIndex((plan) => matches(plan, tier, tierRaw))
  );
  const pricing = new Set(firstPlan);
  const quoted = (index: number) => JSON.stringify(scenario.plans[index].name);
  const unfit: string[] = [];
  const shadowed: string[] = [];
  scenario.plans.forEach((plan, i) => {
    if (pricing.has(i) || plan.keepCurrentMrr) return;
    const takers = new Set<number>();
    inputs.tiers.forEach(({ tier, tierRaw }, t) => {
      if (matches(plan, tier, tierRaw)) takers.add(firstPlan[t]);
    });
    if (takers.size === 0) {
      unfit.push(quoted(i));
      return;
    }
    const earlier = [...takers].sort((a, b) => a - b).map(quoted);
    shadowed.push(
      `plan ${
        quoted(i)
      } prices no organization in this data: the organizations its match fits are all priced by the earlier ${
        earlier.length === 1 ? "plan" : "plans"
      } ${earlier.join(", ")}`,
    );
  });
  const many = unfit.length > 1;
  return [
    ...(unfit.length === 0 ? [] : [
      `${many ? "plans" : "plan"} ${unfit.join(", ")} ${
        many ? "price" : "prices"
      } no organization in this data: no organization fits ${many ? "their" : "its"} match`,
    ]),
    ...shadowed,
  ];
}
