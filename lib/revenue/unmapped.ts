/**
 * Stripe customers no organization maps to (no organization's stripe_customer_id names them): the
 * export has no row for them, so their revenue is in Stripe's dashboard MRR and not in the
 * export's totals. Counted, never named (an analyst reconciling the two needs the gap, not who).
 */
import type { CustomerRevenue, UnmappedCustomers } from "./types.ts";
import { roundToCents } from "./currency.ts";

/**
 * The unmapped customers' sums; null when none has MRR above 0 or unknown (then nothing is said,
 * and outputs stay as they were).
 */
export function unmappedCustomersOf(revenues: Iterable<CustomerRevenue>): UnmappedCustomers | null {
  let customers = 0;
  let mrr = 0;
  let recurring = 0;
  let unknown = 0;
  for (const revenue of revenues) {
    if (revenue.mrr === null) {
      unknown++; // something counted in a currency without a rate (or a price's missing option)
      continue;
    }
    if (revenue.mrr <= 0) continue;
    customers++;
    mrr += revenue.mrr;
    recurring += revenue.mrrRecurring ?? 0;
  }
  if (customers === 0 && unknown === 0) return null;
  return {
    customers,
    mrrUsd: roundToCents(mrr),
    mrrRecurringUsd: roundToCents(recurring),
    unknownMrrCustomers: unknown,
  };
}

/** "$1,234.50" */
export function usdText(amount: number): string {
  return `$${
    amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
  }`;
}

/** The run's warning: how many, how much, and that the export's totals leave it out. */
export function unmappedCustomersWarning(unmapped: UnmappedCustomers): string {
  const { customers, unknownMrrCustomers: unknown } = unmapped;
  const [are, them] = customers === 1 ? ["is", "it"] : ["are", "them"];
  const paying = customers === 0
    ? ""
    : `${customers.toLocaleString("en-US")} Stripe customer${
      customers === 1 ? "" : "s"
    } with MRR above $0 at the as-of ${are} in no organization's stripe_customer_id, so not in the export: ${
      usdText(unmapped.mrrUsd)
    } a month of mrr (${
      usdText(unmapped.mrrRecurringUsd)
    } of mrr_recurring) that Stripe's dashboard counts and the export's totals leave out (map ${them} to an organization to include ${them})`;
  const unknownPart = unknown === 0
    ? ""
    : `${unknown.toLocaleString("en-US")} Stripe customer${
      unknown === 1 ? "" : "s"
    } in no organization's stripe_customer_id ${
      unknown === 1 ? "has" : "have"
    } MRR in a currency without a rate to USD (set PRICING_FX_RATES), not counted in that sum either`;
  return [paying, unknownPart].filter((part) => part).join("; ");
}

/**
 * The admin page's and the workbook's sentence (plain text; the brief's, with Markdown, is
 * lib/report/brief_currency.ts's): how many, how much, that Stripe's dashboard counts it.
 */
export function unmappedCustomersSentence(unmapped: UnmappedCustomers): string {
  const { customers, unknownMrrCustomers: unknown } = unmapped;
  const paying = customers === 0
    ? ""
    : `${customers.toLocaleString("en-US")} Stripe customer${
      customers === 1 ? "" : "s"
    } that no organization's stripe_customer_id names had MRR above $0 at the as-of: ${
      usdText(unmapped.mrrUsd)
    } a month of mrr (${
      usdText(unmapped.mrrRecurringUsd)
    } of mrr_recurring), which Stripe's dashboard MRR includes and no organization's row holds.`;
  const unknownPart = unknown === 0
    ? ""
    : `${unknown.toLocaleString("en-US")} ${customers === 0 ? "" : "more "}such customer${
      unknown === 1 ? " has" : "s have"
    } MRR in a currency without a rate to USD (PRICING_FX_RATES), in no sum.`;
  return [paying, unknownPart].filter((part) => part).join(" ");
}
