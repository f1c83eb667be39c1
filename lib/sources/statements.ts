/**
 * How many SQL statements a query file holds, read the way PostgreSQL's lexer reads it: a `;`
 * inside a string ('…', E'…' with backslash escapes, $tag$…$tag$), a quoted identifier or a
 * comment (-- …, nested /* … *\/) ends nothing. A trailing `;` (and comments after it) is fine.
 * Used to refuse a file with several statements before anything is sent.
 */
import { UserError } from "../core/config.ts";

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/** The number of non-empty statements in `text`. */
export function countStatements(text: string): number {
  let count = 0;
  let content = false; // the current statement has something besides blanks and comments
  let i = 0;
  const n = text.length;
  const skipQuoted = (quote: string, backslashEscapes: boolean) => {
    i++;
    while (i < n) {
      const ch = text[i];
      if (backslashEscapes && ch === "\\") {
        i += 2;
        continue;
      }
      if (ch === quote) {
        if (text[i + 1] === quote) { // doubled quote: an escaped quote, still inside
          i += 2;
          continue;
        }
        i++;
        return;
      }
      i++;
    }
  };
  while (i < n) {
    const ch = text[i];
    if (ch === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? n : end + 1;
    } else if (ch === "/" && text[i + 1] === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === "/" && text[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (text[i] === "*" && text[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (ch === ";") {
      if (content) count++;
      content = false;
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else {
      content = true;
      if (ch === "'") {
        const escapes = i > 0 && /[eE]/.test(text[i - 1]) &&
          !/[A-Za-z0-9_]/.test(text[i - 2] ?? "");
        skipQuoted("'", escapes);
      } else if (ch === '"') {
        skipQuoted('"', false);
      } else if (ch === "$" && !/[A-Za-z0-9_]/.test(text[i - 1] ?? "")) {
        const tag = text.slice(i).match(DOLLAR_TAG)?.[0];
        if (tag) {
          const end = text.indexOf(tag, i + tag.length);
          i = end === -1 ? n : end + tag.length;
        } else i++;
      } else i++;
    }
  }
  return content ? count + 1 : count;
}

/** Refuses a query file that is not exactly one statement, naming the file. */
export function assertOneStatement(file: string, text: string): void {
  const statements = countStatements(text);
  if (statements === 1) return;
  throw new UserError(
    statements === 0
      ? `${file} holds no SQL statement; a query file must hold exactly one SELECT`
      : `${file} holds ${statements} SQL statements; a query file must hold exactly one (remove the others and the ';' between them)`,
  );
}
