/** The manifest written next to every export: what ran, on what, and what came out. */
import type { ChosenBy } from "../core/chosen_by.ts";
import { basename, join } from "node:path";
import { readFile } from "node:fs/promises";
import type { PricingData } from "../core/types.ts";
import type { DiscountPolicy } from "../revenue/rules.ts";
import { storedWarningKinds, type WarningKind } from "../core/warning_kinds.ts";
import { type FileDigest, fileDigest, writeFileAtomic } from "../formats/files.ts";
import { exportFileName } from "../formats/export_names.ts";
import { recordedUnmapped, unmappedRecord } from "../revenue/unmapped_record.ts";

export interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  kit: "pricing-kit";
  manifest_version: 1;
  generated_at: string;
  demo: boolean;
  as_of: string;
  window: { start: string; end: string; days: number };
  row_count: number;
  queries: {
    name: string;
    file: string;
    sha256: string;
    rows: number;
    duration_ms: number;
    /** ClickHouse: the settings sent, and the user profile's readonly level they were chosen for */
    settings_sent?: Record<string, string | number>;
    profile_readonly?: string | null;
    /** rows with a negative cost, per column */
    negative_values?: Record<string, number>;
    /** rows with NaN or ±inf (exported as unknown), per column */
    non_finite_values?: Record<string, number>;
  }[];
  sources: string[];
  revenue: {
    source: string;
    api_calls: number;
    duration_ms: number;
    failed: boolean;
    /** the FX rates that converted it (USD per unit by code); absent in older manifests */
    fx_rates?: Record<string, number>;
    /** the discounts it is net of (PRICING_STRIPE_DISCOUNTS); absent when none was read */
    discount_policy?: DiscountPolicy;
    /**
     * Stripe customers no organization maps to: those with MRR above 0 at the as-of and their
     * MRR (USD a month), in Stripe's dashboard but not in the export's rows; all 0 when revenue
     * was read and every one maps; absent when revenue was not read (and in older manifests)
     */
    unmapped_customers?: {
      customers: number;
      mrr_usd: number;
      mrr_recurring_usd: number;
      unknown_mrr_customers: number;
      /** of those, how many for each reason (one may have both); when some are unknown */
      unknown_mrr_reasons?: { no_fx_rate: number; no_currency_option: number };
    };
  };
  stages_ms: Record<string, number>;
  /** the cost model and price book behind company_cost_30d, plan and list_price_mrr */
  cost_model: {
    infra_usd_per_1k_requests: number | null;
    infra_usd_per_gb_stored: number | null;
    ptb_revenue_read: boolean;
    /** the price book's file name (PRICING_PRICE_BOOK's, or current_seat_based.json) */
    price_book: string;
    /**
     * the absolute path the price book was read from, so the MCP server finds a book kept outside
     * scenarios/ again (checked against price_book_sha256). Absent in older manifests.
     */
    price_book_path: string;
    /**
     * hex SHA-256 of the price-book bytes the export parsed: the MCP server tells an edit made
     * since (same name, other prices). Absent in manifests written before it was recorded.
     */
    price_book_sha256: string;
  };
  files: ManifestFile[];
  /** the Parquet snapshot of this export in the history folder (lib/history/snapshot.ts) */
  history_snapshot?: ManifestFile & { path: string };
  /** what the run's warnings say, as the brief and stderr show them */
  warnings: string[];
  /**
   * one kind per warning, in its order (lib/core/warning_kinds.ts), so a reader finds a warning by
   * its kind, not its words. A list beside `warnings`, not objects in it: `warnings` stays the
   * text every reader of it takes (an older kit's MCP server calls a manifest whose warnings are
   * not text damaged). Absent in manifests written before kinds were stored.
   */
  warning_kinds: WarningKind[];
}

async function describeFile(
  path: string,
  digests?: Map<string, FileDigest>,
): Promise<ManifestFile> {
  return { name: basename(path), ...(digests?.get(path) ?? await fileDigest(path)) };
}

/** The cost model and price book an export's data was priced with, as its manifest records them. */
export function costModelBlock(data: PricingData): Manifest["cost_model"] {
  return {
    infra_usd_per_1k_requests: data.economics.costModel.infraUsdPer1kRequests,
    infra_usd_per_gb_stored: data.economics.costModel.infraUsdPerGbStored,
    ptb_revenue_read: data.economics.ptbRevenueRead,
    price_book: basename(data.economics.priceBook.file),
    price_book_path: data.economics.priceBook.file,
    price_book_sha256: data.economics.priceBook.sha256,
  };
}

