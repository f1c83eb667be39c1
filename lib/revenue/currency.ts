/**
 * Stripe amounts (integers in a currency's minor unit) as amounts of the currency, and prices in
 * the currency a subscription bills in.
 *
 * How many minor units make a unit follows Stripe's "Supported currencies" page
 * (https://docs.stripe.com/currencies), not ISO 4217:
 * - #zero-decimal: BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF are sent as whole
 *   units (¥500 is `500`);
 * - #three-decimal: BHD JOD KWD OMR TND in thousandths (5.120 KWD is `5120`, the last digit 0);
 * - #special-cases: ISK and UGX are "effectively zero-decimal", but "to maintain backwards
 *   compatibility, you must pass in amounts with two decimals" (5 ISK or 5 UGX is `500`), so UGX,
 *   though the page also lists it among the zero-decimal currencies, is in hundredths; HUF and TWD
 *   are zero-decimal for payouts only ("even though you can charge two-decimal amounts"): charges,
 *   prices and invoices, all the kit reads, are in hundredths;
 * - every other currency is in hundredths (10 USD is `1000`).
 */
import type { PriceLite } from "./stripe_objects.ts";
import { compareText } from "../core/text_order.ts";
import { isUnknownNumber, UNKNOWN_MARK, withSign } from "../core/signs.ts";

/** Minor units per unit of a currency in Stripe's amounts, by lower-case code (else 100). */
const MINOR_UNITS = new Map<string, number>([
  ..."bif clp djf gnf jpy kmf krw mga pyg rwf vnd vuv xaf xof xpf".split(" ").map((c) =>
    [c, 1] as const
  ),
  ..."bhd jod kwd omr tnd".split(" ").map((c) => [c, 1000] as const),
]);

/** Minor units per unit of a currency in Stripe's amounts (JPY 1, KWD 1000, USD and most 100). */
export function minorUnitsPerUnit(currency: string): number {
  return MINOR_UNITS.get(currency.toLowerCase()) ?? 100;
}

/** The symbols the kit writes before an amount; any other currency is written by its code. */
const SYMBOLS: ReadonlyMap<string, string> = new Map([
  ["USD", "$"],
  ["EUR", "€"],
  ["GBP", "£"],
  ["JPY", "¥"],
]);

/**
 * What goes before an amount of `currency` (upper- or lower-case code): its symbol where one is
 * unambiguous (`$`, `€`, `£`, `¥`), else its code and a space (`CHF `, `CAD `: `$` would read as
 * USD). Fixed here, not Intl's, so outputs do not change with the runtime's locale data.
 */
export function currencyPrefix(currency: string): string {
  const code = currency.toUpperCase();
  return SYMBOLS.get(code) ?? `${code} `;
}

/**
 * Whole minor units of `currency` as its amount at its own decimals, exactly, after its symbol (or
 * code): 1250010 USD cents "$12,500.10", 15000 yen "¥15,000", 1500 CHF cents "CHF 15.00", a
 * negative "-€90.00" (the kit's text's minus, as formatUsd's "-$90.00": lib/core/signs.ts), "–"
 * when not known.
 */
export function formatMinorUnits(minor: number, currency: string): string {
  return minorUnitsText(minor, { currency, prefix: currencyPrefix(currency) });
}

/**
 * formatMinorUnits after the currency's code whatever its symbol, as a warning naming the
 * currency by code writes an amount not converted to USD: "EUR 12.50", "JPY 500", a negative
 * "-EUR 12.50" (the sign before the code, lib/core/signs.ts), "–" when not known.
 */
export function formatFaceValue(minor: number, currency: string): string {
  return minorUnitsText(minor, { currency, prefix: `${currency.toUpperCase()} ` });
}

function minorUnitsText(
  minor: number,
  { currency, prefix }: { currency: string; prefix: string },
): string {
  if (isUnknownNumber(minor)) return UNKNOWN_MARK;
  const units = minorUnitsPerUnit(currency);
  const digits = Math.round(Math.log10(units));
  // rounded half away from zero on both sides (Math.round of -2.5 is -2)
  const abs = Math.round(Math.abs(minor));
  const whole = Math.floor(abs / units).toLocaleString("en-US");
  const amount = digits === 0 ? whole : `${whole}.${String(abs % units).padStart(digits, "0")}`;
  return withSign(minor, `${prefix}${amount}`);
}

/** The currencies whose minor unit is not a hundredth, by lower-case code, and theirs. */
export const OTHER_MINOR_UNITS: ReadonlyMap<string, number> = MINOR_UNITS;

/** A Stripe amount (minor units) in units of its currency: 1000 USD cents = 10. */
export function minorUnitsToMajor(amount: number, currency: string): number {
  return amount / minorUnitsPerUnit(currency);
}

/**
 * The rules' rates (USD per unit, by lower-case code) as a snapshot's sidecar records them: by
 * upper-case code, as the `currency` column names currencies, in code order.
 */
export function fxRatesByCode(rates: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(rates).map(([code, rate]) => [code.toUpperCase(), rate] as const)
      .sort(([a], [b]) => compareText(a, b)),
  );
}

/** A USD amount to the cent, as the revenue columns hold it (live, backfilled and PTB alike). */
export function roundToCents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/**
 * The price as billed in the subscription's currency: the price itself, or its currency_options'
 * amounts for that currency; null when the price has none for it (or its tiers were not read).
 */
export function priceInCurrency(price: PriceLite, currency: string): PriceLite | null {
  if (price.currency === currency) return price;
  const option = price.currency_options?.[currency];
  if (!option) return null;
  if (price.billing_scheme === "tiered" && !option.tiers) return null;
  return {
    ...price,
    currency,
    unit_amount_decimal: option.unit_amount_decimal,
    tiers: option.tiers,
  };
}
