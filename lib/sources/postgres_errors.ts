/**
 * PostgreSQL failures as one line a user can act on: the query file, the server (PRICING_PG_URL
 * with its password as ***) and the setting or grant that fixes it.
 */
import { basename } from "node:path";
import { UserError } from "../core/config.ts";
import { redactUrl } from "../core/connection_url.ts";
import { listInWords, someInWords } from "../core/words.ts";
import { isBuiltInQueryFile, loadSql, type SqlFile, type SqlParams } from "./sql.ts";

export interface PostgresErrorContext {
  /** PRICING_PG_URL, shown redacted */
  url: string;
  /** the query file that failed; null when connecting failed */
  file: string | null;
  /** the file's text: where a table the server names bare is looked up for its schema */
  text?: string;
  /** the role the server says the connection is (current_user), when it was asked */
  role?: string;
  /** PRICING_PG_MAX_CONNECTIONS: what a connection limit is measured against */
  maxConnections?: number;
  /** of a table refused (42501), the columns the role may read: grantedColumns' answer */
  granted?: GrantedColumns;
}

/** The columns a role may read of a table it may not read whole (column-level grants). */
export interface GrantedColumns {
  /** the table's schema */
  schema: string;
  /** the columns, in the table's order */
  columns: string[];
}

/** `permission denied for <kind> <name>`, as PostgreSQL refuses a privilege (42501). */
const DENIED =
  /^permission denied for (schema|table|relation|view|materialized view|sequence|function|database) (.+)$/;
/** The kinds a SELECT reads columns of: those a column-level grant can leave partly unreadable. */
const COLUMN_KINDS = new Set(["table", "relation", "view", "materialized view"]);
/** What granted_columns.sql's String parameter may hold (lib/sources/sql.ts's TOKEN). */
const TABLE_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
/**
 * The columns the built-in queries read of a table that holds more than the kit should see
 * (Supabase's auth.users: e-mails, password hashes): the GRANT a refusal advises names these, as
 * README.md's least-privilege role does, not the whole table.
 */
export const BUILT_IN_READ_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  "auth.users": ["id", "last_sign_in_at"],
};
/** Columns a refusal names at the most; the rest are counted. */
const SHOWN_COLUMNS = 10;

/**
 * Whether `error` is the connection closing under a statement (a reset, a write into a closed
 * socket, the socket's end), which says nothing of why: a FATAL the server sent first does.
 */
export function connectionClosed(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === "ECONNRESET" || code === "EPIPE" ||
    /terminated unexpectedly/.test(String(message));
}

export interface GrantedColumnsOptions {
  /** the refused statement's text */
  text: string;
  /** runs a query on the failed statement's connection */
  ask: (sql: SqlFile, params: SqlParams) => Promise<Record<string, unknown>[]>;
}

/**
 * For a statement refused a table (`permission denied for table users`), the columns of it the
 * role may read when it may not read it whole, asked through `ask` on the failed statement's
 * connection (queries/postgres/granted_columns.sql). PostgreSQL 15 words a column-level refusal and
 * a table-level one alike and fills neither pg's `table` nor `column` field, so only the catalog
 * tells them apart. Undefined for another error, for a table of no column grants (a plain
 * refusal), or when the query's text names the table in more than one schema.
 */
export async function grantedColumns(
  error: unknown,
  { text, ask }: GrantedColumnsOptions,
): Promise<GrantedColumns | undefined> {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const [, kind, table] = code === "42501" ? String(message).match(DENIED) ?? [] : [];
  if (!COLUMN_KINDS.has(kind) || !TABLE_TOKEN.test(table)) return undefined;
  // (the built-in file only: a PRICING_QUERIES_DIR one could answer anything)
  const rows = await ask(await loadSql("postgres", "granted_columns"), { table }) as {
    schema_name: string;
    visible: boolean;
    column_name: string;
  }[];
  // the server names the table bare: the schema the query's text gives it, else the search path's
  const named = schemasOf(table, text);
  const schema = named.length === 1
    ? named[0]
    : named.length === 0
    ? rows.find((row) => row.visible)?.schema_name
    : undefined;
  const columns = rows.filter((row) => row.schema_name === schema).map((row) => row.column_name);
  return schema !== undefined && columns.length > 0 ? { schema, columns } : undefined;
}

/** How long the pool waits for a connection (postgres.ts), as its timeout's error says it. */
export const PG_CONNECT_TIMEOUT_MS = 15_000;

