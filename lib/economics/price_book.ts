/**
 * The price book: today's list prices per plan version. It is the "current pricing" scenario
 * (scenarios/current_seat_based.json), so the price book and the scenario cannot drift apart.
 *
 * - `plan`: the name of the first price-book plan that matches an organization (tier, tier_raw),
 *   e.g. `pro (seat, legacy)` vs `pro 2025-12-10`.
 * - `list_price_mrr`: what the price book charges the organization per month: its seats (or flat
 *   fee), the usage the plan prices itself (perRequest, pctOfLlmCost; the window's usage on a
 *   30-day basis), raised to the plan's minimum, plus its add-ons. Empty for plans without a list
 *   price (enterprise contracts). Usage a plan lists under meteredPrices is billed by Stripe (in
 *   usage_charges) and not in this column, so for such plans mrr − list_price_mrr shows
 *   discounts, grandfathered prices and billed usage.
 */
import pl from "nodejs-polars";
import { createHash } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Env, UserError } from "../core/config.ts";
import {
  COST_BASIS_COLUMNS,
  type CostBasis,
  type FlatTierPricing,
  partsAt,
  perDistinctValue,
  type PerRequestPricing,
  type Plan,
  priceOrganizations,
  pricingInputs,
  readScenarioFile,
  type Scenario,
  SCENARIO_INPUT_COLUMNS,
} from "../analysis/scenario/mod.ts";
import type { PriceBook } from "./types.ts";
import { ADDITIVE_WINDOW_COLUMNS, monthlyExpr } from "../frame/monthly.ts";

export type { PriceBook } from "./types.ts";

export const DEFAULT_PRICE_BOOK = fileURLToPath(
  new URL("../../scenarios/current_seat_based.json", import.meta.url),
);

/**
 * The project folder (where deno.json and scenarios/ are): a relative PRICING_PRICE_BOOK is read
 * from here, so every entry point (export, scenario, serve, the MCP server started by Claude
 * Desktop from any folder, the notebooks) finds the same file whatever its working directory.
 */
export const PROJECT_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** The file PRICING_PRICE_BOOK names (a relative path from the project folder), else the built-in one. */
export function priceBookPath(env: Env = {}): string {
  const setting = env.PRICING_PRICE_BOOK?.trim();
  return setting ? resolve(PROJECT_DIR, setting) : DEFAULT_PRICE_BOOK;
}

/**
 * A price-book file, read once: the scenario and the SHA-256 of the very bytes it was parsed from
 * (the manifest records it, so the MCP server can tell a later edit of the same file name).
 */
