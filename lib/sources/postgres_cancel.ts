/**
 * Stopping a running PostgreSQL query from outside its connection, as psql does on Ctrl-C: a
 * CancelRequest (the backend's process id and secret key, 16 bytes) on a connection of its own.
 * Closing the query's own connection is not enough: a backend busy in a statement (a sort, a
 * `pg_sleep`) notices the closed socket only when it next reads or writes, minutes later. Sent in
 * plain text, as libpq sends it (no TLS, no authentication: the key is the credential).
 */
import net from "node:net";

/** What a CancelRequest needs of a connected pg client (its BackendKeyData). */
export interface CancelTarget {
  host: string;
  port: number;
  processID: number;
  secretKey: number;
}

/** The protocol's CancelRequest code: 1234 in the high 16 bits, 5678 in the low. */
const CANCEL_REQUEST_CODE = 80877102;

/**
 * Sends a CancelRequest for `target`'s backend; settles once the server has closed the
 * connection (it has passed the request on) or after `timeoutMs`. Never rejects: a cancel that
 * cannot be delivered leaves the caller's fallback (closing the connection).
 */
export function sendCancelRequest(target: CancelTarget, timeoutMs: number): Promise<void> {
  const message = new Uint8Array(16);
  const view = new DataView(message.buffer);
  view.setInt32(0, 16);
  view.setInt32(4, CANCEL_REQUEST_CODE);
  view.setInt32(8, target.processID);
  view.setInt32(12, target.secretKey);
  return new Promise((resolve) => {
    const socket = target.host.startsWith("/")
      ? net.connect({ path: `${target.host}/.s.PGSQL.${target.port}` })
      : net.connect({ host: target.host, port: target.port });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.once("connect", () => socket.end(message));
    socket.once("close", done);
    socket.on("error", done); // (every one: a second, unheard, would be uncaught)
  });
}

/** The cancel target of a connected pg client, or null before its backend key arrived. */
export function cancelTargetOf(client: unknown): CancelTarget | null {
  const c = client as { host?: string; port?: number; processID?: number; secretKey?: number };
  if (typeof c.processID !== "number" || typeof c.secretKey !== "number") return null;
  return {
    host: c.host ?? "localhost",
    port: c.port ?? 5432,
    processID: c.processID,
    secretKey: c.secretKey,
  };
}
