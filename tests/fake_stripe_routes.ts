/**
 * The fake Stripe API's routes (tests/fake_stripe.ts serves them): each resource's list and
 * retrieve endpoints over a FakeStripeData account, by the rules of tests/fake_stripe_api.ts
 * (parameters, expansions, pages, how unexpanded objects look). The server around them (auth,
 * injected failures and faults, the request log) stays in fake_stripe.ts.
 */

import {
  BadRequest,
  checkExpand,
  checkParameters,
  createdBounds,
  createdFilter,
  createdSlice,
  errorResponse,
  expands,
  expandsPath,
  newestFirst,
  page,
  PARAMETERS,
  presentCoupon,
  presentCustomer,
  presentInvoice,
  presentItem,
  presentLine,
  presentPrice,
  presentSubscription,
} from "./fake_stripe_api.ts";
import type { Json } from "./fixtures/stripe/scenarios.ts";

export interface FakeStripeData {
  subscriptions: Json[];
  products: Json[];
  invoices: Json[];
  /** customers of the account; default: one per customer id of the subscriptions */
  customers?: Json[];
  coupons?: Json[];
  paymentIntents?: Json[];
  /** prices of the account besides those on subscription items (archived ones: `active: false`) */
  prices?: Json[];
}

/** A GET of `path` with `params`: the body to send as JSON, or an error Response. */
export type FakeStripeRoute = (
  method: string,
  path: string,
  params: URLSearchParams,
) => Json | Response;

/**
 * The routes over `data`; `embeddedLimit`: entries shown in an embedded list (a subscription's
 * items, an invoice's lines) before `has_more`. A BadRequest thrown is the server's 400.
 */
