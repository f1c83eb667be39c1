/**
 * lib/analysis/scenario/pricing.ts on its edges, each price worked out by hand from the few
 * organizations below: a plan matching tiers leaves an organization without a tier to the next
 * plan, fewer seats than included cost nothing (never a credit), a flat tier by active users reads
 * active users, and a plan pricing a share of LLM cost replaces the usage charges Stripe billed.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { parseScenario, proposedRevenue } from "../lib/analysis/scenario/mod.ts";
import { column } from "./scenario_fixture.ts";

/** o1 pro, 2 seats, 40 active users; o2 without a tier, 5 seats, 1 active user. */
const orgs = exportFrameFromColumns({
  org_id: ["o1", "o2"],
  tier: ["pro", null],
  seats: [2, 5],
  active_users_30d: [40, 1],
  requests_30d: [1_000, 1_000],
  llm_cost_30d: [200, 200],
  llm_cost_ptb_30d: [200, 200],
  mrr: [100, 50],
  mrr_recurring: [80, 50],
  usage_charges: [20, 0],
});

Deno.test("scenario pricing: no tier matches no plan that lists tiers; fewer seats than included cost $0", () => {
  const scenario = parseScenario({
    name: "edges",
    plans: [
      { name: "pro", match: { tiers: ["pro"] }, flatUsd: 5, perSeatUsd: 10, includedSeats: 3 },
      { name: "rest", flatUsd: 7 },
    ],
  });
  // o1: $5 flat and 2 seats of 3 included, $0 for seats (not −$10 against the $5); o2 has no
  // tier: not pro's, the rest's $7
  const proposed = proposedRevenue(orgs, scenario);
  assertEquals(column(proposed, "proposed_base"), [5, 7]);
  assertEquals(column(proposed, "proposed_mrr"), [5, 7]);
});

Deno.test("scenario pricing: flat tiers by active users read active users, not seats", () => {
  const scenario = parseScenario({
    name: "active",
    plans: [{
      name: "every",
      flatTiers: {
        metric: "active_users_30d",
        tiers: [{ upTo: 10, usd: 5 }, { upTo: null, usd: 50 }],
      },
    }],
  });
  // o1: 40 active users (2 seats) → $50; o2: 1 active user (5 seats) → $5
  assertEquals(column(proposedRevenue(orgs, scenario), "proposed_mrr"), [50, 5]);
});

Deno.test("scenario pricing: a plan pricing a share of LLM cost does not carry the usage charges too", () => {
  const scenario = parseScenario({
    name: "share",
    plans: [{
      name: "every",
      flatUsd: 10,
      pctOfLlmCost: { percent: 5, basis: "all" },
      meteredPrices: {},
    }],
  });
  // o1: 10 + 5 % × 200 = 20 (its $20 usage charges replaced, not added); o2: 10 + 10 = 20
  assertEquals(column(proposedRevenue(orgs, scenario), "proposed_mrr"), [20, 20]);
});
