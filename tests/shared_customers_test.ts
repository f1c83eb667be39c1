/**
 * lib/revenue/shared_customers.ts: perSharedCustomer, the one grouping of the Stripe customers
 * several organizations share (withCustomerColumns and a comparison's comparedRevenue both join
 * it back). Figures worked out by hand from the five organizations below.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { perSharedCustomer } from "../lib/revenue/shared_customers.ts";

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
