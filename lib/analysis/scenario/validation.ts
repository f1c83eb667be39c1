/** Scenario validation: `parseScenario` checks a scenario's JSON and names the field that is wrong. */
import { numberTextHint } from "../../core/number_text.ts";
import { UserError } from "../../core/config.ts";
import { nearestName } from "../../core/nearest_name.ts";
import { ALL_NAMED_PLAN, nameAsRead, nameAsShown, NONE_NAMED_PLAN } from "../../core/no_plan.ts";
import { TIER_VALUES } from "../../frame/tiers.ts";
import {
  HISTORY_RELABELLED_PLAN,
  KNOWN_ADDONS,
  MAX_NAME_LENGTH,
  MAX_USD_PER_GB,
  type PerRequestPricing,
  type Plan,
  RESERVED_PLAN_NAMES,
  type Scenario,
} from "./model.ts";
import {
  MONTHLY_PRICE_BOUND,
  PER_1K_PRICE_BOUND,
  PERCENT_PRICE_BOUND,
  priceParameter,
} from "./parameters.ts";
import { parseScenarioJson } from "./scenario_json.ts";

/** What `match.tiers` may name: the export's `tier` column values. */
const MATCH_TIERS: readonly string[] = TIER_VALUES;

// ── validation ──────────────────────────────────────────────────────────────────────────────

class ScenarioFields {
  constructor(readonly source: string) {}

  fail(path: string, message: string): never {
    // the top level has no field path: name what it is instead
    throw new UserError(`${this.source}: ${path || "the scenario"} ${message}`);
  }

