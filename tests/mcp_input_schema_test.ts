/**
 * lib/mcp/input_schema.ts through the MCP SDK's Client: every tool refuses an argument it does
 * not take with one line naming it and the arguments it does take (they were dropped without a
 * word: run_export {"as_of"} exported as of now), and lists its schema with
 * additionalProperties false. In-process for every tool (run_export and database_sql turned on),
 * and over stdio (`deno task mcp`) for run_export.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import {
  call,
  connectInMemory,
  exportsFolder,
  refused,
  stdioClient,
  text,
  TOOLS,
  type Values,
} from "./mcp_client.ts";

/** Arguments each tool accepts (the required ones): the unknown one is the only fault. */
const VALID: Record<string, Values> = {
  chart: { name: "margin_by_plan" },
  compare_exports: {},
  database_sql: { database: "postgres", sql: "SELECT 1" },
  describe_dataset: {},
  key_question: { question: "underpriced" },
  organization: { org: "nobody" },
  query_sql: { sql: "SELECT 1 AS n" },
  run_export: {},
  run_scenario: { preset: "current_seat_based" },
  segment: { name: "negative_margin" },
};

/** The files in a folder, sorted (what a refused run_export must leave as it was). */
function files(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("every tool refuses an unknown argument with one line naming it and the arguments", async () => {
  const folder = await exportsFolder();
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({
      PRICING_MCP_EXPORTS_DIR: folder.dir,
      PRICING_MCP_ALLOW_EXPORT: "1",
      PRICING_MCP_DATABASE_SQL: "1",
    })),
  );
  try {
    const { tools } = await client.listTools();
    assertEquals(
      tools.map((t) => t.name).sort(),
      [...TOOLS, "database_sql", "run_export"].sort(),
    );
    const before = files(folder.dir);
    for (const tool of tools) {
      const schema = tool.inputSchema as { additionalProperties?: unknown; properties?: Values };
      assertEquals(schema.additionalProperties, false, `${tool.name}: listed as strict`);
      const names = Object.keys(schema.properties ?? {});
      const args = VALID[tool.name];
      ok(args, `${tool.name}: valid arguments in VALID`);
      const result = await call(client, tool.name, { ...args, bogus: 1 });
      refused(
        result,
        new RegExp(
          `Invalid arguments for tool ${tool.name}: unknown argument "bogus" \\(arguments: ${
            names.length > 0 ? names.join(", ") : "none"
          }\\)$`,
        ),
      );
    }
    // what the probe sent: nothing exported, the served dataset unchanged
    refused(
      await call(client, "run_export", { as_of: "2026-02-30" }),
      /unknown argument "as_of" \(arguments: days\)$/,
    );
    assertEquals(files(folder.dir), before, "run_export wrote nothing");
    const described = await call(client, "describe_dataset");
    assertEquals(described.structuredContent!.as_of, "2026-11-01T00:00:00.000Z");

    // top belongs in thresholds: said at the top level, and a field thresholds lacks is named
    refused(
      await call(client, "key_question", { question: "underpriced", top: 3 }),
      /unknown argument "top" \(arguments: question, thresholds, prices\)$/,
    );
    refused(
      await call(client, "key_question", { question: "underpriced", thresholds: { tpo: 3 } }),
      /unknown field "tpo" of thresholds \(fields: underpricedMinRequests, .*, top\) at thresholds$/,
    );
    // where it belongs, top is kept: three rows
    const topped = await call(client, "key_question", {
      question: "underpriced",
      thresholds: { top: 3 },
    });
    assertEquals(topped.isError, undefined, text(topped));
    assertEquals((topped.structuredContent!.table as Values[]).length, 3);
    // a key the client sent is data: quoted, cut, escaped
    refused(
      await call(client, "describe_dataset", { ["<b>" + "x".repeat(60)]: 1 }),
      /unknown argument "\\u003cb\\u003ex{37}"… \(63 characters\) \(arguments: none\)$/,
    );
  } finally {
    await close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});

Deno.test("a missing argument beside an unknown one is refused in one line, the unknown one first", async () => {
  const folder = await exportsFolder();
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: folder.dir })),
  );
  try {
    // org is required; "name" is not an argument of organization
    const result = await call(client, "organization", { name: "x" });
    assertEquals(result.isError, true);
    assertEquals(
      text(result),
      'MCP error -32602: Input validation error: Invalid arguments for tool organization: unknown argument "name" (arguments: org); Invalid input: expected string, received undefined at org',
    );
  } finally {
    await close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});

Deno.test("key_question: prices and thresholds past the scenario engine's bounds are refused in one line", async () => {
  const folder = await exportsFolder();
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: folder.dir })),
  );
  // 1e308 read "a seat $∞" and a 309-digit dollar amount; run_scenario refuses the same price
  const tooBig: [Record<string, unknown>, string][] = [
    [
      { question: "pricing_models", prices: { seatPriceUsd: 1e308 } },
      "<=10000000 at prices.seatPriceUsd",
    ],
    [
      { question: "pricing_models", prices: { per1kRequestsUsd: 1001 } },
      "<=1000 at prices.per1kRequestsUsd",
    ],
    [
      { question: "pricing_models", prices: { pctOfLlmCost: 10_001 } },
      "<=10000 at prices.pctOfLlmCost",
    ],
    [
      { question: "underpriced", thresholds: { underpricedMaxMrrUsd: 1e308 } },
      "<=10000000 at thresholds.underpricedMaxMrrUsd",
    ],
    [
      { question: "underpriced", thresholds: { underpricedMinRequests: 1e13 } },
      "<=1000000000000 at thresholds.underpricedMinRequests",
    ],
  ];
  try {
    for (const [args, bound] of tooBig) {
      refused(
        await call(client, "key_question", args),
        new RegExp(
          `^MCP error -32602: Input validation error: Invalid arguments for tool key_question: Too big: expected number to be ${bound}$`,
        ),
      );
    }
    // at the bound itself: answered
    const atBound = await call(client, "key_question", {
      question: "pricing_models",
      prices: { seatPriceUsd: 10_000_000 },
    });
    assertEquals(atBound.isError, undefined, text(atBound));
  } finally {
    await close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});

Deno.test("deno task mcp: run_export with as_of is refused, nothing exported", async () => {
  const folder = await exportsFolder();
  const { transport, client } = stdioClient({
    PRICING_MCP_EXPORTS_DIR: folder.dir,
    PRICING_MCP_ALLOW_EXPORT: "1",
  });
  await client.connect(transport);
  try {
    const before = files(folder.dir);
    refused(
      await call(client, "run_export", { as_of: "2026-02-30" }),
      /^MCP error -32602: Input validation error: Invalid arguments for tool run_export: unknown argument "as_of" \(arguments: days\)$/,
    );
    assertEquals(files(folder.dir), before, "nothing written");
  } finally {
    await client.close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});
