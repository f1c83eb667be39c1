/**
 * run_scenario's answer about the proposal against the served export's price book
 * (lib/analysis/scenario/price_book_baseline.ts): its figures for the structured answer and its
 * lines for the text.
 */
import type { PriceBookBaseline } from "../analysis/scenario/mod.ts";
import { textNumber } from "./text.ts";

/** The baseline's figures without its frame (the table travels cut to the answer's room). */
export function baselineFacts(baseline: PriceBookBaseline): Record<string, unknown> {
  const { biggest_increases: _frame, ...facts } = baseline;
  return facts;
}

/** What the proposal's own prices change: the delta against the price book, then its movers. */
export function baselineLines(b: PriceBookBaseline, moversText: string): string[] {
  const n = textNumber;
  return [
    `against the price book ${
      JSON.stringify(b.price_book)
    } (list prices, pricing://price-book) on the ` +
    `same ${b.organizations} organizations: the book prices them at ${
      n(b.price_book_mrr)
    } USD/month, ${n(b.price_book_vs_current_usd)} from current MRR (discounts, term billing, ` +
    `exchange rates, prices it does not list: not this scenario); this scenario at ${
      n(b.proposed_mrr)
    }: its ` +
    `prices change MRR by ${n(b.delta_vs_price_book_usd)} USD/month${
      b.change_vs_price_book_pct === null ? "" : ` (${n(b.change_vs_price_book_pct)} %)`
    } from the book's; pays more than under the book ${b.pays_more_than_price_book}, less ${b.pays_less_than_price_book}`,
    "biggest increases against the price book (what this scenario's prices raise):",
    moversText,
  ];
}
