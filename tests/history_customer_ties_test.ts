/**
 * A customer whose organizations carry equal cents (not a file the kit writes: an export puts a
 * customer's revenue on one organization): which plan, and currency, the customer gets is decided
 * by bridge_keys.ts carryingOrder, never by the rows' order, which Polars's sort does not keep.
 *
 * By hand: cus_t's organizations T1 (team, 50.00 USD) and T2 (pro, 50.00 USD) tie; pro comes first
 * in code-point order, so cus_t is one customer of 100.00 USD on pro, read in either row order.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { perCustomer } from "../lib/history/bridge_keys.ts";
import { historyLong, type HistoryPoint } from "../lib/history/bridge.ts";
import { planBridge } from "../lib/history/plan_bridge.ts";
import { bridgeOfSources } from "../lib/history/aggregate.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

type Org = { customer: string; plan: string | null; cents: number; currency: string };

/** perCustomer of `orgs` (plan as `planType`), as records: customer, plan, cents, currency. */
function customersOf(orgs: Org[], planType: pl.DataType = pl.Utf8) {
  const frame = pl.DataFrame([
    pl.Series("customer", orgs.map((o) => o.customer), pl.Utf8),
    pl.Series("plan", orgs.map((o) => o.plan), pl.Utf8).cast(planType),
    pl.Series("cents", orgs.map((o) => o.cents), pl.Int64),
    pl.Series("is_paused", orgs.map(() => false), pl.Bool),
    pl.Series("currency", orgs.map((o) => o.currency), pl.Utf8),
  ]);
  return perCustomer(frame.lazy(), { keys: ["customer"], first: ["currency"] })
    .select("customer", pl.col("plan").cast(pl.Utf8), "cents", "currency")
    .sort("customer").collectSync().toRecords();
}

const T1: Org = { customer: "cus_t", plan: "team", cents: 5000, currency: "USD" };
const T2: Org = { customer: "cus_t", plan: "pro", cents: 5000, currency: "USD" };

Deno.test("equal cents: the plan first in code-point order, in either row order", () => {
  const expected = [{ customer: "cus_t", plan: "pro", cents: 10000, currency: "USD" }];
  assertEquals(customersOf([T1, T2]), expected);
  assertEquals(customersOf([T2, T1]), expected);
});

Deno.test("equal cents: a Categorical plan is ordered by its text, not its category's number", () => {
  // team is met first, so its category is numbered before pro's
  const expected = [{ customer: "cus_t", plan: "pro", cents: 10000, currency: "USD" }];
  assertEquals(customersOf([T1, T2], pl.Categorical), expected);
  assertEquals(customersOf([T2, T1], pl.Categorical), expected);
});

Deno.test("equal cents: an organization with a plan before one without; more cents still first", () => {
  const none: Org = { customer: "cus_t", plan: null, cents: 5000, currency: "USD" };
  const expected = [{ customer: "cus_t", plan: "team", cents: 10000, currency: "USD" }];
  assertEquals(customersOf([none, T1]), expected);
  assertEquals(customersOf([T1, none]), expected);
  // 50.01 USD on team beats 50.00 USD on pro: the tie-breaker is for ties only
  const more = { ...T1, cents: 5001 };
  assertEquals(customersOf([T2, more]), [
    { customer: "cus_t", plan: "team", cents: 10001, currency: "USD" },
  ]);
});

Deno.test("equal cents and plan: the currency first in code-point order (EUR before USD), in either row order", () => {
  const eur = { ...T2, currency: "EUR" };
  const expected = [{ customer: "cus_t", plan: "pro", cents: 10000, currency: "EUR" }];
  assertEquals(customersOf([T2, eur]), expected);
  assertEquals(customersOf([eur, T2]), expected);
});

/** A month end's organizations (org, tier), 50.00 USD each, every one cus_t's. */
function monthEnd(rows: [org: string, tier: string][]): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: rows.map((r) => r[0]),
    tier: rows.map((r) => r[1]),
    stripe_customer_id: rows.map(() => "cus_t"),
    revenue_source: rows.map(() => "stripe"),
    mrr_recurring: rows.map(() => 50),
    mrr: rows.map(() => 50),
    subscription_status: rows.map(() => "active"),
    requests_30d: rows.map(() => 100),
    llm_cost_30d: rows.map(() => 0),
    llm_cost_ptb_30d: rows.map(() => 0),
  });
}

Deno.test("the bridge: a customer whose two organizations tie is new on pro (100.00 USD), in either row order", () => {
  const teamFirst: [string, string][] = [["T1", "team"], ["T2", "pro"]];
  const orders = [teamFirst, teamFirst.toReversed()];
  for (const rows of orders) {
    const history: HistoryPoint[] = [
      // no organization at January's end: February's customer is new
      { asOf: new Date("2026-01-31T00:00:00Z"), frame: monthEnd(rows).filter(pl.lit(false)) },
      { asOf: new Date("2026-02-28T00:00:00Z"), frame: monthEnd(rows) },
    ];
    // the report's two readings: the long frame's, and the aggregate one's
    const newCents = (plans: pl.DataFrame) =>
      plans.filter(pl.col("new_cents").gt(0)).select("plan", "new_cents").toRecords();
    assertEquals(newCents(planBridge(historyLong(history))), [{ plan: "pro", new_cents: 10000 }]);
    assertEquals(newCents(bridgeOfSources(history).plans), [{ plan: "pro", new_cents: 10000 }]);
  }
});
