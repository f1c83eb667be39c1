/**
 * Stopping the queries stage (lib/cli/interrupt.ts, the export's signal; lib/sources/queries.ts):
 * on Ctrl-C, or when one query fails, the export ends without waiting for the other queries (five
 * minutes each: a hang guard, not a time bound, catches a wait for them), and the servers stop
 * running them: PostgreSQL's backend leaves pg_stat_activity (a
 * cancel request, not only a closed socket: a backend in pg_sleep would notice that minutes later)
 * and ClickHouse's query leaves system.processes (a KILL: 18.16 does not stop a query whose HTTP
 * client left). Nothing is published, nothing left in the output folder or the temporary folder.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { READONLY_USER } from "./servers.ts";
import { signalTaskGroup, SLOW_CH, slowQueryDatabases, waitFor } from "./slow_queries.ts";
import { stallingProxy } from "./stalling_proxy.ts";
import { evalInCleanProcess } from "./cli_run.ts";
import { unlessHung } from "./hang_guard.ts";
import { denoCacheEnv } from "./env.ts";
import { DUPLICATE_SIGNAL_MS } from "../lib/cli/interrupt.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CLI = fileURLToPath(new URL("../lib/cli/export.ts", import.meta.url));

Deno.test("Ctrl-C while the queries run: both servers stop them, exit 130 without waiting for them, nothing left", async () => {
  await withSlowQueries({ usage: SLOW_CH }, {}, async (run) => {
    const { code, text } = await run({ interruptWhen: "both" });
    assertEquals(code, 130, text);
    match(
      text,
      /^error: interrupted \(SIGINT\): stopped before publishing; nothing new was written\n$/,
    );
  });
});

Deno.test("a signal to the whole process group of `deno task export` (timeout, systemd, a terminal's Ctrl-C) is one stop, not an at-once exit", async () => {
  // `deno task` forwards the signal to its `deno run` child, which also gets it from the group:
  // the two are one signal, so the queries are stopped and the spool removed
  await withSlowQueries({ usage: SLOW_CH }, {}, async (run) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const { code, text } = await run({
        interruptWhen: "both",
        via: "task group",
        signal,
      });
      assertEquals(code, signal === "SIGTERM" ? 143 : 130, text);
      assertEquals(
        text,
        `error: interrupted (${signal}): stopped before publishing; nothing new was written\n`,
      );
    }
  });
});

Deno.test("the same signal again within DUPLICATE_SIGNAL_MS is the first one's duplicate; after it, a second stops at once", async () => {
  const interrupt = new URL("../lib/cli/interrupt.ts", import.meta.url).href;
  // Each delivery is timed by a listener added before the kit's and one added after (a delivery
  // runs its listeners in that order, in one go): the interval the kit measured lies between the
  // shortest and longest those allow, printed at once at the second (a second signal exits). The
  // duplicate is sent once the first was handled, so the two are not merged into one delivery.
  const code = `import { DUPLICATE_SIGNAL_MS, listenForInterrupt } from ${
    JSON.stringify(interrupt)
  };
const before = [];
const after = [];
Deno.addSignalListener("SIGTERM", () => before.push(performance.now()));
listenForInterrupt();
Deno.addSignalListener("SIGTERM", () => {
  after.push(performance.now());
  if (after.length === 2) {
    console.log(JSON.stringify({ shortest: before[1] - after[0], longest: after[1] - before[0] }));
  }
});
const until = async (condition) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};
Deno.kill(Deno.pid, "SIGTERM");
await until(() => after.length === 1);
Deno.kill(Deno.pid, "SIGTERM");
await until(() => after.length === 2);
await new Promise((resolve) => setTimeout(resolve, 0)); // every listener of that delivery ran
console.log("survived the duplicate");
await until(() => performance.now() - after[0] > DUPLICATE_SIGNAL_MS);
Deno.kill(Deno.pid, "SIGTERM");
setTimeout(() => console.log("survived"), 30_000); // what a second signal that is ignored gives`;
  const output = await evalInCleanProcess(code);
  const [measured, ...rest] = output.stdout.split("\n");
  const { shortest, longest } = JSON.parse(measured) as { shortest: number; longest: number };
  // the outcome for the interval this run achieved (a loaded machine may stall the child between
  // the two past the window: then the second is rightly a second signal, and stops at once)
  const survived = rest.join("\n") === "survived the duplicate\n";
  if (longest < DUPLICATE_SIGNAL_MS) ok(survived, `${longest} ms apart: ${output.stdout}`);
  else if (shortest >= DUPLICATE_SIGNAL_MS) {
    assertEquals(rest.join("\n"), "", `${shortest} ms apart: a second signal`);
  } else ok(survived || rest.join("\n") === "", output.stdout);
  match(output.stderr, /^error: SIGTERM again: stopped at once; .*\n$/);
  assertEquals(output.code, 143);
});

Deno.test("the first signal's duplicate arriving after the work is done (listener disposed) is still ignored; a signal past the window has its default", async () => {
  // a process group's SIGINT forwarded late by `deno task`: the stop had ended 0, and the duplicate
  // found no listener, so Deno ended the process by the default (the CI's server exited 130)
  const interrupt = new URL("../lib/cli/interrupt.ts", import.meta.url).href;
  const code = `import { DUPLICATE_SIGNAL_MS, listenForInterrupt } from ${
    JSON.stringify(interrupt)
  };
const until = async (condition) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};
// each probe's listener runs after every signal sent before it (interrupt.ts's signalsDrained)
const probed = async () => {
  for (const probe of ["SIGWINCH", "SIGURG"]) {
    const back = Promise.withResolvers();
    const listener = () => back.resolve();
    Deno.addSignalListener(probe, listener);
    Deno.kill(Deno.pid, probe);
    await back.promise;
    Deno.removeSignalListener(probe, listener);
  }
};
let first;
{
  using interrupt = listenForInterrupt();
  console.log(JSON.stringify({ firstSentAt: Date.now() }));
  Deno.kill(Deno.pid, "SIGINT");
  await until(() => interrupt.signal.aborted);
  first = performance.now();
}
Deno.kill(Deno.pid, "SIGINT");
await probed();
console.log("duplicate after dispose ignored");
await until(() => performance.now() - first > DUPLICATE_SIGNAL_MS);
Deno.kill(Deno.pid, "SIGINT");
setTimeout(() => console.log("survived"), 30_000); // what a signal that is ignored gives`;
  const output = await evalInCleanProcess(code);
  const endedBy = Date.now(); // (the child's end was before)
  const [sent, ...rest] = output.stdout.split("\n");
  const { firstSentAt } = JSON.parse(sent) as { firstSentAt: number };
  assertEquals(output.code, 130, output.stderr);
  if (rest.join("\n") === "duplicate after dispose ignored\n") return;
  // Ended by the duplicate, not the third signal: right only past the window (a loaded machine
  // stalled the child between sending and delivering it); the window opened after the first was
  // sent, so an end seen before that plus DUPLICATE_SIGNAL_MS was within it.
  assertEquals(rest.join("\n"), "", output.stdout);
  ok(
    endedBy - firstSentAt >= DUPLICATE_SIGNAL_MS,
    `the duplicate ended the child ${endedBy - firstSentAt} ms after the first was sent`,
  );
});

Deno.test("probe signals blocked by the parent (a process manager's signal mask): the export still ends, published", async () => {
  // Python blocks SIGWINCH and SIGURG, then becomes the export: the mask is inherited across exec,
  // so delivered()'s probes never come back (they hung the export after publishing before)
  const outDir = await Deno.makeTempDir();
  const blockThenExport = [
    "import os, signal, sys",
    "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGWINCH, signal.SIGURG})",
    "os.execv(sys.argv[1], sys.argv[1:])",
  ].join("\n");
  const output = await new Deno.Command("/usr/bin/python3", {
    args: [
      "-c",
      blockThenExport,
      Deno.execPath(),
      "run",
      "-A",
      CLI,
      "--demo",
      "--format",
      "csv",
      "--no-charts",
      "--quiet",
      "--out-dir",
      outDir,
    ],
    env: { NO_COLOR: "1", ...denoCacheEnv(), PATH: Deno.env.get("PATH") ?? "" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  const names = [...Deno.readDirSync(outDir)].map((entry) => entry.name);
  ok(names.some((name) => name.endsWith("_demo.csv")), names.join(", "));
  ok(names.some((name) => name.endsWith("_demo.manifest.json")), names.join(", "));
  await Deno.remove(outDir, { recursive: true });
});

Deno.test("Ctrl-C with a ClickHouse user whose profile is readonly=1: its query is killed too", async () => {
  // readonly=1 refuses every setting sent with a query; KILL QUERY of the user's own query is
  // allowed, and the kill sends none
  await withSlowQueries({ usage: SLOW_CH }, { PRICING_CH_USER: READONLY_USER }, async (run) => {
    const { code, text } = await run({ interruptWhen: "both" });
    assertEquals(code, 130, text);
  });
});

Deno.test("a query that fails stops the others: the error without waiting for their end", async () => {
  // ClickHouse refuses its query at once while PostgreSQL's sleeps
  const failing = `SELECT no_such_column AS org_id FROM system.one`;
  await withSlowQueries({ usage: failing }, {}, async (run) => {
    const { code, text } = await run({ interruptWhen: "never" });
    assertEquals(code, 1, text);
    match(text, /usage_30d\.sql/);
    match(text, /no_such_column/);
    ok(!/interrupted/.test(text), text);
  });
});

Deno.test("a ClickHouse query the kit stops waiting for is killed on the server (readonly=1: no time limit sent)", async () => {
  // a readonly=1 profile takes no max_execution_time: the kit's wait is the only limit, and the
  // query ran on after the kit had given up on it
  await withSlowQueries({ usage: SLOW_CH }, {
    PRICING_CH_USER: READONLY_USER,
    // (below PRICING_CH_MAX_EXECUTION_SECONDS, 120 by default: not sent to a readonly=1 profile)
    PRICING_CH_REQUEST_TIMEOUT_SECONDS: "2",
  }, async (run) => {
    const { code, text } = await run({ interruptWhen: "never" });
    assertEquals(code, 1, text);
    match(text, /usage_30d\.sql: ClickHouse at 127\.0\.0\.1:\d+ gave no answer within 2 s/);
  });
});

Deno.test("a PostgreSQL query that fails stops ClickHouse's: it is killed on the server", async () => {
  // fails after ClickHouse's query has started: division by zero once pg_sleep has returned
  const failing = `SELECT (1 / (random() * 0)::int)::text AS org_id, 0 AS prompts_created
FROM pg_sleep(2)`;
  await withSlowQueries({ usage: SLOW_CH, prompts: failing }, {
    PRICING_CH_USER: READONLY_USER,
  }, async (run) => {
    const { code, text } = await run({ interruptWhen: "never" });
    assertEquals(code, 1, text);
    match(text, /prompts_created\.sql failed on PostgreSQL: division by zero/);
  });
});

Deno.test("Ctrl-C while PostgreSQL's answers are stalled: the one line, exit 130, nothing uncaught", async () => {
  // the replies stop once the kit sends its COPY (a frozen backend, a network black hole): the
  // stop's cancel request cannot end the wait, so the connection is dropped
  let proxy: ReturnType<typeof stallingProxy> | undefined;
  try {
    await interruptedWithPostgresAt({
      name: "interrupt_stall",
      postgresUrl: (url) => (proxy = stallingProxy(url, "COPY (")).url,
      waitingFor: "a COPY's answer to stall",
      ready: () => proxy!.stalled() >= 1,
      afterwards: () => waitFor("the stalled connections to close", () => proxy!.open() === 0),
    });
  } finally {
    await proxy?.close();
  }
});

Deno.test("Ctrl-C while PostgreSQL accepts the connection and never answers: exit 130, not after the 15 s connect timeout", async () => {
  // a server that accepts and says nothing (a half-dead host, a firewall that swallows the
  // handshake): the kit waits in pg's connect, not in a query
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  let acceptedAt = 0; // when pg's connect, and its 15 s timeout, began (give or take a turn)
  const accepting = (async () => {
    for await (const conn of silent) {
      if (held.push(conn) === 1) acceptedAt = performance.now();
    }
  })();
  try {
    await interruptedWithPostgresAt({
      name: "interrupt_connect",
      postgresUrl: (fixture) => {
        const url = new URL(fixture);
        url.port = String(silent.addr.port);
        return url.toString();
      },
      waitingFor: "the kit to connect to the silent server",
      ready: () => held.length >= 1,
      // before: whenever pg's connect timed out, 15 s after it began. The exit before that is
      // the only sign the stop did not wait for it (the same line either way); measured from the
      // connection, not the signal, it leaves a loaded machine the whole 15 s, not a budget
      exited: () => {
        const seconds = (performance.now() - acceptedAt) / 1000;
        ok(seconds < 15, `exited ${seconds.toFixed(1)} s after the connection was accepted`);
      },
    });
  } finally {
    silent.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});

/**
 * An export against the fixture databases but PostgreSQL at `postgresUrl(the fixture's URL)`,
 * signalled once `ready` holds: exit 130 with the one line (the dropped connections' errors are
 * the stop's: nothing after it; `exited` told at once), and, after `afterwards`, nothing left in
 * the output folder or the temporary folder.
 */
