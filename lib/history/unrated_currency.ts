/**
 * Customers billed in a currency their export had no FX rate for (revenue_source unconverted):
 * the snapshot stores their MRR in that currency (mrr_recurring_minor) but none in USD. Every
 * bridge decides a customer's status (paying or not, starting, stopping) on its USD cents, 0 here,
 * so they are in no bridge, the per-currency one included: its native amount alone could not tell
 * a switch of currency from a new customer. The report names them, per snapshot and currency,
 * beside its line on unknown MRR (which counts their organizations).
 */
import pl from "nodejs-polars";
import { compareText } from "../core/text_order.ts";
import { escapeMarkdown } from "../formats/markdown.ts";
import { formatCount } from "../report/numbers.ts";
import { CUSTOMER, customerKeyOf } from "./bridge_keys.ts";
import { currencyCode } from "./bridge_fx.ts";
import { collectOf, type HistorySource, mrrStats } from "./history_source.ts";
import { lazyOf } from "./lazy.ts";
import { asOfKey } from "./periods.ts";

/** One snapshot's customers billed in a currency without a rate, per currency (by code). */
export interface UnratedPoint {
  /** its as-of key (periods.ts asOfKey) */
  month: string;
  currencies: { currency: string; customers: number }[];
}

const READ = ["mrr_recurring", "mrr_recurring_minor", "currency", "org_id", "stripe_customer_id"];

/** The snapshots' unrated customers, in their order; snapshots with none left out. */
export function unratedPoints(points: HistorySource[]): UnratedPoint[] {
  return points.flatMap((point) => {
    if (!READ.every((name) => point.frame.columns.includes(name))) return [];
    // counted once per snapshot and cached: only a snapshot with unknown MRR is read again here
    if (mrrStats(point).unknown === 0) return [];
    // by code and customer as the bridges read them: "sek" is SEK, and an organization without a
    // customer id is its own customer (not one null or "" id shared by all of them)
    const currency = currencyCode(pl.col("currency"));
    const query = lazyOf(point.frame).select(...READ).filter(
      pl.col("mrr_recurring").isNull().and(pl.col("mrr_recurring_minor").gt(0))
        .and(currency.isNotNull()).and(currency.neq(pl.lit(""))),
    ).select(currency.alias("currency"), customerKeyOf(READ))
      .groupBy("currency").agg(pl.col(CUSTOMER).nUnique().alias("customers"));
    const currencies = collectOf(point, query).toRecords()
      .map((row) => ({ currency: String(row.currency), customers: Number(row.customers) }))
      .sort((a, b) => compareText(a.currency, b.currency));
    return currencies.length > 0 ? [{ month: asOfKey(point.asOf), currencies }] : [];
  });
}

/** The report's line on them (null when there are none); currency codes escaped as data. */
export function unratedSentence(points: UnratedPoint[]): string | null {
  if (points.length === 0) return null;
  const each = points.map((point) =>
    `as-of ${point.month}: ${
      point.currencies.map((c) => `${formatCount(c.customers)} in ${escapeMarkdown(c.currency)}`)
        .join(", ")
    }`
  );
  return "Customers billed in a currency without an FX rate in their export are in no bridge, " +
    "per currency either (their MRR in that currency is stored, but whether they pay is decided " +
    "in USD, unknown without a rate; set PRICING_FX_RATES before the export): " +
    `${each.join("; ")}.`;
}
