/** Breakeven parameters: the path of one price in a scenario (`plans[0].perSeatUsd`), read and replaced. */
import {
  KNOWN_ADDONS,
  MAX_MONTHLY_USD,
  MAX_PERCENT_OF_LLM_COST,
  MAX_USD_PER_1K,
  type Scenario,
} from "./model.ts";
import { listInWords } from "../../core/words.ts";

// ── breakeven parameters ────────────────────────────────────────────────────────────────────

/**
 * The prices scenario pricing reads (i, j: list indexes): revenue never falls when one of them
 * rises. A path is one of these shapes, not merely a field of a price's name: meteredPrices'
 * usdPer1k is listed, never priced (Stripe bills that usage; it is carried as billed).
 */
const PRICE_PATHS = [
  "plans[i].flatUsd",
  "plans[i].perSeatUsd",
  "plans[i].minimumUsd",
  "plans[i].flatTiers.tiers[j].usd",
  "plans[i].perRequest.tiers[j].usdPer1k",
  "plans[i].pctOfLlmCost.percent",
];
const PRICE_SHAPES = new Set(PRICE_PATHS.map((path) => path.replace(/\[[ij]\]/g, ".#")));
// the add-ons by name, not `addonPrices.<add-on>`: the MCP server escapes < and > in errors
const PRICE_LIST = listInWords(
  [...PRICE_PATHS, ...KNOWN_ADDONS.map((a) => `addonPrices.${a}`)],
  { conjunction: "or" },
);

/** A path's parts with every index as `#` (`plans.#.flatTiers.tiers.#.usd`), as PRICE_SHAPES. */
function shapeOf(parts: readonly (string | number)[]): string {
  return parts.map((part) => typeof part === "number" ? "#" : part).join(".");
}

/** `plans[0].pctOfLlmCost.percent` or `plans.0.pctOfLlmCost.percent` → its parts. */
function pathParts(path: string): (string | number)[] {
  return path.replace(/\[(\d+)\]/g, ".$1").split(".").filter((p) => p !== "").map((p) =>
    /^\d+$/.test(p) ? Number(p) : p
  );
}

/**
 * Whether two parameter paths name the same price, whichever way each writes its indexes
 * (`plans[0].percent`, `plans.0.percent`).
 */
export function sameParameter(a: string, b: string): boolean {
  return pathParts(a.trim()).join(".") === pathParts(b.trim()).join(".");
}

/** The plan a parameter path lies in (`plans[2].perSeatUsd` → 2); null outside the plans. */
export function planOfParameter(path: string): number | null {
  const parts = pathParts(path);
  return parts[0] === "plans" && typeof parts[1] === "number" ? parts[1] : null;
}

/** The value of a price parameter; throws (plain Error) when the path is not one. */
export function priceParameter(scenario: Scenario, path: string): number {
  const parts = pathParts(path);
  const isAddon = parts.length === 2 && parts[0] === "addonPrices";
  if (!isAddon && !PRICE_SHAPES.has(shapeOf(parts))) {
    const why = parts.includes("meteredPrices")
      ? "must name a price the scenario charges: scenario pricing does not read meteredPrices (list prices of usage Stripe bills, carried as billed); name"
      : "must name a price:";
    throw new Error(`${why} one of ${PRICE_LIST}, got ${JSON.stringify(path)}`);
  }
  // deno-lint-ignore no-explicit-any
  let node: any = scenario;
  for (const part of parts) {
    node = node?.[part];
    if (node === undefined) {
      throw new Error(
        `names nothing in the scenario: ${JSON.stringify(path)}; ${pricesInWords(scenario)}`,
      );
    }
  }
  if (typeof node !== "number") throw new Error(`is not a number: ${JSON.stringify(path)}`);
  return node;
}

/** Most prices a "names nothing" error lists (a book of many plans would fill screens). */
const LISTED_PRICES = 12;

/**
 * The prices a scenario has, as parameter paths (`plans[0].flatUsd`, `addonPrices.prompts`): the
 * PRICE_PATHS shapes filled in with its own plans and tiers.
 */
