/**
 * lib/mcp/request_errors.ts: a stdin line longer than the SDK's stdio transport takes (10 MiB)
 * closed the transport, and `deno task mcp` ended without a word (exit 0, nothing on stderr), the
 * requests under way unanswered and every later one refused as "Connection closed". It gets
 * −32600 in one line, with its id when its first or last bytes show it, and the session goes on.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/shared/stdio"
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from "@modelcontextprotocol/sdk/shared/stdio.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { oversizedLineAnswer } from "../lib/mcp/request_errors.ts";
import { call, rawStdioSession, stdioClient, text } from "./mcp_client.ts";

const OVER = STDIO_DEFAULT_MAX_BUFFER_SIZE + 1024;
const TOO_LONG =
  /^invalid request: the message is \d+ bytes, over 10485760 \(10 MiB\), the most one stdio line may hold; send a smaller request$/;

Deno.test("oversizedLineAnswer: −32600 with the id its first or last bytes show, else null", () => {
  const answer = (head: string, tail: string) => oversizedLineAnswer({ head, tail, bytes: OVER });
  // the SDK's client writes the id last, a hand-written client often first
  assertEquals(
    answer('{"method":"tools/call","params":{"a', 'xx"}},"jsonrpc":"2.0","id":7}').id,
    7,
  );
  assertEquals(answer('{"jsonrpc":"2.0","id":"a\\"b","method":"x', "zz").id, 'a"b');
  // an id inside params is no id of the message; neither is a fraction or none at all
  assertEquals(answer('{"method":"x","params":{"y', 'x","id":7}}').id, null);
  assertEquals(answer('{"jsonrpc":"2.0","id":1.5,"method":"x', "zz").id, null);
  assertEquals(answer("not json at all", "still not").id, null);
  const { error } = answer("x", "y");
  assertEquals(error.code, -32600);
  match(error.message, TOO_LONG);
});

Deno.test("deno task mcp: a request over 10 MiB gets −32600 at once; the session and the requests beside it go on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_long_line_" }); // (no export: demo data)
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    // sent together: the small one must not be lost with the large one
    const [huge, small] = await Promise.allSettled([
      call(client, "query_sql", { sql: `SELECT '${"x".repeat(OVER)}' AS x` }),
      call(client, "query_sql", { sql: "SELECT 1 AS n" }),
    ]);
    ok(huge.status === "rejected", "the oversized request is refused");
    const refusal = huge.reason;
    ok(refusal instanceof McpError, String(refusal));
    assertEquals(refusal.code, -32600);
    match(refusal.message, /^MCP error -32600: invalid request: the message is \d+ bytes, over/);
    ok(small.status === "fulfilled", String((small as PromiseRejectedResult).reason));
    assertEquals(small.value.structuredContent?.rows, [{ n: 1 }]);
    // the session goes on
    await client.ping();
    const described = await call(client, "describe_dataset");
    assertEquals(described.isError, undefined, text(described));
    assertEquals(described.structuredContent!.demo, true);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task mcp: an oversized line with its id first, or none, sent in pieces, is answered; the ping after it too", async () => {
  const session = await rawStdioSession();
  try {
    // a hand-written client's request, id first, written a MiB at a time; then a line of no JSON
    const filler = "y".repeat(1024 * 1024);
    await session.write('{"jsonrpc":"2.0","id":"big","method":"ping","params":{"x":"');
    for (let i = 0; i < 11; i++) await session.write(filler);
    await session.write('"}}\r\n');
    await session.write(filler.repeat(11) + "\n");
    await session.write('{"jsonrpc":"2.0","id":8,"method":"ping"}\n');
    const answers = await session.answersUntil(8);
    assertEquals(answers.map((a) => [a.id, a.error?.code]), [
      ["big", -32600],
      [null, -32600],
      [8, undefined],
    ]);
    for (const answer of answers.slice(0, 2)) match(answer.error!.message, TOO_LONG);
  } finally {
    await session.close();
  }
});