async function interruptedWithPostgresAt(
  { name, postgresUrl, waitingFor, ready, exited, afterwards }: {
    name: string;
    postgresUrl: (fixtureUrl: string) => string;
    waitingFor: string;
    ready: () => boolean;
    exited?: () => void;
    afterwards?: () => Promise<void>;
  },
): Promise<void> {
  const databases = await freshFixtureDatabases(name);
  const out = await Deno.makeTempDir();
  const tmp = await Deno.makeTempDir();
  try {
    const env = { ...databases.env, PRICING_PG_URL: postgresUrl(databases.env.PRICING_PG_URL!) };
    const child = exportProcess(env, { out, tmp });
    const output = child.output();
    await waitFor(waitingFor, ready);
    const { code, text } = await interrupted(child, output);
    exited?.();
    assertEquals(code, 130, text);
    assertEquals(
      text,
      "error: interrupted (SIGINT): stopped before publishing; nothing new was written\n",
    );
    await afterwards?.();
    assertEmpty(out, tmp);
  } finally {
    for (const dir of [out, tmp]) await Deno.remove(dir, { recursive: true });
    await databases.drop();
  }
}

Deno.test("Ctrl-C when the kill's first connection drops: the kill is sent again and ClickHouse's query stops", async () => {
  // a connection dropped on the way loses the first KILL QUERY; unanswered, the query would run
  // on (readonly=1: no time limit at all)
  const databases = await slowQueryDatabases("interrupt_kill_drop", { usage: SLOW_CH });
  const out = await Deno.makeTempDir();
  const tmp = await Deno.makeTempDir();
  const proxy = stallingProxy(databases.env.PRICING_CH_URL!, "KILL QUERY", { drop: 1 });
  try {
    const child = exportProcess({
      ...databases.env,
      PRICING_CH_URL: proxy.url,
      PRICING_CH_USER: READONLY_USER,
    }, { out, tmp });
    const output = child.output();
    await waitFor(
      "both slow queries to run",
      async () => await databases.pgRunning() === 1 && await databases.chRunning() === 1,
    );
    const { code, text } = await interrupted(child, output);
    assertEquals(code, 130, text);
    assertEquals(proxy.dropped(), 1); // the first kill was lost
    await databases.stoppedOnBothServers();
    assertEmpty(out, tmp);
  } finally {
    await proxy.close();
    for (const dir of [out, tmp]) await Deno.remove(dir, { recursive: true });
    await databases.close();
  }
});

