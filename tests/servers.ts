/**
 * Throwaway database servers on free loopback ports, for the tests and the benchmark:
 * PostgreSQL 15 (initdb + pg_ctl into a temp dir) and Debian's ClickHouse server 18.16 (a generated
 * config in a temp dir, run as a plain process), plus helpers that create a database on them and
 * load SQL files, and a runner for modern ClickHouse (chdb, tests/chdb/run_sql.ts).
 *
 * Both servers stop and delete their files on `stop()`. If the process that started them dies
 * without calling it (a crash, SIGKILL, an uncaught error), a small watchdog shell notices within a
 * second and does the same, so no server outlives the test run.
 */
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createClient } from "@clickhouse/client";
import { splitStatements } from "./sql_statements.ts";

export interface RunningServer {
  url: string;
  user: string;
  password: string;
  dir: string;
  /** ClickHouse's native protocol port (clickhouse-client) */
  tcpPort?: number;
  /** the ClickHouse server process (a test freezes it with SIGSTOP) */
  pid?: number;
  /** Stops the server and, unless it was started with `dir`, deletes its files. Idempotent. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  /**
   * Keep the server's files here across runs (the benchmark's seeded data); without it a temp
   * dir is used and deleted on stop.
   */
  dir?: string;
  /** ClickHouse's server time zone (its config's `<timezone>`; default UTC) */
  timezone?: string;
}

const PG_BIN = "/usr/lib/postgresql/15/bin";
const CLICKHOUSE_BINARIES = ["/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"];
/** attempts to start a server when the free port we picked was taken before the server bound it */
const START_ATTEMPTS = 3;

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The clickhouse-server binary Debian installed, or undefined. */
export function clickHouseServerBinary(): string | undefined {
  return CLICKHOUSE_BINARIES.find((path) => exists(path));
}

async function run(
  cmd: string,
  args: string[],
  options: { user?: string; env?: Record<string, string> } = {},
): Promise<string> {
  // initdb and postgres refuse to run as root: run them as an unprivileged user.
  const [command, commandArgs] = options.user
    ? ["runuser", ["-u", options.user, "--", cmd, ...args]]
    : [cmd, args];
  const output = await new Deno.Command(command, {
    args: commandArgs,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) +
      new TextDecoder().decode(output.stdout);
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${text.trim().split("\n").slice(-5).join(" | ")}`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

function randomPassword(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

const isRoot = () => Deno.uid?.() === 0;

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `cleanup` (shell) once this Deno process is gone, unless cancelled first. It ignores
 * SIGINT/SIGTERM/SIGHUP so a Ctrl-C to the whole process group does not take it down too.
 */
function watchdog(cleanup: string): { cancel(): void } {
  const script = `trap '' INT TERM HUP
while kill -0 ${Deno.pid} 2>/dev/null; do sleep 1; done
${cleanup}`;
  const child = new Deno.Command("sh", {
    args: ["-c", script],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  return {
    cancel() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    },
  };
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs?: number; gaveUp?: () => boolean } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (options.gaveUp?.()) throw new Error(`${what} exited while starting`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start within ${timeoutMs / 1000} s`);
}

/** Calls `fn` once however many times the returned function is called. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => done ??= fn();
}

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
        `-k ${dir}`,
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

function clickHouseConfig(
  { dir, httpPort, tcpPort, timezone }: {
    dir: string;
    httpPort: number;
    tcpPort: number;
    timezone: string;
  },
): string {
  // Generated rather than copied from /etc: Debian's config also opens https (needs certificates),
  // interserver and ::1 ports. This one has only HTTP and native TCP on 127.0.0.1, all paths in dir.
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/err.log</errorlog><console>0</console></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>${timezone}</timezone>
  <mark_cache_size>536870912</mark_cache_size>
</yandex>
`;
}

/**
 * A second ClickHouse user, same password as `default`, whose profile is readonly=1 (as some
 * production read-only users are): it refuses every setting sent with a query. users.xml is the way
 * on 18.16 (no CREATE USER before 20.x).
 */
export const READONLY_USER = "readonly_user";
/** Like READONLY_USER with a readonly=2 profile: reads only, settings other than readonly allowed. */
export const READONLY_TWO_USER = "readonly_two_user";
/** Like `default`, allowed the database `default` only (users.xml allow_databases). */
export const DEFAULT_DATABASE_USER = "default_database_user";

