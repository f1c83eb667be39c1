/**
 * Pricing organizations: each organization's monthly revenue under a scenario's plans, from what
 * pricing_inputs.ts reads of the frame.
 */
import { normalTierRaw } from "../../frame/tiers.ts";
import type { FlatTierPricing, PerRequestPricing, Plan, Scenario } from "./model.ts";
import { comparableOrganizations, freeTier, keepsCurrent } from "./customers.ts";
import type { PricingInputs } from "./pricing_inputs.ts";

/**
 * Whether a plan carries its organizations' usage charges as billed: it lists metered prices
 * (Stripe bills them as usage) and prices no usage itself (no perRequest, no pctOfLlmCost), so
 * the scenario does not re-price that usage and leaving it out would read as a price cut.
 */
export function carriesUsageCharges(plan: Plan): boolean {
  return plan.meteredPrices !== undefined && !plan.keepCurrentMrr && !plan.perRequest &&
    !plan.pctOfLlmCost;
}

/** USD for `requests` under per-request pricing. */
export function requestChargeUsd(requests: number, pricing: PerRequestPricing): number {
  const included = pricing.includedRequests;
  if (requests <= included) return 0;
  if (pricing.mode === "volume") {
    const band = pricing.tiers.find((t) => t.upTo === null || requests <= t.upTo)!;
    return (requests - included) / 1000 * band.usdPer1k;
  }
  let total = 0;
  let lower = 0;
  for (const tier of pricing.tiers) {
    const upper = tier.upTo ?? Infinity;
    const from = Math.max(lower, included);
    const to = Math.min(upper, requests);
    if (to > from) total += (to - from) / 1000 * tier.usdPer1k;
    if (requests <= upper) break;
    lower = upper;
  }
  return total;
}

export function flatTierUsd(value: number, pricing: FlatTierPricing): number {
  return pricing.tiers.find((t) => t.upTo === null || value <= t.upTo)!.usd;
}

/** An organization's tier and tier_raw, as a plan's `match` reads them. */
export interface OrganizationTiers {
  tier: string | null;
  tierRaw: string | null;
}

/**
 * Whether `plan` prices an organization of this tier and tier_raw. Raw tiers match as the tier
 * family reads them (normalTierRaw: case, surrounding spaces and `_` aside), so a value the family
 * puts in pro is not left to a legacy plan for being spelt `Pro-20251210`.
 */
export function matches(plan: Plan, { tier, tierRaw }: OrganizationTiers): boolean {
  const m = plan.match;
  if (!m) return true;
  if (m.tiers && !(tier !== null && m.tiers.includes(tier))) return false;
  if (m.tiersRaw) {
    if (tierRaw === null) return false;
    const raw = normalTierRaw(tierRaw);
    if (!m.tiersRaw.some((value) => normalTierRaw(value) === raw)) return false;
  }
  return true;
}

/** One organization's proposed revenue, split into parts (USD per month). */
export interface ProposedParts {
  /** index of the plan in scenario.plans; -1 when no plan matched */
  plan: number;
  base: number;
  usage: number;
  minimumTopup: number;
  addons: number;
  /** usage charges carried as billed (carriesUsageCharges), not re-priced */
  carriedUsage: number;
  /** null when the plan keeps current MRR and it is unknown */
  total: number | null;
}

/** Every organization's ProposedParts, a typed array per field. */
export interface PricedOrganizations {
  /** index of the plan in scenario.plans; -1 when no plan matched */
  plan: Int32Array;
  base: Float64Array;
  usage: Float64Array;
  minimumTopup: Float64Array;
  addons: Float64Array;
  carriedUsage: Float64Array;
  /** NaN when the plan keeps current MRR and it is unknown */
  total: Float64Array;
  /** add-ons organizations have that the scenario gives no price (priced at $0) */
  unpricedAddons: string[];
  unmatched: number;
  /** organizations kept at $0 because no subscription of theirs counts (PricingInputs.notCounted) */
  notCounted: number;
}

