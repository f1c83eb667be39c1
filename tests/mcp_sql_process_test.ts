/**
 * query_sql's SQL process (lib/mcp/sql_process.ts, sql_launch.ts): it ends with its server, keeps
 * the limits itself, refuses file reads, gets no secrets, and its tables' folders are cleaned up.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { removeDeadSqlFolders } from "../lib/mcp/sql_process.ts";
import {
  polarsPackageDirs,
  readGrant,
  sqlProcessArgs,
  sqlProcessCommand,
} from "../lib/mcp/sql_launch.ts";
import { READY_LINE } from "../lib/mcp/sql_protocol.ts";
import { EXIT_MEMORY } from "../lib/mcp/process_limits.ts";
import { call, stdioClient, text } from "./mcp_client.ts";
import { join } from "node:path";
import { ownerTag } from "../lib/formats/staging.ts";
import { demoFrame, LIMITS, processEnded, RUNAWAY, until } from "./mcp_sql_fixture.ts";

Deno.test("query_sql: the statement's process ends when its server is killed mid-statement", async () => {
  // A SIGKILLed server cannot remove its tables' folder: it makes it in a temporary folder of the
  // test's, removed here (it was left in /tmp after every run).
  const tmp = await Deno.makeTempDir({ prefix: "mcp_sql_killed_" });
  try {
    await killedMidStatement(tmp);
    const left = [...Deno.readDirSync(tmp)].map((e) => e.name);
    assertEquals(left.length, 1, left.join());
    ok(left[0].startsWith("pricing-kit-sql-"), left[0]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

/** The runaway server (its TMPDIR `tmp`) killed once its statement runs; its SQL process ends. */
async function killedMidStatement(tmp: string): Promise<void> {
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      fileURLToPath(new URL("./fixtures/sql_runaway_server.ts", import.meta.url)),
    ],
    env: { TMPDIR: tmp },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = server.stdout.getReader();
  let printed = "";
  while (!printed.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    printed += new TextDecoder().decode(value);
  }
  const pid = Number(printed.trim());
  ok(pid > 0, printed);
  // killed once the statement runs: the process's memory growing past 300 MB says it does
  const residentMb = async () =>
    Number((await Deno.readTextFile(`/proc/${pid}/status`)).match(/VmRSS:\s+(\d+)/)?.[1]) / 1024;
  await until(async () => await residentMb() > 300, "the runaway to run");
  server.kill("SIGKILL");
  await server.status;
  reader.releaseLock();
  await server.stdout.cancel();
  // its stdin, the lifeline, ended with the server: it ends too, not after the runaway
  await until(() => processEnded(pid), "the SQL process to end with its server");
}

