/**
 * The brief's lines reconciling its MRR with Stripe's: revenue converted to USD (which currencies,
 * at which rates, and how much of the MRR they are: the rates were in the manifest only, which is
 * not uploaded with the brief, so a reader saw "Money is USD" and could not tell that a sixth of
 * the MRR moves with EUR), and the MRR of Stripe customers no organization maps to.
 */
import pl from "nodejs-polars";
import { escapeMarkdown } from "../formats/markdown.ts";
import { formatCount, formatPct, formatUsd } from "./numbers.ts";
import type { UnmappedCustomers } from "../revenue/types.ts";
import { unmappedCustomersSentence } from "../revenue/unmapped.ts";

/** The Scope's line on converted revenue; none when every known MRR was billed in USD. */
export function convertedRevenueLines(
  frame: pl.DataFrame,
  fxRates: Record<string, number> | undefined,
): string[] {
  if (!frame.columns.includes("currency") || !frame.columns.includes("mrr")) return [];
  const mrr = pl.col("mrr").cast(pl.Float64);
  const converted = pl.col("currency").isNotNull().and(pl.col("currency").neq(pl.lit("USD")))
    .and(mrr.isNotNull());
  const byCurrency = frame.filter(converted).groupBy("currency")
    .agg(pl.len().alias("organizations"), mrr.sum().alias("mrr"))
    .sort("currency")
    .toRecords() as { currency: string; organizations: number; mrr: number }[];
  if (byCurrency.length === 0) return [];
  const total = Number(frame.select(mrr.sum().alias("t")).getColumn("t").get(0) ?? 0);
  const convertedMrr = byCurrency.reduce((sum, c) => sum + c.mrr, 0);
  // a customer billed in two currencies reads "EUR, USD": each code's rate
  const rateOf = (codes: string) =>
    codes.split(/[,\s]+/).filter((code) => code !== "" && code !== "USD").map((code) => {
      const rate = fxRates?.[code];
      return `${code} at ${rate === undefined ? "a rate not recorded" : `${rate} USD`}`;
    }).join(" and ");
  const parts = byCurrency.map((c) =>
    // the currency is Stripe's text: escaped as data
    `${escapeMarkdown(rateOf(c.currency))}: ${formatCount(c.organizations)} organization${
      c.organizations === 1 ? "" : "s"
    }, ${formatUsd(c.mrr)} of \`mrr\``
  );
  const share = total > 0 ? `, ${formatPct(convertedMrr / total * 100)} of the MRR total` : "";
  const sum = byCurrency.length === 1 ? share : `; together ${formatUsd(convertedMrr)}${share}`;
  return [
    `- Converted to USD at the run's rates (USD per unit of the currency; \`PRICING_FX_RATES\`, recorded in the manifest as \`revenue.fx_rates\`), per the \`currency\` column: ${
      parts.join("; ")
    }${sum}. Their USD value moves with the exchange rate even where the customer's price does not change.`,
  ];
}

/**
 * Under Totals: the MRR of the account's customers that no organization maps to (no row, so not
 * in the totals, though Stripe's dashboard counts it); none when there are none.
 */
export function unmappedCustomersLines(unmapped: UnmappedCustomers | undefined): string[] {
  if (!unmapped) return [];
  return [`Not in these totals: ${unmappedCustomersSentence(unmapped, "brief")}`, ""];
}
