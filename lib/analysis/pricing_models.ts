/**
 * 4. Pricing model comparison, one of the spec's Key Pricing Questions (lib/analysis/questions.ts
 * lists them). Each simple model is a one-plan scenario priced by the scenario engine
 * (lib/analysis/scenario/), so its revenue and breakeven are what `deno task scenario` gives for
 * the same plan on the same frame (scenarios/two_percent_of_llm_cost.json is the 2 % one):
 * organizations paying nothing because no subscription of theirs counts (trialing, canceled) stay
 * at $0, organizations whose Stripe customer's MRR is unknown are left out of every sum, current
 * and proposed, and organizations sharing a Stripe customer are compared as one, in the tier of
 * the row that carries its revenue (lib/analysis/scenario/customers.ts), as a scenario's tiers.
 */
import { UNKNOWN_FROM_QUERY_OR_FILE } from "../core/words.ts";
import { unrecordedCountWords } from "../report/numbers.ts";
import pl from "nodejs-polars";
import {
  type Answer,
  basisDays,
  count,
  type ModelPrices,
  modelPrices,
  onBasis,
  plural,
  requireColumns,
  type UsageBasis,
  usd,
} from "./question_common.ts";
import type { Plan, Scenario } from "./scenario/model.ts";
import { comparableOrganizations } from "./scenario/customers.ts";
import { organizationPlans, priceOrganizations } from "./scenario/pricing.ts";
import {
  distinctIndex,
  doublesOf,
  doublesOrZeros,
  pricingInputs,
  SCENARIO_INPUT_COLUMNS,
} from "./scenario/pricing_inputs.ts";
import { findBreakeven } from "./scenario/breakeven.ts";
import { compareText } from "../core/text_order.ts";

export interface ModelFacts {
  /**
   * organizations whose Stripe customer's MRR is known (a shared_customer row's is on its
   * sibling's): every sum below is over them (a scenario's comparable set)
   */
  comparableOrganizations: number;
  /**
   * of those, organizations with a known mrr on their own row: the brief's "organizations with
   * known MRR" (churn_risk's knownMrr)
   */
  ownMrrKnown: number;
  /**
   * of those, organizations with mrr empty whose Stripe customer's MRR is on another
   * organization's row (revenue_source shared_customer): compared with that customer
   */
  mrrOnSiblingRow: number;
  /**
   * organizations counted in the table under another tier than their own: their shared Stripe
   * customer's revenue row's (the table's own_tier_organizations counts each in its own tier)
   */
  countedInOtherTier: number;
  /** the sums: null when no organization's MRR is known (nothing to compare, not $0) */
  currentMrrUsd: number | null;
  seatBasedUsd: number | null;
  usageBasedUsd: number | null;
  pctOfLlmCostUsd: number | null;
  /**
   * the percentage of LLM cost at which that model's revenue equals current MRR: the scenario
   * engine's breakeven of pctOfLlmCost.percent (null when there is none: no known MRR, or no LLM
   * cost among the organizations it would price)
   */
  breakEvenPct: number | null;
  /** organizations with unknown MRR, left out of every sum */
  unknownMrr: number;
  /**
   * of the comparable organizations, those whose LLM cost is unknown (a NaN or infinite figure
   * from a query): the % of LLM cost model prices them at $0, so pctOfLlmCostUsd is a partial sum
   * (over the others) and breakEvenPct one over the known cost. Present only when some is
   */
  llmCostUnknown?: number;
  /**
   * of the comparable organizations, those whose request count is unknown: usageBasedUsd leaves
   * them out (a partial sum). Present only when some is
   */
  requestsUnknown?: number;
  /** organizations kept at $0 under every model because no subscription of theirs counts */
  notCounted: number;
  /**
   * of the comparable organizations the % of LLM cost model prices (not those kept at $0), those
   * that sent requests with no cost recorded (requests_cost_unknown_30d) and how many: their LLM
   * cost lacks those requests' cost, so pctOfLlmCostUsd is a lower bound and breakEvenPct an upper
   * bound. Present only when some did; the requests are the window's own count on any window
   * (usageOnMonthlyBasis leaves it)
   */
  requestsCostUnrecorded?: { requests: number; organizations: number };
}

/** The breakeven parameter of the % of LLM cost model's scenario. */
const PCT_PARAMETER = "plans[0].pctOfLlmCost.percent";

