/**
 * The entry points in constrained environments, as operators run them under process managers and
 * containers: a low limit of open files (a real one, set with prlimit), a temporary folder that
 * is read-only or full (a real tmpfs), an output folder whose name holds a line break. Each is one
 * line naming what is wrong and how to fix it, and nothing half-written.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { openFileLimitLine, whichOpenFileLimit } from "../lib/core/process_limits.ts";
import { call, MCP_TASK_ARGS, stdioClient, text } from "./mcp_client.ts";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import { unlessHung } from "./hang_guard.ts";
import { listeningPort } from "./listening_port.ts";
import { shellQuote } from "./servers_process.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TASKS = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks;
/** A task's command line without "deno", so the tests run what `deno task` runs. */
const taskArgs = (task: string): string[] => TASKS[task].split(/\s+/).slice(1);

/** Runs `command`; whether it succeeded. */
async function succeeds(command: string, args: string[]): Promise<boolean> {
  const run = await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output()
    .catch(() => null);
  return run?.success ?? false;
}

const hasPrlimit = await succeeds("prlimit", ["--nofile=64:64", "true"]);

/** The limit of open files these tests give a process: Deno starts in it, an export does not. */
const LOW_LIMIT = 40;

/**
 * A command's words for `sh -c`, each quoted: its paths (the checkout's, the temporary folder
 * under TMPDIR) may hold spaces (unquoted, a TMPDIR with one split --out-dir in two).
 */
const shellWords = (words: string[]) => words.map(shellQuote).join(" ");