  object(value: unknown, path: string, known: readonly string[]): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.fail(path, `must be an object, got ${describe(value)}`);
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.fail(
          path ? `${path}.${key}` : key,
          `is not a known field${didYouMean(key, known)} (known: ${known.join(", ")})`,
        );
      }
    }
    return value as Record<string, unknown>;
  }

  number(
    value: unknown,
    path: string,
    { integer = false, max }: NumberBounds = {},
  ): number {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      this.fail(path, `must be a number ≥ 0, got ${describe(value)}${numberTextHint(value, path)}`);
    }
    if (max !== undefined && value > max.value) {
      this.fail(
        path,
        `must be at most ${max.value.toLocaleString("en-US")} (${max.unit}), got ${
          describe(value)
        }`,
      );
    }
    if (integer && !Number.isInteger(value)) {
      this.fail(path, `must be a whole number, got ${value}`);
    }
    return value;
  }

  optionalNumber(value: unknown, path: string, options: NumberBounds = {}): number | undefined {
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
      const near = typeof value === "string" ? didYouMean(value, choices) : "";
      this.fail(path, `must be one of ${choices.join(", ")}, got ${describe(value)}${near}`);
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

interface NumberBounds {
  integer?: boolean;
  /** an upper bound and its unit in words ("USD a month") */
  max?: { value: number; unit: string };
}

// Prices far past any real one would only overflow sums and percentages (1e308 read "$∞"):
// refused with their bound (model.ts says why each).
const MONTHLY: NumberBounds = { max: MONTHLY_PRICE_BOUND };
const PER_1K: NumberBounds = { max: PER_1K_PRICE_BOUND };
const PER_GB: NumberBounds = { max: { value: MAX_USD_PER_GB, unit: "USD per GB" } };
const PERCENT: NumberBounds = { max: PERCENT_PRICE_BOUND };

/** ": did you mean perSeatUsd?" for a misspelled name near a known one (case aside), else "". */
function didYouMean(given: string, known: readonly string[]): string {
  const near = nearestName(given, known);
  return near && near !== given ? `: did you mean ${near}?` : "";
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  // JSON has no infinities: 1e400 parses as Infinity, which JSON.stringify would show as null
  if (typeof value === "number" && !Number.isFinite(value)) return "a number too large";
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
  "meteredPrices",
] as const;

const PRICE_FIELDS = ["flatUsd", "perSeatUsd", "flatTiers", "perRequest", "pctOfLlmCost"] as const;

function parsePerRequest(f: ScenarioFields, value: unknown, p: string): PerRequestPricing {
  const r = f.object(value, p, ["includedRequests", "mode", "tiers"]);
  const tiers = f.list(r.tiers, `${p}.tiers`).map((tier, i) => {
    const band = f.object(tier, `${p}.tiers[${i}]`, ["upTo", "usdPer1k"]);
    return {
      upTo: f.upTo(band.upTo, `${p}.tiers[${i}].upTo`),
      usdPer1k: f.number(band.usdPer1k, `${p}.tiers[${i}].usdPer1k`, PER_1K),
    };
  });
  f.bounds(tiers, `${p}.tiers`);
  return {
    includedRequests: r.includedRequests === undefined
      ? 0
      : f.number(r.includedRequests, `${p}.includedRequests`, { integer: true }),
    mode: r.mode === undefined
      ? "graduated"
      : f.oneOf(r.mode, `${p}.mode`, ["graduated", "volume"] as const),
    tiers,
  };
}

function parsePlan(f: ScenarioFields, value: unknown, { path }: { path: string }): Plan {
  const o = f.object(value, path, PLAN_FIELDS);
  const plan: Plan = { name: f.string(o.name, `${path}.name`) };
  // a blank row in the per-plan tables, as a name of spaces (refused by f.string) would be
  if (nameAsShown(plan.name) === "") {
    f.fail(
      `${path}.name`,
      "has no visible character (only characters the Markdown outputs drop, such as a zero-width space); give the plan a name",
    );
  }
  // as the Markdown outputs read it: "(none)" and a zero-width space is "(none)", not a name
  // ending " plan" to cut
  const key = nameAsRead(plan.name);
  const labelOf = (where: string) =>
    `${where} label of a plan named ${describe(key.slice(0, -" plan".length))}`;
  const reserved = RESERVED_PLAN_NAMES[key] ??
    (HISTORY_RELABELLED_PLAN.test(key)
      ? labelOf("the history's")
      : NONE_NAMED_PLAN.test(key)
      ? labelOf("the per-plan table's and the history's")
      : ALL_NAMED_PLAN.test(key)
      ? labelOf("the per-plan table's")
      : undefined);
  if (reserved) {
    f.fail(
      `${path}.name`,
      `${describe(plan.name)} is reserved (${reserved}); give the plan another name`,
    );
  }
  if (o.match !== undefined) {
    const m = f.object(o.match, `${path}.match`, ["tiers", "tiersRaw"]);
    plan.match = {};
    if (m.tiers !== undefined) {
      plan.match.tiers = f.stringList(m.tiers, `${path}.match.tiers`);
      plan.match.tiers.forEach((tier, i) =>
        f.oneOf(tier, `${path}.match.tiers[${i}]`, MATCH_TIERS)
      );
    }
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
  plan.flatUsd = f.optionalNumber(o.flatUsd, `${path}.flatUsd`, MONTHLY);
  plan.perSeatUsd = f.optionalNumber(o.perSeatUsd, `${path}.perSeatUsd`, MONTHLY);
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
        usd: f.number(band.usd, `${p}.tiers[${i}].usd`, MONTHLY),
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
    plan.perRequest = parsePerRequest(f, o.perRequest, `${path}.perRequest`);
  }
  if (o.meteredPrices !== undefined) {
    const p = `${path}.meteredPrices`;
    const m = f.object(o.meteredPrices, p, ["requests", "storagePerGb"]);
    plan.meteredPrices = {};
    if (m.requests !== undefined) {
      plan.meteredPrices.requests = parsePerRequest(f, m.requests, `${p}.requests`);
    }
    if (m.storagePerGb !== undefined) {
      const tiers = f.list(m.storagePerGb, `${p}.storagePerGb`).map((tier, i) => {
        const band = f.object(tier, `${p}.storagePerGb[${i}]`, ["upToGb", "usdPerGb"]);
        return {
          upTo: f.upTo(band.upToGb, `${p}.storagePerGb[${i}].upToGb`),
          usdPerGb: f.number(band.usdPerGb, `${p}.storagePerGb[${i}].usdPerGb`, PER_GB),
        };
      });
      f.bounds(tiers, `${p}.storagePerGb`);
      plan.meteredPrices.storagePerGb = tiers.map((t) => ({
        upToGb: t.upTo,
        usdPerGb: t.usdPerGb,
      }));
    }
  }
  if (o.pctOfLlmCost !== undefined) {
    const p = `${path}.pctOfLlmCost`;
    const c = f.object(o.pctOfLlmCost, p, ["percent", "basis"]);
    plan.pctOfLlmCost = {
      percent: f.number(c.percent, `${p}.percent`, PERCENT),
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
  plan.minimumUsd = f.optionalNumber(o.minimumUsd, `${path}.minimumUsd`, MONTHLY);
  if (plan.keepCurrentMrr) {
    const priced = PRICE_FIELDS.filter((field) => plan[field] !== undefined);
    if (priced.length > 0 || plan.minimumUsd !== undefined || plan.addonsIncluded !== undefined) {
      f.fail(
        `${path}.keepCurrentMrr`,
        "cannot be combined with prices, minimumUsd or addonsIncluded (the current MRR is kept as is)",
      );
    }
  }
  // a plan with nothing to charge priced its organizations $0 unsaid (read as -100 %): a free
  // plan says so (flatUsd 0)
  const charges = [...PRICE_FIELDS, "minimumUsd", "meteredPrices"] as const;
  if (!plan.keepCurrentMrr && charges.every((field) => plan[field] === undefined)) {
    f.fail(
      `${path} (${describe(plan.name)})`,
      `has no price: give it one of ${
        charges.join(", ")
      } (flatUsd: 0 for a free plan), or keepCurrentMrr: true to keep current MRR`,
    );
  }
  // Drop absent optional fields so a parsed scenario prints cleanly.
  for (const key of Object.keys(plan) as (keyof Plan)[]) {
    if (plan[key] === undefined) delete plan[key];
  }
  return plan;
}

/** How a file is read: as a scenario, or as a price book, which has no use for `breakeven`. */
export interface ScenarioReading {
  /**
   * true: read as the price book (PRICING_PRICE_BOOK): `breakeven`, a scenario-only field, is
   * accepted as is and left out of the result, not checked (a plan inserted before the price it
   * names must not stop an export)
   */
  priceBook?: boolean;
}

/** Validates a scenario (parsed JSON); errors name the field: `file: plans[1].perSeatUsd must …`. */
export function parseScenario(
  value: unknown,
  source = "scenario",
  { priceBook = false }: ScenarioReading = {},
): Scenario {
  const f = new ScenarioFields(source);
  const o = f.object(value, "", ["name", "description", "addonPrices", "plans", "breakeven"]);
  const name = f.string(o.name, "name");
  if (name.length > MAX_NAME_LENGTH) {
    f.fail(
      "name",
      `must be at most ${MAX_NAME_LENGTH} characters (it names files), got ${name.length}`,
    );
  }
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
      if (!(KNOWN_ADDONS as readonly string[]).includes(addon)) {
        f.fail(
          `addonPrices.${addon}`,
          `is not a known add-on${didYouMean(addon, KNOWN_ADDONS)} (known: ${
            KNOWN_ADDONS.join(", ")
          })`,
        );
      }
      addonPrices[addon] = f.number(price, `addonPrices.${addon}`, MONTHLY);
    }
  }
  const plans = f.list(o.plans, "plans").map((plan, i) =>
    parsePlan(f, plan, { path: `plans[${i}]` })
  );
  const names = new Set<string>();
  // two names the outputs show alike ("a" and "a" with a zero-width space) are two rows reading one
  const shown = new Set<string>();
  plans.forEach((plan, i) => {
    if (names.has(plan.name)) f.fail(`plans[${i}].name`, `repeats ${JSON.stringify(plan.name)}`);
    const asShown = nameAsShown(plan.name);
    if (shown.has(asShown)) {
      f.fail(
        `plans[${i}].name`,
        `repeats ${
          JSON.stringify(asShown)
        } as the outputs read it (characters they drop and runs of spaces aside)`,
      );
    }
    names.add(plan.name);
    shown.add(asShown);
  });
  const scenario: Scenario = {
    name,
    description: o.description === undefined ? "" : f.string(o.description, "description"),
    addonPrices,
    plans,
  };
  if (o.breakeven !== undefined && !priceBook) {
    scenario.breakeven = f.string(o.breakeven, "breakeven");
    try {
      priceParameter(scenario, scenario.breakeven);
    } catch (error) {
      f.fail("breakeven", (error as Error).message);
    }
  }
  return scenario;
}

/**
 * Reads a scenario file once and validates it: the bytes read and the scenario they hold (a price
 * book's SHA-256 in the manifest is of these bytes, not of a second read). Every failure is a
 * one-line UserError naming the file.
 */
export async function readScenarioFile(
  path: string,
  reading: ScenarioReading = {},
): Promise<{ scenario: Scenario; bytes: Uint8Array }> {
  // a price book is today's prices: per_request.json would be the wrong file to copy
  const example = reading.priceBook
    ? "a price book is a scenario file of today's list prices, such as scenarios/current_seat_based.json"
    : "pass a scenario file such as scenarios/per_request.json";
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UserError(`${path} does not exist; ${example}`);
    }
    // (EISDIR: "Is a directory (os error 21): readfile …" named no fix)
    if ((await Deno.stat(path).catch(() => null))?.isDirectory) {
      throw new UserError(`${path} is a folder, not a scenario file; ${example}`);
    }
    throw new UserError(`${path} cannot be read (${(error as Error).message.split("\n")[0]})`);
  }
  const text = new TextDecoder().decode(bytes);
  // the parser's "Unexpected end of JSON input" does not say the file has nothing in it
  if (text.replace(/^\uFEFF/, "").trim() === "") {
    throw new UserError(
      `${path} is empty; ${
        reading.priceBook
          ? "a price book is a scenario file of today's list prices, such as scenarios/current_seat_based.json"
          : "a scenario is a JSON file such as scenarios/per_request.json"
      }`,
    );
  }
  const json = parseScenarioJson(text, { bytes, path });
  return { scenario: parseScenario(json, path, reading), bytes };
}

/** Reads and validates a scenario file; every failure is a one-line UserError naming the file. */
export async function loadScenarioFile(
  path: string,
  reading: ScenarioReading = {},
): Promise<Scenario> {
  return (await readScenarioFile(path, reading)).scenario;
}
