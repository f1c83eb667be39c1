import type { Json } from "./fixtures/stripe/scenarios.ts";
/**
 * The fake Stripe API's rules (tests/fake_stripe.ts): Stripe's error body, which parameters and
 * expansions each endpoint takes, `created` ranges, newest-first pages with cursors, and how
 * objects look when their expandable fields are not expanded.
 */

export function errorResponse(
  status: number,
  error: { type: string; message: string; code?: string; param?: string },
  headers: Record<string, string> = {},
) {
  return new Response(JSON.stringify({ error }), {
    status,
    headers: {
      "content-type": "application/json",
      "request-id": `req_${crypto.randomUUID().replaceAll("-", "").slice(0, 14)}`,
      ...headers,
    },
  });
}

export class BadRequest extends Error {
  constructor(message: string, readonly param?: string, readonly code?: string) {
    super(message);
  }
}

/** A deep copy of plain JSON (a round trip: several times faster than structuredClone here). */
export function clone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/** `expand[0]=a&expand[]=b` → ["a", "b"] */
export function expands(params: URLSearchParams): string[] {
  return [...params.entries()].filter(([k]) => k.startsWith("expand[")).map(([, v]) => v);
}

/** Which expansions each list allows (Stripe answers 400 to anything else). */
export const EXPANDABLE: Record<string, (string | RegExp)[]> = {
  "/v1/subscriptions": [
    "data.discounts",
    "data.discounts.source.coupon",
    "data.items.data.discounts",
    "data.customer",
  ],
  // one subscription: its own discounts' coupons with their own expandable fields (4 levels)
  "/v1/subscriptions/:id": [
    "discounts",
    "discounts.source.coupon",
    "discounts.source.coupon.applies_to",
    "discounts.source.coupon.currency_options",
  ],
  "/v1/subscription_items": ["data.discounts", "data.discounts.source.coupon", "data.price.tiers"],
  // one item: its discounts' coupons with their own expandable fields (4 levels)
  "/v1/subscription_items/:id": [
    "discounts",
    "discounts.source.coupon",
    "discounts.source.coupon.applies_to",
    "discounts.source.coupon.currency_options",
    "price.tiers",
  ],
  "/v1/products": [],
  // an invoice's discounts (the customer's, the subscription's) and its lines' (an item's own)
  "/v1/invoices": ["data.discounts", "data.discounts.source.coupon", "data.lines.data.discounts"],
  "/v1/invoices/:id/lines": ["data.discounts"],
  "/v1/coupons": ["data.applies_to", "data.currency_options"],
  "/v1/prices": [
    "data.tiers",
    "data.currency_options",
    /^data\.currency_options\.[a-z]{3}\.tiers$/,
  ],
  "/v1/prices/:id": ["tiers", "currency_options", /^currency_options\.[a-z]{3}\.tiers$/],
  "/v1/customers": [],
  // a customer's own discount is embedded; its coupon an id unless expanded
  "/v1/customers/:id": [
    "discount.source.coupon",
    "discount.source.coupon.applies_to",
    "discount.source.coupon.currency_options",
  ],
  "/v1/payment_intents": ["data.latest_charge"],
};

/** The query parameters each endpoint takes (Stripe answers 400 to any other). */
export const PARAMETERS: Record<string, string[]> = {
  "/v1/subscriptions": [
    "limit",
    "starting_after",
    "ending_before",
    "expand",
    "status",
    "created",
    "customer",
    "price",
  ],
  "/v1/subscriptions/:id": ["expand"],
  "/v1/subscription_items": ["limit", "starting_after", "ending_before", "expand", "subscription"],
  "/v1/subscription_items/:id": ["expand"],
  "/v1/products": ["limit", "starting_after", "ending_before", "expand", "active", "created"],
  "/v1/invoices": [
    "limit",
    "starting_after",
    "ending_before",
    "expand",
    "created",
    "customer",
    "status",
    "subscription",
  ],
  "/v1/invoices/:id/lines": ["limit", "starting_after", "ending_before", "expand"],
  "/v1/coupons": ["limit", "starting_after", "ending_before", "expand", "created"],
  "/v1/prices": [
    "limit",
    "starting_after",
    "ending_before",
    "expand",
    "type",
    "active",
    "product",
    "currency",
    "created",
  ],
  "/v1/prices/:id": ["expand"],
  "/v1/customers": ["limit", "starting_after", "ending_before", "expand", "created", "email"],
  "/v1/customers/:id": ["expand"],
  "/v1/payment_intents": [
    "limit",
    "starting_after",
    "ending_before",
    "expand",
    "created",
    "customer",
  ],
};

