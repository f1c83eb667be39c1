/**
 * How many SQL statements a query file holds, read the way its engine's lexer reads it
 * (lib/sources/sql_lexing.ts, the MCP gate's lexer): a `;` inside a string ('…', E'…' with
 * backslash escapes, $tag$…$tag$), a quoted identifier or a comment (-- …, /* … *\/) ends
 * nothing. A trailing `;` (and comments after it) is fine on both engines: it is cut before the
 * text is sent (withoutTerminator). Used to refuse a file with several statements, one the
 * read-only gate refuses (a ClickHouse SETTINGS clause among them), and a statement whose
 * SETTINGS clause would lift the kit's read-only session or time limit, before anything is sent.
 */
import { UserError } from "../core/config.ts";
import { lexStatement, type SqlDialect, StatementRefused } from "./sql_lexing.ts";
import { settingsClauseWords, withoutTerminator } from "./statement_parts.ts";
import { checkReadOnlySelect } from "./statement_gate.ts";

export { withoutTerminator };

/**
 * The number of non-empty statements in `text`; StatementRefused where the engine's reading is
 * not certain (an unclosed string or comment, say).
 */
export function countStatements(text: string, dialect: SqlDialect = "postgres"): number {
  const { code } = lexStatement(text, { dialect });
  return code.split(";").filter((part) => part.trim() !== "").length;
}

export interface OneStatementOptions {
  /** whose SQL the text is, for how its strings and comments are read */
  dialect?: SqlDialect;
}

/** Refuses a query file that is not exactly one statement, naming the file. */
export function assertOneStatement(
  file: string,
  text: string,
  { dialect = "postgres" }: OneStatementOptions = {},
): void {
  let statements: number;
  try {
    statements = countStatements(text, dialect);
  } catch (error) {
    if (error instanceof StatementRefused) throw new UserError(`${file}: ${error.message}`);
    throw error;
  }
  if (statements === 1) return;
  throw new UserError(
    statements === 0
      ? `${file} holds no SQL statement; a query file must hold exactly one SELECT`
      : `${file} holds ${statements} SQL statements; a query file must hold exactly one (remove the others and the ';' between them)`,
  );
}

/**
 * Refuses a query file the read-only gate refuses (lib/sources/statement_gate.ts, database_sql's
 * rules: one SELECT, no write, KILL or SET words, no file-reading or server-reaching functions
 * such as url() or pg_read_file()), naming the file and, for one from PRICING_QUERIES_DIR,
 * where it came from. The databases' read-only sessions let KILL, url() and pg_read_file run.
 * A statement count past one is said as assertOneStatement says it. A ClickHouse SETTINGS clause
 * is refused too: a readonly=1 profile refuses every setting sent with a query, so a file that
 * ran on a test server would fail only on production.
 */
export function assertReadOnlyQueryFile(
  file: string,
  text: string,
  options: { dialect: SqlDialect; fromQueriesDir: boolean },
): void {
  const { dialect, fromQueriesDir } = options;
  assertOneStatement(file, text, { dialect });
  try {
    checkReadOnlySelect(text, dialect);
  } catch (error) {
    if (!(error instanceof StatementRefused)) throw error;
    const from = fromQueriesDir ? " (from PRICING_QUERIES_DIR)" : "";
    throw new UserError(`${file}${from}: ${error.message}; fix the file`);
  }
}

/**
 * What the kit's ClickHouse session holds for every query: read-only, the time limit and what
 * it sends with them (lib/sources/clickhouse.ts sessionSettings), and the overflow modes that
 * would turn the time limit into a silently partial result.
 */
const SESSION_SETTINGS =
  /^(readonly|max_execution_time\w*|timeout_overflow_mode\w*|send_progress_in_http_headers|http_headers_progress_interval_ms)$/i;

/**
 * A ClickHouse query file's text as it is sent: one statement, without its terminating `;`s and
 * the comments after them, and the words of its SETTINGS clauses (settingsClauseWords); a
 * UserError naming the file when it holds several statements, cannot be read safely, or its
 * SETTINGS clause sets one of SESSION_SETTINGS. (A file read by loadSql holds no SETTINGS clause,
 * the gate refuses it; this holds for any SqlFile sent, and names a clause the server refused.)
 */
export function clickHouseQueryText(
  file: string,
  text: string,
): { text: string; settingsWords: string[] } {
  assertOneStatement(file, text, { dialect: "clickhouse" }); // (the lexer's refusals are said there)
  const { code } = lexStatement(text, { dialect: "clickhouse" });
  const settingsWords = settingsClauseWords(text, code);
  const lifted = settingsWords.find((word) => SESSION_SETTINGS.test(word));
  if (lifted) {
    throw new UserError(
      `${file}: its SETTINGS clause sets ${lifted}, which the kit's read-only session holds for every query (PRICING_CH_READONLY, PRICING_CH_MAX_EXECUTION_SECONDS); remove ${lifted} from the query`,
    );
  }
  return { text: withoutTerminator(text, "clickhouse"), settingsWords };
}