/** Prices every organization under the scenario (pure; no frames, so breakeven can loop fast). */
export function priceOrganizations(
  inputs: PricingInputs,
  scenario: Scenario,
): PricedOrganizations {
  const unpriced = new Set<string>();
  const price = organizationPricer(inputs, { scenario, unpriced });
  const planOf = plansOf(inputs, scenario);
  const height = inputs.height;
  const priced = {
    plan: new Int32Array(height),
    base: new Float64Array(height),
    usage: new Float64Array(height),
    minimumTopup: new Float64Array(height),
    addons: new Float64Array(height),
    carriedUsage: new Float64Array(height),
    total: new Float64Array(height),
  };
  let unmatched = 0;
  let notCounted = 0;
  for (let i = 0; i < height; i++) {
    const parts = price(i, planOf[inputs.tierOf[i]]);
    if (parts.plan < 0) unmatched++;
    if (inputs.notCounted[i]) notCounted++;
    priced.plan[i] = parts.plan;
    priced.base[i] = parts.base;
    priced.usage[i] = parts.usage;
    priced.minimumTopup[i] = parts.minimumTopup;
    priced.addons[i] = parts.addons;
    priced.carriedUsage[i] = parts.carriedUsage;
    priced.total[i] = parts.total ?? Number.NaN;
  }
  return { ...priced, unpricedAddons: [...unpriced].sort(), unmatched, notCounted };
}

/** The parts of organization `i` (tests, small frames). */
export function partsAt(priced: PricedOrganizations, i: number): ProposedParts {
  const total = priced.total[i];
  return {
    plan: priced.plan[i],
    base: priced.base[i],
    usage: priced.usage[i],
    minimumTopup: priced.minimumTopup[i],
    addons: priced.addons[i],
    carriedUsage: priced.carriedUsage[i],
    total: Number.isNaN(total) ? null : total,
  };
}

/** For each distinct (tier, tier_raw) of `inputs.tiers`, the first plan it matches; -1 when none. */
function plansOf(inputs: PricingInputs, scenario: Scenario): Int32Array {
  return Int32Array.from(
    inputs.tiers,
    ({ tier, tierRaw }) => scenario.plans.findIndex((p) => matches(p, { tier, tierRaw })),
  );
}

/**
 * Prices organizations under `scenario` one at a time, each into the same record, which it returns
 * (copy it to keep it): the breakeven search prices a million organizations ~100 times, and a new
 * object each time piled up ~2 GB of garbage. Add-ons without a price go into `unpriced`.
 */
function organizationPricer(
  inputs: PricingInputs,
  { scenario, unpriced }: { scenario: Scenario; unpriced: Set<string> },
): (i: number, planIndex: number) => ProposedParts {
  const parts: ProposedParts = {
    plan: -1,
    base: 0,
    usage: 0,
    minimumTopup: 0,
    addons: 0,
    carriedUsage: 0,
    total: 0,
  };
  const planOfTier = inputs.siblings > 0 ? plansOf(inputs, scenario) : new Int32Array(0);
  /** The parts of a price that is `base` alone: nothing, or the current MRR kept. */
  const baseOnly = (base: number) => {
    parts.base = base;
    parts.usage = 0;
    parts.minimumTopup = 0;
    parts.addons = 0;
    parts.carriedUsage = 0;
  };
  return (i, planIndex) => {
    parts.plan = planIndex;
    // no plan, or nothing paid because no subscription counts (a trial is not a customer at
    // list price): $0, as today
    if (planIndex < 0 || inputs.notCounted[i]) {
      baseOnly(0);
      parts.total = 0;
      return parts;
    }
    const plan = scenario.plans[planIndex];
    if (plan.keepCurrentMrr) {
      const row = inputs.revenueRowOf[i];
      if (row !== i) {
        // its customer's MRR is on another organization's row: kept there when that one's plan
        // keeps it too (nothing more here); a free one keeps its $0 beside a re-priced row; else
        // the part kept for this one is not known (customers.ts notComparableRows)
        baseOnly(0);
        parts.total = keepsCurrent(scenario, planOfTier[inputs.tierOf[row]]) || freeTier(inputs, i)
          ? 0
          : null;
        return parts;
      }
      // the customer's whole MRR, on this row: its other organizations' prices add to it
      const current = inputs.currentMrr[i];
      const known = !Number.isNaN(current);
      baseOnly(known ? current : 0);
      parts.total = known ? current : null;
      return parts;
    }
    let base = plan.flatUsd ?? 0;
    if (plan.perSeatUsd !== undefined) {
      base += Math.max(0, inputs.seats[i] - (plan.includedSeats ?? 0)) * plan.perSeatUsd;
    }
    if (plan.flatTiers) {
      const metric = plan.flatTiers.metric;
      const value = metric === "seats"
        ? inputs.seats[i]
        : metric === "active_users_30d"
        ? inputs.activeUsers[i]
        : metric === "requests_30d"
        ? inputs.requests[i]
        : inputs.llmCost.all[i];
      base += flatTierUsd(value, plan.flatTiers);
    }
    let usage = 0;
    if (plan.perRequest) usage += requestChargeUsd(inputs.requests[i], plan.perRequest);
    if (plan.pctOfLlmCost) {
      usage += inputs.llmCost[plan.pctOfLlmCost.basis][i] * plan.pctOfLlmCost.percent / 100;
    }
    const minimumTopup = Math.max(0, (plan.minimumUsd ?? 0) - base - usage);
    let addons = 0;
    if (!plan.addonsIncluded) {
      for (const addon of inputs.addonLists[inputs.addonsOf[i]]) {
        const price = scenario.addonPrices[addon];
        if (price === undefined) unpriced.add(addon);
        else addons += price;
      }
    }
    parts.base = base;
    parts.usage = usage;
    parts.minimumTopup = minimumTopup;
    parts.addons = addons;
    // carried after the minimum: the minimum is on the plan's own charges, as list_price_mrr
    parts.carriedUsage = carriesUsageCharges(plan) ? inputs.usageCharges[i] : 0;
    parts.total = base + usage + minimumTopup + addons + parts.carriedUsage;
    return parts;
  };
}