Deno.test("query_sql: the statement's process keeps the limits itself when nobody stops it", async () => {
  const frame = await demoFrame();
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pricing_data.parquet`;
    frame.writeParquet(path);
    const child = sqlProcessCommand().spawn();
    const stdin = child.stdin.getWriter();
    const request = { sql: RUNAWAY, tables: { pricing_data: path }, maxRows: 10 };
    // the memory cap, with stdin kept open (a server alive but not watching)
    await stdin.write(
      new TextEncoder().encode(
        JSON.stringify({ ...request, timeoutMs: 600_000, maxMb: 400 }) + "\n",
      ),
    );
    // its stdout read, as a server does: its first line, then no answer
    const [status, said] = await Promise.all([
      child.status,
      new Response(child.stdout).text(),
      child.stderr.cancel(),
    ]);
    assertEquals([status.code, said], [EXIT_MEMORY, READY_LINE + "\n"]);
    await stdin.close().catch(() => {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task mcp: SIGTERM ends the server, its SQL process and the tables' files", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mcp_sigterm_" });
  const { transport, client } = stdioClient({ TMPDIR: tmp, PRICING_MCP_EXPORTS_DIR: tmp });
  try {
    await client.connect(transport);
    const answered = await call(client, "query_sql", {
      sql: "SELECT count(*) AS n FROM pricing_data",
    });
    assertEquals(answered.isError, undefined, text(answered));
    const folders = () =>
      [...Deno.readDirSync(tmp)].filter((e) => e.name.startsWith("pricing-kit-sql-"));
    assertEquals(folders().length, 1, "the tables' files are in a folder of TMPDIR");
    const serverPid = transport.pid!;
    // the server's children: Linux lists them per thread that spawned them
    let children = "";
    for (const task of Deno.readDirSync(`/proc/${serverPid}/task`)) {
      children += " " + await Deno.readTextFile(`/proc/${serverPid}/task/${task.name}/children`);
    }
    const sqlPid = Number(children.trim().split(/\s+/)[0]);
    ok(sqlPid > 0, "the SQL process runs under the server");
    Deno.kill(serverPid, "SIGTERM");
    await until(() => processEnded(serverPid), "the server to end on SIGTERM");
    await until(() => processEnded(sqlPid), "the SQL process to end with it");
    assertEquals(folders(), [], "no table file left behind");
  } finally {
    await client.close().catch(() => {});
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("query_sql's process refuses file reads itself, whatever the gate let through", async () => {
  const frame = await demoFrame();
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_process_" });
  const secret = `${dir}/fake.env`;
  await Deno.writeTextFile(secret, "API_KEY=sk-not-for-models\n");
  try {
    const path = `${dir}/pricing_data.parquet`;
    frame.writeParquet(path);
    // Deno lets it read Polars' package and nothing else (Polars' own reads are checked below)
    const readable = polarsPackageDirs();
    const reads = sqlProcessArgs().args.filter((a) => a.startsWith("--allow-read"));
    assertEquals(reads, [`--allow-read=${readable.join(",")}`]);
    ok(readable.every((d) => /nodejs-polars/.test(d)), readable.join(","));
    const child = sqlProcessCommand().spawn();
    const stdin = child.stdin.getWriter();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    const nextLine = async () => {
      while (!buffered.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error("the SQL process ended");
        buffered += value;
      }
      const line = buffered.slice(0, buffered.indexOf("\n"));
      buffered = buffered.slice(line.length + 1);
      return line;
    };
    // its first line says Polars is loaded (the server's deadlines run from it)
    assertEquals(await nextLine(), READY_LINE);
    const ask = async (sql: string) => {
      const request = { sql, tables: { pricing_data: path }, ...LIMITS };
      await stdin.write(new TextEncoder().encode(JSON.stringify(request) + "\n"));
      return JSON.parse(await nextLine());
    };
    // sent straight to the process: no gate in front of it
    for (
      const sql of [
        `SELECT * FROM read_csv('${secret}')`,
        `SELECT * FROM "READ_CSV" /* x */ ('${secret}')`,
        `SELECT * FROM read_csv\n('${secret}')`,
        `SELECT * FROM read_csv\u0085('${secret}')`, // (a space to Polars)
        `SELECT * FROM "read_csv" . x('${secret}')`, // (Polars calls the first part)
        `SELECT * FROM scan_parquet('${path}')`,
        `SELECT * FROM 'read_csv'('${secret}')`,
        `SELECT * FROM 'READ_CSV' /* x */ ('${secret}')`,
      ]
    ) {
      const answer = await ask(sql);
      assertEquals(answer.ok, false, sql);
      assertEquals(answer.refused, true, sql);
      ok(!JSON.stringify(answer).includes("sk-not-for-models"), JSON.stringify(answer));
    }
    assertEquals((await ask("SELECT count(*) AS n FROM pricing_data")).rows, [{ n: 400 }]);
    await stdin.close();
    assertEquals((await child.status).code, 0);
    await child.stderr.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql's process gets the server's environment without its secrets", async () => {
  const secrets = {
    PRICING_PG_URL: "postgres://reader:pg-secret-1@db.example.com/postgres",
    PRICING_CH_PASSWORD: "ch-secret-2",
    STRIPE_SECRET_KEY: "sk_live_stripe-secret-3",
    PRICING_SMTP_PASSWORD: "smtp-secret-4",
    PGPASSWORD: "pg-secret-5",
    AWS_SECRET_ACCESS_KEY: "aws-secret-6",
    ANTHROPIC_API_KEY: "api-secret-7",
    OPENAI_APIKEY: "api-secret-8",
  };
  const kept = { POLARS_MAX_THREADS: "2", LANG: "C.UTF-8" };
  const before = Object.fromEntries(
    [...Object.keys(secrets), ...Object.keys(kept)].map((name) => [name, Deno.env.get(name)]),
  );
  for (const [name, value] of Object.entries({ ...secrets, ...kept })) Deno.env.set(name, value);
  const child = sqlProcessCommand().spawn();
  const stdout = child.stdout.getReader();
  try {
    // its ready line first: read as spawn() returns, /proc showed an empty environment (and
    // command line) at times, the exec not yet done (a third of 300 spawns here, failing the
    // full suite once under load)
    const first = new TextDecoder().decode((await stdout.read()).value);
    ok(first.startsWith(READY_LINE), first);
    // what the running process holds, as the kernel shows it
    const environ = await Deno.readTextFile(`/proc/${child.pid}/environ`);
    const names = environ.split("\0").map((entry) => entry.split("=")[0]);
    for (const [name, value] of Object.entries(secrets)) {
      ok(!names.includes(name), name);
      ok(!environ.includes(value), name);
    }
    ok(environ.includes("POLARS_MAX_THREADS=2") && environ.includes("LANG=C.UTF-8"), environ);
  } finally {
    await child.stdin.close();
    await Promise.all([child.status, stdout.cancel(), child.stderr.cancel()]);
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
});

Deno.test("the frames' folders of killed servers are removed; a live server's, untagged and other machines' stay", () => {
  const tmp = Deno.makeTempDirSync();
  try {
    const live = ownerTag(); // this process
    const dead = live.replace(/s\d*h/, "s1h"); // this pid with another start time: a dead server
    const otherHost = live.replace(/h[0-9a-f]{8}$/, "h00000000");
    const names = [
      `pricing-kit-sql-${dead}-a1`,
      `pricing-kit-sql-${live}-b2`,
      `pricing-kit-sql-${otherHost}-c3`,
      "pricing-kit-sql-d4", // an older kit's, owner unknown
      `unrelated-${dead}`,
    ];
    for (const name of names) Deno.mkdirSync(join(tmp, name, "inside"), { recursive: true });
    assertEquals(removeDeadSqlFolders(tmp), [join(tmp, names[0])]);
    assertEquals([...Deno.readDirSync(tmp)].map((e) => e.name).sort(), names.slice(1).sort());
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
});

Deno.test("query_sql's read grant names folders whose path holds a comma: a process reads them and nothing beside", async () => {
  // Deno splits --allow-read's list at commas (`,,` does not escape): Deno's cache in a folder
  // named with a comma was granted as other paths, and the process could not load Polars
  const top = await Deno.realPath(await Deno.makeTempDir({ prefix: "mcp_sql_process_" }));
  try {
    const base = join(top, "o, brien");
    const granted = [join(base, "npm", "polars"), join(base, "npm", "polars-linux-x64-gnu")];
    for (const dir of [...granted, join(base, "npm", "other")]) {
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(join(dir, "package.json"), "{}");
    }
    const grant = readGrant(granted);
    assertEquals(grant, {
      flag: "--allow-read=polars,polars-linux-x64-gnu",
      cwd: join(base, "npm"),
    });
    const script = join(top, "read.ts");
    await Deno.writeTextFile(
      script,
      `for (const path of Deno.args) {
        console.log(await Deno.readTextFile(path).then(() => "read", (e) => e.name));
      }`,
    );
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        grant.flag,
        script,
        ...[
          ...granted,
          join(base, "npm", "other"),
        ].map((dir) => join(dir, "package.json")),
      ],
      cwd: grant.cwd,
      stderr: "inherit",
    }).output();
    assertEquals(new TextDecoder().decode(run.stdout).trim().split("\n"), [
      "read",
      "read",
      "NotCapable",
    ]);
    // paths without a comma: named as they are, from the server's own folder
    assertEquals(readGrant(["/a/x", "/b/y"]), { flag: "--allow-read=/a/x,/b/y" });
    // a comma reached through a symlink cannot be granted so: one line naming the fix
    await Deno.symlink(base, join(top, "linked, here"));
    try {
      readGrant([join(top, "linked, here", "npm", "polars"), join(top, "linked, here", "x")]);
      ok(false, "granted through a symlink");
    } catch (error) {
      const message = (error as Error).message;
      ok(message.includes("set DENO_DIR to a folder whose path has no comma"), message);
      assertEquals(message.split("\n").length, 1);
    }
  } finally {
    await Deno.remove(top, { recursive: true });
  }
});
