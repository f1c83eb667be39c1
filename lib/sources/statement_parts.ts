/**
 * Parts of a statement found on its lexed reading (lib/sources/sql_lexing.ts): where it ends
 * before a terminating `;`, and ClickHouse's SETTINGS clauses. Nothing but the lexer is imported:
 * the MCP gate (lib/sources/statement_gate.ts) uses these in the Polars SQL process too.
 */
import { lexStatement, type SqlDialect } from "./sql_lexing.ts";

/**
 * `text` without its terminating `;`s (and what follows them: blanks and comments). A `;` inside
 * a string, identifier or comment is no terminator: the lexer blanks those.
 */
export function withoutTerminator(text: string, dialect: SqlDialect = "postgres"): string {
  let end = text.length;
  for (;;) {
    // the lexed code has the text's length: its positions are the text's
    const code = lexStatement(text.slice(0, end), { dialect }).code;
    const last = code.lastIndexOf(";");
    if (last < 0 || code.slice(last + 1).trim() !== "") return text.slice(0, end);
    end = last;
  }
}

/**
 * ClickHouse's SETTINGS keyword in a statement's `code` reading (lexStatement), not the table
 * system.settings. An unquoted column named settings reads as one too; a quoted one is blanked.
 */
const SETTINGS_KEYWORD = /(?<!\bsystem\s*\.\s*)\bsettings\b/gi;

/**
 * The words of each SETTINGS clause in a ClickHouse statement `text` (`code`: its lexStatement
 * reading, the same length), each clause up to the `)` that closes its subquery: the setting
 * names among them, quoted ones unquoted (`SETTINGS readonly` alone is short for `readonly = 1`
 * on newer servers). Values are literals, and the lexer has blanked strings. Empty when there is
 * no clause.
 */
export function settingsClauseWords(text: string, code: string): string[] {
  const words: string[] = [];
  for (const match of code.matchAll(SETTINGS_KEYWORD)) {
    const start = match.index + match[0].length;
    const close = code.indexOf(")", start);
    // the clause's own text read again: its quoted names unquoted, its strings blanked (its
    // bounds are in code, so it holds whole strings and names)
    const clause = lexStatement(text.slice(start, close < 0 ? code.length : close), {
      dialect: "clickhouse",
    }).names;
    words.push(...(clause.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []));
  }
  return words;
}

/** Whether a ClickHouse statement's `code` reading (lexStatement) has a SETTINGS keyword. */
export function hasSettingsKeyword(code: string): boolean {
  return code.search(SETTINGS_KEYWORD) >= 0;
}
