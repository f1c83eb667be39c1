/**
 * What plan matching did that the prices alone do not show, for a scenario and for the price book
 * (the export): plans that price no organization in the data (a typo in `match.tiersRaw`, a tier
 * the data does not have, or a plan after a broader one that takes all its organizations: plans
 * are tried in order), and raw tiers dated after every plan version the plans name, which a
 * catch-all plan prices (a new plan version the book does not know yet, priced as a legacy one).
 * A plan that keeps current MRR (enterprise contracts, the price book's unknown-tier catch-all) is
 * a standing rule for organizations a month's data may well not have: its match fitting none is
 * no mistake and not warned about (the price book would warn on every export without them). Earlier
 * plans taking all the organizations it fits is warned about: those are re-priced, not kept.
 */
import { someInWords } from "../../core/words.ts";
import { normalTierRaw, quotedTierValues, tierFamily } from "../../frame/tiers.ts";
import type { Plan, Scenario } from "./model.ts";
import { matches } from "./pricing.ts";
import type { PricingInputs } from "./pricing_inputs.ts";
import { compareText } from "../../core/text_order.ts";

/** A distinct (tier, tier_raw) of the data. */
export interface TierValue {
  tier: string | null;
  tierRaw: string | null;
}

/** A distinct (tier, tier_raw) of the data and how many organizations have it. */
export interface TierCount extends TierValue {
  organizations: number;
}

/** The distinct tiers of pricing inputs with their organizations. */
export function tierCounts(inputs: PricingInputs): TierCount[] {
  const counts = new Array<number>(inputs.tiers.length).fill(0);
  for (const t of inputs.tierOf) counts[t]++;
  return inputs.tiers.map((tier, t) => ({ ...tier, organizations: counts[t] }));
}

/** The warnings about plan matching: plans pricing nobody, then newer dated tiers. */
export function planMatchWarnings(tiers: readonly TierCount[], scenario: Scenario): string[] {
  const newer = newerDatedTierWarning(tiers, scenario);
  return [...emptyPlanWarnings(tiers, scenario), ...(newer ? [newer] : [])];
}

