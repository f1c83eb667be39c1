/**
 * A listener on the Deno Jupyter kernel's iopub channel, so that a cell can wait until the kernel
 * has actually published its displays (display.ts `show`).
 *
 * Why (Deno 2.9's kernel, cli/js/jupyter_kernel.js and cli/ops/jupyter.rs): `Deno.jupyter.display`
 * only queues the message on an unbounded channel to the kernel's main thread, where one loop
 * encodes the queued messages and writes them, one after another, to each subscriber's TCP
 * connection, waiting on each write. When the cell's code ends, the kernel writes `status: idle` to
 * the same connections from its execute handler, not through that queue. nbclient (nbconvert)
 * stops reading a cell's messages at its idle, so a display still queued when that loop falls
 * behind (a busy machine: ~1 MB of PNGs to encode, or a front-end that reads slowly) is lost. No
 * pause is long enough on every machine. (Nothing is dropped at the socket: the kernel's PUB is its
 * own, in JavaScript, and waits on each write; it has no high-water mark.)
 *
 * The kernel publishes queued messages in order and writes each to the subscribers in the order
 * they connected, so a subscriber that connects now and sees a message of ours has also seen that
 * front-ends connected before it were sent everything queued before that message. The listener
 * speaks just enough ZMTP 3.0 (greeting, NULL mechanism, READY, SUBSCRIBE, then frames) to read
 * message types and display ids; it sends the kernel no Jupyter message.
 */

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const DELIMITER = "<IDS|MSG>";

const HANDSHAKE_CAP_MS = 10_000;

/** Where the kernel's iopub (PUB) socket listens, as its connection file says. */
export interface ConnectionInfo {
  ip: string;
  iopub_port: number;
}

/**
 * The kernel's connection file, from the process's command line (`deno jupyter --kernel --conn
 * FILE`, Linux's /proc), or null where that cannot be read.
 */
function connectionInfo(): ConnectionInfo | null {
  try {
    const args = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
    const at = args.indexOf("--conn");
    if (at === -1 || !args[at + 1]) return null;
    const info = JSON.parse(Deno.readTextFileSync(args[at + 1]));
    const tcp = (info.transport ?? "tcp") === "tcp";
    return tcp && typeof info.iopub_port === "number" && typeof info.ip === "string" ? info : null;
  } catch {
    return null;
  }
}

/** A byte reader over a connection that keeps what it has read past the last request. */
class FrameReader {
  #buffer = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;
  constructor(private readonly conn: Deno.Conn) {}

  /** The next `n` bytes (a view valid until the next read), or null at the end of the stream. */
  async take(n: number): Promise<Uint8Array | null> {
    while (this.#end - this.#start < n) {
      if (this.#buffer.length - this.#start < n) this.#compact(n);
      const read = await this.conn.read(this.#buffer.subarray(this.#end));
      if (read === null) return null;
      this.#end += read;
    }
    const bytes = this.#buffer.subarray(this.#start, this.#start + n);
    this.#start += n;
    return bytes;
  }

  /** Moves the unread bytes to the front, into a larger buffer if `n` of them would not fit. */
  #compact(n: number) {
    if (this.#buffer.length >= n) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
    } else {
      const buffer = new Uint8Array(n);
      buffer.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = buffer;
    }
    this.#end -= this.#start;
    this.#start = 0;
  }

  /** One ZMTP frame: its flags and body (a copy; null for a large body, skipped, not kept). */
  async frame(): Promise<{ more: boolean; command: boolean; body: Uint8Array | null } | null> {
    const head = await this.take(1);
    if (head === null) return null;
    const flags = head[0];
    const sizeBytes = await this.take(flags & 0x02 ? 8 : 1);
    if (sizeBytes === null) return null;
    const size = flags & 0x02
      ? Number(new DataView(sizeBytes.buffer, sizeBytes.byteOffset, 8).getBigUint64(0))
      : sizeBytes[0];
    // message JSON parts we read (header, parent header, metadata, a small content) are small;
    // a large body (an image's content) is skipped in pieces instead of buffered
    let body: Uint8Array | null = null;
    if (size <= 64 * 1024) {
      const bytes = await this.take(size);
      if (bytes === null) return null;
      body = bytes.slice();
    } else {
      for (let left = size; left > 0;) {
        const piece = Math.min(left, 64 * 1024);
        if ((await this.take(piece)) === null) return null;
        left -= piece;
      }
    }
    return { more: (flags & 0x01) !== 0, command: (flags & 0x04) !== 0, body };
  }
}

/** The ZMTP 3.0 greeting of a NULL-mechanism client (as-server 0). */
function greeting(): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes[0] = 0xff;
  bytes[9] = 0x7f;
  bytes[10] = 3;
  bytes.set(ENCODER.encode("NULL"), 12);
  return bytes;
}

