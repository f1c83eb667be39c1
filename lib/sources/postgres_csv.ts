/**
 * PostgreSQL results as CSV bytes: the query file's one statement inside `COPY ( … ) TO STDOUT
 * WITH (FORMAT csv, HEADER true)`, read through pg-copy-streams (node-pg has no COPY OUT of its
 * own) in the same READ ONLY transaction, spooled to a temporary file (lib/sources/spool.ts) and
 * typed by Polars from there (lib/sources/columnar.ts): no JS object per row, no result in JS
 * memory. COPY takes no bind parameters, so the placeholders are inlined as literals: only
 * validated instants and identifiers, never free text (as for ClickHouse).
 */
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { bindPostgresLiterals, type SqlFile, type SqlParams } from "./sql.ts";
import { spool } from "./spool.ts";
import { withoutTerminator } from "./statements.ts";

/** Leading blanks and comments (-- … and /* … *\/, not nested: a first keyword is all we need). */
const LEADING = /^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/;

/**
 * The COPY statement for a query file that holds one query (SELECT, WITH, VALUES, TABLE), and
 * the query alone; null for anything else: that goes the ordinary way and fails there as it always
 * did (a write meets the READ ONLY transaction, a SET is not a query). The wrapper stays as code,
 * not a queries/ file: it wraps the file's own statement, and the binder splices in no SQL text
 * (docs/development.md, SQL in TypeScript).
 */
export function copyStatement(
  sql: SqlFile,
  params: SqlParams,
): { statement: string; query: string } | null {
  const query = withoutTerminator(bindPostgresLiterals(sql, params));
  if (!/^(select|with|values|table)\b/i.test(query.replace(LEADING, ""))) return null;
  return { statement: `COPY (\n${query}\n) TO STDOUT WITH (FORMAT csv, HEADER true)`, query };
}

/** Runs a COPY … TO STDOUT on `client`, writing what it sends to the file at `path`. */
export async function copyOut(
  client: pg.PoolClient,
  options: { statement: string; path: string },
): Promise<void> {
  const copy = client.query(copyTo(options.statement));
  // pg tells the COPY its connection died (reset, or not queryable since a backend was terminated
  // between statements) by emitting 'error' on it, also after spool's read has ended (a reset
  // between CopyDone and ReadyForQuery): unheard, an uncaught error ending the process. Destroyed
  // with it instead, the stream fails a read still going with the same error.
  copy.on("error", (error: Error) => copy.destroy(error));
  await spool(copy, options.path);
}
