/**
 * query_sql's limits over the frame (lib/mcp/sql.ts): Polars' uncancellable runaways bounded by
 * deadline and memory cap, the queue (its order, MAX_WAITING, deadlines), and cancels in process,
 * over the SDK and over HTTP.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import {
  closeFrameSql,
  frameQueriesWaiting,
  frameSqlPid,
  PAST_LIMIT_ADVICE,
  queryFrame,
  queryTables,
} from "../lib/mcp/sql.ts";
import { MAX_WAITING } from "../lib/mcp/sql_process.ts";
import { call, connectInMemory, serveMcpHttp, text } from "./mcp_client.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { demoFrame, LIMITS, processEnded, RUNAWAY, until } from "./mcp_sql_fixture.ts";

const failureOf = (promise: Promise<unknown>) =>
  promise.then(() => "answered", (error: Error) => error.message);

Deno.test("query_sql: a statement past its deadline is stopped, its process killed", async () => {
  const frame = await demoFrame();
  try {
    const count = await queryFrame(frame, "SELECT count(*) AS n FROM pricing_data", LIMITS);
    assertEquals(count.rows, [{ n: 400 }]);
    const pid = frameSqlPid()!;
    const message = await failureOf(
      queryFrame(frame, RUNAWAY, { ...LIMITS, timeoutMs: 300, maxMb: 1_000_000 }),
    );
    ok(
      /^the query ran longer than 0.3 s \(PRICING_MCP_SQL_TIMEOUT_SECONDS\) and was stopped/.test(
        message,
      ),
      message,
    );
    ok(message.endsWith(`; ${PAST_LIMIT_ADVICE}`), message);
    await until(() => processEnded(pid), "the stopped statement's process to end");
    // the next statement starts a new process and answers
    const again = await queryFrame(frame, "SELECT max(seats) AS m FROM pricing_data", LIMITS);
    assertEquals(again.rows, [{ m: frame.getColumn("seats").max() }]);
    ok(frameSqlPid() !== pid);
  } finally {
    await closeFrameSql();
  }
});

Deno.test("query_sql: a statement past its memory cap is stopped, its process killed", async () => {
  const frame = await demoFrame();
  try {
    await queryFrame(frame, "SELECT 1 AS one FROM pricing_data LIMIT 1", LIMITS);
    const pid = frameSqlPid()!;
    const message = await failureOf(queryFrame(frame, RUNAWAY, { ...LIMITS, maxMb: 400 }));
    ok(
      /^the query needed more than 400 MB \(PRICING_MCP_SQL_MAX_MB\) and was stopped/.test(message),
      message,
    );
    ok(message.endsWith(`; ${PAST_LIMIT_ADVICE}`), message);
    await until(() => processEnded(pid), "the stopped statement's process to end");
  } finally {
    await closeFrameSql();
  }
});

Deno.test("query_sql: statements wait their turn; past MAX_WAITING they are refused", async () => {
  const frame = await demoFrame();
  try {
    // one runaway holds the process until its deadline (no memory cap before it: under load it
    // reached 2 GB first); sixteen wait behind it, the seventeenth is refused
    const runaway = failureOf(
      queryFrame(frame, RUNAWAY, { ...LIMITS, timeoutMs: 600, maxMb: 1_000_000 }),
    );
    const waiting = Array.from(
      { length: MAX_WAITING },
      (_, i) => queryFrame(frame, `SELECT count(*) + ${i} AS n FROM pricing_data`, LIMITS),
    );
    assertEquals(frameQueriesWaiting(), MAX_WAITING);
    assertEquals(MAX_WAITING, 16);
    const refused = await failureOf(queryFrame(frame, "SELECT 1 AS one FROM pricing_data", LIMITS));
    assertEquals(refused, BUSY);
    const stopped = await runaway;
    ok(/ran longer than 0.6 s/.test(stopped), stopped);
    const answers = await Promise.all(waiting);
    // the demo's 400 organizations, plus i
    assertEquals(
      answers.map((a) => a.rows),
      Array.from({ length: MAX_WAITING }, (_, i) => [{ n: 400 + i }]),
    );
    assertEquals(frameQueriesWaiting(), 0);
  } finally {
    await closeFrameSql();
  }
});

/** The refusal of a statement past MAX_WAITING (16), with the numbers. */
const BUSY = "query_sql is busy: 1 query running and 16 waiting, the most that may wait " +
  "(queries run one at a time, in a process of their own, to bound its memory); ask again " +
  "once some of these have answered";