/** One warning for the plans no organization's tier fits, one per plan earlier plans shadow. */
export function emptyPlanWarnings(tiers: readonly TierValue[], scenario: Scenario): string[] {
  // plans match by tier only: the first plan of each distinct (tier, tier_raw) in the data
  const firstPlan = tiers.map(({ tier, tierRaw }) =>
    scenario.plans.findIndex((plan) => matches(plan, { tier, tierRaw }))
  );
  const pricing = new Set(firstPlan);
  const quoted = (index: number) => JSON.stringify(scenario.plans[index].name);
  const unfit: string[] = [];
  const shadowed: string[] = [];
  scenario.plans.forEach((plan, i) => {
    if (pricing.has(i)) return;
    const takers = new Set<number>();
    tiers.forEach(({ tier, tierRaw }, t) => {
      if (matches(plan, { tier, tierRaw })) takers.add(firstPlan[t]);
    });
    if (takers.size === 0) {
      if (!plan.keepCurrentMrr) unfit.push(quoted(i)); // (header: a standing rule)
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

/**
 * The date of a dated raw tier (pro-20251210, Pro_2025-12-10 → "20251210"), null when the raw
 * tier is its family alone or its suffix is not a YYYYMMDD date (pro, pro-annual).
 */
function tierDate(raw: string): string | null {
  const value = normalTierRaw(raw);
  const family = tierFamily(raw);
  if (family === "other" || !value.startsWith(`${family}-`)) return null;
  const digits = value.slice(family.length + 1).replaceAll("-", "");
  return /^\d{8}$/.test(digits) ? digits : null;
}

/** Per tier family, the newest dated raw tier some plan's `match.tiersRaw` names. */
function newestNamedVersions(plans: readonly Plan[]): Map<string, { date: string; raw: string }> {
  const newest = new Map<string, { date: string; raw: string }>();
  for (const raw of plans.flatMap((plan) => plan.match?.tiersRaw ?? [])) {
    const date = tierDate(raw);
    const family = tierFamily(raw);
    const known = newest.get(family);
    if (date !== null && (!known || date > known.date)) newest.set(family, { date, raw });
  }
  return newest;
}

/**
 * One warning naming the raw tiers (and their organizations) dated after the newest version a
 * plan names by `match.tiersRaw` in their family, that a plan without `tiersRaw` prices (a family
 * catch-all, or a plan matching everyone): the built-in book prices pro-20251210 by its raw tier
 * and every other pro tier as legacy, so a pro-20260601 would read as legacy pro. Older dated
 * and undated raw tiers (pro-20240913, pro) are what such catch-alls are for, and not named.
 */
export function newerDatedTierWarning(
  tiers: readonly TierCount[],
  scenario: Scenario,
): string | null {
  const newest = newestNamedVersions(scenario.plans);
  if (newest.size === 0) return null;
  const found: { raw: string; organizations: number; plan: string; newest: string }[] = [];
  for (const { tier, tierRaw, organizations } of tiers) {
    if (tierRaw === null || organizations === 0) continue;
    const date = tierDate(tierRaw);
    const known = newest.get(tierFamily(tierRaw));
    if (date === null || !known || date <= known.date) continue;
    const plan = scenario.plans.find((p) => matches(p, { tier, tierRaw }));
    if (!plan || plan.match?.tiersRaw) continue;
    found.push({ raw: tierRaw, organizations, plan: plan.name, newest: known.raw });
  }
  if (found.length === 0) return null;
  found.sort((a, b) => b.organizations - a.organizations || compareText(a.raw, b.raw));
  const total = found.reduce((sum, f) => sum + f.organizations, 0);
  const named = someInWords(found, {
    shown: 10,
    show: (f) =>
      `${quotedTierValues([f.raw])} (${f.organizations.toLocaleString("en-US")}, plan ${
        JSON.stringify(f.plan)
      }, newest named ${quotedTierValues([f.newest])})`,
  });
  const many = total !== 1;
  return `${total.toLocaleString("en-US")} organization${
    many ? "s have a raw tier" : " has a raw tier"
  } dated after the newest plan version match.tiersRaw names in its family, priced by a plan without tiersRaw (a catch-all): ${named}; add a plan matching each new plan version by tiersRaw`;
}

/** Below this a price per 1,000 requests ($1 per million) reads as one per request written there. */
const PER_1K_SLIP_BELOW = 0.001;

/**
 * One warning per price written in what is likely the wrong unit, priced as written: a plan
 * charging under 1 % of LLM cost (`percent` is in percent, and a fraction written for it, 0.02
 * meant as 2 %, prices every organization at a fiftieth, read as −100 % with nothing saying
 * why), and a per-request tier under $0.001 per 1,000 requests (a price per request written in
 * `usdPer1k`, priced a thousandth).
 */
export function unitSlipWarnings(scenario: Scenario): string[] {
  const shown = (n: number) => +n.toPrecision(6);
  return scenario.plans.flatMap((plan, i) => {
    const name = JSON.stringify(plan.name);
    const percent = plan.pctOfLlmCost?.percent;
    const slips = percent !== undefined && percent > 0 && percent < 1
      ? [
        `plan ${name} charges ${percent} % of LLM cost (plans[${i}].pctOfLlmCost.percent is in percent): for ${
          shown(percent * 100)
        } % write ${shown(percent * 100)}, not ${percent}`,
      ]
      : [];
    (plan.perRequest?.tiers ?? []).forEach(({ usdPer1k }, j) => {
      if (usdPer1k <= 0 || usdPer1k >= PER_1K_SLIP_BELOW) return;
      slips.push(
        `plan ${name} charges $${usdPer1k} per 1,000 requests (plans[${i}].perRequest.tiers[${j}].usdPer1k is per 1,000 requests): for $${usdPer1k} a request write ${
          shown(usdPer1k * 1000)
        }`,
      );
    });
    return slips;
  });
}
