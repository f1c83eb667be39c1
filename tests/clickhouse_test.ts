/**
 * lib/sources/clickhouse.ts on real ClickHouse 18.16 servers: a user whose profile is readonly=1
 * exports (only the settings the profile allows are sent, and the manifest says which), and a
 * frozen or killed server is reported with the query, the server and the setting that bounds the
 * wait (issue 10 items 9 and 10). Connection refusals: clickhouse_connection_test.ts; server
 * errors naming the setting: clickhouse_errors_test.ts.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects, throws } from "node:assert/strict";
import { clickHouseSettings } from "../lib/core/config.ts";
import { openClickHouse, sessionSettings } from "../lib/sources/clickhouse.ts";
import { loadSql } from "../lib/sources/sql.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { READONLY_TWO_USER, READONLY_USER, startClickHouse } from "./servers.ts";
import { quietLiveExport } from "./live_export.ts";
import { waitFor } from "./slow_queries.ts";
import { asOf } from "./clickhouse_fixture.ts";

const A = "11111111-1111-4111-8111-111111111111";

interface ManifestQuery {
  name: string;
  settings_sent?: Record<string, string | number>;
  profile_readonly?: string | null;
}

async function exportWith(env: Record<string, string | undefined>) {
  const outDir = await Deno.makeTempDir();
  try {
    const result = await quietLiveExport({
      env,
      outDir,
      formats: ["csv"],
      asOf,
    });
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    const clickhouse = (manifest.queries as ManifestQuery[])
      .filter((q) => q.name === "usage_30d" || q.name === "ptb_spend");
    const frame = result.data.frame;
    const costA = frame.getColumn("llm_cost_30d").toArray()[
      frame.getColumn("org_id").toArray().indexOf(A)
    ];
    const noLimit = result.data.warnings.filter((w) => w.startsWith("ClickHouse: no settings"));
    return { clickhouse, costA, rows: result.data.frame.height, noLimit };
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}

Deno.test("a ClickHouse user whose profile is readonly=1 exports; the manifest says what was sent", async () => {
  const databases = await freshFixtureDatabases("ch_readonly");
  try {
    const readonlyEnv = { ...databases.env, PRICING_CH_USER: READONLY_USER };

    // The profile really refuses a setting (what broke every export before).
    const direct = await fetch(`${databases.env.PRICING_CH_URL}/?max_execution_time=5`, {
      method: "POST",
      body: "SELECT 1",
      headers: {
        "X-ClickHouse-User": READONLY_USER,
        "X-ClickHouse-Key": databases.env.PRICING_CH_PASSWORD!,
      },
    });
    match(await direct.text(), /Code: 164/);

    // default PRICING_CH_READONLY (2): the profile is asked, nothing is sent
    const detected = await exportWith(readonlyEnv);
    assertEquals(detected.rows, 5);
    assertEquals(detected.costA, 2.75); // the same hand-computed answer as tests/export_test.ts
    assertEquals(detected.clickhouse.length, 2);
    for (const q of detected.clickhouse) {
      assertEquals(q.profile_readonly, "1", q.name);
      assertEquals(q.settings_sent, {}, q.name);
    }
    assertEquals(detected.noLimit, [
      "ClickHouse: no settings were sent (the user's profile is readonly=1 and refuses every setting), so no server-side time limit; each query waited at most PRICING_CH_REQUEST_TIMEOUT_SECONDS (150 s)",
    ]);

    // PRICING_CH_READONLY=off: the profile is not even asked, and no setting is sent
    const off = await exportWith({ ...readonlyEnv, PRICING_CH_READONLY: "off" });
    assertEquals(off.costA, 2.75);
    for (const q of off.clickhouse) {
      assertEquals(q.profile_readonly, null, q.name);
      assertEquals(q.settings_sent, {}, q.name);
    }
    assertEquals(off.noLimit.length, 1);
    match(off.noLimit[0], /\(PRICING_CH_READONLY=off\)/);

    // a readonly=2 profile takes the time limit but refuses readonly=1: readonly is not sent
    const two = await exportWith({
      ...databases.env,
      PRICING_CH_USER: READONLY_TWO_USER,
      PRICING_CH_READONLY: "1",
    });
    assertEquals(two.costA, 2.75);
    assertEquals(two.noLimit, []);
    for (const q of two.clickhouse) {
      assertEquals(q.profile_readonly, "2", q.name);
      assertEquals(q.settings_sent?.readonly, undefined, q.name);
      assertEquals(q.settings_sent?.max_execution_time, 120, q.name);
    }

    // PRICING_CH_READONLY=1 on a writable profile: readonly=1 is sent with the time limit
    const one = await exportWith({ ...databases.env, PRICING_CH_READONLY: "1" });
    assertEquals(one.costA, 2.75);
    for (const q of one.clickhouse) {
      assertEquals(q.profile_readonly, "0", q.name);
      assertEquals(q.settings_sent?.readonly, "1", q.name);
      assertEquals(q.settings_sent?.max_execution_time, 120, q.name);
    }

    // a user with a writable profile (0) gets readonly=2 and the time limit
    const writable = await exportWith(databases.env);
    for (const q of writable.clickhouse) {
      assertEquals(q.profile_readonly, "0", q.name);
      assertEquals(q.settings_sent?.readonly, "2", q.name);
      assertEquals(q.settings_sent?.max_execution_time, 120, q.name);
    }
  } finally {
    await databases.drop();
  }
});

Deno.test("a request timeout not above PRICING_CH_MAX_EXECUTION_SECONDS: a readonly=1 profile, sent no limit, exports; a profile sent max_execution_time is refused", async () => {
  const databases = await freshFixtureDatabases("ch_wait");
  try {
    // 60 s is below the execution limit (120 s by default), which a readonly=1 profile never gets
    const below = { ...databases.env, PRICING_CH_REQUEST_TIMEOUT_SECONDS: "60" };
    const readonlyOne = await exportWith({ ...below, PRICING_CH_USER: READONLY_USER });
    assertEquals(readonlyOne.costA, 2.75);
    for (const q of readonlyOne.clickhouse) assertEquals(q.settings_sent, {}, q.name);
    assertEquals(readonlyOne.noLimit, [
      "ClickHouse: no settings were sent (the user's profile is readonly=1 and refuses every setting), so no server-side time limit; each query waited at most PRICING_CH_REQUEST_TIMEOUT_SECONDS (60 s)",
    ]);
    // profiles that take max_execution_time (readonly=2, and 0: writable): refused in one line
    for (const [user, level] of [[READONLY_TWO_USER, "2"], [undefined, "0"]] as const) {
      const source = openClickHouse(
        clickHouseSettings({ ...below, ...(user ? { PRICING_CH_USER: user } : {}) })!,
      );
      try {
        await rejects(source.session(), {
          name: "UserError",
          message:
            `PRICING_CH_REQUEST_TIMEOUT_SECONDS=60 is not above PRICING_CH_MAX_EXECUTION_SECONDS=120, which this user's profile (readonly=${level}) takes as max_execution_time: it is how long the kit waits for an answer once the server's own limit should have ended the query, so below it a slow query is given up on as if the server were frozen; raise it or leave it unset (max execution + 30), or lower PRICING_CH_MAX_EXECUTION_SECONDS`,
        });
      } finally {
        await source.close();
      }
    }
    // the same through the export, at or below: nothing exported
    await rejects(
      exportWith({
        ...databases.env,
        PRICING_CH_USER: READONLY_TWO_USER,
        PRICING_CH_REQUEST_TIMEOUT_SECONDS: "10",
        PRICING_CH_MAX_EXECUTION_SECONDS: "10",
      }),
      /^UserError: PRICING_CH_REQUEST_TIMEOUT_SECONDS=10 is not above PRICING_CH_MAX_EXECUTION_SECONDS=10, which this user's profile \(readonly=2\) takes/,
    );
  } finally {
    await databases.drop();
  }
});

Deno.test("sessionSettings: a request timeout set at or below the execution limit is refused only when max_execution_time is sent", () => {
  const base = clickHouseSettings({
    PRICING_CH_URL: "http://127.0.0.1:8123",
    PRICING_CH_REQUEST_TIMEOUT_SECONDS: "120",
  })!;
  assertEquals(sessionSettings(base, "1"), {});
  assertEquals(sessionSettings({ ...base, readonly: "off" }, null), {});
  for (const profile of ["0", "2"]) {
    throws(() => sessionSettings(base, profile), {
      name: "UserError",
      message: new RegExp(
        `^PRICING_CH_REQUEST_TIMEOUT_SECONDS=120 is not above PRICING_CH_MAX_EXECUTION_SECONDS=120, which this user's profile \\(readonly=${profile}\\) takes as max_execution_time:`,
      ),
    });
  }
  // above it, or unset (its default stops at the longest timer, where the limit may be too)
  assertEquals(
    sessionSettings({ ...base, requestTimeoutSeconds: 121 }, "2").max_execution_time,
    120,
  );
  const longest = clickHouseSettings({
    PRICING_CH_URL: "http://127.0.0.1:8123",
    PRICING_CH_MAX_EXECUTION_SECONDS: "2147483",
  })!;
  assertEquals(longest.requestTimeoutSeconds, 2147483);
  assertEquals(sessionSettings(longest, "0").max_execution_time, 2147483);
});

Deno.test("a frozen ClickHouse names the query, host:port and the setting that bounds the wait", async () => {
  const server = await startClickHouse();
  const settings = clickHouseSettings({
    PRICING_CH_URL: server.url,
    PRICING_CH_USER: server.user,
    PRICING_CH_PASSWORD: server.password,
    PRICING_CH_REQUEST_TIMEOUT_SECONDS: "2",
    PRICING_CH_MAX_EXECUTION_SECONDS: "1",
  })!;
  const source = openClickHouse(settings);
  const frozen = new Deno.Command("kill", { args: ["-STOP", String(server.pid)] });
  try {
    // the session starts (profile asked) while the server is alive…
    const session = await source.session();
    assertEquals(session.profileReadonly, "0");
    // …then the server freezes: it accepts connections and never answers
    ok((await frozen.output()).success);
    const sql = await loadSql("clickhouse", "ptb_spend");
    const port = new URL(server.url).port;
    await rejects(source.query(sql, { ptb_table: "system.one" }), (error: Error) => {
      match(error.message, /^queries\/clickhouse\/ptb_spend\.sql: ClickHouse at 127\.0\.0\.1:/);
      ok(error.message.includes(`127.0.0.1:${port}`), error.message);
      match(error.message, /within 2 s, the wait PRICING_CH_REQUEST_TIMEOUT_SECONDS allows/);
      match(error.message, /max_execution_time=1 s \(PRICING_CH_MAX_EXECUTION_SECONDS\)/);
      ok(!error.message.includes(server.password), "no password");
      ok(!error.message.includes("\n"), "one line");
      return true;
    });
  } finally {
    await new Deno.Command("kill", { args: ["-CONT", String(server.pid)] }).output();
    await source.close();
    await server.stop();
  }
});

Deno.test("ClickHouse killed mid-query: the query named, the server gone, run again; not 'check PRICING_CH_URL'", async () => {
  const server = await startClickHouse();
  const settings = clickHouseSettings({
    PRICING_CH_URL: server.url,
    PRICING_CH_USER: server.user,
    PRICING_CH_PASSWORD: server.password,
  })!;
  const source = openClickHouse(settings);
  const mark = `pk_killed_${crypto.randomUUID().slice(0, 8)}`;
  // a block of system.numbers' 65,536 rows a second (18.16 sleeps once a block), streamed as it
  // goes: five minutes, so the kill meets it
  const text = `SELECT '${mark}' AS org_id, sleep(1) AS slept FROM system.numbers LIMIT ${
    300 * 65_536
  }`;
  const slow = { file: "slow.sql", text, sha256: "" };
  const running = async () => {
    const answer = await fetch(`${server.url}/`, {
      method: "POST",
      headers: { "X-ClickHouse-User": server.user, "X-ClickHouse-Key": server.password },
      body:
        `SELECT count() FROM system.processes WHERE query LIKE '%${mark}%' AND query NOT LIKE '%system.processes%'`,
    });
    return (await answer.text()).trim() === "1";
  };
  try {
    await source.session(); // the profile check: the server answered this run
    const query = source.query(slow, {});
    query.catch(() => {}); // (awaited below)
    await waitFor("the slow query to run", running);
    Deno.kill(server.pid!, "SIGKILL");
    const port = new URL(server.url).port;
    const gone = (what: string) =>
      `slow.sql failed on ClickHouse at 127.0.0.1:${port}, which answered the kit's first request: the connection was ${what}; the server restarted, crashed or failed over, or a proxy between cut the connection: run again once it is back`;
    // (killed before its first block was answered, the request may be sent again by the HTTP
    // client, whose pooled connection closed before any answer, and be refused)
    await rejects(query, (error: Error) => {
      assertEquals(error.name, "UserError");
      ok(
        [gone("closed mid-query (ECONNRESET)"), gone("refused (ECONNREFUSED)")].includes(
          error.message,
        ),
        error.message,
      );
      return true;
    });
    // the next query of the run, the server down: refused, and said so the same way
    await rejects(source.query(slow, {}), {
      name: "UserError",
      message: gone("refused (ECONNREFUSED)"),
    });
  } finally {
    await source.close();
    await server.stop();
  }
  // a server never reached is the URL's to check, as before
  const never = clickHouseSettings({ PRICING_CH_URL: server.url })!;
  const unreached = openClickHouse(never);
  try {
    await rejects(unreached.session(), {
      message: `cannot reach ClickHouse at 127.0.0.1:${
        new URL(server.url).port
      } (ECONNREFUSED) running queries/clickhouse/profile_readonly.sql; check PRICING_CH_URL`,
    });
  } finally {
    await unreached.close();
  }
});
