/**
 * lib/sources/clickhouse.ts on real ClickHouse 18.16 servers: a user whose profile is readonly=1
 * exports (only the settings the profile allows are sent, and the manifest says which), and a
 * frozen server is reported with the query, the server and the setting that bounds the wait
 * (issue 10 items 9 and 10).
 */
import { deepStrictEqual as assertEquals, match, ok, rejects, throws } from "node:assert/strict";
import { clickHouseSettings } from "../lib/core/config.ts";
import { openClickHouse, sessionSettings } from "../lib/sources/clickhouse.ts";
import { clickHouseError } from "../lib/sources/clickhouse_errors.ts";
import { loadSql } from "../lib/sources/sql.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import {
  DEFAULT_DATABASE_USER,
  READONLY_TWO_USER,
  READONLY_USER,
  startClickHouse,
} from "./servers.ts";
import { quietLiveExport } from "./live_export.ts";
import { testServers } from "./env.ts";
import { tlsProxy } from "./tls_proxy.ts";
import { waitFor } from "./slow_queries.ts";

const asOf = new Date("2026-11-01T00:00:00Z");
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

/** Web servers on loopback that answer every request alike, none of them ClickHouse. */
function fakeServers() {
  const serve = (answer: () => Response) =>
    Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, answer);
  const page = "<html><body><h1>502 Bad Gateway</h1></body></html>\n";
  const servers = {
    "404 and an empty body": serve(() => new Response(null, { status: 404 })),
    "502 and an HTML page": serve(() =>
      new Response(page, { status: 502, headers: { "content-type": "text/html" } })
    ),
    "200 and an HTML page": serve(() =>
      new Response("<!doctype html><html><body>Login</body></html>", {
        status: 200,
        headers: { "content-type": "text/html" },
      })
    ),
  };
  return {
    servers,
    stop: () => Promise.all(Object.values(servers).map((server) => server.shutdown())),
  };
}

Deno.test("a PRICING_CH_URL that is not ClickHouse is said so with its HTTP status, never its page", async () => {
  const fakes = fakeServers();
  const sql = await loadSql("clickhouse", "ptb_spend");
  try {
    for (const [answer, server] of Object.entries(fakes.servers)) {
      const url = `http://127.0.0.1:${server.addr.port}`;
      // the profile check is the first request: it tells
      const checked = openClickHouse(clickHouseSettings({ PRICING_CH_URL: url })!);
      await rejects(checked.session(), (error: Error) => {
        assertEquals(
          error.message,
          `the server at 127.0.0.1:${server.addr.port} is not ClickHouse: it answered the kit's first request (the profile check) with HTTP ${answer}, without ClickHouse's X-ClickHouse-* headers; is PRICING_CH_URL a ClickHouse HTTP port (8123, or 8443 with TLS)?`,
        );
        return true;
      });
      await checked.close();
      // without the profile check (PRICING_CH_READONLY=off), the query itself tells
      const unchecked = openClickHouse(
        clickHouseSettings({ PRICING_CH_URL: url, PRICING_CH_READONLY: "off" })!,
      );
      await rejects(
        unchecked.queryFrame(sql, { ptb_table: "system.one" }, { org_id: "string" }),
        (error: Error) => {
          match(error.message, /^the server at 127\.0\.0\.1:\d+ (is not ClickHouse|answered)/);
          ok(error.message.includes("queries/clickhouse/ptb_spend.sql"), error.message);
          match(error.message, /is PRICING_CH_URL a ClickHouse HTTP port/);
          ok(!error.message.includes("<"), `no page: ${error.message}`);
          ok(!error.message.includes("no column"), error.message);
          return true;
        },
      );
      await unchecked.close();
    }
  } finally {
    await fakes.stop();
  }
});

Deno.test("a port that accepts and never answers: the first request, the profile check, is named", async () => {
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  const source = openClickHouse(
    clickHouseSettings({
      PRICING_CH_URL: `http://127.0.0.1:${port}`,
      PRICING_CH_REQUEST_TIMEOUT_SECONDS: "2",
      PRICING_CH_MAX_EXECUTION_SECONDS: "1",
    })!,
  );
  try {
    await rejects(source.session(), (error: Error) => {
      assertEquals(
        error.message,
        `ClickHouse at 127.0.0.1:${port} gave no answer to the kit's first request (the profile check, queries/clickhouse/profile_readonly.sql) within 2 s, the wait PRICING_CH_REQUEST_TIMEOUT_SECONDS allows; the server may be frozen or overloaded, or PRICING_CH_URL names a port that accepts connections but is not ClickHouse's HTTP port`,
      );
      return true;
    });
  } finally {
    await source.close();
    for (const conn of held) conn.close();
    listener.close();
    await accepting.catch(() => {});
  }
});

