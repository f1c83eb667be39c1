/**
 * The unmapped customers' figures (unmapped.ts) as files record them: a manifest's
 * `revenue.unmapped_customers` and a history snapshot sidecar's `unmapped_customers`, snake_case,
 * USD a month. A file anyone can edit is read back only when the record is whole.
 */
import type { RevenueResult, UnmappedCustomers } from "./types.ts";

export interface UnmappedRecord {
  customers: number;
  mrr_usd: number;
  mrr_recurring_usd: number;
  unknown_mrr_customers: number;
  /**
   * of those, how many for each reason (one may have both): written when some are unknown, since
   * 2026-12; absent in older records, which said a missing rate for every one
   */
  unknown_mrr_reasons?: { no_fx_rate: number; no_currency_option: number };
}

/** Revenue read and every customer with MRR mapped: what a snapshot records then (not "absent"). */
export const NO_UNMAPPED_CUSTOMERS: UnmappedCustomers = {
  customers: 0,
  mrrUsd: 0,
  mrrRecurringUsd: 0,
  unknownMrrCustomers: 0,
};

/**
 * What an export records of them (its manifest, its snapshot's sidecar): zeros when revenue was
 * read and every customer with MRR maps, so "none" is not read as "not recorded"; undefined when
 * revenue was not read (source none: nothing is known of them).
 */
export function recordedUnmapped(
  revenue: Pick<RevenueResult, "source" | "unmappedCustomers">,
): UnmappedCustomers | undefined {
  if (revenue.source === "none") return undefined;
  return revenue.unmappedCustomers ?? NO_UNMAPPED_CUSTOMERS;
}

/**
 * How an unmapped MRR figure moved, `after` less `before`, in whole cents (USD a month; + 0: no
 * −0): compare's change and the history report's, one rule.
 */
export function unmappedMrrChange(before: number, after: number): number {
  return Math.round((after - before) * 100) / 100 + 0;
}

/** Whether figures name any customer (with MRR above $0, or unknown): not none, not unrecorded. */
export function someUnmapped(unmapped: UnmappedCustomers | null | undefined): boolean {
  return !!unmapped && (unmapped.customers > 0 || unmapped.unknownMrrCustomers > 0);
}

export function unmappedRecord(unmapped: UnmappedCustomers): UnmappedRecord {
  const reasons = unmapped.unknownMrrReasons;
  return {
    customers: unmapped.customers,
    mrr_usd: unmapped.mrrUsd,
    mrr_recurring_usd: unmapped.mrrRecurringUsd,
    unknown_mrr_customers: unmapped.unknownMrrCustomers,
    // (only when some are unknown: the records of every other run stay as they were)
    ...(reasons && unmapped.unknownMrrCustomers > 0
      ? {
        unknown_mrr_reasons: {
          no_fx_rate: reasons.noFxRate,
          no_currency_option: reasons.noCurrencyOption,
        },
      }
      : {}),
  };
}

/**
 * Whether `value` is a whole record: two counts and two finite amounts, and the reasons' two
 * counts when it has them.
 */
export function isUnmappedRecord(value: unknown): value is UnmappedRecord {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  const amount = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
  const reasons = record.unknown_mrr_reasons as Record<string, unknown> | undefined;
  return count(record.customers) && count(record.unknown_mrr_customers) &&
    amount(record.mrr_usd) && amount(record.mrr_recurring_usd) &&
    (reasons === undefined ||
      (!!reasons && typeof reasons === "object" && count(reasons.no_fx_rate) &&
        count(reasons.no_currency_option)));
}

/** The figures of a whole record; null for anything else (not recorded). */
export function unmappedFromRecord(value: unknown): UnmappedCustomers | null {
  if (!isUnmappedRecord(value)) return null;
  return {
    customers: value.customers,
    mrrUsd: value.mrr_usd,
    mrrRecurringUsd: value.mrr_recurring_usd,
    unknownMrrCustomers: value.unknown_mrr_customers,
    ...(value.unknown_mrr_reasons
      ? {
        unknownMrrReasons: {
          noFxRate: value.unknown_mrr_reasons.no_fx_rate,
          noCurrencyOption: value.unknown_mrr_reasons.no_currency_option,
        },
      }
      : {}),
  };
}
