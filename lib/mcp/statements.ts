/**
 * The read-only gate every SQL tool passes a statement through before anything runs it: one
 * statement, SELECT (or WITH … SELECT) only, no writing or file-reading keywords or functions.
 * Comments, string literals and quoted identifiers are blanked first, so a keyword inside a
 * string neither trips the gate nor hides from it. The databases enforce read-only themselves too
 * (READ ONLY transactions, ClickHouse readonly); this gate gives one clear line before they must.
 */

export type SqlDialect = "polars" | "postgres" | "clickhouse";

export class StatementRefused extends Error {
  override name = "StatementRefused";
}

/** Statement words that change data, schema, settings or sessions. */
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
  "SYSTEM",
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

/** The text with comments, string literals and quoted identifiers blanked (same length). */
export function blankLiterals(sql: string, keepIdentifiers = false): string {
  let out = "";
  let i = 0;
  const blank = (text: string) => text.replace(/[^\n]/g, " ");
  while (i < sql.length) {
    const c = sql[i], next = sql[i + 1];
    let end = -1;
    if (c === "-" && next === "-") {
      end = sql.indexOf("\n", i);
      if (end < 0) end = sql.length;
    } else if (c === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2);
      if (close < 0) throw new StatementRefused("unclosed /* comment");
      end = close + 2;
    } else if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === "\\" && c === "'") j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      if (j >= sql.length) throw new StatementRefused(`unclosed ${c} quote`);
      end = j + 1;
    } else if (c === "$") {
      // PostgreSQL dollar quoting: $$…$$ or $tag$…$tag$
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        if (close < 0) throw new StatementRefused(`unclosed ${tag} quote`);
        end = close + tag.length;
      }
    }
    if (end > i && keepIdentifiers && (c === '"' || c === "`")) {
      // `"nextval"(…)` is a call of nextval: keep the name, drop the quotes
      out += ` ${sql.slice(i + 1, end - 1)} `;
      i = end;
    } else if (end > i) {
      out += c === "'" || c === '"' || c === "`" || c === "$"
        ? `${c}${blank(sql.slice(i + 1, end))}`
        : blank(sql.slice(i, end));
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * The statement, trimmed and without trailing semicolons, or a StatementRefused saying in one
 * line what is wrong and what is allowed.
 */
export function checkReadOnlySelect(sql: string, dialect: SqlDialect): string {
  const trimmed = sql.trim().replace(/[;\s]+$/, "");
  if (trimmed === "") throw new StatementRefused("empty statement; send one SELECT statement");
  const code = blankLiterals(trimmed);
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
  const fn = REFUSED_FUNCTIONS[dialect].exec(blankLiterals(trimmed, true))?.[1];
  if (fn) {
    throw new StatementRefused(
      `function ${fn}() is refused: it reads files, reaches other servers or has side effects`,
    );
  }
  return trimmed;
}
