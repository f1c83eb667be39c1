/**
 * Whether a cache file's snapshot has the shape the revenue rules read: every field of the trimmed
 * objects (stripe_objects.ts, ptb.ts) of its type, amounts finite numbers, decimal amounts text
 * that reads as a number. A file that parses but lost a field (a hand edit, a disk error, a bug of
 * another version) failed the revenue stage deep in the calculator, blamed on Stripe, every export
 * of the day; a decimal that is no number made NaN money. Checked once per read, each value once
 * (each distinct price once in the current shape), no copy: linear in the file and light beside
 * parsing it (the revenue worker reads ~45 MB at a million organizations).
 */

/** What is wrong with a value, written after its path (" is not text", ".id is missing"); null when nothing. */
type Check = (value: unknown) => string | null;

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const NOT_AN_OBJECT = " is not an object";

const is = (test: (value: unknown) => boolean, expected: string): Check => (value) =>
  test(value) ? null : ` is not ${expected}`;
const orNull = (check: Check): Check => (value) => value === null ? null : check(value);
const optional = (check: Check): Check => (value) => value === undefined ? null : check(value);

const text = is((value) => typeof value === "string", "text");
const boolean = is((value) => typeof value === "boolean", "true or false");
const number = is((value) => typeof value === "number" && Number.isFinite(value), "a number");
const numberOrNull = orNull(number);
const oneOf = (...values: string[]) =>
  is((value) => values.includes(value as string), values.join(" or "));
/** as mrr.ts reads a decimal amount: Number(text) */
const decimal = is(
  (value) => typeof value === "string" && Number.isFinite(Number(value)),
  "a decimal amount",
);

function listOf(check: Check): Check {
  return (value) => {
    if (!Array.isArray(value)) return " is not a list";
    for (let i = 0; i < value.length; i++) {
      const problem = check(value[i]);
      if (problem !== null) return `[${i}]${problem}`;
    }
    return null;
  };
}

function recordOf(check: Check): Check {
  return (value) => {
    if (!isObject(value)) return NOT_AN_OBJECT;
    for (const key in value) {
      const problem = check(value[key]);
      if (problem !== null) return `[${JSON.stringify(key.slice(0, 40))}]${problem}`;
    }
    return null;
  };
}

/** The problem of an object's field `name` holding `value`, written after the object's path. */
const at = (name: string, value: unknown, problem: string | null): string | null =>
  problem === null ? null : value === undefined ? `.${name} is missing` : `.${name}${problem}`;

function shape(fields: Record<string, Check>): Check {
  const entries = Object.entries(fields);
  return (value) => {
    if (!isObject(value)) return NOT_AN_OBJECT;
    for (const [name, check] of entries) {
      const problem = at(name, value[name], check(value[name]));
      if (problem !== null) return problem;
    }
    return null;
  };
}

const coupon = shape({
  id: text,
  percent_off: numberOrNull,
  amount_off: numberOrNull,
  currency: orNull(text),
  duration: oneOf("forever", "once", "repeating"),
  applies_to_products: orNull(listOf(text)),
  amount_off_by_currency: orNull(recordOf(number)),
});

// What there is one of per subscription or more (×200k at a million organizations) is checked
// field by field here, not through shape(): reading a property by a name written in the code is
// several times faster than by one in a variable (at 200k subscriptions ~15 ms against ~55 ms).
const discount: Check = (value) =>
  !isObject(value) ? NOT_AN_OBJECT : at("id", value.id, text(value.id)) ??
    at("coupon", value.coupon, coupon(value.coupon)) ??
    at("start", value.start, numberOrNull(value.start)) ??
    at("end", value.end, numberOrNull(value.end));
const discounts = listOf(discount);

const tiers = orNull(listOf(shape({
  up_to: numberOrNull,
  unit_amount_decimal: orNull(decimal),
  flat_amount_decimal: orNull(decimal),
})));

const price = shape({
  id: text,
  product: text,
  currency: text,
  nickname: orNull(text),
  billing_scheme: oneOf("per_unit", "tiered"),
  tiers_mode: orNull(oneOf("graduated", "volume")),
  tiers,
  unit_amount_decimal: orNull(decimal),
  transform_quantity: orNull(shape({ divide_by: number, round: oneOf("up", "down") })),
  recurring: orNull(shape({
    interval: oneOf("day", "week", "month", "year"),
    interval_count: number,
    usage_type: oneOf("licensed", "metered"),
  })),
  currency_options: orNull(
    recordOf(shape({ unit_amount_decimal: orNull(decimal), tiers })),
  ),
});