export function fakeStripeRoutes(data: FakeStripeData, embeddedLimit: number): FakeStripeRoute {
  const customers: Json[] = data.customers ??
    [...new Set(data.subscriptions.map((s) => String(s.customer)))].map((id) => ({
      id,
      object: "customer",
    }));
  const customersById = new Map(customers.map((c) => [String(c.id), c]));
  const coupons: Json[] = data.coupons ?? [];
  /** the account's prices: every price on a subscription item and of `data.prices`, once */
  const allPrices = () => [
    ...new Map(
      [
        ...data.subscriptions.flatMap((s) => s.items?.data ?? []).map((i: Json) => i.price),
        ...(
          data.prices ?? []
        ),
      ].map((p: Json) => [p.id, p]),
    ).values(),
  ];

  const route = (
    method: string,
    path: string,
    params: URLSearchParams,
  ): Json | Response => {
    if (method !== "GET") {
      throw new BadRequest(`Unrecognized request URL (${method}: ${path}).`);
    }
    const expand = expands(params);
    const routeName = path
      .replace(/^\/v1\/invoices\/[^/]+\/lines$/, "/v1/invoices/:id/lines")
      .replace(/^\/v1\/(prices|customers|subscriptions|subscription_items)\/[^/]+$/, "/v1/$1/:id");
    if (PARAMETERS[routeName]) checkParameters(routeName, params);
    let match: RegExpMatchArray | null;
    if (path === "/v1/subscriptions") {
      checkExpand(path, expand);
      const status = params.get("status");
      const inRange = createdFilter(params);
      const sorted = newestFirst(data.subscriptions);
      // every status: the range is a slice of the sorted list (found by bisection, so a big
      // account's pages stay cheap); otherwise filtered
      const visible = status === "all"
        ? createdSlice(sorted, createdBounds(params))
        : sorted.filter((s) =>
          (status ? s.status === status : s.status !== "canceled") && inRange(s)
        );
      const body = page(visible, params, path);
      body.data = body.data.map((s: Json) =>
        presentSubscription(s, { expand, limit: embeddedLimit, customers: customersById })
      );
      return body;
    }
    if ((match = path.match(/^\/v1\/subscriptions\/([^/]+)$/))) {
      checkExpand("/v1/subscriptions/:id", expand);
      const id = decodeURIComponent(match[1]);
      const subscription = data.subscriptions.find((s) => s.id === id);
      if (!subscription) return notFound("subscription", id);
      return presentSubscription(subscription, {
        expand,
        limit: embeddedLimit,
        customers: customersById,
        prefix: "",
      });
    }
    if (path === "/v1/payment_intents") {
      checkExpand(path, expand);
      const inRange = createdFilter(params);
      const customer = params.get("customer");
      const visible = newestFirst(data.paymentIntents ?? []).filter((p) =>
        inRange(p) && (customer === null || p.customer === customer)
      );
      const body = page(visible, params, path);
      // the latest charge (its refunds) is an id unless expanded
      body.data = body.data.map((p: Json) => {
        const charge = p.latest_charge;
        if (!charge || typeof charge !== "object" || expand.includes("data.latest_charge")) {
          return p;
        }
        return { ...p, latest_charge: charge.id };
      });
      return body;
    }
    if (path === "/v1/subscription_items") {
      checkExpand(path, expand);
      const subscription = data.subscriptions.find((s) => s.id === params.get("subscription"));
      if (!subscription) {
        throw new BadRequest("Missing required param: subscription.", "subscription");
      }
      const body = page(subscription.items.data, params, path);
      body.data = body.data.map((item: Json) =>
        presentItem(item, (p) => expand.includes(`data.${p}`))
      );
      return body;
    }
    if ((match = path.match(/^\/v1\/subscription_items\/([^/]+)$/))) {
      checkExpand("/v1/subscription_items/:id", expand);
      const id = decodeURIComponent(match[1]);
      const item = data.subscriptions.flatMap((s) => s.items?.data ?? []).find((i: Json) =>
        i.id === id
      );
      if (!item) return notFound("subscription_item", id);
      return presentItem(item, (p) => expandsPath(expand, p));
    }
    if (path === "/v1/products") {
      checkExpand(path, expand);
      return page(data.products, params, path);
    }
    if (path === "/v1/invoices") {
      checkExpand(path, expand);
      const inRange = createdFilter(params);
      // Stripe's filters: one subscription, customer or status
      const subscription = params.get("subscription");
      const customer = params.get("customer");
      const status = params.get("status");
      const visible = newestFirst(data.invoices).filter((i) =>
        inRange(i) &&
        (subscription === null ||
          (i.parent?.subscription_details?.subscription ?? i.subscription) === subscription) &&
        (customer === null || i.customer === customer) && (status === null || i.status === status)
      );
      const body = page(visible, params, path);
      body.data = body.data.map((i: Json) => presentInvoice(i, embeddedLimit, expand));
      return body;
    }
    if ((match = path.match(/^\/v1\/invoices\/([^/]+)\/lines$/))) {
      checkExpand("/v1/invoices/:id/lines", expand);
      const invoice = data.invoices.find((i) => i.id === match![1]);
      if (!invoice) return notFound("invoice", match[1]);
      const body = page(invoice.lines?.data ?? [], params, path);
      body.data = body.data.map((line: Json) =>
        presentLine(line, (p) => expand.includes(`data.${p}`))
      );
      return body;
    }
    if (path === "/v1/prices") {
      checkExpand(path, expand);
      const type = params.get("type");
      // Stripe lists active prices unless asked for the inactive ones (`active=false`)
      const active = params.get("active") !== "false";
      const visible = allPrices().filter((p) =>
        (type === null || (type === "recurring") === Boolean(p.recurring)) &&
        (p.active !== false) === active
      );
      const body = page(visible, params, path);
      body.data = body.data.map((p: Json) => presentPrice(p, (x) => expand.includes(`data.${x}`)));
      return body;
    }
    if ((match = path.match(/^\/v1\/prices\/([^/]+)$/))) {
      checkExpand("/v1/prices/:id", expand);
      const price = allPrices().find((p) => p.id === decodeURIComponent(match![1]));
      if (!price) return notFound("price", decodeURIComponent(match[1]));
      return presentPrice(price, (x) => expand.includes(x));
    }
    if (path === "/v1/coupons") {
      checkExpand(path, expand);
      const body = page(coupons, params, path);
      body.data = body.data.map((c: Json) => presentCoupon(c, (x) => expand.includes(`data.${x}`)));
      return body;
    }
    if (path === "/v1/customers") {
      checkExpand(path, expand);
      const body = page(newestFirst(customers).filter((c) => !c.deleted), params, path);
      body.data = body.data.map((c: Json) => presentCustomer(c));
      return body;
    }
    if ((match = path.match(/^\/v1\/customers\/([^/]+)$/))) {
      checkExpand("/v1/customers/:id", expand);
      const customer = customers.find((c) => c.id === decodeURIComponent(match![1]));
      if (!customer) return notFound("customer", decodeURIComponent(match[1]));
      return customer.deleted
        ? { id: customer.id, object: "customer", deleted: true }
        : presentCustomer(customer, expand);
    }
    return errorResponse(404, {
      type: "invalid_request_error",
      message: `Unrecognized request URL (GET: ${path}).`,
    });
  };

  const notFound = (kind: string, id: string) =>
    errorResponse(404, {
      type: "invalid_request_error",
      message: `No such ${kind}: '${id}'`,
      code: "resource_missing",
      param: "id",
    });
  return route;
}
