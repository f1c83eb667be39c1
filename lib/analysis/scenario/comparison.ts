/**
 * Comparison with current MRR per organization and per tier, and the breakeven price of any one
 * price in the model.
 */
import pl from "nodejs-polars";
import { UserError } from "../../core/config.ts";
import { collectDroppedFrames } from "../../core/memory.ts";
import type { Scenario } from "./model.ts";
import { planOfParameter, priceParameter, withPriceParameter } from "./parameters.ts";
import {
  comparableTotalsVarying,
  currentTotal,
  distinctIndex,
  doublesOf,
  type PricedOrganizations,
  priceOrganizations,
  type PricingInputs,
  pricingInputs,
} from "./pricing.ts";
import { usageWarnings } from "./usage_notes.ts";
import { planMatchWarnings, tierCounts } from "./plan_notes.ts";

// ── comparison ──────────────────────────────────────────────────────────────────────────────

/** |delta| below half a cent counts as unchanged. */
const UNCHANGED_USD = 0.005;

/**
 * An organization's outcome (perOrgFrame's `outcome` column): unknown_current when its current or
 * proposed MRR is unknown, else unchanged when |proposed − current| < UNCHANGED_USD, else by sign.
 */
export type Outcome = "pays_more" | "pays_less" | "unchanged" | "unknown_current";

/**
 * Per-organization proposed revenue next to current MRR. Columns: org_id, org_name, tier,
 * tier_raw, seats, requests_30d, llm_cost_30d, addons, plan, current_mrr, proposed_base,
 * proposed_usage, proposed_minimum_topup, proposed_addons, proposed_usage_carried (usage charges
 * carried as billed), proposed_mrr, delta_usd, change_pct (empty when current is 0 or unknown),
 * outcome.
 */
export function proposedRevenue(frame: pl.DataFrame, scenario: Scenario): pl.DataFrame {
  const inputs = pricingInputs(frame);
  return perOrgFrame(frame, { inputs, scenario, priced: priceOrganizations(inputs, scenario) });
}

function perOrgFrame(
  frame: pl.DataFrame,
  { inputs, scenario, priced }: {
    inputs: PricingInputs;
    scenario: Scenario;
    priced: PricedOrganizations;
  },
): pl.DataFrame {
  // the organizations' own columns straight from the frame (no JS string per organization);
  // usage as pricing reads it (unknown = 0)
  const known = (name: string) => pl.col(name).cast(pl.Float64).fillNull(0);
  const own = frame.select(
    pl.col("org_id").cast(pl.Utf8),
    pl.col("org_name").cast(pl.Utf8),
    pl.col("tier").cast(pl.Utf8),
    pl.col("tier_raw").cast(pl.Utf8),
    known("seats").cast(pl.Int64).alias("seats"),
    known("requests_30d").cast(pl.Int64).alias("requests_30d"),
    known("llm_cost_30d").alias("llm_cost_30d"),
  );
  // add-ons and plan names: one text per distinct value, picked by each organization's index
  const addonTexts = pl.Series(
    "addons",
    inputs.addonLists.map((list) => list.length ? list.join(",") : null),
    pl.Utf8,
  );
  const planNames = pl.Series(
    "plan",
    [null, ...scenario.plans.map((plan) => plan.name)], // index 0: no plan (-1 + 1)
    pl.Utf8,
  );
  const picked = pl.DataFrame([
    pl.Series("addons_index", inputs.addonsOf),
    pl.Series("plan_index", priced.plan.map((plan) => plan + 1)),
  ]).lazy()
    .join(indexed(addonTexts, "addons_index"), {
      on: "addons_index",
      how: "left",
      maintainOrder: "left",
    })
    .join(indexed(planNames, "plan_index"), {
      on: "plan_index",
      how: "left",
      maintainOrder: "left",
    })
    .select("addons", "plan")
    .collectSync();
  // NaN marks an unknown value in the typed arrays: null in the frame. delta, change and
  // outcome as before, value by value (the same floats)
  const current = pl.col("current_mrr");
  const proposed = pl.col("proposed_mrr");
  const delta = pl.col("delta_usd");
  const unknown = current.isNull().or(proposed.isNull());
  const amounts = pl.DataFrame([
    pl.Series("current_mrr", inputs.currentMrr),
    pl.Series("proposed_base", priced.base),
    pl.Series("proposed_usage", priced.usage),
    pl.Series("proposed_minimum_topup", priced.minimumTopup),
    pl.Series("proposed_addons", priced.addons),
    pl.Series("proposed_usage_carried", priced.carriedUsage),
    pl.Series("proposed_mrr", priced.total),
  ]).select(
    pl.all().fillNan(null),
  ).withColumns(
    pl.when(unknown).then(pl.lit(null)).otherwise(proposed.minus(current)).alias("delta_usd"),
  ).withColumns(
    pl.when(unknown.or(current.eq(0))).then(pl.lit(null))
      .otherwise(delta.div(current).mul(100)).alias("change_pct"),
    pl.when(unknown).then(pl.lit("unknown_current"))
      .when(delta.abs().lt(UNCHANGED_USD)).then(pl.lit("unchanged"))
      .when(delta.gt(0)).then(pl.lit("pays_more"))
      .otherwise(pl.lit("pays_less")).alias("outcome"),
  );
  return pl.concat([own, picked, amounts], { how: "horizontal" });
}

