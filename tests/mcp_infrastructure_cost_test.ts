/**
 * lib/mcp/infrastructure_cost.ts through run_scenario and key_question: on an export whose
 * infrastructure cost is not set (PRICING_INFRA_USD_PER_1K_REQUESTS unset: company_cost_30d is PTB
 * LLM cost alone) a company-basis margin is said to be an upper bound, as the brief's cost model
 * and describe_dataset's warnings say. run_scenario's margin, "the basis to price on", said only
 * the pass-through requests without a cost, so the demo's 96.6 % → 28.9 % for 2 % of LLM cost read
 * as the margin after the change, infrastructure counted as $0 without a word; key_question
 * ptb_vs_byok set gateway-only's 81.2 % against BYOK-only traffic at no company cost, and
 * churn_risk said 0 of them lose money on the company's basis, both without infrastructure.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { demoExport } from "./demo_export_fixture.ts";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { call, stdioClient, text } from "./mcp_client.ts";

const UNSET = "infrastructure cost not set (PRICING_INFRA_USD_PER_1K_REQUESTS: counted as $0), " +
  "an upper bound";

/** A demo export as of 2026-11-01 made with `env`, served to `ask` over stdio. */
async function served<T>(
  env: Record<string, string>,
  ask: (client: Client) => Promise<T>,
  { manifest = true }: { manifest?: boolean } = {},
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "mcp_infrastructure_cost_test_" });
  await demoExport(dir, { env });
  // (an export handed on without the manifest written beside it records no cost model)
  if (!manifest) {
    await Deno.remove(join(dir, "helicone_pricing_data_2026-11-01_demo.manifest.json"));
  }
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    return await ask(client);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function servedScenario(env: Record<string, string>, options: { manifest?: boolean } = {}) {
  return served(env, async (client) => {
    const result = await call(client, "run_scenario", {
      preset: "two_percent_of_llm_cost",
      movers: 1,
    });
    ok(!result.isError, text(result));
    const line = text(result).split("\n").find((l) => l.startsWith("company margin"))!;
    return { line, margin: result.structuredContent!.margin as Record<string, unknown> };
  }, options);
}

Deno.test("run_scenario: a company margin without infrastructure cost says it is an upper bound", async () => {
  const unset = await servedScenario({});
  ok(unset.line.includes(`, ${UNSET}:`), unset.line);
  assertEquals(unset.margin.infrastructure_cost_set, false);

  // set: the cost is in company_cost_30d, nothing said
  const set = await servedScenario({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.01" });
  ok(!set.line.includes("infrastructure"), set.line);
  assertEquals(set.margin.infrastructure_cost_set, true);
  // (the cost it adds: $0.01 per 1,000 of the window's requests, so a lower margin)
  ok(
    (set.margin.current_margin_company_pct as number) <
      (unset.margin.current_margin_company_pct as number),
    `${set.margin.current_margin_company_pct} vs ${unset.margin.current_margin_company_pct}`,
  );
});

const MARGINS_NOTE = "infrastructure cost not set (PRICING_INFRA_USD_PER_1K_REQUESTS: counted " +
  "as $0): the company-basis margins here are upper bounds, and BYOK traffic, which costs the " +
  "company infrastructure alone, reads as costing it nothing";

Deno.test("key_question: ptb_vs_byok and churn_risk say their company-basis margins count no infrastructure", async () => {
  const ask = (client: Client) =>
    Promise.all(
      ["ptb_vs_byok", "churn_risk", "underpriced"].map((question) =>
        call(client, "key_question", { question })
      ),
    );
  const [ptb, churn, underpriced] = await served({}, ask);
  for (const result of [ptb, churn]) {
    ok(!result.isError, text(result));
    assertEquals(text(result).split("\n")[1], `cost model: ${MARGINS_NOTE}`);
    assertEquals(result.structuredContent!.cost_model, MARGINS_NOTE);
  }
  // a question that states no company-basis margin: nothing said
  ok(!text(underpriced).includes("infrastructure cost not set"), text(underpriced));
  ok(!("cost_model" in underpriced.structuredContent!));

  // set: nothing said
  const [setPtb, setChurn] = await served({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.01" }, ask);
  for (const result of [setPtb, setChurn]) {
    ok(!text(result).includes("cost model:"), text(result));
    ok(!("cost_model" in result.structuredContent!));
  }
});

Deno.test("an export without its manifest records no cost model: run_scenario and key_question say nothing of infrastructure", async () => {
  const scenario = await servedScenario({}, { manifest: false });
  ok(!scenario.line.includes("infrastructure"), scenario.line);
  assertEquals(scenario.margin.infrastructure_cost_set, null);
  const [ptb, churn] = await served(
    {},
    (client) =>
      Promise.all(
        ["ptb_vs_byok", "churn_risk"].map((question) => call(client, "key_question", { question })),
      ),
    { manifest: false },
  );
  for (const result of [ptb, churn]) {
    ok(!result.isError, text(result));
    ok(!text(result).includes("cost model:"), text(result));
    ok(!("cost_model" in result.structuredContent!));
  }
});