function clickHouseUsers(password: string): string {
  // best_effort: 18.16 otherwise rejects ISO timestamps ('2026-01-01T00:00:00Z') in inserts.
  return `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><date_time_input_format>best_effort</date_time_input_format></default>
    <readonly_one><readonly>1</readonly></readonly_one>
    <readonly_two><readonly>2</readonly></readonly_two>
  </profiles>
  <users>
    <default>
      <password>${password}</password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <${READONLY_USER}>
      <password>${password}</password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>readonly_one</profile>
      <quota>default</quota>
    </${READONLY_USER}>
    <${READONLY_TWO_USER}>
      <password>${password}</password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>readonly_two</profile>
      <quota>default</quota>
    </${READONLY_TWO_USER}>
    <${DEFAULT_DATABASE_USER}>
      <password>${password}</password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
      <allow_databases><database>default</database></allow_databases>
    </${DEFAULT_DATABASE_USER}>
  </users>
  <quotas><default></default></quotas>
</yandex>
`;
}

/**
 * Debian's ClickHouse server (18.16) on free 127.0.0.1 ports (HTTP for the kit, native TCP for
 * clickhouse-client); user `default` with a random password. 18.16 runs fine as root as a plain
 * process (only the packaged service switches to the clickhouse user).
 */
export async function startClickHouse(
  options: ServerOptions = {},
): Promise<RunningServer> {
  const binary = clickHouseServerBinary();
  if (!binary) {
    throw new Error(
      "clickhouse-server is not installed: apt-get install clickhouse-server",
    );
  }
  const persistent = options.dir !== undefined;
  const dir = options.dir ??
    await Deno.makeTempDir({ prefix: "pricing-kit-ch-" });
  for (const sub of ["data", "tmp", "user_files", "format_schemas", "log"]) {
    await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
  }
  const pwPath = `${dir}/pw`;
  const password = persistent && exists(pwPath)
    ? (await Deno.readTextFile(pwPath)).trim()
    : randomPassword();
  if (persistent) await Deno.writeTextFile(pwPath, password, { mode: 0o600 });
  await Deno.writeTextFile(`${dir}/users.xml`, clickHouseUsers(password), {
    mode: 0o600,
  });

  for (let attempt = 1;; attempt++) {
    const [httpPort, tcpPort] = [await freePort(), await freePort()];
    await Deno.writeTextFile(
      `${dir}/config.xml`,
      clickHouseConfig({ dir, httpPort, tcpPort, timezone: options.timezone ?? "UTC" }),
    );
    const child = new Deno.Command(binary, {
      args: [`--config-file=${dir}/config.xml`],
      cwd: dir,
      env: { TZ: options.timezone ?? "UTC" },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const guard = watchdog(
      persistent
        ? `kill ${child.pid}; i=0; while kill -0 ${child.pid} && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; kill -9 ${child.pid}`
        : `kill -9 ${child.pid}; sleep 0.2; rm -rf ${shellQuote(dir)}`,
    );
    let exited = false;
    child.status.then(() => exited = true);
    const kill = async (signal: Deno.Signal) => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      return await Promise.race([
        child.status.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 5000)),
      ]);
    };
    const url = `http://127.0.0.1:${httpPort}`;
    try {
      // An authenticated query, not just /ping: another server that grabbed the port would answer
      // /ping too.
      await waitFor("ClickHouse", async () => {
        const response = await fetch(`${url}/?query=SELECT%201`, {
          headers: {
            "X-ClickHouse-User": "default",
            "X-ClickHouse-Key": password,
          },
        });
        await response.body?.cancel();
        return response.ok;
      }, { gaveUp: () => exited });
    } catch (error) {
      if (!(await kill("SIGTERM"))) await kill("SIGKILL");
      guard.cancel();
      const log = await Deno.readTextFile(`${dir}/log/err.log`).catch(() => "");
      if (
        attempt < START_ATTEMPTS && exited && /Address already in use/.test(log)
      ) continue;
      if (!persistent) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
      throw new Error(
        `${(error as Error).message}: ${log.trim().split("\n").slice(-3).join(" | ")}`,
      );
    }
    const stop = once(async () => {
      // Throwaway data needs no clean shutdown (SIGTERM takes 18.16 most of a second).
      if (persistent) {
        if (!(await kill("SIGTERM"))) await kill("SIGKILL");
      } else {
        await kill("SIGKILL");
      }
      if (!persistent) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
      guard.cancel();
    });
    return { url, user: "default", password, dir, tcpPort, pid: child.pid, stop };
  }
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]*$/;