/** `cmd` under a limit of `nofile` open files (soft and hard, as `ulimit -n` sets both). */
function limited(nofile: number, cmd: string[], env: Record<string, string>): Deno.Command {
  return new Deno.Command("prlimit", {
    args: [`--nofile=${nofile}:${nofile}`, Deno.execPath(), ...cmd],
    cwd: ROOT,
    env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

const LIMIT_FIX = "raise the limit to 1024 or more (`ulimit -n` in the shell that starts it, " +
  "LimitNOFILE= in a systemd unit, --ulimit nofile= for a container)";

Deno.test("openFileLimitLine: EMFILE as Deno, Node and a wrapper word it; ENFILE; anything else null", () => {
  const limit = () => 64;
  const expected = `too many open files (this process may open 64): ${LIMIT_FIX}`;
  // Deno's, Polars' and a worker's words; Node's code; a reader's UserError quoting Deno's
  assertEquals(
    openFileLimitLine(new Error("Too many open files (os error 24): open '/x/a.png'"), limit),
    expected,
  );
  assertEquals(
    openFileLimitLine(Object.assign(new Error("open failed"), { code: "EMFILE" }), limit),
    expected,
  );
  assertEquals(
    openFileLimitLine(new Error("stage failed", { cause: new Error("(os error 24)") }), limit),
    expected,
  );
  // the limit unread (no /proc): the line without it
  assertEquals(
    openFileLimitLine(new Error("Too many open files (os error 24)"), () => null),
    `too many open files: ${LIMIT_FIX}`,
  );
  assertEquals(
    whichOpenFileLimit(new Error("Too many open files in system (os error 23)")),
    "system",
  );
  assertEquals(whichOpenFileLimit(new Error("No space left on device (os error 28)")), null);
  assertEquals(openFileLimitLine("plain text", limit), null);
});

Deno.test({
  name:
    "deno task export under `ulimit -n 40`: one line naming the limit and the fix, exit 1, nothing written",
  ignore: !hasPrlimit,
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "constrained_export_" });
    try {
      const run = await limited(
        LOW_LIMIT,
        [...taskArgs("export"), "--demo", "--env-file", "/dev/null", "--out-dir", out],
        {},
      ).output();
      const stderr = new TextDecoder().decode(run.stderr).trim();
      assertEquals(run.code, 1, stderr);
      assertEquals(
        stderr,
        `error: too many open files (this process may open ${LOW_LIMIT}): ${LIMIT_FIX}, and run again`,
      );
      assertEquals(new TextDecoder().decode(run.stdout), "");
      assertEquals([...Deno.readDirSync(out)].map((e) => e.name), [], "no file, no staging folder");
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "deno task serve out of file descriptors (idle connections past `ulimit -n`): one line, exit 1",
  ignore: !hasPrlimit,
  fn: async () => {
    const server = limited(LOW_LIMIT, [...taskArgs("serve"), "--demo", "--port", "0"], {
      PRICING_SERVER_TOKEN: "constrained-test-token-0123456789abcdef",
    }).spawn();
    const lines = server.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let said = "";
    const sockets: Deno.Conn[] = [];
    try {
      while (!/listening on http:\/\/[^:]+:\d+\//.test(said)) {
        const { value, done } = await lines.read();
        ok(!done, `the server ended before listening: ${said}`);
        said += value;
      }
      const port = Number(/listening on http:\/\/[^:]+:(\d+)\//.exec(said)![1]);
      // connections that send nothing: each holds a descriptor in the server once accepted,
      // until the server, out of them, stops listening
      for (let i = 0; i < 2 * LOW_LIMIT; i++) {
        const socket = await Deno.connect({ hostname: "127.0.0.1", port }).catch((error) => {
          // (refused, or reset when the listener closes with it in its backlog)
          if (
            error instanceof Deno.errors.ConnectionRefused ||
            error instanceof Deno.errors.ConnectionReset
          ) return null;
          throw error;
        });
        if (!socket) break;
        sockets.push(socket);
      }
      for (let chunk = await lines.read(); !chunk.done; chunk = await lines.read()) {
        said += chunk.value;
      }
      const status = await server.status;
      assertEquals(status.code, 1, said);
      const errors = said.split("\n").filter((line) => line.startsWith("error:"));
      assertEquals(errors, [
        `error: the server stopped: too many open files (this process may open ${LOW_LIMIT}): ${LIMIT_FIX}, and start it again`,
      ]);
      ok(!/\n\s+at /.test(said), `no stack trace: ${said}`);
    } finally {
      for (const socket of sockets) socket.close();
      try {
        server.kill("SIGKILL");
      } catch { /* ended */ }
      await server.status;
      await server.stdout.cancel().catch(() => {});
    }
  },
});

/** query_sql's refusal when its table cannot be written in TMPDIR `tmp`, for `reason`. */
async function querySqlInTmp(tmp: string, reason: string): Promise<void> {
  const exports = await Deno.makeTempDir({ prefix: "constrained_mcp_" });
  const { transport, client } = stdioClient({ TMPDIR: tmp, PRICING_MCP_EXPORTS_DIR: exports });
  try {
    await client.connect(transport);
    const expected =
      `error: cannot write the table query_sql reads in the temporary folder ${tmp} ` +
      `(${reason}); point TMPDIR to a writable folder with room`;
    for (let i = 0; i < 2; i++) {
      const answer = await call(client, "query_sql", {
        sql: "SELECT count(*) AS n FROM pricing_data",
      });
      assertEquals(answer.isError, true);
      assertEquals(text(answer), expected);
      // while the server runs: no table file left half-written in TMPDIR
      const left = [...Deno.readDirSync(tmp)].flatMap((folder) =>
        folder.isDirectory ? [...Deno.readDirSync(`${tmp}/${folder.name}`)].map((f) => f.name) : []
      );
      assertEquals(left, []);
    }
    // the server keeps serving what needs no temporary file
    const described = await call(client, "describe_dataset", {});
    assertEquals(described.isError, undefined, text(described));
  } finally {
    await client.close().catch(() => {});
    await Deno.remove(exports, { recursive: true });
  }
}

readOnlyFolderTest(
  "deno task mcp: query_sql with TMPDIR read-only is one line naming TMPDIR's folder and the fix",
  async (folder) => {
    await folder.readOnly();
    await querySqlInTmp(folder.dir, folder.reason);
  },
);

const isRoot = Deno.uid() === 0;
const canMount = isRoot && await (async () => {
  const dir = await Deno.makeTempDir();
  try {
    if (!(await succeeds("mount", ["-t", "tmpfs", "-o", "size=4k", "tmpfs", dir]))) return false;
    await succeeds("umount", [dir]);
    return true;
  } finally {
    await Deno.remove(dir);
  }
})();

Deno.test({
  name:
    "deno task mcp: query_sql with TMPDIR on a full 32 KB tmpfs: one line, its partial table removed",
  ignore: !canMount,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "constrained_tmp_" });
    ok(await succeeds("mount", ["-t", "tmpfs", "-o", "size=32k", "tmpfs", tmp]), "mount");
    try {
      await querySqlInTmp(tmp, "no space left on device");
    } finally {
      await succeeds("umount", [tmp]);
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("deno task export into a folder whose name holds a line break lists one file a line", async () => {
  const parent = await Deno.makeTempDir({ prefix: "constrained_names_" });
  const out = `${parent}/two\nlines ünï`;
  try {
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        ...taskArgs("export"),
        "--demo",
        "--env-file",
        "/dev/null",
        "--no-charts",
        "--format",
        "csv",
        "--out-dir",
        out,
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(run.stdout);
    assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
    const written = [...Deno.readDirSync(out)].filter((e) => e.isFile).map((e) => e.name).sort();
    const listed = stdout.split("\n").filter((line) => line.startsWith("  "));
    assertEquals(listed.length, written.length, stdout);
    for (const line of listed) {
      ok(line.startsWith(`  ${parent}/two\\nlines ünï/helicone_pricing_`), line);
      ok(written.includes(/\/([^/]+) \(/.exec(line)![1]), line);
    }
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("deno task export with standard output on a full disk (/dev/full): the export is written, exit 2 and one line on standard error", async () => {
  const out = await Deno.makeTempDir({ prefix: "constrained_stdout_" });
  try {
    const export_ = [Deno.execPath(), ...taskArgs("export"), "--demo", "--env-file", "/dev/null"];
    const run = await new Deno.Command("sh", {
      args: [
        "-c",
        `exec ${shellWords([...export_, "--format", "csv", "--no-charts", "--out-dir", out])} ` +
        ">/dev/full",
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "" },
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr).trim().split("\n")
      .filter((line) => !line.startsWith("warning: "));
    assertEquals(stderr, [
      "error: the export was written, but lines to standard output were lost (no space left on " +
      "device): free space where standard output goes",
    ]);
    assertEquals(run.code, 2);
    const written = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    ok(
      written.some((name) => /^helicone_pricing_data_\d{4}-\d{2}-\d{2}_demo\.csv$/.test(name)),
      `${written}`,
    );
    ok(written.some((name) => name.endsWith("_demo.manifest.json")), `${written}`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("deno task serve with its log (standard error) on a full disk: it serves, says so once on standard output, and a stop exits 0", async () => {
  // any free port (0): the listening line that names it is the first line lost, so its port is
  // read from /proc
  const token = "constrained-test-token-0123456789abcdef";
  const serve = [Deno.execPath(), ...taskArgs("serve"), "--demo", "--port", "0"];
  const server = new Deno.Command("sh", {
    args: ["-c", `exec ${shellWords(serve)} 2>/dev/full`],
    cwd: ROOT,
    env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "", PRICING_SERVER_TOKEN: token },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
  }).spawn();
  const stdout = new Response(server.stdout).text();
  let ended = false;
  server.status.then(() => ended = true);
  try {
    const answer = await unlessHung(
      "the server to listen and answer",
      (async () => {
        let answer: Response | null = null;
        while (answer === null) {
          const port = listeningPort(server.pid);
          if (port === null) {
            ok(!ended, "the server ended before listening");
            await new Promise((resolve) => setTimeout(resolve, 100));
            continue;
          }
          answer = await fetch(
            `http://127.0.0.1:${port}/v1/admin/pricing-analytics/export?format=csv`,
            {
              headers: { Authorization: `Bearer ${token}` },
            },
          ).catch(async (error) => {
            if (!(error instanceof TypeError)) throw error; // (its listener not answering yet)
            ok(!ended, "the server ended before listening");
            await new Promise((resolve) => setTimeout(resolve, 100));
            return null;
          });
        }
        return answer;
      })(),
      { onHang: () => server.kill("SIGKILL") },
    );
    assertEquals(answer.status, 200);
    const csv = await answer.text();
    ok(csv.startsWith("org_id,org_name,"), csv.slice(0, 80));
    server.kill("SIGTERM");
    assertEquals((await server.status).code, 0);
    assertEquals(
      await stdout,
      "error: the server's log to standard error is being lost (no space left on device): " +
        "free space where standard error goes\n",
    );
  } finally {
    try {
      server.kill("SIGKILL");
    } catch { /* ended */ }
    await server.status;
    await stdout;
  }
});

Deno.test("deno task mcp with standard error on a full disk: it answers, and ends when the client closes", async () => {
  const exports = await Deno.makeTempDir({ prefix: "constrained_mcp_log_" });
  const mcp = [Deno.execPath(), ...MCP_TASK_ARGS, "--env-file", "/dev/null"];
  const transport = new StdioClientTransport({
    command: "sh",
    args: ["-c", `exec ${shellWords(mcp)} 2>/dev/full`],
    cwd: ROOT,
    env: { PATH: Deno.env.get("PATH") ?? "", PRICING_MCP_EXPORTS_DIR: exports },
  });
  const client = new Client({ name: "pricing-kit-test", version: "1.0.0" });
  try {
    await client.connect(transport);
    const answer = await call(client, "query_sql", {
      sql: "SELECT count(*) AS n FROM pricing_data",
    });
    assertEquals(answer.isError, undefined, text(answer));
    assertEquals(text(answer).split("\n").slice(0, 2), ["n", "400"]);
    const pid = transport.pid!;
    await client.close();
    // its process ends (the SDK keeps no exit status to read)
    await unlessHung(
      "the MCP server's process to end",
      (async () => {
        while (await Deno.stat(`/proc/${pid}`).then(() => true, () => false)) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
    );
  } finally {
    await client.close().catch(() => {});
    await Deno.remove(exports, { recursive: true });
  }
});
