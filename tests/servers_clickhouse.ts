/**
 * A throwaway Debian ClickHouse server 18.16 (a generated config in a temp dir, run as a plain
 * process) on free loopback ports, its extra users, and a database created on it with SQL files
 * loaded. Imported through tests/servers.ts.
 */
import { createClient } from "@clickhouse/client";
import { splitStatements } from "./sql_statements.ts";
import {
  checkDatabaseName,
  exists,
  filePath,
  freePort,
  once,
  randomPassword,
  type RunningServer,
  type ServerOptions,
  shellQuote,
  START_ATTEMPTS,
  waitFor,
  watchdog,
} from "./servers_process.ts";

const CLICKHOUSE_BINARIES = ["/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"];

/** The clickhouse-server binary Debian installed, or undefined. */
export function clickHouseServerBinary(): string | undefined {
  return CLICKHOUSE_BINARIES.find((path) => exists(path));
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
  /** One user: the one password, from loopback only, the default quota. */
  const user = (options: { name: string; profile: string; allowDatabase?: string }) =>
    [
      `    <${options.name}>`,
      `      <password>${password}</password>`,
      `      <networks><ip>127.0.0.1</ip></networks>`,
      `      <profile>${options.profile}</profile>`,
      `      <quota>default</quota>`,
      ...options.allowDatabase === undefined ? [] : [
        `      <allow_databases><database>${options.allowDatabase}</database></allow_databases>`,
      ],
      `    </${options.name}>`,
    ].join("\n");
  // best_effort: 18.16 otherwise rejects ISO timestamps ('2026-01-01T00:00:00Z') in inserts.
  return `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><date_time_input_format>best_effort</date_time_input_format></default>
    <readonly_one><readonly>1</readonly></readonly_one>
    <readonly_two><readonly>2</readonly></readonly_two>
  </profiles>
  <users>
${user({ name: "default", profile: "default" })}
${user({ name: READONLY_USER, profile: "readonly_one" })}
${user({ name: READONLY_TWO_USER, profile: "readonly_two" })}
${user({ name: DEFAULT_DATABASE_USER, profile: "default", allowDatabase: "default" })}
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
