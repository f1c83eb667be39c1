/**
 * Ctrl-C during the queries stage (lib/cli/interrupt.ts, the export's signal): the export stops
 * within seconds, not when the queries finish, and the servers stop running them: PostgreSQL's
 * backend leaves pg_stat_activity (a cancel request, not only a closed socket: a backend in
 * pg_sleep would notice that minutes later) and ClickHouse's query leaves system.processes (a KILL:
 * 18.16 does not stop a query whose HTTP client left). Nothing is published, nothing left in the
 * output folder or the temporary folder.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import pg from "pg";
import { createClient } from "@clickhouse/client";
import { freshFixtureDatabases } from "./fixture_databases.ts";

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

Deno.test("Ctrl-C while the queries run: both servers stop them, exit 130 within seconds, nothing left", async () => {
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
  // five minutes each: only a stop ends them within the test
  await Deno.mkdir(`${queriesDir}/postgres`);
  await Deno.mkdir(`${queriesDir}/clickhouse`);
  await Deno.writeTextFile(
    `${queriesDir}/postgres/prompts_created.sql`,
    `SELECT NULL::text AS org_id, 0 AS prompts_created, '${PG_MARK}' AS mark FROM pg_sleep(300)`,
  );
  // 18.16's sleep() takes at most 3 s per block: a second per one-row block, 300 blocks
  await Deno.writeTextFile(
    `${queriesDir}/clickhouse/usage_30d.sql`,
    `SELECT '${CH_MARK}' AS org_id, sum(sleep(1)) AS requests_30d FROM numbers(300) SETTINGS max_block_size = 1`,
  );
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
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CLI,
        "--env-file",
        "/dev/null",
        "--live",
        "--skip-stripe",
        "--out-dir",
        out,
        "--as-of",
        "2026-11-01",
      ],
      env: {
        NO_COLOR: "1",
        TMPDIR: tmp,
        ...databases.env,
        PRICING_QUERIES_DIR: queriesDir,
      } as Record<string, string>,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.output();
    await waitFor(
      "both slow queries to run",
      async () => await pgRunning() === 1 && await chRunning() === 1,
    );
    const signalled = performance.now();
    child.kill("SIGINT");
    const { code, stderr } = await output;
    const seconds = (performance.now() - signalled) / 1000;
    const text = new TextDecoder().decode(stderr);
    assertEquals(code, 130, text);
    match(
      text,
      /^error: interrupted \(SIGINT\): stopped before publishing; nothing new was written\n$/,
    );
    ok(seconds < 5, `exited ${seconds.toFixed(1)} s after the signal`);
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
});
