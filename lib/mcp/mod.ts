/** The MCP server (issue 15): stdio entry main.ts, HTTP handler for `deno task serve`, settings. */
export { createMcpServer, SERVER_NAME } from "./server.ts";
export { createMcpHttpHandler, MCP_PATH } from "./http.ts";
export { DatasetStore } from "./dataset.ts";
export { listExports } from "./export_folder.ts";
export { type McpSettings, mcpSettings } from "./settings.ts";
export { checkReadOnlySelect, StatementRefused } from "../sources/statement_gate.ts";
