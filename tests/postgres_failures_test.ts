/**
 * lib/sources/postgres.ts on the real PostgreSQL 15 of `deno task test` going away mid-query: a
 * server that stops answering mid-COPY, a backend ended, the server stopped (fast and immediate),
 * a connection reset; each one line naming the query, nothing uncaught.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import pg from "pg";
import { postgresError } from "../lib/sources/postgres_errors.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { quietLiveExport } from "./live_export.ts";
import { stallingProxy } from "./stalling_proxy.ts";
import { startPostgres } from "./servers.ts";
import { HANG_GUARD_MS, unlessHung } from "./hang_guard.ts";

/** Polls `condition` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = HANG_GUARD_MS) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** waitFor of a condition that needs a query. */
async function waitForQuery(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = HANG_GUARD_MS,
) {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("a PostgreSQL that stops answering mid-COPY is given up on, naming the query, host:port and the setting", async () => {
  const databases = await freshFixtureDatabases("pg_stall");
  const out = await Deno.makeTempDir();
  // every connection's replies stop once the kit sends its COPY: the server's own
  // statement_timeout cannot help, its answer never arrives
  const proxy = stallingProxy(databases.env.PRICING_PG_URL!, "COPY (");
  try {
    // (the answers never come: only the kit's wait ends the export, the message says which; a
    // hang guard, not a time bound)
    await unlessHung(
      "the export",
      rejects(
        quietLiveExport({
          env: {
            ...databases.env,
            PRICING_PG_URL: proxy.url,
            PRICING_PG_STATEMENT_TIMEOUT_MS: "1000",
            PRICING_PG_REQUEST_TIMEOUT_MS: "2000",
          },
          outDir: out,
          asOf: new Date("2026-11-01T00:00:00Z"),
        }),
        (error: Error) => {
          match(
            error.message,
            new RegExp(
              `^queries/postgres/(organizations|prompts_created)\\.sql: PostgreSQL at 127\\.0\\.0\\.1:${proxy.port} gave no answer within 2 s, the wait PRICING_PG_REQUEST_TIMEOUT_MS allows`,
            ),
          );
          ok(!error.message.includes("\n"), `one line: ${error.message}`);
          ok(
            !error.message.includes(new URL(databases.env.PRICING_PG_URL!).password),
            "no password",
          );
          return true;
        },
      ),
    );
    ok(proxy.stalled() >= 1, "the proxy stalled a COPY");
    // the kit dropped its stalled connections (their backends end with them)
    await waitFor("the stalled connections to close", () => proxy.open() === 0);
    assertEquals([...Deno.readDirSync(out)], []);
  } finally {
    await proxy.close();
    await Deno.remove(out, { recursive: true });
    await databases.drop();
  }
});

/**
 * The kit's slow query on `url`, ended under it by `end` (given its backends' pids, read as
 * `admin`) once it runs: what the query printed, and the process's stderr. In a process of its own
 * that ends by itself: an 'error' event nobody listens to is printed as "Uncaught Error:
 * Connection terminated unexpectedly" on stderr (not thrown in a test).
 */
async function slowQueryEndedBy(
  { url, admin }: { url: string; admin: string },
  end: (pids: number[]) => Promise<void>,
): Promise<{ printed: string; errors: string }> {
  const mark = `pk_terminated_${crypto.randomUUID().slice(0, 8)}`;
  const db = new pg.Client({ connectionString: admin });
  await db.connect();
  const backends = async () =>
    (await db.query(
      "SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
      [`%${mark}%`],
    )).rows.map((row: { pid: number }) => row.pid);
  const postgres = new URL("../lib/sources/postgres.ts", import.meta.url).href;
  const script = `const { openPostgres } = await import(${JSON.stringify(postgres)});
    const source = openPostgres({ url: Deno.env.get("PG_URL"), statementTimeoutMs: 60000, requestTimeoutMs: 90000, maxConnections: 1 });
    const sql = { file: "slow.sql", text: Deno.env.get("SLOW_SQL"), sha256: "" };
    await source.queryFrame(sql, {}, { org_id: "string" }).catch((e) => console.log(e.message));
    await source.close();`;
  const config = fileURLToPath(new URL("../deno.json", import.meta.url));
  let pids: number[] = [];
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--config", config, script],
      env: {
        PG_URL: url,
        SLOW_SQL: `SELECT NULL::text AS org_id, '${mark}' AS mark FROM pg_sleep(300)`,
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.output();
    await waitForQuery(
      "the slow query's backend",
      async () => (pids = await backends()).length > 0,
    );
    await db.end().catch(() => {}); // (before a stop of the server, which would end it too)
    await end(pids);
    const { stdout, stderr } = await output;
    const [printed, errors] = [stdout, stderr].map((bytes) => new TextDecoder().decode(bytes));
    return { printed, errors };
  } finally {
    await db.end().catch(() => {});
  }
}

/** The line of a PostgreSQL gone mid-query, as the server's FATAL says it or as the socket closed. */
const GONE_MID_QUERY =
  /^slow\.sql failed on PostgreSQL( \(terminating connection due to administrator command\): the server is shutting down, restarting or failing over, or an administrator ended the session|: the connection closed mid-query \((ECONNRESET|EPIPE|Connection terminated unexpectedly)\): the server restarted or failed over, or an administrator ended the session); run again once it is back\n$/;

Deno.test("a backend ended mid-query (a failover, an administrator) fails in one line, nothing uncaught", async () => {
  const databases = await freshFixtureDatabases("pg_terminated");
  const admin = new pg.Client({ connectionString: databases.env.PRICING_PG_URL });
  await admin.connect();
  try {
    const { printed, errors } = await slowQueryEndedBy(
      { url: databases.env.PRICING_PG_URL!, admin: databases.env.PRICING_PG_URL! },
      // in the COPY or between two statements, the connection ends under the client
      async (pids) => {
        await admin.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [pids]);
      },
    );
    // The server's reason when the client read it; when the socket was reset first (the
    // backend ended between two statements and the next one was sent into the closed socket),
    // the reset, named as such. Before the COPY's own 'error' listener, that reset (or "not
    // queryable") reached the COPY before spool listened: uncaught, nothing printed (~1 in 40).
    match(printed, GONE_MID_QUERY, `stderr: ${errors}`);
    assertEquals(errors, "");
  } finally {
    await admin.end();
    await databases.drop();
  }
});

