/**
 * The read-only gate every SQL tool passes a statement through before anything runs it: one
 * statement, SELECT (or WITH … SELECT) only, no writing or file-reading keywords or functions.
 * Comments, string literals and quoted identifiers are blanked first, read as each engine reads
 * them (lib/sources/sql_lexing.ts), so a keyword inside a string neither trips the gate nor hides
 * from it. The databases enforce read-only themselves too
 * (READ ONLY transactions, ClickHouse readonly); this gate gives one clear line before they must.
 */

import {
  type LexedStatement,
  lexStatement,
  type SqlDialect,
  StatementRefused,
} from "../sources/sql_lexing.ts";
import { hasSettingsKeyword, withoutTerminator } from "../sources/statement_parts.ts";

export { type SqlDialect, StatementRefused };

/**
 * Statement words that change data, schema, settings or sessions. (ClickHouse's SYSTEM statement
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

/** Functions that read files, reach other servers or have side effects, per dialect. */
const REFUSED_FUNCTIONS: Record<SqlDialect, RegExp> = {
  polars: /\b(read_\w+|scan_\w+)\s*\(/i,
  postgres:
    /\b(pg_read_file|pg_read_binary_file|pg_ls_\w+|pg_stat_file|lo_\w+|dblink\w*|pg_terminate_backend|pg_cancel_backend|set_config|pg_reload_conf|pg_rotate_logfile|pg_switch_wal|pg_create_\w+|pg_drop_\w+|pg_advisory\w*|txid_\w+|nextval|setval|query_to_xml\w*|pg_notify)\s*\(/i,
  clickhouse:
    /\b(file|url|urlCluster|s3|s3Cluster|gcs|hdfs|remote|remoteSecure|cluster|clusterAllReplicas|mysql|postgresql|mongodb|redis|jdbc|odbc|sqlite|executable|input|azureBlobStorage\w*|deltaLake|iceberg\w*|hudi|fuzzJSON|dictionary)\s*\(/i,
};

/**
 * The statement, trimmed and without its terminating semicolons (and comments after them, as a
 * query file), or a StatementRefused saying in one line what is wrong and what is allowed.
 */
export function checkReadOnlySelect(sql: string, dialect: SqlDialect): string {
  const trimmed = withoutTerminator(sql.trim(), dialect).trim();
  if (trimmed === "") throw new StatementRefused("empty statement; send one SELECT statement");
  checkReading(lexStatement(trimmed, { dialect }), dialect);
  // PostgreSQL reads a backslash in '…' by a server setting (standard_conforming_strings, on by
  // default): read with it off as well, both readings must pass
  if (dialect === "postgres" && trimmed.includes("\\")) {
    try {
      checkReading(lexStatement(trimmed, { dialect, legacyStrings: true }), dialect);
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

/** The gate's checks over one reading of the statement. */
function checkReading({ code, names }: LexedStatement, dialect: SqlDialect): void {
  if (code.includes(";")) {
    throw new StatementRefused("only one statement is allowed; remove the ; between statements");
  }
  const first = /^[\s(]*([A-Za-z]+)/.exec(code)?.[1]?.toUpperCase();
  if (first !== "SELECT" && first !== "WITH") {
    throw new StatementRefused(
      `only SELECT statements are allowed (read-only); ${first ?? "this statement"} is refused`,
    );
  }
  const words = new Set(code.toUpperCase().match(/[A-Z_][A-Z0-9_]*/g) ?? []);
  const write = WRITE_WORDS.find((w) => words.has(w));
  if (write) {
    throw new StatementRefused(
      `only read-only SELECT statements are allowed; ${write} is refused (nothing is ever written)`,
    );
  }
  // ClickHouse applies a query's SETTINGS over the session's: readonly, max_execution_time and
  // max_memory_usage would be the statement's to lift
  if (dialect === "clickhouse" && hasSettingsKeyword(code)) {
    throw new StatementRefused(
      "a SETTINGS clause is refused: the session's limits (readonly, max_execution_time) hold for every statement; remove it (quote a column named settings as `settings`)",
    );
  }
  const fn = REFUSED_FUNCTIONS[dialect].exec(names)?.[1];
  if (fn) {
    throw new StatementRefused(
      `function ${fn}() is refused: it reads files, reaches other servers or has side effects`,
    );
  }
}
