/**
 * Names for query_sql's unaliased counts. Polars' SQL names `count(*)` and `count(1)` `len` and
 * `count(col)` after `col` (an expression takes its first column's name): an analyst reading
 * `SELECT tier, count(*) … GROUP BY tier` saw a column `len`, and `count(org_id)` came back as a
 * column `org_id` holding numbers. A select item that is a count call alone (a window's OVER (…)
 * after it too), without an alias, is named `count`, as PostgreSQL names it; a second such item
 * (or one beside a column already named `count`) by its SQL text, e.g. `count(DISTINCT tier)`.
 * An explicit alias, `count(*) AS n` or `count(*) n`, is left as written.
 *
 * Only the statement's first top-level SELECT is read (a UNION's names are its first part's); a
 * list whose items cannot be lined up with the result's columns (two wildcards, a parenthesised
 * query) keeps Polars' names.
 */
import { lexStatement } from "../sources/sql_lexing.ts";

/** Words that end a select list at depth 0. */
const LIST_END =
  /^(?:from|where|group|having|order|limit|offset|union|except|intersect|window|qualify|fetch)$/i;

/** DISTINCT or ALL before a select list's first item. */
const LIST_START = /^(?:distinct|all)\b\s*/i;

/** `count(…)` alone, or with `OVER (…)` after it, in the blanked code of one item. */
function isBareCount(item: string): boolean {
  const call = /^count\s*\(/i.exec(item);
  if (!call) return false;
  const close = closingParen(item, call[0].length - 1);
  if (close < 0) return false;
  const rest = item.slice(close + 1).trim();
  if (rest === "") return true;
  const over = /^over\s*\(/i.exec(rest);
  return over !== null && closingParen(rest, over[0].length - 1) === rest.length - 1;
}

/** The index of the ")" closing the "(" at `open`, or −1. */
function closingParen(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === "(") depth++;
    else if (code[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

/** The first top-level SELECT's items as [start, end) ranges of the statement, or null. */
function selectItems(code: string): [number, number][] | null {
  const words = /[A-Za-z_][A-Za-z0-9_]*|[(),]/g;
  let depth = 0;
  let start = -1;
  const items: [number, number][] = [];
  let itemStart = -1;
  for (let m = words.exec(code); m; m = words.exec(code)) {
    const token = m[0];
    if (token === "(") depth++;
    else if (token === ")") depth--;
    else if (depth !== 0) continue;
    else if (start < 0) {
      if (/^select$/i.test(token)) start = itemStart = m.index + token.length;
    } else if (token === ",") {
      items.push([itemStart, m.index]);
      itemStart = m.index + 1;
    } else if (LIST_END.test(token)) {
      items.push([itemStart, m.index]);
      return items;
    }
  }
  if (start < 0) return null;
  items.push([itemStart, code.length]);
  return items;
}

/** The result's column names with unaliased counts named; `columns` as Polars gave them. */
export function countColumnNames(sql: string, columns: readonly string[]): string[] {
  const names = [...columns];
  let code: string;
  try {
    code = lexStatement(sql, { dialect: "polars" }).code;
  } catch {
    return names; // (the gate has refused such a statement already)
  }
  const ranges = selectItems(code);
  if (!ranges) return names;
  const texts = ranges.map(([s, e]) => code.slice(s, e).trim());
  // DISTINCT or ALL before the first item is no item of its own
  texts[0] = texts[0].replace(LIST_START, "");
  const wildcard = (text: string) => /^\*|\.\*$/.test(text);
  const wildcards = texts.filter(wildcard).length;
  if (wildcards > 1 || (wildcards === 0 && texts.length !== columns.length)) return names;
  const width = columns.length - (texts.length - 1); // the wildcard's columns
  if (width < 0) return names;
  let column = 0;
  texts.forEach((text, i) => {
    if (wildcard(text)) {
      column += width;
      return;
    }
    if (isBareCount(text)) {
      const written = sql.slice(ranges[i][0], ranges[i][1]).trim().replace(/\s+/g, " ")
        .replace(i === 0 ? LIST_START : /^$/, "");
      const name = names.includes("count") ? written : "count";
      if (!names.includes(name)) names[column] = name;
    }
    column++;
  });
  return names;
}
