/**
 * Stopping `deno task serve` (lib/server/main.ts) while a run queries the databases: the first
 * SIGINT or SIGTERM prints one line, stops the run (its queries leave both servers: a cancel on
 * PostgreSQL, a KILL on ClickHouse), answers its request 503 `stopping` and exits 0 without
 * waiting for them, also when ClickHouse answers nothing at all (frozen); a second signal exits at
 * once; a download whose client reads nothing does not hold the stop, one read slowly is sent
 * whole. A real server process on the test databases, signals sent once the queries run; every
 * wait is on a condition, and what would otherwise wait minutes is caught by a hang guard
 * (HANG_GUARD_MS), not a time bound.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import pg from "pg";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { signalTaskGroup, SLOW_CH, slowQueryDatabases, waitFor } from "./slow_queries.ts";
import { stallingProxy } from "./stalling_proxy.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";
import { DUPLICATE_SIGNAL_MS } from "../lib/cli/interrupt.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const MAIN = new URL("../lib/server/main.ts", import.meta.url).pathname;
const TOKEN = "interrupt-test-token-0123456789abcdef";
const SUMMARY = "/v1/admin/pricing-analytics/summary?as_of=2026-09-01";

/**
 * The server on a free port with only `env` set; its stderr gathered as it comes. `deno run`
 * itself, or (`task`) `deno task -q serve` in a process group of its own (setsid: its pid is the
 * group's id), as a terminal, GNU timeout or systemd would signal it.
 */
async function startServer(env: Record<string, string>, { task = false, demo = false } = {}) {
  const command = task
    ? ["setsid", Deno.execPath(), "task", "-q", "serve"]
    : [Deno.execPath(), "run", "-A", MAIN];
  const child = new Deno.Command(command[0], {
    args: [
      ...command.slice(1),
      ...(demo ? ["--demo"] : []),
      "--port",
      "0",
      "--env-file",
      "/dev/null",
    ],
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      PATH: Deno.env.get("PATH") ?? "",
      PRICING_SERVER_TOKEN: TOKEN,
      PRICING_SERVER_STRIPE: "skip",
      ...env,
    },
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  const exited = child.status.then(async (status) => {
    await reading;
    return status;
  });
  let gone = false;
  exited.then(() => gone = true);
  // (the whole group: `deno task`'s child too)
  const kill = () => task ? Deno.kill(-child.pid, "SIGKILL") : child.kill("SIGKILL");
  await waitFor("the server to listen", () => gone || /listening on /.test(text));
  const origin = /listening on (http:\/\/[^/\s]+)/.exec(text)?.[1];
  if (!origin) throw new Error(`the server did not start: ${text}`);
  return {
    child,
    origin,
    /** what it printed so far */
    text: () => text,
    exited,
    /** kills it if it still runs (a failed test's clean-up) */
    async end(): Promise<void> {
      if (!gone) kill();
      await exited;
    },
    /** whether it has exited */
    gone: () => gone,
    /** its exit status; past HANG_GUARD_MS it is killed and this fails (a guard, not a budget) */
    async exit(): Promise<Deno.CommandStatus> {
      try {
        await waitFor("the server to exit", () => gone, HANG_GUARD_MS);
      } finally {
        if (!gone) kill();
      }
      return await exited;
    },
  };
}

/**
 * A POST to `origin` + `path` that claims `length` bytes of body and sends only `sent`, then
 * nothing more (the connection kept open); what comes back is gathered as it comes.
 */
async function stalledPost(
  origin: string,
  path: string,
  { length, sent, token }: { length: number; sent: number; token: boolean },
) {
  const { hostname, port } = new URL(origin);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const head = `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\n` +
    "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n" +
    (token ? `Authorization: Bearer ${TOKEN}\r\n` : "") + `Content-Length: ${length}\r\n\r\n`;
  await conn.write(new TextEncoder().encode(head + "x".repeat(sent)));
  let text = "";
  let closed = false;
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of conn.readable) text += decoder.decode(chunk, { stream: true });
    } catch { /* reset */ }
    closed = true;
  })();
  return {
    text: () => text,
    closed: () => closed,
    async close() {
      try {
        conn.close();
      } catch { /* closed already */ }
      await reading;
    },
  };
}

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

