/**
 * How query_sql's process (sql_process.ts) is started: Deno's permissions for it (Polars' own
 * package files, read only), its environment without the server's secrets, and its answer lines
 * read as they come.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../core/config.ts";
import { HOLD_START_ARG, READY_LINE } from "./sql_protocol.ts";

const CONFIG_FILE = fileURLToPath(new URL("../../deno.json", import.meta.url));
const CHILD_FILE = fileURLToPath(new URL("./sql_child.ts", import.meta.url));

/** The running process: its stdin, its answers as they come, and how to end it. */
export interface Running {
  child: Deno.ChildProcess;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
  /**
   * settles once the process has loaded Polars and said so (READY_LINE); rejects if it ended
   * first
   */
  ready: Promise<void>;
  /** the next answer line; rejects once the process has ended */
  nextLine: () => Promise<string>;
  /** its stderr so far (the reason it failed to start) */
  stderr: () => string;
  /** settles once its output is read to the end and it has exited */
  ended: Promise<unknown>;
}

/**
 * The folders the process must read to load Polars: the nodejs-polars package and its native
 * builds (optional packages, one per platform), wherever Deno keeps npm packages.
 */
export function polarsPackageDirs(): string[] {
  const entry = fileURLToPath(import.meta.resolve("nodejs-polars"));
  let root = dirname(entry);
  while (!existsSync(join(root, "package.json")) && dirname(root) !== root) root = dirname(root);
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const require = createRequire(entry);
  const builds = Object.keys(manifest.optionalDependencies ?? {}).flatMap((name) => {
    try {
      return [dirname(require.resolve(`${name}/package.json`))];
    } catch {
      return []; // another platform's build, not installed
    }
  });
  return [root, ...builds];
}

/**
 * For tests only (tests/mcp_sql_start_test.ts), set by nothing in the kit: while `fifo` names a
 * FIFO, the processes started read it to its end before their ready line (HOLD_START_ARG in
 * sql_protocol.ts), as a start stalled on a stuck disk would wait. A test holds a start so, or lets
 * it go by closing the FIFO's writing end. Only code in the server's own process reaches it: no
 * setting, argument or client request does.
 */
export const sqlStartHoldForTests: { fifo: string | null } = { fifo: null };

/**
 * The permissions and config a kit process running Polars needs besides what it reads and writes
 * (the SQL process's, mrr_history's: history_process.ts).
 */
export const POLARS_PROCESS_FLAGS: readonly string[] = [
  "--allow-env",
  "--allow-ffi",
  "--allow-sys", // nodejs-polars reads the process report to pick its glibc or musl build
  "--no-prompt",
  "--config",
  CONFIG_FILE,
];

/**
 * Deno's `--allow-read` for `paths` (absolute) and the working folder to start the process in.
 * Deno splits the flag's list at commas (`,,` does not escape), so paths holding one (Deno's cache
 * in a home folder named with a comma) are granted relative to their common folder, made the
 * process's working folder: its commas are then not in the list. Deno reads `.` as the working
 * folder's real path and checks paths as given, so a common folder reached through a symlink
 * cannot be granted so: refused, naming the fix.
 */
export function readGrant(paths: string[]): { flag: string; cwd?: string } {
  if (!paths.some((path) => path.includes(","))) return { flag: `--allow-read=${paths.join(",")}` };
  let common = paths[0];
  const under = (path: string) =>
    path === common || path.startsWith(common.endsWith(sep) ? common : `${common}${sep}`);
  while (!paths.every(under)) {
    common = dirname(common);
  }
  const relatives = paths.map((path) => relative(common, path) || ".");
  if (relatives.some((path) => path.includes(",")) || realpathSync(common) !== common) {
    throw new UserError(
      `query_sql cannot start its process: Deno's permission list cannot name ${
        paths.find((path) => path.includes(","))
      } (a comma splits it); set DENO_DIR to a folder whose path has no comma and start again`,
    );
  }
  return { flag: `--allow-read=${relatives.join(",")}`, cwd: common };
}

/**
 * The process's arguments and working folder: it loads Polars, nothing else (see refusal in
 * sql_child.ts for what Polars may read); with sqlStartHoldForTests, it may read that FIFO too.
 */
export function sqlProcessArgs(): { args: string[]; cwd?: string } {
  const hold = sqlStartHoldForTests.fifo;
  const read = readGrant([...polarsPackageDirs(), ...(hold ? [hold] : [])]);
  return {
    args: [
      "run",
      read.flag,
      ...POLARS_PROCESS_FLAGS,
      CHILD_FILE,
      ...(hold ? [`${HOLD_START_ARG}${hold}`] : []),
    ],
    ...(read.cwd ? { cwd: read.cwd } : {}),
  };
}

/**
 * A secret's variable: the kit's settings (database URLs and passwords, Stripe and SMTP keys, the
 * server token) and anything named like a password, key, token or credential.
 */
const SECRET_VARIABLE =
  /^(PRICING_|STRIPE_|PG[A-Z]+$|CLICKHOUSE_)|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|AUTH|APIKEY|(^|_)KEY($|_)/i;

/**
 * The server's environment without its secrets (SECRET_VARIABLE), for the SQL process: Polars'
 * native code is not bound by Deno's permissions, and a database URL or a key has no use there.
 */
export function sqlProcessEnv(env: Record<string, string> = Deno.env.toObject()) {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !SECRET_VARIABLE.test(name)));
}

/** The process's command (sqlProcessArgs), its stdio piped, its environment sqlProcessEnv. */
export function sqlProcessCommand(): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    ...sqlProcessArgs(),
    clearEnv: true,
    env: sqlProcessEnv(),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Starts the process (sqlProcessCommand), its answers read as they come. */
export function startSqlProcess(): Running {
  const child = sqlProcessCommand().spawn();
  child.unref(); // the server's own work keeps it alive, not this process
  const lines: string[] = [];
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let ended = false;
  let stderrText = "";
  const answers = (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of child.stdout) {
        buffered += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          const next = waiting.shift();
          if (next) next.resolve(line);
          else lines.push(line);
        }
      }
    } catch { /* killed */ }
    ended = true;
    for (const next of waiting.splice(0)) next.reject(new Error("the SQL process ended"));
  })();
  const messages = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of child.stderr) {
        stderrText = (stderrText + decoder.decode(chunk, { stream: true })).slice(-4000);
      }
    } catch { /* killed */ }
  })();
  const nextLine = (): Promise<string> => {
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.reject(new Error("the SQL process ended"));
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
  const ready = nextLine().then((line) => {
    if (line !== READY_LINE) throw new Error(`the SQL process began with ${line.slice(0, 200)}`);
  });
  ready.catch(() => {}); // (the statement that started the process hears it)
  return {
    child,
    stdin: child.stdin.getWriter(),
    ready,
    nextLine,
    stderr: () => stderrText,
    ended: Promise.all([answers, messages, child.status]),
  };
}
