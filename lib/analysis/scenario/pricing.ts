/** Pricing organizations: each organization's monthly revenue under a scenario's plans. */
import pl from "nodejs-polars";
import { UserError } from "../../core/config.ts";
import type { CostBasis, FlatTierPricing, PerRequestPricing, Plan, Scenario } from "./model.ts";

// ── pricing organizations ───────────────────────────────────────────────────────────────────

/**
 * What pricing reads of each organization: the export's columns as plain arrays (nulls in usage
 * columns read as 0). The organizations' names and ids stay in the frame (the per-organization
 * results take them from there).
 */
export interface PricingInputs {
  height: number;
  tier: (string | null)[];
  tierRaw: (string | null)[];
  seats: number[];
  activeUsers: number[];
  requests: number[];
  llmCost: Record<CostBasis, number[]>;
  /** add-ons per organization: addons_in_metadata, plus prompts when addon_prompts > 0 */
  addons: string[][];
  /** current MRR; null = unknown */
  currentMrr: (number | null)[];
}

/** The columns a scenario needs in its frame (org_id and org_name for its results). */
export const SCENARIO_INPUT_COLUMNS = [
  "org_id",
  "org_name",
  "tier",
  "tier_raw",
  "seats",
  "active_users_30d",
  "requests_30d",
  "llm_cost_30d",
  "llm_cost_ptb_30d",
  "llm_cost_byok_30d",
  "addons_in_metadata",
  "addon_prompts",
  "mrr",
];

function numberArray(frame: pl.DataFrame, name: string): number[] {
  return (frame.getColumn(name).toArray() as unknown[]).map((v) =>
    v === null || v === undefined ? 0 : Number(v)
  );
}

/** A frame's pricing inputs; a frame without every SCENARIO_INPUT_COLUMNS column is refused. */
export function pricingInputs(frame: pl.DataFrame): PricingInputs {
  const missing = SCENARIO_INPUT_COLUMNS.filter((name) => !frame.columns.includes(name));
  if (missing.length > 0) {
    throw new UserError(
      `the frame lacks ${
        missing.join(", ")
      }: pass an export frame (loadPricingData or readExportFile)`,
    );
  }
  const metadata = frame.getColumn("addons_in_metadata").toArray() as (string | null)[];
  const promptsBilled = frame.getColumn("addon_prompts").toArray() as (number | null)[];
  const addons = metadata.map((text, i) => {
    const list = (text ?? "").split(",").map((a) => a.trim()).filter((a) => a !== "");
    if ((promptsBilled[i] ?? 0) > 0 && !list.includes("prompts")) list.push("prompts");
    return list;
  });
  return {
    height: frame.height,
    tier: frame.getColumn("tier").toArray() as (string | null)[],
    tierRaw: frame.getColumn("tier_raw").toArray() as (string | null)[],
    seats: numberArray(frame, "seats"),
    activeUsers: numberArray(frame, "active_users_30d"),
    requests: numberArray(frame, "requests_30d"),
    llmCost: {
      all: numberArray(frame, "llm_cost_30d"),
      ptb: numberArray(frame, "llm_cost_ptb_30d"),
      byok: numberArray(frame, "llm_cost_byok_30d"),
    },
    addons,
    currentMrr: (frame.getColumn("mrr").toArray() as unknown[]).map((v) =>
      v === null || v === undefined ? null : Number(v)
    ),
  };
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

function matches(plan: Plan, tier: string | null, tierRaw: string | null): boolean {
  const m = plan.match;
  if (!m) return true;
  if (m.tiers && !(tier !== null && m.tiers.includes(tier))) return false;
  if (m.tiersRaw && !(tierRaw !== null && m.tiersRaw.includes(tierRaw))) return false;
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
  /** null when the plan keeps current MRR and it is unknown */
  total: number | null;
}

export interface PricedOrganizations {
  parts: ProposedParts[];
  /** add-ons organizations have that the scenario gives no price (priced at $0) */
  unpricedAddons: string[];
  unmatched: number;
}

/** Prices every organization under the scenario (pure; no frames, so breakeven can loop fast). */
export function priceOrganizations(
  inputs: PricingInputs,
  scenario: Scenario,
): PricedOrganizations {
  const unpriced = new Set<string>();
  const price = organizationPricer(inputs, { scenario, unpriced });
  let unmatched = 0;
  const parts: ProposedParts[] = new Array(inputs.height);
  for (let i = 0; i < inputs.height; i++) {
    const priced = price(i, planOf(inputs, i, scenario));
    if (priced.plan < 0) unmatched++;
    parts[i] = { ...priced };
  }
  return { parts, unpricedAddons: [...unpriced].sort(), unmatched };
}

/** The index of the first plan organization `i` matches; -1 when none does. */
function planOf(inputs: PricingInputs, i: number, scenario: Scenario): number {
  return scenario.plans.findIndex((p) => matches(p, inputs.tier[i], inputs.tierRaw[i]));
}

/**
 * Prices organizations under `scenario` one at a time, each into the same record, which it returns
 * (copy it to keep it): the breakeven search prices a million organizations ~100 times, and a new
 * object each time, tenured by V8 like the ones priceOrganizations keeps, piled up ~2 GB of garbage.
 * Add-ons without a price go into `unpriced`.
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
    total: 0,
  };
  const fill = (base: number, usage: number, minimumTopup: number, addons: number) => {
    parts.base = base;
    parts.usage = usage;
    parts.minimumTopup = minimumTopup;
    parts.addons = addons;
  };
  return (i, planIndex) => {
    parts.plan = planIndex;
    if (planIndex < 0) {
      fill(0, 0, 0, 0);
      parts.total = 0;
      return parts;
    }
    const plan = scenario.plans[planIndex];
    if (plan.keepCurrentMrr) {
      const current = inputs.currentMrr[i];
      fill(current ?? 0, 0, 0, 0);
      parts.total = current;
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
      for (const addon of inputs.addons[i]) {
        const price = scenario.addonPrices[addon];
        if (price === undefined) unpriced.add(addon);
        else addons += price;
      }
    }
    fill(base, usage, minimumTopup, addons);
    parts.total = base + usage + minimumTopup + addons;
    return parts;
  };
}

/**
 * Proposed MRR summed over organizations whose current MRR is known (the comparable set), for
 * versions of `scenario` that differ only in one price (a breakeven's parameter). Each
 * organization's plan is matched once (plans match by tier, never by price). With the plan the
 * price lies in (`varyingPlan`), the other plans' organizations are priced once and only that
 * plan's at each call; with none (an add-on price), every organization at each call. The sum runs
 * in organization order: the same float as summing priceOrganizations' totals.
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
  const plans = new Int32Array(height);
  const priceOnce = organizationPricer(inputs, { scenario, unpriced });
  for (let i = 0; i < height; i++) {
    if (inputs.currentMrr[i] === null) continue;
    plans[i] = planOf(inputs, i, scenario);
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

export function currentTotal(inputs: PricingInputs): number {
  let total = 0;
  for (const mrr of inputs.currentMrr) if (mrr !== null) total += mrr;
  return total;
}
