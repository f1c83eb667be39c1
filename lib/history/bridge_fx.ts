/**
 * FX drift in the bridge's converted (USD) view (revenue-rules.md rule 7: "a converted view uses
 * the period-start rate plus an `fx_impact` row"; its research: drift is an "Exchange Rate Impact"
 * row, never expansion or contraction). A snapshot's MRR is USD, converted from each customer's
 * billing currency at the rates its sidecar records (`fx_rates`); when the operator changes
 * PRICING_FX_RATES between two snapshots, a customer billed €90 reads $99 at 1.10 and $108 at
 * 1.20: +$9 that no customer did.
 *
 * So for each customer billed in one currency other than USD, with rates recorded in both
 * snapshots: its end MRR valued at the start snapshot's rate, e_fx = e × rate_s ÷ rate_e (in
 * cents, rounded), makes the movements (new, expansion, … as for any customer), and the rest,
 * fx_impact = e − e_fx, is booked apart. A customer billed in USD, in several currencies (its
 * `currency` lists them: one rate cannot value the mix), whose currency changed between the two
 * snapshots while paying (at face value: rule 7's "contraction in the old, expansion in the new"
 * needs a bridge per currency), or where either snapshot recorded no rates (older snapshots,
 * imports without a manifest saying), has e_fx = e and no fx_impact.
 */
import pl from "nodejs-polars";

/** USD per unit of each currency, by upper-case code (a sidecar's `fx_rates`). */
export type FxRates = Record<string, number>;

/** The movement column of FX drift (signed cents: a weaker currency books it negative). */
export const FX_IMPACT = "fx_impact";

/**
 * A currency column's codes as the history bridge reads them: trimmed, upper case. The kit writes
 * "JPY"; a hand-made snapshot's "jpy" or " JPY" is the same currency (compare and the MCP history
 * table read them so too, or a customer's currency "changed" and its amounts read in hundredths).
 */
export const currencyCode = (currency: pl.Expr): pl.Expr =>
  currency.cast(pl.Utf8).str.strip().str.toUpperCase();

/**
 * The per-organization columns of the FX view: currency (upper case; null where the snapshot has
 * none), fx_rate_e (USD per unit at this snapshot's rates) and fx_rate_s (at the previous
 * snapshot's: null at the first); a rate is null without recorded rates or for a currency they
 * lack (several currencies, "EUR,USD", match none).
 */
export function fxColumns(
  columns: readonly string[],
  { own, previous }: { own?: FxRates; previous?: FxRates } = {},
): pl.Expr[] {
  const currency = columns.includes("currency")
    ? currencyCode(pl.col("currency"))
    : pl.lit(null).cast(pl.Utf8);
  return [
    currency.alias("currency"),
    rateIn(currency, own).alias("fx_rate_e"),
    rateIn(currency, previous).alias("fx_rate_s"),
  ];
}

/**
 * The columns perCustomer takes from the organization carrying a customer's revenue: its currency
 * and rates, and its MRR in that currency (bridge_currency.ts nativeMinorOf).
 */
export const FX_FIRST = ["currency", "fx_rate_s", "fx_rate_e", "native_minor"];

/** The current side's currency and rates (fxColumns'), as endAtStartRate reads them. */
export const FX_SIDE_E = [
  pl.col("currency").alias("cur_e"),
  pl.col("fx_rate_s").alias("rate_s"),
  pl.col("fx_rate_e").alias("rate_e"),
];

/** USD per unit of `currency` in `rates` (USD: 1); null without rates or for one they lack. */
function rateIn(currency: pl.Expr, rates: FxRates | undefined): pl.Expr {
  let rate: pl.Expr = pl.lit(null).cast(pl.Float64);
  if (!rates) return rate;
  for (const [code, value] of Object.entries({ ...rates, USD: 1 })) {
    rate = pl.when(currency.eq(pl.lit(code))).then(pl.lit(value)).otherwise(rate);
  }
  return rate.cast(pl.Float64);
}

/**
 * The end MRR valued at the start rate, e_fx (cents), from movementsOf's joined sides: s, e,
 * cur_s, cur_e (the customer's currency at each snapshot), rate_s and rate_e (USD per unit of
 * cur_e at the previous and this snapshot's rates). e where it cannot be told (see above).
 */
export function endAtStartRate(): pl.Expr {
  const e = pl.col("e"), rateS = pl.col("rate_s"), rateE = pl.col("rate_e");
  // a customer paying in both snapshots keeps its currency, or its change is at face value
  const sameCurrency = pl.col("s").eq(0).or(pl.col("cur_s").eq(pl.col("cur_e")));
  const valued = rateS.isNotNull().and(rateE.isNotNull()).and(sameCurrency).fillNull(false);
  return pl.when(valued)
    .then(e.cast(pl.Float64).mul(rateS).div(rateE).round(0))
    .otherwise(e.cast(pl.Float64))
    .cast(pl.Int64)
    .alias("e_fx");
}

/** fx_impact (signed cents) beside endAtStartRate's e_fx. */
export const fxImpactOf = (): pl.Expr => pl.col("e").sub(pl.col("e_fx")).alias(FX_IMPACT);

/**
 * Whether a snapshot's paying customers include one billed in a currency other than USD (from
 * rows with currency and cents): its FX drift cannot be told from movements where it or its
 * neighbour recorded no rates.
 */
export function billsOtherThanUsd(frame: pl.DataFrame): boolean {
  if (!frame.columns.includes("currency")) return false;
  const currency = pl.col("currency");
  return frame.filter(
    pl.col("cents").gt(0).and(currency.isNotNull()).and(currency.neq(pl.lit("USD")))
      .and(currency.neq(pl.lit(""))),
  ).height > 0;
}

/**
 * As-of keys of the months (snapshot idx ≥ 1) where FX drift cannot be told from movements: a
 * snapshot of the pair recorded no rates, and one of them bills a paying customer in a currency
 * other than USD (otherBilled, per snapshot).
 */
export function fxUnknownMonths(
  points: { fxRates?: FxRates; month: string }[],
  otherBilled: boolean[],
): string[] {
  return points.flatMap((point, idx) =>
    idx > 0 && (!point.fxRates || !points[idx - 1].fxRates) &&
      (otherBilled[idx] || otherBilled[idx - 1])
      ? [point.month]
      : []
  );
}

/** The report's sentence on fxUnknownMonths (empty when none). */
export function fxUnknownSentence(months: string[]): string[] {
  return months.length === 0 ? [] : [
    `FX drift cannot be told apart in the month${months.length === 1 ? "" : "s"} to as-of ${
      months.join(", ")
    }: a snapshot of the pair records no FX rates (written before they were recorded, or an import without its manifest) and a customer is billed in a currency other than USD, so a change of \`PRICING_FX_RATES\` between them reads as expansion or contraction (elsewhere it is \`fx_impact\`); if it was the same when both were written, nothing is misread.`,
  ];
}
