/**
 * Streamable HTTP at `/mcp` on `deno task serve`, stateless: each POST gets a fresh McpServer and
 * the SDK's web-standard transport (Request in, Response out), over the shared dataset. Before the
 * SDK sees a request: the Origin header must be the server's own or one the operator allowed
 * (a browser page on another site must not reach it), and the admin bearer token must match.
 *
 * The Origin is compared with loopback names, not with the Host header: under DNS rebinding a
 * page from evil.example reaches 127.0.0.1 with Host and Origin both evil.example.
 */
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { DatasetStore } from "./dataset.ts";
import { createMcpServer } from "./server.ts";
import type { McpSettings } from "./settings.ts";

export const MCP_PATH = "/mcp";

/** The admin token check (lib/server/auth.ts BearerAuth); an interface, so lib/mcp needs no server import. */
export interface TokenCheck {
  check(
    authorization: string | null,
  ): { ok: true } | { ok: false; status: 401 | 403; message: string };
}

function jsonError(status: number, error: string, message: string, headers = {}): Response {
  return new Response(JSON.stringify({ error, message }) + "\n", {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
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

export function createMcpHttpHandler(
  settings: McpSettings,
  auth: TokenCheck,
  store = new DatasetStore(settings),
): (request: Request) => Promise<Response> {
  return async (request) => {
    const origin = request.headers.get("origin");
    if (origin !== null) {
      if (!isLoopbackOrigin(origin) && !settings.allowedOrigins.includes(origin)) {
        return jsonError(
          403,
          "forbidden_origin",
          `origin ${origin} is not allowed; the operator can add it to PRICING_MCP_ALLOWED_ORIGINS`,
        );
      }
    }
    const verdict = auth.check(request.headers.get("authorization"));
    if (!verdict.ok) {
      return jsonError(
        verdict.status,
        verdict.status === 401 ? "unauthorized" : "forbidden",
        verdict.message,
        verdict.status === 401 ? { "www-authenticate": 'Bearer realm="pricing-kit"' } : {},
      );
    }
    if (request.method !== "POST") {
      // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
      return jsonError(405, "method_not_allowed", "the MCP endpoint takes POST", { allow: "POST" });
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    const server = createMcpServer(store);
    await server.connect(transport);
    // A client that drops the POST (closed, killed) gets no answer: closing the server aborts the
    // request under way, so a database_sql query stops on the database instead of running on,
    // and the handler returns at once (the transport's answer would never come: the server that
    // would send it is closed). Stateless: a notifications/cancelled comes in a POST of its own,
    // to another server, so this is the only way a dropped request is stopped.
    let dropped: () => void = () => {};
    const droppedAnswer = new Promise<Response>((resolve) => {
      dropped = () => {
        server.close().catch(() => {});
        resolve(new Response(null, { status: 499 })); // (nobody reads it)
      };
    });
    request.signal.addEventListener("abort", dropped, { once: true });
    if (request.signal.aborted) dropped(); // (dropped before the listener was added)
    try {
      return await Promise.race([transport.handleRequest(request), droppedAnswer]);
    } finally {
      request.signal.removeEventListener("abort", dropped);
      // A JSON response is complete once returned: nothing stays open per request.
      await server.close();
    }
  };
}