export function scenarioPricePaths(scenario: Scenario): string[] {
  const found: string[] = [];
  // deno-lint-ignore no-explicit-any
  const walk = (node: any, parts: string[], path: string) => {
    if (parts.length === 0) {
      if (typeof node === "number") found.push(path);
      return;
    }
    const [part, ...rest] = parts;
    const list = /^(\w+)\[[ij]\]$/.exec(part);
    if (!list) return walk(node?.[part], rest, path ? `${path}.${part}` : part);
    const items = node?.[list[1]];
    if (!Array.isArray(items)) return;
    const at = path ? `${path}.${list[1]}` : list[1];
    items.forEach((item, i) => walk(item, rest, `${at}[${i}]`));
  };
  for (const template of PRICE_PATHS) walk(scenario, template.split("."), "");
  const plans = found.sort((a, b) => planOfParameter(a)! - planOfParameter(b)!);
  const addons = KNOWN_ADDONS.filter((a) => typeof scenario.addonPrices?.[a] === "number")
    .map((a) => `addonPrices.${a}`);
  return [...plans, ...addons];
}

/** "name one of its prices: …" (scenarioPricePaths, the first LISTED_PRICES), or that it has none. */
function pricesInWords(scenario: Scenario): string {
  const paths = scenarioPricePaths(scenario);
  if (paths.length === 0) return `it has no price to name (a price is one of ${PRICE_LIST})`;
  const shown = paths.slice(0, LISTED_PRICES);
  const more = paths.length - shown.length;
  return `name one of its prices: ${shown.join(", ")}${more > 0 ? ` (and ${more} more)` : ""}`;
}

/** A price's upper bound (the most parseScenario takes) and its unit in words. */
export interface PriceBound {
  value: number;
  unit: string;
}

export const MONTHLY_PRICE_BOUND: PriceBound = { value: MAX_MONTHLY_USD, unit: "USD a month" };
export const PER_1K_PRICE_BOUND: PriceBound = {
  value: MAX_USD_PER_1K,
  unit: "USD per 1,000 requests",
};
export const PERCENT_PRICE_BOUND: PriceBound = {
  value: MAX_PERCENT_OF_LLM_COST,
  unit: "percent",
};

/**
 * The bound of the price a parameter path names (one priceParameter accepts): a breakeven past it
 * is a price the scenario file would be refused with.
 */
export function priceParameterBound(path: string): PriceBound {
  const last = pathParts(path).at(-1);
  if (last === "usdPer1k") return PER_1K_PRICE_BOUND;
  if (last === "percent") return PERCENT_PRICE_BOUND;
  return MONTHLY_PRICE_BOUND; // flatUsd, perSeatUsd, minimumUsd, a flat tier's usd, an add-on
}

/**
 * The unit of the price a parameter path names (one priceParameter accepts), in words: what a
 * breakeven value is in ("= 13.25" alone read as dollars whatever the price).
 */
export function priceParameterUnit(path: string): string {
  const parts = pathParts(path);
  if (parts[0] === "addonPrices") return "USD per add-on per month";
  switch (parts.at(-1)) {
    case "perSeatUsd":
      return "USD per seat per month";
    case "usdPer1k":
      return "USD per 1,000 requests";
    case "percent":
      return "% of LLM cost";
    case "minimumUsd":
      return "USD per month (minimum)";
    default:
      return "USD per month"; // flatUsd, a flat tier's usd
  }
}

/** A copy of the scenario with one price parameter set. */
export function withPriceParameter(
  scenario: Scenario,
  { path, value }: { path: string; value: number },
): Scenario {
  priceParameter(scenario, path); // validates
  const copy = structuredClone(scenario);
  const parts = pathParts(path);
  // deno-lint-ignore no-explicit-any
  let node: any = copy;
  for (const part of parts.slice(0, -1)) node = node[part];
  node[parts[parts.length - 1]] = value;
  return copy;
}
