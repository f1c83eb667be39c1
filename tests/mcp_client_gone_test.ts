/**
 * `deno task mcp` when its client goes away mid-call (Claude Desktop crashes or is quit): the
 * client (tests/fixtures/mcp_gone_client.ts, the MCP SDK's stdio client in a process of its own)
 * is SIGKILLed while a tool runs, so the server's stdin ends and its stdout has no reader, and no
 * signal reaches the server. It must end of itself, its work stopped: a run_export's queries
 * cancelled on both databases and nothing written, query_sql's process gone, no process of its
 * own left behind.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { SLOW_CH, slowQueryDatabases, waitFor } from "./slow_queries.ts";
import { exportsFolder } from "./mcp_client.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

const CLIENT = fileURLToPath(new URL("./fixtures/mcp_gone_client.ts", import.meta.url));

/** Every entry in a folder, hidden ones too (a staging folder is `.staging-…`). */
function entries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

/** The processes whose environment holds `TMPDIR=tmp`: the server's and its children's. */
function processesOf(tmp: string): number[] {
  const mark = new TextEncoder().encode(`TMPDIR=${tmp}\0`);
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const environ = Deno.readFileSync(`/proc/${entry.name}/environ`);
      const state = Deno.readTextFileSync(`/proc/${entry.name}/status`);
      if (!/^State:\s+Z/m.test(state) && contains(environ, mark)) pids.push(Number(entry.name));
    } catch { /* gone meanwhile */ }
  }
  return pids;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Starts the client calling `tool` on a server with `env` (its TMPDIR a folder of the test's, which
 * marks the server's processes). `stopsReading`: the client closes its end of the server's stdout
 * before the call, its stdin left open.
 */
function goneClient(
  { env, tool, args, stopsReading = false }: {
    env: Record<string, string> & { TMPDIR: string };
    tool: string;
    args: Record<string, unknown>;
    stopsReading?: boolean;
  },
) {
  const client = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLIENT],
    env: {
      PROBE_SERVER_ENV: JSON.stringify(env),
      PROBE_TOOL: tool,
      PROBE_ARGS: JSON.stringify(args),
      PROBE_STOP_READING: stopsReading ? "1" : "0",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const events: Record<string, unknown>[] = [];
  const eventsRead = (async () => {
    let buffered = "";
    for await (const chunk of client.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) events.push(JSON.parse(line));
    }
  })();
  // the server's stderr is the client's
  const stderr = new Response(client.stderr).text();
  return {
    events,
    /** waits for the server to be up and the call sent */
    async called() {
      await waitFor(
        `the client to call ${tool}`,
        () => events.some((e) => "called" in e),
        HANG_GUARD_MS,
      );
    },
    /** kills the client (SIGKILL) */
    async kill() {
      client.kill("SIGKILL");
      await client.status;
      await eventsRead;
    },
    /** what the server printed on stderr, once every process holding it has gone */
    stderr: () => stderr,
    /** the server and its processes gone */
    async serverEnded() {
      await waitFor(
        "the server and its processes to end",
        () => processesOf(env.TMPDIR).length === 0,
      );
    },
    /** kills the client if the test failed before it did */
    cleanUp() {
      try {
        client.kill("SIGKILL");
      } catch { /* gone */ }
    },
  };
}

/** The server's stderr had its start line and `expected`, and no stack or uncaught error. */
function saidOnly(stderr: string, expected: RegExp[]): void {
  const lines = stderr.trim().split("\n");
  ok(/^pricing-kit MCP server on stdio/.test(lines[0]), stderr);
  assertEquals(lines.length, 1 + expected.length, stderr);
  expected.forEach((pattern, k) => ok(pattern.test(lines[k + 1]), stderr));
}

const STOPPED_READING =
  /^the MCP client stopped reading the server's output \(EPIPE\): ending the session$/;

for (const stopsReading of [false, true]) {
  const how = stopsReading ? "stops reading its output" : "killed";
  Deno.test(`deno task mcp: the client ${how} during run_export, the server ends, its queries cancelled on both databases and nothing written`, async () => {
    const databases = await slowQueryDatabases("mcp_client_gone_export", { usage: SLOW_CH });
    const exportsDir = await Deno.makeTempDir({ prefix: "mcp_client_gone_export_" });
    const tmp = await Deno.makeTempDir({ prefix: "mcp_client_gone_tmp_" });
    const client = goneClient({
      env: {
        ...databases.env,
        TMPDIR: tmp,
        PRICING_MCP_ALLOW_EXPORT: "1",
        PRICING_MCP_EXPORTS_DIR: exportsDir,
      },
      tool: "run_export",
      args: { days: 30 },
      stopsReading,
    });
    try {
      await client.called();
      if (!stopsReading) {
        await waitFor(
          "both slow queries to run",
          async () => await databases.pgRunning() === 1 && await databases.chRunning() === 1,
        );
        await client.kill();
      }
      // stopped reading: its first progress note met EPIPE, and nothing else stops the server
      await client.serverEnded();
      if (stopsReading) await client.kill();
      saidOnly(await client.stderr(), stopsReading ? [STOPPED_READING] : []);
      await databases.stoppedOnBothServers();
      assertEquals(entries(exportsDir), []);
      assertEquals(entries(tmp), []);
    } finally {
      client.cleanUp();
      await databases.close();
      await Deno.remove(exportsDir, { recursive: true });
      await Deno.remove(tmp, { recursive: true });
    }
  });
}

/** Three copies of the demo's seats crossed and counted (tests/mcp_sql_limits_test.ts's SLOW). */
const SLOW_SQL = "SELECT count(*) AS n FROM (SELECT seats AS x FROM pricing_data) a " +
  "CROSS JOIN (SELECT seats AS y FROM pricing_data) b CROSS JOIN (SELECT seats AS z FROM pricing_data) c " +
  "CROSS JOIN (SELECT seats AS w FROM pricing_data) d";

for (const stopsReading of [false, true]) {
  const how = stopsReading ? "stops reading its output" : "killed";
  Deno.test(`deno task mcp: the client ${how} during query_sql, the server and its SQL process end and the tables' files go`, async () => {
    const tmp = await Deno.makeTempDir({ prefix: "mcp_client_gone_sql_" });
    const folder = await exportsFolder();
    const client = goneClient({
      env: {
        TMPDIR: tmp,
        PRICING_MCP_EXPORTS_DIR: folder.dir,
        PRICING_MCP_SQL_TIMEOUT_SECONDS: "600",
      },
      tool: "query_sql",
      // stopped reading, the answer (or the progress note before it) meets EPIPE: any statement
      args: { sql: stopsReading ? "SELECT count(*) AS n FROM pricing_data" : SLOW_SQL },
      stopsReading,
    });
    try {
      await client.called();
      if (!stopsReading) {
        // the statement runs in the SQL process, beside the server
        await waitFor(
          "the statement to run",
          () =>
            client.events.some((e) => /^running/.test(String(e.progress))) &&
            processesOf(tmp).length === 2,
        );
        await client.kill();
      }
      await client.serverEnded();
      if (stopsReading) await client.kill();
      saidOnly(await client.stderr(), stopsReading ? [STOPPED_READING] : []);
      assertEquals(entries(tmp), [], "the tables' files are removed");
    } finally {
      client.cleanUp();
      await Deno.remove(tmp, { recursive: true });
      await Deno.remove(folder.dir, { recursive: true });
    }
  });
}
