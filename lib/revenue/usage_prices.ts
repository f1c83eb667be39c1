/** Whether the prices usage lines name, which no subscription holds any more, are metered. */
import { isMissing, type Json, type StripeReader } from "./reader.ts";
import { linePriceId } from "./stripe_objects.ts";
import { isInvoiceItem, isProration } from "./usage_invoices.ts";

/**
 * The prices usage invoices' lines name that no subscription holds (a metered price swapped off:
 * its last cycle still billed it) and the line does not carry, prorations left out (Stripe
 * prorates licensed prices only): whether they are metered is read
 * from Stripe, one by one up to rules.lookupLimit, else every recurring price listed (active and
 * archived). A price Stripe no longer has is left out (its lines count as not metered).
 */
export async function lookUpUsagePrices(
  reader: StripeReader,
  { subscriptions, invoices }: { subscriptions: Json[]; invoices: Json[] },
): Promise<Json[]> {
  const { stripe, rules } = reader;
  // no usage invoice, no line to look up: the held prices are not gathered (×200k items)
  if (invoices.length === 0) return [];
  const held = new Set<string>();
  for (const s of subscriptions) {
    for (const item of s.items?.data ?? []) if (item.price?.id) held.add(String(item.price.id));
  }
  const unknown = new Set<string>();
  for (const invoice of invoices) {
    for (const line of invoice.lines?.data ?? []) {
      const carried = typeof line?.pricing?.price_details?.price === "object" || line?.price;
      const id = linePriceId(line);
      if (id && !carried && !held.has(id) && !isProration(line) && !isInvoiceItem(line)) {
        unknown.add(id);
      }
    }
  }
  if (unknown.size === 0) return [];
  if (unknown.size > rules.lookupLimit) {
    const listed = (await Promise.all([true, false].map((active) =>
      reader.listAll("usage_prices", (startingAfter) =>
        stripe.prices.list({
          active,
          type: "recurring",
          limit: 100,
          starting_after: startingAfter,
        }))
    ))).flat();
    return listed.filter((p) =>
      unknown.has(String(p.id))
    );
  }
  const found = await Promise.all([...unknown].map(async (id) => {
    try {
      return await reader.request("usage_prices", () => stripe.prices.retrieve(id));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }));
  return found.filter((p) => p !== null);
}
