/**
 * Stopping the queries stage (lib/cli/interrupt.ts, the export's signal; lib/sources/queries.ts):
 * on Ctrl-C, or when one query fails, the export ends within seconds, not when the other queries
 * finish, and the servers stop running them: PostgreSQL's backend leaves pg_stat_activity (a
 * cancel request, not only a closed socket: a backend in pg_sleep would notice that minutes later)
 * and ClickHouse's query leaves system.processes (a KILL: 18.16 does not stop a query whose HTTP
 * client left). Nothing is published, nothing left in the output folder or the temporary folder.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import pg from "pg";
import { createClient } from "@clickhouse/client";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { READONLY_USER } from "./servers.ts";
import { stallingProxy } from "./stalling_proxy.ts";

const CLI = new URL("../lib/cli/export.ts", import.meta.url).pathname;

/** Polls `condition` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Each slow query is marked by a token of its own, so the checks below find only it.
const PG_MARK = `pk_interrupt_${crypto.randomUUID().slice(0, 8)}`;
const CH_MARK = `pk_interrupt_${crypto.randomUUID().slice(0, 8)}`;

/** Five minutes each: only a stop ends them within a test. */
const SLOW_PG =
  `SELECT NULL::text AS org_id, 0 AS prompts_created, '${PG_MARK}' AS mark FROM pg_sleep(300)`;
// 18.16's sleep() takes at most 3 s per block: a second per block of system.numbers' 65,536 rows,
// 300 blocks (no SETTINGS clause and no table function: a readonly=1 profile refuses both)
const SLOW_CH = `SELECT '${CH_MARK}' AS org_id, sum(sleep(1)) AS requests_30d
FROM (SELECT number FROM system.numbers LIMIT ${300 * 65_536})`;

Deno.test("Ctrl-C while the queries run: both servers stop them, exit 130 within seconds, nothing left", async () => {
  await withSlowQueries({ usage: SLOW_CH }, {}, async (run) => {
    const { code, text, seconds } = await run({ interruptWhen: "both" });
    assertEquals(code, 130, text);
    match(
      text,
      /^error: interrupted \(SIGINT\): stopped before publishing; nothing new was written\n$/,
    );
    ok(seconds < 5, `exited ${seconds.toFixed(1)} s after the signal`);
  });
});

Deno.test("Ctrl-C with a ClickHouse user whose profile is readonly=1: its query is killed too", async () => {
  // readonly=1 refuses every setting sent with a query; KILL QUERY of the user's own query is
  // allowed, and the kill sends none
  await withSlowQueries({ usage: SLOW_CH }, { PRICING_CH_USER: READONLY_USER }, async (run) => {
    const { code, text, seconds } = await run({ interruptWhen: "both" });
    assertEquals(code, 130, text);
    ok(seconds < 5, `exited ${seconds.toFixed(1)} s after the signal`);
  });
});

Deno.test("a query that fails stops the others: the error within seconds, not at their end", async () => {
  // ClickHouse refuses its query at once while PostgreSQL's sleeps
  const failing = `SELECT no_such_column AS org_id FROM system.one`;
  await withSlowQueries({ usage: failing }, {}, async (run) => {
    const { code, text, seconds } = await run({ interruptWhen: "never" });
    assertEquals(code, 1, text);
    match(text, /usage_30d\.sql/);
    match(text, /no_such_column/);
    ok(!/interrupted/.test(text), text);
    ok(seconds < 10, `exited ${seconds.toFixed(1)} s after starting`);
  });
});

Deno.test("a ClickHouse query the kit stops waiting for is killed on the server (readonly=1: no time limit sent)", async () => {
  // a readonly=1 profile takes no max_execution_time: the kit's wait is the only limit, and the
  // query ran on after the kit had given up on it
  await withSlowQueries({ usage: SLOW_CH }, {
    PRICING_CH_USER: READONLY_USER,
    PRICING_CH_REQUEST_TIMEOUT_SECONDS: "2",
  }, async (run) => {
    const { code, text, seconds } = await run({ interruptWhen: "never" });
    assertEquals(code, 1, text);
    match(text, /usage_30d\.sql: ClickHouse at 127\.0\.0\.1:\d+ gave no answer within 2 s/);
    ok(seconds < 10, `exited ${seconds.toFixed(1)} s after starting`);
  });
});

Deno.test("a PostgreSQL query that fails stops ClickHouse's: it is killed on the server", async () => {
  // fails after ClickHouse's query has started: division by zero once pg_sleep has returned
  const failing = `SELECT (1 / (random() * 0)::int)::text AS org_id, 0 AS prompts_created
FROM pg_sleep(2)`;
  await withSlowQueries({ usage: SLOW_CH, prompts: failing }, {
    PRICING_CH_USER: READONLY_USER,
  }, async (run) => {
    const { code, text, seconds } = await run({ interruptWhen: "never" });
    assertEquals(code, 1, text);
    match(text, /prompts_created\.sql failed on PostgreSQL: division by zero/);
    ok(seconds < 10, `exited ${seconds.toFixed(1)} s after starting`);
  });
});

