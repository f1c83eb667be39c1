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
import { exportExactAsOf, manifestFxRates } from "../formats/export_demo.ts";
import { isFxRates, readSnapshotSidecar } from "../formats/snapshot_sidecar.ts";
import { formatUsd } from "../report/numbers.ts";
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
 * The warning for rates that changed, or null when no organization of the new file is billed in a
 * changed currency (a rate nobody pays in moves nothing). `newFrame` holds the new file's
 * `currency` (codes, comma-separated for a customer billed in several) and `mrr_recurring`. The
 * rate's part of the MRR change is each organization billed in one changed currency alone valued
 * at the new rate less at the old one, mrr_recurring × (1 − old ÷ new): the history's fx_impact.
 * One billed in several currencies is counted, not valued (one rate cannot value the mix).
 */
export function fxChangeWarning(changes: FxRateChange[], newFrame: pl.DataFrame): string | null {
  if (changes.length === 0 || !newFrame.columns.includes("currency")) return null;
  const currencies = newFrame.getColumn("currency").toArray() as (string | null)[];
  const mrr = newFrame.columns.includes("mrr_recurring")
    ? newFrame.getColumn("mrr_recurring").toArray() as (number | null)[]
    : currencies.map(() => null);
  const byCode = new Map(changes.map((change) => [change.currency, change]));
  let alone = 0;
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
    alone++;
    const { oldRate, newRate } = byCode.get(changed[0])!;
    rateCents += Math.round((mrr[i] ?? 0) * (1 - oldRate / newRate) * 100);
  });
  if (alone + mixed === 0) return null;
  const rates = listInWords(
    changes.map(({ currency, oldRate, newRate }) => `${currency} ${oldRate} → ${newRate}`),
  );
  const codes = listInWords(changes.map((change) => change.currency), { conjunction: "or" });
  const orgs = (n: number, verb: string) =>
    n === 1
      ? `1 organization billed in ${codes} ${verb}s`
      : `${n} organizations billed in ${codes} ${verb}`;
  const amount = rateCents / 100;
  const shown = `${amount > 0 && rateCents !== 0 ? "+" : ""}${formatUsd(amount)}`;
  const valued = alone > 0
    ? `${
      orgs(alone, "move")
    } in USD with the rate at the same price: ${shown} of the mrr_recurring change is the rate (their new recurring MRR at the new rate less at the old one; the history report books it as fx_impact)`
    : null;
  const several = mixed > 0
    ? `${
      orgs(mixed, "move")
    } with it too, beside another currency (not valued: one rate cannot value the mix)`
    : null;
  return `FX rates differ (USD per unit, PRICING_FX_RATES as each export ran): ${rates}; ${
    [valued, several].filter((part) => part !== null).join("; ")
  }`;
}
