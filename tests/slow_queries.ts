/**
 * Fixture databases whose queries take minutes (only a stop ends them within a test), and checks
 * that the servers stopped running them: PostgreSQL's backend left pg_stat_activity, ClickHouse's
 * query left system.processes. For the stop of the export (interrupt_test.ts) and of the server
 * (server_interrupt_test.ts), and how a signal reaches `deno task`'s process group.
 */
import pg from "pg";
import { createClient } from "@clickhouse/client";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { DUPLICATE_SIGNAL_MS } from "../lib/cli/interrupt.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

/**
 * Polls `condition` every 20 ms until it holds; fails naming `what` after `timeoutMs` (by default
 * HANG_GUARD_MS: what is waited for, a child process started and connected, takes a loaded
 * machine tens of seconds, and a 30-second cap made that slowness a failure).
 */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = HANG_GUARD_MS,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Well inside DUPLICATE_SIGNAL_MS (1 s), with a scheduler's delay to spare. */
const DUPLICATE_WITHIN_MS = 300;

/**
 * Sends `signal` to the process group `pgid` of a `deno task` (setsid's; `kill -- -PGID`): the task
 * and its `deno run` child both get it, and the task forwards it to the child. Whether the child
 * sees those two apart or merged into one depends on timing, so once `handled` holds (the child
 * acted on the first), or DUPLICATE_WITHIN_MS has passed, the same signal also goes straight to
 * the child, as systemd's KillMode=control-group sends it to each process: a duplicate the child
 * sees apart when it acted in time. (A child already gone is no failure.)
 */
export async function signalTaskGroup(
  pgid: number,
  signal: Deno.Signal,
  handled: () => Promise<boolean> | boolean,
): Promise<void> {
  // `deno task` runs its command itself (no shell): its child is the `deno run`
  const children = [...Deno.readDirSync(`/proc/${pgid}/task`)].flatMap((thread) =>
    Deno.readTextFileSync(`/proc/${pgid}/task/${thread.name}/children`).trim().split(/\s+/)
  ).filter(Boolean).map(Number);
  if (children.length !== 1) throw new Error(`deno task has ${children.length} children`);
  Deno.kill(-pgid, signal);
  const groupSignalled = performance.now();
  // within the window the child takes as one signal (DUPLICATE_SIGNAL_MS from its receipt): on a
  // loaded machine `handled` may show late (the CI's run saw the cancel after more than a second),
  // and a duplicate sent then is rightly a second signal. Sent before the child acted, the two may
  // merge into one delivery: one stop as well.
  // (a slow `handled`, a query to a busy server, is not waited for past the window either)
  let timer: ReturnType<typeof setTimeout> | undefined;
  const windowEnds = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), DUPLICATE_WITHIN_MS);
  });
  try {
    await waitFor(
      "the first signal to be acted on",
      () => Promise.race([windowEnds, Promise.resolve(handled())]),
      5_000,
    );
  } finally {
    clearTimeout(timer);
  }
  // This process's timers run late on a loaded machine (a full test run beside another): sent
  // after the child's window the duplicate would rightly be a second signal, and say nothing of
  // how the group's one is taken. The group's own two deliveries are still checked.
  if (performance.now() - groupSignalled > DUPLICATE_SIGNAL_MS / 2) {
    console.error(`(no duplicate ${signal}: this process got to it too late to be one)`);
    return;
  }
  try {
    Deno.kill(children[0], signal);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

// Each slow query is marked by a token, so the checks below find only it; slowQueryDatabases puts
// one of its own in, so a query a server failed to stop in one test does not fail the next ones.
const PG_MARK = `pk_interrupt_${crypto.randomUUID().slice(0, 8)}`;
const CH_MARK = `pk_interrupt_${crypto.randomUUID().slice(0, 8)}`;

/** Five minutes each: only a stop ends them within a test. */
export const SLOW_PG =
  `SELECT NULL::text AS org_id, 0 AS prompts_created, '${PG_MARK}' AS mark FROM pg_sleep(300)`;
// 18.16's sleep() takes at most 3 s per block: a second per block of system.numbers' 65,536 rows,
// 300 blocks (no SETTINGS clause and no table function: a readonly=1 profile refuses both)
export const SLOW_CH = `SELECT '${CH_MARK}' AS org_id, sum(sleep(1)) AS requests_30d
FROM (SELECT number FROM system.numbers LIMIT ${300 * 65_536})`;

export interface SlowQueryDatabases {
  /** the databases' settings, PRICING_QUERIES_DIR naming the slow query files */
  env: Record<string, string>;
  /** the slow PostgreSQL queries running on the server now */
  pgRunning(): Promise<number>;
  /** the slow ClickHouse queries running on the server now */
  chRunning(): Promise<number>;
  /** waits until neither server runs them (HANG_GUARD_MS); fails naming the one that does */
  stoppedOnBothServers(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Fresh fixture databases with the kit's queries but prompts_created.sql (`prompts`, by default
 * five minutes of pg_sleep) and usage_30d.sql (`usage`).
 */
export async function slowQueryDatabases(
  label: string,
  { usage, prompts = SLOW_PG }: { usage: string; prompts?: string },
): Promise<SlowQueryDatabases> {
  const databases = await freshFixtureDatabases(label);
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
  const pgMark = `pk_interrupt_${crypto.randomUUID().slice(0, 8)}`;
  const chMark = `pk_interrupt_${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeTextFile(
    `${queriesDir}/postgres/prompts_created.sql`,
    prompts.replaceAll(PG_MARK, pgMark),
  );
  await Deno.writeTextFile(
    `${queriesDir}/clickhouse/usage_30d.sql`,
    usage.replaceAll(CH_MARK, chMark),
  );
  const pgRunning = async () =>
    (await pgClient.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
      [`%${pgMark}%`],
    )).rows[0].n as number;
  const chRunning = async () => {
    const result = await ch.query({
      query:
        `SELECT count() AS n FROM system.processes WHERE query LIKE '%${chMark}%' AND query NOT LIKE '%system.processes%'`,
      format: "JSONEachRow",
    });
    return Number((await result.json<{ n: string }>())[0].n);
  };
  return {
    env: { ...databases.env, PRICING_QUERIES_DIR: queriesDir } as Record<string, string>,
    pgRunning,
    chRunning,
    async stoppedOnBothServers() {
      // (a backend's exit is seen a moment after its socket closes; a killed ClickHouse query
      // ends at its block's end, a sleep of up to 3 s on 18.16, later on a loaded machine: under
      // a full suite beside other work one took over 15 s to go. The queries run five minutes:
      // gone well before, they were stopped, so the wait is a hang guard, not a budget)
      const guard = HANG_GUARD_MS;
      await waitFor("PostgreSQL's backend to go", async () => await pgRunning() === 0, guard);
      await waitFor("ClickHouse's query to go", async () => await chRunning() === 0, guard);
    },
    async close() {
      await pgClient.end();
      await ch.close();
      await Deno.remove(queriesDir, { recursive: true });
      await databases.drop();
    },
  };
}