/** A scenario of one plan that prices every organization and nothing else (no add-on fees). */
function oneModel(name: string, pricing: Omit<Plan, "name">): Scenario {
  return {
    name,
    description: `pricing model comparison: ${name}`,
    addonPrices: {},
    plans: [{ name, ...pricing, addonsIncluded: true }],
  };
}

/** The three simple models as scenarios, at these prices. */
export function modelScenarios(prices: ModelPrices): Record<"seat" | "usage" | "pct", Scenario> {
  return {
    seat: oneModel("seat_based", { perSeatUsd: prices.seatPriceUsd }),
    usage: oneModel("usage_based", {
      perRequest: {
        includedRequests: 0,
        mode: "graduated",
        tiers: [{ upTo: null, usdPer1k: prices.per1kRequestsUsd }],
      },
    }),
    pct: oneModel("pct_of_llm_cost", {
      pctOfLlmCost: { percent: prices.pctOfLlmCost, basis: "all" },
    }),
  };
}

/** Sums of one tier (or of all organizations), over those with known MRR. */
interface Sums {
  /** organizations counted here: in the tier of their Stripe customer's revenue row */
  organizations: number;
  /** organizations whose own tier this is (the brief's By tier count) */
  ownTier: number;
  unknownMrr: number;
  current: number;
  seat: number;
  usage: number;
  pct: number;
  /** comparable organizations whose LLM cost (request count) is unknown: not in pct (usage) */
  costUnknown: number;
  requestsUnknown: number;
}

const noSums = (): Sums => ({
  organizations: 0,
  ownTier: 0,
  unknownMrr: 0,
  current: 0,
  seat: 0,
  usage: 0,
  pct: 0,
  costUnknown: 0,
  requestsUnknown: 0,
});

/**
 * 4. Revenue per tier today and under three simple models, each priced as a scenario of one plan
 * (see the file's comment): seats × price, requests × price per 1,000, and a percentage of LLM
 * cost. One row per tier, most current MRR first; a tier none of whose organizations has a known
 * MRR has empty sums. Sums run in organization order, as a scenario's totals do (the same floats).
 */
export function pricingModelComparison(
  frame: pl.DataFrame,
  prices: Partial<ModelPrices> = {},
  basis: UsageBasis = {},
): Answer<ModelFacts> {
  requireColumns(frame, { question: "pricing model comparison", names: SCENARIO_INPUT_COLUMNS });
  const p = modelPrices(prices);
  const windowDays = basisDays(basis);
  const scenarios = modelScenarios(p);
  const inputs = pricingInputs(frame);
  const seat = priceOrganizations(inputs, scenarios.seat);
  const usage = priceOrganizations(inputs, scenarios.usage);
  const pct = priceOrganizations(inputs, scenarios.pct);
  const tiers = distinctIndex(frame, [pl.col("tier").cast(pl.Utf8)]);
  const tierNames = tiers.values.getColumn("tier").toArray() as (string | null)[];
  const perTier = tierNames.map(noSums);
  const all = noSums();
  // as a scenario: an organization is comparable when its Stripe customer's MRR is known (on its
  // own row or on the sibling's that carries it), and counts in its revenue row's tier
  const comparable = comparableOrganizations(inputs, {
    scenario: scenarios.pct,
    plans: organizationPlans(inputs, scenarios.pct),
  });
  // (pricing reads an unknown usage figure as 0: counted here, so the sums say they are partial)
  const costUnknown = doublesOf(frame, pl.col("llm_cost_30d").isNull());
  const requestsUnknown = doublesOf(frame, pl.col("requests_30d").isNull());
  const unrecorded = doublesOrZeros(frame, "requests_cost_unknown_30d");
  const costUnrecorded = { requests: 0, organizations: 0 };
  const add = (sums: Sums, i: number) => {
    sums.organizations++;
    if (!comparable[i]) {
      sums.unknownMrr++;
      return;
    }
    // a customer's MRR once: on its revenue row (empty, here NaN, on its other organizations')
    const current = inputs.currentMrr[i];
    if (!Number.isNaN(current)) sums.current += current;
    sums.seat += seat.total[i];
    sums.usage += usage.total[i];
    sums.pct += pct.total[i];
    sums.costUnknown += costUnknown[i];
    sums.requestsUnknown += requestsUnknown[i];
  };
  let ownMrrKnown = 0, mrrOnSiblingRow = 0, countedInOtherTier = 0;
  for (let i = 0; i < inputs.height; i++) {
    const row = inputs.revenueRowOf[i];
    add(perTier[tiers.index[row]], i);
    add(all, i);
    if (comparable[i] && !inputs.notCounted[i] && unrecorded[i] > 0) {
      costUnrecorded.requests += unrecorded[i];
      costUnrecorded.organizations++;
    }
    perTier[tiers.index[i]].ownTier++;
    if (tiers.index[row] !== tiers.index[i]) countedInOtherTier++;
    if (!Number.isNaN(inputs.currentMrr[i])) ownMrrKnown++;
    else if (comparable[i] && row !== i) mrrOnSiblingRow++;
  }
  const breakeven = findBreakeven(frame, {
    scenario: scenarios.pct,
    parameter: PCT_PARAMETER,
    inputs,
  });
  const comparableCount = all.organizations - all.unknownMrr;
  // no MRR known: nothing to compare, not $0 (an empty frame's sums are its zeros)
  const known = (sum: number) => comparableCount === 0 && all.unknownMrr > 0 ? null : sum;
  const facts: ModelFacts = {
    comparableOrganizations: comparableCount,
    ownMrrKnown,
    mrrOnSiblingRow,
    countedInOtherTier,
    currentMrrUsd: known(all.current),
    seatBasedUsd: known(all.seat),
    usageBasedUsd: known(all.usage),
    pctOfLlmCostUsd: known(all.pct),
    breakEvenPct: breakeven.value,
    unknownMrr: all.unknownMrr,
    notCounted: pct.notCounted,
  };
  if (all.costUnknown > 0) facts.llmCostUnknown = all.costUnknown;
  if (all.requestsUnknown > 0) facts.requestsUnknown = all.requestsUnknown;
  if (costUnrecorded.requests > 0) facts.requestsCostUnrecorded = costUnrecorded;
  return {
    table: tierTable(tierNames, perTier),
    facts,
    // usage-based and % of LLM cost price the usage on a 30-day basis
    reading: onBasis(
      modelReading(facts, { prices: p, windowDays }) + tierNote(facts.countedInOtherTier),
      windowDays,
    ),
    windowDays,
  };
}

