/**
 * A loopback port that refuses every connection (ECONNREFUSED) and that no other process can
 * take while a test holds it: "a server that is down" without the race of a port picked free,
 * then left unbound (on a busy machine another process could bind it before the test used it,
 * and the test met that process instead of a refusal).
 *
 * The port is the local end of a connection this process keeps open to a listener of its own:
 * nothing listens there, and a socket bound to it without SO_REUSEADDR (a connecting one) makes
 * every other bind of it fail with EADDRINUSE, whatever options the other side sets.
 */
const LOOPBACK = "127.0.0.1";

export interface RefusedPort {
  /** connections to 127.0.0.1 on this port are refused while it is held */
  port: number;
  /**
   * Lets go of the port and starts `start` on it at once (a server coming back where the client
   * was told to look): `start` is tried again while the port's last packets settle (AddrInUse).
   */
  handOver<T>(start: (port: number) => T): Promise<T>;
  /** lets go of the port */
  release(): Promise<void>;
}

export async function refusedPort(): Promise<RefusedPort> {
  const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const [held, accepted] = await Promise.all([
    Deno.connect({ hostname: LOOPBACK, port: (listener.addr as Deno.NetAddr).port }),
    listener.accept(),
  ]);
  listener.close();
  const port = (held.localAddr as Deno.NetAddr).port;
  let released: Promise<void> | undefined;
  const release = () =>
    released ??= (async () => {
      // the listener's side closes first, so the TIME_WAIT falls on its port, not on this one
      accepted.close();
      while (await held.read(new Uint8Array(1)) !== null) { /* nothing is ever sent */ }
      held.close();
    })();
  return {
    port,
    release,
    async handOver<T>(start: (port: number) => T): Promise<T> {
      await release();
      // (a closed socket's last ACK may still hold the port for a moment: wait on the bind)
      for (let attempt = 1;; attempt++) {
        try {
          return start(port);
        } catch (error) {
          if (!(error instanceof Deno.errors.AddrInUse) || attempt >= 1000) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
    },
  };
}