Deno.test("Ctrl-C while PostgreSQL's answers are stalled: the one line, exit 130, nothing uncaught", async () => {
  // the replies stop once the kit sends its COPY (a frozen backend, a network black hole): the
  // stop's cancel request cannot end the wait, so the connection is dropped
  const databases = await freshFixtureDatabases("interrupt_stall");
  const out = await Deno.makeTempDir();
  const tmp = await Deno.makeTempDir();
  const proxy = stallingProxy(databases.env.PRICING_PG_URL!, "COPY (");
  try {
    const child = exportProcess({ ...databases.env, PRICING_PG_URL: proxy.url }, { out, tmp });
    const output = child.output();
    await waitFor("a COPY's answer to stall", () => proxy.stalled() >= 1);
    const from = performance.now();
    child.kill("SIGINT");
    const { code, stderr } = await output;
    const text = new TextDecoder().decode(stderr);
    const seconds = (performance.now() - from) / 1000;
    assertEquals(code, 130, text);
    // the dropped connections' errors are the stop's: nothing after this line
    assertEquals(
      text,
      "error: interrupted (SIGINT): stopped before publishing; nothing new was written\n",
    );
    ok(seconds < 15, `exited ${seconds.toFixed(1)} s after the signal`);
    await waitFor("the stalled connections to close", () => proxy.open() === 0, 5_000);
    assertEquals([...Deno.readDirSync(out)].map((entry) => entry.name), []);
    assertEquals([...Deno.readDirSync(tmp)].map((entry) => entry.name), []);
  } finally {
    await proxy.close();
    for (const dir of [out, tmp]) await Deno.remove(dir, { recursive: true });
    await databases.drop();
  }
});

/** The export's command line (live, Stripe skipped) with only `env` set, its output piped. */
function exportProcess(
  env: Record<string, string | undefined>,
  dirs: { out: string; tmp: string },
) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "--env-file",
      "/dev/null",
      "--live",
      "--skip-stripe",
      "--out-dir",
      dirs.out,
      "--as-of",
      "2026-11-01",
    ],
    env: { NO_COLOR: "1", TMPDIR: dirs.tmp, ...env } as Record<string, string>,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

interface Run {
  code: number;
  /** what the export printed on stderr */
  text: string;
  /** seconds from the signal (or the start, without one) to the exit */
  seconds: number;
}

/**
 * An export (the command line, live, Stripe skipped) whose prompts_created query sleeps five
 * minutes in PostgreSQL and whose usage query is `usage`; `check` runs it, either sending SIGINT
 * once both slow queries run or not at all. Afterwards both servers run none of them and nothing
 * is left in the output folder or the temporary folder.
 */
async function withSlowQueries(
  { usage, prompts = SLOW_PG }: { usage: string; prompts?: string },
  extraEnv: Record<string, string>,
  check: (run: (how: { interruptWhen: "both" | "never" }) => Promise<Run>) => Promise<void>,
) {
  const databases = await freshFixtureDatabases("interrupt");
  const out = await Deno.makeTempDir();
  const tmp = await Deno.makeTempDir(); // the export's TMPDIR: its spooled results
  const queriesDir = await Deno.makeTempDir();
  const pgClient = new pg.Client({ connectionString: databases.env.PRICING_PG_URL });
  await pgClient.connect();
  const ch = createClient({
    url: databases.env.PRICING_CH_URL,
    username: databases.env.PRICING_CH_USER,
    password: databases.env.PRICING_CH_PASSWORD,
  });
  await Deno.mkdir(`${queriesDir}/postgres`);
  await Deno.mkdir(`${queriesDir}/clickhouse`);
  await Deno.writeTextFile(`${queriesDir}/postgres/prompts_created.sql`, prompts);
  await Deno.writeTextFile(`${queriesDir}/clickhouse/usage_30d.sql`, usage);
  const pgRunning = async () =>
    (await pgClient.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
      [`%${PG_MARK}%`],
    )).rows[0].n as number;
  const chRunning = async () => {
    const result = await ch.query({
      query:
        `SELECT count() AS n FROM system.processes WHERE query LIKE '%${CH_MARK}%' AND query NOT LIKE '%system.processes%'`,
      format: "JSONEachRow",
    });
    return Number((await result.json<{ n: string }>())[0].n);
  };
  const run = async ({ interruptWhen }: { interruptWhen: "both" | "never" }): Promise<Run> => {
    const child = exportProcess(
      { ...databases.env, ...extraEnv, PRICING_QUERIES_DIR: queriesDir },
      { out, tmp },
    );
    const output = child.output();
    let from = performance.now();
    if (interruptWhen === "both") {
      await waitFor(
        "both slow queries to run",
        async () => await pgRunning() === 1 && await chRunning() === 1,
      );
      from = performance.now();
      child.kill("SIGINT");
    }
    const { code, stderr } = await output;
    return {
      code,
      text: new TextDecoder().decode(stderr),
      seconds: (performance.now() - from) / 1000,
    };
  };
  try {
    await check(run);
    // the servers stopped the queries (a backend's exit is seen a moment after its socket closes)
    await waitFor("PostgreSQL's backend to go", async () => await pgRunning() === 0, 5_000);
    await waitFor("ClickHouse's query to go", async () => await chRunning() === 0, 5_000);
    assertEquals([...Deno.readDirSync(out)].map((entry) => entry.name), []);
    assertEquals([...Deno.readDirSync(tmp)].map((entry) => entry.name), []);
  } finally {
    await pgClient.end();
    await ch.close();
    for (const dir of [out, tmp, queriesDir]) await Deno.remove(dir, { recursive: true });
    await databases.drop();
  }
}