/** A small Series with its row numbers in column `index` (a lookup table to join on). */
function indexed(values: pl.Series, index: string): pl.LazyDataFrame {
  return pl.DataFrame([
    pl.Series(index, Int32Array.from({ length: values.length }, (_, i) => i)),
    values,
  ]).lazy();
}

/** The columns of a scenario's biggest movers (the summary's tables, the MCP tool's). */
export const MOVER_COLUMNS = [
  "org_id",
  "org_name",
  "tier",
  "plan",
  "current_mrr",
  "proposed_mrr",
  "delta_usd",
] as const;

/**
 * The `limit` organizations whose MRR rises most (`pays_more`) or falls most (`pays_less`), with
 * MOVER_COLUMNS only: they are picked before the filter (no copy), so it copies only those, not
 * every column of every organization that pays more (~300 MB at a million).
 */
export function biggestMovers(
  perOrg: pl.DataFrame,
  { outcome, limit }: { outcome: Extract<Outcome, "pays_more" | "pays_less">; limit: number },
): pl.DataFrame {
  return perOrg.select(...MOVER_COLUMNS, "outcome")
    .filter(pl.col("outcome").eq(pl.lit(outcome)))
    .sort("delta_usd", outcome === "pays_more")
    .head(limit)
    .select(...MOVER_COLUMNS);
}

export interface ScenarioTotals {
  organizations: number;
  /** organizations with known current MRR: the comparable set */
  comparable: number;
  currentMrrUsd: number;
  /** proposed MRR of the comparable set */
  proposedMrrUsd: number;
  deltaUsd: number;
  /** null when current MRR is 0 */
  changePct: number | null;
  paysMore: number;
  paysLess: number;
  unchanged: number;
  unknownCurrent: number;
  /** proposed MRR of organizations whose current MRR is unknown (not in the totals above) */
  proposedMrrUnknownCurrentUsd: number;
}

function totalsOf(perOrg: pl.DataFrame): ScenarioTotals {
  return groupTotals(perOrg, { groupOf: new Int32Array(perOrg.height), groups: 1 })[0];
}

/**
 * The totals of each group of a per-organization frame's rows (`groupOf`: each row's group, 0 to
 * groups − 1), in one pass over the columns as typed arrays; each group's sums run in row order, so
 * they are the floats a pass over that group's rows alone gives.
 */