/** A subscription whose items' prices pass `itemPrice` (a price, or an index into the file's). */
function subscription(itemPrice: Check): Check {
  const items = listOf((item) =>
    !isObject(item) ? NOT_AN_OBJECT : at("id", item.id, text(item.id)) ??
      at("quantity", item.quantity, numberOrNull(item.quantity)) ??
      at("price", item.price, itemPrice(item.price)) ??
      at("discounts", item.discounts, discounts(item.discounts)) ??
      at("trial_start", item.trial_start, numberOrNull(item.trial_start)) ??
      at("trial_end", item.trial_end, numberOrNull(item.trial_end)) ??
      (item.inclusive_tax_percent === undefined ? null : at(
        "inclusive_tax_percent",
        item.inclusive_tax_percent,
        numberOrNull(item.inclusive_tax_percent),
      ))
  );
  return (value) =>
    !isObject(value) ? NOT_AN_OBJECT : at("id", value.id, text(value.id)) ??
      at("customer", value.customer, text(value.customer)) ??
      at("status", value.status, text(value.status)) ??
      at("currency", value.currency, text(value.currency)) ??
      at(
        "cancel_at_period_end",
        value.cancel_at_period_end,
        boolean(value.cancel_at_period_end),
      ) ??
      at("cancel_at", value.cancel_at, numberOrNull(value.cancel_at)) ??
      at("start_date", value.start_date, numberOrNull(value.start_date)) ??
      at("created", value.created, numberOrNull(value.created)) ??
      at("trial_start", value.trial_start, numberOrNull(value.trial_start)) ??
      at("trial_end", value.trial_end, numberOrNull(value.trial_end)) ??
      at(
        "billing_cycle_anchor",
        value.billing_cycle_anchor,
        numberOrNull(value.billing_cycle_anchor),
      ) ??
      at(
        "billing_cycle_anchor_day",
        value.billing_cycle_anchor_day,
        optional(number)(value.billing_cycle_anchor_day),
      ) ??
      at(
        "trial_end_without_payment_method",
        value.trial_end_without_payment_method,
        optional(oneOf("cancel", "pause"))(value.trial_end_without_payment_method),
      ) ??
      at("canceled_at", value.canceled_at, numberOrNull(value.canceled_at)) ??
      at("ended_at", value.ended_at, numberOrNull(value.ended_at)) ??
      at("discounts", value.discounts, discounts(value.discounts)) ??
      at("items", value.items, items(value.items));
}

const discountAmounts = listOf(shape({ discount: text, amount: number }));
const usagePeriod = optional(shape({
  end: number,
  start: optional(number),
  interval: oneOf("day", "week", "month", "year"),
  interval_count: number,
}));
const usageLine: Check = (line) =>
  !isObject(line) ? NOT_AN_OBJECT : at("customer", line.customer, text(line.customer)) ??
    at("subscription", line.subscription, text(line.subscription)) ??
    at("price_id", line.price_id, text(line.price_id)) ??
    at("amount", line.amount, number(line.amount)) ??
    at("inclusive_tax", line.inclusive_tax, number(line.inclusive_tax)) ??
    at("discount_amounts", line.discount_amounts, discountAmounts(line.discount_amounts)) ??
    at("currency", line.currency, text(line.currency)) ??
    at("months", line.months, number(line.months)) ??
    at("period", line.period, usagePeriod(line.period));

const snapshotFields = {
  customerDiscounts: recordOf(discounts),
  products: listOf(shape({ id: text, name: text, metadata: recordOf(text) })),
  usageLines: listOf(usageLine),
  customers: shape({
    listed: boolean,
    existing: listOf(text),
    missing: listOf(text),
    deleted: optional(listOf(text)),
    unverified: listOf(text),
  }),
  unreadableDiscounts: listOf(text),
  ptb: orNull(shape({
    productId: text,
    since: number,
    until: number,
    charges: listOf(shape({
      id: text,
      kind: oneOf("credits", "invoice"),
      customer: orNull(text),
      created: number,
      amount: number,
      currency: text,
      estimated: boolean,
    })),
  })),
  invoiceRange: optional(shape({
    since: number,
    until: number,
    usageLookbackDays: optional(number),
  })),
};

/** The current shape's distinct prices, which its items name by index. */
const filePrices = shape({ prices: listOf(price) });

/**
 * What is wrong with a file's snapshot (`snapshot.subscriptions[3].discounts is missing`), or
 * null when it has the shape loadRevenue reads: each distinct price once in `prices`, items
 * naming it by index.
 */
export function snapshotProblem(snapshot: unknown): string | null {
  let problem = filePrices(snapshot);
  if (problem === null) {
    const count = (snapshot as { prices: unknown[] }).prices.length;
    const priceIndex = is(
      (value) => Number.isInteger(value) && (value as number) >= 0 && (value as number) < count,
      "an index into snapshot.prices",
    );
    problem = shape({ subscriptions: listOf(subscription(priceIndex)), ...snapshotFields })(
      snapshot,
    );
  }
  return problem === null ? null : `snapshot${problem}`;
}

/** An invoice line as the history's invoice cache holds it (InvoiceLineLite). */
const invoiceLine = shape({
  customer: text,
  invoice: text,
  status: text,
  created: number,
  billing_reason: orNull(text),
  currency: text,
  subscription: orNull(text),
  price_id: orNull(text),
  proration: boolean,
  quantity: numberOrNull,
  amount: number,
  inclusive_tax: number,
  discount_amounts: discountAmounts,
  period_start: number,
  period_end: number,
});

const invoiceHistory = shape({
  lines: listOf(invoiceLine),
  prices: listOf(price),
  discounts,
  itemDiscounts: listOf(text),
  thresholdResets: listOf(text),
  billingAnchors: recordOf(number),
  billingAnchorDays: recordOf(number),
  pausedSubscriptions: listOf(text),
  from: number,
  to: number,
});

/**
 * What is wrong with an invoice history cache file's history (lib/revenue/invoice_fetch.ts), or
 * null when it has the shape the invoice rules read.
 */
export function invoiceHistoryProblem(history: unknown): string | null {
  const problem = invoiceHistory(history);
  return problem === null ? null : `history${problem}`;
}
