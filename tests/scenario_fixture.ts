/**
 * The scenario tests' nine-organization fixture (every expected number in the scenario_*_test.ts
 * files that use it is worked out by hand from these rows) and the helpers they share.
 */
import { fileURLToPath } from "node:url";
import { ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

export const SCENARIOS = fileURLToPath(new URL("../scenarios/", import.meta.url));

/**
 * s1 pro 3 seats, $60 = 3 × $20 (seat only)      s2 pro 0 seats, $20 (one-seat minimum)
 * s3 growth 5 seats + prompts, $150 = 100 + 50    u1 pro 4 seats, $84.50 = 80 + 4.50 usage charges
 * t1 team bundle, $200                            p25 pro-20251210 flat, $79 (prompts included)
 * e1 enterprise contract, $3,000                  f1 free, $0          f2 free, MRR unknown
 */
export const frame = exportFrameFromColumns({
  org_id: ["s1", "s2", "s3", "u1", "t1", "p25", "e1", "f1", "f2"],
  org_name: ["S1", "S2", "S3", "U1", "T1", "P25", "E1", "F1", "F2"],
  tier: ["pro", "pro", "growth", "pro", "team", "pro", "enterprise", "free", "free"],
  tier_raw: [
    "pro",
    "pro-20240913",
    "growth",
    "pro-20250202",
    "team-20250130",
    "pro-20251210",
    "enterprise",
    "free",
    null,
  ],
  seats: [3, 0, 5, 4, 12, 4, 40, 1, 2],
  active_users_30d: [3, 0, 5, 4, 12, 4, 40, 1, 2],
  requests_30d: [5_000, 0, 20_000, 40_000, 300_000, 2_500_000, 12_000_000, 0, 60_000],
  llm_cost_30d: [10, 0, 40, 150, 900, 1200, 5000, 0, 120],
  llm_cost_ptb_30d: [0, 0, 40, 50, 0, 1200, 1000, 0, 0],
  llm_cost_byok_30d: [10, 0, 0, 100, 900, 0, 4000, 0, 120],
  addons_in_metadata: [null, null, "prompts", null, null, "prompts", "prompts,evals", null, null],
  addon_prompts: [0, 0, 50, 0, 0, 0, 0, 0, null],
  usage_charges: [0, 0, 0, 4.5, 0, 0, 0, 0, null],
  mrr: [60, 20, 150, 84.5, 200, 79, 3000, 0, null],
});

export const column = (df: pl.DataFrame, name: string) => df.getColumn(name).toArray() as unknown[];

export function close(actual: number, expected: number, what: string, tolerance = 1e-9) {
  ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: expected ${expected}, got ${actual}`,
  );
}
