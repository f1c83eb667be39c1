/**
 * The segment tool's `limit` within PRICING_MCP_MAX_ROWS (lib/mcp/tools_analysis.ts): a limit past
 * the row cap lists the cap's rows, no more. Four organizations at $10 MRR and $100 LLM cost, all
 * in negative_margin; the cap 2, the limit 3: 2 rows listed of 4.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { call, text, type Values } from "./mcp_client.ts";
import { connect, oneExportFolder } from "./mcp_result_fixture.ts";

Deno.test("segment: a limit past PRICING_MCP_MAX_ROWS lists the cap's rows", async () => {
  const orgs = ["a", "b", "c", "d"];
  const dir = await oneExportFolder("mcp_segment_cap_", {
    org_id: orgs,
    org_name: orgs.map((o) => o.toUpperCase()),
    tier: orgs.map(() => "pro"),
    seats: orgs.map(() => 1),
    requests_30d: orgs.map(() => 100),
    llm_cost_30d: orgs.map(() => 100),
    mrr: orgs.map(() => 10),
  });
  const { client, close } = await connect({
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_MCP_MAX_ROWS: "2",
  });
  try {
    const result = await call(client, "segment", { name: "negative_margin", limit: 3 });
    assertEquals(result.isError, undefined, text(result));
    const content = result.structuredContent!;
    assertEquals((content.totals as Values).organizations, 4);
    assertEquals((content.rows as Values[]).length, 2);
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