Deno.test("deno task serve, SIGTERM with clients stuck mid-body: they are answered, the stop does not wait on them, exit 0", async () => {
  const server = await startServer({}, { demo: true });
  const posts: Awaited<ReturnType<typeof stalledPost>>[] = [];
  try {
    // one /mcp is reading (sent first, so it is under way by the time the others are answered),
    // one /mcp refuses at once (over the body limit), one route takes no POST: none gets its body
    const reading = await stalledPost(server.origin, "/mcp", {
      length: 1000,
      sent: 10,
      token: true,
    });
    const oversized = await stalledPost(server.origin, "/mcp", {
      length: 30 * 1024 * 1024,
      sent: 65_536,
      token: true,
    });
    const notAllowed = await stalledPost(server.origin, "/healthz", {
      length: 1000,
      sent: 10,
      token: false,
    });
    posts.push(reading, oversized, notAllowed);
    await waitFor(
      "the 413 and the 405",
      () => /^HTTP\/1\.1 413 /.test(oversized.text()) && /^HTTP\/1\.1 405 /.test(notAllowed.text()),
    );
    server.child.kill("SIGTERM");
    // Deno's shutdown waited for the rest of every body: the server never exited
    const { code } = await server.exit();
    assertEquals(code, 0, server.text());
    match(
      server.text(),
      /\nstopped: connections still open were closed \(a client still sending its request or reading its answer\)\n$/,
    );
    await waitFor("the connections to close", () => posts.every((post) => post.closed()));
    // the one still reading was told the server is stopping (unless its head came too late)
    ok(reading.text() === "" || /^HTTP\/1\.1 503 /.test(reading.text()), reading.text());
  } finally {
    for (const post of posts) await post.close();
    await server.end();
  }
});

/**
 * `count` more organizations (free, no usage, a long name) in the fixture PostgreSQL: an export
 * of ~16 MB, four times what loopback's socket buffers hold of a download whose client reads
 * nothing (~4 MB with Linux's default tcp_wmem), so the server is left with the rest to send.
 */
