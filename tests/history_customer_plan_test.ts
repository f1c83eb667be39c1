/**
 * withCustomerPlans (lib/history/customer_plan.ts), the join the bridge's sums and reads use in
 * place of customerPlan's window: the same plan on every row, by hand, on a snapshot with every
 * case the window decides.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { customerPlan, ownPlanOf, withCustomerPlans } from "../lib/history/customer_plan.ts";
import { noCustomerIds, payingOrPausedOf } from "../lib/history/aggregate_customers.ts";

const frame = pl.DataFrame({
  org_id: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
  // b shares a's customer; c's revenue row (d) comes after it; e shares a customer with two
  // revenue rows (f then g: the first in row order counts); h's customer has no revenue row here;
  // i has no customer id; j shares the empty id with nobody paying
  stripe_customer_id: [
    "cus_1",
    "cus_1",
    "cus_2",
    "cus_2",
    "cus_3",
    "cus_3",
    "cus_3",
    "cus_4",
    null,
    "",
  ],
  revenue_source: [
    "stripe",
    "shared_customer",
    "shared_customer",
    "stripe",
    "shared_customer",
    "stripe",
    null,
    "shared_customer",
    "shared_customer",
    "shared_customer",
  ],
  plan: ["team", "free", "free", "pro", "free", null, "team", "free", "free", "free"],
  tier: ["pro", "free", "free", "pro", "free", "enterprise", "pro", "free", "free", "free"],
});

/**
 * The plans of `frame` by the join and by the window, `planVersions` as given: both `expected`
 * (names apart by spaces); the joined frame.
 */
function assertBothWays(planVersions: boolean, expected: string): pl.DataFrame {
  const read = { columns: frame.columns, planVersions };
  const joined = withCustomerPlans(frame.lazy(), read).collectSync();
  const window = frame.select(
    customerPlan(ownPlanOf(frame.columns, planVersions), frame.columns).alias("plan"),
  );
  assertEquals(joined.getColumn("plan").toArray(), expected.split(" "));
  assertEquals(window.getColumn("plan").toArray(), expected.split(" "));
  return joined;
}

Deno.test("customer plan: the join gives each row the plan the window gives it", () => {
  // b takes a's team, c takes d's pro, e takes f's (none) (its empty plan: no plan, not its
  // tier), h, i and j keep their own
  const joined = assertBothWays(true, "team team pro pro (none) (none) team free free free");
  // the other columns as they were, in their order
  assertEquals(joined.columns, frame.columns);
  assertEquals(joined.getColumn("org_id").toArray(), frame.getColumn("org_id").toArray());
});

Deno.test("customer plan: a snapshot without plan versions reads each organization's tier", () => {
  // (an earlier kit version's export imported: its plan column empty; here the plans are set
  // aside whatever they hold) b takes a's pro, c d's pro, e f's enterprise
  assertBothWays(false, "pro pro pro pro enterprise enterprise pro free free free");
});

Deno.test("customer plan: without the customer columns every plan is the organization's own", () => {
  const old = frame.select("org_id", "plan", "tier");
  const joined = withCustomerPlans(old.lazy(), { columns: old.columns, planVersions: true })
    .collectSync();
  assertEquals(
    joined.getColumn("plan").toArray(),
    ["team", "free", "free", "pro", "free", "(none)", "team", "free", "free", "free"],
  );
});

Deno.test("customer plan: the bridge's paying customers read the joined plan as it is, (none) not relabelled (none) plan", () => {
  // a pays without a plan; c shares b's customer and pays too, so the join runs (payingOrPausedOf)
  const paying = pl.DataFrame({
    org_id: ["a", "b", "c"],
    tier: ["enterprise", "pro", "pro"],
    plan: [null, "pro", "pro"],
    stripe_customer_id: ["cus_a", "cus_b", "cus_b"],
    revenue_source: ["stripe", "stripe", "shared_customer"],
    mrr_recurring: [100, 50, 5],
    mrr: [100, 50, 5],
    requests_30d: [1, 1, 1],
    llm_cost_30d: [0, 0, 0],
    llm_cost_ptb_30d: [0, 0, 0],
  });
  const { found } = payingOrPausedOf(
    { asOf: new Date("2026-02-01T00:00:00Z"), frame: paying },
    { ids: noCustomerIds() },
  );
  assertEquals(found.getColumn("plan").cast(pl.Utf8).toArray().sort(), ["(none)", "pro"]);
});
