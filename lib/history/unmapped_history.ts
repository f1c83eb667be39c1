/**
 * How the MRR of Stripe customers no organization maps to moved between snapshots: each export's
 * sidecar records it (lib/revenue/unmapped.ts; zeros when every one maps), the bridge cannot hold
 * it (no row), and Stripe's dashboard counts it, so the history report says it beside the bridge.
 * A snapshot that does not record it (an older kit's export's, a backfill's, or an export's that
 * read no revenue) is "not recorded", never $0.
 */
import { signedUsd } from "../core/usd.ts";
import { formatCount, formatUsd } from "../report/numbers.ts";
import type { UnmappedCustomers } from "../revenue/types.ts";
import type { HistorySource } from "./history_source.ts";
import { asOfKey } from "./periods.ts";
import { someUnmapped, unmappedMrrChange } from "../revenue/unmapped_record.ts";

/** One reported snapshot's figures: null when its sidecar does not record them. */
export interface UnmappedPoint {
  /** its as-of key (periods.ts asOfKey) */
  month: string;
  unmapped: UnmappedCustomers | null;
}

/** The reported snapshots' figures, in their order (oldest first). */
export function unmappedPoints(points: HistorySource[]): UnmappedPoint[] {
  return points.map((p) => ({ month: asOfKey(p.asOf), unmapped: p.unmappedCustomers ?? null }));
}

/** One snapshot's part of the sentence, with the change from the one before when both record it. */
function pointText(point: UnmappedPoint, previous: UnmappedPoint | undefined): string {
  const u = point.unmapped;
  if (u === null) return `as-of ${point.month} not recorded`;
  const details = [
    ...(u.customers > 0
      ? [`${formatCount(u.customers)} customer${u.customers === 1 ? "" : "s"}`]
      : []),
    ...(u.unknownMrrCustomers > 0
      ? [`${formatCount(u.unknownMrrCustomers)} more not stated in USD, in no sum`]
      : []),
  ];
  const before = previous?.unmapped;
  if (before) {
    // whole cents, as the bridge's
    const change = unmappedMrrChange(before.mrrRecurringUsd, u.mrrRecurringUsd);
    details.push(`${signedUsd(change)} since as-of ${previous!.month}`);
  }
  return `as-of ${point.month} ${formatUsd(u.mrrRecurringUsd)}${
    details.length > 0 ? ` (${details.join(", ")})` : ""
  }`;
}

/**
 * The history report's line, or null when no snapshot records any such customer (all $0, or
 * none recorded): their recurring MRR at each snapshot and how it moved.
 */
export function unmappedHistorySentence(points: UnmappedPoint[]): string | null {
  if (!points.some((p) => someUnmapped(p.unmapped))) return null;
  const parts = points.map((point, idx) => pointText(point, points[idx - 1]));
  const unrecorded = points.some((p) => p.unmapped === null)
    ? " A snapshot not recorded is an older kit's, a backfill's, or an export's that read no revenue: its figure is unknown, not $0."
    : "";
  return `Not in these bridges: the recurring MRR (\`mrr_recurring\`) of Stripe customers no organization's \`stripe_customer_id\` names, which Stripe's dashboard counts (each export's snapshot records it): ${
    parts.join("; ")
  }.${unrecorded}`;
}
