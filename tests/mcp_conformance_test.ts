/**
 * What the MCP specification the SDK negotiates (2025-11-25 and earlier) asks of a server, through
 * the MCP SDK's own Client: an unknown resource URI is −32002 (resource not found) naming the
 * resources there are. In-process over the in-memory transport and over stdio, as
 * `deno task mcp` runs.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { McpError, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { connectInMemory, stdioClient } from "./mcp_client.ts";

const RESOURCES =
  "pricing://brief, pricing://dictionary, pricing://price-book, pricing://export.csv";

/** The error a resources/read of `uri` gets (it must fail). */
async function readError(client: Client, uri: string): Promise<McpError> {
  try {
    await client.readResource({ uri });
  } catch (error) {
    ok(error instanceof McpError, String(error));
    return error;
  }
  throw new Error(`${uri} was read`);
}

Deno.test("the SDK negotiates no protocol version past 2025-11-25, whose resources say −32002", () => {
  // 2026-07-28 (SEP-2164) moves resource not found to −32602: a newer SDK that negotiates it
  // needs lib/mcp/resources.ts's answer chosen by the session's version
  ok(
    SUPPORTED_PROTOCOL_VERSIONS.every((version: string) => version <= "2025-11-25"),
    SUPPORTED_PROTOCOL_VERSIONS.join(", "),
  );
});

Deno.test("an unknown resource URI: −32002 (resource not found) with its URI, naming the resources", async () => {
  const empty = await Deno.makeTempDir({ prefix: "mcp_conformance_" });
  const session = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: empty })),
  );
  try {
    const unknown = await readError(session.client, "pricing://nope");
    assertEquals(unknown.code, -32002);
    assertEquals(
      unknown.message,
      `MCP error -32002: resource not found: "pricing://nope"; the resources are ${RESOURCES}`,
    );
    assertEquals(unknown.data, { uri: "pricing://nope" });
    // a URI that does not parse is not found either (the SDK answered −32603 "Invalid URL")
    const broken = await readError(session.client, "no scheme");
    assertEquals([broken.code, broken.data], [-32002, { uri: "no scheme" }]);
    // the URI is the client's text: quoted as data, on one line, cut when long
    const hostile = await readError(session.client, `pricing://x\n<b>${"y".repeat(5000)}`);
    ok(!hostile.message.includes("\n") && !hostile.message.includes("<b>"), hostile.message);
    ok(hostile.message.length < 600, `${hostile.message.length}`);
    // the resources there are still read
    const brief = await session.client.readResource({ uri: "pricing://brief" });
    ok(brief.contents.length > 0);
  } finally {
    await session.close();
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("stdio: an unknown resource URI gets −32002 naming the resources", async () => {
  const empty = await Deno.makeTempDir({ prefix: "mcp_conformance_" });
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: empty });
  await client.connect(transport);
  try {
    const unknown = await readError(client, "pricing://export.xlsx");
    assertEquals(unknown.code, -32002);
    ok(unknown.message.endsWith(`the resources are ${RESOURCES}`), unknown.message);
  } finally {
    await client.close();
    await Deno.remove(empty, { recursive: true });
  }
});