function tierTable(names: (string | null)[], sums: Sums[]): pl.DataFrame {
  // a tier whose every organization counts with its customer's in another tier has no row (its
  // organizations are in the other tiers' own_tier_organizations gap and the reading's count)
  const rows = names.map((tier, i) => ({ tier, sums: sums[i] }))
    .filter((row) => row.sums.organizations > 0)
    .sort((a, b) => {
      // most current MRR first, tiers without a known MRR last, then by name
      const known = (s: Sums) => s.organizations > s.unknownMrr;
      return Number(known(b.sums)) - Number(known(a.sums)) ||
        b.sums.current - a.sums.current || compareText(a.tier ?? "", b.tier ?? "");
    });
  // empty, not $0, where no organization's MRR is known: $0 would read as "pays nothing today"
  const money = (name: string, pick: (s: Sums) => number) =>
    pl.Series(
      name,
      rows.map((r) => r.sums.organizations > r.sums.unknownMrr ? pick(r.sums) : null),
      pl.Float64,
    );
  // per tier, the organizations whose cost or request count the partial sums leave out: columns
  // only when some is unknown (the table reads as before otherwise)
  const unknownColumns = [
    ["unknown_llm_cost", (s: Sums) => s.costUnknown],
    ["unknown_requests", (s: Sums) => s.requestsUnknown],
  ] as const;
  const unknown = unknownColumns
    .filter(([, pick]) => rows.some((r) => pick(r.sums) > 0))
    .map(([name, pick]) =>
      pl.Series(name, rows.map((r) => pick(r.sums)), pl.Float64).cast(pl.Int64)
    );
  return pl.DataFrame([
    pl.Series("tier", rows.map((r) => r.tier), pl.Utf8),
    pl.Series("organizations", rows.map((r) => r.sums.organizations), pl.Float64).cast(pl.Int64),
    pl.Series("own_tier_organizations", rows.map((r) => r.sums.ownTier), pl.Float64).cast(pl.Int64),
    pl.Series("unknown_mrr", rows.map((r) => r.sums.unknownMrr), pl.Float64).cast(pl.Int64),
    money("current_mrr", (s) => s.current),
    money("seat_based", (s) => s.seat),
    money("usage_based", (s) => s.usage),
    money("pct_of_llm_cost", (s) => s.pct),
    ...unknown,
  ]);
}