Deno.test("wrong credentials given in PRICING_CH_URL are blamed on PRICING_CH_URL", async () => {
  const { chUrl, chUser } = testServers();
  const url = new URL(chUrl);
  url.username = chUser;
  url.password = "Wrong-pw-4821";
  const source = openClickHouse(
    clickHouseSettings({ PRICING_CH_URL: url.toString().replace(/\/$/, "") })!,
  );
  try {
    await rejects(source.session(), (error: Error) => {
      assertEquals(
        error.message,
        `ClickHouse rejected the credentials (user from PRICING_CH_URL, password from PRICING_CH_URL) at ${url.host}`,
      );
      return true;
    });
  } finally {
    await source.close();
  }
});

/** The one line a live export fails with under `env`. */
async function exportError(env: Record<string, string | undefined>): Promise<string> {
  const outDir = await Deno.makeTempDir();
  try {
    await quietLiveExport({ env, outDir, formats: ["csv"], asOf });
  } catch (error) {
    const message = (error as Error).message;
    ok(!message.includes("\n"), `one line: ${message}`);
    ok(!message.includes(String(env.PRICING_CH_PASSWORD)), "no password");
    return message;
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
  throw new Error("the export did not fail");
}

Deno.test("a database or table setting ClickHouse cannot find or allow is named, not the query behind it", async () => {
  const databases = await freshFixtureDatabases("ch_objects");
  const server = new URL(databases.env.PRICING_CH_URL!).host;
  const database = databases.env.PRICING_CH_DATABASE!;
  try {
    // the profile check fails first (it was blamed: profile_readonly_legacy.sql); without it
    // (PRICING_CH_READONLY=off) the query does, with the same line
    for (const readonly of ["2", "off"]) {
      assertEquals(
        await exportError({
          ...databases.env,
          PRICING_CH_DATABASE: "nosuch",
          PRICING_CH_READONLY: readonly,
        }),
        `the ClickHouse database in PRICING_CH_DATABASE (nosuch) does not exist at ${server}; set PRICING_CH_DATABASE to the database that holds the requests and PTB spend tables`,
      );
    }
    // a name with a blank (a .env value's trailing blank): 18.16 quotes it in its message, which
    // was then blamed on the profile check's query file
    assertEquals(
      await exportError({ ...databases.env, PRICING_CH_DATABASE: `${database} ` }),
      `the ClickHouse database in PRICING_CH_DATABASE (${database} ) does not exist at ${server}; set PRICING_CH_DATABASE to the database that holds the requests and PTB spend tables`,
    );
    // a user whose users.xml allow_databases leaves this database out
    assertEquals(
      await exportError({ ...databases.env, PRICING_CH_USER: DEFAULT_DATABASE_USER }),
      `the ClickHouse user ${DEFAULT_DATABASE_USER} may not read the database in PRICING_CH_DATABASE (${database}) at ${server}; set PRICING_CH_DATABASE to a database the user is allowed (users.xml allow_databases, or its grants), or use a user allowed this one`,
    );
    // its PTB table's database is not allowed (its usage query, replaced, reads nothing)
    const allowedUsage = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${allowedUsage}/clickhouse`);
      await Deno.writeTextFile(
        `${allowedUsage}/clickhouse/usage_30d.sql`,
        `SELECT '' AS org_id, 0 AS requests_30d, 0 AS ptb_requests_30d, 0 AS byok_requests_30d,
  0 AS prompts_used_30d, '0' AS llm_cost_nano, '0' AS llm_cost_ptb_nano, '0' AS llm_cost_byok_nano
FROM system.one WHERE dummy = 1`,
      );
      assertEquals(
        await exportError({
          ...databases.env,
          PRICING_CH_USER: DEFAULT_DATABASE_USER,
          PRICING_CH_DATABASE: "default",
          PRICING_CH_PTB_TABLE: `${database}.organization_ptb_spend`,
          PRICING_QUERIES_DIR: allowedUsage,
        }),
        `the ClickHouse user ${DEFAULT_DATABASE_USER} may not read the database of PRICING_CH_PTB_TABLE (${database}.organization_ptb_spend) at ${server}; set PRICING_CH_PTB_TABLE to the PTB spend table (table, or database.table), or PRICING_CH_DATABASE (default) to the database that holds it, one the user is allowed`,
      );
    } finally {
      await Deno.remove(allowedUsage, { recursive: true });
    }
    assertEquals(
      await exportError({ ...databases.env, PRICING_CH_REQUEST_TABLE: "nosuch" }),
      `the ClickHouse table in PRICING_CH_REQUEST_TABLE (nosuch) does not exist at ${server} (looked for ${database}.nosuch); set PRICING_CH_REQUEST_TABLE to the requests table (table, or database.table), or PRICING_CH_DATABASE (${database}) to the database that holds it`,
    );
    assertEquals(
      await exportError({ ...databases.env, PRICING_CH_PTB_TABLE: "nodb.spend" }),
      `the ClickHouse database of PRICING_CH_PTB_TABLE (nodb.spend) does not exist at ${server}; set PRICING_CH_PTB_TABLE to the PTB spend table (table, or database.table), or PRICING_CH_DATABASE (${database}) to the database that holds it`,
    );
    // a table only a query file of one's own names: the file is blamed, with the server's words
    const queriesDir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${queriesDir}/clickhouse`);
      await Deno.writeTextFile(
        `${queriesDir}/clickhouse/ptb_spend.sql`,
        "SELECT '' AS org_id, '0' AS ptb_spend_nano FROM elsewhere",
      );
      assertEquals(
        await exportError({ ...databases.env, PRICING_QUERIES_DIR: queriesDir }),
        `${queriesDir}/clickhouse/ptb_spend.sql failed on ClickHouse at ${server}: Table ${database}.elsewhere doesn't exist; fix the query, or PRICING_CH_DATABASE (${database}) if the table is in another database`,
      );
    } finally {
      await Deno.remove(queriesDir, { recursive: true });
    }
  } finally {
    await databases.drop();
  }
});

