/**
 * A TCP proxy on 127.0.0.1 in front of a database server that forwards both ways until the client
 * sends a given text (say `COPY (`), then stops passing that connection's server replies: what a
 * frozen backend, a failover or a network black hole looks like from the client. The client's
 * bytes still reach the server; its socket stays open. Other connections (a cancel request) pass.
 * With `drop`, the first `drop` connections to send the text are closed instead, the text not
 * passed on (a connection lost on the way), and later ones pass.
 */

export interface StallingProxy {
  /** `url` (a database URL) with its host and port replaced by the proxy's */
  url: string;
  port: number;
  /** connections whose replies stopped */
  stalled(): number;
  /** connections closed on the text (`drop`) */
  dropped(): number;
  /** when each of them was closed (performance.now() ms), oldest first */
  droppedAt(): number[];
  /** connections open now (both sides) */
  open(): number;
  close(): Promise<void>;
}

export function stallingProxy(
  url: string,
  stallWhenClientSends: string,
  { drop }: { drop?: number } = {},
): StallingProxy {
  const target = new URL(url);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const marker = stallWhenClientSends;
  const pairs = new Set<{ client: Deno.Conn; server: Deno.Conn }>();
  const handlers: Promise<void>[] = [];
  const closed = Promise.withResolvers<void>();
  let stalled = 0;
  let dropped = 0;
  const droppedAt: number[] = [];

  const handle = async (client: Deno.Conn) => {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
    } catch {
      client.close();
      return;
    }
    const pair = { client, server };
    pairs.add(pair);
    let replyStopped = false;
    const gone = Promise.withResolvers<void>();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      gone.resolve();
      pairs.delete(pair);
      for (const conn of [client, server]) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
    };
    // The client's bytes: forwarded always; the marker, even split across reads, stops replies.
    let seen = "";
    const fromClient = pump(client, server, (chunk) => {
      seen = (seen + new TextDecoder("latin1").decode(chunk)).slice(-(marker.length + 65_536));
      if (drop !== undefined) {
        if (dropped >= drop || !seen.includes(marker)) return true;
        dropped++;
        droppedAt.push(performance.now());
        end(); // both sides closed, nothing of this chunk forwarded
        return false;
      }
      if (!replyStopped && seen.includes(marker)) {
        replyStopped = true;
        stalled++;
      }
      return true;
    }, gone.promise);
    // The server's replies: passed until the marker was seen, then held (not read) until the end.
    const fromServer = pump(server, client, () => !replyStopped, gone.promise);
    await Promise.race([fromClient, fromServer, closed.promise]);
    end();
    await Promise.allSettled([fromClient, fromServer]);
  };

  const accepting = (async () => {
    try {
      for await (const conn of listener) handlers.push(handle(conn));
    } catch { /* the listener was closed */ }
  })();

  const proxied = new URL(url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(port);
  return {
    url: proxied.toString(),
    port,
    stalled: () => stalled,
    dropped: () => dropped,
    droppedAt: () => [...droppedAt],
    open: () => pairs.size,
    async close() {
      listener.close();
      closed.resolve();
      await accepting;
      await Promise.allSettled(handlers);
    },
  };
}

/**
 * Copies `from` to `to` while `pass(chunk)` says so; resolves when `from` ends or a side fails.
 * A chunk not passed is dropped, nothing more is read, and it resolves with `gone`.
 */
async function pump(
  from: Deno.Conn,
  to: Deno.Conn,
  pass: (chunk: Uint8Array) => boolean,
  gone: Promise<void>,
): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const n = await from.read(buffer);
      if (n === null) return;
      const chunk = buffer.subarray(0, n);
      if (!pass(chunk)) return await gone; // held: read no further
      for (let written = 0; written < chunk.length;) {
        written += await to.write(chunk.subarray(written));
      }
    }
  } catch {
    // a side was closed
  }
}
