/**
 * SQL files from `queries/`: loading, hashing, and binding `{name:Type}` placeholders.
 *
 * Placeholders use ClickHouse's own syntax so the files read the same on both engines. ClickHouse
 * 18.16 has no query parameters, so for ClickHouse values are inlined as typed literals (only
 * validated instants and identifiers, never free text); for PostgreSQL they become `$n` bind
 * parameters.
 */
import { createHash } from "node:crypto";
import { join as joinPath, resolve as resolvePath, sep as pathSeparator } from "node:path";
import { fileURLToPath } from "node:url";
import { TABLE_NAME, UserError } from "../core/config.ts";
import { isUtf16, UTF16_FIX } from "../core/utf16.ts";
import { homeFolderError, startsWithHome } from "../core/home_folder.ts";
import { assertOneStatement, assertReadOnlyQueryFile } from "./statements.ts";

export type Engine = "postgres" | "clickhouse";
/**
 * DateTime: an instant as a whole-second DateTime (ClickHouse; PostgreSQL gets the exact instant).
 * Float64: the same instant as Unix seconds with milliseconds, for ClickHouse comparisons to the
 * millisecond that also run on 18.16, which has no DateTime64 (`toFloat64(column) < {end:Float64}`).
 * String: a token of letters, digits, `-` and `_` (a query id the kit made), as a string literal.
 */
export type SqlParamType = "DateTime" | "Float64" | "Identifier" | "String";
export type SqlParams = Record<string, Date | string>;

export interface SqlFile {
  /** path relative to the repository, e.g. queries/postgres/organizations.sql */
  file: string;
  text: string;
  sha256: string;
}

const BUILT_IN_QUERIES_DIR = fileURLToPath(new URL("../../queries/", import.meta.url));
const PLACEHOLDER = /\{([a-z_][a-z0-9_]*):([A-Za-z][A-Za-z0-9]*)\}/g;
const IDENTIFIER = TABLE_NAME;
/** What a String parameter may hold: nothing a literal would need escaped. */
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

const QUERIES_DIR_FIX =
  "point it at a folder holding postgres/ and clickhouse/ SQL files, or unset it";

/** What is wrong with PRICING_QUERIES_DIR `dir` (missing, a file), or null. */
async function queriesDirProblem(dir: string): Promise<string | null> {
  const info = await Deno.stat(dir).catch(() => null);
  return info?.isDirectory
    ? null
    : `PRICING_QUERIES_DIR ${dir} ${info ? "is a file" : "does not exist"}`;
}

/**
 * A demo run's warning about PRICING_QUERIES_DIR, or null: it runs no query, so the folder is not
 * read, but one that is missing is said rather than silently accepted (a live run fails on it).
 */
export async function demoQueriesDirWarning(dir: string | undefined): Promise<string | null> {
  const problem = dir ? await queriesDirProblem(dir) : null;
  return problem &&
    `${problem}: this demo run reads no query, a live run fails on it; ${QUERIES_DIR_FIX}`;
}

/**
 * Checks PRICING_QUERIES_DIR before any query: a missing folder is a one-line error (it was
 * silently ignored, running the built-in SQL), as is a folder named like a query file; each `.sql`
 * file that replaces no query of `queries` (a typo, a file outside `postgres/` or `clickhouse/`, an
 * upper-case `.SQL`) is returned as a warning.
 */
export async function checkQueriesDir(
  dir: string,
  queries: Record<Engine, readonly string[]>,
): Promise<string[]> {
  if (startsWithHome(dir)) {
    throw homeFolderError(dir, {
      kind: "queries folder",
      named: "PRICING_QUERIES_DIR",
      otherwise: "",
    });
  }
  const problem = await queriesDirProblem(dir);
  if (problem) throw new UserError(`${problem}; ${QUERIES_DIR_FIX}`);
  // `.SQL` too: the kit opens `<name>.sql`, which a case-sensitive file system does not match
  // a symlink (query files shipped as links) is what it points to
  const sqlEntries = async (folder: string) =>
    await Promise.all(
      (await Array.fromAsync(Deno.readDir(folder)).catch(() => []))
        .filter((entry) => /\.sql$/i.test(entry.name))
        .map(async (entry) => {
          if (!entry.isSymlink) return entry;
          const target = await Deno.stat(joinPath(folder, entry.name)).catch(() => null);
          return { ...entry, isFile: target?.isFile ?? false, isDirectory: !!target?.isDirectory };
        }),
    );
  const warnings = (await sqlEntries(dir)).filter((entry) => entry.isFile).map(({ name }) =>
    `PRICING_QUERIES_DIR: ${
      joinPath(dir, name)
    } is not in postgres/ or clickhouse/, so it replaces no query`
  );
  for (const engine of Object.keys(queries) as Engine[]) {
    for (const entry of await sqlEntries(joinPath(dir, engine))) {
      const path = joinPath(dir, engine, entry.name);
      const stem = entry.name.slice(0, -".sql".length);
      const replaces = queries[engine].includes(stem);
      if (entry.isDirectory && replaces && entry.name.endsWith(".sql")) {
        throw new UserError(notAFileError(path));
      }
      if (!entry.isFile || (replaces && entry.name.endsWith(".sql"))) continue;
      // `Prompts_created.SQL`: the query it was meant to replace, by its exact name
      const meant = queries[engine].find((query) => query.toLowerCase() === stem.toLowerCase());
      warnings.push(
        meant
          ? `PRICING_QUERIES_DIR: ${path} is not named ${meant}.sql, the name the kit opens: rename it (on a case-sensitive file system it is not run)`
          : `PRICING_QUERIES_DIR: ${path} replaces no query (the ${engine} ones: ${
            queries[engine].join(", ")
          }); it is not run`,
      );
    }
  }
  return warnings.sort();
}

