/**
 * `deno task mcp`: the MCP server over stdio, for Claude Desktop and Claude Code. stdout carries
 * the protocol only; messages go to stderr. Settings: lib/mcp/settings.ts (docs/mcp.md).
 */
// @ts-types="@modelcontextprotocol/sdk/server/stdio"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import process from "node:process";
import { failed, parseFlags, runMain } from "../cli/args.ts";
import { keepGoingWhenConsoleFails } from "../cli/console_output.ts";
import { STOP_SIGNALS } from "../cli/interrupt.ts";
import { loadEnv } from "../core/config.ts";
import { DatasetStore } from "./dataset.ts";
import { createMcpServer } from "./server.ts";
import { ChartThread } from "../report/chart_thread.ts";
import { answeringInvalidRequests, withPlainParamErrors } from "./request_errors.ts";
import { checkExportsDir, mcpSettings } from "./settings.ts";
import { databaseQueriesSettled } from "./database_sql.ts";
import { closeFrameSql } from "./sql.ts";

const HELP = `Usage: deno task mcp [--env-file FILE]

Serves the pricing dataset to an MCP client (Claude Desktop, Claude Code) over stdio.
The dataset is the newest export in PRICING_MCP_EXPORTS_DIR (default outputs/), else demo data.
Settings: PRICING_MCP_EXPORTS_DIR, PRICING_MCP_ALLOW_EXPORT=1, PRICING_MCP_DATABASE_SQL=1,
PRICING_MCP_MAX_ROWS (200), PRICING_MCP_MAX_BYTES (65536), PRICING_MCP_SQL_TIMEOUT_SECONDS (30),
PRICING_MCP_SQL_START_SECONDS (30), PRICING_MCP_SQL_MAX_MB (2048),
PRICING_MCP_HISTORY_TIMEOUT_SECONDS (300), PRICING_MCP_HISTORY_MAX_MB (2048),
PRICING_MCP_DATABASE_SQL_MAX_MB (16); see docs/mcp.md.`;

export async function main(args: string[]): Promise<number> {
  // stdout is the protocol: a stray console.log anywhere would corrupt it.
  console.log = console.error;
  // stderr on a full disk (a redirect to a log file) threw from the first line: the server
  // died before the client's first answer, silently. Its lines are dropped instead: stdout,
  // the only other stream, is the protocol's.
  using _log = keepGoingWhenConsoleFails();
  try {
    const { values } = parseFlags({
      args,
      options: { "env-file": { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: false,
      strict: true,
    });
    if (values.help) {
      console.error(HELP); // stdout is reserved for the protocol
      return 0;
    }
    // a settings file named with --env-file must exist
    const settings = mcpSettings(
      await loadEnv(values["env-file"] ?? ".env", { required: values["env-file"] !== undefined }),
    );
    // a missing or misnamed exports folder is refused before serving demo data in its place
    const folderWarning = await checkExportsDir(settings);
    if (folderWarning) console.error(folderWarning);
    // SIGINT and SIGTERM (SIGINT alone on Windows: STOP_SIGNALS) end the session as the client
    // closing it does; either stops a run_export under way (its staging folder removed) before the
    // process exits
    const stop = new AbortController();
    // one chart worker for the session's run_export calls, ended as main returns
    using chartThread = new ChartThread();
    const store = new DatasetStore(settings, { signal: stop.signal, chartThread });
    const server = createMcpServer(store);
    // a line that is JSON but no JSON-RPC message is answered (−32600), not dropped
    const transport: StdioServerTransport = new StdioServerTransport(
      answeringInvalidRequests(process.stdin, (reply) => void transport.send(reply)),
      process.stdout,
    );
    // The client closing our stdin ends the session (the SDK's transport does not watch for it).
    // So does our stdout failing: a client killed or no longer reading shows first as EPIPE on
    // the next answer or progress note, which nothing heard, so the server died of it at once,
    // its export's queries left running and query_sql's tables' folder behind.
    const closed = new Promise<void>((resolve) => {
      transport.onclose = resolve;
      process.stdin.once("end", resolve);
      process.stdin.once("close", resolve);
      // (`on`, not `once`: a later write's error must find a listener too; said once)
      let stdoutFailed = false;
      process.stdout.on("error", (error: NodeJS.ErrnoException) => {
        if (stdoutFailed) return;
        stdoutFailed = true;
        console.error(
          `the MCP client stopped reading the server's output (${
            error.code ?? error.message
          }): ending the session`,
        );
        resolve();
      });
    });
    await server.connect(withPlainParamErrors(transport));
    console.error(`pricing-kit MCP server on stdio (exports: ${settings.exportsDir})`);
    // query_sql's process and its tables' files go too (a signal's default exit skipped both)
    const signalled = new Promise<void>((resolve) => {
      for (const signal of STOP_SIGNALS) Deno.addSignalListener(signal, resolve);
    });
    await Promise.race([closed, signalled]);
    stop.abort(new Error("the MCP session ended"));
    await store.exportSettled();
    // (closing aborts the requests under way: their database queries are cancelled on the server)
    await server.close();
    await databaseQueriesSettled();
    await closeFrameSql();
    return 0;
  } catch (error) {
    return failed(error);
  }
}

if (import.meta.main) await runMain(main);