/** One line a user can act on, naming the query file; never the password. */
export function postgresError(error: unknown, context: PostgresErrorContext): UserError {
  const { url, file } = context;
  const e = error as { code?: string; message?: string };
  const where = redactUrl(url);
  // (a function: a `$&` in the user name would paste the matched URL, password and all, back in)
  const message = String(e.message ?? error).replaceAll(url, () => where);
  switch (e.code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EHOSTUNREACH":
    case "ETIMEDOUT":
      return new UserError(`cannot reach PostgreSQL at ${where} (${e.code}); check PRICING_PG_URL`);
    case "28P01":
    case "28000":
      return new UserError(
        `PostgreSQL rejected the credentials in PRICING_PG_URL (${where}): ${message}`,
      );
    case "3D000":
      return new UserError(
        `PostgreSQL at ${where} has no such database (${message}); set the database in PRICING_PG_URL's path (…:5432/postgres) to the one that holds Helicone's tables`,
      );
    case "57014":
      return new UserError(
        `${file} was cancelled by the statement timeout; raise PRICING_PG_STATEMENT_TIMEOUT_MS`,
      );
    // the server's own FATALs of a shutdown, a crash or a restart under way (a statement's,
    // or the connection's while it starts): nothing to fix here but the wait
    case "57P01": // admin_shutdown: pg_ctl stop -m fast, or pg_terminate_backend()
    case "57P02": // crash_shutdown: another backend crashed, the server restarts
    case "57P03": // cannot_connect_now: starting up, shutting down, in recovery
      return new UserError(
        `${file ? `${file} failed on PostgreSQL` : "PostgreSQL refused the connection"} (${
          file ? message : `${message}; PRICING_PG_URL: ${where}`
        }): the server is shutting down, restarting or failing over, or an administrator ended the session; run again once it is back`,
      );
    case "42501":
      return new UserError(permissionDenied(message, context));
    case "53300":
      return new UserError(connectionLimit(message, context));
  }
  // TLS asked of a server without it, or a certificate refused: the URL's sslmode is the fix
  if (/does not support SSL/i.test(message)) {
    return new UserError(
      `PostgreSQL at ${where} does not support TLS, and sslmode in PRICING_PG_URL asks for it: enable TLS on the server, or set sslmode=disable for a server on a trusted network`,
    );
  }
  if (/certificate/i.test(message)) {
    return new UserError(
      `PostgreSQL's TLS certificate at ${where} was refused (${message}); the kit verifies it (sslmode=require connects as verify-full): name the server's CA with sslrootcert=ca.pem in PRICING_PG_URL, or check the host name`,
    );
  }
  if (file?.endsWith(".sql") && (e.code === "42P01" || e.code === "42703")) {
    return new UserError(missingInDatabase(message, { url, file }));
  }
  // the socket went before the server's reason was read (a FATAL it sent first says more)
  if (file && connectionClosed(error)) {
    return new UserError(
      `${file} failed on PostgreSQL: the connection closed mid-query (${
        e.code ?? message
      }): the server restarted or failed over, or an administrator ended the session; run again once it is back`,
    );
  }
  if (file) return new UserError(`${file} failed on PostgreSQL: ${message}`);
  if (/timeout/i.test(message)) {
    // (a port that accepts and never answers as PostgreSQL, a ClickHouse one, lands here too)
    return new UserError(
      `cannot reach PostgreSQL at ${where}: no answer within ${
        PG_CONNECT_TIMEOUT_MS / 1000
      } s (the connection timed out); check the host and port in PRICING_PG_URL (PostgreSQL's port, 5432, or Supabase's pooler, 6543) and that no firewall drops this machine's connections`,
    );
  }
  return new UserError(`PostgreSQL connection failed (${where}): ${message}`);
}

/**
 * A query file's table or column the database has not (42P01, 42703): for the kit's own query,
 * most likely PRICING_PG_URL names another database (`/postgres`), else a schema of its own; for
 * one of PRICING_QUERIES_DIR's, the query or the database.
 */
function missingInDatabase(message: string, { url, file }: { url: string; file: string }): string {
  let database = "";
  try {
    database = decodeURIComponent(new URL(url).pathname.slice(1));
  } catch { /* not a URL: pg read it otherwise */ }
  const db = `${database ? `database ${database}` : "the user's default database"} at ${
    redactUrl(url)
  }`;
  if (!isBuiltInQueryFile(file)) {
    return `${file} failed on PostgreSQL: ${message} in ${db}; fix the query, or set PRICING_PG_URL to the database that holds its tables (the URL's path names it)`;
  }
  const named = message.match(/^(relation|column) "?(.+?)"? does not exist/);
  const what = named ? `${named[1] === "relation" ? "table" : "column"} ${named[2]}` : message;
  return `PostgreSQL ${db} has no ${what}, which ${file} reads: set PRICING_PG_URL to the database that holds Helicone's tables (the URL's path names it), or for a schema of your own read it with a query file in PRICING_QUERIES_DIR`;
}

