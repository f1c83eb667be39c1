/**
 * Stopping `deno task serve` (lib/server/main.ts) with clients that would hold the stop: clients
 * stuck mid-body are answered and not waited for, a download whose client reads nothing does not
 * hold the stop, one read slowly is sent whole. A real server process on the test databases; every
 * wait is on a condition, and what would otherwise wait minutes is caught by a hang guard
 * (HANG_GUARD_MS), not a time bound.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import pg from "pg";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { waitFor } from "./slow_queries.ts";
import { startServer, TOKEN } from "./server_interrupt_fixture.ts";

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
