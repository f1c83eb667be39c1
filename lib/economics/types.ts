/**
 * The economics stage's boundary types: plain data, type-only imports of leaf modules, so
 * lib/core/types.ts can name them in PricingData without importing the stage.
 */
import type { Scenario } from "../analysis/scenario/model.ts";

export interface CostModel {
  /** USD per 1,000 requests in the window; null = not set (counted as 0) */
  infraUsdPer1kRequests: number | null;
  /** USD per GB stored per month; null = not set. The export has no storage column yet. */
  infraUsdPerGbStored: number | null;
}

export interface PriceBook {
  /** file the price book was read from */
  file: string;
  scenario: Scenario;
  /** hex SHA-256 of the file's bytes the scenario was parsed from */
  sha256: string;
}

/** What a run's economics columns were computed with (manifest, brief, page, workbook). */
export interface EconomicsContext {
  costModel: CostModel;
  priceBook: PriceBook;
  /** true when Stripe's PTB revenue was read for this run */
  ptbRevenueRead: boolean;
  /** the export window's days: margins set its usage, on a 30-day basis, against monthly mrr */
  windowDays: number;
}
