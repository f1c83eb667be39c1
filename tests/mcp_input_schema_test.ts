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
  account_outlook: {},
  chart: { name: "margin_by_plan" },
  compare_exports: {},
  database_sql: { database: "postgres", sql: "SELECT 1" },
  describe_dataset: {},
  key_question: { question: "underpriced" },
  organization: { org: "nobody" },
  mrr_history: {},
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
      /unknown field "tpo" of thresholds \(fields: underpricedMinRequests, .*, top\)$/,
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
      'MCP error -32602: Input validation error: Invalid arguments for tool organization: unknown argument "name" (arguments: org); missing argument org: give a string',
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
      "prices.seatPriceUsd must be at most 10000000, got 1e\\+308",
    ],
    [
      { question: "pricing_models", prices: { per1kRequestsUsd: 1001 } },
      "prices.per1kRequestsUsd must be at most 1000, got 1001",
    ],
    [
      { question: "pricing_models", prices: { pctOfLlmCost: 10_001 } },
      "prices.pctOfLlmCost must be at most 10000, got 10001",
    ],
    [
      { question: "underpriced", thresholds: { underpricedMaxMrrUsd: 1e308 } },
      "thresholds.underpricedMaxMrrUsd must be at most 10000000, got 1e\\+308",
    ],
    [
      { question: "underpriced", thresholds: { underpricedMinRequests: 1e13 } },
      "thresholds.underpricedMinRequests must be at most 1000000000000, got 10000000000000",
    ],
  ];
  try {
    for (const [args, bound] of tooBig) {
      refused(
        await call(client, "key_question", args),
        new RegExp(
          `^MCP error -32602: Input validation error: Invalid arguments for tool key_question: field ${bound}$`,
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

/** A refused call's message after the SDK's prefix, `… Invalid arguments for tool <name>: `. */
const REFUSALS: [string, Values, string][] = [
  ["query_sql", {}, "missing argument sql: give a string"],
  ["query_sql", { sql: 5 }, "argument sql must be a string, got 5"],
  ["query_sql", { sql: "" }, "argument sql must not be empty"],
  ["organization", { org: null }, "argument org must be a string, got null"],
  [
    "key_question",
    {},
    "missing argument question: give one of underpriced, upgrade_candidates, churn_risk, pricing_models, feature_adoption, ptb_vs_byok",
  ],
  [
    "key_question",
    { question: "\u202eunderpriced" },
    'argument question must be one of underpriced, upgrade_candidates, churn_risk, pricing_models, feature_adoption, ptb_vs_byok, got "\\u202eunderpriced"',
  ],
  [
    "key_question",
    { question: "underpriced", thresholds: { top: 1.5 } },
    "field thresholds.top must be a whole number, got 1.5",
  ],
  ["segment", { name: "gateway_only", columns: [1] }, "field columns[0] must be a string, got 1"],
  [
    "segment",
    { name: "gateway_only", columns: Array(51).fill("org_id") },
    "argument columns must list at most 50 items, got 51",
  ],
  ["run_scenario", { scenario: "x" }, 'argument scenario must be an object, got "x"'],
  [
    "run_scenario",
    { preset: "per_request", movers: "5" },
    'argument movers must be a number, got "5": write 5 (a number, not text)',
  ],
  // a percent written as text: the number to write, said in percent
  [
    "key_question",
    { question: "pricing_models", prices: { pctOfLlmCost: "2%" } },
    'field prices.pctOfLlmCost must be a number, got "2%": write 2 (a number, in percent: 2 is 2 %)',
  ],
  [
    "key_question",
    { question: "pricing_models", prices: { seatPriceUsd: "$1,000.50" } },
    'field prices.seatPriceUsd must be a number, got "$1,000.50": write 1000.5 (a number, not text)',
  ],
  ["compare_exports", { top: 0 }, "argument top must be at least 1, got 0"],
  [
    "compare_exports",
    { old: "x".repeat(201) },
    "argument old must be at most 200 characters, got 201",
  ],
  [
    "chart",
    { name: "margin_by_plan", tiers: "free" },
    'argument tiers must be an array, got "free"',
  ],
  ["run_export", { days: 3661 }, "argument days must be at most 3660, got 3661"],
  [
    "database_sql",
    {},
    "missing argument database: give one of postgres, clickhouse; missing argument sql: give a string",
  ],
  ["describe_dataset", { x: 1 }, 'unknown argument "x" (arguments: none)'],
  ["mrr_history", { months: 3 }, 'unknown argument "months" (arguments: cohorts)'],
  ["account_outlook", { top: 0 }, "argument top must be at least 1, got 0"],
];

Deno.test("every tool: a missing, mistyped or out-of-range argument is refused in one line naming it and what to send", async () => {
  const folder = await exportsFolder();
  const { transport, client } = stdioClient({
    PRICING_MCP_EXPORTS_DIR: folder.dir,
    PRICING_MCP_ALLOW_EXPORT: "1",
    PRICING_MCP_DATABASE_SQL: "1",
  });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    // (every tool is probed)
    assertEquals(
      [...new Set(REFUSALS.map(([name]) => name))].sort(),
      tools.map((t) => t.name).sort(),
    );
    const before = files(folder.dir);
    for (const [name, args, message] of REFUSALS) {
      const result = await call(client, name, args);
      assertEquals(result.isError, true, `${name} ${JSON.stringify(args)}`);
      assertEquals(
        text(result),
        `MCP error -32602: Input validation error: Invalid arguments for tool ${name}: ${message}`,
      );
    }
    assertEquals(files(folder.dir), before, "run_export wrote nothing");
  } finally {
    await client.close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});