export function groupTotals(
  perOrg: pl.DataFrame,
  { groupOf, groups }: { groupOf: Int32Array; groups: number },
): ScenarioTotals[] {
  const known = doublesOf(perOrg, pl.col("current_mrr").isNotNull());
  const current = doublesOf(perOrg, pl.col("current_mrr"));
  const proposed = doublesOf(perOrg, pl.col("proposed_mrr"));
  const outcome = doublesOf(
    perOrg,
    pl.when(pl.col("outcome").eq(pl.lit("pays_more"))).then(pl.lit(1))
      .when(pl.col("outcome").eq(pl.lit("pays_less"))).then(pl.lit(2)).otherwise(pl.lit(0)),
  );
  const totals: ScenarioTotals[] = Array.from({ length: groups }, () => ({
    organizations: 0,
    comparable: 0,
    currentMrrUsd: 0,
    proposedMrrUsd: 0,
    deltaUsd: 0,
    changePct: null,
    paysMore: 0,
    paysLess: 0,
    unchanged: 0,
    unknownCurrent: 0,
    proposedMrrUnknownCurrentUsd: 0,
  }));
  const height = perOrg.height; // (a native call each time it is read)
  for (let i = 0; i < height; i++) {
    const t = totals[groupOf[i]];
    t.organizations++;
    if (known[i] === 0) {
      t.unknownCurrent++;
      t.proposedMrrUnknownCurrentUsd += proposed[i];
      continue;
    }
    t.comparable++;
    t.currentMrrUsd += current[i];
    t.proposedMrrUsd += proposed[i];
    if (outcome[i] === 1) t.paysMore++;
    else if (outcome[i] === 2) t.paysLess++;
    else t.unchanged++;
  }
  for (const t of totals) {
    t.deltaUsd = t.proposedMrrUsd - t.currentMrrUsd;
    t.changePct = t.currentMrrUsd === 0 ? null : t.deltaUsd / t.currentMrrUsd * 100;
  }
  return totals;
}

const TIER_ORDER = ["free", "pro", "team", "growth", "enterprise", "other"];

/**
 * Totals per tier (one row each, known tiers first) and a last row `all` (the totals, made
 * already): one pass over the rows (a filtered copy of the frame per tier added ~300 MB at a
 * million organizations).
 */
function byTierFrame(perOrg: pl.DataFrame, all: ScenarioTotals): pl.DataFrame {
  const { index, values } = distinctIndex(perOrg, [pl.col("tier")]);
  const names = (values.getColumn("tier").toArray() as (string | null)[]).map((t) => t ?? "(none)");
  const tierTotals = groupTotals(perOrg, { groupOf: index, groups: names.length });
  const rank = (name: string) => {
    const at = TIER_ORDER.indexOf(name);
    return at < 0 ? 99 : at;
  };
  const rows = names.map((tier, group) => ({ tier, totals: tierTotals[group] }))
    .sort((a, b) => rank(a.tier) - rank(b.tier) || a.tier.localeCompare(b.tier));
  rows.push({ tier: "all", totals: all });
  const column = (pick: (t: ScenarioTotals) => number | null) => rows.map((r) => pick(r.totals));
  // a tier none of whose organizations has a known current MRR has no comparison: empty, not a
  // $0 that reads as "pays nothing today" (its proposed MRR is in proposed_mrr_unknown_current)
  const comparable = (pick: (t: ScenarioTotals) => number) =>
    column((t) => t.comparable === 0 ? null : pick(t));
  return pl.DataFrame([
    pl.Series("tier", rows.map((r) => r.tier), pl.Utf8),
    pl.Series("organizations", column((t) => t.organizations), pl.Float64).cast(pl.Int64),
    pl.Series("comparable", column((t) => t.comparable), pl.Float64).cast(pl.Int64),
    pl.Series("current_mrr", comparable((t) => t.currentMrrUsd), pl.Float64),
    pl.Series("proposed_mrr", comparable((t) => t.proposedMrrUsd), pl.Float64),
    pl.Series("delta_usd", comparable((t) => t.deltaUsd), pl.Float64),
    pl.Series("change_pct", column((t) => t.changePct), pl.Float64),
    pl.Series("pays_more", column((t) => t.paysMore), pl.Float64).cast(pl.Int64),
    pl.Series("pays_less", column((t) => t.paysLess), pl.Float64).cast(pl.Int64),
    pl.Series("unchanged", column((t) => t.unchanged), pl.Float64).cast(pl.Int64),
    pl.Series("unknown_current", column((t) => t.unknownCurrent), pl.Float64).cast(pl.Int64),
    pl.Series(
      "proposed_mrr_unknown_current",
      column((t) => t.proposedMrrUnknownCurrentUsd),
      pl.Float64,
    ),
  ]);
}

