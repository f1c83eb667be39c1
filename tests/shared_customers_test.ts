/**
 * lib/revenue/shared_customers.ts: perSharedCustomer, the one grouping of the Stripe customers
 * several organizations share (withCustomerColumns and a comparison's comparedRevenue both join
 * it back), and withCustomerColumns. Figures worked out by hand from the five organizations below.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  CUSTOMER_COLUMNS,
  perSharedCustomer,
  withCustomerColumns,
} from "../lib/revenue/shared_customers.ts";

/**
 * cus_a: o1 carries its $100 (stripe), o2 shares it. cus_b: o3 alone, not shared. cus_c: o4
 * shares it, its revenue row is not in the frame. o5 has no Stripe customer.
 */
const frame = pl.DataFrame({
  org_id: ["o1", "o2", "o3", "o4", "o5"],
  stripe_customer_id: ["cus_a", "cus_a", "cus_b", "cus_c", null],
  revenue_source: ["stripe", "shared_customer", "stripe", "shared_customer", "no_customer"],
  mrr: [100, null, 50, null, 0],
  requests_30d: [10, 20, 40, 5, 7],
});

const figures = (ofRevenueRow: (value: pl.Expr) => pl.Expr) => [
  ofRevenueRow(pl.col("mrr")).alias("mrr"),
  pl.col("requests_30d").sum().alias("requests"),
];

Deno.test("perSharedCustomer: one row per shared customer, its revenue row's value and its organizations' sums", () => {
  const rows = perSharedCustomer(frame, figures)!.sort("stripe_customer_id").toRecords();
  assertEquals(rows, [
    // o1's mrr (o2's is empty: shared_customer); requests 10 + 20
    { stripe_customer_id: "cus_a", mrr: 100, requests: 30 },
    // no revenue row in the frame: its value unknown; requests o4's 5
    { stripe_customer_id: "cus_c", mrr: null, requests: 5 },
  ]);
});

Deno.test("perSharedCustomer: null when no organization shares a customer or the frame cannot say", () => {
  const noneShared = frame.withColumns(
    pl.Series("revenue_source", ["stripe", "stripe", "stripe", "stripe", "no_customer"]),
  );
  assertEquals(perSharedCustomer(noneShared, figures), null);
  assertEquals(perSharedCustomer(frame.drop("stripe_customer_id"), figures), null);
  assertEquals(perSharedCustomer(frame.drop("revenue_source"), figures), null);
});

Deno.test("withCustomerColumns: the frame's columns as they were, then the customer's, worked out anew", () => {
  const C = CUSTOMER_COLUMNS;
  // a stale customer column already on the frame: dropped, and worked out again at the end
  const stale = frame.select(pl.lit(true).alias(C.pays), pl.col("*"));
  const out = withCustomerColumns(stale, { usage: true });
  assertEquals(out.columns, [
    ...frame.columns,
    C.mrrKnown,
    C.ptbKnown,
    C.ptbRevenue,
    C.pays,
    C.listed,
    C.mrr,
    C.requests,
    C.llmCost,
    C.companyCost,
  ]);
  assertEquals(out.select(...frame.columns).toRecords(), frame.toRecords());
  assertEquals(out.select(C.mrrKnown, C.pays, C.mrr, C.requests).toRecords(), [
    // o1 and o2: cus_a's, o1's mrr 100, requests 10 + 20
    { [C.mrrKnown]: true, [C.pays]: true, [C.mrr]: 100, [C.requests]: 30 },
    { [C.mrrKnown]: true, [C.pays]: true, [C.mrr]: 100, [C.requests]: 30 },
    // o3: cus_b is not shared, its own
    { [C.mrrKnown]: true, [C.pays]: true, [C.mrr]: 50, [C.requests]: 40 },
    // o4: cus_c's revenue row is not in the frame: unknown, so not paying; requests o4's 5
    { [C.mrrKnown]: false, [C.pays]: false, [C.mrr]: null, [C.requests]: 5 },
    // o5: no customer, its own (mrr 0 known, not paying)
    { [C.mrrKnown]: true, [C.pays]: false, [C.mrr]: 0, [C.requests]: 7 },
  ]);
});
