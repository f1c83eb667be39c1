/**
 * `deno task mcp` over stdio, a real child process, and the SDK client's AbortSignal, which sends
 * notifications/cancelled for the request: a cancelled run_export stops its queries on both
 * database servers and leaves nothing in the exports folder or the server's temporary folder; a
 * cancelled query_sql has its statement's process killed. Either way the server answers the next
 * request. (The in-process and HTTP cancels: mcp_export_run_test.ts, mcp_sql_limits_test.ts.)
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { ANSWER_TIMEOUT_MS, call, stdioClient, text } from "./mcp_client.ts";
import { SLOW_CH, slowQueryDatabases, waitFor } from "./slow_queries.ts";

/** Every entry in a folder, hidden ones too (a staging folder is `.staging-…`). */
function entries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

/** The child processes of `pid` (every thread's), from /proc. */
function childrenOf(pid: number): number[] {
  return [...Deno.readDirSync(`/proc/${pid}/task`)].flatMap((thread) =>
    Deno.readTextFileSync(`/proc/${pid}/task/${thread.name}/children`).trim().split(/\s+/)
  ).filter(Boolean).map(Number);
}

/** Whether `pid` is gone (reaped, or a zombie its parent has not reaped yet). */
function processGone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z /.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return true;
  }
}

/** Resident memory of a process in MB, 0 once it is gone. */
function residentMb(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

Deno.test("deno task mcp over stdio: a cancelled run_export stops its queries on both servers, leaves no file, and the server takes the next export", async () => {
  const databases = await slowQueryDatabases("mcp_stdio_cancel_export", { usage: SLOW_CH });
  const exportsDir = await Deno.makeTempDir({ prefix: "mcp_stdio_cancel_exports_" });
  // the server's own temporary folder: the queries' spool files go there while they run
  const tmp = await Deno.makeTempDir({ prefix: "mcp_stdio_cancel_tmp_" });
  const { transport, client } = stdioClient({
    ...databases.env,
    PRICING_MCP_ALLOW_EXPORT: "1",
    PRICING_MCP_EXPORTS_DIR: exportsDir,
    TMPDIR: tmp,
  });
  await client.connect(transport);
  const runExport = (signal: AbortSignal) =>
    client.callTool({ name: "run_export", arguments: { days: 30 } }, undefined, {
      signal,
      timeout: ANSWER_TIMEOUT_MS,
    });
  const bothQueriesRun = () =>
    waitFor(
      "both slow queries to run",
      async () => await databases.pgRunning() === 1 && await databases.chRunning() === 1,
      120_000,
    );
  try {
    const server = transport.pid!;
    // twice: the second run_export proves the first's cancel left the server free for another
    for (const attempt of ["first", "next"]) {
      const abort = new AbortController();
      const answer = runExport(abort.signal);
      await bothQueriesRun();
      abort.abort(); // the SDK sends notifications/cancelled over the child's stdin
      await rejects(answer); // (the SDK's AbortError, at once)
      await databases.stoppedOnBothServers();
      // no staging folder, no export file, no spool file; the server spawned no process left
      await waitFor(
        `${attempt}: the exports folder and temporary folder to empty`,
        () => entries(exportsDir).length === 0 && entries(tmp).length === 0,
      );
      assertEquals(childrenOf(server), [], attempt);
      ok(!processGone(server), "the server is still running");
    }
    // and it answers a request of another kind
    const tools = await client.listTools();
    ok(tools.tools.some((tool) => tool.name === "run_export"));
  } finally {
    await client.close();
    await databases.close();
    await Deno.remove(exportsDir, { recursive: true });
    await Deno.remove(tmp, { recursive: true });
  }
});

/** Three copies of the demo's seats crossed and counted: 64 million rows, seconds and ~0.8 GB. */
const SLOW = "SELECT count(*) AS n FROM (SELECT seats AS x FROM pricing_data) a " +
  "CROSS JOIN (SELECT seats AS y FROM pricing_data) b CROSS JOIN (SELECT seats AS z FROM pricing_data) c";

Deno.test("deno task mcp over stdio: a cancelled query_sql has its statement's process killed; the next statement is answered in a new one", async () => {
  // no database configured: the demo dataset; an exports folder of its own
  const exportsDir = await Deno.makeTempDir({ prefix: "mcp_stdio_cancel_sql_" });
  const tmp = await Deno.makeTempDir({ prefix: "mcp_stdio_cancel_sql_tmp_" });
  const { transport, client } = stdioClient({
    PRICING_MCP_EXPORTS_DIR: exportsDir,
    // a deadline no statement here reaches: only the cancel can stop it
    PRICING_MCP_SQL_TIMEOUT_SECONDS: "600",
    TMPDIR: tmp,
  });
  await client.connect(transport);
  try {
    const server = transport.pid!;
    // the statements' process started and the table written, so the slow statement runs at once
    const first = await call(client, "query_sql", {
      sql: "SELECT 1 AS one FROM pricing_data LIMIT 1",
    });
    assertEquals(first.structuredContent?.rows ?? text(first), [{ one: 1 }]);
    const [sqlProcess] = childrenOf(server);
    assertEquals(childrenOf(server), [sqlProcess]);
    const tables = entries(tmp); // the frames' folder: the server's, while it runs
    assertEquals(tables.length, 1);
    const abort = new AbortController();
    const answer = client.callTool({ name: "query_sql", arguments: { sql: SLOW } }, undefined, {
      signal: abort.signal,
      timeout: ANSWER_TIMEOUT_MS,
    });
    answer.catch(() => {});
    await waitFor("the slow statement to run", () => residentMb(sqlProcess) > 300, 120_000);
    abort.abort(); // notifications/cancelled over the child's stdin
    await rejects(answer);
    await waitFor("the cancelled statement's process to end", () => processGone(sqlProcess));
    await waitFor("the server to reap it", () => childrenOf(server).length === 0);
    // nothing of the statement's left beside the frames' folder
    assertEquals(entries(tmp), tables);
    // the next statement: a new process, the answer computed from the demo's 400 organizations
    const next = await call(client, "query_sql", { sql: "SELECT count(*) AS n FROM pricing_data" });
    assertEquals(next.structuredContent?.rows ?? text(next), [{ n: 400 }]);
    const [nextProcess] = childrenOf(server);
    ok(nextProcess !== undefined && nextProcess !== sqlProcess);
  } finally {
    await client.close();
    await Deno.remove(exportsDir, { recursive: true });
  }
  // the server ended with the session: its frames' folder went with it
  await waitFor("the server's frames' folder to go with it", () => entries(tmp).length === 0);
  await Deno.remove(tmp, { recursive: true });
});