/**
 * Proposed MRR summed over the comparable organizations (comparableOrganizations: their
 * customer's current MRR known), for versions of `scenario` that differ only in one price (a
 * breakeven's parameter). Each organization's plan is matched once (plans match by tier, never by
 * price). With the plan the price lies in (`varyingPlan`), the other plans' organizations are
 * priced once and only that plan's at each call; with none (an add-on price), every organization
 * at each call. The sum runs in organization order: the same float as summing
 * priceOrganizations' totals.
 */
export function comparableTotalsVarying(
  inputs: PricingInputs,
  { scenario, varyingPlan }: { scenario: Scenario; varyingPlan: number | null },
): (version: Scenario) => number {
  const unpriced = new Set<string>();
  const height = inputs.height;
  // per organization: 0 not comparable, 1 priced at each call, 2 priced once (`fixed`)
  const kind = new Uint8Array(height);
  const fixed = new Float64Array(height);
  const plans = organizationPlans(inputs, scenario);
  const comparable = comparableOrganizations(inputs, { scenario, plans });
  const priceOnce = organizationPricer(inputs, { scenario, unpriced });
  for (let i = 0; i < height; i++) {
    if (!comparable[i]) continue;
    if (varyingPlan === null || plans[i] === varyingPlan) kind[i] = 1;
    else {
      kind[i] = 2;
      fixed[i] = priceOnce(i, plans[i]).total ?? 0;
    }
  }
  return (version) => {
    const price = organizationPricer(inputs, { scenario: version, unpriced });
    let total = 0;
    for (let i = 0; i < height; i++) {
      if (kind[i] === 1) total += price(i, plans[i]).total ?? 0;
      else if (kind[i] === 2) total += fixed[i];
    }
    return total;
  };
}

/** Each organization's plan under `scenario`: an index into its plans, −1 when none matches. */
export function organizationPlans(inputs: PricingInputs, scenario: Scenario): Int32Array {
  const planOf = plansOf(inputs, scenario);
  return Int32Array.from(inputs.tierOf, (tier) => planOf[tier]);
}

/**
 * Current MRR of the comparable organizations (each customer's once: on its revenue row, the
 * others' mrr is empty).
 */
export function currentTotal(inputs: PricingInputs, comparable: Uint8Array): number {
  let total = 0;
  const mrr = inputs.currentMrr;
  for (let i = 0; i < mrr.length; i++) if (comparable[i] && !Number.isNaN(mrr[i])) total += mrr[i];
  return total;
}
