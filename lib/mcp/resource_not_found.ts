/**
 * A resources/read of a URI the server does not have was answered with the SDK's (1.32) −32602
 * `Resource pricing://x not found`, and one that does not parse as a URL with −32603 `Invalid
 * URL`. The MCP specification of every version the SDK negotiates (2025-11-25 and before) says
 * −32002, resource not found, with the URI in `data`; the answer here is that, in one line
 * naming the resources there are. (2026-07-28, SEP-2164, moves it back to −32602, asking clients
 * to take −32002 too: tests/mcp_conformance_test.ts fails once the SDK negotiates it.)
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ReadResourceRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { guardRequests } from "./guard_requests.ts";
import { cutLongText } from "./result.ts";
import { dataLiteral } from "./text.ts";

/** MCP's code for a resource URI the server does not have (2025-11-25 and before). */
export const RESOURCE_NOT_FOUND = -32002;

/** Characters of an unknown URI its error quotes (the client's text: a long one is cut). */
const QUOTED_URI_CHARS = 200;

/** The URI as the SDK looks it up (a URL's own spelling), or null when it is no URL. */
function lookedUp(uri: string): string | null {
  try {
    return new URL(uri).toString();
  } catch {
    return null;
  }
}

/**
 * The error for an unknown `uri`: JSON-RPC's code and data, and a message without the SDK's
 * `MCP error -32002: ` prefix, which its client adds.
 */
function notFound(uri: string, uris: readonly string[]): Error & { code: number; data: unknown } {
  const message = `resource not found: ${
    dataLiteral(cutLongText(uri, QUOTED_URI_CHARS))
  }; the resources are ${uris.join(", ")}`;
  return Object.assign(new Error(message), { code: RESOURCE_NOT_FOUND, data: { uri } });
}

/**
 * Answers a resources/read of any URI but `uris` with −32002 (notFound). Call before the first
 * resource is registered (guardRequests).
 */
export function answerUnknownResources(server: McpServer, uris: readonly string[]): void {
  const known = new Set(uris.map((uri) => lookedUp(uri)));
  guardRequests(server, {
    schema: ReadResourceRequestSchema,
    guard: (request, extra, handler) => {
      const uri = (request as { params: { uri: string } }).params.uri;
      const found = lookedUp(uri);
      if (found === null || !known.has(found)) throw notFound(uri, uris);
      return handler(request, extra);
    },
  });
}
