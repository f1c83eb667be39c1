/**
 * The scenario comparison tests' three organizations (a1 pro 2 seats $40, a2 team 5 seats $100, a3
 * free 1 seat $0) and helpers shared by the scenario_comparison_*, scenario_shared_customer and
 * scenario_kept_siblings tests.
 */
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import type { ScenarioTotals } from "../lib/analysis/scenario/totals.ts";
import { scenarioMarkdown, type ScenarioReport } from "../lib/analysis/scenario/mod.ts";

export const frame = exportFrameFromColumns({
  org_id: ["a1", "a2", "a3"],
  org_name: ["A1", "A2", "A3"],
  tier: ["pro", "team", "free"],
  tier_raw: ["pro", "team", "free"],
  seats: [2, 5, 1],
  active_users_30d: [2, 5, 1],
  requests_30d: [1_000, 2_000, 0],
  llm_cost_30d: [1, 2, 0],
  llm_cost_ptb_30d: [0, 0, 0],
  llm_cost_byok_30d: [1, 2, 0],
  addons_in_metadata: [null, null, null],
  addon_prompts: [0, 0, 0],
  usage_charges: [0, 0, 0],
  mrr: [40, 100, 0],
});

export const columnOf = (frame: pl.DataFrame, name: string) => frame.getColumn(name).toArray();

/** comparable, current and proposed MRR, unknown current, not comparable: the totals compared. */
export function comparedTotals({ totals }: { totals: ScenarioTotals }): number[] {
  return [
    totals.comparable,
    totals.currentMrrUsd,
    totals.proposedMrrUsd,
    totals.unknownCurrent,
    totals.notComparable,
  ];
}

/** The comparison's Markdown report for live (not demo) data labelled "fixture", as of 2026-11-01. */
export const fixtureMarkdown = (result: ScenarioReport) =>
  scenarioMarkdown(result, { dataLabel: "fixture", asOf: new Date("2026-11-01"), demo: false });
