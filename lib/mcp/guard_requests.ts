/**
 * The SDK (1.32) installs its own handler for tools/call and resources/read when the first tool or
 * resource is registered, through `server.server.setRequestHandler`. A few answers it gives are
 * not the ones MCP or a model needs (a switched-off tool, an unknown resource URI); a guard put in
 * front of the handler it installs answers those and passes every other request on.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";

type Handler = (request: unknown, extra: unknown) => unknown;

/**
 * Puts `guard` in front of the handler the SDK installs for `schema`. Call before the first tool or
 * resource is registered; `guard` gets the request, its extra and the SDK's handler to pass it to.
 */
export function guardRequests(
  server: McpServer,
  options: {
    schema: unknown;
    guard: (request: unknown, extra: unknown, handler: Handler) => unknown;
  },
): void {
  const inner = server.server;
  const set = inner.setRequestHandler.bind(inner) as (schema: unknown, handler: Handler) => void;
  inner.setRequestHandler = ((schema, handler) => {
    if (schema !== options.schema) return set(schema, handler);
    return set(schema, (request, extra) => options.guard(request, extra, handler));
  }) as typeof set as typeof inner.setRequestHandler;
}
