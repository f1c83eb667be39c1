/**
 * What the manifest beside an export records of its run besides what the file is: the price book
 * that priced its plans, the FX rates that converted its revenue, and the MRR of Stripe customers
 * no organization maps to. For history import and compare, which read them only when the manifest
 * is of that very export (its as-of).
 */
import type { UnmappedCustomers } from "../revenue/types.ts";
import { unmappedFromRecord } from "../revenue/unmapped_record.ts";
import { exportNameInfo } from "./export_names.ts";
import { isFxRates } from "./snapshot_sidecar.ts";
import { instantOf, manifestPathOf, readJsonObject } from "./export_beside.ts";

/**
 * The price book an export's manifest beside it records (`cost_model.price_book`, its SHA-256),
 * when the manifest is of that export (its as-of `asOf`); else null. What priced the file's
 * `plan` column, for a snapshot imported from it (lib/cli/history_import.ts).
 */
export async function manifestPriceBook(
  path: string,
  asOf: Date,
): Promise<{ name: string; sha256: string } | null> {
  const manifest = await readJsonObject(manifestPathOf(path, exportNameInfo(path)));
  if (instantOf(manifest?.as_of)?.getTime() !== asOf.getTime()) return null;
  const model = manifest?.cost_model as Record<string, unknown> | undefined;
  const name = model?.price_book;
  const sha256 = model?.price_book_sha256;
  return typeof name === "string" && typeof sha256 === "string" && /^[0-9a-f]{64}$/.test(sha256)
    ? { name, sha256 }
    : null;
}

/**
 * The FX rates that converted the export's revenue at `path`, as its manifest beside it records
 * them (`revenue.fx_rates`, written since 2026-12); null without one, or another as-of's.
 */
export async function manifestFxRates(
  path: string,
  asOf: Date,
): Promise<Record<string, number> | null> {
  const manifest = await readJsonObject(manifestPathOf(path, exportNameInfo(path)));
  if (instantOf(manifest?.as_of)?.getTime() !== asOf.getTime()) return null;
  const rates = (manifest?.revenue as Record<string, unknown> | undefined)?.fx_rates;
  return isFxRates(rates) ? rates : null;
}

/**
 * The MRR of Stripe customers no organization maps to, as the manifest beside the export at `path`
 * records it (`revenue.unmapped_customers`: zeros when revenue was read and every one maps); null
 * without one (revenue not read, or a manifest from before they were counted: not recorded), or
 * another as-of's.
 */
export async function manifestUnmapped(
  path: string,
  asOf: Date,
): Promise<UnmappedCustomers | null> {
  const manifest = await readJsonObject(manifestPathOf(path, exportNameInfo(path)));
  if (instantOf(manifest?.as_of)?.getTime() !== asOf.getTime()) return null;
  const revenue = manifest?.revenue as Record<string, unknown> | undefined;
  return unmappedFromRecord(revenue?.unmapped_customers);
}
