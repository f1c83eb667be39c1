/**
 * The MRR of Stripe customers no organization maps to, in a comparison (lib/cli/compare.ts, MCP's
 * compare_exports): no row holds it, so neither file's totals do, while Stripe's dashboard counts
 * it. A snapshot's sidecar records it (zeros when every one maps), an export's manifest only when
 * there are some: a file that does not record it is "not recorded", never $0.
 */
import { extname } from "node:path";
import { exportExactAsOf, manifestUnmapped } from "../formats/export_demo.ts";
import { readSnapshotSidecar } from "../formats/snapshot_sidecar.ts";
import { formatCount, formatUsd } from "../report/numbers.ts";
import type { UnmappedCustomers } from "../revenue/types.ts";
import { unmappedFromRecord } from "../revenue/unmapped_record.ts";

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

const someUnmapped = (u: UnmappedCustomers | null) =>
  u !== null && (u.customers > 0 || u.unknownMrrCustomers > 0);

/** "+$50.00", "-$20.00", "$0.00". */
const signedUsd = (amount: number) => `${amount > 0 ? "+" : ""}${formatUsd(amount)}`;

function sideText(u: UnmappedCustomers | null): string {
  if (u === null) return "not recorded";
  const unknown = u.unknownMrrCustomers > 0
    ? `, ${formatCount(u.unknownMrrCustomers)} more without a rate to USD, in no sum`
    : "";
  return `${formatUsd(u.mrrUsd)} of mrr (${formatUsd(u.mrrRecurringUsd)} of mrr_recurring, ${
    formatCount(u.customers)
  } customer${u.customers === 1 ? "" : "s"}${unknown})`;
}

/**
 * The comparison's note on the two files' unmapped customers, or null when neither records any
 * (both $0, or not recorded): each side's figures and, when both record them, the change.
 */
export function unmappedChangeNote(
  old: UnmappedCustomers | null,
  newer: UnmappedCustomers | null,
): string | null {
  if (!someUnmapped(old) && !someUnmapped(newer)) return null;
  // whole cents; + 0: no −0
  const cents = (a: number, b: number) => Math.round((b - a) * 100) / 100 + 0;
  const change = old && newer
    ? `: ${signedUsd(cents(old.mrrUsd, newer.mrrUsd))} of mrr (${
      signedUsd(cents(old.mrrRecurringUsd, newer.mrrRecurringUsd))
    } of mrr_recurring)`
    : " (a file not recorded is an older kit's, or an export's whose manifest records none: unknown, not $0)";
  return `not in these totals: the MRR of Stripe customers no organization's stripe_customer_id names, which Stripe's dashboard counts: old ${
    sideText(old)
  }, new ${sideText(newer)}${change}`;
}

/** unmappedChangeNote of two compared files. */
export async function filesUnmappedNote(
  { old, newer }: { old: UnmappedFile; newer: UnmappedFile },
): Promise<string | null> {
  return unmappedChangeNote(
    await fileUnmapped(old.path, old.asOf),
    await fileUnmapped(newer.path, newer.asOf),
  );
}
