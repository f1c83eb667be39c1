/**
 * The history report's bridge per billing currency (bridge_currency.ts): a Markdown section with a
 * table per currency and the `…_by_currency.csv` table, amounts in each currency's own units (JPY
 * in yen, EUR to the cent). Both only when a customer is billed in a currency other than USD: a
 * USD-only history's report is what it was.
 */
import pl from "nodejs-polars";
import type { ColumnUnit } from "../frame/columns.ts";
import type { Sheet } from "../formats/xlsx.ts";
import { escapeMarkdown, markdownTable } from "../formats/markdown.ts";
import { currencyPrefix, formatMinorUnits, minorUnitsPerUnit } from "../revenue/currency.ts";
import { billsInOtherCurrencies, minorPerUnit, UNSPLIT } from "./bridge_currency.ts";
import { MOVEMENTS } from "./bridge_movements.ts";
import { periodOf, type SnapshotPeriod, withPeriodColumns } from "./periods.ts";
import { count, type Row } from "./report_cells.ts";

/** The parts of a history report (report.ts HistoryReport) the per-currency bridge is made of. */
export interface CurrencyFrames {
  /** the bridges, in their order (bridge_currency.ts currencyBridgeOf) */
  currencies: pl.DataFrame;
  periods: Map<string, SnapshotPeriod>;
  /** as-of keys of snapshots whose amounts are derived from USD (aggregate.ts nativeDerived) */
  nativeDerived: string[];
}

/** Whether the report shows the bridge per currency (a Markdown section, a CSV). */
export const showsCurrencies = (report: CurrencyFrames): boolean =>
  billsInOtherCurrencies(report.currencies);

/**
 * Minor units of `currency` as its amount at its own decimals, exactly, after its symbol (or code):
 * 1250010 EUR cents "€12,500.10", 15000 yen "¥15,000", 1500 CHF cents "CHF 15.00" (the unsplit
 * bridge's USD cents as dollars: "$150.00"), a loss "-€90.00" as the USD view writes "-$90.00".
 */
export function formatMinor(minor: number, currency: string): string {
  return formatMinorUnits(minor, currency === UNSPLIT ? "USD" : currency); // unsplit: USD cents
}

const AMOUNTS = ["start", ...MOVEMENTS, "end"];
const LOSSES = new Set(["contraction", "churn", "paused"]);

/**
 * Where the amounts come from: the snapshots' stored native amounts, and the snapshots (as-of
 * keys) written before those were stored whose amounts are derived from USD, named.
 */
function amountsSentence(derived: string[]): string {
  const stored =
    "a customer's MRR is the amount its snapshot stores in that currency's minor units (`mrr_recurring_minor`, summed from Stripe's amounts before any conversion: exact)";
  if (derived.length === 0) return stored;
  const one = derived.length === 1;
  return `${stored}; ${one ? "the snapshot" : "the snapshots"} as-of ${derived.join(", ")} ${
    one ? "stores" : "store"
  } none (written before the kit stored them, or imported), so there it is the USD MRR divided by the FX rate ${
    one ? "the snapshot" : "each"
  } recorded, to the currency's minor unit (the snapshot holds USD to the cent, so an amount can be a minor unit off, mostly where one is worth less than a cent, as a yen)`;
}

/**
 * The section (`heading`, its tables one level down): a sentence on what it is, then a table per
 * currency in the bridges' order (USD first, unsplit last: currencyRank); nothing when
 * showsCurrencies is false.
 */
