/**
 * Stopping `deno task serve` (lib/server/main.ts) while a run queries the databases: the first
 * SIGINT or SIGTERM prints one line, stops the run (its queries leave both servers: a cancel on
 * PostgreSQL, a KILL on ClickHouse), answers its request 503 `stopping` and exits 0 without
 * waiting for them, also when ClickHouse answers nothing at all (frozen) and for an MCP
 * run_export; a second signal exits at once. Clients that hold the stop are in
 * server_interrupt_clients_test.ts. A real server process on the test databases, signals sent once
 * the queries run; every wait is on a condition, and what would otherwise wait minutes is caught
 * by a hang guard (HANG_GUARD_MS), not a time bound.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { signalTaskGroup, SLOW_CH, slowQueryDatabases, waitFor } from "./slow_queries.ts";
import { stallingProxy } from "./stalling_proxy.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";
import { DUPLICATE_SIGNAL_MS } from "../lib/cli/interrupt.ts";
import { startServer, TOKEN } from "./server_interrupt_fixture.ts";

const SUMMARY = "/v1/admin/pricing-analytics/summary?as_of=2026-09-01";

/** The summary's status and JSON body; a connection that broke off is status 0 and its error. */
function askForSummary(origin: string): Promise<{ status: number; body: unknown }> {
  return fetch(origin + SUMMARY, { headers: { Authorization: `Bearer ${TOKEN}` } })
    .then(async (response) => ({ status: response.status, body: await response.json() }))
    .catch((error) => ({ status: 0, body: String(error) }));
}

Deno.test("deno task serve, SIGINT during a run: one line, the queries stopped on both servers, 503, exit 0 without waiting for them", async () => {
  const databases = await slowQueryDatabases("server_interrupt", { usage: SLOW_CH });
  let started: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const server = started = await startServer(databases.env);
    const answer = askForSummary(server.origin);
    await waitFor(
      "both slow queries to run",
      async () => await databases.pgRunning() === 1 && await databases.chRunning() === 1,
    );
    server.child.kill("SIGINT");
    const { code } = await server.exit();
    assertEquals(code, 0, server.text());
    const { status, body } = await answer;
    assertEquals([status, body], [503, {
      error: "stopping",
      message: "the server is stopping; try again once it is back",
    }]);
    // the run's own line, the stop's, the access log's for the request; no stack, no "run failed"
    const lines = server.text().trimEnd().split("\n");
    match(lines[0], /^pricing-kit server listening on http:\/\/127\.0\.0\.1:\d+\//);
    assertEquals(lines.slice(1, 3), [
      "run 30d to 2026-09-01T00:00:00.000Z: querying PostgreSQL and ClickHouse…",
      "SIGINT: stopping: runs in flight are stopped, downloads under way finish (again, a second later: at once)",
    ]);
    match(lines[3], / GET \/v1\/admin\/pricing-analytics\/summary\?as_of=2026-09-01 503 \d+ms$/);
    assertEquals(lines.length, 4, server.text());
    await databases.stoppedOnBothServers();
  } finally {
    await started?.end();
    await databases.close();
  }
});

