/**
 * Where a statement's strings, quoted names and comments begin and end, read the way its engine
 * reads them: the read-only gate checks what is left (lib/sources/statement_gate.ts: the MCP
 * server's SQL and the kit's query files), and query files' statements are counted with it
 * (lib/sources/statements.ts). A checker that ends a string elsewhere than the engine does sees the engine's code as text: `'a\'` is a whole string in Polars SQL and
 * in PostgreSQL, and reading `\'` as an escaped quote there hid `read_csv(…)` behind it. So each
 * engine's rules are followed, and where engines (or their versions) read a construct differently,
 * the statement is refused rather than guessed at:
 *
 * - Polars SQL (sqlparser, generic dialect): '…' with '' only, "…" and `…` names with doubling,
 *   -- comments to a line feed, nested /* *\/. A '…' string is kept in `names` as a quoted name
 *   is: where a table goes sqlparser reads it as one ('read_csv'(…) reads a file). E'…' (backslash
 *   escapes) and the other prefixed strings (N X B R U&) are refused, as is $ outside a string
 *   or quoted name ($$…$$ quoting, $1 placeholders).
 * - PostgreSQL: '…' with '' (backslash escapes too when standard_conforming_strings is off: the
 *   gate checks both readings), E'…' with backslash escapes, $$…$$ and $tag$…$tag$, "…" names,
 *   -- comments to a line feed or carriage return, nested /* *\/.
 * - ClickHouse: '…', "…" and `…` with backslash escapes and doubling, -- comments, /* *\/. Nested
 *   comments, //, # and $ (heredocs) are refused: ClickHouse versions read them differently.
 *
 * Everywhere: a string right after a number (`1e'…'` is 1 then E'…' in Polars and older
 * PostgreSQL) and a lone carriage return in a -- comment are refused.
 */

export type SqlDialect = "polars" | "postgres" | "clickhouse";

export class StatementRefused extends Error {
  override name = "StatementRefused";
}

export interface Lexing {
  dialect: SqlDialect;
  /**
   * PostgreSQL only: read '…' with backslash escapes, as a server with
   * standard_conforming_strings off does
   */
  legacyStrings?: boolean;
}

export interface LexedStatement {
  /** the statement with strings, quoted names and comments blanked (same length; quotes kept) */
  code: string;
  /** as `code`, with quoted names kept without their quotes: `"nextval"(…)` calls nextval */
  names: string;
}

const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Single letters that make the quote after them a special string literal in Polars SQL. */
const POLARS_PREFIXES = /^[bBeEnNrRuUxX]$/;

// Polars' names may also hold # @ $; read here as apart from the word, they make E'…' after
// them refused (and $ refused) rather than taken for a name's end on a guess.
function identifierStart(c: string, dialect: SqlDialect): boolean {
  if (/[A-Za-z_]/.test(c)) return true;
  if (dialect === "polars") return /\p{L}/u.test(c);
  return c >= "\u0080";
}

function identifierPart(c: string, dialect: SqlDialect): boolean {
  if (/[A-Za-z0-9_]/.test(c)) return true;
  if (dialect === "polars") return /\p{L}/u.test(c);
  if (dialect === "postgres") return c === "$" || c >= "\u0080";
  return c >= "\u0080";
}

/** The text with every character but line feeds as a space. */
const blank = (text: string) => text.replace(/[^\n]/g, " ");