/** The READY command of a SUB socket. */
function readyCommand(): Uint8Array {
  const name = ENCODER.encode("READY");
  const property = ENCODER.encode("Socket-Type");
  const value = ENCODER.encode("SUB");
  const body = new Uint8Array(1 + name.length + 1 + property.length + 4 + value.length);
  let at = 0;
  body[at++] = name.length;
  body.set(name, at);
  at += name.length;
  body[at++] = property.length;
  body.set(property, at);
  at += property.length;
  new DataView(body.buffer).setUint32(at, value.length);
  body.set(value, at + 4);
  return Uint8Array.of(0x04, body.length, ...body);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array) {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/** A connected listener: the display ids of the `update_display_data` messages it has seen. */
export interface IopubListener {
  /** Resolves true once an update of display `id` has come by, false if the connection ends. */
  seen(id: string): Promise<boolean>;
  /** Whether the connection has ended (closed, or the kernel went away). */
  readonly ended: boolean;
  close(): void;
}

/**
 * Subscribes to the running kernel's iopub channel; null outside `deno jupyter` on Linux, or when
 * the kernel cannot be reached (then the caller has no way to know when its displays went out).
 */
export async function listenToIopub(
  info: ConnectionInfo | null = connectionInfo(),
): Promise<IopubListener | null> {
  if (info === null) return null;
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ hostname: info.ip, port: info.iopub_port });
  } catch {
    return null;
  }
  const reader = new FrameReader(conn);
  const seenIds = new Set<string>();
  const waiting = new Map<string, (seen: boolean) => void>();
  let ended = false;
  const end = () => {
    ended = true;
    for (const resolve of waiting.values()) resolve(false);
    waiting.clear();
  };
  // (a kernel that never answers is given up on, not waited for)
  const giveUp = setTimeout(() => conn.close(), HANDSHAKE_CAP_MS);
  try {
    await writeAll(conn, greeting());
    if ((await reader.take(64)) === null) throw new Error("no greeting");
    await writeAll(conn, readyCommand());
    if ((await reader.frame()) === null) throw new Error("no READY");
    await writeAll(conn, Uint8Array.of(0x00, 1, 0x01)); // SUBSCRIBE to every topic
  } catch {
    try {
      conn.close();
    } catch {
      // closed by giveUp
    }
    return null;
  } finally {
    clearTimeout(giveUp);
  }
  (async () => {
    try {
      let parts: (Uint8Array | null)[] = [];
      for (let frame = await reader.frame(); frame !== null; frame = await reader.frame()) {
        if (frame.command) continue;
        parts.push(frame.body);
        if (frame.more) continue;
        const id = updatedDisplayId(parts);
        parts = [];
        if (id === null) continue;
        seenIds.add(id);
        waiting.get(id)?.(true);
        waiting.delete(id);
      }
    } catch {
      // the connection closed (close(), or the kernel went away)
    }
    end();
  })();
  return {
    get ended() {
      return ended;
    },
    seen(id) {
      if (seenIds.has(id)) return Promise.resolve(true);
      if (ended) return Promise.resolve(false);
      return new Promise((resolve) => waiting.set(id, resolve));
    },
    close() {
      try {
        conn.close();
      } catch {
        // already closed
      }
      end();
    },
  };
}

/** The display id an `update_display_data` message updates, else null. */
function updatedDisplayId(parts: (Uint8Array | null)[]): string | null {
  const delimiter = parts.findIndex((p) => p !== null && DECODER.decode(p) === DELIMITER);
  const header = parts[delimiter + 2];
  const content = parts[delimiter + 5];
  if (delimiter === -1 || !header || !content) return null;
  try {
    if (JSON.parse(DECODER.decode(header)).msg_type !== "update_display_data") return null;
    const id = JSON.parse(DECODER.decode(content)).transient?.display_id;
    return typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}