export function checkParameters(route: string, params: URLSearchParams) {
  for (const key of params.keys()) {
    const name = key.replace(/\[.*$/, "");
    if (!(PARAMETERS[route] ?? []).includes(name)) {
      throw new BadRequest(`Received unknown parameter: ${key}`, key, "parameter_unknown");
    }
  }
  if (route === "/v1/prices" && params.has("active")) {
    const active = params.get("active");
    if (active !== "true" && active !== "false") {
      throw new BadRequest(`Invalid boolean: ${active}`, "active");
    }
  }
  if (route === "/v1/prices" && params.has("type")) {
    const type = params.get("type");
    if (type !== "recurring" && type !== "one_time") {
      throw new BadRequest(`Invalid type: must be one of one_time or recurring`, "type");
    }
  }
}

/** `created` filters: created=ts, created[gt|gte|lt|lte]=ts (anything else is a 400). */
export function createdBounds(params: URLSearchParams): { min: number; max: number } {
  let min = -Infinity;
  let max = Infinity;
  for (const [key, value] of params) {
    if (key !== "created" && !key.startsWith("created[")) continue;
    const op = key === "created" ? "eq" : key.slice(8, -1);
    const time = Number(value);
    if (!["eq", "gt", "gte", "lt", "lte"].includes(op) || !Number.isInteger(time)) {
      throw new BadRequest(`Invalid ${key}: ${value}`, key);
    }
    if (op === "eq" || op === "gte") min = Math.max(min, time);
    if (op === "gt") min = Math.max(min, time + 1);
    if (op === "eq" || op === "lte") max = Math.min(max, time);
    if (op === "lt") max = Math.min(max, time - 1);
  }
  return { min, max };
}

export function createdFilter(params: URLSearchParams): (object: Json) => boolean {
  const { min, max } = createdBounds(params);
  return (object) => {
    const c = Number(object.created ?? 0);
    return c >= min && c <= max;
  };
}

export function checkExpand(route: string, expand: string[]) {
  for (const path of expand) {
    const levels = path.split(".").length;
    if (levels > 4) {
      throw new BadRequest(
        `You cannot expand more than 4 levels of a property. Property: ${path}`,
        "expand",
      );
    }
    const allowed = (EXPANDABLE[route] ?? []).some((a) =>
      typeof a === "string" ? a === path : a.test(path)
    );
    if (!allowed) {
      throw new BadRequest(`This property cannot be expanded (${path}).`, "expand");
    }
  }
}

export function limitOf(params: URLSearchParams): number {
  const text = params.get("limit");
  if (text === null) return 10;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new BadRequest(
      `Invalid integer: ${text}. This value must be between 1 and 100.`,
      "limit",
      "parameter_invalid_integer",
    );
  }
  return limit;
}

/** Stripe lists newest first (stable among equal times); sorted once per list and length. */
const sortedLists = new WeakMap<Json[], Json[]>();
export function newestFirst(list: Json[]): Json[] {
  const hit = sortedLists.get(list);
  if (hit && hit.length === list.length) return hit;
  const sorted = list.toSorted((a, b) => Number(b.created ?? 0) - Number(a.created ?? 0));
  sortedLists.set(list, sorted);
  return sorted;
}

