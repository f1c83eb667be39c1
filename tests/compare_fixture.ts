/**
 * The two three-organization exports the comparison tests (tests/compare*_test.ts) work by hand,
 * and what they read from them.
 */
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

/** Before: a pro $50, b free, c team $200. */
export const before = exportFrameFromColumns({
  org_id: ["a", "b", "c"],
  org_name: ["Acme", "=Bobby", "Corp, Inc."],
  tier: ["pro", "free", "team"],
  created_at: [Date.UTC(2025, 0, 2, 3, 4, 5), null, Date.UTC(2024, 5, 1)],
  seats: [3, 1, 10],
  requests_30d: [1_000, 500, 50_000],
  llm_cost_30d: [10, 2, 300],
  mrr: [50, 0, 200],
  gross_margin_pct: [80, null, -50],
  is_ptb: [true, false, null],
});

/** After: a moved to team and pays $200, c's MRR is unknown, b left, d arrived. */
export const after = exportFrameFromColumns({
  org_id: ["a", "c", "d"],
  org_name: ["Acme", "Corp, Inc.", "Delta"],
  tier: ["team", "team", "free"],
  seats: [5, 12, 2],
  requests_30d: [3_000, 60_000, 100],
  llm_cost_30d: [20, 350, 0.5],
  mrr: [200, null, 0],
  gross_margin_pct: [90, null, null],
});

export const column = (df: pl.DataFrame, name: string) => df.getColumn(name).toArray() as unknown[];

/** The totals CSV's header for two exports of one window. */
export const SAME_WINDOW_TOTALS_HEADER =
  "column,unit,old_total,new_total,delta,change_pct,unknown_old,unknown_new";
