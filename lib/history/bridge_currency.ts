/**
 * One bridge per billing currency (revenue-rules.md rule 7: "one bridge per currency, status per
 * customer across currencies (a switch = contraction in the old, expansion in the new)"), beside
 * the converted USD view (bridge.ts, bridge_fx.ts).
 *
 * A snapshot stores each organization's MRR in USD and, since stop 51, in its billing currency's
 * minor units as the revenue stage summed them (`mrr_recurring_minor`, lib/revenue/columns.ts
 * withRecurringMinor: exact integers, no conversion). A customer billed in one currency other
 * than USD has that amount; in a snapshot written before (or an import, which has none) it is
 * derived as USD ÷ the rate its sidecar records (`fx_rates`), rounded to the currency's minor unit
 * (lib/revenue/currency.ts: yen for JPY, never ÷ 100): exact when a minor unit is worth a US cent
 * or more (EUR, GBP, CHF…) and the USD figure is one conversion rounded to the cent, else within
 * about a minor unit (a yen is worth less than a cent; a live export rounds a customer's base and
 * add-ons to the cent apart), and the report names those snapshots (derivesNativeAmounts). A
 * customer billed in USD is its cents (the USD view's). The others cannot be split, and are the
 * UNSPLIT bridge, in USD cents: several currencies at once (the snapshot holds their sum in USD),
 * a currency without a stored amount nor a recorded rate (older snapshots, imports without a
 * manifest) or none.
 *
 * A customer's status is the company bridge's, decided across currencies (s and e are its whole
 * MRR): starting (s = 0 < e), its end in each currency is new, reactivation or resumed; stopping,
 * its start in each currency is churn or paused; paying both times, each currency's e − s is
 * expansion or contraction. So a switch from EUR to USD is contraction in EUR and expansion in
 * USD, never churn + new, and the customer is no new customer anywhere. No FX impact: each bridge
 * is in its own currency, so start + movements = end in its minor units (bridge_check.ts).
 */
import pl from "nodejs-polars";
import { OTHER_MINOR_UNITS } from "../revenue/currency.ts";
import { lazyOf, STREAMING } from "./lazy.ts";
import { MOVEMENTS } from "./bridge_movements.ts";

/** The bridge of the customers whose MRR cannot be split by currency (USD cents). */
export const UNSPLIT = "(unsplit)";

/** Columns of the per-currency bridge frame, in order (amounts in the currency's minor units). */
export const CURRENCY_BRIDGE_COLUMNS = [
  "idx",
  "month",
  "currency",
  ...["start", ...MOVEMENTS, "end"].map((m) => `${m}_minor`),
  ...["start", ...MOVEMENTS, "end"].map((m) => `${m}_customers`),
];

/** Minor units per unit of the currency `code` (upper case) names: 100 unless Stripe says else. */
export function minorPerUnit(code: pl.Expr): pl.Expr {
  let units: pl.Expr = pl.lit(100);
  for (const [lower, value] of OTHER_MINOR_UNITS) {
    units = pl.when(code.eq(pl.lit(lower.toUpperCase()))).then(pl.lit(value)).otherwise(units);
  }
  return units.cast(pl.Float64);
}

/** The snapshot column of each organization's MRR in its billing currency (snapshot only). */
const STORED_MINOR = "mrr_recurring_minor";

/**
 * An organization's MRR in its billing currency's minor units as its snapshot stores it
 * (`native_minor`): null where it stores none (a snapshot written before the column, an import).
 */
export function nativeMinorOf(columns: readonly string[]): pl.Expr {
  return (columns.includes(STORED_MINOR) ? pl.col(STORED_MINOR) : pl.lit(null))
    .cast(pl.Int64).alias("native_minor");
}

/** One currency other than USD: a per-customer row whose amount a bridge of its own can hold. */
const oneOtherCurrency = (currency: pl.Expr) =>
  currency.isNotNull().and(currency.neq(pl.lit(""))).and(currency.neq(pl.lit("USD")))
    .and(currency.str.contains(",").not());

/** Split by its stored amount (exact), or else by its rate (derived), or not at all. */
function splitOf(): { stored: pl.Expr; derived: pl.Expr } {
  const currency = pl.col("currency"), rate = pl.col("fx_rate_e");
  const one = oneOtherCurrency(currency);
  const stored = one.and(pl.col("native_minor").isNotNull()).fillNull(false);
  const derived = stored.not().and(one).and(rate.isNotNull()).and(rate.gt(0)).fillNull(false);
  return { stored, derived };
}

/**
 * A customer's bridge currency (`billed`) and its MRR in that currency's minor units (`minor`),
 * from per-customer rows with currency (upper case: bridge_fx.ts fxColumns), cents (USD),
 * fx_rate_e (USD per unit at its own snapshot's rates) and native_minor (nativeMinorOf): the
 * stored amount where there is one, else USD ÷ the rate.
 */
export function billedColumns(): [pl.Expr, pl.Expr] {
  const currency = pl.col("currency"), rate = pl.col("fx_rate_e"), cents = pl.col("cents");
  const usd = currency.eq(pl.lit("USD")).fillNull(false);
  const { stored, derived } = splitOf();
  const billed = pl.when(usd).then(pl.lit("USD")).when(stored.or(derived)).then(currency)
    .otherwise(pl.lit(UNSPLIT)).cast(pl.Utf8).alias("billed");
  const minor = pl.when(stored).then(pl.col("native_minor").cast(pl.Float64))
    .when(derived).then(
      cents.cast(pl.Float64).mul(minorPerUnit(currency)).div(rate.mul(100)).round(0),
    )
    .otherwise(cents.cast(pl.Float64))
    .cast(pl.Int64).alias("minor");
  return [billed, minor];
}

