import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  churnRisk,
  featureAdoption,
  pricingModelComparison,
  ptbVsByok,
  underpricedCustomers,
  upgradeCandidates,
} from "../lib/questions.ts";

/** Six organizations; every expectation below is worked out from these rows. */
const frame = pl.DataFrame({
  org_id: ["o1", "o2", "o3", "o4", "o5", "o6"],
  org_name: ["o1", "o2", "o3", "o4", "o5", "o6"],
  tier: ["pro", "free", "team", "enterprise", "free", "free"],
  seats: [2, 1, 10, 50, 1, 3],
  active_users_30d: [1, 1, 5, 40, 0, 2],
  requests_30d: [200_000, 60_000, 10_000, 1_000_000, 0, 40_000],
  llm_cost_30d: [800, 30, 600, 1000, 0, 600],
  mrr: pl.Series("mrr", [40, 0, 200, 5000, 0, null], pl.Float64),
  gross_margin_pct: pl.Series("gross_margin_pct", [-1900, null, -200, 80, null, null], pl.Float64),
  ptb_requests_30d: [200_000, 0, 5_000, 0, 0, 0],
  is_ptb: [true, false, true, false, false, false],
  is_byok: [false, true, true, true, false, true],
  has_gateway_only: [true, false, false, false, false, false],
  llm_cost_ptb_30d: [800, 0, 300, 0, 0, 0],
  addon_prompts: pl.Series("addon_prompts", [0, 0, 50, 0, 0, null], pl.Float64),
  addons_in_metadata: pl.Series("addons_in_metadata", [
    null,
    null,
    "prompts",
    "evals,prompts",
    null,
    null,
  ], pl.Utf8),
  prompts_created: [0, 3, 5, 20, 0, 0],
  prompts_used_30d: [0, 100, 0, 400, 0, 0],
});

const column = (df: pl.DataFrame, name: string) => df.getColumn(name).toArray();

Deno.test("underpriced: ≥100k requests or ≥$500 cost with MRR ≤ $100 (empty MRR = 0), by cost", () => {
  // o1: 200k requests, MRR 40; o6: $600 cost, MRR unknown. o3 pays 200, o4 pays 5000.
  assertEquals(column(underpricedCustomers(frame), "org_name"), ["o1", "o6"]);
});

Deno.test("upgrade candidates: free tier with ≥50k requests", () => {
  assertEquals(column(upgradeCandidates(frame), "org_name"), ["o2"]); // o6 has 40k
  assertEquals(column(upgradeCandidates(frame, { upgradeMinRequests: 30_000 }), "org_name"), [
    "o2",
    "o6",
  ]);
});

Deno.test("churn risk: paying orgs whose LLM cost exceeds MRR, worst margin first", () => {
  assertEquals(column(churnRisk(frame), "org_name"), ["o1", "o3"]); // −1900 %, −200 %
});

Deno.test("pricing models by tier: seats × $20, requests × $0.50/1k, 2 % of LLM cost", () => {
  const table = pricingModelComparison(frame);
  assertEquals(column(table, "tier"), ["enterprise", "team", "pro", "free"]);
  assertEquals(column(table, "organizations"), [1, 1, 1, 3]);
  assertEquals(column(table, "current_mrr"), [5000, 200, 40, 0]);
  assertEquals(column(table, "seat_based"), [1000, 200, 40, 100]); // free: (1 + 1 + 3) × 20
  assertEquals(column(table, "usage_based"), [500, 5, 100, 50]); // free: 100k / 1000 × 0.5
  assertEquals(column(table, "pct_of_llm_cost"), [20, 12, 16, 12.6]); // free: 630 × 2 %
});

Deno.test("feature adoption: prompts add-on (billed or in metadata) against prompt usage", () => {
  const table = featureAdoption(frame);
  assertEquals(column(table, "has_prompts_addon"), [true, true, false, false]);
  assertEquals(column(table, "uses_prompts"), [true, false, true, false]);
  assertEquals(column(table, "organizations"), [1, 1, 1, 3]); // o4 | o3 | o2 | o1, o5, o6
  assertEquals(column(table, "prompt_requests_30d"), [400, 0, 100, 0]);
  assertEquals(column(table, "mrr"), [5000, 200, 0, 40]);
});

Deno.test("PTB vs BYOK: organizations by traffic type", () => {
  const table = ptbVsByok(frame);
  assertEquals(column(table, "traffic")[0], "BYOK only"); // most organizations first
  const byType = Object.fromEntries(
    (column(table, "traffic") as string[]).map((t, i) => [t, [
      column(table, "organizations")[i],
      column(table, "requests_30d")[i],
      column(table, "llm_cost_30d")[i],
      column(table, "mrr")[i],
    ]]),
  );
  assertEquals(byType, {
    "BYOK only": [3, 1_100_000, 1630, 5000], // o2, o4, o6
    "gateway only (PTB)": [1, 200_000, 800, 40], // o1
    "mixed": [1, 10_000, 600, 200], // o3
    "no requests": [1, 0, 0, 0], // o5
  });
});
