/**
 * The read-only gate every SQL tool of the MCP server passes a statement through before anything
 * runs it, and every query file as it is read (lib/sources/sql.ts loadSql): one statement, SELECT (or WITH … SELECT) only, no writing or file-reading keywords or functions.
 * Comments, string literals and quoted identifiers are blanked first, read as each engine reads
 * them (lib/sources/sql_lexing.ts), so a keyword inside a string neither trips the gate nor hides
 * from it. The databases enforce read-only themselves too (READ ONLY transactions, ClickHouse
 * readonly), but not all of it: readonly=2 lets KILL and url() run, a READ ONLY transaction
 * pg_read_file. This gate refuses those, in one clear line, before anything is sent. Only the lexer
 * is imported: the MCP server's Polars SQL process runs it too.
 *
 * A function of the database's own (a SECURITY DEFINER one too) passes: the gate reads names, not
 * function bodies, and no name tells a database's function from a built-in one. Its writes are the
 * READ ONLY transaction's to refuse, which holds for definer functions as for any (its owner's
 * privileges, the caller's transaction; tests/security_definer_test.ts, docs/mcp.md Safety).
 */

import {
  type LexedStatement,
  lexStatement,
  type SqlDialect,
  StatementRefused,
} from "./sql_lexing.ts";
import { hasSettingsKeyword, withoutTerminator } from "./statement_parts.ts";

export { type SqlDialect, StatementRefused };

/**
 * Statement words that change data, schema, settings or sessions, refused anywhere in a statement
 * but where a select list names a column (writeWordsUsed). (ClickHouse's SYSTEM statement
 * is not among them: no SELECT holds one, the first-word check refuses it, and the word names the
 * database of system.processes, system.columns, … that a model reads the schema from.)
 */
const WRITE_WORDS = [
  "INSERT",
  "UPDATE",
  "DELETE",
  "MERGE",
  "UPSERT",
  "DROP",
  "CREATE",
  "ALTER",
  "TRUNCATE",
  "RENAME",
  "GRANT",
  "REVOKE",
  "COPY",
  "ATTACH",
  "DETACH",
  "OPTIMIZE",
  "KILL",
  "SET",
  "RESET",
  "VACUUM",
  "ANALYZE",
  "CLUSTER",
  "REINDEX",
  "LOCK",
  "CALL",
  "DO",
  "EXECUTE",
  "PREPARE",
  "DEALLOCATE",
  "LISTEN",
  "NOTIFY",
  "UNLISTEN",
  "DISCARD",
  "COMMENT",
  "SECURITY",
  "REFRESH",
  "IMPORT",
  "INTO",
  "BEGIN",
  "COMMIT",
  "ROLLBACK",
  "SAVEPOINT",
  "RELEASE",
  "START",
  "CHECKPOINT",
  "LOAD",
  "INSTALL",
  "PRAGMA",
  "USE",
]; // deno-fmt-ignore

/**
 * PostgreSQL's functions that read files, reach other servers, run SQL given as text (past this
 * gate) or change something: PostgreSQL 15's volatile pg_catalog functions that do (pg_proc,
 * provolatile 'v'), pg_current_xact_id (stable, yet it assigns an xid), older servers' names and
 * common extensions'. Each a pattern for the name; reading ones of the same families
 * (pg_stat_get_*, pg_current_xact_id_if_assigned, txid_current_snapshot, currval) pass.
 */
