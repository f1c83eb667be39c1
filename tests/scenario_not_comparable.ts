/**
 * Five organizations, one of whose Stripe customers cannot be compared under SEAT_KEPT
 * (tests/mcp_tools_analysis_test.ts and tests/scenario_cli_test.ts work its numbers by hand):
 * m1 enterprise carries cus_8's $500 (kept); m2 pro 2 seats shares cus_8 and is re-priced: it pays
 * inside the $500, so cus_8 is not comparable, counted in m1's plan and tier. q1 pro 3 seats carries
 * cus_q's $60 (re-priced: $30); q2, free, shares cus_q on the kept plan: $0, so cus_q is compared.
 * b1 pro 2 seats, $30 → $20. Seat: current 60 + 30 = 90, proposed 30 + 0 + 20 = 50.
 */
import type pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

export const notComparableExport = (): pl.DataFrame =>
  exportFrameFromColumns({
    org_id: ["m1", "m2", "q1", "q2", "b1"],
    org_name: ["M1", "M2", "Q1", "Q2", "B1"],
    tier: ["enterprise", "pro", "pro", "free", "pro"],
    tier_raw: ["enterprise", "pro", "pro", "free", "pro"],
    stripe_customer_id: ["cus_8", "cus_8", "cus_q", "cus_q", "cus_2"],
    seats: [10, 2, 3, 1, 2],
    mrr: [500, null, 60, null, 30],
    revenue_source: ["stripe", "shared_customer", "stripe", "shared_customer", "stripe"],
  });

/** enterprise and free keep their current MRR, everyone else $10 a seat */
export const SEAT_KEPT = {
  name: "seat_kept",
  plans: [
    { name: "contract", match: { tiers: ["enterprise", "free"] }, keepCurrentMrr: true },
    { name: "seat", perSeatUsd: 10 },
  ],
};

/**
 * cus_8 (m1, m2) as above, and b1 with its revenue not fetched: no organization is compared. Under
 * SEAT_KEPT cus_8's $500 is left out (2 not comparable) and b1, 2 seats at $10, proposes $20.
 */
export const noneComparedExport = (): pl.DataFrame =>
  exportFrameFromColumns({
    org_id: ["m1", "m2", "b1"],
    org_name: ["M1", "M2", "B1"],
    tier: ["enterprise", "pro", "pro"],
    tier_raw: ["enterprise", "pro", "pro"],
    stripe_customer_id: ["cus_8", "cus_8", null],
    seats: [10, 2, 2],
    mrr: [500, null, null],
    revenue_source: ["stripe", "shared_customer", "none"],
  });
