/**
 * The three organizations the company margin's upper-bound tests count by hand
 * (economics_margin_bound_test.ts, server_margin_bound_test.ts).
 */
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

/**
 * a and b have known revenue: (100 + 20 + 50 + 0 − 30 − 10) / 170 = 76.5 %; c's revenue is unknown,
 * so neither its cost nor its 7 uncosted requests count: 3 + 2 = 5 of a and b.
 */
export function threeOrganizations(ptbUncosted: (number | null)[]) {
  return exportFrameFromColumns({
    org_id: ["a", "b", "c"],
    stripe_customer_id: ["cus_a", "cus_b", "cus_c"],
    requests_30d: [100, 50, 20],
    mrr: [100, 50, null],
    ptb_revenue_30d: [20, 0, null],
    llm_cost_30d: [40, 10, 5],
    llm_cost_ptb_30d: [25, 0, 5],
    company_cost_30d: [30, 10, 5],
    requests_cost_unknown_30d: [4, 2, 7],
    ptb_requests_cost_unknown_30d: ptbUncosted,
  });
}
