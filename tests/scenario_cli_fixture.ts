/**
 * The `deno task scenario` tests' two organizations (MRR unknown, or paying) and their refused-run
 * check, shared by the scenario_cli_*_test.ts files.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { captureConsole } from "./console_capture.ts";

/** a1 pro 2 seats, a2 team 5 seats; MRR unknown for both */
export const frame = exportFrameFromColumns({
  org_id: ["a1", "a2"],
  org_name: ["A1", "A2"],
  tier: ["pro", "team"],
  tier_raw: ["pro", "team"],
  seats: [2, 5],
  active_users_30d: [2, 5],
  requests_30d: [1_000, 2_000],
  llm_cost_30d: [1, 2],
  llm_cost_ptb_30d: [0, 0],
  llm_cost_byok_30d: [1, 2],
  addons_in_metadata: [null, null],
  addon_prompts: [0, 0],
  usage_charges: [0, 0],
  mrr: [null, null],
});

/**
 * Runs `check` (which expects refused runs) in a temporary folder with the console captured;
 * afterwards nothing was written: the folder's `out` is not there (a run that made it for its
 * files removed it again).
 */
export async function refusedRuns(
  check: (where: { dir: string; out: string; errors: string[] }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out");
  const { errors, restore } = captureConsole();
  try {
    await check({ dir, out, errors });
    assertEquals(await Deno.stat(out).then(() => "there", () => "not there"), "not there");
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * a1 $10 and a2 $20 a month, 1,000 and 2,000 requests in the window; company cost 0.5 and 1 (no
 * PTB revenue, none needed: no PTB cost)
 */
export const paying = frame.withColumns(
  pl.Series("mrr", [10, 20], pl.Float64),
  pl.Series("ptb_revenue_30d", [0, 0], pl.Float64),
  pl.Series("company_cost_30d", [0.5, 1], pl.Float64),
);
