/**
 * The demo's pass-through-billing charges, shaped as Stripe holds them (production-schema.md):
 * organizations with PTB cost in the window buy prepaid credits through Checkout (succeeded
 * PaymentIntents on the token-usage product, the Stripe fee on top; now and then a payment that
 * failed), or, about one in five, are billed postpaid by a `ptb_usage` invoice. Credits carry no
 * markup, so what they buy tracks the PTB cost.
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
    // prepaid: the smallest pack that covers about a third of the spend, bought until covered
    const pack = PACKS.find((p) => p * 3 >= costCents) ?? PACKS[PACKS.length - 1];
    const purchases = Math.min(12, Math.ceil(costCents / pack));
    for (let i = 0; i < purchases; i++) {
      const fee = checkoutFeeCents(pack);
      const failed = random() < 0.05;
      paymentIntents.push({
        id: nextId("pi"),
        object: "payment_intent",
        customer: org.customerId,
        amount: pack + fee,
        amount_received: failed ? 0 : pack + fee,
        currency: "usd",
        status: failed ? "requires_payment_method" : "succeeded",
        created: createdInWindow(),
        metadata: {
          productId: DEMO_PTB_PRODUCT,
          creditsAmountCents: String(pack),
          stripeFeeCents: String(fee),
          totalAmountCents: String(pack + fee),
        },
      });
    }
  }
  // Stripe lists newest first
  paymentIntents.sort((a, b) => b.created - a.created);
  return { paymentIntents, invoices };
}
