/**
 * What the brief (brief.ts) is made from: the run's data and the files written beside it. Apart
 * from brief.ts so its sections' modules (brief_statistics.ts, brief_scope.ts, …) read these
 * types without importing the brief itself.
 */
import type pl from "nodejs-polars";
import type { DemoReason } from "../core/demo_reason.ts";
import type { EconomicsContext } from "../economics/report.ts";
import type { DiscountPolicy } from "../revenue/rules.ts";
import type { UnmappedCustomers } from "../revenue/types.ts";
import type { SegmentEstimates } from "./brief_upload.ts";
import type { SegmentResult } from "./segments.ts";
import type { TrimmedAboveLimit } from "./trimmed.ts";
import type { EarlierUsage } from "../analysis/outlook.ts";

/** What the brief reads from a run (a subset of PricingData, so tests can build one). */
export interface BriefData {
  frame: pl.DataFrame;
  asOf: Date;
  windowDays: number;
  demo: boolean;
  /** why `demo`: asked for, or no database configured (said in the brief's demo banner) */
  demoReason?: DemoReason | null;
  warnings: string[];
  /**
   * `fxRates`: the rates that converted revenue to USD, `discountPolicy`: the discounts it is net
   * of (RevenueResult's), both said in Scope
   */
  revenue: {
    source: string;
    fxRates?: Record<string, number>;
    discountPolicy?: DiscountPolicy;
    /** Stripe customers no organization maps to, with MRR: said under Totals */
    unmappedCustomers?: UnmappedCustomers;
  };
  /** cost model and price book: adds the unit-economics section (lib/economics/) */
  economics?: EconomicsContext;
}

export interface BriefFile {
  name: string;
  bytes: number;
}

export interface BriefInput {
  data: BriefData;
  /**
   * data.frame with CUSTOMER_LOSS_COLUMNS (withCustomerLosses), worked out ahead: Totals and By
   * tier read the same customer join, so it is worked out once
   */
  withLosses?: pl.DataFrame;
  /** the export files written (CSV and/or XLSX), with their sizes */
  exportFiles: BriefFile[];
  /** the trimmed CSV, when one was written */
  trimmed?: BriefFile & { rows: number };
  /** no trimmed CSV because it would leave no organization out (it would be the CSV again) */
  nothingToTrim?: boolean;
  /** no trimmed CSV because it would be above the upload limit too */
  trimmedAboveLimit?: TrimmedAboveLimit;
  /** segment files written beside the export (named by segmentFileName) */
  segments?: readonly SegmentResult[];
  /**
   * the segment files' sizes (and organizations), when written (the brief sets each against the
   * upload limit)
   */
  segmentFiles?: readonly (BriefFile & { rows?: number })[];
  /** no segment files written and the CSV too big: their sizes estimated (segmentEstimates) */
  segmentEstimates?: SegmentEstimates;
  /** the size above which a file is too big to upload comfortably (default 20 MB) */
  uploadLimitBytes?: number;
  /** the MRR history section (lib/history/report.ts), when the history has two snapshots */
  history?: string;
  /** its MRR per currency section (lib/history/report_currency.ts), after the history's lines */
  historyByCurrency?: string;
  /**
   * a history snapshot's usage one window or more before the as-of (lib/history/earlier_usage.ts):
   * the outlook's usage and seat trends; none, they are said not known
   */
  earlier?: EarlierUsage | null;
  /** the statistics, worked out ahead (briefStatistics); else here, in one go */
  statistics?: BriefStatistics;
}

/** The brief's sections worked out from the frame: each a pass or more over every row. */
export interface BriefStatistics {
  totals: string;
  tiers: string;
  /** the unit economics and PTB vs BYOK sections (with data.economics) */
  economics?: { lines: string[]; traffic: string[] };
  distributions: string;
  payingFree: string[];
}