/** `windowDays`: the data's window, whose own the counts of requests with no cost are. */
function modelReading(
  facts: ModelFacts,
  { prices: p, windowDays }: { prices: ModelPrices; windowDays: number },
): string {
  if (facts.currentMrrUsd === null) {
    // "$0 a month against $0 MRR" would read as organizations paying nothing
    return `Pricing models cannot be judged without revenue: MRR is unknown for every organization (revenue not fetched), so ${
      plural(facts.unknownMrr, { one: "organization" })
    } ${facts.unknownMrr === 1 ? "is" : "are"} not judged.`;
  }
  const rules = [
    facts.notCounted > 0
      ? `${
        plural(facts.notCounted, { one: "organization" })
      } with no subscription in a status MRR counts (trialing, paused, incomplete, canceled on a paying tier, …) ${
        facts.notCounted === 1 ? "stays" : "stay"
      } at $0`
      : "",
    facts.unknownMrr > 0
      ? `${plural(facts.unknownMrr, { one: "organization" })} with unknown MRR ${
        facts.unknownMrr === 1 ? "is" : "are"
      } left out`
      : "",
  ].filter((rule) => rule !== "");
  // the brief counts organizations with known mrr on their own row; a shared customer's others
  // are compared too, with it: both counts said, so the numbers reconcile
  const over = facts.mrrOnSiblingRow === 0
    ? `${plural(facts.comparableOrganizations, { one: "organization" })} with known MRR`
    : `${
      plural(facts.comparableOrganizations, { one: "organization" })
    } whose Stripe customer's MRR is known (${facts.ownMrrKnown} with known MRR on their own row, as the brief counts them, and ${facts.mrrOnSiblingRow} sharing a customer whose MRR is on another organization's row)`;
  // a sum leaving unknown costs (request counts) out says so, and whose it is
  const partial = (unknown: number | undefined, what: string) =>
    unknown
      ? ` (a partial sum over ${count(facts.comparableOrganizations - unknown)} of ${
        count(facts.comparableOrganizations)
      }: ${
        plural(unknown, { one: "organization" })
      } with an unknown ${what} (${UNKNOWN_FROM_QUERY_OR_FILE}) priced at $0)`
      : "";
  // requests with no cost recorded: the model charges a share of a cost short of theirs
  const unrecorded = facts.requestsCostUnrecorded;
  const lowerBound = unrecorded
    ? ` (a lower bound: ${plural(unrecorded.organizations, { one: "organization" })} sent ${
      unrecordedCountWords(unrecorded.requests, { windowDays })
    } with no cost recorded, requests_cost_unknown_30d)`
    : "";
  return `Over ${over}, ${p.pctOfLlmCost} % of LLM cost would bring ${usd(facts.pctOfLlmCostUsd!)}${
    partial(facts.llmCostUnknown, "LLM cost")
  }${lowerBound} a month against ${usd(facts.currentMrrUsd!)} MRR today${
    facts.breakEvenPct === null
      ? ""
      : ` (matching it would take ${+facts.breakEvenPct.toFixed(1)} % of ${
        facts.llmCostUnknown ? "the known LLM cost" : "LLM cost"
      }${unrecorded ? ", an upper bound" : ""})`
  }; seat-based at ${usd(p.seatPriceUsd)} a seat ${usd(facts.seatBasedUsd!)}, usage-based at ${
    usd(p.per1kRequestsUsd)
  } per 1,000 requests ${usd(facts.usageBasedUsd!)}${
    partial(facts.requestsUnknown, "request count")
  }${rules.length > 0 ? `; as in deno task scenario, ${rules.join(" and ")}` : ""}.`;
}

/** Why the table's tier counts differ from the brief's By tier, when they do. */
export function tierNote(countedInOtherTier: number): string {
  if (countedInOtherTier === 0) return "";
  return ` By tier, a Stripe customer several organizations share counts, with all of them, in the tier of the organization whose row carries its revenue: ${
    plural(countedInOtherTier, { one: "organization" })
  } ${
    countedInOtherTier === 1
      ? "counts in another tier than its own"
      : "count in another tier than their own"
  } (the table's organizations; own_tier_organizations counts each in its own tier, as the brief's By tier does).`;
}
