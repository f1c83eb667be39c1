/**
 * How many SQL statements a query file holds, read the way PostgreSQL's lexer reads it
 * (lib/sources/sql_lexing.ts, the MCP gate's lexer): a `;` inside a string ('…', E'…' with
 * backslash escapes, $tag$…$tag$), a quoted identifier or a comment (-- …, nested /* … *\/) ends
 * nothing. A trailing `;` (and comments after it) is fine. Used to refuse a file with several
 * statements before anything is sent.
 */
import { UserError } from "../core/config.ts";
import { lexStatement, StatementRefused } from "./sql_lexing.ts";

/**
 * The number of non-empty statements in `text`; StatementRefused where PostgreSQL's reading is
 * not certain (an unclosed string or comment, say).
 */
export function countStatements(text: string): number {
  const { code } = lexStatement(text, { dialect: "postgres" });
  return code.split(";").filter((part) => part.trim() !== "").length;
}

/** Refuses a query file that is not exactly one statement, naming the file. */
export function assertOneStatement(file: string, text: string): void {
  let statements: number;
  try {
    statements = countStatements(text);
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
