/**
 * lib/mcp/http_stream.ts: which POSTs are answered as an event stream (answeredAsStream), and
 * endingStream's callback that ends a streamed answer (releasing its hold on the server's
 * shutdown, closing its MCP server), run once however the body ends.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { answeredAsStream, endingStream, requestsIn } from "../lib/mcp/http_stream.ts";

const bytes = (message: unknown) => new TextEncoder().encode(JSON.stringify(message));
/** The requests of a POST whose body is `message` (as /mcp reads them, once). */
const posted = (message: unknown) => requestsIn(bytes(message));
const call = (id: number, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "mrr_history", arguments: {}, ...(meta ? { _meta: meta } : {}) },
});

const listTools = (id: number, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/list",
  params: meta ? { _meta: meta } : {},
});

Deno.test("a POST is answered as a stream when a request in it is a tools/call or carries a progressToken, alone or in a batch (the SDK's transport takes batches)", () => {
  // every tools/call streams (keep-alive comments while a slow tool runs), token or not
  assertEquals(answeredAsStream(posted(call(1, { progressToken: 7 }))), true);
  assertEquals(answeredAsStream(posted(call(1))), true);
  // another request streams only when it asks for progress
  assertEquals(answeredAsStream(posted(listTools(1, { progressToken: "t" }))), true);
  assertEquals(answeredAsStream(posted(listTools(1))), false);
  // a batch of two, the second asking for progress: streamed, or its notes are lost
  assertEquals(answeredAsStream(posted([listTools(1), listTools(2, { progressToken: 7 })])), true);
  assertEquals(answeredAsStream(posted([listTools(1), listTools(2)])), false);
  // a notification (no id) is no request; a token that is neither string nor number is none
  const { id: _, ...notification } = call(1, { progressToken: 7 });
  assertEquals(answeredAsStream(posted(notification)), false);
  assertEquals(answeredAsStream(posted(listTools(1, { progressToken: null }))), false);
  assertEquals(answeredAsStream(requestsIn(new TextEncoder().encode("{not json"))), false);
});

/** A transport's event stream that sends one event and stays open until cancelled. */
function openEvents(): { response: Response; cancelled: Promise<unknown> } {
  const { promise: cancelled, resolve } = Promise.withResolvers<unknown>();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("event: message\ndata: {}\n\n"));
    },
    cancel: resolve,
  });
  return {
    response: new Response(body, { headers: { "content-type": "text/event-stream" } }),
    cancelled,
  };
}

Deno.test("a client that cancels the stream mid-answer ends it once: the callback runs one time, the transport's stream is cancelled", async () => {
  const { response, cancelled } = openEvents();
  let ends = 0;
  const reader = endingStream(response, { onEnd: () => ends++ }).body!.getReader();
  assertEquals(
    new TextDecoder().decode((await reader.read()).value),
    "event: message\ndata: {}\n\n",
  );
  await reader.cancel("client gone");
  assertEquals(await cancelled, "client gone");
  assertEquals(ends, 1);
});

Deno.test("a stream the transport closes after its answers ends once", async () => {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("data: {}\n\n"));
      controller.close();
    },
  });
  let ends = 0;
  const out = endingStream(
    new Response(body, { headers: { "content-type": "text/event-stream" } }),
    { onEnd: () => ends++ },
  );
  assertEquals(await out.text(), "data: {}\n\n");
  assertEquals(ends, 1);
});