/** A folder where a query file is expected, in one line (Deno says "Is a directory (os error 21)"). */
function notAFileError(path: string): string {
  return `PRICING_QUERIES_DIR: ${path} is a folder, not a SQL file; put the query's SQL in a file of that name, or remove the folder`;
}

/**
 * A query file's text, refused in one line naming it unless it is UTF-8 text without NUL bytes:
 * a UTF-16 or binary file was decoded with replacement characters and sent, and PostgreSQL
 * answered "insufficient data left in message", naming neither the file nor the cause.
 */
function queryText(file: string, bytes: Uint8Array): string {
  if (isUtf16(bytes)) throw new UserError(`${file} is not UTF-8: ${UTF16_FIX}; nothing was sent`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(
      `${file} is not UTF-8 text (a binary file?): save it as UTF-8; nothing was sent`,
    );
  }
  if (text.includes("\0")) {
    throw new UserError(
      `${file} holds NUL bytes (a binary file?): save it as UTF-8 text; nothing was sent`,
    );
  }
  return text;
}

/**
 * The kit's own statements that are no plain SELECT, which the read-only gate would refuse (KILL,
 * BEGIN, set_config): the KILL that stops the kit's own query when an export is interrupted, and
 * the PostgreSQL transaction every query runs in (lib/sources/postgres_transaction.ts). The exception
 * is narrow: these names only, read from queries/ only (a file of the same name in
 * PRICING_QUERIES_DIR is never read: it could lift the READ ONLY transaction or the timeout;
 * checkQueriesDir says it replaces no query), and still held to one statement.
 */
const KIT_SESSION_STATEMENTS = new Set([
  "clickhouse/kill_query.sql",
  "postgres/begin_read_only.sql",
  "postgres/commit.sql",
  "postgres/rollback.sql",
  "postgres/statement_timeout.sql",
  "postgres/utc_iso_dates.sql",
]);

/** Whether loadSql's `file` is a built-in query (`queries/…`), not one of PRICING_QUERIES_DIR's. */
export function isBuiltInQueryFile(file: string): boolean {
  return file.startsWith("queries/");
}

export interface LoadSqlOptions {
  /** PRICING_QUERIES_DIR: its `<engine>/<name>.sql`, when there, is read instead of the kit's */
  queriesDir?: string;
}

/**
 * Reads `queries/<engine>/<name>.sql`; a file of the same name in `queriesDir/<engine>/` wins
 * (but for KIT_SESSION_STATEMENTS), so a deployment whose tables differ ships its own SQL without
 * touching the kit. Either is held
 * to database_sql's read-only rules as it is read (assertReadOnlyQueryFile): a file the gate
 * refuses is a one-line UserError naming it, before any query is sent.
 */
export async function loadSql(
  engine: Engine,
  name: string,
  { queriesDir }: LoadSqlOptions = {},
): Promise<SqlFile> {
  const kitSession = KIT_SESSION_STATEMENTS.has(`${engine}/${name}.sql`);
  const kitPath = joinPath(BUILT_IN_QUERIES_DIR, engine, `${name}.sql`);
  // resolved: a relative `queries/custom` is a folder of the operator's, not the kit's own files
  // (named `queries/…`, isBuiltInQueryFile), even under the kit's queries/
  const candidates = queriesDir && !kitSession
    ? [resolvePath(queriesDir, engine, `${name}.sql`), kitPath]
    : [kitPath];
  for (const path of candidates) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      if (error instanceof Deno.errors.IsADirectory) throw new UserError(notAFileError(path));
      throw error;
    }
    const builtIn = path === kitPath;
    const file = builtIn // (as isBuiltInQueryFile reads it; `/` on Windows too: the manifest's)
      ? `queries/${path.slice(BUILT_IN_QUERIES_DIR.length).replaceAll(pathSeparator, "/")}`
      : path;
    const text = queryText(file, bytes);
    if (kitSession) assertOneStatement(file, text, { dialect: engine });
    else assertReadOnlyQueryFile(file, text, { dialect: engine, fromQueriesDir: !builtIn });
    return { file, text, sha256: createHash("sha256").update(text).digest("hex") };
  }
  throw new Error(`query file not found: queries/${engine}/${name}.sql`);
}

