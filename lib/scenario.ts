/**
 * Pricing scenarios: a small typed description of a pricing model (per seat, flat tiers,
 * per-request with included volume and graduated or volume tiers, % of LLM cost, add-on prices,
 * minimums), each organization's monthly revenue under it, the comparison with current MRR per
 * organization and per tier, and the breakeven price of any one price in the model.
 *
 * A scenario is JSON (scenarios/*.json); `parseScenario` validates it and names the field that
 * is wrong. Plans are tried in order and the first whose `match` fits an organization prices it.
 *
 * Current MRR is the export's `mrr`. An empty `mrr` is unknown, never $0: such organizations are
 * priced but left out of the comparison totals (counted in `unknown_current`).
 */
import pl from "nodejs-polars";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { formatChangePct, formatCount, formatUsd } from "./brief.ts";
import { UserError } from "./config.ts";
import { dateStamp, isoDate } from "./files.ts";
import { writeReportFiles } from "./write/csv.ts";
import { escapeMarkdown, markdownList, markdownTable } from "./markdown.ts";

// ── the model ───────────────────────────────────────────────────────────────────────────────

/** Which LLM cost a percentage applies to: all traffic, pass-through billed only, or BYOK only. */
export type CostBasis = "all" | "ptb" | "byok";
export const COST_BASIS_COLUMNS: Record<CostBasis, string> = {
  all: "llm_cost_30d",
  ptb: "llm_cost_ptb_30d",
  byok: "llm_cost_byok_30d",
};

/** A band of requests in the window; `upTo` is inclusive, null = no upper bound (last tier). */
export interface RequestTier {
  upTo: number | null;
  usdPer1k: number;
}

export interface PerRequestPricing {
  /** requests in the window that cost nothing (counted from the first request) */
  includedRequests: number;
  /**
   * graduated: each band's requests at that band's rate (Stripe "graduated");
   * volume: every billable request at the rate of the band the total falls in (Stripe "volume").
   * Bands are over the total request count; included requests are free in either mode.
   */
  mode: "graduated" | "volume";
  tiers: RequestTier[];
}

export type FlatTierMetric = "seats" | "active_users_30d" | "requests_30d" | "llm_cost_30d";

/** A flat monthly price chosen by where a metric falls: the first tier with value ≤ upTo. */
export interface FlatTierPricing {
  metric: FlatTierMetric;
  tiers: { upTo: number | null; usd: number }[];
}

export interface PctOfLlmCost {
  /** percent, e.g. 2 for 2 % */
  percent: number;
  basis: CostBasis;
}

/** Which organizations a plan prices; both lists given = both must match; no match = everyone. */
export interface PlanMatch {
  /** tier families (`tier` column): free, pro, team, growth, enterprise, other */
  tiers?: string[];
  /** raw tier values (`tier_raw` column), e.g. pro-20251210 */
  tiersRaw?: string[];
}

export interface Plan {
  name: string;
  match?: PlanMatch;
  /** proposed = current MRR (e.g. negotiated enterprise contracts); no prices allowed with it */
  keepCurrentMrr?: boolean;
  /** USD per month */
  flatUsd?: number;
  /** USD per seat per month, on seats above `includedSeats` */
  perSeatUsd?: number;
  includedSeats?: number;
  flatTiers?: FlatTierPricing;
  perRequest?: PerRequestPricing;
  pctOfLlmCost?: PctOfLlmCost;
  /** true: add-ons cost nothing extra on this plan */
  addonsIncluded?: boolean;
  /** the plan's charges before add-ons are raised to at least this, USD per month */
  minimumUsd?: number;
}

export interface Scenario {
  /** file-safe: names the output files */
  name: string;
  description: string;
  /** USD per month per add-on an organization has (prompts, evals, experiments, alerts) */
  addonPrices: Record<string, number>;
  plans: Plan[];
  /** default parameter for the breakeven price, e.g. "plans[0].pctOfLlmCost.percent" */
  breakeven?: string;
}

// ── validation ──────────────────────────────────────────────────────────────────────────────

class ScenarioFields {
  constructor(readonly source: string) {}

  fail(path: string, message: string): never {
    throw new UserError(`${this.source}: ${path} ${message}`);
  }

