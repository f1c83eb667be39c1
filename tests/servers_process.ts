/**
 * What the throwaway database servers share (tests/servers.ts): the running server's shape, free
 * loopback ports, commands run as an unprivileged user when root, the watchdog that stops a server
 * whose test process died, waiting for a server to answer, and database names checked.
 */
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { HANG_GUARD_MS } from "./hang_guard.ts";

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

/** attempts to start a server when the free port we picked was taken before the server bound it */
export const START_ATTEMPTS = 3;

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

export async function run(
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

export function randomPassword(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

export const isRoot = () => Deno.uid?.() === 0;

export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `cleanup` (shell) once this Deno process is gone, unless cancelled first. It ignores
 * SIGINT/SIGTERM/SIGHUP so a Ctrl-C to the whole process group does not take it down too.
 */
export function watchdog(cleanup: string): { cancel(): void } {
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

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs?: number; gaveUp?: () => boolean } = {},
): Promise<void> {
  // a hang guard: a test server's start took 23 s beside other test runs on two cores (load 30)
  const timeoutMs = options.timeoutMs ?? HANG_GUARD_MS;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (options.gaveUp?.()) throw new Error(`${what} exited while starting`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start within ${timeoutMs / 1000} s`);
}

/** Calls `fn` once however many times the returned function is called. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => done ??= fn();
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]*$/;

export function checkDatabaseName(name: string): void {
  if (!DATABASE_NAME.test(name)) {
    throw new Error(
      `database name must be lower-case letters, digits and _, got ${JSON.stringify(name)}`,
    );
  }
}

export function filePath(file: string | URL): string {
  return file instanceof URL ? fileURLToPath(file) : file;
}