export function buildManifest(
  data: PricingData,
  { files, snapshot }: { files: ManifestFile[]; snapshot?: Manifest["history_snapshot"] },
): Manifest {
  // zeros when every customer maps ("none"), absent when revenue was not read ("not recorded")
  const unmapped = recordedUnmapped(data.revenue);
  return {
    kit: "pricing-kit",
    manifest_version: 1,
    generated_at: new Date().toISOString(),
    demo: data.demo,
    as_of: data.asOf.toISOString(),
    window: {
      start: data.window.start.toISOString(),
      end: data.window.end.toISOString(),
      days: data.window.days,
    },
    row_count: data.frame.height,
    queries: data.queries.map((q) => ({
      name: q.name,
      file: q.file,
      sha256: q.sha256,
      rows: q.rows,
      duration_ms: q.durationMs,
      ...(q.settingsSent ? { settings_sent: q.settingsSent } : {}),
      ...(q.profileReadonly !== undefined ? { profile_readonly: q.profileReadonly } : {}),
      ...(q.negativeValues ? { negative_values: q.negativeValues } : {}),
      ...(q.nonFiniteValues ? { non_finite_values: q.nonFiniteValues } : {}),
    })),
    sources: data.demo
      ? ["demo"]
      : ["postgresql", "clickhouse", ...(data.revenue.source === "none" ? [] : ["stripe"])],
    revenue: {
      source: data.revenue.source,
      api_calls: data.revenue.apiCalls,
      duration_ms: data.revenue.durationMs,
      failed: data.revenue.failed,
      ...(data.revenue.fxRates ? { fx_rates: data.revenue.fxRates } : {}),
      ...(data.revenue.discountPolicy ? { discount_policy: data.revenue.discountPolicy } : {}),
      ...(unmapped ? { unmapped_customers: unmappedRecord(unmapped) } : {}),
    },
    stages_ms: data.stages,
    cost_model: costModelBlock(data),
    files,
    ...(snapshot ? { history_snapshot: snapshot } : {}),
    warnings: data.warnings,
    warning_kinds: storedWarningKinds(data.warnings, data.warningKinds),
  };
}

/** Writes `helicone_pricing_data_<date>.manifest.json` last, after every file it lists. */
export async function writeManifest(
  outDir: string,
  { data, paths, digests, snapshot, chosenBy }: {
    data: PricingData;
    /** how the user chose the folder the manifest is for (--out-dir…), for its errors */
    chosenBy: ChosenBy;
    paths: string[];
    /** digests made already (lib/formats/digest_worker.ts); the other paths are hashed here */
    digests?: Promise<Map<string, FileDigest>>;
    /** the export's history snapshot (lib/history/snapshot.ts), listed with its full path */
    snapshot?: Manifest["history_snapshot"];
  },
): Promise<string> {
  const made = await digests;
  const files = await Promise.all(paths.map((path) => describeFile(path, made)));
  const manifest = buildManifest(data, { files, snapshot });
  const path = join(
    outDir,
    exportFileName({
      asOf: data.asOf,
      demo: data.demo,
      windowDays: data.windowDays,
      ext: "manifest.json",
    }),
  );
  await writeFileAtomic(
    path,
    (tmp) => Deno.writeTextFile(tmp, JSON.stringify(manifest, null, 2) + "\n"),
    { chosenBy },
  );
  return path;
}

/** A name the kit gives its files (no folder, no `..`): what a manifest may retire. */
const KIT_FILE_NAME = /^helicone_pricing_[A-Za-z0-9_.-]+$/;

/**
 * The files the manifest already at `outDir/manifestName` (an earlier run of the same file set:
 * same date, demo or not, same window) listed that this run does not write (`written`, names),
 * so publishing retires them: a CSV-only re-run leaves no workbook, segment file or chart of the
 * earlier run beside a manifest that does not list them. Only names that manifest listed, plain
 * kit file names inside `outDir`; none when there is no such manifest or it cannot be read.
 */
export async function filesLeftByPreviousRun(
  outDir: string,
  { manifestName, written }: { manifestName: string; written: readonly string[] },
): Promise<string[]> {
  let previous: Partial<Manifest>;
  try {
    previous = JSON.parse(await readFile(join(outDir, manifestName), "utf8"));
  } catch {
    return []; // none, or not readable: nothing is known to be the earlier run's
  }
  if (previous?.kit !== "pricing-kit" || !Array.isArray(previous.files)) return [];
  const keep = new Set([...written, manifestName]);
  const names = previous.files.map((file) => (file as Partial<ManifestFile>)?.name)
    .filter((name): name is string =>
      typeof name === "string" && KIT_FILE_NAME.test(name) && !keep.has(name)
    );
  return [...new Set(names)];
}
