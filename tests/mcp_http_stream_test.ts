/**
 * endingStream (lib/mcp/http_stream.ts): the callback that ends a streamed answer (releasing its
 * hold on the server's shutdown, closing its MCP server) runs once, however the body ends.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { endingStream } from "../lib/mcp/http_stream.ts";

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
  const reader = endingStream(response, () => ends++).body!.getReader();
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
    () => ends++,
  );
  assertEquals(await out.text(), "data: {}\n\n");
  assertEquals(ends, 1);
});
