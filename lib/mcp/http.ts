/**
 * Streamable HTTP at `/mcp` on `deno task serve`, stateless: each POST gets a fresh McpServer and
 * the SDK's web-standard transport (Request in, Response out), over the shared dataset. Before the
 * SDK sees a request: the Origin header must be the server's own or one the operator allowed
 * (a browser page on another site must not reach it), and the admin bearer token must match.
 *
 * A client's notifications/cancelled comes in a POST of its own, to another server than the
 * request it names: the handler keeps the requests under way by client and request id, and that
 * POST stops the one it names. Request ids are the client's own (every SDK client counts from 0)
 * and every caller holds the same admin token, so the client is told apart by the Mcp-Session-Id
 * the initialize answer gives it (a random id a client must send back with every request); it
 * names the client's requests and nothing else: no state is kept per session.
 *
 * The Origin is compared with loopback names, not with the Host header: under DNS rebinding a
 * page from evil.example reaches 127.0.0.1 with Host and Origin both evil.example.
 *
 * A tools/call or a POST asking for progress is answered as an event stream, any other in JSON
 * (http_stream.ts says why); the stream's server is closed, and its requests forgotten, once the
 * stream ends.
 */
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  isInitializeRequest,
  isJSONRPCNotification,
  isJSONRPCRequest,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import { DatasetStore } from "./dataset.ts";
import { createMcpServer } from "./server.ts";
import { invalidRequestResponse, withPlainParamErrors } from "./request_errors.ts";
import { MCP_MAX_REQUEST_BYTES, readRequestBody, tooLargeMessage } from "./request_body.ts";
import { oneLineError } from "./text.ts";
import {
  answeredAsStream,
  endingStream,
  isEventStream,
  requestsIn,
  STOPPING_MESSAGE,
  stoppingEvents,
  stopsItself,
  streamKeepAlive,
} from "./http_stream.ts";
import type { McpSettings } from "./settings.ts";

export const MCP_PATH = "/mcp";
/** JSON-RPC's code for a server's own error (the SDK's transport answers 413 with it too) */
const SERVER_ERROR = -32000;

/**
 * The admin token check (lib/server/auth.ts BearerAuth); an interface, so lib/mcp needs no server
 * import. A refusal names its error answer's parts, so /mcp refuses as the admin endpoints do.
 */
export interface TokenCheck {
  check(authorization: string | null):
    | { ok: true }
    | {
      ok: false;
      status: 401 | 403;
      error: string;
      message: string;
      headers: Record<string, string>;
    };
}

