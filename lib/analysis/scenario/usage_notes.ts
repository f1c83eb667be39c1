/**
 * What a comparison says about billed usage and unpaid subscriptions, so that a proposal and
 * current MRR (which includes usage_charges) are never set side by side silently: usage charges
 * carried as billed, usage charges a plan leaves out or re-prices, metered prices that differ
 * from the price book's (not re-priced), organizations kept at $0 because no subscription of
 * theirs counts, and user tiers judged on another window's active users.
 */
import { STANDARD_WINDOW_DAYS } from "../../formats/export_names.ts";
import { formatUsd } from "../../report/numbers.ts";
import type { MeteredPrices, Scenario } from "./model.ts";
import { carriesUsageCharges, matches, type PricedOrganizations } from "./pricing.ts";
import type { PricingInputs } from "./pricing_inputs.ts";

function organizations(n: number): string {
  return `${n.toLocaleString("en-US")} organization${n === 1 ? "" : "s"}`;
}

/** Plan names in a sentence (scenario text: the report escapes warnings as data). */
function planList(names: string[]): string {
  return names.map((name) => JSON.stringify(name)).join(", ");
}

interface UsageSum {
  usd: number;
  organizations: number;
  plans: Set<string>;
}

const emptySum = (): UsageSum => ({ usd: 0, organizations: 0, plans: new Set() });

function add(sum: UsageSum, usd: number, plan: string): void {
  sum.usd += usd;
  sum.organizations++;
  sum.plans.add(plan);
}

/** Metered prices as comparable text (key order as written by validation). */
const meteredText = (prices: MeteredPrices | undefined) => JSON.stringify(prices ?? null);

/**
 * The warnings about usage and subscription status of one priced scenario. `priceBook` is what
 * organizations are billed on (the current price book): a carrying plan whose meteredPrices
 * differ from those of the book's plan of the same organizations is named, since its prices are
 * not applied. Organizations with unknown current MRR are left out of the sums (not compared).
 */
export function usageWarnings(
  inputs: PricingInputs,
  { scenario, priced, priceBook }: {
    scenario: Scenario;
    priced: PricedOrganizations;
    priceBook?: Scenario;
  },
): string[] {
  const carried = emptySum();
  const leftOut = emptySum();
  const repriced = emptySum();
  const differing = new Set<string>();
  // the book's plan of each distinct (tier, tier_raw), matched as the book matches
  const bookPlanOf = priceBook
    ? inputs.tiers.map(({ tier, tierRaw }) =>
      priceBook.plans.find((plan) => matches(plan, { tier, tierRaw }))
    )
    : null;
  for (let i = 0; i < inputs.height; i++) {
    const planIndex = priced.plan[i];
    if (planIndex < 0 || Number.isNaN(inputs.currentMrr[i]) || inputs.notCounted[i]) continue;
    const plan = scenario.plans[planIndex];
    if (plan.keepCurrentMrr) continue;
    const usage = inputs.usageCharges[i];
    if (carriesUsageCharges(plan)) {
      if (usage !== 0) add(carried, usage, plan.name);
      const bookPlan = bookPlanOf?.[inputs.tierOf[i]];
      if (bookPlanOf && meteredText(bookPlan?.meteredPrices) !== meteredText(plan.meteredPrices)) {
        differing.add(plan.name);
      }
    } else if (usage !== 0) {
      add(plan.perRequest || plan.pctOfLlmCost ? repriced : leftOut, usage, plan.name);
    }
  }
  const warnings: string[] = [];
  const plans = (sum: UsageSum) => planList([...sum.plans]);
  if (carried.organizations > 0) {
    warnings.push(
      `usage charges carried as billed into proposed MRR, not re-priced: ${
        formatUsd(carried.usd)
      } a month of ${organizations(carried.organizations)} on ${
        plans(carried)
      } (plans with meteredPrices that price no usage themselves; Stripe bills metered requests and storage, in usage_charges)`,
    );
  }
  if (differing.size > 0) {
    warnings.push(
      `meteredPrices of ${
        planList([...differing])
      } differ from what their organizations are billed on (the price book): they are not re-priced; the organizations' usage charges are carried as billed`,
    );
  }
  if (leftOut.organizations > 0) {
    warnings.push(
      `usage charges left out of proposed MRR: ${formatUsd(leftOut.usd)} a month of ${
        organizations(leftOut.organizations)
      } on ${
        plans(leftOut)
      } (in current MRR as usage_charges; these plans list no meteredPrices and price no usage), so they read as paying that much less`,
    );
  }
  if (repriced.organizations > 0) {
    warnings.push(
      `usage charges replaced by the scenario's own usage prices: ${
        formatUsd(repriced.usd)
      } a month of current MRR of ${organizations(repriced.organizations)} on ${
        plans(repriced)
      } (perRequest or pctOfLlmCost)`,
    );
  }
  if (priced.notCounted > 0) {
    warnings.push(
      `${organizations(priced.notCounted)} ${
        priced.notCounted === 1 ? "pays" : "pay"
      } nothing because no subscription of theirs is in a status MRR counts (subscription_status trialing, paused, incomplete, canceled on a paying tier, …): kept at $0, not priced by their plan`,
    );
  }
  return warnings;
}

/**
 * The warning for plans whose flat tiers count active_users_30d on data of another window than 30
 * days, or null: usage is put on a 30-day basis, but a count of people who signed in is no sum over
 * days and cannot be scaled, so a 7-day export's fewer active users fall in lower tiers.
 */
export function activeUserTiersWarning(
  inputs: PricingInputs,
  { scenario, priced, windowDays }: {
    scenario: Scenario;
    priced: PricedOrganizations;
    windowDays: number;
  },
): string | null {
  if (windowDays === STANDARD_WINDOW_DAYS) return null;
  const onUsers = emptySum();
  for (let i = 0; i < inputs.height; i++) {
    const planIndex = priced.plan[i];
    if (planIndex < 0 || inputs.notCounted[i]) continue;
    const plan = scenario.plans[planIndex];
    if (!plan.keepCurrentMrr && plan.flatTiers?.metric === "active_users_30d") {
      add(onUsers, 0, plan.name);
    }
  }
  if (onUsers.organizations === 0) return null;
  return `user tiers (flatTiers on active_users_30d) of ${
    planList([...onUsers.plans])
  } judged on the window's ${windowDays}-day active users (members who signed in during the ${windowDays} days) of ${
    organizations(onUsers.organizations)
  }: they are not scaled to 30 days as usage is, so a 30-day export, counting more of them, can put organizations in other tiers`;
}
