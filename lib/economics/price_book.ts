/**
 * The price book: today's list prices per plan version. It is the "current pricing" scenario
 * (scenarios/current_seat_based.json), so the price book and the scenario cannot drift apart.
 *
 * - `plan`: the name of the first price-book plan that matches an organization (tier, tier_raw),
 *   e.g. `pro (seat, legacy)` vs `pro 2025-12-10`.
 * - `list_price_mrr`: what the price book charges for the organization's seats (or flat fee), its
 *   minimum and its add-ons, per month. Empty for plans without a list price (enterprise contracts).
 *   Metered requests and storage are listed in the book but not in this column (Stripe bills them;
 *   they are in usage_charges), so mrr − list_price_mrr shows discounts, grandfathered prices and
 *   billed usage.
 */
import type pl from "nodejs-polars";
import { fileURLToPath } from "node:url";
import type { Env } from "../core/config.ts";
import {
  loadScenarioFile,
  type Plan,
  priceOrganizations,
  pricingInputs,
} from "../analysis/scenario/mod.ts";
import type { PriceBook } from "./types.ts";

export type { PriceBook } from "./types.ts";

export const DEFAULT_PRICE_BOOK = fileURLToPath(
  new URL("../../scenarios/current_seat_based.json", import.meta.url),
);

/** The price book named by PRICING_PRICE_BOOK, or the built-in one. */
export async function loadPriceBook(env: Env = {}): Promise<PriceBook> {
  const file = env.PRICING_PRICE_BOOK || DEFAULT_PRICE_BOOK;
  return { file, scenario: await loadScenarioFile(file) };
}

export interface PlanColumns {
  plan: (string | null)[];
  listPriceMrr: (number | null)[];
}

/** Rows priced at a time: the scenario's per-organization inputs are JS arrays, kept small. */
const PLAN_SLICE_ROWS = 50_000;

/** `plan` and `list_price_mrr` for every row of an export frame (see the module comment). */
export function planColumns(frame: pl.DataFrame, book: PriceBook): PlanColumns {
  const plans = book.scenario.plans;
  const plan: (string | null)[] = [];
  const listPriceMrr: (number | null)[] = [];
  for (let offset = 0; offset === 0 || offset < frame.height; offset += PLAN_SLICE_ROWS) {
    const inputs = pricingInputs(frame.slice(offset, PLAN_SLICE_ROWS));
    for (const p of priceOrganizations(inputs, book.scenario).parts) {
      plan.push(p.plan < 0 ? null : plans[p.plan].name);
      listPriceMrr.push(
        p.plan < 0 || plans[p.plan].keepCurrentMrr ? null : p.base + p.minimumTopup + p.addons,
      );
    }
  }
  return { plan, listPriceMrr };
}

const usd = (value: number) =>
  `$${value.toLocaleString("en-US", { maximumFractionDigits: value < 1 ? 8 : 2 })}`;

function planInWords(plan: Plan, addonPrices: Record<string, number>): string {
  if (plan.keepCurrentMrr) return "negotiated contract (no list price; MRR as billed)";
  const parts: string[] = [];
  if (plan.perSeatUsd !== undefined) {
    parts.push(
      `${usd(plan.perSeatUsd)} per seat a month${
        plan.includedSeats ? ` above ${plan.includedSeats} seats` : ""
      }`,
    );
  }
  if (plan.flatUsd !== undefined) parts.push(`${usd(plan.flatUsd)} a month flat`);
  if (plan.minimumUsd !== undefined) parts.push(`at least ${usd(plan.minimumUsd)}`);
  const addons = Object.entries(addonPrices).map(([name, price]) => `${name} ${usd(price)}`);
  parts.push(
    plan.addonsIncluded ? "add-ons included" : `add-ons ${addons.join(", ") || "not priced"}`,
  );
  const requests = plan.meteredPrices?.requests;
  if (requests) {
    const bands = requests.tiers.map((t) =>
      `${usd(t.usdPer1k / 1000)}${
        t.upTo === null ? " beyond" : ` to ${t.upTo.toLocaleString("en-US")}`
      }`
    );
    parts.push(
      `requests: first ${requests.includedRequests.toLocaleString("en-US")} free, then ${
        bands.join(", ")
      } per request (${requests.mode})`,
    );
  }
  const storage = plan.meteredPrices?.storagePerGb;
  if (storage) {
    parts.push(
      `storage: ${
        storage.map((t) =>
          `${usd(t.usdPerGb)}/GB${t.upToGb === null ? " beyond" : ` to ${t.upToGb} GB`}`
        )
          .join(", ")
      }`,
    );
  }
  return parts.join("; ");
}

/** The price book in words, one line per plan version: [plan name, prices]. */
export function priceBookInWords(book: PriceBook): [string, string][] {
  return book.scenario.plans.map((
    plan,
  ) => [plan.name, planInWords(plan, book.scenario.addonPrices)]);
}