const POSTGRES_REFUSED = [
  // files, other servers, SQL given as text
  "pg_read_\\w+", "pg_ls_\\w+", "pg_stat_file", "pg_file_\\w+", "pg_logdir_ls", "lo_\\w+", "loread",
  "lowrite", "dblink\\w*", "query_to_xml\\w*", "ts_stat", "ts_rewrite",
  // settings, signals, other sessions
  "set_config", "pg_cancel_backend", "pg_terminate_backend", "pg_reload_conf", "pg_rotate_logfile\\w*",
  "pg_log_backend_memory_contexts", "pg_promote",
  // locks, notifications, transaction ids, sequences
  "pg_advisory\\w*", "pg_try_advisory\\w*", "pg_notify", "txid_current", "pg_current_xact_id", "nextval",
  "setval",
  // WAL, backups, replication
  "pg_switch_wal", "pg_switch_xlog", "pg_wal_replay_\\w+", "pg_xlog_replay_\\w+", "pg_backup_\\w+",
  "pg_start_backup", "pg_stop_backup", "pg_create_\\w+", "pg_drop_\\w+", "pg_copy_\\w+",
  "pg_replication_slot_advance", "pg_replication_origin_\\w+", "pg_logical_\\w+", "pg_export_snapshot",
  // statistics, indexes, catalogs
  "pg_stat_reset\\w*", "pg_stat_statements_reset", "pg_stat_force_next_flush", "brin_\\w*summarize\\w*", "gin_clean_pending_list",
  "pg_import_system_collations", "pg_extension_config_dump", "pg_nextoid",
  "pg_stop_making_pinned_objects", "binary_upgrade_\\w+", "pg_prewarm", "pg_truncate_visibility_map",
  // newer servers' (PostgreSQL 16, 17)
  "pg_log_standby_snapshot", "pg_sync_replication_slots",
  // extensions that reach other servers from inside the READ ONLY transaction or run SQL outside
  // it: pgsql-http (Supabase's `http`: http_get, http_post, …), pg_net (net.http_get),
  // pg_background (a worker's own, writable transaction), aws_s3's query export
  "http", "http_\\w+", "pg_background_\\w+", "query_export_to_s3",
]; // deno-fmt-ignore

/**
 * Characters an engine reads as a space that JavaScript's \s does not match: Polars (sqlparser,
 * Rust's char::is_whitespace) reads U+0085 so, modern ClickHouse (chdb 26.7: its UTF-8 spaces)
 * U+0085, U+180E, U+200B–U+200D and U+2060. The checks here match a call as a name, \s*, then
 * `(`: `read_csv\u0085(…)` read a file past them. A regular expression's character class body.
 */
export const ENGINE_ONLY_SPACES = "\u0085\u180e\u200b-\u200d\u2060";
const ENGINE_ONLY_SPACE = new RegExp(`[${ENGINE_ONLY_SPACES}]`);

