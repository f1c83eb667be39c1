/** Pricing organizations: each organization's monthly revenue under a scenario's plans. */
import pl from "nodejs-polars";
import { UserError } from "../../core/config.ts";
import { normalTierRaw } from "../../frame/tiers.ts";
import type { CostBasis, FlatTierPricing, PerRequestPricing, Plan, Scenario } from "./model.ts";
import { comparableOrganizations, freeTier, keepsCurrent, revenueRows } from "./customers.ts";

// ── pricing organizations ───────────────────────────────────────────────────────────────────

/**
 * What pricing reads of each organization, column-wise: numbers as Float64Arrays (nulls in usage
 * columns read as 0, an unknown current MRR as NaN), and the text it reads (tiers, add-ons) as an
 * index per organization into its few distinct values, each read once. A million organizations
 * take ~60 MB here; as JS arrays of values and strings they took ~250 MB of heap. The
 * organizations' names and ids stay in the frame (the per-organization results take them there).
 */
export interface PricingInputs {
  height: number;
  /** each organization's (tier, tier_raw): an index into `tiers` */
  tierOf: Int32Array;
  tiers: { tier: string | null; tierRaw: string | null }[];
  seats: Float64Array;
  activeUsers: Float64Array;
  requests: Float64Array;
  llmCost: Record<CostBasis, Float64Array>;
  /**
   * each organization's add-ons (addons_in_metadata, plus prompts when addon_prompts > 0): an
   * index into `addonLists`
   */
  addonsOf: Int32Array;
  addonLists: string[][];
  /** current MRR; NaN = unknown (a shared_customer organization's is on its revenue row) */
  currentMrr: Float64Array;
  /**
   * each organization's revenue row: the row that carries its Stripe customer's revenue, its own
   * unless another organization's row carries it (lib/analysis/scenario/customers.ts)
   */
  revenueRowOf: Int32Array;
  /** organizations whose revenue row is another's (revenue_source shared_customer) */
  siblings: number;
  /** what Stripe billed for metered usage (usage_charges, in MRR); unknown = 0 */
  usageCharges: Float64Array;
  /**
   * 1 where the organization pays nothing because of its subscriptions' status: MRR 0, Stripe
   * subscriptions, none counted (trialing, canceled, …: cancel_at_period_end is empty exactly
   * when no subscription counts). An organization without subscriptions (free) is not one, nor
   * is a free-tier one whose subscriptions all ended (canceled): both are priced as free. An
   * organization sharing a Stripe customer is one when its customer is (its revenue row's).
   */
  notCounted: Uint8Array;
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
  "usage_charges",
  "subscription_status",
  "cancel_at_period_end",
  // organizations sharing a Stripe customer are compared as one (customers.ts)
  "stripe_customer_id",
  "revenue_source",
];

/** An expression's values as doubles through a typed array (null → `ifNull`): no JS value per row. */
export function doublesOf(frame: pl.DataFrame, expr: pl.Expr, ifNull = 0): Float64Array {
  return frame.select(expr.cast(pl.Float64).fillNull(pl.lit(ifNull)).alias("v"))
    .getColumn("v").toTypedArray() as Float64Array;
}

/**
 * Columns made once per distinct value of `keys` (by `columnsOf`, given those values in order of
 * first appearance) and joined back to every row of `frame`, in its order: text with a few values
 * per million rows is read, and priced, once per value, not per row. Returns the values and the
 * columns, one row per row of `frame`.
 */
export function perDistinctValue(
  frame: pl.DataFrame,
  { keys, columnsOf }: { keys: pl.Expr[]; columnsOf: (values: pl.DataFrame) => pl.Series[] },
): { values: pl.DataFrame; rows: pl.DataFrame } {
  const keyed = frame.select(...keys);
  const on = keyed.columns;
  const values = keyed.unique({ maintainOrder: true });
  const made = columnsOf(values);
  // nullsEqual: a null is a value like any other
  const rows = keyed.lazy().join(values.withColumns(...made).lazy(), {
    on,
    how: "left",
    nullsEqual: true,
    maintainOrder: "left",
  }).select(...made.map((column) => column.name)).collectSync();
  if (rows.height !== frame.height) {
    throw new Error(`a join on distinct values gave ${rows.height} rows for ${frame.height}`);
  }
  return { values, rows };
}