  object(value: unknown, path: string, known: readonly string[]): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.fail(path, `must be an object, got ${describe(value)}`);
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.fail(
          path ? `${path}.${key}` : key,
          `is not a known field (known: ${known.join(", ")})`,
        );
      }
    }
    return value as Record<string, unknown>;
  }

  number(
    value: unknown,
    path: string,
    { integer = false, positive = false } = {},
  ): number {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      this.fail(path, `must be a number ≥ 0, got ${describe(value)}`);
    }
    if (integer && !Number.isInteger(value)) {
      this.fail(path, `must be a whole number, got ${value}`);
    }
    if (positive && value === 0) this.fail(path, "must be greater than 0");
    return value;
  }

  optionalNumber(value: unknown, path: string, options = {}): number | undefined {
    return value === undefined ? undefined : this.number(value, path, options);
  }

  string(value: unknown, path: string): string {
    if (typeof value !== "string" || value.trim() === "") {
      this.fail(path, `must be a non-empty string, got ${describe(value)}`);
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, choices: readonly T[]): T {
    if (!choices.includes(value as T)) {
      this.fail(path, `must be one of ${choices.join(", ")}, got ${describe(value)}`);
    }
    return value as T;
  }

  stringList(value: unknown, path: string): string[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(path, `must be a non-empty list of strings, got ${describe(value)}`);
    }
    return value.map((item, i) => this.string(item, `${path}[${i}]`));
  }

  list(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(path, `must be a non-empty list, got ${describe(value)}`);
    }
    return value;
  }

  /** Tier bounds: increasing, the last one null (unbounded) so every value falls in a tier. */
  bounds(tiers: { upTo: number | null }[], path: string): void {
    tiers.forEach((tier, i) => {
      const last = i === tiers.length - 1;
      if (last && tier.upTo !== null) {
        this.fail(`${path}[${i}].upTo`, "must be null: the last tier has no upper bound");
      }
      if (!last && tier.upTo === null) {
        this.fail(`${path}[${i}].upTo`, "must be a number: only the last tier is unbounded");
      }
      const previous = i > 0 ? tiers[i - 1].upTo : null;
      if (tier.upTo !== null && previous !== null && tier.upTo <= previous) {
        this.fail(`${path}[${i}].upTo`, `must be greater than the tier before (${previous})`);
      }
    });
  }

  upTo(value: unknown, path: string): number | null {
    return value === null ? null : this.number(value, path);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

const PLAN_FIELDS = [
  "name",
  "match",
  "keepCurrentMrr",
  "flatUsd",
  "perSeatUsd",
  "includedSeats",
  "flatTiers",
  "perRequest",
  "pctOfLlmCost",
  "addonsIncluded",
  "minimumUsd",
] as const;

const PRICE_FIELDS = ["flatUsd", "perSeatUsd", "flatTiers", "perRequest", "pctOfLlmCost"] as const;

function parsePlan(f: ScenarioFields, value: unknown, path: string): Plan {
  const o = f.object(value, path, PLAN_FIELDS);
  const plan: Plan = { name: f.string(o.name, `${path}.name`) };
  if (o.match !== undefined) {
    const m = f.object(o.match, `${path}.match`, ["tiers", "tiersRaw"]);
    plan.match = {};
    if (m.tiers !== undefined) plan.match.tiers = f.stringList(m.tiers, `${path}.match.tiers`);
    if (m.tiersRaw !== undefined) {
      plan.match.tiersRaw = f.stringList(m.tiersRaw, `${path}.match.tiersRaw`);
    }
  }
  if (o.keepCurrentMrr !== undefined) {
    if (typeof o.keepCurrentMrr !== "boolean") {
      f.fail(`${path}.keepCurrentMrr`, `must be true or false, got ${describe(o.keepCurrentMrr)}`);
    }
    plan.keepCurrentMrr = o.keepCurrentMrr;
  }
  plan.flatUsd = f.optionalNumber(o.flatUsd, `${path}.flatUsd`);
  plan.perSeatUsd = f.optionalNumber(o.perSeatUsd, `${path}.perSeatUsd`);
  plan.includedSeats = f.optionalNumber(o.includedSeats, `${path}.includedSeats`, {
    integer: true,
  });
  if (plan.includedSeats !== undefined && plan.perSeatUsd === undefined) {
    f.fail(`${path}.includedSeats`, "needs perSeatUsd (the price of the seats above it)");
  }
  if (o.flatTiers !== undefined) {
    const p = `${path}.flatTiers`;
    const t = f.object(o.flatTiers, p, ["metric", "tiers"]);
    const tiers = f.list(t.tiers, `${p}.tiers`).map((tier, i) => {
      const band = f.object(tier, `${p}.tiers[${i}]`, ["upTo", "usd"]);
      return {
        upTo: f.upTo(band.upTo, `${p}.tiers[${i}].upTo`),
        usd: f.number(band.usd, `${p}.tiers[${i}].usd`),
      };
    });
    f.bounds(tiers, `${p}.tiers`);
    plan.flatTiers = {
      metric: f.oneOf(
        t.metric,
        `${p}.metric`,
        [
          "seats",
          "active_users_30d",
          "requests_30d",
          "llm_cost_30d",
        ] as const,
      ),
      tiers,
    };
  }
  if (o.perRequest !== undefined) {
    const p = `${path}.perRequest`;
    const r = f.object(o.perRequest, p, ["includedRequests", "mode", "tiers"]);
    const tiers = f.list(r.tiers, `${p}.tiers`).map((tier, i) => {
      const band = f.object(tier, `${p}.tiers[${i}]`, ["upTo", "usdPer1k"]);
      return {
        upTo: f.upTo(band.upTo, `${p}.tiers[${i}].upTo`),
        usdPer1k: f.number(band.usdPer1k, `${p}.tiers[${i}].usdPer1k`),
      };
    });
    f.bounds(tiers, `${p}.tiers`);
    plan.perRequest = {
      includedRequests: r.includedRequests === undefined
        ? 0
        : f.number(r.includedRequests, `${p}.includedRequests`, { integer: true }),
      mode: r.mode === undefined
        ? "graduated"
        : f.oneOf(r.mode, `${p}.mode`, ["graduated", "volume"] as const),
      tiers,
    };
  }
  if (o.pctOfLlmCost !== undefined) {
    const p = `${path}.pctOfLlmCost`;
    const c = f.object(o.pctOfLlmCost, p, ["percent", "basis"]);
    plan.pctOfLlmCost = {
      percent: f.number(c.percent, `${p}.percent`),
      basis: c.basis === undefined
        ? "all"
        : f.oneOf(c.basis, `${p}.basis`, ["all", "ptb", "byok"] as const),
    };
  }
  if (o.addonsIncluded !== undefined) {
    if (typeof o.addonsIncluded !== "boolean") {
      f.fail(`${path}.addonsIncluded`, `must be true or false, got ${describe(o.addonsIncluded)}`);
    }
    plan.addonsIncluded = o.addonsIncluded;
  }
  plan.minimumUsd = f.optionalNumber(o.minimumUsd, `${path}.minimumUsd`);
  if (plan.keepCurrentMrr) {
    const priced = PRICE_FIELDS.filter((field) => plan[field] !== undefined);
    if (priced.length > 0 || plan.minimumUsd !== undefined || plan.addonsIncluded !== undefined) {
      f.fail(
        `${path}.keepCurrentMrr`,
        "cannot be combined with prices, minimumUsd or addonsIncluded (the current MRR is kept as is)",
      );
    }
  }
  // Drop absent optional fields so a parsed scenario prints cleanly.
  for (const key of Object.keys(plan) as (keyof Plan)[]) {
    if (plan[key] === undefined) delete plan[key];
  }
  return plan;
}

/** Validates a scenario (parsed JSON); errors name the field: `file: plans[1].perSeatUsd must …`. */
export function parseScenario(value: unknown, source = "scenario"): Scenario {
  const f = new ScenarioFields(source);
  const o = f.object(value, "", ["name", "description", "addonPrices", "plans", "breakeven"]);
  const name = f.string(o.name, "name");
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
    f.fail(
      "name",
      `must be lower-case letters, digits, _ or - (it names files), got ${describe(name)}`,
    );
  }
  const addonPrices: Record<string, number> = {};
  if (o.addonPrices !== undefined) {
    if (
      typeof o.addonPrices !== "object" || o.addonPrices === null || Array.isArray(o.addonPrices)
    ) {
      f.fail(
        "addonPrices",
        `must be an object of add-on → USD per month, got ${describe(o.addonPrices)}`,
      );
    }
    for (const [addon, price] of Object.entries(o.addonPrices as Record<string, unknown>)) {
      addonPrices[addon] = f.number(price, `addonPrices.${addon}`);
    }
  }
  const plans = f.list(o.plans, "plans").map((plan, i) => parsePlan(f, plan, `plans[${i}]`));
  const names = new Set<string>();
  plans.forEach((plan, i) => {
    if (names.has(plan.name)) f.fail(`plans[${i}].name`, `repeats ${JSON.stringify(plan.name)}`);
    names.add(plan.name);
  });
  const scenario: Scenario = {
    name,
    description: o.description === undefined ? "" : f.string(o.description, "description"),
    addonPrices,
    plans,
  };
  if (o.breakeven !== undefined) {
    scenario.breakeven = f.string(o.breakeven, "breakeven");
    try {
      priceParameter(scenario, scenario.breakeven);
    } catch (error) {
      f.fail("breakeven", (error as Error).message);
    }
  }
  return scenario;
}

