/**
 * Stripe customers no organization maps to (no organization's stripe_customer_id names them): the
 * export has no row for them, so their revenue is in Stripe's dashboard MRR and not in the
 * export's totals. Counted, never named (an analyst reconciling the two needs the gap, not who).
 */
import type { CustomerRevenue, UnmappedCustomers } from "./types.ts";
import { formatUsd } from "../core/usd.ts";
import { roundToCents } from "./currency.ts";
import { someUnmapped } from "./unmapped_record.ts";

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

/** Who reads the unmapped customers' sentence: each writes names and closes it its own way. */
export type UnmappedReader =
  /** the admin page and the workbook's summary row: plain text */
  | "page"
  /** the brief, under its Totals: Markdown, names as code spans */
  | "brief"
  /** the run's warning: plain text, with what to do about it */
  | "warning";

interface Wording {
  /** a column or setting name as this reader writes it */
  name: (text: string) => string;
  /** what follows "which Stripe's dashboard MRR includes" (`them`: "it" for one customer) */
  closing: (them: string) => string;
  /** before the FX setting's name: what to do with it, if this reader is told */
  fxAction: string;
}

const WORDINGS: Record<UnmappedReader, Wording> = {
  page: { name: (text) => text, closing: () => " and no organization's row holds", fxAction: "" },
  brief: {
    name: (text) => `\`${text}\``,
    closing: () => "; add it when reconciling the two",
    fxAction: "",
  },
  warning: {
    name: (text) => text,
    closing: (them) =>
      ` and the export's totals leave out (map ${them} to an organization to include ${them})`,
    fxAction: "set ",
  },
};

/**
 * The one sentence on the unmapped customers, for every reader (the admin page, the workbook, the
 * brief, the run's warning): how many, how much, that Stripe's dashboard counts it and no row
 * holds it, and how many more have MRR in a currency without a rate.
 */
export function unmappedCustomersSentence(
  unmapped: UnmappedCustomers,
  reader: UnmappedReader = "page",
): string {
  const { name, closing, fxAction } = WORDINGS[reader];
  const { customers, unknownMrrCustomers: unknown } = unmapped;
  const unnamed = `no organization's ${name("stripe_customer_id")} names`;
  const stripeCustomers = (count: number) =>
    `${count.toLocaleString("en-US")} Stripe customer${count === 1 ? "" : "s"}`;
  const paying = customers === 0
    ? ""
    : `${stripeCustomers(customers)} that ${unnamed} had MRR above $0 at the as-of: ${
      formatUsd(unmapped.mrrUsd)
    } a month of ${name("mrr")} (${formatUsd(unmapped.mrrRecurringUsd)} of ${
      name("mrr_recurring")
    }), which Stripe's dashboard MRR includes${closing(customers === 1 ? "it" : "them")}.`;
  // "such" refers back to the paying ones; alone, the customers are said in full
  const unknownPart = unknown === 0
    ? ""
    : `${
      customers === 0
        ? `${stripeCustomers(unknown)} that ${unnamed}`
        : `${unknown.toLocaleString("en-US")} more such customer${unknown === 1 ? "" : "s"}`
    } ${unknown === 1 ? "has" : "have"} MRR in a currency without a rate to USD (${fxAction}${
      name("PRICING_FX_RATES")
    }), in no sum.`;
  return [paying, unknownPart].filter((part) => part).join(" ");
}

/** The run's warning: the sentence, with what to do about it. */
export function unmappedCustomersWarning(unmapped: UnmappedCustomers): string {
  return unmappedCustomersSentence(unmapped, "warning");
}

/**
 * `warnings` without the run's warning on the unmapped customers, for a reader that shows their
 * line apart (the admin page under its cards, the workbook's KPI row, the questions notebook): said
 * once. Unchanged when there are none.
 */
export function withoutUnmappedWarning(
  warnings: string[],
  unmapped: UnmappedCustomers | null | undefined,
): string[] {
  if (!someUnmapped(unmapped)) return warnings;
  const again = unmappedCustomersWarning(unmapped!);
  return warnings.filter((warning) => warning !== again);
}