/** `{"error": …, "message": …}` with `status`, as the admin server answers an error. */
function jsonError(
  status: number,
  { error, message, headers = {} }: {
    error: string;
    message: string;
    headers?: Record<string, string>;
  },
): Response {
  return new Response(JSON.stringify({ error, message }) + "\n", {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

/** A JSON-RPC error without an id (the request's was not read), as the SDK's transport answers. */
function rpcError(
  status: number,
  { code, message }: { code: number; message: string },
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** http(s)://localhost, 127.x.x.x or [::1], any port: pages served from this machine. */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const { protocol, hostname } = new URL(origin);
    return (protocol === "http:" || protocol === "https:") &&
      (hostname === "localhost" || hostname === "[::1]" ||
        /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname));
  } catch {
    return false;
  }
}

/** The POSTs under way, by client (its Mcp-Session-Id) and JSON-RPC request id: how to stop each. */
class RequestsUnderway {
  #stops = new Map<string, () => void>();

  #key(client: string, id: RequestId): string {
    return `${client}\n${JSON.stringify(id)}`; // (the id 1 is not the id "1")
  }

  add(client: string, id: RequestId, stop: () => void): void {
    this.#stops.set(this.#key(client, id), stop);
  }

  /** Forgets the request once its POST is answered (unless the id was taken again since). */
  delete(client: string, id: RequestId, stop: () => void): void {
    const key = this.#key(client, id);
    if (this.#stops.get(key) === stop) this.#stops.delete(key);
  }

  /** Stops the client's request `id`, if it is under way. */
  cancel(client: string, id: RequestId): void {
    this.#stops.get(this.#key(client, id))?.();
  }
}

/** The request a notifications/cancelled names, or null for any other message. */
function cancelledId(message: unknown): RequestId | null {
  if (!isJSONRPCNotification(message) || message.method !== "notifications/cancelled") return null;
  const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

/** The request a JSON-RPC answer (a result or an error) answers; null for any other message. */
function answerId(message: object): RequestId | null {
  if (!("result" in message) && !("error" in message)) return null;
  const id = (message as { id?: unknown }).id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

export function createMcpHttpHandler(
  settings: McpSettings,
  { auth, store = new DatasetStore(settings), hold = () => () => {} }: {
    /** checks each request's Authorization header */
    auth: TokenCheck;
    /** the datasets the tools read (one per server; a fresh one when not given) */
    store?: DatasetStore;
    /**
     * counts a streamed answer in flight until its stream ends (the function returned ends it):
     * the admin server's stop waits for it as for a JSON answer, which is in flight until sent
     */
    hold?: () => () => void;
  },
): (request: Request) => Promise<Response> {
  const underway = new RequestsUnderway();
  return async (request) => {
    const origin = request.headers.get("origin");
    if (origin !== null) {
      if (!isLoopbackOrigin(origin) && !settings.allowedOrigins.includes(origin)) {
        return jsonError(403, {
          error: "forbidden_origin",
          message:
            `origin ${origin} is not allowed; the operator can add it to PRICING_MCP_ALLOWED_ORIGINS`,
        });
      }
    }
    const verdict = auth.check(request.headers.get("authorization"));
    if (!verdict.ok) {
      return jsonError(verdict.status, verdict);
    }
    if (request.method !== "POST") {
      // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
      return jsonError(405, {
        error: "method_not_allowed",
        message: "the MCP endpoint takes POST",
        headers: { allow: "POST" },
      });
    }
    // the server's stop (the admin server's signal): nothing new is started
    const serverStop = store.hooks.signal;
    if (serverStop?.aborted) {
      return rpcError(503, { code: SERVER_ERROR, message: STOPPING_MESSAGE });
    }
    // Read whole, within the limit, before anything else (request_body.ts says why).
    const read = await readRequestBody(request, MCP_MAX_REQUEST_BYTES);
    if (read.kind === "too_large") {
      return rpcError(413, { code: SERVER_ERROR, message: tooLargeMessage(MCP_MAX_REQUEST_BYTES) });
    }
    if (read.kind === "failed") {
      // a client gone mid-body reads nothing (499, as a dropped POST); the server's stop ends a
      // body still coming (Deno's shutdown); anything else is said
      if (request.signal.aborted) return new Response(null, { status: 499 });
      if (store.hooks.signal?.aborted) {
        return rpcError(503, {
          code: SERVER_ERROR,
          message: "the server is stopping; try again once it is back",
        });
      }
      return rpcError(400, {
        code: SERVER_ERROR,
        message: `the request body could not be read: ${oneLineError(read.error)}`,
      });
    }
    const body = read.bytes;
    // a stop while the body came in: nothing is started either (the listener below would not
    // hear a signal aborted before it was added)
    if (serverStop?.aborted) {
      return rpcError(503, { code: SERVER_ERROR, message: STOPPING_MESSAGE });
    }
    // its JSON-RPC requests, read once: they choose the answer's form and the stop's
    const posted = requestsIn(body);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      // (the transport is this POST's own: the choice is per request)
      enableJsonResponse: !answeredAsStream(posted),
      keepAliveMs: streamKeepAlive.everyMs,
      maxRequestBodySize: MCP_MAX_REQUEST_BYTES,
    });
    const server = createMcpServer(store);
    await server.connect(withPlainParamErrors(transport));
    // the requests answered so far: the stop's last words answer only the others (a batch's
    // answered call told again it was stopped had two answers)
    const answered = new Set<RequestId>();
    const sendOut = transport.send.bind(transport);
    transport.send = (message, options) => {
      const id = answerId(message);
      if (id !== null) answered.add(id);
      return sendOut(message, options);
    };
    // A request given up, cancelled by a notifications/cancelled in another POST or its POST
    // dropped by the client (closed, killed), gets no answer: closing the server aborts it, so a
    // database_sql query stops on the database and a query_sql statement leaves the queue or has
    // its process killed, and the handler returns at once (the transport's answer would never
    // come: the server that would send it is closed). Deno 2.9 aborts request.signal on a dropped
    // connection only for a request that came in one small piece: the cancel is what is sure.
    let stop: (answer: Response) => void = () => {};
    const stopped = new Promise<Response>((resolve) => {
      stop = (answer) => {
        server.close().catch(() => {});
        resolve(answer);
      };
    });
    const dropped = () => stop(new Response(null, { status: 499 })); // (nobody reads it)
    // a cancelled request has no answer: the client reads 202 as none
    const cancelled = () => stop(new Response(null, { status: 202 }));
    // The server's stop stops the requests under way, as a cancel does, and says so: it waited
    // for their own end (an mrr_history build, a database query: minutes). A streamed answer
    // says so on its stream (endingStream).
    const stopping = () => stop(rpcError(503, { code: SERVER_ERROR, message: STOPPING_MESSAGE }));
    // (a run_export stops itself and says why: its answer is sent)
    const stopper = stopsItself(posted) ? undefined : serverStop;
    stopper?.addEventListener("abort", stopping, { once: true });
    if (stopper?.aborted) stopping(); // (stopped while the server connected)
    const client = request.headers.get("mcp-session-id");
    const requests: RequestId[] = [];
    /** every request's id (requests: those a cancel can name) */
    const ids: RequestId[] = [];
    let initializing = false;
    const deliver = transport.onmessage!;
    transport.onmessage = (message, extra) => {
      const cancelling = cancelledId(message);
      if (isJSONRPCRequest(message)) ids.push(message.id);
      if (isInitializeRequest(message)) initializing = true;
      else if (client !== null && isJSONRPCRequest(message)) {
        underway.add(client, message.id, cancelled);
        requests.push(message.id);
      } else if (client !== null && cancelling !== null) underway.cancel(client, cancelling);
      deliver(message, extra);
    };
    request.signal.addEventListener("abort", dropped, { once: true });
    if (request.signal.aborted) dropped(); // (dropped before the listener was added)
    // the bytes read, in a request of their own (the original's body is used up)
    const copy = new Request(request.url, { method: "POST", headers: request.headers, body });
    const finish = () => {
      request.signal.removeEventListener("abort", dropped);
      stopper?.removeEventListener("abort", stopping);
      for (const id of requests) underway.delete(client!, id, cancelled);
      return server.close();
    };
    let streamed = false;
    try {
      const response = await Promise.race([
        transport.handleRequest(copy).then((answer) => invalidRequestResponse(answer, body)),
        stopped,
      ]);
      if (initializing && response.ok) {
        response.headers.set("mcp-session-id", crypto.randomUUID());
      }
      if (!isEventStream(response)) return response;
      // open until its answers are sent: a cancel or a dropped POST stops it meanwhile
      streamed = true;
      const release = hold();
      stopper?.removeEventListener("abort", stopping); // (the stream says it: endingStream)
      return endingStream(response, {
        onEnd: () => {
          release();
          finish().catch(() => {});
        },
        stopping: stopper,
        lastWords: () => stoppingEvents(ids.filter((id) => !answered.has(id))),
      });
    } finally {
      // A JSON response is complete once returned: nothing stays open per request.
      if (!streamed) await finish();
    }
  };
}
