/**
 * query_sql's process start has a limit of its own (PRICING_MCP_SQL_START_SECONDS), through the
 * MCP SDK's client: a process held in its start, as a stuck disk would hold Polars' load, is
 * killed at the limit and answered as a tool error saying the start ran out; nothing is left
 * behind; and statements waiting behind a held start give up within their own wait. The start is
 * held by sqlStartHoldForTests (lib/mcp/sql_launch.ts): the process reads a FIFO of the test's to
 * its end before its ready line, so the test knows it is held when its writing end opens.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, connectInMemory, text, type ToolResult } from "./mcp_client.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { closeFrameSql, frameQueriesWaiting, frameSqlPid } from "../lib/mcp/sql.ts";
import { sqlStartHoldForTests } from "../lib/mcp/sql_launch.ts";
import { ownerTag } from "../lib/formats/staging.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

/** Waits until `condition` holds; past the hang guard, fails naming `what` (not a budget). */
async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > HANG_GUARD_MS) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** This process's child processes, zombies too (Linux lists them per thread that spawned them). */
function children(): number[] {
  const pids: number[] = [];
  for (const task of Deno.readDirSync("/proc/self/task")) {
    const listed = Deno.readTextFileSync(`/proc/self/task/${task.name}/children`).trim();
    if (listed) pids.push(...listed.split(/\s+/).map(Number));
  }
  return pids;
}

/** The frames' folders of this server in the temporary folder, with their files. */
function sqlFolders(): Record<string, string[]> {
  const prefix = `pricing-kit-sql-${ownerTag()}-`;
  const folders: Record<string, string[]> = {};
  for (const entry of Deno.readDirSync(tmpdir())) {
    if (!entry.name.startsWith(prefix)) continue;
    folders[entry.name] = [...Deno.readDirSync(join(tmpdir(), entry.name))].map((e) => e.name)
      .sort();
  }
  return folders;
}

/** A FIFO in a fresh folder of the test's; its folder. */
async function fifoIn(): Promise<{ dir: string; fifo: string }> {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_start_" });
  const fifo = join(dir, "hold");
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  ok(made.success, new TextDecoder().decode(made.stderr));
  return { dir, fifo };
}

/**
 * The FIFO's writing end, once a process holding its start has opened it to read; fails, saying
 * so, if `answer` comes first (the process never reached its hold).
 */
async function heldStart(fifo: string, answer: Promise<ToolResult>): Promise<Deno.FsFile> {
  const writer = Deno.open(fifo, { write: true });
  const first = await Promise.race([writer, answer.then(text)]);
  if (typeof first !== "string") return first;
  // the open waits for a reader: this one lets it finish
  const reader = await Deno.open(fifo, { read: true });
  (await writer).close();
  reader.close();
  throw new Error(`the statement answered before its process reached its hold: ${first}`);
}

/** The demo dataset in memory as of 2026-11-01 (400 organizations), served over the SDK. */
function demoStore(dir: string, limits: { sqlStartMs: number; sqlTimeoutMs: number }) {
  const settings = { ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), ...limits };
  return new DatasetStore(settings, { now: () => new Date("2026-11-01T00:00:00Z") });
}

Deno.test("query_sql: a process held in its start is killed at PRICING_MCP_SQL_START_SECONDS, answered as a tool error saying the start ran out; nothing is left", async () => {
  const { dir, fifo } = await fifoIn();
  // 15 s: Polars' own load, before the hold, takes 0.3–0.5 s here; a CI machine running the whole
  // suite may take seconds
  const { client, close } = await connectInMemory(
    demoStore(dir, { sqlStartMs: 15_000, sqlTimeoutMs: 30_000 }),
  );
  let writer: Deno.FsFile | undefined;
  try {
    assertEquals(children(), [], "no process of this test's runs yet");
    sqlStartHoldForTests.fifo = fifo;
    const answer = call(client, "query_sql", { sql: "SELECT count(*) AS n FROM pricing_data" });
    writer = await heldStart(fifo, answer);
    const pid = frameSqlPid()!;
    assertEquals(children(), [pid], "the held process is this server's one child");
    const stalled = await answer;
    // a tool's answer (isError), not a protocol error: the SDK resolved it
    assertEquals([stalled.isError, text(stalled)], [
      true,
      "error: the query did not run: its SQL process did not start within 15 s " +
      "(PRICING_MCP_SQL_START_SECONDS) and was stopped; ask again (a new process starts), and " +
      "if starts keep running out the server's machine is overloaded or its disk stalled: its " +
      "operator can raise PRICING_MCP_SQL_START_SECONDS",
    ]);
    // killed and reaped: no child left, none running in its place
    await until(() => children().length === 0, "the held process to be gone");
    assertEquals(frameSqlPid(), undefined);
    // the table's file, written before the start, stays for the next statement; nothing else
    const folders = sqlFolders();
    assertEquals(Object.values(folders), [["table-1.parquet"]]);
    writer.close();
    writer = undefined;
    // the next statement starts a new process and answers, reading the same file
    sqlStartHoldForTests.fifo = null;
    const again = await call(client, "query_sql", {
      sql: "SELECT count(*) AS n FROM pricing_data",
    });
    assertEquals(again.structuredContent?.rows ?? text(again), [{ n: 400 }]);
    ok(frameSqlPid() !== pid);
    assertEquals(sqlFolders(), folders);
    await closeFrameSql();
    assertEquals(children(), []);
    assertEquals(sqlFolders(), {});
  } finally {
    sqlStartHoldForTests.fifo = null;
    writer?.close();
    await close();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql: a statement waiting behind a held start gives up within its wait; the held one, let go, runs to its own deadline from its start", async () => {
  const { dir, fifo } = await fifoIn();
  // a start limit the hold does not reach; a deadline of 3 s (the held statement's run after it is
  // let go, a loaded CI machine's pace included), so waiting ends after 6 s
  const { client, close } = await connectInMemory(
    demoStore(dir, { sqlStartMs: 600_000, sqlTimeoutMs: 3_000 }),
  );
  let writer: Deno.FsFile | undefined;
  try {
    sqlStartHoldForTests.fifo = fifo;
    const first = call(client, "query_sql", { sql: "SELECT count(*) AS n FROM pricing_data" });
    writer = await heldStart(fifo, first);
    const second = call(client, "query_sql", { sql: "SELECT 2 AS two" });
    await until(() => frameQueriesWaiting() === 1, "the second statement to wait");
    // its wait counts the held start ahead of it: it leaves, the held one still starting
    const waited = await second;
    assertEquals([waited.isError, text(waited)], [
      true,
      "error: the query waited 6 s (2 × PRICING_MCP_SQL_TIMEOUT_SECONDS) for its turn and did " +
      "not start: 1 other query was running or waiting (one runs at a time); ask again, or " +
      "send fewer at once",
    ]);
    assertEquals(frameQueriesWaiting(), 0);
    // held past its 3 s deadline (6 s and more), let go: its deadline runs from its ready line
    sqlStartHoldForTests.fifo = null;
    writer.close();
    writer = undefined;
    const answered = await first;
    assertEquals(answered.structuredContent?.rows ?? text(answered), [{ n: 400 }]);
  } finally {
    sqlStartHoldForTests.fifo = null;
    writer?.close();
    await close();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});
