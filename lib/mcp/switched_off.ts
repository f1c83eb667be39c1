/**
 * The tools a setting leaves out (run_export, database_sql: off by default) are not listed, and a
 * call to one got the SDK's `Tool run_export not found`, as for a name the server never had: a
 * model (or its user) could not tell a typo from a switched-off tool. A call to one is answered
 * with one line naming the setting that turns it on. Any other unknown name keeps the SDK's answer.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
// @ts-types="@modelcontextprotocol/sdk/types"
import { CallToolRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { guardRequests } from "./guard_requests.ts";
import { errorResult } from "./result.ts";
import type { McpSettings } from "./settings.ts";

/** Each tool its settings leave out, and the line a call to it gets. */
export function switchedOffTools(settings: McpSettings): Map<string, string> {
  const off = new Map<string, string>();
  const where = "in the server's environment or .env and restart the server";
  if (!settings.allowExport) {
    off.set(
      "run_export",
      "run_export is off on this server: it writes a new export into the exports folder, so " +
        `only PRICING_MCP_ALLOW_EXPORT=1 adds it; set it ${where}`,
    );
  }
  if (!settings.databaseSql) {
    // /mcp without an admin token serves demo data only: the flag alone does not turn it on there
    const needs = "PRICING_MCP_DATABASE_SQL=1 (with PRICING_PG_URL and PRICING_CH_URL)";
    off.set(
      "database_sql",
      settings.demoOnly
        ? "database_sql is off on this server: /mcp without PRICING_SERVER_TOKEN serves demo " +
          `data only; set PRICING_SERVER_TOKEN and ${needs} ${where}`
        : `database_sql is off on this server: only ${needs} adds it; set them ${where}; ` +
          "query_sql reads the export",
    );
  }
  return off;
}

/**
 * Answers a call to a switched-off tool (`off`: switchedOffTools) with its line as a tool error.
 * Call before the first tool is registered (guardRequests).
 */
export function answerSwitchedOffTools(server: McpServer, off: ReadonlyMap<string, string>) {
  if (off.size === 0) return;
  guardRequests(server, {
    schema: CallToolRequestSchema,
    guard: (request, extra, handler) => {
      const line = off.get((request as { params: { name: string } }).params.name);
      return line === undefined ? handler(request, extra) : errorResult(line);
    },
  });
}
