/**
 * /mcp's choice per POST between a JSON answer and an event stream (lib/mcp/http.ts), and the
 * stream's end. Progress notifications reach an HTTP client only on an event stream: a JSON
 * response is the answer alone, so a cold mrr_history sent nothing for minutes and a client with
 * the SDK's 60 s timeout gave up where one over stdio, resetting its timeout on progress, waited.
 * A POST whose request carries a progressToken (the SDK's client sends one when given
 * `onprogress`) is answered as an event stream, and so is every tools/call: a tool may run for
 * minutes without a note (a cold mrr_history asked for none), and a JSON answer sends nothing
 * until its end, so a proxy's or a client's idle timeout (60 s is common) cut the connection; the
 * stream sends its headers at once and a keep-alive comment every 15 s (the SDK transport's),
 * which every SSE reader skips. The SDK's own request timeout is reset by progress only: a client
 * that asks for none waits as long as its timeout (docs/mcp.md, Progress). Other requests
 * (initialize, lists, reads) stay JSON.
 */
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  isJSONRPCRequest,
  type JSONRPCRequest,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";

/**
 * Tools that stop on the server's stop themselves and say so (run_export: its queries cancelled,
 * no file written; lib/mcp/export_run.ts), within moments: their own answer is sent, not
 * STOPPING_MESSAGE.
 */
const STOPPING_THEMSELVES = new Set(["run_export"]);

/**
 * The JSON-RPC requests in a POST's body (one or a batch); none when it is not JSON (the
 * transport refuses it, in JSON). Read once a POST: answeredAsStream and stopsItself take them.
 */
export function requestsIn(body: Uint8Array): JSONRPCRequest[] {
  let message: unknown;
  try {
    message = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return [];
  }
  return (Array.isArray(message) ? message : [message]).filter(isJSONRPCRequest);
}

/** Whether every request of a POST is a call of a tool that stops itself on the stop. */
export function stopsItself(requests: readonly JSONRPCRequest[]): boolean {
  return requests.length > 0 && requests.every((one) =>
    one.method === "tools/call" &&
    STOPPING_THEMSELVES.has(String((one.params as { name?: unknown } | undefined)?.name))
  );
}

/** The keep-alive comments' period on a stream (the SDK's default; tests shorten it). */
export const streamKeepAlive = { everyMs: 15_000 };

/**
 * Whether a POST's requests (requestsIn) hold one answered as a stream: a tools/call, or any
 * request asking for progress.
 */
export function answeredAsStream(requests: readonly JSONRPCRequest[]): boolean {
  return requests.some((one) => {
    if (one.method === "tools/call") return true;
    const token = (one.params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
    return typeof token === "string" || typeof token === "number";
  });
}

/** An event-stream answer (the transport's, for a request asking for progress). */
export function isEventStream(response: Response): boolean {
  return response.body !== null &&
    (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
}

/** What a request stopped by the server's stop is answered (JSON-RPC's server error). */
export const STOPPING_MESSAGE =
  "the server is stopping: the request was stopped before its answer; ask again once it is back";

/** The SSE events answering each of `ids` with STOPPING_MESSAGE (code −32000). */
export function stoppingEvents(ids: readonly RequestId[]): Uint8Array {
  return new TextEncoder().encode(
    ids.map((id) =>
      `event: message\ndata: ${
        JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32000, message: STOPPING_MESSAGE } })
      }\n\n`
    ).join(""),
  );
}

/**
 * `response` with its body passed on as the transport writes it, and `onEnd` called once that
 * body has ended: every answer of the POST sent (the transport closes its stream then), the
 * server closed (a cancel, a dropped POST), the client gone (the body cancelled), or the server
 * stopping (`stopping` aborted: `lastWords`, the requests' answers saying so, sent first, then the
 * body ends; the server's stop waited for the request's own end, a build of minutes). The
 * transport's events are taken as they come, not as the client reads them: a client that stops
 * reading does not hold the request open (its answer waits in memory, as the transport's own
 * stream would hold it).
 */
export function endingStream(
  response: Response,
  { onEnd, stopping, lastWords }: {
    onEnd: () => void;
    stopping?: AbortSignal;
    lastWords?: () => Uint8Array;
  },
): Response {
  const events = response.body!.getReader();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    stopping?.removeEventListener("abort", stop);
    onEnd();
  };
  const stop = () => {
    if (ended) return;
    try {
      if (lastWords) out.enqueue(lastWords());
      out.close();
    } catch { /* cancelled by the client already */ }
    events.cancel().catch(() => {});
    end();
  };
  let out!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      out = controller;
    },
    cancel(reason) {
      end();
      return events.cancel(reason);
    },
  });
  (async () => {
    try {
      for (let next = await events.read(); !next.done; next = await events.read()) {
        out.enqueue(next.value);
      }
      out.close();
    } catch (error) {
      try {
        out.error(error);
      } catch { /* cancelled by the client already */ }
    } finally {
      end();
    }
  })();
  if (stopping?.aborted) stop();
  else stopping?.addEventListener("abort", stop, { once: true });
  return new Response(body, { status: response.status, headers: response.headers });
}
