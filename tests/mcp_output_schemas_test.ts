/**
 * lib/mcp/output_schemas.ts through the MCP SDK's own Client over stdio: describe_dataset,
 * query_sql, organization and compare_exports declare an outputSchema; their real results pass
 * the SDK's JSON Schema validator (the client also validates each call once it listed the tools),
 * results with a field missing or of the wrong type fail it, and error results carry no
 * structured content and are still delivered. (compare_exports' real results run under its schema in
 * mcp_test.ts and mcp_history_test.ts: the server validates before sending.)
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { MRR_HISTORY_OUTPUT } from "../lib/mcp/output_schemas.ts";
import { buildHistoryReport } from "../lib/history/report.ts";
import { cohortTable } from "../lib/history/cohorts.ts";
import { snapshot } from "./fixtures/history.ts";
import { QUESTION_NAMES } from "../lib/mcp/questions.ts";
import { textNumber } from "../lib/mcp/text.ts";
import { call, exportsFolder, refused, stdioClient, text, type Values } from "./mcp_client.ts";

Deno.test("outputSchema: declared, met by real results, not met by broken ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_schemas_" });
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    const schema = (name: string) => tools.find((t) => t.name === name)!.outputSchema!;
    const required: Record<string, string[]> = {
      describe_dataset: [
        "as_of",
        "demo",
        "row_count",
        "columns",
        "cost_model",
        "per_plan",
        "history",
      ],
      query_sql: ["columns", "rows", "row_count", "truncated"],
      organization: ["row", "tier", "peers", "tier_medians", "percentiles"],
      compare_exports: ["old", "new", "counts", "totals", "mrr_movers"],
    };
    for (const [name, fields] of Object.entries(required)) {
      assertEquals(schema(name).type, "object", name);
      for (const field of fields) {
        ok((schema(name).required ?? []).includes(field), `${name} requires ${field}`);
      }
    }

    const validator = new AjvJsonSchemaValidator();
    const check = (name: string, value: unknown) =>
      validator.getValidator(schema(name) as Parameters<typeof validator.getValidator>[0])(
        value,
      );

    const described = await call(client, "describe_dataset");
    assertEquals(described.isError, undefined, text(described));
    assertEquals(check("describe_dataset", described.structuredContent).valid, true);
    const { per_plan: _dropped, ...noPlans } = described.structuredContent!;
    assertEquals(check("describe_dataset", noPlans).valid, false);
    const wrongModel = {
      ...described.structuredContent!,
      cost_model: { ...(described.structuredContent!.cost_model as Values), from: "guess" },
    };
    assertEquals(check("describe_dataset", wrongModel).valid, false);

    const queried = await call(client, "query_sql", {
      sql: "SELECT org_id, org_name, mrr FROM pricing_data LIMIT 3",
    });
    assertEquals(queried.isError, undefined, text(queried));
    assertEquals(check("query_sql", queried.structuredContent).valid, true);
    const nested = { ...queried.structuredContent!, rows: [{ org_id: { nested: true } }] };
    assertEquals(check("query_sql", nested).valid, false);
    const id = (queried.structuredContent!.rows as Values[])[0].org_id as string;

    const org = await call(client, "organization", { org: id });
    assertEquals(org.isError, undefined, text(org));
    assertEquals(check("organization", org.structuredContent).valid, true);
    assertEquals(
      check("organization", { ...org.structuredContent!, peers: { tier: -1, plan: 0, all: 1 } })
        .valid,
      false,
    );

    // Errors carry no structuredContent; the SDK lets them through as one-line errors.
    const refusal = await call(client, "query_sql", { sql: "DELETE FROM pricing_data" });
    assertEquals(refusal.structuredContent, undefined);
    refused(refusal, /only SELECT/);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Every number in a value, with where it is. */
function numbersIn(value: unknown, path = "", found: [string, number][] = []): [string, number][] {
  if (typeof value === "number") found.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => numbersIn(v, `${path}[${i}]`, found));
  else if (value !== null && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) numbersIn(v, `${path}.${key}`, found);
  }
  return found;
}

Deno.test("text and structuredContent tell the same numbers, every tool", async () => {
  const folder = await exportsFolder();
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: folder.dir });
  await client.connect(transport);
  try {
    const calls: [string, Values][] = [
      ["describe_dataset", {}],
      ["query_sql", { sql: "SELECT tier, sum(mrr) AS mrr FROM pricing_data GROUP BY tier" }],
      ["organization", { org: "Müller" }],
      ...QUESTION_NAMES.map((question): [string, Values] => ["key_question", { question }]),
      ["segment", { name: "ptb_customers" }],
      ["run_scenario", { preset: "per_request" }],
      ["compare_exports", {}],
      ["chart", { name: "underpriced" }],
    ];
    for (const [name, args] of calls) {
      const result = await call(client, name, args);
      assertEquals(result.isError, undefined, text(result));
      // each number as the text writes numbers (12 significant digits); a chart's PNG size is
      // the image's, not a figure
      const missing = numbersIn(result.structuredContent)
        .filter(([path, value]) =>
          path !== ".png_bytes" && !text(result).includes(textNumber(value))
        );
      assertEquals(missing, [], `${name} ${JSON.stringify(args)}: numbers not in its text`);
    }
  } finally {
    await client.close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});

Deno.test("mrr_history's retention description: months_stored is not only fewer months", () => {
  // history_retention_edges_test.ts: as-of 2025-01-01 and 2026-03-01 give a months_stored period
  // over 14 months; a start at a month to date (2025-11-20 → 2026-12-01) is months_stored too
  const about = MRR_HISTORY_OUTPUT.retention.description ?? "";
  ok(!about.includes("when fewer"), about);
  ok(about.includes("more than 12 months"), about);
  ok(about.includes("a month to date among them too"), about);
});

Deno.test("mrr_history's cohorts description names every column of the rows, cohort_plan too", () => {
  // the rows are the cohorts CSV's (cohortTable): without cohort_plan, its (all) rows and each
  // plan's read as more cohorts, and a sum of them counts every customer twice
  const report = buildHistoryReport([
    snapshot("2026-01-01", [["org_a", "pro", 100, 1, 0]]),
    snapshot("2026-02-01", [["org_a", "pro", 150, 1, 0]]),
  ], false);
  const columns = cohortTable(report.cohorts, report.periods).columns;
  const about = MRR_HISTORY_OUTPUT.cohorts.description ?? "";
  for (const column of columns) ok(about.includes(column), `${column}: ${about}`);
  ok(about.includes("never both"), about);
});
