/**
 * Two exports converted at different FX rates, in a comparison (lib/cli/compare.ts). Each export
 * turns a customer's billing currency into USD with the `PRICING_FX_RATES` of its run (recorded in
 * its manifest, `revenue.fx_rates`, and a snapshot's sidecar, `fx_rates`), so between two exports
 * whose EUR rate differs an organization billed in EUR moves in USD at the same price. The history
 * bridge books that drift as `fx_impact` (revenue-rules.md rule 7); a comparison has no bridge, so
 * it says the rate change in one warning with how much of the recurring MRR change it is.
 */
import pl from "nodejs-polars";
import { extname } from "node:path";
import { exportExactAsOf } from "../formats/export_demo.ts";
import { manifestFxRates } from "../formats/export_manifest_records.ts";
import { isFxRates, readSnapshotSidecar } from "../formats/snapshot_sidecar.ts";
import { signedUsd } from "../core/usd.ts";
import { listInWords } from "../core/words.ts";

/** USD per unit of each currency, as a manifest records them: `{"EUR": 1.08}`. */
export type FxRates = Record<string, number>;

/**
 * The FX rates the export (or snapshot) at `path` was converted with: a snapshot's sidecar's, else
 * the manifest beside the file when it is that export's (its exact as-of, or `asOf` for a renamed
 * file); null when nothing records them (an export from before they were recorded, a file copied
 * alone).
 */
export async function fileFxRates(path: string, asOf: Date | null): Promise<FxRates | null> {
  if (extname(path).toLowerCase() === ".parquet") {
    const rates = (await readSnapshotSidecar(path)).meta?.fx_rates;
    return isFxRates(rates) ? rates : null;
  }
  const exact = (await exportExactAsOf(path))?.asOf ?? asOf;
  return exact ? await manifestFxRates(path, exact) : null;
}

/** A currency both files have a rate for, at two different rates. */
export interface FxRateChange {
  currency: string;
  oldRate: number;
  newRate: number;
}

/** The currencies whose rate differs between the two files, by code; none when either is unknown. */
export function fxRateChanges(old: FxRates | null, newer: FxRates | null): FxRateChange[] {
  if (!old || !newer) return [];
  return Object.keys(newer).filter((code) => code in old && old[code] !== newer[code]).sort()
    .map((currency) => ({ currency, oldRate: old[currency], newRate: newer[currency] }));
}

/**
 * What the rates that changed did to the new file's recurring MRR: the organizations billed in one
 * changed currency alone (`valued`), valued at the new rate less at the old one, and those billed
 * in several currencies, one of them changed (`mixed`: counted, not valued).
 */
export interface FxChangeImpact {
  rateChanges: FxRateChange[];
  /** organizations billed in one changed currency alone */
  valued: number;
  /** organizations billed in a changed currency beside another */
  mixed: number;
  /** the rate's part of the mrr_recurring change, USD (whole cents) */
  mrrRecurringFromRates: number;
}

/**
 * The rate's part of the MRR change, or null when no organization of the new file is billed in a
 * changed currency (a rate nobody pays in moves nothing). `newFrame` holds the new file's
 * `currency` (codes, comma-separated for a customer billed in several) and `mrr_recurring`. Each
 * organization billed in one changed currency alone is valued at the new rate less at the old one,
 * mrr_recurring × (1 − old ÷ new): the history's fx_impact. One billed in several currencies is
 * counted, not valued (one rate cannot value the mix).
 */
export function fxChangeImpact(
  changes: FxRateChange[],
  newFrame: pl.DataFrame,
): FxChangeImpact | null {
  if (changes.length === 0 || !newFrame.columns.includes("currency")) return null;
  const currencies = newFrame.getColumn("currency").toArray() as (string | null)[];
  const mrr = newFrame.columns.includes("mrr_recurring")
    ? newFrame.getColumn("mrr_recurring").toArray() as (number | null)[]
    : currencies.map(() => null);
  const byCode = new Map(changes.map((change) => [change.currency, change]));
  let valued = 0;
  let mixed = 0;
  let rateCents = 0;
  currencies.forEach((text, i) => {
    const codes = (text ?? "").split(",").map((code) => code.trim()).filter(Boolean);
    const changed = codes.filter((code) => byCode.has(code));
    if (changed.length === 0) return;
    if (codes.length > 1) {
      mixed++;
      return;
    }
    valued++;
    const { oldRate, newRate } = byCode.get(changed[0])!;
    rateCents += Math.round((mrr[i] ?? 0) * (1 - oldRate / newRate) * 100);
  });
  if (valued + mixed === 0) return null;
  // + 0: no −0 for a rate whose organizations pay nothing
  return { rateChanges: changes, valued, mixed, mrrRecurringFromRates: rateCents / 100 + 0 };
}

/** The one-line warning for an FxChangeImpact: the rates, then what they moved. */
export function fxImpactWarning(
  { rateChanges, valued, mixed, mrrRecurringFromRates }: FxChangeImpact,
): string {
  const rates = listInWords(
    rateChanges.map(({ currency, oldRate, newRate }) => `${currency} ${oldRate} → ${newRate}`),
  );
  const codes = listInWords(rateChanges.map((change) => change.currency), { conjunction: "or" });
  const orgs = (n: number, verb: string) =>
    n === 1
      ? `1 organization billed in ${codes} ${verb}s`
      : `${n} organizations billed in ${codes} ${verb}`;
  // the kit's one sign rule for a change (signedUsd): no sign on an amount shown as $0.00
  const shown = signedUsd(mrrRecurringFromRates);
  const valuedText = valued > 0
    ? `${
      orgs(valued, "move")
    } in USD with the rate at the same price: ${shown} of the mrr_recurring change is the rate (their new recurring MRR at the new rate less at the old one; the history report books it as fx_impact)`
    : null;
  const several = mixed > 0
    ? `${
      orgs(mixed, "move")
    } with it too, beside another currency (not valued: one rate cannot value the mix)`
    : null;
  return `FX rates differ (USD per unit, PRICING_FX_RATES as each export ran): ${rates}; ${
    [valuedText, several].filter((part) => part !== null).join("; ")
  }`;
}

/** fxChangeImpact's warning, or null when the rates moved nobody's revenue. */
export function fxChangeWarning(changes: FxRateChange[], newFrame: pl.DataFrame): string | null {
  const impact = fxChangeImpact(changes, newFrame);
  return impact ? fxImpactWarning(impact) : null;
}

/** A compared file: its path and as-of (for a renamed file's manifest), as fileFxRates reads it. */
export interface FxFile {
  path: string;
  asOf: Date | null;
}

/**
 * The FX change between two compared files (the CLI's compare and MCP's compare_exports share
 * it), with its warning; null when their rates agree, either is unknown, or no organization of
 * the new file is billed in a changed currency. `newBilling` reads the new file's `currency` and
 * `mrr_recurring`, only when a rate changed.
 */
export async function filesFxChange(
  { old, newer, newBilling }: {
    old: FxFile;
    newer: FxFile;
    newBilling: () => Promise<pl.DataFrame>;
  },
): Promise<(FxChangeImpact & { warning: string }) | null> {
  const changes = fxRateChanges(
    await fileFxRates(old.path, old.asOf),
    await fileFxRates(newer.path, newer.asOf),
  );
  if (changes.length === 0) return null;
  const impact = fxChangeImpact(changes, await newBilling());
  return impact ? { ...impact, warning: fxImpactWarning(impact) } : null;
}

/** The columns filesFxChange's `newBilling` reads. */
export const FX_BILLING_COLUMNS = ["currency", "mrr_recurring"] as const;