/**
 * Whether a snapshot's per-customer rows (payingOrPaused: cents, currency, fx_rate_e,
 * native_minor) have a paying customer billed in another currency than USD whose amount is
 * derived from USD (no stored amount: a snapshot written before they were stored, an import).
 */
export function derivesNativeAmounts(frame: pl.DataFrame): boolean {
  return frame.filter(pl.col("cents").gt(0).and(splitOf().derived)).height > 0;
}

/** The columns each side of the customer movements carries for this bridge (`_s` or `_e`). */
export const billedSide = (side: "s" | "e"): pl.Expr[] => [
  pl.col("billed").alias(`billed_${side}`),
  pl.col("minor").alias(`minor_${side}`),
];

/** The customer movements' columns currencyMovementSums reads. */
export const CURRENCY_INPUTS = ["billed_s", "minor_s", "billed_e", "minor_e"];

const when = (condition: pl.Expr, value: pl.Expr) =>
  pl.when(condition).then(value).otherwise(pl.lit(0)).cast(pl.Int64);

/**
 * Per (idx, month, currency) of customer movements (bridge.ts movementsOf or withMovements: idx,
 * month, s, e, open_s, paused_e, first_paid and CURRENCY_INPUTS): start, the movements and end in
 * the currency's minor units, and the customers paying at the start and the end and moved by each.
 * A customer paying in one currency at both snapshots is one row; one that changed currency, two
 * (its start in the old, its end in the new).
 */
export function currencyMovementSums(movements: pl.DataFrame | pl.LazyDataFrame): pl.DataFrame {
  const moves = lazyOf(movements);
  const same = pl.col("billed_s").eq(pl.col("billed_e")).fillNull(false);
  const status = ["idx", "month", "s", "e", "open_s", "paused_e", "first_paid"];
  const oldSide = moves.filter(pl.col("s").gt(0)).select(
    ...status,
    pl.col("billed_s").alias("currency"),
    pl.col("minor_s").alias("s_c"),
    when(same, pl.col("minor_e")).alias("e_c"),
  );
  const newSide = moves.filter(pl.col("e").gt(0).and(pl.col("s").gt(0).and(same).not())).select(
    ...status,
    pl.col("billed_e").alias("currency"),
    pl.lit(0).cast(pl.Int64).alias("s_c"),
    pl.col("minor_e").cast(pl.Int64).alias("e_c"),
  );
  const s = pl.col("s"), e = pl.col("e"), sc = pl.col("s_c"), ec = pl.col("e_c");
  const starts = s.eq(0).and(e.gt(0)), stops = s.gt(0).and(e.eq(0)), both = s.gt(0).and(e.gt(0));
  const open = pl.col("open_s"), paused = pl.col("paused_e");
  const first = starts.and(open.not());
  const rows = pl.concat([oldSide, newSide], { how: "vertical" }).withColumns(
    when(first.and(pl.col("first_paid").eq(pl.col("idx"))), ec).alias("new"),
    when(both.and(ec.gt(sc)), ec.sub(sc)).alias("expansion"),
    when(both.and(ec.lt(sc)), sc.sub(ec)).alias("contraction"),
    when(stops.and(paused.not()), sc).alias("churn"),
    when(first.and(pl.col("first_paid").lt(pl.col("idx"))), ec).alias("reactivation"),
    when(stops.and(paused), sc).alias("paused"),
    when(starts.and(open), ec).alias("resumed"),
  ).rename({ s_c: "start", e_c: "end" });
  const names = ["start", ...MOVEMENTS, "end"];
  return rows.groupBy(["idx", "month", "currency"]).agg(
    ...names.map((m) => pl.col(m).sum().cast(pl.Int64).alias(`${m}_minor`)),
    ...names.map((m) =>
      pl.col(m).gt(0).cast(pl.Int64).sum().cast(pl.Int64).alias(`${m}_customers`)
    ),
  ).select(...CURRENCY_BRIDGE_COLUMNS).collectSync(STREAMING);
}

/**
 * The order of the bridges per currency, the one rule the report's tables, the CSV and the sheet
 * follow: USD first, then the others by code, the unsplit bridge last (a rank to sort by).
 */
export function currencyRank(currency: pl.Expr): pl.Expr {
  return pl.when(currency.eq(pl.lit("USD"))).then(pl.lit(0))
    .when(currency.eq(pl.lit(UNSPLIT))).then(pl.lit(2))
    .otherwise(pl.lit(1)).cast(pl.Int32);
}

/**
 * The per-currency bridge of every pair (currencyMovementSums' frames), by currency (currencyRank,
 * then code) then month.
 */
export function currencyBridgeOf(sums: pl.DataFrame[]): pl.DataFrame {
  return pl.concat(sums, { how: "vertical" })
    .withColumns(currencyRank(pl.col("currency")).alias("_rank"))
    .sort(["_rank", "currency", "idx"]).drop("_rank");
}

/**
 * Whether the per-currency bridges tell more than the USD view: a customer is billed in a
 * currency other than USD (not UNSPLIT) in some month. A USD-only history shows none of them.
 */
export function billsInOtherCurrencies(currencies: pl.DataFrame): boolean {
  return currencies.filter(
    pl.col("currency").neq(pl.lit("USD")).and(pl.col("currency").neq(pl.lit(UNSPLIT)))
      .and(pl.col("start_minor").gt(0).or(pl.col("end_minor").gt(0))),
  ).height > 0;
}
