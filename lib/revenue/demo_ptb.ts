/**
 * The demo's pass-through-billing charges, shaped as Stripe holds them (production-schema.md):
 * organizations with PTB cost in the window buy prepaid credits through Checkout (succeeded
 * PaymentIntents on the token-usage product, the Stripe fee on top; now and then a payment that
 * failed), or, about one in five, are billed postpaid by a `ptb_usage` invoice. Credits carry no
 * markup, so what they buy tracks the PTB cost — over a window of any length, not only 30 days.
 */
import { seededRandom } from "../core/random.ts";
import { checkoutFeeCents } from "./ptb.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** The demo's token-usage product (PRICING_STRIPE_PTB_PRODUCT of the demo account). */
export const DEMO_PTB_PRODUCT = "prod_demo_token_usage";

const DAY = 86_400;
/** credit pack sizes in cents */
const PACKS = [1000, 2500, 5000, 10_000, 50_000];

export interface DemoPtbOrg {
  customerId: string;
  /** PTB LLM cost of the window, USD */
  ptbCost30d: number;
}

/** PaymentIntents (credits) and postpaid invoices of the window, from a seed. */
export function demoPtbObjects(
  orgs: DemoPtbOrg[],
  options: { seed: number; asOf: Date; windowDays: number },
): { paymentIntents: Json[]; invoices: Json[] } {
  const random = seededRandom((options.seed ^ 0x97b) >>> 0);
  const T = Math.floor(options.asOf.getTime() / 1000);
  const span = Math.max(1, options.windowDays);
  const paymentIntents: Json[] = [];
  const invoices: Json[] = [];
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_demoptb${String(++counter).padStart(6, "0")}`;
  const createdInWindow = () => T - 1 - Math.floor(random() * (span * DAY - 1));

  for (const org of orgs) {
    const costCents = Math.round(org.ptbCost30d * 100);
    if (costCents <= 0) continue;
    if (random() < 0.2) {
      // postpaid: one usage invoice for the window's PTB spend, no markup
      invoices.push({
        id: nextId("in"),
        object: "invoice",
        customer: org.customerId,
        status: random() < 0.8 ? "paid" : "open",
        billing_reason: "manual",
        collection_method: "send_invoice",
        created: createdInWindow(),
        currency: "usd",
        metadata: { type: "ptb_usage" },
        subtotal: costCents,
        total_excluding_tax: costCents,
        total: costCents,
        parent: null,
        lines: { object: "list", has_more: false, url: "/v1/invoices/lines", data: [] },
      });
      continue;
    }
    // prepaid, judged on a month's spend (the window's × 30/N) so that what credits buy over the
    // window tracks its cost whatever its length: the smallest pack that covers about a third of a
    // month's spend, bought until covered (at most 12 a month); a window of N days buys N/30 of
    // that month's credits, in whole packs plus a top-up of the rest (none over 30 days)
    const monthCents = costCents * 30 / span;
    const pack = PACKS.find((p) => p * 3 >= monthCents) ?? PACKS[PACKS.length - 1];
    const monthPurchases = Math.min(12, Math.ceil(monthCents / pack));
    const windowCredits = Math.round(monthPurchases * pack * span / 30);
    const whole = Math.floor(windowCredits / pack);
    const amounts = Array<number>(whole).fill(pack);
    if (windowCredits > whole * pack) amounts.push(windowCredits - whole * pack);
    for (const credits of amounts) {
      const fee = checkoutFeeCents(credits);
      const failed = random() < 0.05;
      paymentIntents.push({
        id: nextId("pi"),
        object: "payment_intent",
        customer: org.customerId,
        amount: credits + fee,
        amount_received: failed ? 0 : credits + fee,
        currency: "usd",
        status: failed ? "requires_payment_method" : "succeeded",
        created: createdInWindow(),
        metadata: {
          productId: DEMO_PTB_PRODUCT,
          creditsAmountCents: String(credits),
          stripeFeeCents: String(fee),
          totalAmountCents: String(credits + fee),
        },
      });
    }
  }
  // Stripe lists newest first
  paymentIntents.sort((a, b) => b.created - a.created);
  return { paymentIntents, invoices };
}