Deno.test("a requests table without a column the usage query reads names the setting, not Code 47", async () => {
  const databases = await freshFixtureDatabases("ch_columns", {
    postgres: ["postgres_schema.sql", "postgres_data.sql"],
    clickhouse: [
      "clickhouse_schema.sql",
      "clickhouse_data.sql",
      "clickhouse_requests_before_cache_reference.sql",
    ],
  });
  const server = new URL(databases.env.PRICING_CH_URL!).host;
  const database = databases.env.PRICING_CH_DATABASE!;
  try {
    assertEquals(
      await exportError({
        ...databases.env,
        PRICING_CH_REQUEST_TABLE: "request_response_before_cache",
      }),
      `the ClickHouse table in PRICING_CH_REQUEST_TABLE (request_response_before_cache, read as ${database}.request_response_before_cache) at ${server} has no column cache_reference_id, which queries/clickhouse/usage_30d.sql reads: set PRICING_CH_REQUEST_TABLE to the requests table (table, or database.table) with production's columns, or for a table of your own schema read it with a usage_30d.sql of your own in PRICING_QUERIES_DIR`,
    );
  } finally {
    await databases.drop();
  }
});

Deno.test("a query readonly forbids is said so; PRICING_CH_READONLY=off is advised only when settings were refused", async () => {
  const databases = await freshFixtureDatabases("ch_readonly_query");
  const server = new URL(databases.env.PRICING_CH_URL!).host;
  const queriesDir = await Deno.makeTempDir();
  const file = `${queriesDir}/clickhouse/usage_30d.sql`;
  try {
    await Deno.mkdir(`${queriesDir}/clickhouse`);
    // a table function: readonly=1 forbids it, whatever the settings
    await Deno.writeTextFile(file, "SELECT toString(number) AS org_id FROM numbers(1)");
    const env = { ...databases.env, PRICING_QUERIES_DIR: queriesDir };
    // a readonly=1 profile, nothing sent: 'refuses the settings sent (none); set
    // PRICING_CH_READONLY=off' before, which could not help
    assertEquals(
      await exportError({ ...env, PRICING_CH_USER: READONLY_USER }),
      `${file} does something ClickHouse forbids in read-only mode at ${server}, under the user's profile (no settings were sent): Table functions are forbidden in readonly mode; change the query`,
    );
    // readonly=1 sent by the kit to a writable profile: readonly=2 still reads only
    assertEquals(
      await exportError({ ...env, PRICING_CH_READONLY: "1" }),
      `${file} does something ClickHouse forbids in read-only mode at ${server}, at readonly=1, which the kit sent (PRICING_CH_READONLY=1): Table functions are forbidden in readonly mode; change the query; or set PRICING_CH_READONLY=2, which allows table functions and still only reads`,
    );
  } finally {
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
  // a setting refused (the profile changed since the kit asked it): the settings are to blame
  const settings = clickHouseSettings({ PRICING_CH_URL: "http://127.0.0.1:8123" })!;
  const refusal = new Error(
    "Code: 164, e.displayText() = DB::Exception: Cannot modify 'max_execution_time' setting in readonly mode, e.what() = DB::Exception",
  );
  assertEquals(
    clickHouseError(refusal, {
      settings,
      file: "queries/clickhouse/ptb_spend.sql",
      sent: { max_execution_time: 120, readonly: "2" },
      probe: false,
    }).message,
    "queries/clickhouse/ptb_spend.sql: the ClickHouse user's profile at 127.0.0.1:8123 refuses the settings sent (max_execution_time, readonly); set PRICING_CH_READONLY=off: Cannot modify 'max_execution_time' setting in readonly mode",
  );
});

Deno.test("modern servers' errors (parsed by the client) name the setting too", () => {
  const settings = clickHouseSettings({
    PRICING_CH_URL: "https://ch.example.com:8443",
    PRICING_CH_DATABASE: "probe",
  })!;
  const context = { settings, file: "queries/clickhouse/usage_30d.sql", sent: {}, probe: false };
  // what @clickhouse/client makes of `Code: 60. DB::Exception: … (UNKNOWN_TABLE)`
  const parsed = (code: string, message: string) => Object.assign(new Error(message), { code });
  assertEquals(
    clickHouseError(
      parsed("60", "Unknown table expression identifier 'request_response_rmt' in scope SELECT "),
      context,
    ).message,
    "the ClickHouse table in PRICING_CH_REQUEST_TABLE (request_response_rmt) does not exist at ch.example.com:8443 (looked for probe.request_response_rmt); set PRICING_CH_REQUEST_TABLE to the requests table (table, or database.table), or PRICING_CH_DATABASE (probe) to the database that holds it",
  );
  assertEquals(
    clickHouseError(parsed("81", "Database `probe` does not exist. "), context).message,
    "the ClickHouse database in PRICING_CH_DATABASE (probe) does not exist at ch.example.com:8443; set PRICING_CH_DATABASE to the database that holds the requests and PTB spend tables",
  );
  // a name with a blank or a quote comes back quoted: it is the setting's all the same
  for (const [database, shown] of [["my db ", "`my db `"], ["a'b", "`a\\'b`"]]) {
    const quotedContext = {
      ...context,
      settings: clickHouseSettings({
        PRICING_CH_URL: "https://ch.example.com:8443",
        PRICING_CH_DATABASE: database,
      })!,
    };
    assertEquals(
      clickHouseError(parsed("81", `Database ${shown} does not exist. `), quotedContext).message,
      `the ClickHouse database in PRICING_CH_DATABASE (${database}) does not exist at ch.example.com:8443; set PRICING_CH_DATABASE to the database that holds the requests and PTB spend tables`,
    );
  }
  // a column the table has not: the analyzer's words, and those before it
  for (
    const words of [
      "Unknown expression identifier `cache_reference_id` in scope SELECT toString(organization_id)",
      "Missing columns: 'cache_reference_id' while processing query: 'SELECT …', required columns: 'cost' 'cache_reference_id'",
    ]
  ) {
    assertEquals(
      clickHouseError(parsed("47", words), context).message,
      "the ClickHouse table in PRICING_CH_REQUEST_TABLE (request_response_rmt, read as probe.request_response_rmt) at ch.example.com:8443 has no column cache_reference_id, which queries/clickhouse/usage_30d.sql reads: set PRICING_CH_REQUEST_TABLE to the requests table (table, or database.table) with production's columns, or for a table of your own schema read it with a usage_30d.sql of your own in PRICING_QUERIES_DIR",
    );
  }
  assertEquals(
    clickHouseError(parsed("47", "Missing columns: 'spend'"), {
      ...context,
      file: "/mine/clickhouse/ptb_spend.sql",
    }).message,
    "the ClickHouse table in PRICING_CH_PTB_TABLE (organization_ptb_spend, read as probe.organization_ptb_spend) at ch.example.com:8443 has no column spend, which /mine/clickhouse/ptb_spend.sql reads: set PRICING_CH_PTB_TABLE to the table that has it, or fix the query",
  );
  assertEquals(
    clickHouseError(parsed("164", "Table functions are forbidden in readonly mode. "), context)
      .message,
    "queries/clickhouse/usage_30d.sql does something ClickHouse forbids in read-only mode at ch.example.com:8443, under the user's profile (no settings were sent): Table functions are forbidden in readonly mode; change the query",
  );
});

Deno.test("https:// in PRICING_CH_URL for a plain HTTP port: one line naming the setting and the fix, not a query file", async () => {
  const { chUrl, chUser, chPassword } = testServers();
  const plain = new URL(chUrl);
  const source = openClickHouse(
    clickHouseSettings({
      PRICING_CH_URL: `https://${plain.host}`,
      PRICING_CH_USER: chUser,
      PRICING_CH_PASSWORD: chPassword,
    })!,
  );
  try {
    await rejects(source.session(), (error: Error) => {
      assertEquals(
        error.message,
        `ClickHouse at ${plain.host} does not speak TLS on that port, and PRICING_CH_URL says https://: use http:// for its HTTP port (8123) or the port of its HTTPS interface (8443)`,
      );
      return true;
    });
  } finally {
    await source.close();
  }
});

Deno.test("a ClickHouse certificate from a private CA: the refusal's advice, NODE_EXTRA_CA_CERTS, makes it trusted", async () => {
  const { chUrl, chUser, chPassword } = testServers();
  // ClickHouse behind TLS with a certificate of a CA no system trusts
  const proxy = await tlsProxy(chUrl);
  const env = {
    PRICING_CH_URL: `https://127.0.0.1:${proxy.port}`,
    PRICING_CH_USER: chUser,
    PRICING_CH_PASSWORD: chPassword,
  };
  const source = openClickHouse(clickHouseSettings(env)!);
  try {
    await rejects(source.session(), (error: Error) => {
      assertEquals(
        error.message,
        `ClickHouse's TLS certificate at 127.0.0.1:${proxy.port} was refused (unable to verify the first certificate); check the host name in PRICING_CH_URL, or trust the server's CA: start the kit with NODE_EXTRA_CA_CERTS=ca.pem in its environment (not in .env, which is read too late)`,
      );
      return true;
    });
    // The advice followed, in a process of its own (the variable is read once, at start): the
    // profile check, the first request, goes through. (DENO_CERT did not: the probe's report.)
    const modules = ["core/config.ts", "sources/clickhouse.ts"]
      .map((path) => new URL(`../lib/${path}`, import.meta.url).href);
    const script = `const { clickHouseSettings } = await import(${JSON.stringify(modules[0])});
      const { openClickHouse } = await import(${JSON.stringify(modules[1])});
      const source = openClickHouse(clickHouseSettings(Deno.env.toObject()));
      try { console.log((await source.session()).profileReadonly); }
      catch (e) { console.log(e.message); }
      finally { await source.close(); }`;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--config", new URL("../deno.json", import.meta.url).pathname, script],
      env: { ...env, NODE_EXTRA_CA_CERTS: proxy.caPath },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const [stdout, stderr] = [output.stdout, output.stderr].map((b) => new TextDecoder().decode(b));
    assertEquals(stdout, "0\n", `stderr: ${stderr}`);
  } finally {
    await source.close();
    await proxy.close();
  }
});

Deno.test("a query file's own SETTINGS may not lift read-only or the time limit; one it may not set is the query's to drop", async () => {
  const databases = await freshFixtureDatabases("ch_query_settings");
  const server = new URL(databases.env.PRICING_CH_URL!).host;
  const ptbSpend = await loadSql("clickhouse", "ptb_spend");
  const file = (text: string) => ({ file: "/q/clickhouse/ptb_spend.sql", text, sha256: "" });
  const params = { ptb_table: "organization_ptb_spend" };
  const writable = openClickHouse(clickHouseSettings(databases.env)!);
  const readonlyOne = openClickHouse(
    clickHouseSettings({ ...databases.env, PRICING_CH_READONLY: "1" })!,
  );
  try {
    // refused before anything is sent, naming the file and the setting (it ran at readonly=0
    // after the advice to set PRICING_CH_READONLY=off)
    for (
      const [clause, setting] of [
        ["SETTINGS readonly = 0", "readonly"],
        ["SETTINGS max_threads = 1, MAX_EXECUTION_TIME = 0", "MAX_EXECUTION_TIME"],
        ["SETTINGS timeout_overflow_mode = 'break'", "timeout_overflow_mode"],
        ["SETTINGS readonly", "readonly"],
        ["SETTINGS `readonly` = 0", "readonly"],
      ]
    ) {
      await rejects(writable.query(file(`${ptbSpend.text}${clause}\n`), params), {
        name: "UserError",
        message:
          `/q/clickhouse/ptb_spend.sql: its SETTINGS clause sets ${setting}, which the kit's read-only session holds for every query (PRICING_CH_READONLY, PRICING_CH_MAX_EXECUTION_SECONDS); remove ${setting} from the query`,
      });
    }
    // another setting, refused at readonly=1 (18.16 refuses the clause as a whole): the query's
    // clause is named, read-only stays on
    await rejects(readonlyOne.query(file(`${ptbSpend.text}SETTINGS max_threads = 1`), params), {
      name: "UserError",
      message:
        `/q/clickhouse/ptb_spend.sql: ClickHouse at ${server} refuses the query's own SETTINGS clause, as a read-only session does; remove it from the query: Cannot execute SET query in readonly mode`,
    });
    // system.settings is a table, not a clause
    assertEquals(
      await writable.query(
        file(
          "SELECT value AS v FROM system.settings WHERE name = 'max_threads' SETTINGS max_threads = 3",
        ),
        {},
      ),
      [{ v: "3" }],
    );
  } finally {
    await writable.close();
    await readonlyOne.close();
    await databases.drop();
  }
  // the probe's message: a query's own readonly is never blamed on the profile
  const refusal = new Error(
    "Code: 164, e.displayText() = DB::Exception: Cannot modify 'readonly' setting in readonly mode, e.what() = DB::Exception",
  );
  const message = clickHouseError(refusal, {
    settings: clickHouseSettings({ PRICING_CH_URL: "http://127.0.0.1:8123" })!,
    file: "q.sql",
    sent: { max_execution_time: 120, readonly: "2" },
    probe: false,
    querySettings: ["readonly"],
  }).message;
  assertEquals(
    message,
    "q.sql: ClickHouse at 127.0.0.1:8123 refuses the setting readonly in the query's own SETTINGS clause, as a read-only session does; remove it from the query: Cannot modify 'readonly' setting in readonly mode",
  );
});

Deno.test("a ClickHouse query file may end in ; and comments, as a PostgreSQL one; two statements are refused before sending", async () => {
  const databases = await freshFixtureDatabases("ch_terminator");
  const ptbSpend = await loadSql("clickhouse", "ptb_spend");
  const file = (text: string) => ({ file: "/q/clickhouse/ptb_spend.sql", text, sha256: "" });
  const params = { ptb_table: "organization_ptb_spend" };
  const source = openClickHouse(clickHouseSettings(databases.env)!);
  try {
    const plain = await source.query(ptbSpend, params);
    ok(plain.length > 0);
    for (const tail of [";\n-- end of query\n", "; /* end */ ;\n-- end", ";"]) {
      const sql = file(`${ptbSpend.text}${tail}`);
      assertEquals(await source.query(sql, params), plain, JSON.stringify(tail));
      const frame = await source.queryFrame(sql, params, { org_id: "string" });
      assertEquals(frame.height, plain.length);
    }
    await rejects(source.query(file("SELECT 1 AS x;\nSELECT 2 AS x; -- end"), {}), {
      name: "UserError",
      message:
        "/q/clickhouse/ptb_spend.sql holds 2 SQL statements; a query file must hold exactly one (remove the others and the ';' between them)",
    });
  } finally {
    await source.close();
    await databases.drop();
  }
});
