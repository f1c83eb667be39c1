/**
 * The five-organization frame the brief tests (tests/brief*_test.ts) work by hand, and readers
 * of the brief.
 */
import { type BriefData } from "../lib/report/brief.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

/**
 * o1 free, no requests            o2 free, 1,000 requests       o3 pro, margin (80 − 50)/80 = 37.5 %
 * o4 pro, margin (40 − 300)/40 = −650 %                          o5 enterprise, MRR unknown
 */
export const frame = exportFrameFromColumns({
  org_id: ["o1", "o2", "o3", "o4", "o5"],
  tier: ["free", "free", "pro", "pro", "enterprise"],
  seats: [1, 2, 4, 2, 10],
  active_users_30d: [1, 1, 2, 2, 5],
  requests_30d: [0, 1_000, 20_000, 100_000, 500_000],
  llm_cost_30d: [0, 3, 50, 300, 1000],
  llm_cost_ptb_30d: [0, 0, 20, 300, 0],
  mrr: [0, 0, 80, 40, null],
  mrr_recurring: [0, 0, 80, 40, null],
  gross_margin_pct: [null, null, 37.5, -650, null],
  seat_utilization_pct: [100, 50, 50, 100, 50],
  is_ptb: [false, false, true, true, false],
  is_byok: [false, true, true, false, true],
  has_gateway_only: [false, false, false, true, false],
});

export const data: BriefData = {
  frame,
  asOf: new Date("2026-11-01T00:00:00Z"),
  windowDays: 30,
  demo: false,
  warnings: ["Stripe: 1 customer unknown to Stripe"],
  revenue: { source: "stripe" },
};

export const CSV = "helicone_pricing_data_2026-11-01.csv";

/** Totals' negative-margin line: organizations of loss-making customers, as the segment counts. */
export const NEGATIVE_LINE =
  "organizations of Stripe customers with negative gross margin, spec basis (a shared customer judged as one: its organizations' LLM cost against its MRR), of those whose customer's MRR is known";

/** A kit rule as the brief writes it: each snake_case name a code span. */
export function codeSpans(rule: string): string {
  return rule.replace(/\b([a-z0-9]+(?:_[a-z0-9]+)+)\b/g, "`$1`");
}
