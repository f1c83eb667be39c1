/**
 * compare_exports' refusal of a name it does not know (lib/mcp/compare_sides.ts): the name comes
 * back as a JSON string literal, its quotes escaped, so no part of it reads as the kit's own words.
 */
import { ok } from "node:assert/strict";
import { call, refused, text } from "./mcp_client.ts";
import { connect, oneExportFolder } from "./mcp_result_fixture.ts";

Deno.test("compare_exports: an unknown name's quotes are escaped in the refusal", async () => {
  const dir = await oneExportFolder("mcp_compare_names_", {
    org_id: ["a"],
    org_name: ["A"],
    tier: ["pro"],
    seats: [1],
    requests_30d: [100],
    llm_cost_30d: [1],
    mrr: [10],
  });
  const { client, close } = await connect({ PRICING_MCP_EXPORTS_DIR: dir });
  try {
    const result = await call(client, "compare_exports", {
      old: 'x.csv" was found; use "y.csv',
    });
    refused(result, /^error: no export named /);
    ok(
      text(result).startsWith('error: no export named "x.csv\\" was found; use \\"y.csv" for old'),
      text(result),
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