Deno.test("query_sql: a statement waiting past its deadline leaves the queue unrun, saying why", async () => {
  const frame = await demoFrame();
  const tables = { pricing_data: frame };
  const first = new AbortController();
  try {
    // the process started and the table written, so the slow statement runs at once
    await queryFrame(frame, "SELECT 1 AS one FROM pricing_data LIMIT 1", LIMITS);
    const pid = frameSqlPid()!;
    // a deadline the slow one does not reach (only its cancel stops it); 0.1 s for the other
    const slow = failureOf(
      queryTables(tables, SLOW, { ...LIMITS, timeoutMs: 600_000, signal: first.signal }),
    );
    const waited = await failureOf(
      queryTables(tables, "SELECT 2 AS two", { ...LIMITS, timeoutMs: 100 }),
    );
    // twice its deadline: 0.2 s, well within the slow one's ~2 s
    assertEquals(
      waited,
      "the query waited 0.2 s (2 × PRICING_MCP_SQL_TIMEOUT_SECONDS) for its turn and did not " +
        "start: 1 other query was running or waiting (one runs at a time); ask again, or send " +
        "fewer at once",
    );
    assertEquals(frameQueriesWaiting(), 0);
    assertEquals(frameSqlPid(), pid, "the running statement was left to run");
    first.abort();
    ok(/cancelled/.test(await slow));
    // the next statement answers (the one that left never runs before it)
    const again = await queryFrame(frame, "SELECT 3 AS three", LIMITS);
    assertEquals(again.rows, [{ three: 3 }]);
  } finally {
    first.abort();
    await closeFrameSql();
  }
});

