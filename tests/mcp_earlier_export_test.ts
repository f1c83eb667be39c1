/**
 * The MCP server over an exports folder an earlier kit version left (users keep outputs/ across
 * `git pull`): its refusal says what to do once.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { UnreadableExport } from "../lib/mcp/export_reading.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";

Deno.test("an earlier kit version's export as the newest: one line, told to export again once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_earlier_" });
  try {
    // f6d6c0c's 41 columns (before the price book's plan, list_price_mrr, …)
    const csv = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    await Deno.copyFile(
      fileURLToPath(new URL("./fixtures/export_columns_f6d6c0c.csv", import.meta.url)),
      csv,
    );
    const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }));
    const error = await store.current().then(() => null, (e: unknown) => e);
    ok(error instanceof UnreadableExport, String(error));
    // the reader's line already says to re-export: the fix adds moving it away, not a second
    // "export again (deno task export)"
    assertEquals(
      error.message,
      `${csv} is an export of an earlier kit version: its header lacks plan, list_price_mrr, ` +
        `ptb_revenue_30d, company_cost_30d, gross_margin_company_pct and 1 more (added since); re-export it ` +
        `with deno task export (history import and scenario --input read it as it is); or move it ` +
        `out of ${dir}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
