/**
 * The MCP tools' own figures never reach the text as a raw NaN or infinity: over exports whose
 * divisions have nothing to divide by (every amount $0) or whose values are unknown (empty cells),
 * each tool's text says "–", "unknown" or why (docs/development.md, "Signs and unknowns") and
 * structuredContent null. Only a query's own result (query_sql, database_sql) reads `inf`, `-inf`
 * or `NaN`, a value it computed (docs/mcp.md, Numbers; tests/mcp_result_tools_test.ts). Through the
 * real MCP SDK client.
 */
import { ok } from "node:assert/strict";
import { join } from "node:path";
import type pl from "nodejs-polars";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { QUESTION_NAMES } from "../lib/mcp/questions.ts";
import { SEGMENT_NAMES } from "../lib/report/segments.ts";
import { call, connectInMemory, text, type Values } from "./mcp_client.ts";

/** A raw non-finite number in text; "NaN, infinite or empty" is the words of why a value is unknown. */
const RAW_NON_FINITE = /\bNaN\b(?!, infinite)|\b-?inf\b|Infinity/;

/** Every amount $0 and every count 0: each share, margin and average divides by zero. */
const zeros = () =>
  exportFrameFromColumns({
    org_id: ["a", "b"],
    tier: ["pro", "free"],
    seats: [0, 0],
    requests_30d: [0, 0],
    active_users_30d: [0, 0],
    llm_cost_30d: [0, 0],
    llm_cost_ptb_30d: [0, 0],
    llm_cost_byok_30d: [0, 0],
    mrr: [0, 0],
    mrr_recurring: [0, 0],
    ptb_revenue_30d: [0, 0],
    company_cost_30d: [0, 0],
  });

/** Unknown MRR (an enterprise contract's, kept as it is by the price book), cost and PTB revenue. */
const unknowns = () =>
  exportFrameFromColumns({
    org_id: ["a", "b", "c", "d"],
    tier: ["enterprise", "enterprise", "pro", "free"],
    tier_raw: ["enterprise", "enterprise", "pro", "free"],
    seats: [3, 1, 0, 3],
    requests_30d: [100, 0, 5, 1_000_000],
    llm_cost_30d: [5, null, 0, null],
    llm_cost_ptb_30d: [5, null, 0, 0],
    mrr: [null, 0, 20, null],
    mrr_recurring: [null, 0, 20, null],
    ptb_revenue_30d: [null, 0, null, 0],
    company_cost_30d: [5, null, 0, null],
    is_byok: [false, null, true, null],
  });

const CALLS: [string, Values][] = [
  ["describe_dataset", {}],
  ["organization", { org: "a" }],
  ["compare_exports", {}],
  ...QUESTION_NAMES.map((question): [string, Values] => ["key_question", { question }]),
  ...SEGMENT_NAMES.map((name): [string, Values] => ["segment", { name }]),
  ...["current_seat_based", "per_request", "two_percent_of_llm_cost"].map((
    preset,
  ): [string, Values] => ["run_scenario", { preset }]),
  ["run_scenario", { preset: "per_request", breakeven: "plans[1].perRequest.tiers[0].usdPer1k" }],
];

async function rawNonFinite(frame: pl.DataFrame): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "mcp_text_non_finite_" });
  const found: string[] = [];
  try {
    // two exports of the same rows: compare_exports has two to compare
    await writeCsvFile(frame, join(dir, "helicone_pricing_data_2026-10-01.csv"));
    await writeCsvFile(frame, join(dir, "helicone_pricing_data_2026-11-01.csv"));
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      for (const [tool, args] of CALLS) {
        const result = await call(client, tool, args);
        const where = `${tool} ${JSON.stringify(args)}`;
        ok(result.isError === undefined, `${where}: ${text(result)}`);
        for (const line of text(result).split("\n")) {
          if (RAW_NON_FINITE.test(line)) found.push(`${where}: ${line}`);
        }
        const structured = JSON.stringify(result.structuredContent ?? {});
        const raw = structured.match(/.{0,60}"(NaN|Infinity|-Infinity)".{0,20}/);
        if (raw) found.push(`${where} structuredContent: ${raw[0]}`);
      }
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return found;
}

Deno.test("MCP tools over an export of $0 everywhere write no raw NaN or infinity", async () => {
  const found = await rawNonFinite(zeros());
  ok(found.length === 0, found.join("\n"));
});

Deno.test("MCP tools over an export of unknown MRR, cost and PTB revenue write no raw NaN or infinity", async () => {
  const found = await rawNonFinite(unknowns());
  ok(found.length === 0, found.join("\n"));
});