/**
 * The export's command line (live, Stripe skipped) with only `env` set, its output piped: `deno
 * run` itself, or (`task`) `deno task -q export` in a process group of its own (setsid: its pid is
 * the group's id), as a terminal, GNU timeout or systemd would signal it.
 */
function exportProcess(
  env: Record<string, string | undefined>,
  dirs: { out: string; tmp: string },
  { task = false }: { task?: boolean } = {},
) {
  const command = task ? ["setsid", Deno.execPath(), "task", "-q", "export"] : [
    Deno.execPath(),
    "run",
    "-A",
    CLI,
  ];
  return new Deno.Command(command[0], {
    args: [
      ...command.slice(1),
      "--env-file",
      "/dev/null",
      "--live",
      "--skip-stripe",
      "--out-dir",
      dirs.out,
      "--as-of",
      "2026-11-01",
    ],
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      TMPDIR: dirs.tmp,
      ...(task ? { PATH: Deno.env.get("PATH") ?? "" } : {}),
      ...env,
    } as Record<string, string>,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

interface Run {
  code: number;
  /** what the export printed on stderr */
  text: string;
}

/**
 * The export's exit code and stderr; a hang guard (HANG_GUARD_MS, far below the slow queries'
 * five minutes) kills it and fails, so a wait for those queries is caught without a time bound.
 */
async function exitOf(
  child: Deno.ChildProcess,
  output: Promise<Deno.CommandOutput>,
  { group = false }: { group?: boolean } = {},
): Promise<Run> {
  const { code, stderr } = await unlessHung("the export's exit", output, {
    onHang: () => group ? Deno.kill(-child.pid, "SIGKILL") : child.kill("SIGKILL"),
  });
  return { code, text: new TextDecoder().decode(stderr) };
}

/** SIGINT to `child` now; its exit code and what it printed on stderr. */
function interrupted(
  child: Deno.ChildProcess,
  output: Promise<Deno.CommandOutput>,
): Promise<Run> {
  child.kill("SIGINT");
  return exitOf(child, output);
}

/** Nothing left in these folders (the output folder, the export's temporary folder). */
function assertEmpty(...dirs: string[]): void {
  for (const dir of dirs) assertEquals([...Deno.readDirSync(dir)].map((entry) => entry.name), []);
}

/** How the signal reaches the export: to `deno run`, or to the process group of `deno task`. */
type Delivery = "child" | "task group";

interface Interruption {
  interruptWhen: "both" | "never";
  via?: Delivery;
  /** SIGINT by default */
  signal?: "SIGINT" | "SIGTERM";
}

/**
 * An export (the command line, live, Stripe skipped) whose prompts_created query sleeps five
 * minutes in PostgreSQL and whose usage query is `usage`; `check` runs it (each time it likes),
 * either signalling it (`via`) once both slow queries run or not at all. Afterwards both servers
 * run none of them and nothing is left in the output folder or the temporary folder.
 */
async function withSlowQueries(
  { usage, prompts }: { usage: string; prompts?: string },
  extraEnv: Record<string, string>,
  check: (
    run: (how: Interruption) => Promise<Run>,
  ) => Promise<void>,
) {
  const databases = await slowQueryDatabases("interrupt", { usage, prompts });
  const out = await Deno.makeTempDir();
  const tmp = await Deno.makeTempDir(); // the export's TMPDIR: its spooled results
  const run = async (
    { interruptWhen, via = "child", signal = "SIGINT" }: Interruption,
  ): Promise<Run> => {
    await databases.stoppedOnBothServers(); // (an earlier run's query may still be ending)
    const child = exportProcess({ ...databases.env, ...extraEnv }, { out, tmp }, {
      task: via === "task group",
    });
    const output = child.output();
    if (interruptWhen === "both") {
      await waitFor(
        "both slow queries to run",
        async () => await databases.pgRunning() === 1 && await databases.chRunning() === 1,
      );
      if (via === "child") child.kill(signal);
      // (the export says nothing on a pipe: PostgreSQL's query cancelled shows it acted, or its
      // exit: at once, as before, leaving the query running)
      else {
        let exited = false;
        output.finally(() => exited = true);
        await signalTaskGroup(
          child.pid,
          signal,
          async () => exited || await databases.pgRunning() === 0,
        );
      }
    }
    return await exitOf(child, output, { group: via === "task group" });
  };
  try {
    await check(run);
    await databases.stoppedOnBothServers();
    assertEmpty(out, tmp);
  } finally {
    for (const dir of [out, tmp]) await Deno.remove(dir, { recursive: true });
    await databases.close();
  }
}
