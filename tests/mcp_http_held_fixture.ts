/**
 * What tests/mcp_http_progress_test.ts and mcp_server_stop_test.ts share: /mcp served in this
 * process over tests/mrr_history_fixture.ts's history, mrr_history held on a FIFO
 * (mrrHistoryHoldForTests) so a call stays under way for as long as a test needs, the streamed
 * answers in flight counted as the admin server counts them (`hold`), and a stop signal as the
 * admin server gives its store.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { mrrHistoryHoldForTests } from "../lib/mcp/history_process.ts";
import { call, serveMcpHttp } from "./mcp_client.ts";
import { filledWithFifo } from "./mrr_history_fixture.ts";

/** A held mrr_history's folder, /mcp over it, a connected client, and the streams held. */
export async function heldHistory() {
  const { dir, fifo } = await filledWithFifo();
  let held = 0;
  const hold = () => {
    held++;
    let once = true;
    return () => {
      if (once) held--;
      once = false;
    };
  };
  const serverStop = new AbortController();
  const { server, url } = serveMcpHttp(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), { signal: serverStop.signal }),
    { hold },
  );
  const client = new Client({ name: "pricing-kit-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url));
  // the dataset loaded first: the waits below are the build's
  assertEquals((await call(client, "describe_dataset", {})).isError, undefined);
  mrrHistoryHoldForTests.fifo = fifo;
  return {
    fifo,
    url,
    client,
    server,
    /** the admin server's stop, as its store sees it */
    serverStop,
    held: () => held,
    async close() {
      mrrHistoryHoldForTests.fifo = null;
      await client.close().catch(() => {});
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A tools/call of mrr_history POSTed as a client sends it (`meta` its _meta, if any). */
export function postHistoryCall(
  url: URL,
  { id, meta, signal }: { id: number; meta?: Record<string, unknown>; signal?: AbortSignal },
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: "mrr_history", arguments: {}, ...(meta ? { _meta: meta } : {}) },
    }),
    signal,
  });
}