function checkDatabaseName(name: string): void {
  if (!DATABASE_NAME.test(name)) {
    throw new Error(
      `database name must be lower-case letters, digits and _, got ${JSON.stringify(name)}`,
    );
  }
}

function filePath(file: string | URL): string {
  return file instanceof URL ? fileURLToPath(file) : file;
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

/** Where a ClickHouse server is: `url` (HTTP), `user`, `password` — a RunningServer fits. */
export interface ClickHouseConnection {
  url: string;
  user: string;
  password: string;
}

/**
 * Creates database `name` on the ClickHouse server and runs each SQL file into it. HTTP takes one
 * statement per request, so files are split on `;` at line ends (tests/sql_statements.ts).
 */
export async function createChDatabase(
  conn: ClickHouseConnection,
  name: string,
  sqlFiles: (string | URL)[] = [],
): Promise<void> {
  checkDatabaseName(name);
  const admin = createClient({
    url: conn.url,
    username: conn.user,
    password: conn.password,
  });
  try {
    await admin.command({ query: `CREATE DATABASE ${name}` });
  } finally {
    await admin.close();
  }
  const db = createClient({
    url: conn.url,
    username: conn.user,
    password: conn.password,
    database: name,
  });
  try {
    for (const file of sqlFiles) {
      const path = filePath(file);
      for (const statement of splitStatements(await Deno.readTextFile(path))) {
        try {
          await db.command({ query: statement });
        } catch (error) {
          const firstLine = statement.split("\n")[0].slice(0, 80);
          throw new Error(
            `${path}: ${firstLine}: ${(error as Error).message.split("\n")[0]}`,
          );
        }
      }
    }
  } finally {
    await db.close();
  }
}

export async function dropChDatabase(
  conn: ClickHouseConnection,
  name: string,
): Promise<void> {
  checkDatabaseName(name);
  const admin = createClient({
    url: conn.url,
    username: conn.user,
    password: conn.password,
  });
  try {
    await admin.command({ query: `DROP DATABASE IF EXISTS ${name}` });
  } finally {
    await admin.close();
  }
}

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CHDB_DIR = `${ROOT}tests/chdb`;

/** Whether modern ClickHouse (chdb) is installed (`npm install` in tests/chdb). */
export function modernClickHouseInstalled(): boolean {
  return exists(`${CHDB_DIR}/node_modules/chdb/package.json`) &&
    exists(`${CHDB_DIR}/node_modules/@clickhouse/client/package.json`);
}

export interface ModernClickHouseRun {
  /** the engine's version(), e.g. 26.7.2.1 */
  version: string;
  /** each query file's rows (JSONEachRow objects), keyed by the path as given */
  results: Record<string, Record<string, unknown>[]>;
}

/**
 * Runs SQL files on modern ClickHouse (chdb, in-process in a subprocess: chdb loads only from
 * tests/chdb/node_modules): statement files in order (schema, then data), then each query file
 * with its `{name:Type}` placeholders bound as the kit binds them (lib/sources/sql.ts). DateTime params
 * are ISO instants, Identifier params table names. Paths are relative to the repository root (or
 * absolute).
 */
export async function runOnModernClickHouse(options: {
  schema: string[];
  data?: string[];
  queries: string[];
  params?: Record<string, string>;
  /** ClickHouse settings for every query, e.g. { readonly: 2 } */
  settings?: Record<string, string | number>;
}): Promise<ModernClickHouseRun> {
  if (!modernClickHouseInstalled()) {
    throw new Error(
      "modern ClickHouse (chdb) is not installed: run `npm install` in tests/chdb (deno task test and .ci/run do)",
    );
  }
  const args = [
    "run",
    "-A",
    "--config",
    "tests/chdb/deno.json",
    "tests/chdb/run_sql.ts",
    "--json",
  ];
  for (const file of options.schema) args.push("--schema", file);
  for (const file of options.data ?? []) args.push("--data", file);
  for (const file of options.queries) args.push("--query", file);
  if (options.params) args.push("--params", JSON.stringify(options.params));
  if (options.settings) args.push("--settings", JSON.stringify(options.settings));
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `tests/chdb/run_sql.ts failed: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(output.stdout));
}
