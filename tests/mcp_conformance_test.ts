/**
 * What the MCP specification the SDK negotiates (2025-11-25 and earlier) asks of a server, through
 * the MCP SDK's own Client: an unknown resource URI is −32002 (resource not found) naming the
 * resources there are, and the capabilities declare no list changes, as none of the lists changes
 * during a session (a fresh export included). In-process over the in-memory transport and over
 * stdio, as `deno task mcp` runs.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { McpError, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { call, connectInMemory, stdioClient, text } from "./mcp_client.ts";

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

/** The server's three lists, by name or URI. */
async function lists(client: Client) {
  return {
    tools: (await client.listTools()).tools.map((tool) => tool.name).sort(),
    resources: (await client.listResources()).resources.map((resource) => resource.uri).sort(),
    prompts: (await client.listPrompts()).prompts.map((prompt) => prompt.name).sort(),
  };
}

Deno.test("capabilities: no listChanged, and the lists stay as they were after run_export writes an export", async () => {
  const empty = await Deno.makeTempDir({ prefix: "mcp_conformance_" });
  const session = await connectInMemory(
    new DatasetStore(
      mcpSettings({ PRICING_MCP_EXPORTS_DIR: empty, PRICING_MCP_ALLOW_EXPORT: "1" }),
    ),
  );
  // every notification the client has no handler of its own for (list_changed among them)
  const heard: string[] = [];
  session.client.fallbackNotificationHandler = (notification) => {
    heard.push(notification.method);
    return Promise.resolve();
  };
  try {
    assertEquals(session.client.getServerCapabilities()?.tools, { listChanged: false });
    assertEquals(session.client.getServerCapabilities()?.resources, { listChanged: false });
    assertEquals(session.client.getServerCapabilities()?.prompts, { listChanged: false });
    const before = await lists(session.client);
    // the demo dataset in memory, then a written export served: the same tools, resources, prompts
    const exported = await call(session.client, "run_export", { days: 30 });
    assertEquals(exported.isError, undefined, text(exported));
    ok(text(exported).startsWith("exported "), text(exported));
    assertEquals(await lists(session.client), before);
    assertEquals(heard.filter((method) => method.endsWith("/list_changed")), []);
  } finally {
    await session.close();
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("stdio: the capabilities declare no listChanged", async () => {
  const empty = await Deno.makeTempDir({ prefix: "mcp_conformance_" });
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: empty });
  await client.connect(transport);
  try {
    const capabilities = client.getServerCapabilities()!;
    assertEquals(
      [capabilities.tools, capabilities.resources, capabilities.prompts],
      [{ listChanged: false }, { listChanged: false }, { listChanged: false }],
    );
  } finally {
    await client.close();
    await Deno.remove(empty, { recursive: true });
  }
});
