/**
 * The MRR of Stripe customers no organization maps to, in a comparison (lib/cli/compare.ts, MCP's
 * compare_exports): no row holds it, so neither file's totals do, while Stripe's dashboard counts
 * it. An export's manifest and its snapshot's sidecar record it (zeros when revenue was read and
 * every one maps: "none"); a file that does not record it (an older kit's, one that read no
 * revenue, a backfill's snapshot) is "not recorded", never $0.
 */
import { extname } from "node:path";
import { exportExactAsOf } from "../formats/export_demo.ts";
import { manifestUnmapped } from "../formats/export_manifest_records.ts";
import { readSnapshotSidecar } from "../formats/snapshot_sidecar.ts";
import { signedUsd } from "../core/usd.ts";
import { formatCount, formatUsd } from "../report/numbers.ts";
import type { UnmappedCustomers } from "../revenue/types.ts";
import { someUnmapped, unmappedFromRecord, unmappedMrrChange } from "../revenue/unmapped_record.ts";

/** A compared file: its path and as-of (for a renamed file's manifest), as compare_fx.ts's. */
export interface UnmappedFile {
  path: string;
  asOf: Date | null;
}

/**
 * The unmapped customers' figures of the export (or snapshot) at `path`: a snapshot's sidecar's,
 * else the manifest beside the file when it is that export's; null when nothing records them.
 */
export async function fileUnmapped(
  path: string,
  asOf: Date | null,
): Promise<UnmappedCustomers | null> {
  if (extname(path).toLowerCase() === ".parquet") {
    return unmappedFromRecord((await readSnapshotSidecar(path)).meta?.unmapped_customers);
  }
  const exact = (await exportExactAsOf(path))?.asOf ?? asOf;
  return exact ? await manifestUnmapped(path, exact) : null;
}

/** Two files' figures: null where a file does not record them. */
export interface UnmappedPair {
  old: UnmappedCustomers | null;
  newer: UnmappedCustomers | null;
}

/** How their MRR moved, new less old (USD a month, whole cents); null unless both record it. */
export function unmappedChange(
  { old, newer }: UnmappedPair,
): { mrrUsd: number; mrrRecurringUsd: number } | null {
  if (!old || !newer) return null;
  return {
    mrrUsd: unmappedMrrChange(old.mrrUsd, newer.mrrUsd),
    mrrRecurringUsd: unmappedMrrChange(old.mrrRecurringUsd, newer.mrrRecurringUsd),
  };
}

function sideText(u: UnmappedCustomers | null): string {
  if (u === null) return "not recorded";
  if (!someUnmapped(u)) return "none"; // recorded as 0: every customer with MRR mapped
  const unknown = u.unknownMrrCustomers > 0
    ? `, ${formatCount(u.unknownMrrCustomers)} more not stated in USD, in no sum`
    : "";
  return `${formatUsd(u.mrrUsd)} of mrr (${formatUsd(u.mrrRecurringUsd)} of mrr_recurring, ${
    formatCount(u.customers)
  } customer${u.customers === 1 ? "" : "s"}${unknown})`;
}

/**
 * The comparison's note on the two files' unmapped customers, or null when neither records any
 * (both none, or not recorded): each side's figures and, when both record them, the change.
 */
export function unmappedChangeNote(
  old: UnmappedCustomers | null,
  newer: UnmappedCustomers | null,
): string | null {
  if (!someUnmapped(old) && !someUnmapped(newer)) return null;
  const moved = unmappedChange({ old, newer });
  const change = moved
    ? `: ${signedUsd(moved.mrrUsd)} of mrr (${signedUsd(moved.mrrRecurringUsd)} of mrr_recurring)`
    : " (a file not recorded is an older kit's, a backfill's, or an export's that read no revenue: unknown, not $0)";
  return `not in these totals: the MRR of Stripe customers no organization's stripe_customer_id names, which Stripe's dashboard counts: old ${
    sideText(old)
  }, new ${sideText(newer)}${change}`;
}

/** Two compared files' figures (null: not recorded) and unmappedChangeNote of them. */
export async function filesUnmapped(
  { old, newer }: { old: UnmappedFile; newer: UnmappedFile },
): Promise<UnmappedPair & { note: string | null }> {
  const pair = {
    old: await fileUnmapped(old.path, old.asOf),
    newer: await fileUnmapped(newer.path, newer.asOf),
  };
  return { ...pair, note: unmappedChangeNote(pair.old, pair.newer) };
}