/** The objects of a newest-first list inside `created` bounds: two bisections, then a slice. */
export function createdSlice(sorted: Json[], bounds: { min: number; max: number }): Json[] {
  const created = (i: number) => Number(sorted[i].created ?? 0);
  const first = (test: (i: number) => boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (test(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return sorted.slice(
    first((i) => created(i) <= bounds.max),
    first((i) => created(i) < bounds.min),
  );
}

export function page(all: Json[], params: URLSearchParams, url: string): Json {
  const limit = limitOf(params);
  const after = params.get("starting_after");
  let start = 0;
  if (after) {
    const index = all.findIndex((o) => o.id === after);
    if (index < 0) {
      throw new BadRequest(`No such object: '${after}'`, "starting_after", "resource_missing");
    }
    start = index + 1;
  }
  return {
    object: "list",
    url,
    has_more: start + limit < all.length,
    data: all.slice(start, start + limit),
  };
}

export function embedded(list: Json[], url: string, limit: number): Json {
  return { object: "list", url, has_more: list.length > limit, data: list.slice(0, limit) };
}

/**
 * Whether `path` is expanded by the `expand[]` entries: named, or on the way to one named (Stripe
 * expands every level of `a.b.c`).
 */
export function expandsPath(expand: string[], path: string): boolean {
  return expand.some((e) => e === path || e.startsWith(`${path}.`));
}

/**
 * A discount as the API shows it: an id unless expanded; its coupon an id unless expanded (a
 * deleted coupon too: Stripe still expands it on the objects holding it), its own expandable
 * fields (`applies_to`, `currency_options`) absent unless `couponField` expands them.
 */
export function presentDiscounts(
  discounts: Json[],
  expanded: boolean,
  couponExpanded: boolean,
  couponField: (field: string) => boolean = () => false,
): Json[] {
  return (discounts ?? []).map((d: Json) => {
    if (!expanded) return d.id;
    const copy = clone(d);
    const coupon = copy.source?.coupon;
    if (!couponExpanded && coupon && typeof coupon === "object") copy.source.coupon = coupon.id;
    else if (coupon && typeof coupon === "object") {
      // from a list these are 5+ levels down: unexpanded
      if (!couponField("applies_to")) delete coupon.applies_to;
      if (!couponField("currency_options")) delete coupon.currency_options;
    }
    return copy;
  });
}

/** A price as the API shows it: `tiers`, `currency_options` and their tiers only when expanded. */
export function presentPrice(price: Json, expanded: (path: string) => boolean = () => false): Json {
  const copy = clone(price);
  if (!expanded("tiers")) delete copy.tiers;
  if (!expanded("currency_options")) delete copy.currency_options;
  for (
    const [currency, option] of Object.entries(copy.currency_options ?? {}) as [string, Json][]
  ) {
    if (!expanded(`currency_options.${currency}.tiers`)) delete option.tiers;
  }
  return copy;
}

/** A coupon as the API shows it: `applies_to` and `currency_options` only when expanded. */
export function presentCoupon(coupon: Json, expanded: (path: string) => boolean): Json {
  const copy = clone(coupon);
  if (!expanded("applies_to")) delete copy.applies_to;
  if (!expanded("currency_options")) delete copy.currency_options;
  return copy;
}

export function presentItem(item: Json, expand: (path: string) => boolean): Json {
  const copy = clone(item);
  copy.discounts = presentDiscounts(
    copy.discounts,
    expand("discounts"),
    expand("discounts.source.coupon"),
    (field) => expand(`discounts.source.coupon.${field}`),
  );
  copy.price = presentPrice(copy.price, (path) => path === "tiers" && expand("price.tiers"));
  return copy;
}

/**
 * A customer as the API shows it: its own discount embedded, the discount's coupon an id unless
 * expanded (`discount.source.coupon`, retrieving the customer; 5 levels from a list).
 */
export function presentCustomer(customer: Json, expand: string[] = []): Json {
  const copy = clone(customer);
  if (copy.discount && typeof copy.discount === "object") {
    [copy.discount] = presentDiscounts(
      [copy.discount],
      true,
      expandsPath(expand, "discount.source.coupon"),
      (field) => expandsPath(expand, `discount.source.coupon.${field}`),
    );
  }
  return copy;
}

/**
 * A subscription as the API shows it, listed (`prefix` "data.": the expansions name `data.…`) or
 * retrieved (`prefix` ""): its discounts' coupons' own expandable fields are 5 levels down from a
 * list, 4 from the subscription itself.
 */
export function presentSubscription(
  subscription: Json,
  { expand, limit, customers, prefix = "data." }: {
    expand: string[];
    limit: number;
    customers: Map<string, Json>;
    prefix?: string;
  },
): Json {
  const expanded = (path: string) => expandsPath(expand, `${prefix}${path}`);
  const copy = clone(subscription);
  if (expanded("customer")) {
    const customer = customers.get(copy.customer);
    copy.customer = customer ? presentCustomer(customer) : copy.customer;
  }
  copy.discounts = presentDiscounts(
    copy.discounts,
    expanded("discounts"),
    expanded("discounts.source.coupon"),
    (field) => expanded(`discounts.source.coupon.${field}`),
  );
  const items = (copy.items?.data ?? []).map((item: Json) =>
    presentItem(item, (path) => expanded(`items.data.${path}`))
  );
  copy.items = embedded(items, `/v1/subscription_items?subscription=${copy.id}`, limit);
  return copy;
}

/** An invoice line as the API shows it: its discounts ids unless expanded (`discounts`). */
export function presentLine(line: Json, expand: (path: string) => boolean): Json {
  return { ...line, discounts: presentDiscounts(line.discounts, expand("discounts"), false) };
}

/**
 * An invoice as the API shows it: its discounts and its lines' ids unless expanded
 * (`data.discounts`, `data.lines.data.discounts`); a deleted discount (`deleted: true`: a
 * deleted customer's, a coupon used up or ended) is still listed, without `end`.
 */
export function presentInvoice(invoice: Json, limit: number, expand: string[] = []): Json {
  const copy = clone(invoice);
  copy.discounts = presentDiscounts(
    copy.discounts,
    expand.includes("data.discounts") || expand.includes("data.discounts.source.coupon"),
    expand.includes("data.discounts.source.coupon"),
  );
  const lines = (copy.lines?.data ?? []).map((line: Json) =>
    presentLine(line, (path) => expand.includes(`data.lines.data.${path}`))
  );
  copy.lines = embedded(lines, `/v1/invoices/${copy.id}/lines`, limit);
  return copy;
}