export interface Breakeven {
  /** the parameter path, e.g. plans[0].pctOfLlmCost.percent */
  parameter: string;
  /** the parameter's value in the scenario */
  scenarioValue: number;
  /** the value at which proposed MRR = current MRR over the comparable set; null when none */
  value: number | null;
  /** why there is no breakeven */
  reason?: string;
  /** current MRR of the comparable set; null when no organization's current MRR is known */
  currentMrrUsd: number | null;
}

/**
 * The value of one price parameter at which proposed MRR equals current MRR, summed over
 * organizations with known current MRR. Proposed revenue is piecewise linear and non-decreasing
 * in any price (minimums and tiers make the pieces), so bisection brackets the crossing and a
 * last linear step lands on it.
 */
export function findBreakeven(
  frame: pl.DataFrame,
  { scenario, parameter, inputs }: {
    scenario: Scenario;
    parameter: string;
    /** the frame's pricing inputs, when the caller has them already */
    inputs?: PricingInputs;
  },
): Breakeven {
  let scenarioValue: number;
  try {
    scenarioValue = priceParameter(scenario, parameter);
  } catch (error) {
    throw new UserError(`breakeven parameter ${(error as Error).message}`);
  }
  const pricing = inputs ?? pricingInputs(frame);
  // no known current MRR (revenue not fetched): nothing to break even with, not a price of 0
  if (!pricing.currentMrr.some((mrr) => !Number.isNaN(mrr))) {
    return {
      parameter,
      scenarioValue,
      value: null,
      reason: "no organization with known current MRR",
      currentMrrUsd: null,
    };
  }
  const target = currentTotal(pricing);
  const totalOf = comparableTotalsVarying(pricing, {
    scenario,
    varyingPlan: planOfParameter(parameter),
  });
  const at = (value: number) => totalOf(withPriceParameter(scenario, { path: parameter, value }));
  const result = (value: number | null, reason?: string): Breakeven => ({
    parameter,
    scenarioValue,
    value,
    ...(reason ? { reason } : {}),
    currentMrrUsd: target,
  });
  const tolerance = Math.max(1e-9, Math.abs(target) * 1e-12);
  let lo = 0;
  const atZero = at(0);
  if (Math.abs(atZero - target) <= tolerance) return result(0);
  if (atZero > target) {
    return result(null, "proposed MRR exceeds current MRR even at a price of 0");
  }
  let hi = Math.max(1, scenarioValue);
  let atHi = at(hi);
  for (let doublings = 0; atHi < target; doublings++) {
    if (doublings >= 80 || atHi === atZero && doublings >= 4) {
      return result(
        null,
        atHi === atZero
          ? "the parameter changes no comparable organization's price"
          : "no price reaches current MRR",
      );
    }
    lo = hi;
    hi *= 2;
    atHi = at(hi);
  }
  let atLo = at(lo);
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    const atMid = at(mid);
    if (atMid < target) {
      lo = mid;
      atLo = atMid;
    } else {
      hi = mid;
      atHi = atMid;
    }
  }
  const value = atHi === atLo ? hi : lo + (target - atLo) * (hi - lo) / (atHi - atLo);
  return result(value);
}