/** An identifier as a GRANT takes it: bare when PostgreSQL would read it back the same. */
function sqlName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** The schemas `text` names `table` in (`auth.users`, `"auth".users`), in their order. */
function schemasOf(table: string, text: string): string[] {
  const part = (name: string) => `(?:"${name.replaceAll('"', '""')}"|${name})`;
  const word = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
  const escaped = table.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const qualified = new RegExp(`${word}\\s*\\.\\s*${part(escaped)}(?![A-Za-z0-9_$])`, "gi");
  const schemas = [...text.matchAll(qualified)].map(([, schema]) =>
    schema.startsWith('"') ? schema.slice(1, -1).replaceAll('""', '"') : schema.toLowerCase()
  );
  return [...new Set(schemas)];
}

/** The tables `text` reads in `schema` (`auth.users` → users), in their order. */
function tablesIn(schema: string, text: string): string[] {
  const escaped = schema.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const qualified = new RegExp(
    `(?<![A-Za-z0-9_$."])(?:"${escaped}"|${escaped})\\s*\\.\\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`,
    "gi",
  );
  const tables = [...text.matchAll(qualified)].map(([, table]) =>
    table.startsWith('"') ? table.slice(1, -1).replaceAll('""', '"') : table.toLowerCase()
  );
  return [...new Set(tables)];
}

/** The columns a built-in query file reads of `table` (schema.table), when not the whole table. */
function columnsRead(file: string | null, table: string): readonly string[] | undefined {
  return file !== null && isBuiltInQueryFile(file) ? BUILT_IN_READ_COLUMNS[table] : undefined;
}

/** `GRANT SELECT` of `table` to `to`: of the columns `file` reads, when it is a built-in query that reads only some. */
function selectGrant(file: string | null, table: string, { to }: { to: string }): string {
  const columns = columnsRead(file, table);
  return `GRANT SELECT ${
    columns ? `(${columns.map(sqlName).join(", ")}) ` : ""
  }ON ${table} TO ${to}`;
}

/**
 * Something the role may not read (42501): a schema without USAGE, a table without SELECT,
 * the database without CONNECT. Names the role (the server's current_user, else the URL's user)
 * and the GRANT that allows it; for the kit's own query, a query file of one's own instead.
 */
function permissionDenied(message: string, context: PostgresErrorContext): string {
  const { url, file, text = "" } = context;
  let role = context.role;
  if (!role) {
    try {
      role = decodeURIComponent(new URL(url).username) || undefined;
    } catch { /* not a URL: pg read it otherwise */ }
  }
  const who = role ? `the PostgreSQL role ${role}` : "the PostgreSQL role of PRICING_PG_URL";
  const to = role ? sqlName(role) : "<role>";
  const where = `(PRICING_PG_URL: ${redactUrl(url)})`;
  const [, kind, quoted] = message.match(DENIED) ?? [];
  // (a database comes quoted: `permission denied for database "helicone"`)
  const name = /^".*"$/.test(quoted ?? "") ? quoted.slice(1, -1) : quoted;
  const grants: string[] = [];
  let what = "";
  if (kind === "database") {
    what = `connect to database ${name}`;
    grants.push(`GRANT CONNECT ON DATABASE ${sqlName(name)} TO ${to}`);
  } else if (kind === "schema") {
    what = `read schema ${name}`;
    grants.push(`GRANT USAGE ON SCHEMA ${sqlName(name)} TO ${to}`);
    // USAGE alone lets the next run fail on the tables: grant those the query reads there too
    const tables = tablesIn(name, text).map((table) => `${sqlName(name)}.${sqlName(table)}`);
    const [partly, whole] = [
      tables.filter((table) => columnsRead(file, table)),
      tables.filter((table) => !columnsRead(file, table)),
    ];
    if (whole.length > 0) grants.push(`GRANT SELECT ON ${whole.join(", ")} TO ${to}`);
    for (const table of partly) grants.push(selectGrant(file, table, { to }));
  } else if (kind === "function") {
    what = `run function ${name}`;
    grants.push(`GRANT EXECUTE ON FUNCTION ${name} TO ${to}`);
  } else if (kind) {
    // the server names a table without its schema: the query's own text has it
    const schemas = schemasOf(name, text);
    const qualified = schemas.length === 1
      ? `${sqlName(schemas[0])}.${sqlName(name)}`
      : sqlName(name);
    what = `read ${kind === "relation" ? "table" : kind} ${
      schemas.length === 1 ? `${schemas[0]}.${name}` : name
    }`;
    grants.push(
      kind === "sequence"
        ? `GRANT SELECT ON SEQUENCE ${qualified} TO ${to}`
        : selectGrant(file, qualified, { to }),
    );
  }
  if (kind && context.granted && file !== null) {
    return columnsRefused({ ...context, file, who, to, where, kind, table: name });
  }
  if (!kind) {
    return `${
      file ?? "connecting"
    } failed on PostgreSQL: ${message}; ${who} ${where} lacks a privilege: grant it, or set PRICING_PG_URL to a role that has it`;
  }
  const instead = file === null
    ? "or set PRICING_PG_URL to a role that may"
    : isBuiltInQueryFile(file)
    ? `or set PRICING_QUERIES_DIR to a folder whose postgres/${
      basename(file)
    } reads only what the role may (it replaces the built-in query)`
    : "or change the query to read only what the role may";
  const needs = file === null ? "" : `, which ${file} ${kind === "function" ? "calls" : "reads"}`;
  return `${who} may not ${what}${needs} ${where}: grant it as an owner or admin (${
    grants.join("; ")
  }), ${instead}`;
}

