/**
 * lib/analysis/scenario/margins.ts and totals.ts on their edges, by hand: PTB revenue not read
 * counts as 0 where the customer had no PTB cost; a shared Stripe customer's unknown company cost
 * or PTB cost on its other organization's row leaves the customer out as one; the warning's verb
 * agrees with its count; a change from a current MRR of $0 has no percentage.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { compareScenario } from "../lib/analysis/scenario/mod.ts";
import { marginLeftOutWarning } from "../lib/analysis/scenario/margins.ts";

/** $25 a seat on pro. */
const UP = {
  name: "up",
  description: "pro $25 a seat",
  addonPrices: {},
  plans: [{ name: "pro seats", match: { tiers: ["pro"] }, perSeatUsd: 25 }],
};

Deno.test("scenario margin: PTB revenue not read without PTB cost is 0; a shared customer's unknown cost or PTB cost on its other row leaves it out whole", async () => {
  // a: $40, 2 seats, PTB revenue not read and no PTB cost: counted, revenue 40 + 0, cost 10
  // cus_x: x1 carries $30 (PTB revenue not read), x2 shares it with PTB cost 4: both left out
  // cus_y: y1 carries $20 (cost 5), its sibling y2 has its company cost empty: both left out
  const frame = exportFrameFromColumns({
    org_id: ["a", "x1", "x2", "y1", "y2"],
    tier: ["pro", "pro", "pro", "pro", "pro"],
    stripe_customer_id: ["cus_a", "cus_x", "cus_x", "cus_y", "cus_y"],
    revenue_source: ["stripe", "stripe", "shared_customer", "stripe", "shared_customer"],
    seats: [2, 1, 1, 1, 1],
    mrr: [40, 30, null, 20, null],
    ptb_revenue_30d: [null, null, null, 0, null],
    llm_cost_ptb_30d: [0, 0, 4, 0, 0],
    company_cost_30d: [10, 3, 6, 5, null],
  });
  const { margin } = await compareScenario(frame, { scenario: UP });
  // a alone: (40 − 10) / 40 = 75 % now; 2 × 25 = 50 proposed, (50 − 10) / 50 = 80 %, +5 points
  assertEquals(margin, {
    organizations: 1,
    costUnknown: 2,
    ptbRevenueUnknown: 2,
    currentRevenueUsd: 40,
    proposedRevenueUsd: 50,
    companyCostUsd: 10,
    costUnrecorded: { requests: 0, organizations: 0, windowDays: 30 },
    currentMarginPct: 75,
    proposedMarginPct: 80,
    changePts: 5,
  });
});

Deno.test("scenario margin: one organization left out 'is', several 'are'", () => {
  const margin = {
    organizations: 1,
    costUnknown: 1,
    ptbRevenueUnknown: 0,
    currentRevenueUsd: 40,
    proposedRevenueUsd: 50,
    companyCostUsd: 10,
    costUnrecorded: { requests: 0, organizations: 0, windowDays: 30 },
    currentMarginPct: 75,
    proposedMarginPct: 80,
    changePts: 5,
  };
  assertEquals(
    marginLeftOutWarning(margin, { emptyColumns: [] }),
    "1 of the 2 organizations compared is left out of the company margin: 1 whose company cost is unknown (company_cost_30d empty)",
  );
  assertEquals(
    marginLeftOutWarning({ ...margin, costUnknown: 2 }, { emptyColumns: [] }),
    "2 of the 3 organizations compared are left out of the company margin: 2 whose company cost is unknown (company_cost_30d empty)",
  );
});

Deno.test("scenario totals: from a current MRR of $0 the change is $10 and has no percentage", async () => {
  // f: free today at $0, priced $10 flat
  const frame = exportFrameFromColumns({ org_id: ["f"], tier: ["free"], seats: [1], mrr: [0] });
  const { totals } = await compareScenario(frame, {
    scenario: { ...UP, plans: [{ name: "ten", match: { tiers: ["free"] }, flatUsd: 10 }] },
  });
  assertEquals([totals.currentMrrUsd, totals.proposedMrrUsd, totals.deltaUsd, totals.changePct], [
    0,
    10,
    10,
    null,
  ]);
});
