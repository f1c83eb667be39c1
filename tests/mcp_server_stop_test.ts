/**
 * The MCP server stopped with a call in flight, and a client closed mid-stream. Over HTTP the
 * admin server's stop (its signal, lib/server/main.ts) ends a streamed call at once, its client
 * told in one line (the stop waited for the call's own end: an mrr_history build, a database
 * query, minutes); `deno task serve` sent SIGTERM then exits, the query stopped on the database.
 * Over stdio SIGTERM ends `deno task mcp` likewise. No unhandled rejection: the in-process tests
 * fail on one (Deno's test runner), a child's exit code and stderr say so.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mrrHistoryHoldForTests } from "../lib/mcp/history_process.ts";
import { createMcpHttpHandler } from "../lib/mcp/http.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { STOPPING_MESSAGE, streamKeepAlive } from "../lib/mcp/http_stream.ts";
import { leastPrivilegeDatabases } from "./fixture_databases.ts";
import { call, startServe, TOKEN } from "./mcp_client.ts";
import { heldHistory } from "./mcp_http_held_fixture.ts";
import { assertBridge, processGone } from "./mrr_history_fixture.ts";
import { databaseSqlStdio, runningWith } from "./mcp_database_fixture.ts";
import { waitFor } from "./slow_queries.ts";
import { denoCacheEnv } from "./env.ts";

Deno.test("HTTP: the server's stop with a streamed mrr_history in flight tells its client in one line, kills the build, lets the stream go and shuts down", async () => {
  const session = await heldHistory();
  let writer: Deno.FsFile | undefined;
  try {
    const heard: string[] = [];
    const answer = session.client.callTool({ name: "mrr_history", arguments: {} }, undefined, {
      onprogress: (progress) => heard.push(progress.message ?? ""),
    });
    writer = await Deno.open(session.fifo, { write: true }); // the build holds at the FIFO
    await waitFor("the stream open", () => session.held() === 1);
    session.serverStop.abort();
    await rejects(answer, (error: Error) => {
      match(error.message, new RegExp(STOPPING_MESSAGE.replaceAll(/[()]/g, "\\$&")));
      return true;
    });
    await processGone(writer, "the build's process to end");
    await waitFor("the stream let go", () => session.held() === 0);
    // a POST arriving meanwhile is refused in one line, nothing started
    const late = await fetch(session.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: "{}",
    });
    assertEquals(late.status, 503);
    assertEquals((await late.json()).error.message, STOPPING_MESSAGE);
    // Deno's shutdown waited for the stream: nothing is left in flight
    await session.server.shutdown();
  } finally {
    writer?.close();
    await session.close();
  }
});

Deno.test("HTTP: an SDK client closed mid-stream is seen by the server (at the next keep-alive at the latest): the build is killed, nothing answered", async () => {
  const session = await heldHistory();
  const everyMs = streamKeepAlive.everyMs;
  let writer: Deno.FsFile | undefined;
  try {
    streamKeepAlive.everyMs = 100;
    const answer = session.client.callTool({ name: "mrr_history", arguments: {} }, undefined, {
      onprogress: () => {},
    }).then(() => "answered", () => "rejected");
    writer = await Deno.open(session.fifo, { write: true });
    await waitFor("the stream open", () => session.held() === 1);
    await session.client.close();
    assertEquals(await answer, "rejected");
    await processGone(writer, "the closed client's build to end");
    await waitFor("the stream let go", () => session.held() === 0);
    writer.close();
    writer = undefined;
    // the server goes on: a new client's call is answered
    mrrHistoryHoldForTests.fifo = null;
    const next = new Client({ name: "pricing-kit-test", version: "1.0.0" });
    await next.connect(new StreamableHTTPClientTransport(session.url));
    assertBridge(await call(next, "mrr_history", {}));
    await next.close();
  } finally {
    streamKeepAlive.everyMs = everyMs;
    writer?.close();
    await session.close();
  }
});

Deno.test("HTTP: the server's stop with a batch half answered on its stream answers only the call still under way: one answer per request", async () => {
  const session = await heldHistory();
  let writer: Deno.FsFile | undefined;
  try {
    const callOf = (id: number, name: string) => ({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name, arguments: {} },
    });
    const response = await fetch(session.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify([callOf(1, "describe_dataset"), callOf(2, "mrr_history")]),
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const answers = () =>
      // (whole events only: the last may be cut mid-line)
      text.split("\n\n").slice(0, -1).flatMap((event) => event.split("\n"))
        .filter((line) => line.startsWith("data: "))
        .map((line) => JSON.parse(line.slice("data: ".length)) as Record<string, unknown>)
        .filter((event) => "result" in event || "error" in event);
    // describe_dataset answered on the stream, mrr_history held at the FIFO
    while (!answers().some((answer) => answer.id === 1)) {
      const next = await reader.read();
      ok(!next.done, `the stream ended before describe_dataset's answer: ${text}`);
      text += next.value;
    }
    writer = await Deno.open(session.fifo, { write: true });
    session.serverStop.abort();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      text += next.value;
    }
    // [id, answered with an error]: describe_dataset's result alone, mrr_history's stop
    const answered = answers().map((answer) => [answer.id, "error" in answer]);
    assertEquals(answered, [[1, false], [2, true]]);
    assertEquals((answers()[1].error as { message: string }).message, STOPPING_MESSAGE);
    await processGone(writer, "the build's process to end");
  } finally {
    writer?.close();
    await session.close();
  }
});

Deno.test("HTTP: the server's stop while a POST's body is still coming stops that request too: answered 503 in one line, nothing run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_stop_body_" });
  try {
    const serverStop = new AbortController();
    const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), {
      signal: serverStop.signal,
    });
    const handler = createMcpHttpHandler(store.settings, {
      auth: { check: () => ({ ok: true }) },
      store,
    });
    // tools/list (answered in JSON) in two pieces: the stop comes between them, after the
    // handler's first look at the signal, and the body still ends whole
    const json = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
    const pieces = [json.slice(0, 10), json.slice(10)];
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        if (pulls === 2) serverStop.abort();
        const piece = pieces.shift();
        if (piece === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(piece));
      },
    });
    const response = await handler(
      new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body,
      }),
    );
    ok(serverStop.signal.aborted && pulls >= 2, `the body read in ${pulls} pulls`);
    assertEquals(response.status, 503);
    assertEquals((await response.json()).error.message, STOPPING_MESSAGE);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Five minutes on PostgreSQL unless stopped; `mark` finds it on the server. */
