/**
 * What the manifest beside an export records of its run besides what the file is: the price book
 * that priced its plans, the FX rates that converted its revenue, and the MRR of Stripe customers
 * no organization maps to. For history import and compare, which read them only when the manifest
 * is of that very export (its as-of); and its warnings, for a reader of the file alone.
 */
import type { UnmappedCustomers } from "../revenue/types.ts";
import { unmappedFromRecord } from "../revenue/unmapped_record.ts";
import { exportNameInfo } from "./export_names.ts";
import { isFxRates, readSnapshotSidecar } from "./snapshot_sidecar.ts";
import { basename, extname } from "node:path";
import { instantOf, manifestPathOf, readJsonObject } from "./export_beside.ts";

/**
 * The manifest beside the export at `path` when it is that export's (its as-of `asOf`); null
 * without one, or another as-of's (a file renamed over an older export's).
 */
async function manifestOfExport(
  path: string,
  asOf: Date,
): Promise<Record<string, unknown> | null> {
  const manifest = await readJsonObject(manifestPathOf(path, exportNameInfo(path)));
  return instantOf(manifest?.as_of)?.getTime() === asOf.getTime() ? manifest : null;
}

/**
 * The price book an export's manifest beside it records (`cost_model.price_book`, its SHA-256),
 * when the manifest is of that export (its as-of `asOf`); else null. What priced the file's
 * `plan` column, for a snapshot imported from it (lib/cli/history_import.ts).
 */
export async function manifestPriceBook(
  path: string,
  asOf: Date,
): Promise<{ name: string; sha256: string } | null> {
  const manifest = await manifestOfExport(path, asOf);
  const model = manifest?.cost_model as Record<string, unknown> | undefined;
  const name = model?.price_book;
  const sha256 = model?.price_book_sha256;
  return typeof name === "string" && typeof sha256 === "string" && /^[0-9a-f]{64}$/.test(sha256)
    ? { name, sha256 }
    : null;
}

/**
 * The infrastructure cost per 1,000 requests the run that wrote the export at `path` counted in
 * its company_cost_30d, as its manifest beside it records it (`cost_model.infra_usd_per_1k_requests`:
 * null when not set, counted as $0); undefined without one, another as-of's, or one that does not
 * record it as a number or null. For the scenario command's company margin (an upper bound unset).
 */
export async function manifestInfraUsdPer1kRequests(
  path: string,
  asOf: Date,
): Promise<number | null | undefined> {
  const manifest = await manifestOfExport(path, asOf);
  const model = manifest?.cost_model as Record<string, unknown> | undefined;
  const per1k = model?.infra_usd_per_1k_requests;
  return per1k === null || (typeof per1k === "number" && Number.isFinite(per1k))
    ? per1k
    : undefined;
}

/**
 * The FX rates that converted the export's revenue at `path`, as its manifest beside it records
 * them (`revenue.fx_rates`, written since 2026-12); null without one, or another as-of's.
 */
export async function manifestFxRates(
  path: string,
  asOf: Date,
): Promise<Record<string, number> | null> {
  const manifest = await manifestOfExport(path, asOf);
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
  const manifest = await manifestOfExport(path, asOf);
  const revenue = manifest?.revenue as Record<string, unknown> | undefined;
  return unmappedFromRecord(revenue?.unmapped_customers);
}

/** What the record beside an export (its manifest; a snapshot's sidecar) says a reader must know. */
export interface RecordedWarnings {
  /** the record's file name (`….manifest.json`, a snapshot's `….parquet.json`) */
  record: string;
  /** found; missing (none beside the file); damaged (there, but no JSON object or not whole) */
  state: "found" | "missing" | "damaged";
  /** the run's warnings as the record lists them ([] when it lists none, or is not found) */
  warnings: string[];
  /** the record's `warnings` is there but no list of text (edited by hand): not read */
  warningsDamaged: boolean;
  /** `revenue.unmapped_customers` (a sidecar's `unmapped_customers`); null: not recorded */
  unmapped: UnmappedCustomers | null;
}

/**
 * The warnings and the unmapped customers' MRR the record beside the export at `path` keeps, as
 * the run's brief showed them: its manifest (the export's by its name, or `<renamed>.manifest.json`),
 * a snapshot's sidecar. For a reader of the file alone (the questions notebook's csvPath).
 */
export async function recordedWarnings(path: string): Promise<RecordedWarnings> {
  if (extname(path).toLowerCase() === ".parquet") {
    const sidecar = await readSnapshotSidecar(path);
    return {
      record: `${basename(path)}.json`,
      state: sidecar.meta ? "found" : sidecar.warning ? "damaged" : "missing",
      warnings: sidecar.meta?.warnings ?? [],
      warningsDamaged: false, // checked by readSnapshotSidecar: a bad list makes it damaged
      unmapped: unmappedFromRecord(sidecar.meta?.unmapped_customers),
    };
  }
  const manifestPath = manifestPathOf(path, exportNameInfo(path));
  const manifest = await readJsonObject(manifestPath);
  const there = manifest !== null || await Deno.stat(manifestPath).then(() => true, () => false);
  const warnings = manifest?.warnings;
  const listed = Array.isArray(warnings) && warnings.every((w) => typeof w === "string");
  return {
    record: basename(manifestPath),
    state: manifest ? "found" : there ? "damaged" : "missing",
    warnings: listed ? warnings : [],
    warningsDamaged: manifest !== null && warnings !== undefined && !listed,
    unmapped: unmappedFromRecord(
      (manifest?.revenue as Record<string, unknown> | undefined)?.unmapped_customers,
    ),
  };
}