/** The breakeven value itself; throws a UserError with the reason when there is none. */
export function breakevenPrice(
  frame: pl.DataFrame,
  { scenario, parameter }: { scenario: Scenario; parameter: string },
): number {
  const breakeven = findBreakeven(frame, { scenario, parameter });
  if (breakeven.value === null) {
    throw new UserError(`no breakeven for ${parameter}: ${breakeven.reason}`);
  }
  return breakeven.value;
}

function organizations(n: number): string {
  return `${n.toLocaleString("en-US")} organization${n === 1 ? "" : "s"}`;
}

export interface ScenarioComparison {
  scenario: Scenario;
  perOrg: pl.DataFrame;
  byTier: pl.DataFrame;
  totals: ScenarioTotals;
  breakeven?: Breakeven;
  /**
   * organizations that matched no plan (priced $0), plans that price none, add-ons without a
   * price, unknown MRR, usage charges carried, left out or re-priced, organizations kept at $0 by
   * subscription status
   */
  warnings: string[];
}

/**
 * Current vs proposed for every organization, per tier and in total, plus the breakeven of
 * `breakeven` (default: the scenario's own `breakeven` field). Above COLLECT_ABOVE_ROWS
 * organizations each step's garbage (typed arrays, Polars frames: native memory V8 does not
 * count) is collected before the next step, so their peaks do not add up (the MCP server's
 * run_scenario on a million organizations grew ~500 MB over the dataset it holds).
 */
export async function compareScenario(
  frame: pl.DataFrame,
  { scenario, priceBook, ...options }: {
    scenario: Scenario;
    breakeven?: string;
    /** what organizations are billed on: a carried plan's differing meteredPrices are named */
    priceBook?: Scenario;
  },
): Promise<ScenarioComparison> {
  const settle = () => collectDroppedFrames({ rows: frame.height });
  const inputs = pricingInputs(frame);
  const { perOrg, unmatched, unpricedAddons, usage } = pricedPerOrg(frame, {
    inputs,
    scenario,
    priceBook,
  });
  await settle(); // the priced parts: in the frame now
  const totals = totalsOf(perOrg);
  const warnings: string[] = [];
  if (unmatched > 0) {
    warnings.push(
      `${organizations(unmatched)} ${unmatched === 1 ? "matches" : "match"} no plan and ${
        unmatched === 1 ? "is" : "are"
      } priced $0; add a last plan without match to price them`,
    );
  }
  if (unpricedAddons.length > 0) {
    warnings.push(
      `add-ons without a price in addonPrices, priced $0: ${unpricedAddons.join(", ")}`,
    );
  }
  warnings.push(...planMatchWarnings(tierCounts(inputs), scenario));
  if (totals.unknownCurrent > 0) {
    warnings.push(
      `${organizations(totals.unknownCurrent)} ${
        totals.unknownCurrent === 1 ? "has" : "have"
      } unknown current MRR (revenue not fetched), left out of the totals`,
    );
  }
  warnings.push(...usage);
  const parameter = options.breakeven ?? scenario.breakeven;
  const byTier = byTierFrame(perOrg, totals);
  await settle(); // the totals' and tiers' columns
  const result: ScenarioComparison = { scenario, perOrg, byTier, totals, warnings };
  if (parameter) result.breakeven = findBreakeven(frame, { scenario, parameter, inputs });
  return result;
}

/** The per-organization frame, and what the warnings need of the priced parts (let go here). */
function pricedPerOrg(
  frame: pl.DataFrame,
  { inputs, scenario, priceBook }: {
    inputs: PricingInputs;
    scenario: Scenario;
    priceBook?: Scenario;
  },
): { perOrg: pl.DataFrame; unmatched: number; unpricedAddons: string[]; usage: string[] } {
  const priced = priceOrganizations(inputs, scenario);
  return {
    perOrg: perOrgFrame(frame, { inputs, scenario, priced }),
    unmatched: priced.unmatched,
    unpricedAddons: priced.unpricedAddons,
    usage: usageWarnings(inputs, { scenario, priced, priceBook }),
  };
}
