/**
 * lib/mcp over Streamable HTTP: the real `deno task serve` process with a token, driven by the MCP
 * SDK's StreamableHTTPClientTransport and by plain fetch for the refusals (401, 403, Origin).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  call,
  column,
  exportsFolder,
  LIVE_MARKER,
  liveExport,
  num,
  refused,
  startServe,
  text,
  TOKEN,
  TOOLS,
  type Values,
} from "./mcp_client.ts";
import { waitFor } from "./slow_queries.ts";
import { MCP_MAX_REQUEST_BYTES, tooLargeMessage } from "../lib/mcp/request_body.ts";
import { denoCacheEnv } from "./env.ts";

Deno.test("HTTP: /mcp on deno task serve: 401 without the token, Origin checked, tools answer", async () => {
  const folder = await exportsFolder();
  const server = await startServe({
    PATH: Deno.env.get("PATH") ?? "",
    ...denoCacheEnv(),
    PRICING_SERVER_TOKEN: TOKEN,
    PRICING_MCP_EXPORTS_DIR: folder.dir,
    PRICING_MCP_ALLOWED_ORIGINS: "https://claude.example",
  });
  try {
    const endpoint = `${server.url}/mcp`;
    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "curl", version: "1" },
      },
    });
    const headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    const post = (extra: Record<string, string>) =>
      fetch(endpoint, { method: "POST", headers: { ...headers, ...extra }, body: initialize });

    const anonymous = await post({});
    assertEquals(anonymous.status, 401);
    assertEquals((await anonymous.json()).error, "unauthorized");
    const wrong = await post({ authorization: "Bearer wrong-token-0123456789abcdef0123456789" });
    assertEquals(wrong.status, 403);
    await wrong.body?.cancel();
    const foreign = await post({
      authorization: `Bearer ${TOKEN}`,
      origin: "https://evil.example",
    });
    assertEquals(foreign.status, 403);
    assertEquals((await foreign.json()).error, "forbidden_origin");
    // DNS rebinding: the page's origin is its own name, whatever address it resolved to.
    const rebound = await post({
      authorization: `Bearer ${TOKEN}`,
      origin: `http://rebound.example:${new URL(server.url).port}`,
    });
    assertEquals(rebound.status, 403);
    await rebound.body?.cancel();
    for (const origin of [server.url, "https://claude.example"]) {
      const allowed = await post({ authorization: `Bearer ${TOKEN}`, origin });
      assertEquals(allowed.status, 200, origin);
      await allowed.body?.cancel();
    }

    const client = new Client({ name: "pricing-kit-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(endpoint), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    try {
      assertEquals((await client.listTools()).tools.map((tool) => tool.name).sort(), TOOLS);
      assertEquals((await client.listResources()).resources.length, 4);
      assertEquals((await client.listPrompts()).prompts.length, 6);
      const frame = folder.frame;
      const seats = column(frame, "seats").reduce((a: number, v) => a + (num(v) ?? 0), 0);
      const result = await call(client, "query_sql", {
        sql: "SELECT count(*) AS n, sum(seats) AS seats FROM pricing_data",
      });
      const row = (result.structuredContent!.rows as Values[])[0];
      assertEquals([row.n, row.seats], [frame.height, seats]);
      refused(
        await call(client, "query_sql", { sql: "UPDATE pricing_data SET mrr = 0" }),
        /only SELECT/,
      );
    } finally {
      await client.close();
    }
  } finally {
    await server.stop();
    await Deno.remove(folder.dir, { recursive: true });
  }
});

Deno.test("HTTP without a token (--demo on loopback): /mcp serves demo data only, never a live export", async () => {
  const folder = await exportsFolder();
  // The newest export is live (a cron job's, say): a token-free server must not serve it.
  await liveExport(folder.dir, { demoCsv: folder.current.csvPath!, date: "2026-11-02" });
  const server = await startServe({
    PATH: Deno.env.get("PATH") ?? "",
    ...denoCacheEnv(),
    PRICING_MCP_EXPORTS_DIR: folder.dir,
    PRICING_MCP_DATABASE_SQL: "1",
  });
  const client = new Client({ name: "pricing-kit-test", version: "1.0.0" });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    // No database SQL without a token, whatever PRICING_MCP_DATABASE_SQL says.
    assertEquals((await client.listTools()).tools.map((tool) => tool.name).sort(), TOOLS);
    const described = (await call(client, "describe_dataset")).structuredContent!;
    assertEquals(
      [described.demo, described.source],
      [true, `export file ${folder.current.csvPath}`],
    );
    const leaked = await call(client, "query_sql", {
      sql: `SELECT count(*) AS n FROM pricing_data WHERE org_name = '${LIVE_MARKER}'`,
    });
    assertEquals((leaked.structuredContent!.rows as Values[])[0].n, 0);
    const compared = await call(client, "compare_exports");
    assertEquals(compared.isError, undefined, text(compared));
    assertEquals(
      [compared.structuredContent!.old, compared.structuredContent!.new],
      ["helicone_pricing_data_2026-10-01_demo.csv", "helicone_pricing_data_2026-11-01_demo.csv"],
    );
    assertEquals(
      (compared.structuredContent!.exports as string[]).some((n) => !n.includes("_demo")),
      false,
    );
    refused(
      await call(client, "compare_exports", { new: "helicone_pricing_data_2026-11-02.csv" }),
      /no export named/,
    );
    const csv = await client.readResource({ uri: "pricing://export.csv" });
    ok(!(csv.contents[0] as { text: string }).text.includes(LIVE_MARKER));
  } finally {
    await client.close();
    await server.stop();
    await Deno.remove(folder.dir, { recursive: true });
  }
});

Deno.test("HTTP: a body over 4 MiB gets 413 naming the limit, declared or streamed, logged; one at the limit is answered", async () => {
  const server = await startServe({
    PATH: Deno.env.get("PATH") ?? "",
    ...denoCacheEnv(),
    PRICING_SERVER_TOKEN: TOKEN,
  });
  const post = (body: BodyInit) =>
    fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body,
      // a guard, not a measure: the refused body was never answered (a cloned body's tee waited)
      signal: AbortSignal.timeout(60_000),
    });
  /** A ping padded with `_meta` to exactly `bytes` bytes. */
  const ping = (bytes: number) => {
    const head = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"pad":"';
    const tail = '"}}}';
    return new TextEncoder().encode(head + "x".repeat(bytes - head.length - tail.length) + tail);
  };
  const refusal = {
    jsonrpc: "2.0",
    error: { code: -32000, message: tooLargeMessage(MCP_MAX_REQUEST_BYTES) },
    id: null,
  };
  try {
    // a Content-Length over the limit: refused before a byte is read
    const declared = await post(ping(MCP_MAX_REQUEST_BYTES + 1));
    assertEquals([declared.status, await declared.json()], [413, refusal]);
    // no length (chunked): refused once the bytes read pass the limit, the rest not waited for
    const big = ping(2 * MCP_MAX_REQUEST_BYTES);
    const streamed = await post(
      new ReadableStream({
        start(controller) {
          for (let at = 0; at < big.length; at += 65_536) {
            controller.enqueue(big.subarray(at, at + 65_536));
          }
          controller.close();
        },
      }),
    );
    assertEquals([streamed.status, await streamed.json()], [413, refusal]);
    const atLimit = await post(ping(MCP_MAX_REQUEST_BYTES));
    assertEquals([atLimit.status, await atLimit.json()], [200, {
      jsonrpc: "2.0",
      id: 1,
      result: {},
    }]);
    // each answer has its access-log line (written before the answer; read here as it comes)
    const logged = () => server.log().match(/ POST \/mcp \d+ /g) ?? [];
    await waitFor("three access-log lines", () => logged().length === 3);
    assertEquals(logged(), [
      " POST /mcp 413 ",
      " POST /mcp 413 ",
      " POST /mcp 200 ",
    ]);
  } finally {
    await server.stop();
  }
});
