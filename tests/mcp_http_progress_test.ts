/**
 * /mcp over HTTP answers a POST asking for progress as an event stream (lib/mcp/http_stream.ts):
 * its notes reach the SDK's StreamableHTTPClientTransport, which JSON answers never carried. The
 * slow call is mrr_history held on a FIFO (mrrHistoryHoldForTests, as in
 * mcp_mrr_history_progress_test.ts), notes every 100 ms, over tests/mrr_history_fixture.ts's
 * history, served in this process (serveMcpHttp) so the hold can be set.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { bridgeProgress, mrrHistoryHoldForTests } from "../lib/mcp/history_process.ts";
import { streamKeepAlive } from "../lib/mcp/http_stream.ts";
import { answerOf, call, serveMcpHttp, text, type ToolResult } from "./mcp_client.ts";
import { heldHistory, postHistoryCall } from "./mcp_http_held_fixture.ts";
import {
  assertBridge,
  assertBuildNotes,
  processGone,
  PROGRESS_EVERY_MS,
  PROGRESS_HELD_MS,
  PROGRESS_TIMEOUT_MS,
} from "./mrr_history_fixture.ts";
import { waitFor } from "./slow_queries.ts";

Deno.test("HTTP: a POST with a progressToken is answered as an event stream, one without in JSON", async () => {
  const { server, url } = serveMcpHttp(new DatasetStore(mcpSettings({})));
  const ping = (meta: Record<string, unknown>) =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "ping", params: { _meta: meta } }),
    });
  try {
    const plain = await ping({});
    assertEquals(plain.headers.get("content-type"), "application/json");
    assertEquals(await plain.json(), { jsonrpc: "2.0", id: 7, result: {} });
    const streamed = await ping({ progressToken: "p1" });
    assertEquals(streamed.headers.get("content-type"), "text/event-stream");
    const events = (await streamed.text()).split("\n").filter((line) => line.startsWith("data: "));
    assertEquals(events.map((line) => JSON.parse(line.slice(6))), [
      { jsonrpc: "2.0", id: 7, result: {} },
    ]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("HTTP: mrr_history held past the client's timeout sends progress on its stream and is answered; in flight until then", async () => {
  const session = await heldHistory();
  const everyMs = bridgeProgress.everyMs;
  let writer: Deno.FsFile | undefined;
  try {
    bridgeProgress.everyMs = PROGRESS_EVERY_MS;
    const heard: { message?: string; at: number }[] = [];
    const answer = session.client.callTool({ name: "mrr_history", arguments: {} }, undefined, {
      onprogress: (progress) => heard.push({ message: progress.message, at: Date.now() }),
      timeout: PROGRESS_TIMEOUT_MS,
      resetTimeoutOnProgress: true,
    }) as Promise<ToolResult>;
    writer = await Deno.open(session.fifo, { write: true }); // the build holds at the FIFO
    await waitFor(
      "notes for longer than the client's timeout",
      () => heard.length > 0 && heard.at(-1)!.at - heard[0].at >= PROGRESS_HELD_MS,
      60_000,
    );
    // its answer's headers went out with the first note: the stream is what is held
    assertEquals(session.held(), 1);
    writer.close();
    writer = undefined;
    assertBridge(await answer);
    assertBuildNotes(heard);
    await waitFor("the stream let go", () => session.held() === 0);
    // a call without a token is streamed too, and let go once answered
    assertEquals(text(await call(session.client, "describe_dataset", {})).length > 0, true);
    await waitFor("the describe_dataset stream let go", () => session.held() === 0);
  } finally {
    bridgeProgress.everyMs = everyMs;
    writer?.close();
    await session.close();
  }
});

Deno.test("HTTP: a streamed mrr_history cancelled, or dropped by its client mid-stream, has its process killed", async () => {
  const session = await heldHistory();
  let writer: Deno.FsFile | undefined;
  try {
    // cancelled: the SDK's client sends notifications/cancelled in a POST of its own
    const controller = new AbortController();
    const cancelled = session.client.callTool({ name: "mrr_history", arguments: {} }, undefined, {
      onprogress: () => {},
      signal: controller.signal,
    }).then(() => "answered", () => "rejected");
    writer = await Deno.open(session.fifo, { write: true });
    controller.abort();
    assertEquals(await cancelled, "rejected");
    await processGone(writer, "the cancelled build's process to end");
    writer.close();
    await waitFor("the cancelled stream let go", () => session.held() === 0);
    // dropped: a client that goes away mid-stream (its first note read: the build under way)
    const drop = new AbortController();
    const dropped = await postHistoryCall(session.url, {
      id: 1,
      meta: { progressToken: 1 },
      signal: drop.signal,
    });
    writer = await Deno.open(session.fifo, { write: true });
    const events = dropped.body!.getReader();
    ok(new TextDecoder().decode((await events.read()).value).includes("notifications/progress"));
    drop.abort();
    await events.cancel().catch(() => {});
    await processGone(writer, "the dropped build's process to end");
    await waitFor("the dropped stream let go", () => session.held() === 0);
    // the next call is answered, its build not queued behind the killed ones
    mrrHistoryHoldForTests.fifo = null;
    assertBridge(await call(session.client, "mrr_history", {}));
  } finally {
    writer?.close();
    await session.close();
  }
});

Deno.test("HTTP: a tools/call without a progressToken is answered as an event stream, keep-alive comments while it runs, then the answer", async () => {
  const session = await heldHistory();
  const everyMs = streamKeepAlive.everyMs;
  let writer: Deno.FsFile | undefined;
  try {
    streamKeepAlive.everyMs = 100;
    // as a client sends it: no _meta, no progressToken
    const response = await postHistoryCall(session.url, { id: 5 });
    // the headers came at once, before the build's answer
    assertEquals(response.headers.get("content-type"), "text/event-stream");
    writer = await Deno.open(session.fifo, { write: true }); // the build holds at the FIFO
    const events = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    const comments = () => received.split("\n").filter((line) => line.startsWith(":")).length;
    // keep-alive comments while the build is held, and nothing else
    while (comments() < 3) received += decoder.decode((await events.read()).value);
    ok(!received.includes("data:"), received);
    assertEquals(session.held(), 1);
    writer.close();
    writer = undefined;
    for (let next = await events.read(); !next.done; next = await events.read()) {
      received += decoder.decode(next.value);
    }
    const answer = await answerOf(
      new Response(received, { headers: { "content-type": "text/event-stream" } }),
    ) as { id: number; result: ToolResult };
    assertEquals(answer.id, 5);
    assertBridge(answer.result);
    await waitFor("the stream let go", () => session.held() === 0);
    // the SDK's client, asking for no progress, reads the stream's answer as it read JSON
    mrrHistoryHoldForTests.fifo = null;
    assertBridge(
      await session.client.callTool({ name: "mrr_history", arguments: {} }) as ToolResult,
    );
  } finally {
    streamKeepAlive.everyMs = everyMs;
    writer?.close();
    await session.close();
  }
});
