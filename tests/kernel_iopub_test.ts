/**
 * The iopub listener (lib/report/kernel_iopub.ts) against a stand-in for Deno 2.9's kernel PUB
 * socket (cli/js/jupyter_kernel.js: ZMTP 3.0 greeting, NULL mechanism's READY, one SUBSCRIBE
 * message, then Jupyter messages as frames), written in small pieces as TCP may deliver them.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { listenToIopub } from "../lib/report/kernel_iopub.ts";

const encoder = new TextEncoder();

/** A ZMTP frame: flags (more, long, command) and a 1- or 8-byte size. */
function frame(body: Uint8Array, { more = false, command = false } = {}): Uint8Array {
  const long = body.length > 255;
  const head = new Uint8Array(long ? 9 : 2);
  head[0] = (more ? 0x01 : 0) | (long ? 0x02 : 0) | (command ? 0x04 : 0);
  if (long) new DataView(head.buffer).setBigUint64(1, BigInt(body.length));
  else head[1] = body.length;
  return concat([head, body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A Jupyter message as the kernel frames it (no identities, an empty signature). */
function message(msgType: string, content: unknown): Uint8Array {
  const parts = ["<IDS|MSG>", "", JSON.stringify({ msg_type: msgType }), "{}", "{}"]
    .map((text) => encoder.encode(text));
  parts.push(encoder.encode(JSON.stringify(content)));
  return concat(parts.map((p, i) => frame(p, { more: i < parts.length - 1 })));
}

async function readExact(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  for (let at = 0; at < n;) {
    const read = await conn.read(out.subarray(at));
    if (read === null) throw new Error(`connection ended after ${at} of ${n} bytes`);
    at += read;
  }
  return out;
}

/** One frame the listener sent (the kernel reads its READY and its SUBSCRIBE). */
async function readFrame(conn: Deno.Conn): Promise<{ flags: number; body: Uint8Array }> {
  const [flags, size] = await readExact(conn, 2);
  return { flags, body: await readExact(conn, size) };
}

/** Writes in pieces of `size` bytes: the listener must join frames split across reads. */
async function writeInPieces(conn: Deno.Conn, bytes: Uint8Array, size: number) {
  for (let at = 0; at < bytes.length; at += size) {
    const piece = bytes.subarray(at, at + size);
    for (let done = 0; done < piece.length;) done += await conn.write(piece.subarray(done));
  }
}

/** A stand-in kernel: accepts one subscriber, does the handshake, returns what it read. */
async function standInKernel(listener: Deno.Listener) {
  const conn = await listener.accept();
  const greeting = new Uint8Array(64);
  greeting.set([0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 0], 0);
  greeting.set(encoder.encode("NULL"), 12);
  await conn.write(greeting);
  const theirGreeting = await readExact(conn, 64);
  const ready = concat([Uint8Array.of(5), encoder.encode("READY")]);
  await conn.write(frame(ready, { command: true }));
  const theirReady = await readFrame(conn);
  const subscribe = await readFrame(conn);
  return { conn, theirGreeting, theirReady, subscribe };
}

Deno.test("the iopub listener subscribes as a ZMTP SUB and sees display updates behind large messages", async () => {
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = server.addr as Deno.NetAddr;
  const accepted = standInKernel(server);
  const listener = await listenToIopub({ ip: "127.0.0.1", iopub_port: port });
  ok(listener, "connected");
  const { conn, theirGreeting, theirReady, subscribe } = await accepted;
  try {
    // ZMTP 3.0, NULL mechanism, as a client; READY says SUB; the subscription is to everything
    assertEquals([theirGreeting[0], theirGreeting[9], theirGreeting[10], theirGreeting[32]], [
      0xff,
      0x7f,
      3,
      0,
    ]);
    assertEquals(new TextDecoder().decode(theirGreeting.subarray(12, 16)), "NULL");
    assertEquals(theirReady.flags, 0x04);
    const readyText = new TextDecoder().decode(theirReady.body);
    ok(readyText.includes("READY") && readyText.endsWith("Socket-Type\0\0\0\x03SUB"), readyText);
    assertEquals([subscribe.flags, ...subscribe.body], [0, 1]);

    const image = "i".repeat(200_000); // past the listener's 64 KiB buffer: skipped in pieces
    const stream = concat([
      message("display_data", { data: { "image/png": image }, transient: {} }),
      message("update_display_data", { data: {}, transient: { display_id: "first" } }),
      message("display_data", { data: { "text/plain": "x" }, transient: { display_id: "shown" } }),
      message("update_display_data", { data: {}, transient: { display_id: "second" } }),
    ]);
    await writeInPieces(conn, stream, 7_001);
    assertEquals(await listener.seen("second"), true);
    assertEquals(await listener.seen("first"), true, "an update seen before it was asked for");

    // a display_data's id is no marker: only updates count
    const pending = listener.seen("shown");
    listener.close();
    assertEquals(await pending, false, "closing ends the wait");
    assertEquals(await listener.seen("never"), false, "a closed listener waits for nothing");
  } finally {
    listener.close();
    conn.close();
    server.close();
  }
});

Deno.test("outside a Deno Jupyter kernel there is no iopub to listen to", async () => {
  // this process's command line has no `--conn FILE`
  assertEquals(await listenToIopub(), null);
});