const slowSql = (mark: string) => `SELECT '${mark}' AS mark, pg_sleep(300) AS s`;

Deno.test("deno task serve sent SIGTERM with a streamed database_sql in flight: the client told, the query stopped on the database, the server exits 0", async () => {
  const databases = await leastPrivilegeDatabases("mcpstop");
  const dir = await Deno.makeTempDir({ prefix: "mcp_stop_" });
  const server = await startServe({
    PATH: Deno.env.get("PATH") ?? "",
    ...denoCacheEnv(),
    ...databases.env as Record<string, string>,
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_MCP_DATABASE_SQL: "1",
    PRICING_SERVER_TOKEN: TOKEN,
  });
  let stopped = false;
  try {
    const client = new Client({ name: "pricing-kit-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    const mark = `pk_mcp_stop_${crypto.randomUUID().slice(0, 8)}`;
    const running = runningWith(mark);
    const answer = client.callTool(
      { name: "database_sql", arguments: { database: "postgres", sql: slowSql(mark) } },
      undefined,
      { onprogress: () => {} },
    ).then((result) => JSON.stringify(result), (error: Error) => error.message);
    await waitFor("the query to run", async () => await running.postgres() === 1);
    const status = await server.stop();
    stopped = true;
    assertEquals(status.code, 0, server.log());
    ok(!/Uncaught|unhandled/i.test(server.log()), server.log());
    ok((await answer).includes(STOPPING_MESSAGE), await answer);
    await waitFor("the query to stop", async () => await running.postgres() === 0);
  } finally {
    if (!stopped) await server.stop();
    await databases.drop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task mcp sent SIGTERM with a database_sql in flight (progress asked): it exits 0, the query stopped on the database", async () => {
  const databases = await leastPrivilegeDatabases("mcpstopstdio");
  const dir = await Deno.makeTempDir({ prefix: "mcp_stop_stdio_" });
  const { transport, client } = databaseSqlStdio(databases.env, dir);
  let stderr = "";
  try {
    await client.connect(transport);
    transport.stderr!.on(
      "data",
      (chunk: Uint8Array) => (stderr += new TextDecoder().decode(chunk)),
    );
    const mark = `pk_mcp_stop_stdio_${crypto.randomUUID().slice(0, 8)}`;
    const running = runningWith(mark);
    const closed = new Promise<void>((resolve) => (client.onclose = resolve));
    const answer = client.callTool(
      { name: "database_sql", arguments: { database: "postgres", sql: slowSql(mark) } },
      undefined,
      { onprogress: () => {} },
    ).then(() => "answered", () => "rejected");
    await waitFor("the query to run", async () => await running.postgres() === 1);
    Deno.kill(transport.pid!, "SIGTERM");
    await closed; // the process ended: its stdout closed
    assertEquals(await answer, "rejected");
    await waitFor("the query to stop", async () => await running.postgres() === 0);
    ok(!/Uncaught|unhandled/i.test(stderr), stderr);
  } finally {
    await client.close().catch(() => {});
    await databases.drop();
    await Deno.remove(dir, { recursive: true });
  }
});
