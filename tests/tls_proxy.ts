/**
 * A TLS front on 127.0.0.1 for a plain TCP server (the tests' ClickHouse HTTP port): its
 * certificate is signed by a private CA made for it with openssl, as a company's own CA signs a
 * production server's. Every connection is decrypted and piped to the server both ways, so a
 * client that trusts the CA talks to the server through it; one that does not fails its
 * handshake the way it would against production.
 */

export interface TlsProxy {
  port: number;
  /** the private CA's certificate (PEM): what a client must trust */
  caPath: string;
  close(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const { success, stderr } = await new Deno.Command("openssl", { args, cwd, stderr: "piped" })
    .output();
  if (!success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(stderr).trim()}`);
  }
}

/** A CA and a server certificate for 127.0.0.1 signed by it, in a new temporary folder. */
async function privateCaCertificate(): Promise<{ dir: string; cert: string; key: string }> {
  const dir = await Deno.makeTempDir({ prefix: "pricing-kit-tls-" });
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=pricing-kit test CA",
  ], dir);
  await openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  ], dir);
  await Deno.writeTextFile(`${dir}/san.cnf`, "subjectAltName=IP:127.0.0.1\n");
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "san.cnf",
  ], dir);
  return {
    dir,
    cert: await Deno.readTextFile(`${dir}/server.pem`),
    key: await Deno.readTextFile(`${dir}/server.key`),
  };
}

/** A TLS front for the server at `target` (`http://host:port`: its host and port are used). */
export async function tlsProxy(target: string): Promise<TlsProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const { dir, cert, key } = await privateCaCertificate();
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
  const conns = new Set<Deno.Conn>();
  const pipes: Promise<unknown>[] = [];
  const pipe = async (client: Deno.TlsConn) => {
    conns.add(client);
    let server: Deno.Conn | undefined;
    try {
      await client.handshake(); // a client that refuses the certificate ends here
      server = await Deno.connect({ hostname, port: Number(targetPort) });
      conns.add(server);
      // either side's end (or error) ends both
      await Promise.race([
        client.readable.pipeTo(server.writable, { preventClose: true }),
        server.readable.pipeTo(client.writable, { preventClose: true }),
      ]);
    } catch {
      /* a refused handshake or a reset: the connection is over */
    } finally {
      for (const conn of [client, server]) {
        if (!conn) continue;
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* already closed */ }
      }
    }
  };
  const accepting = (async () => {
    for await (const client of listener) pipes.push(pipe(client));
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    caPath: `${dir}/ca.pem`,
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      await accepting;
      await Promise.allSettled(pipes);
      await Deno.remove(dir, { recursive: true });
    },
  };
}