/**
 * A connection refused for a limit (53300): the role's or the database's CONNECTION LIMIT, or
 * the server's max_connections. The kit opens up to PRICING_PG_MAX_CONNECTIONS at once, and a
 * limit below it fails the export however idle the server is.
 */
function connectionLimit(message: string, { url, maxConnections = 1 }: PostgresErrorContext) {
  const refused = `PostgreSQL refused a connection (${message}; PRICING_PG_URL: ${redactUrl(url)})`;
  const [, kind, name] = message.match(/too many connections for (role|database) "(.+)"/) ?? [];
  if (kind) {
    const limit = `ALTER ${kind.toUpperCase()} ${sqlName(name)} CONNECTION LIMIT n`;
    const others = kind === "role" ? "the role's other sessions" : "other sessions on it";
    if (maxConnections > 1) {
      return `${refused}: the kit opens up to PRICING_PG_MAX_CONNECTIONS=${maxConnections} at once, more than the ${kind}'s CONNECTION LIMIT leaves (${others} count too); set PRICING_PG_MAX_CONNECTIONS=1 (or lower than the limit), or raise the limit as an admin (${limit})`;
    }
    return `${refused}: the ${kind}'s CONNECTION LIMIT is reached (${others} count too; the kit opens one, PRICING_PG_MAX_CONNECTIONS=1); raise the limit as an admin (${limit}), or end ${others}`;
  }
  // "sorry, too many clients already", "remaining connection slots are reserved for …"
  const lower = maxConnections > 1
    ? `, lower PRICING_PG_MAX_CONNECTIONS (now ${maxConnections}; 1 opens one at a time)`
    : "";
  return `${refused}: the server's max_connections is reached; try again when fewer clients are connected${lower}, or raise max_connections on the server (or connect through a pooler)`;
}

/**
 * A table the role was granted some columns of, and the query read another: PostgreSQL says
 * `permission denied for table` as for a table not granted at all, but the grant left the other
 * columns out, perhaps on purpose (e-mails, password hashes), so the line names the columns it
 * may read and does not offer a GRANT of the whole table.
 */
function columnsRefused(
  refused: PostgresErrorContext & {
    file: string;
    who: string;
    to: string;
    where: string;
    kind: string;
    table: string;
  },
): string {
  const { file, who, to, where, kind, table, granted } = refused;
  const { schema, columns } = granted!;
  const names = columns.map(sqlName);
  const shown = names.length <= SHOWN_COLUMNS
    ? listInWords(names)
    : someInWords(names, { shown: SHOWN_COLUMNS });
  const refusal = `${who} may read only ${
    columns.length === 1 ? "column" : "columns"
  } ${shown} of ${
    kind === "relation" ? "table" : kind
  } ${schema}.${table}, and ${file} reads another of its columns ${where}`;
  if (isBuiltInQueryFile(file)) {
    return `${refusal}: ask the database owner to grant the role the columns ${file} reads (GRANT SELECT (column, …) ON ${
      sqlName(schema)
    }.${
      sqlName(table)
    } TO ${to}; README.md, "Least-privilege database users", has the kit's), or set PRICING_QUERIES_DIR to a folder whose postgres/${
      basename(file)
    } reads only what the role may (it replaces the built-in query)`;
  }
  return `${refusal}: read only the columns the role is granted (name them: SELECT * reads every column), or ask the database owner whether the role should read more of the table (its grant leaves the other columns out, perhaps on purpose)`;
}
