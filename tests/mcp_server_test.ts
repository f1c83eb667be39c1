/**
 * lib/mcp/server.ts's instructions and the words a model reads before asking, over stdio with the
 * SDK's client: where MRR over months is (mrr_history's bridge, table history), what the
 * dictionary's # column marks, and why the free plan's spec-basis margin is empty.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { call, exportsFolder, stdioClient, type Values } from "./mcp_client.ts";

Deno.test("the server says where MRR over months is, what the dictionary's + marks, why free's margin is empty", async () => {
  const { dir } = await exportsFolder();
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const instructions = client.getInstructions() ?? "";
    ok(
      instructions.includes("MRR over months: mrr_history has the bridge") &&
        instructions.includes("query_sql's table history"),
      instructions,
    );
    const dictionary = (await client.listResources()).resources
      .find((r) => r.uri === "pricing://dictionary")!;
    ok(
      dictionary.description!.includes(
        "1–24 are the spec's columns in its order and `+` marks the kit's extras",
      ),
      dictionary.description,
    );
    const described = await call(client, "describe_dataset");
    const perPlan = described.structuredContent!.per_plan as {
      columns: { name: string; definition: string }[];
      rows: Values[];
    };
    const margin = perPlan.columns.find((c) => c.name === "margin_all_pct")!;
    ok(margin.definition.includes("empty when Σ mrr is 0"), margin.definition);
    // the demo's free plan: no MRR, LLM cost, and its margin empty as the definition says
    const free = perPlan.rows.find((r) => r.plan === "free")!;
    assertEquals([free.mrr, free.margin_all_pct], [0, null]);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});
