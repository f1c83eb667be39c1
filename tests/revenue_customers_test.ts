/**
 * The revenue per customer as a Polars frame (lib/revenue/customers.ts, customer_columns.ts): every field a column of
 * its type, nulls where a customer has none, the Map's order, and back to the same Map; the same
 * frame from its plain columns moved to another thread (as the revenue worker sends them).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { customerColumnBuffers, customerColumns } from "../lib/revenue/customer_columns.ts";
import {
  customersFrameOf,
  customersFromFrame,
  customersToFrame,
} from "../lib/revenue/customers.ts";
import type { CustomerRevenue } from "../lib/revenue/types.ts";

const paying: CustomerRevenue = {
  customerId: "cus_b",
  mrr: 120.5,
  baseSubscription: 100,
  usageCharges: 20.5,
  usageDiscounts: 4.5,
  addonPrompts: 0,
  addonOther: 0,
  mrrRecurring: 100,
  mrrRecurringMinor: 10000,
  subscriptionStatus: "active",
  billingInterval: "month",
  currency: "USD",
  stripePlanNames: "pro-users, request-volume",
  cancelAtPeriodEnd: false,
  firstPeriodOpen: false,
  ptbRevenueUsd30d: 12.25,
};
/** billed in a currency without a rate: money empty, PTB unknown */
const unconverted: CustomerRevenue = {
  ...paying,
  customerId: "cus_a",
  mrr: null,
  baseSubscription: null,
  usageCharges: null,
  usageDiscounts: null,
  addonPrompts: null,
  addonOther: null,
  mrrRecurring: null,
  mrrRecurringMinor: 9000, // known in EUR without a rate
  currency: "EUR",
  cancelAtPeriodEnd: true,
  firstPeriodOpen: true,
  ptbRevenueUsd30d: null,
};
/** known to Stripe, no subscription */
const none: CustomerRevenue = {
  ...paying,
  customerId: "cus_c",
  mrr: 0,
  baseSubscription: 0,
  usageCharges: 0,
  usageDiscounts: 0,
  mrrRecurring: 0,
  mrrRecurringMinor: 0,
  subscriptionStatus: null,
  billingInterval: null,
  currency: null,
  stripePlanNames: null,
  cancelAtPeriodEnd: null,
  firstPeriodOpen: null,
  ptbRevenueUsd30d: 0,
};

/** Every CustomerRevenue field in order, and its Polars type (money Float64, text String). */
const COLUMN_TYPES = [
  ["customerId", "String"],
  ...[
    "mrr",
    "baseSubscription",
    "usageCharges",
    "usageDiscounts",
    "addonPrompts",
    "addonOther",
    "mrrRecurring",
  ].map((name) => [name, "Float64"]),
  ["mrrRecurringMinor", "Float64"],
  ...["subscriptionStatus", "billingInterval", "currency", "stripePlanNames"]
    .map((name) => [name, "String"]),
  ["cancelAtPeriodEnd", "Bool"],
  ["firstPeriodOpen", "Bool"],
  ["ptbRevenueUsd30d", "Float64"],
];

const columnTypes = (frame: pl.DataFrame) =>
  frame.getColumns().map((column) => [column.name, column.dtype.variant]);

Deno.test("customersToFrame: a typed column per field, nulls kept, in the Map's order; customersFromFrame inverts it", () => {
  const byCustomer = new Map([paying, unconverted, none].map((c) => [c.customerId, c]));
  const frame = customersToFrame(byCustomer);
  assertEquals(columnTypes(frame), COLUMN_TYPES);
  assertEquals(frame.getColumn("customerId").toArray(), ["cus_b", "cus_a", "cus_c"]);
  assertEquals(frame.getColumn("mrr").toArray(), [120.5, null, 0]);
  assertEquals(frame.getColumn("currency").toArray(), ["USD", "EUR", null]);
  assertEquals(frame.getColumn("mrrRecurringMinor").toArray(), [10000, 9000, 0]);
  assertEquals(frame.getColumn("cancelAtPeriodEnd").toArray(), [false, true, null]);
  assertEquals(frame.getColumn("firstPeriodOpen").toArray(), [false, true, null]);
  assertEquals(frame.getColumn("ptbRevenueUsd30d").toArray(), [12.25, null, 0]);
  assertEquals(customersFromFrame(frame), byCustomer);
});

Deno.test("customerColumns moved to another thread (typed arrays transferred) make the same frame", () => {
  const byCustomer = new Map([paying, unconverted, none].map((c) => [c.customerId, c]));
  const columns = customerColumns(byCustomer);
  const buffers = customerColumnBuffers(columns);
  // money columns with a null carry where values are present; mrr has one, addonPrompts none
  const mrr = columns.numbers.find((c) => c.field === "mrr")!;
  assertEquals([...mrr.values], [120.5, 0, 0]);
  assertEquals([...mrr.present!], [1, 0, 1]);
  assertEquals(
    columns.numbers.find((c) => c.field === "baseSubscription")!.present,
    new Uint8Array([1, 0, 1]),
  );
  const currency = columns.coded.find((c) => c.field === "currency")!;
  assertEquals(currency.dictionary, [null, "USD", "EUR"]);
  assertEquals([...currency.codes], [1, 2, 0]);
  // what postMessage does with the transfer list: the sender's arrays are detached
  const moved = structuredClone(columns, { transfer: buffers });
  assertEquals(buffers.every((buffer) => buffer.byteLength === 0), true);
  const frame = customersFrameOf(moved);
  assertEquals(columnTypes(frame), COLUMN_TYPES);
  assertEquals(customersFromFrame(frame), byCustomer);
  ok(frame.frameEqual(customersToFrame(byCustomer), true));
});

Deno.test("customersToFrame: no customers is an empty frame of the same columns and types", () => {
  const frame = customersToFrame(new Map());
  assertEquals(frame.height, 0);
  assertEquals(columnTypes(frame), COLUMN_TYPES);
});