export async function readPriceBookFile(file: string): Promise<PriceBook> {
  // as a price book: a scenario's breakeven is not read (nor checked)
  const { scenario, bytes } = await readScenarioFile(file, { priceBook: true });
  return { file, scenario, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** The price book named by PRICING_PRICE_BOOK, or the built-in one. */
export async function loadPriceBook(env: Env = {}): Promise<PriceBook> {
  const file = priceBookPath(env);
  try {
    return await readPriceBookFile(file);
  } catch (error) {
    // the file's own error names the file; say which setting named it, and how to go back
    const setting = env.PRICING_PRICE_BOOK?.trim();
    if (!setting || !(error instanceof UserError)) throw error;
    const from = isAbsolute(setting) ? "" : "; a relative path is read from the project folder";
    throw new UserError(
      `PRICING_PRICE_BOOK: ${error.message}${from} (or unset it for the built-in price book)`,
    );
  }
}

/**
 * The plans whose list price holds usage they price themselves (perRequest, pctOfLlmCost): the
 * MRR set against their list price (mrr_to_list_pct) holds the usage charges too.
 */
export function usagePricedPlans(book: PriceBook): string[] {
  return book.scenario.plans
    .filter((plan) => !plan.keepCurrentMrr && (plan.perRequest || plan.pctOfLlmCost))
    .map((plan) => plan.name);
}

export interface PlanColumns {
  plan: pl.Series;
  listPriceMrr: pl.Series;
}

/**
 * The export columns a price book's list prices read, given what its plans use: the tier
 * columns (matching), then seats, usage, LLM cost and add-ons only where some priced plan reads
 * them. mrr is never one: a plan that keeps current MRR has no list price.
 */
export function listPriceInputColumns(scenario: Scenario): string[] {
  const columns = new Set(["tier", "tier_raw"]);
  for (const plan of scenario.plans) {
    if (plan.keepCurrentMrr) continue;
    if (plan.perSeatUsd !== undefined) columns.add("seats");
    if (plan.flatTiers) columns.add(plan.flatTiers.metric);
    if (plan.perRequest) columns.add("requests_30d");
    if (plan.pctOfLlmCost) columns.add(COST_BASIS_COLUMNS[plan.pctOfLlmCost.basis]);
    if (!plan.addonsIncluded) columns.add("addons_in_metadata").add("addon_prompts");
  }
  return [...columns];
}

/**
 * `plan` and `list_price_mrr` for every row of an export frame (see the module comment). The
 * price book reads a few low-cardinality columns (listPriceInputColumns), so each distinct
 * combination of them is priced once, in JS by the scenario's own pricing, and joined back:
 * the same numbers as pricing every organization, without a million organizations' JS arrays.
 * Prices are monthly: usage a plan prices (requests, LLM cost) is read on a 30-day basis.
 */
export function planColumns(
  frame: pl.DataFrame,
  { book, windowDays }: { book: PriceBook; windowDays: number },
): PlanColumns {
  const plans = book.scenario.plans;
  const keys = listPriceInputColumns(book.scenario);
  // the window's usage on a 30-day basis (the same values for a 30-day window)
  const monthlyUsage = keys.filter((name) => ADDITIVE_WINDOW_COLUMNS.includes(name))
    .map((name) => monthlyExpr(pl.col(name), windowDays).alias(name));
  // the columns pricing wants but this book does not read: empty (never read, see above)
  const unread = SCENARIO_INPUT_COLUMNS.filter((name) => !keys.includes(name))
    .map((name) => pl.lit(null).alias(name));
  const { rows: joined } = perDistinctValue(frame, {
    keys: keys.map((name) => pl.col(name)),
    columnsOf: (combinations) => {
      const priced = priceOrganizations(
        pricingInputs(combinations.withColumns(...unread, ...monthlyUsage)),
        book.scenario,
      );
      const parts = Array.from({ length: combinations.height }, (_, i) => partsAt(priced, i));
      return [
        pl.Series("plan", parts.map((p) => p.plan < 0 ? null : plans[p.plan].name), pl.Utf8),
        pl.Series(
          "list_price_mrr",
          parts.map((p) =>
            // carriedUsage (Stripe's usage charges of a meteredPrices plan) is not a list price
            p.plan < 0 || plans[p.plan].keepCurrentMrr
              ? null
              : p.base + p.usage + p.minimumTopup + p.addons
          ),
          pl.Float64,
        ),
      ];
    },
  });
  return { plan: joined.getColumn("plan"), listPriceMrr: joined.getColumn("list_price_mrr") };
}

const usd = (value: number) =>
  `$${value.toLocaleString("en-US", { maximumFractionDigits: value < 1 ? 8 : 2 })}`;

/**
 * Whom a plan prices, in words: a plan's per-plan row holds every tier it matches (legacy pro also
 * holds growth), which its name alone does not say.
 */
function matchInWords(plan: Plan): string {
  const lists = [
    plan.match?.tiers?.length ? `tier ${plan.match.tiers.join(" or ")}` : "",
    plan.match?.tiersRaw?.length ? `tier_raw ${plan.match.tiersRaw.join(" or ")}` : "",
  ].filter((list) => list !== "");
  return lists.length === 0 ? "every organization no plan above matched" : lists.join(" and ");
}

const count = (value: number) => value.toLocaleString("en-US");
/** $0.50, not $0.5: a price per 1,000 requests reads as money */
const cents = (value: number) =>
  `$${
    value.toLocaleString("en-US", {
      minimumFractionDigits: Number.isInteger(value) ? 0 : 2,
      maximumFractionDigits: 8,
    })
  }`;

const COST_BASIS_WORDS: Record<CostBasis, string> = {
  all: "all traffic",
  ptb: "pass-through-billed traffic",
  byok: "BYOK traffic",
};

/** Request bands in words; `perRequest` says each band per request (the metered list's style). */
function requestsInWords(pricing: PerRequestPricing, { perRequest = false } = {}): string {
  const bands = pricing.tiers.map((t) =>
    `${perRequest ? usd(t.usdPer1k / 1000) : `${cents(t.usdPer1k)} per 1,000`}${
      t.upTo === null ? " beyond" : ` to ${count(t.upTo)}`
    }`
  );
  const free = pricing.includedRequests > 0
    ? `first ${count(pricing.includedRequests)} free, then `
    : "";
  return `requests: ${free}${bands.join(", ")}${
    perRequest ? " per request" : ""
  } (${pricing.mode})`;
}

/** Flat monthly prices by a metric's band (LLM cost bands are in USD). */
function flatTiersInWords(pricing: FlatTierPricing): string {
  const bound = (upTo: number) => pricing.metric === "llm_cost_30d" ? usd(upTo) : count(upTo);
  const bands = pricing.tiers.map((t) =>
    `${usd(t.usd)}${t.upTo === null ? " beyond" : ` to ${bound(t.upTo)}`}`
  );
  return `a month flat by ${pricing.metric}: ${bands.join(", ")}`;
}

/**
 * A plan's prices in words, every one it has (the Plan fields of lib/analysis/scenario/model.ts):
 * seat, flat and flat-tier fees, per-request and %-of-LLM-cost usage, the minimum, add-ons, and
 * the metered prices Stripe bills.
 */
function planInWords(plan: Plan, addonPrices: Record<string, number>): string {
  const whom = `for ${matchInWords(plan)}: `;
  if (plan.keepCurrentMrr) return `${whom}no list price (MRR as billed)`;
  const parts: string[] = [];
  if (plan.perSeatUsd !== undefined) {
    parts.push(
      `${usd(plan.perSeatUsd)} per seat a month${
        plan.includedSeats ? ` above ${plan.includedSeats} seats` : ""
      }`,
    );
  }
  if (plan.flatUsd !== undefined) parts.push(`${usd(plan.flatUsd)} a month flat`);
  if (plan.flatTiers) parts.push(flatTiersInWords(plan.flatTiers));
  if (plan.perRequest) parts.push(requestsInWords(plan.perRequest));
  if (plan.pctOfLlmCost) {
    const { percent, basis } = plan.pctOfLlmCost;
    parts.push(`${percent} % of LLM cost (${COST_BASIS_WORDS[basis]})`);
  }
  if (plan.minimumUsd !== undefined) parts.push(`at least ${usd(plan.minimumUsd)}`);
  const addons = Object.entries(addonPrices).map(([name, price]) => `${name} ${usd(price)}`);
  parts.push(
    plan.addonsIncluded ? "add-ons included" : `add-ons ${addons.join(", ") || "not priced"}`,
  );
  // Metered prices said to be Stripe's, not the list price's: beside the plan's own usage
  // prices, "requests: … per request" read as part of list_price_mrr
  const metered: string[] = [];
  const requests = plan.meteredPrices?.requests;
  if (requests) metered.push(requestsInWords(requests, { perRequest: true }));
  const storage = plan.meteredPrices?.storagePerGb;
  if (storage) {
    metered.push(
      `storage: ${
        storage.map((t) =>
          `${usd(t.usdPerGb)}/GB${t.upToGb === null ? " beyond" : ` to ${t.upToGb} GB`}`
        )
          .join(", ")
      }`,
    );
  }
  if (metered.length > 0) {
    parts.push(`metered, billed by Stripe as usage (not in list_price_mrr): ${metered.join("; ")}`);
  } else if (plan.meteredPrices) {
    parts.push("metered usage billed by Stripe (list prices not known)");
  }
  return whom + parts.join("; ");
}

/** The price book in words, one line per plan version: [plan name, prices]. */
export function priceBookInWords(book: PriceBook): [string, string][] {
  return book.scenario.plans.map((
    plan,
  ) => [plan.name, planInWords(plan, book.scenario.addonPrices)]);
}