export function currencyMarkdown(report: CurrencyFrames, heading = "##"): string[] {
  if (!showsCurrencies(report)) return [];
  const rows = report.currencies.toRecords() as Row[];
  const byCurrency = new Map<string, Row[]>();
  for (const row of rows) {
    const currency = row.currency as string;
    byCurrency.set(currency, [...(byCurrency.get(currency) ?? []), row]);
  }
  const currencies = [...byCurrency.keys()]; // (in the bridges' order: currencyBridgeOf)
  return [
    `${heading} MRR per currency`,
    "",
    `The bridge in each currency customers are billed in (revenue-rules.md rule 7), in that currency (amounts in its units, not USD): ${
      amountsSentence(report.nativeDerived)
    }. A customer's movement is decided across currencies, as in the USD bridge: one that changed currency while paying is *contraction* in the old currency and *expansion* in the new, never churn and new. No FX impact here: each table is in one currency, and start + movements = end in its minor units. The MRR history above is every customer in USD; here each customer counts in the currency it is billed in, so the USD table holds only the customers billed in USD, and the tables' ends add up to the company's only at each month's FX rates.`,
    ...currencies.flatMap((currency) => {
      const list = byCurrency.get(currency)!;
      return [
        "",
        currency === UNSPLIT
          ? `${heading}# Not split by currency (USD)`
          // (a snapshot's currency is text from a file when imported: data, escaped)
          : `${heading}# ${escapeMarkdown(currency)}${
            currency === "USD" ? " (billed in USD)" : ""
          }`,
        "",
        ...(currency === UNSPLIT
          ? [
            "Customers whose MRR cannot be put in one currency, in USD: billed in several currencies at once (the snapshot holds their sum in USD), or in a snapshot that records no rate for their currency (or names none).",
            "",
          ]
          : []),
        markdownTable(
          ["month", "as of", ...AMOUNTS, "paying at end"],
          list.map((r) => [
            periodOf(report.periods, r.month as string).label,
            r.month as string,
            ...AMOUNTS.map((m) => {
              const minor = r[`${m}_minor`] as number;
              return formatMinor(LOSSES.has(m) ? -minor : minor, currency); // a loss: "-€90.00"
            }),
            count(r.end_customers),
          ]),
        ),
      ];
    }),
    "",
  ];
}

/**
 * The `…_by_currency.csv` table: per currency and month, its bridge in the currency's units
 * (`currency` says which; the unsplit bridge's are USD), then the customers per movement.
 */
export function currencyTable(report: CurrencyFrames): pl.DataFrame {
  const amount = (m: string) =>
    pl.col(`${m}_minor`).cast(pl.Float64).div(
      pl.when(pl.col("currency").eq(pl.lit(UNSPLIT))).then(pl.lit(100)).otherwise(
        minorPerUnit(pl.col("currency")),
      ),
    ).round(3).alias(`${m}_mrr`);
  return withPeriodColumns(report.currencies, report.periods).select(
    "month",
    "as_of",
    "month_to_date",
    "months_covered",
    "currency",
    ...AMOUNTS.map(amount),
    ...AMOUNTS.map((m) => `${m}_customers`),
  );
}

/** The workbook's sheet of currencyTable (an export's, beside `history`), or null when not shown. */
export function currencySheet(report: CurrencyFrames): Sheet | null {
  if (!showsCurrencies(report)) return null;
  const frame = currencyTable(report);
  const units: Record<string, ColumnUnit> = { months_covered: "count" };
  for (const name of frame.columns) if (name.endsWith("_customers")) units[name] = "count";
  const currencies = frame.getColumn("currency").toArray() as string[];
  return {
    name: "history_by_currency",
    frame,
    about:
      "The MRR bridge per billing currency (rule 7), a row per currency and month: the `…_mrr` columns in the row's `currency` (formatted with its symbol: € for EUR, whole yen for JPY; the `(unsplit)` bridge's in USD), the `…_customers` columns the customers per movement.",
    units,
    // month, as_of, month_to_date, months_covered, currency: on every printed page
    printTitleColumns: frame.columns.indexOf("currency") + 1,
    // a column holds several currencies: each row's amounts take its currency's format
    rowFormats: {
      columns: frame.columns.filter((name) => name.endsWith("_mrr")),
      formatOf: (row) => currencyNumberFormat(currencies[row]),
    },
  };
}

/**
 * A spreadsheet number format for amounts of `currency` at its own decimals, after its symbol or
 * code (formatMinor's): `"€"#,##0.00`, `"¥"#,##0`, `"CHF "#,##0.00`; the unsplit bridge's USD.
 */
export function currencyNumberFormat(currency: string): string {
  const code = currency === UNSPLIT ? "USD" : currency;
  const digits = Math.round(Math.log10(minorUnitsPerUnit(code)));
  // a code of three letters only: a snapshot's other text is data, kept out of the format (a `"`
  // ends its literal, letting the rest add sections; Excel caps a format at 255 characters), and
  // the row's currency cell names it
  const prefix = /^[A-Za-z]{3}$/.test(code) ? `"${currencyPrefix(code)}"` : "";
  return `${prefix}#,##0${digits > 0 ? `.${"0".repeat(digits)}` : ""}`;
}
