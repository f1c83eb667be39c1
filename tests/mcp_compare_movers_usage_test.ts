/**
 * compare_exports' largest MRR changes are in `mrr`, metered usage charges included, while
 * mrr_history's bridge (which points to compare_exports for organizations) moves recurring MRR
 * only: a customer that churned read its usage too, so the changes listed did not add up to the
 * bridge's churn (the demo's 2026-11: 325 + 72.80 + 50 = 447.80 USD listed against 438.20 USD of
 * churn), with nothing saying why. A note under the list says so, with the two changes, when
 * either file has usage charges. Two hand-built exports, through the MCP SDK client:
 *
 *              2026-10-01 (old)                       2026-11-01 (new)
 *   a (pro)    mrr 150 = recurring 100 + usage 50     mrr 0 (churned)
 *   b (team)   mrr 200 = recurring 200                mrr 230 = recurring 200 + usage 30
 *
 * mrr: 350 → 230 (−120); mrr_recurring: 300 → 200 (−100, a's churn); usage charges 50 → 30.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { compareNewestTwo } from "./mcp_client.ts";

interface Side {
  mrr: number[];
  mrr_recurring: number[];
  usage_charges: number[];
}

async function compareTwo(old: Side, newer: Side) {
  const dir = await Deno.makeTempDir({ prefix: "mcp_compare_movers_usage_" });
  try {
    for (const [date, side] of [["2026-10-01", old], ["2026-11-01", newer]] as const) {
      await writeCsvFile(
        exportFrameFromColumns({
          org_id: ["a", "b"],
          org_name: ["A", "B"],
          tier: ["pro", "team"],
          base_subscription: side.mrr_recurring,
          ...side,
        }),
        join(dir, `helicone_pricing_data_${date}.csv`),
      );
    }
    return await compareNewestTwo(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("compare_exports: with usage charges, a note says the movers' mrr is not the bridge's recurring MRR", async () => {
  const { text, structured } = await compareTwo(
    { mrr: [150, 200], mrr_recurring: [100, 200], usage_charges: [50, 0] },
    { mrr: [0, 230], mrr_recurring: [0, 200], usage_charges: [0, 30] },
  );
  const movers = structured.mrr_movers as { org_id: string; mrr_delta: number }[];
  assertEquals(movers.map((m) => [m.org_id, m.mrr_delta]), [["a", -150], ["b", 30]]);
  const note =
    "mrr_old, mrr_new and mrr_delta are mrr: recurring MRR plus the last closed period's metered " +
    "usage charges (usage_charges: $50.00 in all in the old file, $30.00 in the new), so an " +
    "organization's mrr_delta is not its movement in mrr_history's bridge, which moves recurring " +
    "MRR alone (mrr_recurring): one that churned also loses its usage charges here, and the " +
    "changes listed do not add up to the bridge's; recurring MRR changed by -$100.00 in all (the " +
    "totals' mrr_recurring row), mrr by -$120.00; each organization's mrr_recurring is a column " +
    "of both files (query_sql: table history for the history snapshots)";
  assertEquals(structured.mrr_movers_usage_note, note);
  ok(text.includes(`largest MRR changes:\n`), text);
  ok(text.includes(`\nnote: ${note}`), text);
});

Deno.test("compare_exports: without usage charges in either file, no such note (mrr is recurring MRR)", async () => {
  const { text, structured } = await compareTwo(
    { mrr: [100, 200], mrr_recurring: [100, 200], usage_charges: [0, 0] },
    { mrr: [0, 200], mrr_recurring: [0, 200], usage_charges: [0, 0] },
  );
  assertEquals(structured.mrr_movers_usage_note, undefined);
  ok(!text.includes("usage charges ("), text);
});