/** `sql` read as `lexing.dialect` reads it; StatementRefused where it cannot be read safely. */
export function lexStatement(sql: string, lexing: Lexing): LexedStatement {
  const { dialect } = lexing;
  const n = sql.length;
  let code = "";
  let names = "";
  let i = 0;
  const refuse = (what: string): never => {
    throw new StatementRefused(what);
  };
  /** The end (exclusive) of the quoted text opening at `start`. */
  const closing = (start: number, backslash: boolean, what: string): number => {
    const quote = sql[start];
    let j = start + 1;
    while (j < n) {
      const ch = sql[j];
      if (backslash && ch === "\\") j += 2;
      else if (ch === quote && sql[j + 1] === quote) j += 2;
      else if (ch === quote) return j + 1;
      else j++;
    }
    return refuse(`unclosed ${quote} ${what}; close it or remove it`);
  };
  const literal = (end: number) => {
    const text = sql[i] + blank(sql.slice(i + 1, end));
    code += text;
    names += text;
    i = end;
  };
  while (i < n) {
    const c = sql[i], next = sql[i + 1];
    if (c === "-" && next === "-") {
      let end = sql.indexOf("\n", i);
      if (end < 0) end = n;
      const comment = sql.slice(i, end);
      const cr = comment.indexOf("\r");
      // PostgreSQL ends a -- comment at a carriage return, Polars and ClickHouse do not
      if (cr >= 0 && !(cr === comment.length - 1 && end < n)) {
        refuse(
          "a carriage return inside a -- comment is refused; end the comment with a line feed",
        );
      }
      code += blank(comment);
      names += blank(comment);
      i = end;
    } else if (c === "/" && next === "*") {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (sql[j] === "/" && sql[j + 1] === "*") {
          if (dialect === "clickhouse") {
            refuse(
              "a /* inside a /* comment is refused: ClickHouse versions disagree where it ends",
            );
          }
          depth++;
          j += 2;
        } else if (sql[j] === "*" && sql[j + 1] === "/") {
          depth--;
          j += 2;
        } else j++;
      }
      if (depth > 0) refuse("unclosed /* comment; close it with */ or remove it");
      code += blank(sql.slice(i, j));
      names += blank(sql.slice(i, j));
      i = j;
    } else if (c === "'") {
      const backslash = dialect === "clickhouse" || lexing.legacyStrings === true;
      const end = closing(i, backslash, "string");
      if (dialect === "polars") {
        // sqlparser reads a '…' string where a table goes as a name: 'read_csv'(…) calls read_csv
        const text = sql.slice(i, end);
        code += text[0] + blank(text.slice(1));
        names += ` ${text.slice(1, -1)} `;
        i = end;
      } else literal(end);
    } else if (c === '"' || (c === "`" && dialect !== "postgres")) {
      const end = closing(i, dialect === "clickhouse", "quoted name");
      const text = sql.slice(i, end);
      code += text[0] + blank(text.slice(1));
      // the name without its quotes, as a call's name is matched
      names += ` ${text.slice(1, -1)} `;
      i = end;
    } else if (c === "$") {
      const tag = dialect === "postgres" ? DOLLAR_TAG.exec(sql.slice(i))?.[0] : undefined;
      if (!tag) {
        refuse(
          dialect === "postgres"
            ? "a $ outside a name or $$-quoted string is refused ($1 placeholders too: database_sql takes no parameters, a query file writes them {name:Type})"
            : "$ is refused outside a '…' string or a quoted name (no $$ quoting or $1 placeholders); quote text with '…'",
        );
      }
      const close = sql.indexOf(tag!, i + tag!.length);
      if (close < 0) refuse(`unclosed ${tag} string; close it with ${tag}`);
      literal(close + tag!.length);
    } else if (dialect === "clickhouse" && (c === "#" || (c === "/" && next === "/"))) {
      refuse(
        `${
          c === "#" ? "#" : "//"
        } is refused: ClickHouse versions disagree whether it starts a comment; use -- or /* */`,
      );
    } else if (/[0-9]/.test(c)) {
      const run = /^[0-9][0-9A-Za-z_.]*/.exec(sql.slice(i))![0];
      if (sql[i + run.length] === "'" && dialect !== "clickhouse") {
        refuse(`a string right after the number ${run} is refused; put a space between them`);
      }
      code += run;
      names += run;
      i += run.length;
    } else if (identifierStart(c, dialect)) {
      let j = i + 1;
      while (j < n && identifierPart(sql[j], dialect)) j++;
      const word = sql.slice(i, j);
      const after = sql[j], afterNext = sql[j + 1];
      if (dialect === "polars") {
        if (
          (after === "'" && POLARS_PREFIXES.test(word)) ||
          (/^[uU]$/.test(word) && after === "&" && (afterNext === "'" || afterNext === '"'))
        ) {
          refuse(
            `${word}'…' strings are refused in Polars SQL (E'…' reads backslash escapes); write a plain '…' string`,
          );
        }
      }
      code += word;
      names += word;
      i = j;
      if (dialect === "postgres" && after === "'" && /^[eE]$/.test(word)) {
        literal(closing(i, true, "E'…' string")); // E'…': backslash escapes, always
      }
    } else {
      code += c;
      names += c;
      i++;
    }
  }
  return { code, names };
}