/** The placeholders a SQL text uses, by name. */
export function sqlPlaceholders(text: string): Map<string, SqlParamType> {
  const found = new Map<string, SqlParamType>();
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [, name, type] = match;
    if (type !== "DateTime" && type !== "Float64" && type !== "Identifier" && type !== "String") {
      throw new Error(
        `unsupported placeholder type {${name}:${type}} (use DateTime, Float64, Identifier or String)`,
      );
    }
    found.set(name, type);
  }
  return found;
}

/** Parameter `name` of `file`'s query, checked against its declared type. */
function paramValue(
  params: SqlParams,
  { file, name, type }: { file: string; name: string; type: SqlParamType },
) {
  const value = params[name];
  if (value === undefined) throw new Error(`${file} needs parameter {${name}:${type}}`);
  if (type === "DateTime" || type === "Float64") {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new Error(`${file}: parameter ${name} must be a valid date`);
    }
    return value;
  }
  if (type === "String") {
    if (typeof value !== "string" || !TOKEN.test(value)) {
      throw new Error(`${file}: parameter ${name} must be letters, digits, - and _`);
    }
    return value;
  }
  if (typeof value !== "string" || !IDENTIFIER.test(value)) {
    throw new Error(
      `${file}: parameter ${name} must be a table name like schema.table (letters, digits, _), got ${
        JSON.stringify(String(value))
      }`,
    );
  }
  return value;
}

/** ClickHouse text with every placeholder replaced by a literal. */
export function bindClickHouse(sql: SqlFile, params: SqlParams): string {
  return sql.text.replace(PLACEHOLDER, (_all, name: string, type: SqlParamType) => {
    const value = paramValue(params, { file: sql.file, name, type });
    if (value instanceof Date && type === "Float64") {
      // Exact: milliseconds are three decimals, and toFloat64 of a DateTime64(3) gives the same.
      return (value.getTime() / 1000).toFixed(3);
    }
    if (value instanceof Date) {
      // Whole seconds (rounded down): DateTime has no sub-second part on 18.16. Queries bound the
      // window with these for partition pruning and compare exactly with {…:Float64}.
      const text = value.toISOString().slice(0, 19).replace("T", " ");
      return `toDateTime('${text}', 'UTC')`;
    }
    if (type === "String") return `'${value}'`; // a checked token: nothing to escape
    return String(value).split(".").map((part) => `\`${part}\``).join(".");
  });
}

/** PostgreSQL text with `$n` placeholders and the values to bind, in order. */
export function bindPostgres(sql: SqlFile, params: SqlParams): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const positions = new Map<string, number>();
  const text = sql.text.replace(PLACEHOLDER, (_all, name: string, type: SqlParamType) => {
    const value = paramValue(params, { file: sql.file, name, type });
    if (type === "String") {
      values.push(value);
      return `$${values.length}::text`;
    }
    if (!(value instanceof Date)) {
      return String(value).split(".").map((part) => `"${part}"`).join(".");
    }
    let position = positions.get(name);
    if (type === "Float64") {
      // Unix seconds with milliseconds, as in ClickHouse.
      const key = `${name}:Float64`;
      position = positions.get(key);
      if (position === undefined) {
        values.push(value.getTime() / 1000);
        position = values.length;
        positions.set(key, position);
      }
      return `$${position}::float8`;
    }
    if (position === undefined) {
      values.push(value);
      position = values.length;
      positions.set(name, position);
    }
    return `$${position}::timestamptz`;
  });
  return { text, values };
}

/**
 * PostgreSQL text with every placeholder inlined as a literal, for COPY (which takes no bind
 * parameters): instants as timestamptz literals, identifiers quoted. Only validated values.
 */
export function bindPostgresLiterals(sql: SqlFile, params: SqlParams): string {
  return sql.text.replace(PLACEHOLDER, (_all, name: string, type: SqlParamType) => {
    const value = paramValue(params, { file: sql.file, name, type });
    if (value instanceof Date) return `'${value.toISOString()}'::timestamptz`;
    if (type === "String") return `'${value}'::text`; // a checked token: nothing to escape
    return String(value).split(".").map((part) => `"${part}"`).join(".");
  });
}
