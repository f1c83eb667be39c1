/**
 * ClickHouse's errors in the kit's words: a database, table or column it cannot find or allow, a
 * query readonly forbids, modern servers' errors, a query file's own SETTINGS and statements;
 * each names the setting, not the query behind it.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { clickHouseSettings } from "../lib/core/config.ts";
import { openClickHouse } from "../lib/sources/clickhouse.ts";
import { clickHouseError } from "../lib/sources/clickhouse_errors.ts";
import { loadSql } from "../lib/sources/sql.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { DEFAULT_DATABASE_USER, READONLY_USER } from "./servers.ts";
import { quietLiveExport } from "./live_export.ts";
import { asOf } from "./clickhouse_fixture.ts";

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
  0 AS prompts_used_30d, '0' AS llm_cost_nano, '0' AS llm_cost_ptb_nano, '0' AS llm_cost_byok_nano,
  0 AS requests_cost_unknown_30d, 0 AS ptb_requests_cost_unknown_30d
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
