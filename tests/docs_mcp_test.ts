/**
 * docs/mcp.md against the server's own lists: its tools table, Resources paragraph and prompt count
 * name what tools/list, resources/list and prompts/list answer (the SDK client, in memory).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { connectInMemory } from "./mcp_client.ts";

const MCP_DOC = await Deno.readTextFile(new URL("../docs/mcp.md", import.meta.url));

/** The first cell of each row of the table headed `| tool …`, by its code span. */
function tabledTools(): string[] {
  const table = MCP_DOC.split("\n| tool ")[1]?.split("\n\n")[0] ?? "";
  ok(table, "docs/mcp.md's tools table");
  return table.split("\n").flatMap((line) => /^\| `(\w+)`/.exec(line)?.[1] ?? []).sort();
}

/** The server's tools, resources and prompts, with `env`'s settings over an empty folder. */
async function listed(env: Record<string, string>) {
  const empty = await Deno.makeTempDir({ prefix: "docs_mcp_" });
  const session = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: empty, ...env })),
  );
  try {
    const { client } = session;
    return {
      tools: (await client.listTools()).tools.map((tool) => tool.name).sort(),
      resources: (await client.listResources()).resources.map((resource) => resource.uri),
      prompts: (await client.listPrompts()).prompts.map((prompt) => prompt.name),
    };
  } finally {
    await session.close();
    await Deno.remove(empty, { recursive: true });
  }
}

const SWITCHES = {
  PRICING_MCP_DATABASE_SQL: "1",
  PRICING_MCP_ALLOW_EXPORT: "1",
  PRICING_PG_URL: "postgres://kit:pw@db.example.com:5432/postgres",
  PRICING_CH_URL: "https://clickhouse.example.com:8443",
};

Deno.test("docs/mcp.md's tools table names exactly tools/list's tools, both switches on; its 'only with' rows are off by default", async () => {
  const documented = tabledTools();
  assertEquals(documented, (await listed(SWITCHES)).tools);
  const switched = MCP_DOC.split("\n").flatMap((line) =>
    /^\| `(\w+)`\s*\| only with `PRICING_MCP_/.exec(line)?.[1] ?? []
  ).sort();
  assertEquals(switched, ["database_sql", "run_export"]);
  assertEquals(
    (await listed({})).tools,
    documented.filter((name) => !switched.includes(name)),
  );
});

Deno.test("docs/mcp.md's Resources paragraph names resources/list's URIs; it says how many prompts prompts/list has", async () => {
  const { resources, prompts } = await listed({});
  const paragraph = MCP_DOC.split("\nResources: ")[1]?.split("\n\n")[0] ?? "";
  ok(paragraph, "the Resources paragraph");
  const named = [...new Set(paragraph.match(/pricing:\/\/[\w.-]+/g))];
  // pricing://nope is the paragraph's example of a URI the server does not have
  assertEquals(named.filter((uri) => uri !== "pricing://nope").sort(), [...resources].sort());
  const words = ["none", "one", "two", "three", "four", "five", "six", "seven", "eight"];
  ok(
    paragraph.includes(`The prompts are the ${words[prompts.length]} key questions`),
    `${prompts.length} prompts: ${prompts.join(", ")}`,
  );
});