async function addOrganizations(pgUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO organization (id, name, created_at, tier)
       SELECT gen_random_uuid(), 'Bulk org ' || i || ' ' || repeat('x', 300), '2025-01-01', 'free'
       FROM generate_series(1, $1) AS i`,
      [count],
    );
  } finally {
    await client.end();
  }
}

/**
 * A raw GET of `origin` + `path` (HTTP/1.1, the connection closed after the answer): the client
 * reads only what the test reads, so the server's writes wait on it (what fetch() does not do: it
 * takes the whole body at the server's pace and keeps it).
 */
async function rawGet(origin: string, path: string) {
  const { hostname, port } = new URL(origin);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  await conn.write(
    new TextEncoder().encode(
      `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        "Connection: close\r\n\r\n",
    ),
  );
  const parts: Uint8Array[] = [];
  let bytes = 0;
  return {
    /** bytes read so far */
    bytes: () => bytes,
    /** reads at most `size` more bytes; false once the connection is closed (or reset) */
    async read(size: number): Promise<boolean> {
      const buffer = new Uint8Array(size);
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) return false;
      parts.push(buffer.subarray(0, n));
      bytes += n;
      return true;
    },
    /** the first bytes read, as text */
    start(): string {
      return new TextDecoder().decode(parts[0] ?? new Uint8Array(0));
    },
    /** what was read: its status line, and its body if it came whole (null if cut short) */
    answer(): { status: string; body: Uint8Array | null } {
      const all = new Uint8Array(bytes);
      parts.reduce((at, part) => (all.set(part, at), at + part.byteLength), 0);
      const text = new TextDecoder("latin1").decode(all); // (one character a byte)
      const headEnd = text.indexOf("\r\n\r\n");
      const status = text.slice(0, text.indexOf("\r\n"));
      if (!/\r\ntransfer-encoding: chunked\r\n/i.test(text.slice(0, headEnd + 2))) {
        throw new Error(`not a chunked answer: ${text.slice(0, headEnd)}`);
      }
      // chunked: a hex size line, that many bytes, CRLF; a size of 0 ends the body
      const body: Uint8Array[] = [];
      for (let at = headEnd + 4;;) {
        const lineEnd = text.indexOf("\r\n", at);
        if (lineEnd < 0) return { status, body: null };
        const size = parseInt(text.slice(at, lineEnd), 16);
        if (size === 0) return { status, body: concat(body) };
        if (lineEnd + 2 + size + 2 > bytes) return { status, body: null };
        body.push(all.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    },
    close() {
      try {
        conn.close();
      } catch { /* closed already */ }
    },
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  parts.reduce((at, part) => (all.set(part, at), at + part.byteLength), 0);
  return all;
}

Deno.test("deno task serve, SIGTERM while one download's client reads nothing and another's reads slowly: the stalled one is closed after 10 s without progress (one line), the slow one gets its whole file, exit 0", async () => {
  const databases = await freshFixtureDatabases("server_interrupt_stalled_download");
  let started: Awaited<ReturnType<typeof startServer>> | undefined;
  const clients: Awaited<ReturnType<typeof rawGet>>[] = [];
  try {
    await addOrganizations(databases.env.PRICING_PG_URL!, 40_000);
    const server = started = await startServer(databases.env as Record<string, string>);
    const path = "/v1/admin/pricing-analytics/export?format=csv&as_of=2026-11-01";
    // the whole file, read at once (and the run cached: the two downloads below share it)
    const whole = await (await fetch(server.origin + path, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    })).bytes();
    ok(whole.byteLength > 16 * 1024 * 1024, `the export is ${whole.byteLength} bytes`);
    // one reads its first bytes and then nothing; the other reads slowly
    const stalled = await rawGet(server.origin, path);
    const slow = await rawGet(server.origin, path);
    clients.push(stalled, slow);
    // both answers under way before the stop (a request the server has not begun to answer when
    // the stop comes gets 503 stopping: under load the slow one's did, once)
    for (const client of clients) {
      await client.read(100);
      match(client.start(), /^HTTP\/1\.1 200 /);
    }
    server.child.kill("SIGTERM");
    await waitFor("the stopping line", () => /SIGTERM: stopping/.test(server.text()));
    const closedLine =
      "stopped: a download (helicone_pricing_data_2026-11-01.csv) made no progress for 10 s and was closed";
    const closed = () => server.text().includes(closedLine);
    // 512 KB a second until the stalled one is closed (which leaves it most of the file to read),
    // then the rest at once: reading, it frees room in its socket every few seconds
    let bytesWhenClosed: number | null = null;
    const from = performance.now();
    while (await slow.read(16_384)) {
      if (bytesWhenClosed === null && closed()) bytesWhenClosed = slow.bytes();
      if (bytesWhenClosed !== null) continue;
      const due = from + slow.bytes() / 512; // (512 bytes a millisecond)
      await waitFor("the slow client's pace", () => closed() || performance.now() >= due);
    }
    const { code } = await server.exit();
    assertEquals(code, 0, server.text());
    ok(
      bytesWhenClosed !== null && bytesWhenClosed < whole.byteLength,
      `the slow client read ${bytesWhenClosed} of ${whole.byteLength} bytes before the stalled one was closed (${slow.bytes()} in all); the server said:\n${server.text()}`,
    );
    const { status, body } = slow.answer();
    match(status, /^HTTP\/1\.1 200 /);
    ok(
      body?.byteLength === whole.byteLength && body.every((byte, i) => byte === whole[i]),
      `the slow client got ${body?.byteLength ?? "a cut"} body, not the ${whole.byteLength} bytes`,
    );
    // the stalled client got part of the file, never its end (not a file that looks whole)
    while (await stalled.read(1 << 20));
    assertEquals(stalled.answer().body, null);
    const lines = server.text().trimEnd().split("\n");
    assertEquals(lines.filter((line) => line === closedLine).length, 1, server.text());
    const downloads = lines.filter((line) =>
      / GET \/v1\/admin\/pricing-analytics\/export\?/.test(line)
    );
    assertEquals(downloads.length, 3, server.text());
    match(downloads[0], new RegExp(` 200 \\d+ms cache=miss ${whole.byteLength}B done$`));
    // the stalled one's part, ended by the stop; then the slow one's whole file
    match(downloads[1], / 200 \d+ms cache=hit \d+B stalled$/);
    ok(downloads[2].endsWith(` cache=hit ${whole.byteLength}B done`), server.text());
    // its connection was still open: the stop gave it its grace and went
    match(lines.at(-1)!, /^stopped: connections still open were closed /);
  } finally {
    for (const client of clients) client.close();
    await started?.end();
    await databases.drop();
  }
});