Deno.test("query_sql: statements are admitted first come, first served, whatever each loads first", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_test_" });
  // a deadline no statement here reaches: only the cancel stops the slow one
  const settings = { ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), sqlTimeoutMs: 600_000 };
  // the demo dataset in memory as of 2026-11-01: 400 organizations (the golden demo's)
  const { client, close } = await connectInMemory(
    new DatasetStore(settings, { now: () => new Date("2026-11-01T00:00:00Z") }),
  );
  const first = new AbortController();
  try {
    // the process started and the table written, so the slow statement runs at once
    await call(client, "query_sql", { sql: "SELECT 1 AS one FROM pricing_data LIMIT 1" });
    const slow = client.callTool({ name: "query_sql", arguments: { sql: SLOW } }, undefined, {
      signal: first.signal,
    });
    slow.catch(() => {});
    await until(async () => await residentMb(frameSqlPid()!) > 300, "the slow statement to run");
    // sent at once behind it: the first reads the history table first (more to load than the
    // others), yet keeps its place: it and the next fifteen wait (MAX_WAITING, 16), the last two
    // are refused
    const sqls = [
      "SELECT count(*) AS n FROM history",
      ...Array.from({ length: 17 }, (_, k) => `SELECT count(*) + ${k + 2} AS n FROM pricing_data`),
    ];
    const answers = sqls.map((sql) => call(client, "query_sql", { sql }));
    await until(() => Promise.resolve(frameQueriesWaiting() === MAX_WAITING), "sixteen to wait");
    first.abort();
    const results = await Promise.all(answers);
    // no history snapshot in the empty folder: 0; the demo's 400 organizations plus 2 … 16
    assertEquals(
      results.slice(0, MAX_WAITING).map((r) => r.structuredContent?.rows ?? text(r)),
      [[{ n: 0 }], ...Array.from({ length: 15 }, (_, k) => [{ n: 400 + k + 2 }])],
    );
    assertEquals(
      results.slice(MAX_WAITING).map((r) => [r.isError, text(r)]),
      [[true, `error: ${BUSY}`], [true, `error: ${BUSY}`]],
    );
  } finally {
    first.abort();
    await close();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Three copies of the demo's seats crossed and counted: 64 million rows, ~2 s and ~0.8 GB here. */
const SLOW = "SELECT count(*) AS n FROM (SELECT seats AS x FROM pricing_data) a " +
  "CROSS JOIN (SELECT seats AS y FROM pricing_data) b CROSS JOIN (SELECT seats AS z FROM pricing_data) c";

/** Resident memory of a process in MB, 0 once it is gone. */
async function residentMb(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

Deno.test("query_sql: a cancelled statement leaves the queue at once, a running one has its process killed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_test_" });
  // a deadline no statement here reaches: only the cancel can stop them
  const settings = { ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), sqlTimeoutMs: 600_000 };
  const { client, close } = await connectInMemory(new DatasetStore(settings));
  const slow = (signal: AbortSignal) =>
    client.callTool({ name: "query_sql", arguments: { sql: SLOW } }, undefined, { signal });
  try {
    // the process started and the table written, so the first slow statement runs at once
    await call(client, "query_sql", { sql: "SELECT 1 AS one FROM pricing_data LIMIT 1" });
    const pid = frameSqlPid()!;
    const first = new AbortController();
    let firstSettled = false;
    const running = slow(first.signal).finally(() => firstSettled = true);
    running.catch(() => {});
    const queued = [0, 1, 2].map(() => new AbortController());
    const waiting = queued.map((abort) => slow(abort.signal));
    await until(() => Promise.resolve(frameQueriesWaiting() === 3), "three statements to wait");
    // the client's AbortController: the SDK sends notifications/cancelled for each
    for (const abort of queued) abort.abort();
    for (const answer of waiting) await rejects(answer);
    await until(
      () => Promise.resolve(frameQueriesWaiting() === 0),
      "the cancelled statements to leave",
    );
    ok(!firstSettled, "the queue emptied while the first statement still ran");
    await until(async () => await residentMb(pid) > 300, "the first statement to run");
    first.abort();
    await rejects(running);
    await until(() => processEnded(pid), "the cancelled statement's process to end");
    // the next statement starts a new process and answers (nothing cancelled runs before it)
    const one = await call(client, "query_sql", { sql: "SELECT 1 AS one" });
    assertEquals(one.structuredContent?.rows ?? text(one), [{ one: 1 }]);
    ok(frameSqlPid() !== pid);
  } finally {
    await close();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql over the SDK: 1 + MAX_WAITING calls sent at once all answer; one more while they wait is refused in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_test_" });
  // a deadline no statement here reaches: only the cancel stops the slow one
  const settings = { ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), sqlTimeoutMs: 600_000 };
  // the demo dataset in memory as of 2026-11-01: 400 organizations (the golden demo's)
  const { client, close } = await connectInMemory(
    new DatasetStore(settings, { now: () => new Date("2026-11-01T00:00:00Z") }),
  );
  const count = (i: number) =>
    call(client, "query_sql", { sql: `SELECT count(*) + ${i} AS n FROM pricing_data` });
  const answered = (results: Awaited<ReturnType<typeof count>>[]) =>
    results.map((r) => r.structuredContent?.rows ?? text(r));
  const expected = (n: number) => Array.from({ length: n }, (_, i) => [{ n: 400 + i }]);
  const first = new AbortController();
  try {
    // a burst as Claude sends one (17 at once, before any answers): none is refused; the
    // queue held four, and refused the sixth
    assertEquals(
      answered(await Promise.all(expected(MAX_WAITING + 1).map((_, i) => count(i)))),
      expected(MAX_WAITING + 1),
    );
    // one slow statement runs, sixteen wait: the next is refused with the numbers
    const slow = client.callTool({ name: "query_sql", arguments: { sql: SLOW } }, undefined, {
      signal: first.signal,
    });
    slow.catch(() => {});
    await until(async () => await residentMb(frameSqlPid()!) > 300, "the slow statement to run");
    const waiting = expected(MAX_WAITING).map((_, i) => count(i));
    await until(() => Promise.resolve(frameQueriesWaiting() === MAX_WAITING), "sixteen to wait");
    const busy = await count(99);
    assertEquals([busy.isError, text(busy)], [true, `error: ${BUSY}`]);
    first.abort();
    assertEquals(answered(await Promise.all(waiting)), expected(MAX_WAITING));
  } finally {
    first.abort();
    await close();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql over HTTP: a cancelled statement has its process killed (the cancel comes in a POST of its own)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_test_" });
  const store = new DatasetStore({
    ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }),
    sqlTimeoutMs: 600_000,
  });
  const { server, url } = serveMcpHttp(store);
  const client = new Client({ name: "pricing-kit-test", version: "1.0.0" });
  try {
    await client.connect(new StreamableHTTPClientTransport(url));
    await call(client, "query_sql", { sql: "SELECT 1 AS one FROM pricing_data LIMIT 1" });
    const pid = frameSqlPid()!;
    const abort = new AbortController();
    const answer = client.callTool({ name: "query_sql", arguments: { sql: SLOW } }, undefined, {
      signal: abort.signal,
    });
    answer.catch(() => {});
    await until(async () => await residentMb(pid) > 300, "the statement to run");
    abort.abort();
    await rejects(answer);
    await until(() => processEnded(pid), "the cancelled statement's process to end");
    const one = await call(client, "query_sql", { sql: "SELECT 1 AS one" });
    assertEquals(one.structuredContent?.rows ?? text(one), [{ one: 1 }]);
  } finally {
    await client.close();
    await server.shutdown();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});
