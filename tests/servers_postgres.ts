/**
 * A throwaway PostgreSQL 15 (initdb + pg_ctl into a temp dir) on a free loopback port, and a
 * database created on it with SQL files loaded. Imported through tests/servers.ts.
 */
import pg from "pg";
import {
  checkDatabaseName,
  exists,
  filePath,
  freePort,
  isRoot,
  once,
  randomPassword,
  run,
  type RunningServer,
  type ServerOptions,
  shellQuote,
  START_ATTEMPTS,
  watchdog,
} from "./servers_process.ts";

const PG_BIN = "/usr/lib/postgresql/15/bin";

/**
 * PostgreSQL 15 on a free 127.0.0.1 port; superuser `postgres` with a random password, so the URL
 * looks like production's: postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres.
 * As root, initdb and the server run as `nobody` (PostgreSQL refuses root).
 */
export async function startPostgres(
  options: ServerOptions = {},
): Promise<RunningServer> {
  if (!exists(`${PG_BIN}/initdb`)) {
    throw new Error(
      `${PG_BIN}/initdb is missing: apt-get install postgresql-15`,
    );
  }
  const persistent = options.dir !== undefined;
  const dir = options.dir ??
    await Deno.makeTempDir({ prefix: "pricing-kit-pg-" });
  await Deno.mkdir(dir, { recursive: true });
  const user = isRoot() ? "nobody" : undefined;
  if (user) await run("chown", [user, dir]);
  const pwFile = `${dir}/pw`;
  const data = `${dir}/data`;
  const reuse = persistent && exists(`${data}/PG_VERSION`);
  const password = reuse ? (await Deno.readTextFile(pwFile)).trim() : randomPassword();
  const asUser = user ? `runuser -u ${user} -- ` : "";
  const guard = watchdog(
    `${asUser}${PG_BIN}/pg_ctl -D ${shellQuote(data)} -m immediate stop` +
      (persistent ? "" : `; rm -rf ${shellQuote(dir)}`),
  );
  try {
    if (!reuse) {
      await Deno.writeTextFile(pwFile, password, { mode: 0o600 });
      if (user) await run("chown", [user, pwFile]);
      await run(`${PG_BIN}/initdb`, [
        "-D",
        data,
        "-U",
        "postgres",
        "--pwfile",
        pwFile,
        "--auth=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync", // throwaway data: skip the fsync of every file (about a third of initdb's time)
        "--no-instructions",
      ], { user });
    }
    let port = 0;
    for (let attempt = 1;; attempt++) {
      port = await freePort();
      const serverOptions = [
        `-p ${port}`,
        // TCP only (every test connects to 127.0.0.1): a socket in `dir` would need a path under
        // the 107-byte limit of a socket's name, which a deep TMPDIR passes (pg_ctl start fails)
        "-c unix_socket_directories=''",
        "-c listen_addresses=127.0.0.1",
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=100",
      ].join(" ");
      try {
        await run(`${PG_BIN}/pg_ctl`, [
          "-D",
          data,
          "-o",
          serverOptions,
          "-l",
          `${dir}/log`,
          "-w",
          "start",
        ], { user });
        break;
      } catch (error) {
        // Another process may have taken the port between freePort() and the server's bind.
        if (attempt >= START_ATTEMPTS) throw error;
      }
    }
    const stop = once(async () => {
      await run(`${PG_BIN}/pg_ctl`, [
        "-D",
        data,
        "-m",
        persistent ? "fast" : "immediate",
        "stop",
      ], {
        user,
      }).catch(() => {});
      if (!persistent) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
      guard.cancel();
    });
    return {
      url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      user: "postgres",
      password,
      dir,
      stop,
    };
  } catch (error) {
    await run(`${PG_BIN}/pg_ctl`, ["-D", data, "-m", "immediate", "stop"], {
      user,
    }).catch(() => {});
    if (!persistent) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    guard.cancel();
    throw error;
  }
}

/**
 * Creates database `name` on the PostgreSQL server at `baseUrl`, runs each SQL file into it (a
 * file may hold many statements) and returns the new database's URL.
 */
export async function createPgDatabase(
  baseUrl: string,
  name: string,
  sqlFiles: (string | URL)[] = [],
): Promise<string> {
  checkDatabaseName(name);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    for (const file of sqlFiles) {
      const path = filePath(file);
      try {
        await db.query(await Deno.readTextFile(path));
      } catch (error) {
        throw new Error(`${path}: ${(error as Error).message}`);
      }
    }
  } finally {
    await db.end();
  }
  return url.toString();
}

export async function dropPgDatabase(
  baseUrl: string,
  name: string,
): Promise<void> {
  checkDatabaseName(name);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
