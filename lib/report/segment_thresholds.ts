/**
 * The segments' thresholds (lib/report/segments.ts): each a named parameter with its default and
 * its setting, PRICING_SEGMENT_<NAME>, checked when read.
 */
import { settingNumber, UserError } from "../core/config.ts";

export interface SegmentThresholds {
  /** free_high_usage: free organizations with at least this many requests in the window (50,000) */
  freeHighUsageMinRequests: number;
  /** underpriced: at least this many requests in the window … (100,000) */
  underpricedMinRequests: number;
  /** … or at least this much LLM cost in the window, USD … ($500) */
  underpricedMinLlmCostUsd: number;
  /** … while MRR is at most this, USD per month; unknown MRR never qualifies ($100) */
  underpricedMaxMrrUsd: number;
  /** low_seat_utilization: at most this % of seats signed in during the window … (25) */
  lowUtilizationMaxPct: number;
  /** … with at least this many seats (5) */
  lowUtilizationMinSeats: number;
  /** high_inference_few_seats (Helicone cohort): at least this many requests … (100,000) */
  highInferenceMinRequests: number;
  /** … and at most this many seats (2) */
  highInferenceMaxSeats: number;
  /** low_inference_many_seats (Helicone cohort): at most this many requests … (10,000) */
  lowInferenceMaxRequests: number;
  /** … and at least this many seats (5) */
  lowInferenceMinSeats: number;
}

export const DEFAULT_SEGMENT_THRESHOLDS: Readonly<SegmentThresholds> = {
  freeHighUsageMinRequests: 50_000,
  underpricedMinRequests: 100_000,
  underpricedMinLlmCostUsd: 500,
  underpricedMaxMrrUsd: 100,
  lowUtilizationMaxPct: 25,
  lowUtilizationMinSeats: 5,
  highInferenceMinRequests: 100_000,
  highInferenceMaxSeats: 2,
  lowInferenceMaxRequests: 10_000,
  lowInferenceMinSeats: 5,
};

/** Environment variable of each threshold, e.g. PRICING_SEGMENT_FREE_HIGH_USAGE_MIN_REQUESTS. */
export function thresholdVariable(key: keyof SegmentThresholds): string {
  return `PRICING_SEGMENT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export function segmentThresholdsFromEnv(
  env: Record<string, string | undefined>,
): SegmentThresholds {
  const thresholds = { ...DEFAULT_SEGMENT_THRESHOLDS };
  for (const key of Object.keys(thresholds) as (keyof SegmentThresholds)[]) {
    const raw = env[thresholdVariable(key)];
    if (raw === undefined || raw === "") continue;
    const value = settingNumber(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new UserError(
        `${thresholdVariable(key)} must be a number ≥ 0, got ${JSON.stringify(raw)}`,
      );
    }
    // a share of seats: above 100 every organization with enough seats read as under-using them
    if (key === "lowUtilizationMaxPct" && value > 100) {
      throw new UserError(
        `${thresholdVariable(key)} must be a percentage from 0 to 100 (e.g. 25), got ${
          JSON.stringify(raw)
        }`,
      );
    }
    thresholds[key] = value;
  }
  return thresholds;
}
