/**
 * lib/mcp/request_errors.ts: a request whose params do not have the protocol's shape gets −32602
 * in one line naming the field, over stdio (`deno task mcp`) and HTTP (`deno task serve`'s /mcp),
 * not the SDK's −32603 with a multi-line Zod dump.
 */
import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import { plainParamError } from "../lib/mcp/request_errors.ts";
import { exportsFolder, startServe, stdioClient } from "./mcp_client.ts";

/** What the SDK (1.32.2) answered tools/call with `arguments: "SELECT 1"` (its ZodError's text). */
const SDK_ANSWER = {
  jsonrpc: "2.0",
  id: 7,
  error: {
    code: -32603,
    message: JSON.stringify(
      [{
        expected: "record",
        code: "invalid_type",
        path: ["params", "arguments"],
        message: "Invalid input: expected record, received string",
      }],
      null,
      2,
    ),
  },
};

const PLAIN_ANSWER = {
  jsonrpc: "2.0",
  id: 7,
  error: {
    code: -32602,
    message: "invalid request params: params.arguments: expected an object, received string",
  },
};

Deno.test("plainParamError: the SDK's Zod dump becomes one line; other answers go out as they are", () => {
  assertEquals(plainParamError(SDK_ANSWER), PLAIN_ANSWER);
  const internal = { jsonrpc: "2.0", id: 1, error: { code: -32603, message: "[not json" } };
  assertEquals(plainParamError(internal), internal);
  const result = { jsonrpc: "2.0", id: 2, result: { content: [] } };
  assertEquals(plainParamError(result), result);
  const notFound = { jsonrpc: "2.0", id: 3, error: { code: -32602, message: "[1]" } };
  assertEquals(plainParamError(notFound), notFound);
  // a client's own key in a path is data, escaped as every error's text (oneLineError): no
  // markup, line break, bidi or zero-width character reaches the line
  const hostile = plainParamError({
    id: 4,
    error: {
      code: -32603,
      message: JSON.stringify([{
        path: ["params", "arguments", "<img src=x>\u200b&\n\u202e"],
        message: "Invalid input: expected string, received number",
      }]),
    },
  });
  assertEquals(
    hostile.error.message,
    "invalid request params: params.arguments.\\u003cimg src=x\\u003e\\u200b\\u0026\\n\\u202e: expected string, received number",
  );
  // many issues are cut as every error is, with how long the whole was
  const issues = Array.from({ length: 60 }, (_, i) => ({
    path: ["params", "arguments", `key${i}`],
    message: "Invalid input: expected string, received number",
  }));
  const cut = plainParamError({ id: 5, error: { code: -32603, message: JSON.stringify(issues) } });
  assertEquals(cut.error.code, -32602);
  match(
    cut.error.message,
    /^invalid request params: params\.arguments\.key0: expected string, received number; .*…\(cut, \d+ chars\)$/,
  );
});

/** A tools/call whose `arguments` is a string, as a hand-written client might send it. */
const BAD_CALL = {
  jsonrpc: "2.0",
  id: 7,
  method: "tools/call",
  params: { name: "query_sql", arguments: "SELECT 1" },
};

Deno.test("stdio: tools/call with string arguments gets -32602 in one line", async () => {
  const folder = await exportsFolder();
  const { transport } = stdioClient({ PRICING_MCP_EXPORTS_DIR: folder.dir });
  try {
    const answered = new Promise<unknown>((resolve) => {
      transport.onmessage = (message) => {
        if ((message as { id?: unknown }).id === 7) resolve(message);
      };
    });
    await transport.start();
    await transport.send(BAD_CALL as never);
    assertEquals(await answered, PLAIN_ANSWER);
  } finally {
    await transport.close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});

Deno.test("HTTP: tools/call with string arguments gets -32602 in one line", async () => {
  const folder = await exportsFolder();
  const server = await startServe({
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    PRICING_MCP_EXPORTS_DIR: folder.dir,
  });
  try {
    const response = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify(BAD_CALL),
    });
    assertEquals(response.status, 200);
    assertEquals(await response.json(), PLAIN_ANSWER);
  } finally {
    await server.stop();
    await Deno.remove(folder.dir, { recursive: true });
  }
});
