/**
 * Throwaway database servers on free loopback ports, for the tests and the benchmark:
 * PostgreSQL 15 (initdb + pg_ctl into a temp dir) and Debian's ClickHouse server (a generated
 * config in a temp dir, run as a plain process). Both stop and delete their files on `stop()`.
 */
import { createServer } from "node:net";

export interface RunningServer {
  url: string;
  user: string;
  password: string;
  dir: string;
  /** ClickHouse's native protocol port (clickhouse-client) */
  tcpPort?: number;
  stop(): Promise<void>;
}

const PG_BIN = "/usr/lib/postgresql/15/bin";

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

async function run(
  cmd: string,
  args: string[],
  options: { user?: string; env?: Record<string, string> } = {},
) {
  // initdb and postgres refuse to run as root: run them as an unprivileged user.
  const [command, commandArgs] = options.user
    ? ["runuser", ["-u", options.user, "--", cmd, ...args]]
    : [cmd, args];
  const output = await new Deno.Command(command, {
    args: commandArgs,
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
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

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within ${timeoutMs / 1000} s`);
}

export interface ServerOptions {
  /**
   * Keep the server's files here across runs (the benchmark's seeded data); without it a temp
   * dir is used and deleted on stop.
   */
  dir?: string;
}

export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

export async function startPostgres(options: ServerOptions = {}): Promise<RunningServer> {
  const persistent = options.dir !== undefined;
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "pricing-kit-pg-" });
  await Deno.mkdir(dir, { recursive: true });
  const user = isRoot() ? "nobody" : undefined;
  if (user) await run("chown", [user, dir]);
  const pwFile = `${dir}/pw`;
  const data = `${dir}/data`;
  const reuse = persistent && exists(`${data}/PG_VERSION`);
  const password = reuse ? (await Deno.readTextFile(pwFile)).trim() : randomPassword();
  if (!reuse) {
    await Deno.writeTextFile(pwFile, password);
    if (user) await run("chown", [user, pwFile]);
  }
  if (!reuse) {
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
    ], { user });
  }
  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=100",
  ].join(" ");
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
  const stop = async () => {
    await run(`${PG_BIN}/pg_ctl`, ["-D", data, "-m", persistent ? "fast" : "immediate", "stop"], {
      user,
    }).catch(() => {});
    if (!persistent) await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    user: "postgres",
    password,
    dir,
    stop,
  };
}

export async function startClickHouse(options: ServerOptions = {}): Promise<RunningServer> {
  const persistent = options.dir !== undefined;
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "pricing-kit-ch-" });
  for (const sub of ["data", "tmp", "user_files", "format_schemas", "log"]) {
    await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
  }
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  const pwPath = `${dir}/pw`;
  const password = persistent && exists(pwPath)
    ? (await Deno.readTextFile(pwPath)).trim()
    : randomPassword();
  if (persistent) await Deno.writeTextFile(pwPath, password);
  // Generated rather than copied from /etc: only what a throwaway server needs, all paths in dir.
  await Deno.writeTextFile(
    `${dir}/config.xml`,
    `<?xml version="1.0"?>
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
  <timezone>UTC</timezone>
  <mark_cache_size>536870912</mark_cache_size>
</yandex>
`,
  );
  await Deno.writeTextFile(
    `${dir}/users.xml`,
    `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><date_time_input_format>best_effort</date_time_input_format></default>
  </profiles>
  <users>
    <default>
      <password>${password}</password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
`,
  );
  const binary = ["/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (!binary) {
    throw new Error("clickhouse-server is not installed: apt-get install clickhouse-server");
  }
  const child = new Deno.Command(binary, {
    args: [`--config-file=${dir}/config.xml`],
    cwd: dir,
    env: { TZ: "UTC" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await waitFor("ClickHouse", async () => {
      const response = await fetch(`${url}/ping`);
      await response.body?.cancel();
      return response.ok;
    });
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    const log = await Deno.readTextFile(`${dir}/log/err.log`).catch(() => "");
    throw new Error(`${(error as Error).message}: ${log.split("\n").slice(-3).join(" | ")}`);
  }
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const exited = await Promise.race([
      child.status.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 5000)),
    ]);
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
    }
    if (!persistent) await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  return { url, user: "default", password, dir, tcpPort, stop };
}
