/**
 * lib/frame/metrics.ts: each ratio column from its own two columns, and empty (null), never
 * Infinity or NaN, where the denominator is 0 or unknown. Numbers by hand from three organizations.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { addMetricColumns } from "../lib/frame/metrics.ts";

// a: 4 seats, 3 active, $100 MRR, 200 requests costing $50, $20 of it pass-through billed
// b: no seats, no requests, no cost, no MRR (every denominator 0)
// c: nothing known
const frame = pl.DataFrame([
  pl.Series("seats", [4, 0, null], pl.Int64),
  pl.Series("active_users_30d", [3, 0, null], pl.Int64),
  pl.Series("mrr", [100, 0, null], pl.Float64),
  pl.Series("requests_30d", [200, 0, null], pl.Int64),
  pl.Series("llm_cost_30d", [50, 0, null], pl.Float64),
  pl.Series("llm_cost_ptb_30d", [20, 0, null], pl.Float64),
]);

Deno.test("ratio columns: each its numerator over its denominator, empty where that is 0 or unknown", () => {
  const metrics = addMetricColumns(frame, { windowDays: 30 });
  const column = (name: string) => metrics.getColumn(name).toArray();
  assertEquals(column("cost_per_seat"), [12.5, null, null]); // $50 / 4
  assertEquals(column("revenue_per_seat"), [25, null, null]); // $100 / 4
  assertEquals(column("cost_per_request"), [0.25, null, null]); // $50 / 200
  assertEquals(column("revenue_per_request"), [0.5, null, null]); // $100 / 200
  assertEquals(column("gross_margin_pct"), [50, null, null]); // ($100 − $50) / $100
  assertEquals(column("seat_utilization_pct"), [75, null, null]); // 3 / 4, in percent
  assertEquals(column("ptb_cost_share_pct"), [40, null, null]); // $20 / $50, in percent
});