Deno.test("deno task serve, a signal to its whole process group during a run: one stop (queries stopped, 503, nothing spooled left), exit 0", async () => {
  // `deno task` forwards the signal to its `deno run` child, which also gets it from the group:
  // the two are one signal, not a first and a second (which would exit 130/143 at once)
  const databases = await slowQueryDatabases("server_interrupt_group", { usage: SLOW_CH });
  const tmp = await Deno.makeTempDir(); // the servers' TMPDIR: their runs' spooled results
  let started: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      await databases.stoppedOnBothServers(); // (the first round's query may still be ending)
      const server = started = await startServer({ ...databases.env, TMPDIR: tmp }, {
        task: true,
      });
      const answer = askForSummary(server.origin);
      await waitFor(
        "both slow queries to run",
        async () => await databases.pgRunning() === 1 && await databases.chRunning() === 1,
      );
      await signalTaskGroup(server.child.pid, signal, () => /stopping/.test(server.text()));
      const { code } = await server.exit();
      assertEquals(code, 0, server.text());
      assertEquals((await answer).status, 503, server.text());
      ok(!/again: stopped/.test(server.text()), server.text());
    }
    await databases.stoppedOnBothServers();
    assertEquals([...Deno.readDirSync(tmp)].map((entry) => entry.name), []);
  } finally {
    await started?.end();
    await databases.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("deno task serve, a second signal while the first stop waits: one line, exit 143 at once, no spooled result left", async () => {
  // PostgreSQL's answers stall once the kit sends its COPY: the first stop waits seconds for the
  // cancel before it drops the connection, the second signal does not
  const databases = await freshFixtureDatabases("server_interrupt_stall");
  const proxy = stallingProxy(databases.env.PRICING_PG_URL!, "COPY (");
  const tmp = await Deno.makeTempDir(); // the server's TMPDIR: its run's spooled results
  let started: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const server = started = await startServer({
      ...databases.env,
      PRICING_PG_URL: proxy.url,
      TMPDIR: tmp,
    } as Record<string, string>);
    const answer = askForSummary(server.origin);
    await waitFor("a COPY's answer to stall", () => proxy.stalled() >= 1);
    server.child.kill("SIGTERM");
    await waitFor("the stopping line", () => /SIGTERM: stopping/.test(server.text()));
    // the same signal sooner would be the first one delivered twice (a process group's)
    const stopping = performance.now();
    await waitFor(
      "the duplicate window to pass",
      () => performance.now() - stopping > DUPLICATE_SIGNAL_MS,
    );
    ok(!server.gone(), "the first stop still waits for PostgreSQL");
    server.child.kill("SIGTERM");
    // (the first stop alone would end 0, without the line)
    const { code } = await server.exit();
    assertEquals(code, 143, server.text());
    ok(server.text().endsWith("\nerror: SIGTERM again: stopped at once\n"), server.text());
    await answer; // (the connection went with the process)
    // no finally ran: the queries' folders were removed on the way out
    assertEquals([...Deno.readDirSync(tmp)].map((entry) => entry.name), []);
  } finally {
    await started?.end();
    await proxy.close();
    await databases.drop();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("deno task serve, SIGINT while ClickHouse is frozen: the run stops without its answer, exit 0", async () => {
  // every request to ClickHouse (the KILL too) gets no answer once sent, as from a stopped server
  const databases = await freshFixtureDatabases("server_interrupt_frozen");
  const proxy = stallingProxy(databases.env.PRICING_CH_URL!, "POST ");
  let started: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const server = started = await startServer({
      ...databases.env,
      PRICING_CH_URL: proxy.url,
      // a wait for the answer would outlast the hang guard (by default 150 s, barely past it)
      PRICING_CH_REQUEST_TIMEOUT_SECONDS: String(3 * HANG_GUARD_MS / 1000),
    } as Record<string, string>);
    const answer = askForSummary(server.origin);
    await waitFor("a ClickHouse answer to stall", () => proxy.stalled() >= 1);
    server.child.kill("SIGINT");
    const { code } = await server.exit();
    assertEquals(code, 0, server.text());
    assertEquals((await answer).status, 503);
  } finally {
    await started?.end();
    await proxy.close();
    await databases.drop();
  }
});

Deno.test("deno task serve, SIGINT during an MCP run_export: the export stops (queries on both servers, no file), the tool says so, exit 0", async () => {
  const databases = await slowQueryDatabases("server_interrupt_mcp", { usage: SLOW_CH });
  const exportsDir = await Deno.makeTempDir({ prefix: "server_interrupt_mcp_" });
  let started: Awaited<ReturnType<typeof startServer>> | undefined;
  const client = new Client({ name: "server-interrupt-test", version: "1.0.0" });
  try {
    const server = started = await startServer({
      ...databases.env,
      PRICING_MCP_ALLOW_EXPORT: "1",
      PRICING_MCP_EXPORTS_DIR: exportsDir,
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    const answer = client.callTool({ name: "run_export", arguments: { days: 30 } });
    // a failed wait below must not leave its rejection unhandled when the client closes
    answer.catch(() => {});
    await waitFor(
      "both slow queries to run",
      async () => await databases.pgRunning() === 1 && await databases.chRunning() === 1,
    );
    server.child.kill("SIGINT");
    const { code } = await server.exit();
    assertEquals(code, 0, server.text());
    const result = await answer as { isError?: boolean; content: { text?: string }[] };
    assertEquals([result.isError, result.content[0].text], [
      true,
      "error: the server is stopping: the export was stopped, no file written",
    ]);
    await databases.stoppedOnBothServers();
    // no export file, no staging folder, no history folder (a failed run leaves nothing)
    const left = [];
    for await (const entry of Deno.readDir(exportsDir)) left.push(entry.name);
    assertEquals(left, []);
  } finally {
    await client.close().catch(() => {});
    await started?.end();
    await databases.close();
    await Deno.remove(exportsDir, { recursive: true });
  }
});
