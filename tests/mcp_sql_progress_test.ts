/**
 * query_sql's progress notifications over `deno task mcp`, through the MCP SDK's client: a
 * statement may wait twice PRICING_MCP_SQL_TIMEOUT_SECONDS for its turn and then run once more,
 * past the SDK client's 60-second default timeout, whose cancel drops it. A request carrying a
 * progressToken hears how many queries are ahead of it and when it starts running, so a client
 * resetting its timeout on progress waits for it.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { call, exportsFolder, stdioClient, text, type ToolResult } from "./mcp_client.ts";

/** A statement that runs until its deadline or memory cap stops it (tests/mcp_sql_fixture.ts's). */
const RUNAWAY = "SELECT a.org_name || b.org_name || c.org_name AS s FROM pricing_data a " +
  "CROSS JOIN pricing_data b CROSS JOIN pricing_data c ORDER BY s LIMIT 1";

Deno.test("deno task mcp: query_sql reports its place in the queue and its run's start as progress when the client asks", async () => {
  const folder = await exportsFolder();
  const { transport, client } = stdioClient({
    PRICING_MCP_EXPORTS_DIR: folder.dir,
    PRICING_MCP_SQL_TIMEOUT_SECONDS: "1",
    PRICING_MCP_SQL_MAX_MB: "1024",
  });
  await client.connect(transport);
  type Heard = { progress: number; total?: number; message?: string };
  const queried = (sql: string, heard: Heard[]) =>
    client.callTool({ name: "query_sql", arguments: { sql } }, undefined, {
      onprogress: (progress) => heard.push(progress),
      resetTimeoutOnProgress: true,
    }) as Promise<ToolResult>;
  try {
    // the process started first: a waiting statement's 2 s count a start ahead of it too
    // (0.3–0.5 s here, more on a busier machine), which is not what this test is about
    const started = await call(client, "query_sql", { sql: "SELECT 0 AS n" });
    assertEquals(started.structuredContent?.rows ?? text(started), [{ n: 0 }]);
    // sent together: the second arrives while the runaway holds the process
    const [runawayHeard, secondHeard]: Heard[][] = [[], []];
    const [runaway, second] = await Promise.all([
      queried(RUNAWAY, runawayHeard),
      queried("SELECT 1 AS n", secondHeard),
    ]);
    assertEquals(runaway.isError, true);
    match(text(runaway), /PRICING_MCP_SQL_(TIMEOUT_SECONDS|MAX_MB)/);
    assertEquals(runawayHeard, [{ progress: 1, message: "running (at most 1 s)" }]);
    assertEquals(second.isError, undefined, text(second));
    assertEquals(second.structuredContent!.rows, [{ n: 1 }]);
    assertEquals(secondHeard, [
      { progress: 1, message: "waiting for its turn: 1 query ahead (one runs at a time)" },
      { progress: 2, message: "running (at most 1 s)" },
    ]);
    // a request without a progressToken hears nothing, and answers as ever
    const quiet = await call(client, "query_sql", { sql: "SELECT 2 AS n" });
    ok(quiet.structuredContent, text(quiet));
    assertEquals(quiet.structuredContent.rows, [{ n: 2 }]);
  } finally {
    await client.close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});