/** Each row's index into the distinct values of `keys` (in order of first appearance), and those values. */
export function distinctIndex(
  frame: pl.DataFrame,
  keys: pl.Expr[],
): { index: Int32Array; values: pl.DataFrame } {
  const { values, rows } = perDistinctValue(frame, {
    keys,
    columnsOf: (distinct) => [
      pl.Series("index", Int32Array.from({ length: distinct.height }, (_, i) => i)),
    ],
  });
  return { index: rows.getColumn("index").toTypedArray() as Int32Array, values };
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
  const tiers = distinctIndex(frame, [
    pl.col("tier").cast(pl.Utf8),
    pl.col("tier_raw").cast(pl.Utf8),
  ]);
  const tierTexts = tiers.values.getColumn("tier").toArray() as (string | null)[];
  const tierRawTexts = tiers.values.getColumn("tier_raw").toArray() as (string | null)[];
  const addons = distinctIndex(frame, [
    pl.col("addons_in_metadata").cast(pl.Utf8),
    pl.col("addon_prompts").cast(pl.Float64).fillNull(0).gt(0).alias("prompts_billed"),
  ]);
  const metadata = addons.values.getColumn("addons_in_metadata").toArray() as (string | null)[];
  const promptsBilled = addons.values.getColumn("prompts_billed").toArray() as boolean[];
  const { revenueRowOf, siblings } = revenueRows(frame);
  const notCounted = Uint8Array.from(doublesOf(frame, notCountedExpr()));
  // a trialing or canceled customer's other organizations pay nothing either
  if (siblings > 0) revenueRowOf.forEach((row, i) => notCounted[i] = notCounted[row]);
  return {
    height: frame.height,
    tierOf: tiers.index,
    tiers: tierTexts.map((tier, i) => ({ tier, tierRaw: tierRawTexts[i] })),
    seats: doublesOf(frame, pl.col("seats")),
    activeUsers: doublesOf(frame, pl.col("active_users_30d")),
    requests: doublesOf(frame, pl.col("requests_30d")),
    llmCost: {
      all: doublesOf(frame, pl.col("llm_cost_30d")),
      ptb: doublesOf(frame, pl.col("llm_cost_ptb_30d")),
      byok: doublesOf(frame, pl.col("llm_cost_byok_30d")),
    },
    addonsOf: addons.index,
    addonLists: metadata.map((text, i) => {
      const list = (text ?? "").split(",").map((a) => a.trim()).filter((a) => a !== "");
      if (promptsBilled[i] && !list.includes("prompts")) list.push("prompts");
      return list;
    }),
    currentMrr: doublesOf(frame, pl.col("mrr"), Number.NaN),
    revenueRowOf,
    siblings,
    usageCharges: doublesOf(frame, pl.col("usage_charges")),
    notCounted,
  };
}

/** Subscription statuses (subscription_status, comma-separated) that are all ended ones. */
const ENDED_ONLY = "^(canceled|incomplete_expired)(,(canceled|incomplete_expired))*$";

/**
 * An organization that pays nothing because no subscription of its counts (see notCounted). A
 * free-tier organization whose subscriptions all ended (canceled) is not one: it is a free
 * organization like those that never subscribed, and a scenario prices it as it prices them (the
 * demo's 2 % of LLM cost left 16 such organizations out at $0, "unchanged").
 */
function notCountedExpr(): pl.Expr {
  const status = pl.col("subscription_status").cast(pl.Utf8);
  const freeAfterCancel = pl.col("tier").cast(pl.Utf8).eq(pl.lit("free"))
    .and(status.str.contains(ENDED_ONLY)).fillNull(false);
  return pl.col("mrr").cast(pl.Float64).eq(0)
    .and(status.isNotNull()).and(status.neq(pl.lit("")))
    .and(pl.col("cancel_at_period_end").isNull())
    .and(freeAfterCancel.not())
    .cast(pl.Float64);
}

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

/**
 * Whether `plan` prices an organization of this tier and tier_raw. Raw tiers match as the tier
 * family reads them (normalTierRaw: case, surrounding spaces and `_` aside), so a value the family
 * puts in pro is not left to a legacy plan for being spelt `Pro-20251210`.
 */
export function matches(plan: Plan, tier: string | null, tierRaw: string | null): boolean {
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
    ({ tier, tierRaw }) => scenario.plans.findIndex((p) => matches(p, tier, tierRaw)),
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
  const fill = (base: number, usage: number, minimumTopup: number, addons: number) => {
    parts.base = base;
    parts.usage = usage;
    parts.minimumTopup = minimumTopup;
    parts.addons = addons;
    parts.carriedUsage = 0;
  };
  return (i, planIndex) => {
    parts.plan = planIndex;
    // no plan, or nothing paid because no subscription counts (a trial is not a customer at
    // list price): $0, as today
    if (planIndex < 0 || inputs.notCounted[i]) {
      fill(0, 0, 0, 0);
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
        fill(0, 0, 0, 0);
        parts.total = keepsCurrent(scenario, planOfTier[inputs.tierOf[row]]) || freeTier(inputs, i)
          ? 0
          : null;
        return parts;
      }
      // the customer's whole MRR, on this row: its other organizations' prices add to it
      const current = inputs.currentMrr[i];
      const known = !Number.isNaN(current);
      fill(known ? current : 0, 0, 0, 0);
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
    fill(base, usage, minimumTopup, addons);
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
