/**
 * lib/mcp/tools_compare.ts: compare_exports' largest MRR changes say which organizations share a
 * Stripe customer, as the CLI summary does: a customer's MRR moving to a newer organization reads
 * as one organization's rise and another's fall. Two small live exports written by hand.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { call, connectInMemory, text, type Values } from "./mcp_client.ts";

Deno.test("compare_exports marks the MRR movers whose Stripe customer is shared, with a note", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_compare_test_" });
  try {
    // cus_4 pays $400 on Four (growth); a month later a newer enterprise organization Six
    // carries it at $450 and Four shares it; One pays $100 throughout
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["o4", "o1"],
        org_name: ["Four | *bold*", "One"],
        tier: ["growth", "pro"],
        stripe_customer_id: ["cus_4", "cus_1"],
        revenue_source: ["stripe", "stripe"],
        mrr: [400, 100],
      }),
      join(dir, "helicone_pricing_data_2026-01-01.csv"),
    );
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["o6", "o4", "o1"],
        org_name: ["Six", "Four | *bold*", "One"],
        tier: ["enterprise", "growth", "pro"],
        stripe_customer_id: ["cus_4", "cus_4", "cus_1"],
        revenue_source: ["stripe", "shared_customer", "stripe"],
        mrr: [450, null, 100],
      }),
      join(dir, "helicone_pricing_data_2026-02-01.csv"),
    );
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(client, "compare_exports");
      ok(!result.isError, text(result));
      const s = result.structuredContent!;
      const movers = (s.mrr_movers as Values[]).map((row) => [
        row.org_id,
        row.presence,
        row.mrr_delta,
        row.shared_customer_old,
        row.shared_customer_new,
      ]);
      // Six +450 from nothing, Four 400 → 0, One unchanged; Six and Four share cus_4 in the new file
      assertEquals(movers, [
        ["o6", "appeared", 450, null, true],
        ["o4", "both", -400, false, true],
        ["o1", "both", 0, false, false],
      ]);
      ok(String(s.mrr_movers_note).includes("not necessarily new or lost business"), text(result));
      const lines = text(result).split("\n");
      ok(
        lines.at(-1)!.startsWith("note: shared_customer_old / shared_customer_new true:"),
        text(result),
      );
      // the organization's name stays data in the text table
      ok(!text(result).includes("Four | *bold*"), text(result));
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare_exports of two 7-day exports says their window (a note, window_note)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_compare_test_" });
  try {
    for (const [date, requests] of [["2026-11-24", 700], ["2026-12-01", 1400]] as const) {
      await writeCsvFile(
        exportFrameFromColumns({ org_id: ["o1"], tier: ["pro"], requests_30d: [requests] }),
        join(dir, `helicone_pricing_data_${date}_7d.csv`),
      );
    }
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(client, "compare_exports");
      ok(!result.isError, text(result));
      const note = result.structuredContent!.window_note as string;
      ok(note.startsWith("both cover 7 days, not 30: the *_30d columns"), note);
      ok(note.includes("mrr and the other amounts per month are monthly"), note);
      ok(text(result).split("\n").includes(`note: ${note}`), text(result));
      assertEquals(result.structuredContent!.warning, undefined);
      // requests_30d: 700 → 1,400 over each side's 7 days
      const row = (result.structuredContent!.totals as Values[])
        .find((r) => r.column === "requests_30d")!;
      assertEquals([row.old_total, row.new_total], [700, 1400]);
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