Deno.test("PostgreSQL stopped mid-query (pg_ctl stop -m fast, -m immediate): the query, that it went away, run again", async () => {
  for (const mode of ["fast", "immediate"]) {
    // a server of its own: the shared one must outlive this test. Its folder is in /tmp, not in
    // the run's TMPDIR, which the server's user (nobody, as root) may not enter
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "pricing-kit-pg-stopped-" });
    const server = await startPostgres({ dir }).catch(async (error) => {
      await Deno.remove(dir, { recursive: true });
      throw error;
    });
    try {
      const { printed, errors } = await slowQueryEndedBy(
        { url: server.url, admin: server.url },
        async () => {
          const stop = [`/usr/lib/postgresql/15/bin/pg_ctl`, "-D", `${server.dir}/data`];
          const asRoot = Deno.uid?.() === 0;
          const stopped = await new Deno.Command(asRoot ? "runuser" : stop[0], {
            args: [
              ...(asRoot ? ["-u", "nobody", "--", ...stop] : stop.slice(1)),
              "-m",
              mode,
              "stop",
            ],
            stdout: "null",
            stderr: "null",
          }).output();
          ok(stopped.success, `pg_ctl stop -m ${mode}`);
        },
      );
      match(printed, GONE_MID_QUERY, `-m ${mode}: ${printed}; stderr: ${errors}`);
      assertEquals(errors, "");
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  }
  // the FATAL of a server starting up or in recovery, at connect: the same advice
  const starting = Object.assign(new Error("the database system is starting up"), {
    code: "57P03",
  });
  assertEquals(
    postgresError(starting, {
      url: "postgres://reader:S3cret@db.example.com:5432/helicone",
      file: null,
    })
      .message,
    "PostgreSQL refused the connection (the database system is starting up; PRICING_PG_URL: postgres://reader:***@db.example.com:5432/helicone): the server is shutting down, restarting or failing over, or an administrator ended the session; run again once it is back",
  );
});

Deno.test("a connection reset mid-query (the server's reason not read first): named as a closed connection, in one line", () => {
  // (the live race lands here ~2 in 100 runs: the message pg gives then)
  const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
  const context = {
    url: "postgres://reader:S3cret@db.example.com:5432/helicone",
    file: "queries/postgres/organizations.sql",
  };
  assertEquals(
    postgresError(reset, context).message,
    "queries/postgres/organizations.sql failed on PostgreSQL: the connection closed mid-query (ECONNRESET): the server restarted or failed over, or an administrator ended the session; run again once it is back",
  );
  assertEquals(
    postgresError(new Error("Connection terminated unexpectedly"), context).message,
    "queries/postgres/organizations.sql failed on PostgreSQL: the connection closed mid-query (Connection terminated unexpectedly): the server restarted or failed over, or an administrator ended the session; run again once it is back",
  );
});

Deno.test("a connection that times out says how long it waited and which port to check", () => {
  // pg-pool's error past connectionTimeoutMillis: a host that drops the packets, or a port that
  // accepts and never answers as PostgreSQL (a ClickHouse port in PRICING_PG_URL: 16 s, then this)
  const timedOut = new Error("Connection terminated due to connection timeout");
  assertEquals(
    postgresError(timedOut, {
      url: "postgres://reader:S3cret@db.example.com:8123/helicone",
      file: null,
    }).message,
    "cannot reach PostgreSQL at postgres://reader:***@db.example.com:8123/helicone: no answer within 15 s (the connection timed out); check the host and port in PRICING_PG_URL (PostgreSQL's port, 5432, or Supabase's pooler, 6543) and that no firewall drops this machine's connections",
  );
});
