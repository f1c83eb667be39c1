/**
 * run_scenario's company margin, "the basis to price on", on an export whose infrastructure cost
 * is not set (PRICING_INFRA_USD_PER_1K_REQUESTS unset: company_cost_30d is PTB LLM cost alone):
 * its margin line and `margin` say so, an upper bound, as the brief's cost model and
 * describe_dataset's warnings do. It said only the pass-through requests without a cost, so the
 * demo's 96.6 % → 28.9 % for 2 % of LLM cost read as the margin after the change, infrastructure
 * counted as $0 without a word.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { runExport } from "../lib/export.ts";
import { call, stdioClient, text } from "./mcp_client.ts";

const UNSET = "infrastructure cost not set (PRICING_INFRA_USD_PER_1K_REQUESTS: counted as $0), " +
  "an upper bound";

async function servedScenario(env: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "mcp_scenario_infra_test_" });
  await runExport({
    outDir: dir,
    demo: true,
    asOf: new Date("2026-11-01T00:00:00Z"),
    formats: ["csv"],
    charts: false,
    quiet: true,
    log: () => {},
    env,
  });
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const result = await call(client, "run_scenario", {
      preset: "two_percent_of_llm_cost",
      movers: 1,
    });
    ok(!result.isError, text(result));
    const line = text(result).split("\n").find((l) => l.startsWith("company margin"))!;
    return { line, margin: result.structuredContent!.margin as Record<string, unknown> };
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
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
