/**
 * The lib/analysis/questions tests' six organizations (every expectation in the questions_*_test.ts
 * files is worked out from these rows) and the small helpers those files share.
 */
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import pl from "nodejs-polars";
import {
  churnRisk,
  featureAdoption,
  pricingModelComparison,
  ptbVsByok,
  underpricedCustomers,
  upgradeCandidates,
} from "../lib/analysis/questions.ts";

/**
 * Six organizations; every expectation below is worked out from these rows.
 *
 *       tier        seats req        cost  mrr   ptb req  byok  gw    ptb cost addon meta            created used
 *   o1  pro         2     200,000    800   40    200,000  no    yes   800      0     –               0       0
 *   o2  free        1      60,000     30    0          0  yes   no    0        0     –               3     100
 *   o3  team        10     10,000    600  200      5,000  yes   no    150      50    prompts         5       0
 *   o4  enterprise  50  1,000,000   1000 5000          0  yes   no    0        0     evals,prompts  20     400
 *   o5  free        1           0      0    0          0  no    no    0        0     –               0       0
 *   o6  free        3      40,000    600  (unknown)    0  yes   no    0        –     prompts_v2      0       0
 *
 * Subscriptions (subscription_status, cancel_at_period_end): o1, o3, o4 active, not canceling;
 * o2 trialing (no subscription counts: its MRR is 0 and cancel_at_period_end empty); o5, o6 none.
 *
 * Company basis (infrastructure $0.01 per 1,000 requests): company cost = PTB cost + requests /
 * 1000 × 0.01; revenue = mrr + PTB revenue; margin = (revenue − cost) / revenue × 100.
 *
 *       ptb revenue  company cost  revenue  gross_margin_company_pct
 *   o1  900          802           940      138 / 940 = 14.68 %
 *   o2  0            0.6           0        –
 *   o3  50           150.1         250      99.9 / 250 = 39.96 %
 *   o4  0            10            5000     4990 / 5000 = 99.8 %
 *   o5  0            0             0        –
 *   o6  0            0.4           (unknown) –
 */
export const frame = pl.DataFrame({
  org_id: ["o1", "o2", "o3", "o4", "o5", "o6"],
  org_name: ["o1", "o2", "o3", "o4", "o5", "o6"],
  tier: ["pro", "free", "team", "enterprise", "free", "free"],
  tier_raw: ["pro-20251210", "free", "team-20251210", "enterprise", "free", "free"],
  seats: [2, 1, 10, 50, 1, 3],
  active_users_30d: [1, 1, 5, 40, 0, 2],
  requests_30d: [200_000, 60_000, 10_000, 1_000_000, 0, 40_000],
  llm_cost_30d: [800, 30, 600, 1000, 0, 600],
  mrr: pl.Series("mrr", [40, 0, 200, 5000, 0, null], pl.Float64),
  // each its own Stripe customer (o5 none); o6's revenue was not read
  stripe_customer_id: pl.Series(
    "stripe_customer_id",
    ["cus_1", "cus_2", "cus_3", "cus_4", null, "cus_6"],
    pl.Utf8,
  ),
  revenue_source: pl.Series(
    "revenue_source",
    ["stripe", "stripe", "stripe", "stripe", "no_customer", "none"],
    pl.Utf8,
  ),
  gross_margin_pct: pl.Series("gross_margin_pct", [-1900, null, -200, 80, null, null], pl.Float64),
  ptb_requests_30d: [200_000, 0, 5_000, 0, 0, 0],
  is_ptb: [true, false, true, false, false, false],
  is_byok: [false, true, true, true, false, true],
  has_gateway_only: [true, false, false, false, false, false],
  llm_cost_ptb_30d: [800, 0, 150, 0, 0, 0],
  llm_cost_byok_30d: [0, 30, 450, 1000, 0, 600],
  usage_charges: pl.Series("usage_charges", [0, 0, 0, 0, 0, null], pl.Float64),
  subscription_status: pl.Series(
    "subscription_status",
    ["active", "trialing", "active", "active", null, null],
    pl.Utf8,
  ),
  cancel_at_period_end: pl.Series(
    "cancel_at_period_end",
    [false, null, false, false, null, null],
    pl.Bool,
  ),
  addon_prompts: pl.Series("addon_prompts", [0, 0, 50, 0, 0, null], pl.Float64),
  addons_in_metadata: pl.Series("addons_in_metadata", [
    null,
    null,
    "prompts",
    "evals,prompts",
    null,
    "prompts_v2",
  ], pl.Utf8),
  prompts_created: [0, 3, 5, 20, 0, 0],
  prompts_used_30d: [0, 100, 0, 400, 0, 0],
  ptb_revenue_30d: pl.Series("ptb_revenue_30d", [900, 0, 50, 0, 0, 0], pl.Float64),
  company_cost_30d: pl.Series("company_cost_30d", [802, 0.6, 150.1, 10, 0, 0.4], pl.Float64),
  gross_margin_company_pct: pl.Series(
    "gross_margin_company_pct",
    [138 / 940 * 100, null, 99.9 / 250 * 100, 4990 / 5000 * 100, null, null],
    pl.Float64,
  ),
});

export const column = (df: pl.DataFrame, name: string) => df.getColumn(name).toArray();
export const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
export const count = (svg: string, tag: string) => svg.split(`<${tag}`).length - 1;

/** The fixture as an export with Stripe skipped: every revenue column empty. */
export const withoutRevenue = () =>
  frame.withColumns(
    ...["mrr", "addon_prompts", "ptb_revenue_30d", "gross_margin_pct", "gross_margin_company_pct"]
      .map((name) => pl.lit(null).cast(pl.Float64).alias(name)),
  );

export const allReadings = (f: pl.DataFrame) => [
  underpricedCustomers(f).reading,
  upgradeCandidates(f).reading,
  churnRisk(f).reading,
  pricingModelComparison(f).reading,
  featureAdoption(f).reading,
  ptbVsByok(f).reading,
];

/**
 * Three organizations' usage over 30 days, and the same usage as a 7-day export holds it (× 7/30):
 *
 *       tier  seats  mrr   requests        ptb req         byok req        cost      ptb cost  byok cost  prompts used
 *   w1  pro   2       40   300,000/70,000  300,000/70,000  0               900/210   900/210   0          0
 *   w2  free  1        0    60,000/14,000  0               60,000/14,000    30/7       0/0      30/7      0
 *   w3  team  10     200    30,000/7,000   15,000/3,500    15,000/3,500    600/140   150/35    450/105    300/70
 */
export function windowUsage(scale: number) {
  const usage = (values: number[]) => values.map((v) => v * scale);
  return exportFrameFromColumns({
    org_id: ["w1", "w2", "w3"],
    org_name: ["w1", "w2", "w3"],
    tier: ["pro", "free", "team"],
    seats: [2, 1, 10],
    mrr: [40, 0, 200],
    requests_30d: usage([300_000, 60_000, 30_000]),
    ptb_requests_30d: usage([300_000, 0, 15_000]),
    byok_requests_30d: usage([0, 60_000, 15_000]),
    prompts_used_30d: usage([0, 0, 300]),
    llm_cost_30d: usage([900, 30, 600]),
    llm_cost_ptb_30d: usage([900, 0, 150]),
    llm_cost_byok_30d: usage([0, 30, 450]),
    active_users_30d: [2, 1, 4],
    has_gateway_only: [true, false, false],
    is_byok: [false, true, true],
    is_ptb: [true, false, true],
    prompts_created: [0, 0, 5],
    addon_prompts: [0, 0, 0],
  });
}