/** Reads and validates a scenario file; every failure is a one-line UserError naming the file. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UserError(
        `${path} does not exist; pass a scenario file such as scenarios/per_request.json`,
      );
    }
    throw new UserError(`${path} cannot be read (${(error as Error).message.split("\n")[0]})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path} is not valid JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  return parseScenario(json, path);
}

// ── breakeven parameters ────────────────────────────────────────────────────────────────────

/** Leaf names that are prices: revenue never falls when one of them rises. */
const PRICE_LEAVES = new Set(["flatUsd", "perSeatUsd", "minimumUsd", "usd", "usdPer1k", "percent"]);

/** `plans[0].pctOfLlmCost.percent` or `plans.0.pctOfLlmCost.percent` → its parts. */
function pathParts(path: string): (string | number)[] {
  return path.replace(/\[(\d+)\]/g, ".$1").split(".").filter((p) => p !== "").map((p) =>
    /^\d+$/.test(p) ? Number(p) : p
  );
}

/** The value of a price parameter; throws (plain Error) when the path is not one. */
export function priceParameter(scenario: Scenario, path: string): number {
  const parts = pathParts(path);
  const leaf = parts[parts.length - 1];
  const isAddon = parts.length === 2 && parts[0] === "addonPrices";
  if (!isAddon && !(typeof leaf === "string" && PRICE_LEAVES.has(leaf))) {
    throw new Error(
      `must name a price (a field ${[...PRICE_LEAVES].join(", ")} or addonPrices.<add-on>), got ${
        JSON.stringify(path)
      }`,
    );
  }
  // deno-lint-ignore no-explicit-any
  let node: any = scenario;
  for (const part of parts) {
    node = node?.[part];
    if (node === undefined) {
      throw new Error(`names nothing in the scenario: ${JSON.stringify(path)}`);
    }
  }
  if (typeof node !== "number") throw new Error(`is not a number: ${JSON.stringify(path)}`);
  return node;
}