/** Functions that read files, reach other servers or have side effects, per dialect. */
const REFUSED_FUNCTIONS: Record<SqlDialect, RegExp> = {
  // (or a qualified name's first part: Polars calls read_csv.x(…) as read_csv(…))
  polars: /\b(read_\w+|scan_\w+)\s*[(.]/i,
  postgres: new RegExp(`\\b(${POSTGRES_REFUSED.join("|")})\\s*\\(`, "i"),
  // (families with \w*: modern servers add variants per storage and a …Cluster of each;
  // filesystem() reads files as file() does, eval() runs a SELECT made from text past this gate,
  // 18.16's shardByHash() reads a cluster's shard as cluster() does and catBoostPool() files;
  // tests/clickhouse_table_functions_test.ts holds every table function each version lists to it;
  // of the other functions, 18.16's hasColumnInTable('host:port', …) connects the database server
  // to any host and port, and modern servers' generateSerialID() advances a Keeper counter)
  clickhouse:
    /\b(file|fileCluster|filesystem|url|urlCluster|s3\w*|gcs\w*|oss\w*|cosn|hdfs\w*|remote\w*|cluster\w*|shardByHash|mysql|postgresql|mongodb|redis|jdbc|odbc|sqlite|executable\w*|input|azureBlobStorage\w*|deltaLake\w*|iceberg\w*|hudi\w*|paimon\w*|ytsaurus|arrowFlight|fuzzJSON|fuzzQuery|dictionary|hive|catboostEvaluate|catBoostPool|eval|hasColumnInTable|generateSerialID)\s*\(/i,
};

/**
 * The statement, trimmed and without its terminating semicolons (and comments after them, as a
 * query file), or a StatementRefused saying in one line what is wrong and what is allowed.
 */
export function checkReadOnlySelect(sql: string, dialect: SqlDialect): string {
  const trimmed = withoutTerminator(sql.trim(), dialect).trim();
  if (trimmed === "") throw new StatementRefused("empty statement; send one SELECT statement");
  // (where the statement starts in `sql`: a refusal names a character as the caller counts it)
  const start = sql.length - sql.trimStart().length;
  const checkReading = (lexed: LexedStatement) => checkLexed(lexed, { dialect, start });
  checkReading(lexStatement(trimmed, { dialect }));
  // PostgreSQL reads a backslash in '…' by a server setting (standard_conforming_strings, on by
  // default): read with it off as well, both readings must pass
  if (dialect === "postgres" && trimmed.includes("\\")) {
    try {
      checkReading(lexStatement(trimmed, { dialect, legacyStrings: true }));
    } catch (error) {
      if (!(error instanceof StatementRefused)) throw error;
      throw new StatementRefused(
        `${error.message} (reading a backslash in '…' as an escape, as PostgreSQL does with ` +
          "standard_conforming_strings off; write backslashes in E'…' strings)",
      );
    }
  }
  return trimmed;
}

/** The gate's checks over one reading of the statement, which starts at `start` of the text sent. */
function checkLexed(
  { code, names }: LexedStatement,
  { dialect, start }: { dialect: SqlDialect; start: number },
): void {
  if (code.includes(";")) {
    throw new StatementRefused("only one statement is allowed; remove the ; between statements");
  }
  checkParentheses(code, start);
  // (in `code`, strings, quoted names and comments are blanked: there such a character is text)
  const space = ENGINE_ONLY_SPACE.exec(code)?.[0];
  if (space !== undefined) {
    const shown = `U+${space.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    throw new StatementRefused(
      `${shown} is refused outside strings, quoted names and comments: Polars or ClickHouse reads it as a space, which can hide a function's name from this check; write an ASCII space`,
    );
  }
  // PostgreSQL decodes U&"…" names (U&"pg\005fread_file" is pg_read_file): the function check
  // below would read them undecoded (strings and comments are blanked in `code`)
  if (dialect === "postgres" && /\bU&"/i.test(code)) {
    throw new StatementRefused(
      'U&"…" names are refused: their escapes can spell a name the gate does not see; write the name plain or in "…"',
    );
  }
  // ClickHouse decodes backslash escapes in `…` and "…" names (`\x66ile` is file); in `names` a
  // backslash can only come from a quoted name (strings and comments are blanked)
  if (dialect === "clickhouse" && names.includes("\\")) {
    throw new StatementRefused(
      "a backslash in a quoted name is refused: ClickHouse reads it as an escape, which can spell a name the gate does not see; write the name without one",
    );
  }
  const first = /^[\s(]*([A-Za-z]+)/.exec(code)?.[1]?.toUpperCase();
  if (first !== "SELECT" && first !== "WITH") {
    throw new StatementRefused(
      `only SELECT statements are allowed (read-only); ${first ?? "this statement"} is refused`,
    );
  }
  const words = writeWordsUsed(code);
  const write = WRITE_WORDS.find((w) => words.has(w));
  if (write) {
    throw new StatementRefused(
      `only read-only SELECT statements are allowed; ${write} is refused (nothing is ever written; quote a column or table named ${write.toLowerCase()})`,
    );
  }
  // ClickHouse applies a query's SETTINGS over the session's: readonly, max_execution_time and
  // max_memory_usage would be the statement's to lift. And a readonly=1 profile refuses every
  // setting sent with a query, so a clause that ran on the test servers failed only there.
  if (dialect === "clickhouse" && hasSettingsKeyword(code)) {
    throw new StatementRefused(
      "a SETTINGS clause is refused: the session's limits (readonly, max_execution_time) hold for every statement, and a readonly=1 profile refuses every setting sent with a query; remove it (quote a column named settings as `settings`)",
    );
  }
  const fn = REFUSED_FUNCTIONS[dialect].exec(names)?.[1];
  if (fn) {
    // read_…/scan_… before "(" or "." is refused whatever it names (Polars calls a qualified name's
    // first part), so an alias spelled so is refused too: say how to get past it
    const aliasFix = /^(read|scan)_/i.test(fn)
      ? `; a table or alias named ${fn} is refused too: rename it`
      : "";
    throw new StatementRefused(
      `function ${fn}() is refused: it reads files, reaches other servers or has side effects${aliasFix}`,
    );
  }
}

/**
 * Refuses a statement whose parentheses do not balance in `code` (strings, quoted names and
 * comments blanked). The SQL tools wrap a statement as `SELECT * FROM (\n…\n) LIMIT n`: an
 * unbalanced one (`SELECT … FROM t) UNION ALL SELECT 1 WHERE 1 IN (SELECT 1`) closes the wrapper's
 * parenthesis itself and leaves a SELECT outside the LIMIT (ClickHouse limits each SELECT of a
 * UNION on its own). No engine runs an unbalanced statement on its own, so nothing valid is lost.
 */
function checkParentheses(code: string, start: number): void {
  const balance = "the statement must balance its parentheses (those inside strings, quoted " +
    "names and comments do not count)";
  let open = 0;
  for (let i = 0; i < code.length; i++) {
    if (code[i] === "(") open++;
    else if (code[i] === ")" && --open < 0) {
      throw new StatementRefused(
        `unbalanced parentheses: the ) at character ${start + i + 1} closes no (; ${balance}`,
      );
    }
  }
  if (open > 0) {
    throw new StatementRefused(`unbalanced parentheses: ${open} ( left unclosed; ${balance}`);
  }
}

/**
 * The write words (WRITE_WORDS) in a statement's `code` reading, but those that stand where a
 * select list names a column or its alias: `SELECT start, o.comment AS c, x AS load FROM …`.
 * There, after SELECT, DISTINCT, AS or a comma (a table's name and a dot may come between) and
 * before a comma, AS or FROM, no engine's grammar has a write word: a statement or a
 * data-modifying WITH body starts at the beginning or after `(` (`AS (DELETE …)`), and FOR
 * UPDATE, ON CONFLICT DO and UPDATE … SET follow other words. INTO always counts: `SELECT INTO
 * t FROM …` (an empty select list) writes a table.
 */
function writeWordsUsed(code: string): Set<string> {
  const used = new Set<string>();
  for (const match of code.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const word = match[0].toUpperCase();
    if (used.has(word) || !WRITE_WORD_SET.has(word)) continue;
    const end = match.index + word.length;
    if (word !== "INTO" && columnListedAfter(code, match.index) && columnEndsAt(code, end)) {
      continue;
    }
    used.add(word);
  }
  return used;
}

const WRITE_WORD_SET = new Set(WRITE_WORDS);

/** What ends a select list's column: a comma, AS or FROM (the latter two as whole words). */
const COLUMN_END = /\s*(?:,|(?:AS|FROM)(?![\w$\u0080-\uffff]))/iy;

function columnEndsAt(code: string, end: number): boolean {
  COLUMN_END.lastIndex = end;
  return COLUMN_END.test(code);
}

/** A qualifier's names at most before a column (`schema.table.column`): a bound on the look back. */
const MAX_QUALIFIERS = 4;

const isNamePart = (c: string | undefined) => c !== undefined && /[\w$\u0080-\uffff]/.test(c);

/**
 * Whether the word at `start` of `code` follows SELECT, DISTINCT, AS or a comma, with at most
 * MAX_QUALIFIERS names and dots between.
 */
function columnListedAfter(code: string, start: number): boolean {
  let i = start;
  for (let qualifiers = 0; qualifiers <= MAX_QUALIFIERS; qualifiers++) {
    while (i > 0 && /\s/.test(code[i - 1])) i--;
    if (code[i - 1] === ",") return true;
    if (code[i - 1] !== ".") {
      let wordStart = i;
      while (wordStart > 0 && isNamePart(code[wordStart - 1])) wordStart--;
      // (the keyword, not a column of that name: `t.select`)
      let before = wordStart;
      while (before > 0 && /\s/.test(code[before - 1])) before--;
      return /^(?:SELECT|DISTINCT|AS)$/i.test(code.slice(wordStart, i)) && code[before - 1] !== ".";
    }
    // the qualifier before the dot: a name, or a quoted one (in `code`, its opening quote and
    // blanks: the blanks were just passed)
    i--;
    while (i > 0 && /\s/.test(code[i - 1])) i--;
    if (code[i - 1] === '"' || code[i - 1] === "`") i--;
    else {
      const nameEnd = i;
      while (i > 0 && isNamePart(code[i - 1])) i--;
      if (i === nameEnd || !/[A-Za-z_\u0080-\uffff]/.test(code[i])) return false;
    }
  }
  return false;
}