/** A copy of the scenario with one price parameter set. */
export function withPriceParameter(scenario: Scenario, path: string, value: number): Scenario {
  priceParameter(scenario, path); // validates
  const copy = structuredClone(scenario);
  const parts = pathParts(path);
  // deno-lint-ignore no-explicit-any
  let node: any = copy;
  for (const part of parts.slice(0, -1)) node = node[part];
  node[parts[parts.length - 1]] = value;
  return copy;
}

// ── pricing organizations ───────────────────────────────────────────────────────────────────

/** The export columns a scenario reads, as plain arrays (nulls in usage columns read as 0). */
export interface ScenarioInputs {
  height: number;
  orgId: string[];
  orgName: (string | null)[];
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

export function scenarioInputs(frame: pl.DataFrame): ScenarioInputs {
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
    orgId: frame.getColumn("org_id").toArray() as string[],
    orgName: frame.getColumn("org_name").toArray() as (string | null)[],
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
  inputs: ScenarioInputs,
  scenario: Scenario,
): PricedOrganizations {
  const unpriced = new Set<string>();
  let unmatched = 0;
  const parts: ProposedParts[] = new Array(inputs.height);
  for (let i = 0; i < inputs.height; i++) {
    const planIndex = scenario.plans.findIndex((p) =>
      matches(p, inputs.tier[i], inputs.tierRaw[i])
    );
    if (planIndex < 0) {
      unmatched++;
      parts[i] = { plan: -1, base: 0, usage: 0, minimumTopup: 0, addons: 0, total: 0 };
      continue;
    }
    const plan = scenario.plans[planIndex];
    if (plan.keepCurrentMrr) {
      const current = inputs.currentMrr[i];
      parts[i] = {
        plan: planIndex,
        base: current ?? 0,
        usage: 0,
        minimumTopup: 0,
        addons: 0,
        total: current,
      };
      continue;
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
    parts[i] = {
      plan: planIndex,
      base,
      usage,
      minimumTopup,
      addons,
      total: base + usage + minimumTopup + addons,
    };
  }
  return { parts, unpricedAddons: [...unpriced].sort(), unmatched };
}

/** Proposed MRR summed over organizations whose current MRR is known (the comparable set). */
function comparableProposedTotal(inputs: ScenarioInputs, scenario: Scenario): number {
  const { parts } = priceOrganizations(inputs, scenario);
  let total = 0;
  for (let i = 0; i < inputs.height; i++) {
    if (inputs.currentMrr[i] !== null) total += parts[i].total ?? 0;
  }
  return total;
}

function currentTotal(inputs: ScenarioInputs): number {
  let total = 0;
  for (const mrr of inputs.currentMrr) if (mrr !== null) total += mrr;
  return total;
}

// ── comparison ──────────────────────────────────────────────────────────────────────────────

/** |delta| below half a cent counts as unchanged. */
const UNCHANGED_USD = 0.005;

export type Outcome = "pays_more" | "pays_less" | "unchanged" | "unknown_current";

function outcome(current: number | null, proposed: number | null): Outcome {
  if (current === null || proposed === null) return "unknown_current";
  const delta = proposed - current;
  return Math.abs(delta) < UNCHANGED_USD ? "unchanged" : delta > 0 ? "pays_more" : "pays_less";
}

/**
 * Per-organization proposed revenue next to current MRR. Columns: org_id, org_name, tier,
 * tier_raw, seats, requests_30d, llm_cost_30d, addons, plan, current_mrr, proposed_base,
 * proposed_usage, proposed_minimum_topup, proposed_addons, proposed_mrr, delta_usd,
 * change_pct (empty when current is 0 or unknown), outcome.
 */
export function proposedRevenue(frame: pl.DataFrame, scenario: Scenario): pl.DataFrame {
  const inputs = scenarioInputs(frame);
  return perOrgFrame(inputs, scenario, priceOrganizations(inputs, scenario));
}

function perOrgFrame(
  inputs: ScenarioInputs,
  scenario: Scenario,
  priced: PricedOrganizations,
): pl.DataFrame {
  const { parts } = priced;
  const proposed = parts.map((p) => p.total);
  const delta = proposed.map((p, i) => {
    const current = inputs.currentMrr[i];
    return p === null || current === null ? null : p - current;
  });
  return pl.DataFrame([
    pl.Series("org_id", inputs.orgId, pl.Utf8),
    pl.Series("org_name", inputs.orgName, pl.Utf8),
    pl.Series("tier", inputs.tier, pl.Utf8),
    pl.Series("tier_raw", inputs.tierRaw, pl.Utf8),
    pl.Series("seats", inputs.seats, pl.Float64).cast(pl.Int64),
    pl.Series("requests_30d", inputs.requests, pl.Float64).cast(pl.Int64),
    pl.Series("llm_cost_30d", inputs.llmCost.all, pl.Float64),
    pl.Series("addons", inputs.addons.map((a) => a.length ? a.join(",") : null), pl.Utf8),
    pl.Series(
      "plan",
      parts.map((p) => (p.plan < 0 ? null : scenario.plans[p.plan].name)),
      pl.Utf8,
    ),
    pl.Series("current_mrr", inputs.currentMrr, pl.Float64),
    pl.Series("proposed_base", parts.map((p) => p.base), pl.Float64),
    pl.Series("proposed_usage", parts.map((p) => p.usage), pl.Float64),
    pl.Series("proposed_minimum_topup", parts.map((p) => p.minimumTopup), pl.Float64),
    pl.Series("proposed_addons", parts.map((p) => p.addons), pl.Float64),
    pl.Series("proposed_mrr", proposed, pl.Float64),
    pl.Series("delta_usd", delta, pl.Float64),
    pl.Series(
      "change_pct",
      delta.map((d, i) => {
        const current = inputs.currentMrr[i];
        return d === null || current === null || current === 0 ? null : d / current * 100;
      }),
      pl.Float64,
    ),
    pl.Series("outcome", proposed.map((p, i) => outcome(inputs.currentMrr[i], p)), pl.Utf8),
  ]);
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
  const current = perOrg.getColumn("current_mrr").toArray() as (number | null)[];
  const proposed = perOrg.getColumn("proposed_mrr").toArray() as (number | null)[];
  const outcomes = perOrg.getColumn("outcome").toArray() as Outcome[];
  const t: ScenarioTotals = {
    organizations: perOrg.height,
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
  };
  for (let i = 0; i < perOrg.height; i++) {
    if (current[i] === null) {
      t.unknownCurrent++;
      t.proposedMrrUnknownCurrentUsd += proposed[i] ?? 0;
      continue;
    }
    t.comparable++;
    t.currentMrrUsd += current[i]!;
    t.proposedMrrUsd += proposed[i] ?? 0;
    if (outcomes[i] === "pays_more") t.paysMore++;
    else if (outcomes[i] === "pays_less") t.paysLess++;
    else t.unchanged++;
  }
  t.deltaUsd = t.proposedMrrUsd - t.currentMrrUsd;
  t.changePct = t.currentMrrUsd === 0 ? null : t.deltaUsd / t.currentMrrUsd * 100;
  return t;
}

const TIER_ORDER = ["free", "pro", "team", "growth", "enterprise", "other"];

/** Totals per tier (one row each, known tiers first) and a last row `all`. */
function byTierFrame(perOrg: pl.DataFrame): pl.DataFrame {
  const tiers = [...new Set(perOrg.getColumn("tier").toArray() as (string | null)[])]
    .map((t) => t ?? "(none)")
    .sort((a, b) => {
      const ia = TIER_ORDER.indexOf(a), ib = TIER_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
  const rows = tiers.map((tier) => {
    const part = tier === "(none)"
      ? perOrg.filter(pl.col("tier").isNull())
      : perOrg.filter(pl.col("tier").eq(pl.lit(tier)));
    return { tier, totals: totalsOf(part) };
  });
  rows.push({ tier: "all", totals: totalsOf(perOrg) });
  const column = (pick: (t: ScenarioTotals) => number | null) => rows.map((r) => pick(r.totals));
  return pl.DataFrame([
    pl.Series("tier", rows.map((r) => r.tier), pl.Utf8),
    pl.Series("organizations", column((t) => t.organizations), pl.Float64).cast(pl.Int64),
    pl.Series("comparable", column((t) => t.comparable), pl.Float64).cast(pl.Int64),
    pl.Series("current_mrr", column((t) => t.currentMrrUsd), pl.Float64),
    pl.Series("proposed_mrr", column((t) => t.proposedMrrUsd), pl.Float64),
    pl.Series("delta_usd", column((t) => t.deltaUsd), pl.Float64),
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
  currentMrrUsd: number;
}

/**
 * The value of one price parameter at which proposed MRR equals current MRR, summed over
 * organizations with known current MRR. Proposed revenue is piecewise linear and non-decreasing
 * in any price (minimums and tiers make the pieces), so bisection brackets the crossing and a
 * last linear step lands on it.
 */
export function findBreakeven(
  frame: pl.DataFrame,
  scenario: Scenario,
  parameter: string,
): Breakeven {
  let scenarioValue: number;
  try {
    scenarioValue = priceParameter(scenario, parameter);
  } catch (error) {
    throw new UserError(`breakeven parameter ${(error as Error).message}`);
  }
  const inputs = scenarioInputs(frame);
  const target = currentTotal(inputs);
  const at = (value: number) =>
    comparableProposedTotal(inputs, withPriceParameter(scenario, parameter, value));
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
export function breakevenPrice(frame: pl.DataFrame, scenario: Scenario, parameter: string): number {
  const breakeven = findBreakeven(frame, scenario, parameter);
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
  /** organizations that matched no plan (priced $0), add-ons without a price, unknown MRR */
  warnings: string[];
}

/**
 * Current vs proposed for every organization, per tier and in total, plus the breakeven of
 * `breakeven` (default: the scenario's own `breakeven` field).
 */
export function compareScenario(
  frame: pl.DataFrame,
  scenario: Scenario,
  options: { breakeven?: string } = {},
): ScenarioComparison {
  const inputs = scenarioInputs(frame);
  const priced = priceOrganizations(inputs, scenario);
  const perOrg = perOrgFrame(inputs, scenario, priced);
  const totals = totalsOf(perOrg);
  const warnings: string[] = [];
  if (priced.unmatched > 0) {
    warnings.push(
      `${organizations(priced.unmatched)} ${
        priced.unmatched === 1 ? "matches" : "match"
      } no plan and ${
        priced.unmatched === 1 ? "is" : "are"
      } priced $0; add a last plan without match to price them`,
    );
  }
  if (priced.unpricedAddons.length > 0) {
    warnings.push(
      `add-ons without a price in addonPrices, priced $0: ${priced.unpricedAddons.join(", ")}`,
    );
  }
  if (totals.unknownCurrent > 0) {
    warnings.push(
      `${organizations(totals.unknownCurrent)} ${
        totals.unknownCurrent === 1 ? "has" : "have"
      } unknown current MRR (revenue not fetched), left out of the totals`,
    );
  }
  const parameter = options.breakeven ?? scenario.breakeven;
  const result: ScenarioComparison = {
    scenario,
    perOrg,
    byTier: byTierFrame(perOrg),
    totals,
    warnings,
  };
  if (parameter) result.breakeven = findBreakeven(frame, scenario, parameter);
  return result;
}

// ── files ───────────────────────────────────────────────────────────────────────────────────

/** `helicone_pricing_scenario_<name>_<stamp>` (stamp: the data's as-of date, `_demo` for demo). */
export function scenarioFileBase(scenario: Scenario, stamp: string): string {
  return `helicone_pricing_scenario_${scenario.name}_${stamp}`;
}

function signedUsd(value: number): string {
  const shown = formatUsd(value);
  return value > 0 && shown !== "$0.00" ? `+${shown}` : shown;
}

const pct = formatChangePct;

function moversTable(perOrg: pl.DataFrame, descending: boolean, limit: number): string {
  const movers = perOrg
    .filter(pl.col("outcome").eq(pl.lit(descending ? "pays_more" : "pays_less")))
    .sort("delta_usd", descending)
    .head(limit);
  if (movers.height === 0) return "None.";
  const get = (name: string) => movers.getColumn(name).toArray() as unknown[];
  const [ids, names, tiers, plans, current, proposed, delta] = [
    "org_id",
    "org_name",
    "tier",
    "plan",
    "current_mrr",
    "proposed_mrr",
    "delta_usd",
  ].map(get);
  return markdownTable(
    ["org_id", "org_name", "tier", "plan", "current_mrr", "proposed_mrr", "delta"],
    ids.map((id, i) => [
      String(id),
      String(names[i] ?? ""),
      String(tiers[i] ?? ""),
      String(plans[i] ?? ""),
      formatUsd(current[i] as number),
      formatUsd(proposed[i] as number),
      signedUsd(delta[i] as number),
    ]),
  );
}

export interface ScenarioReportContext {
  /** where the data came from, e.g. the export file name or "fresh demo data" */
  dataLabel: string;
  asOf: Date;
  demo: boolean;
}

/** A Markdown summary of a scenario comparison: totals, breakeven, tiers, biggest movers. */
export function scenarioMarkdown(
  result: ScenarioComparison,
  context: ScenarioReportContext,
): string {
  const { scenario, totals, breakeven } = result;
  const lines = [
    `# Pricing scenario ${escapeMarkdown(scenario.name)}, data as of ${isoDate(context.asOf)}${
      context.demo ? " (DEMO DATA)" : ""
    }`,
    "",
    escapeMarkdown(scenario.description || "(no description)", { maxLength: 2000 }),
    "",
    `Data: ${
      escapeMarkdown(context.dataLabel)
    }. Current revenue is the export's \`mrr\` (the spec's MRR, including the last closed period's usage charges). Proposed revenue is per month.`,
    "",
    "## Totals",
    "",
    `Over the ${formatCount(totals.comparable)} organizations whose current MRR is known:`,
    "",
    markdownTable(["measure", "value"], [
      ["current MRR", formatUsd(totals.currentMrrUsd)],
      ["proposed MRR", formatUsd(totals.proposedMrrUsd)],
      ["change", `${signedUsd(totals.deltaUsd)} (${pct(totals.changePct)})`],
      ["organizations paying more", formatCount(totals.paysMore)],
      ["organizations paying less", formatCount(totals.paysLess)],
      ["organizations unchanged (within half a cent)", formatCount(totals.unchanged)],
      [
        "organizations with unknown current MRR (not above)",
        `${formatCount(totals.unknownCurrent)} (proposed ${
          formatUsd(totals.proposedMrrUnknownCurrentUsd)
        })`,
      ],
    ]),
    "",
  ];
  if (breakeven) {
    lines.push(
      "## Breakeven",
      "",
      breakeven.value === null
        ? `\`${breakeven.parameter}\` (${breakeven.scenarioValue} in the scenario): no breakeven, ${breakeven.reason}.`
        : `\`${breakeven.parameter}\` = **${+breakeven.value.toPrecision(
          6,
        )}** makes proposed MRR equal current MRR (${
          formatUsd(breakeven.currentMrrUsd)
        }); the scenario has ${breakeven.scenarioValue}.`,
      "",
    );
  }
  const byTier = result.byTier;
  const col = (name: string) => byTier.getColumn(name).toArray() as (number | null)[];
  const tiers = byTier.getColumn("tier").toArray() as string[];
  const [orgs, current, proposed, delta, change, more, less, same, unknown] = [
    "organizations",
    "current_mrr",
    "proposed_mrr",
    "delta_usd",
    "change_pct",
    "pays_more",
    "pays_less",
    "unchanged",
    "unknown_current",
  ].map(col);
  lines.push(
    "## By tier",
    "",
    markdownTable(
      [
        "tier",
        "organizations",
        "current MRR",
        "proposed MRR",
        "change",
        "%",
        "pay more",
        "pay less",
        "unchanged",
        "unknown current",
      ],
      tiers.map((tier, i) => [
        tier,
        formatCount(orgs[i]!),
        formatUsd(current[i]!),
        formatUsd(proposed[i]!),
        signedUsd(delta[i]!),
        pct(change[i]),
        formatCount(more[i]!),
        formatCount(less[i]!),
        formatCount(same[i]!),
        formatCount(unknown[i]!),
      ]),
    ),
    "",
    "## Biggest increases",
    "",
    moversTable(result.perOrg, true, 10),
    "",
    "## Biggest decreases",
    "",
    moversTable(result.perOrg, false, 10),
    "",
  );
  if (result.warnings.length > 0) {
    lines.push("## Warnings", "", ...markdownList(result.warnings), "");
  }
  // JSON escapes no backticks: a fence longer than any run of them in the text cannot be closed.
  const json = JSON.stringify(scenario, null, 2);
  const fence = "`".repeat(Math.max(3, ...(json.match(/`+/g) ?? []).map((r) => r.length + 1)));
  lines.push("## Scenario", "", `${fence}json`, json, fence, "");
  return lines.join("\n");
}

export interface ScenarioFiles {
  perOrgPath: string;
  byTierPath: string;
  summaryPath: string;
}

/**
 * Writes the comparison export: per-organization CSV, per-tier CSV (last row `all`) and the
 * Markdown summary, atomically, named after the scenario and the data's date stamp.
 */
export async function writeScenarioFiles(
  result: ScenarioComparison,
  outDir: string,
  context: ScenarioReportContext,
): Promise<ScenarioFiles> {
  await mkdir(outDir, { recursive: true });
  const base = join(
    outDir,
    scenarioFileBase(result.scenario, dateStamp(context.asOf, context.demo)),
  );
  const [perOrgPath, byTierPath, summaryPath] = await writeReportFiles(
    base,
    result.perOrg,
    { suffix: "_by_tier", frame: result.byTier },
    scenarioMarkdown(result, context),
  );
  return { perOrgPath, byTierPath, summaryPath };
}
