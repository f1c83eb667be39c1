/**
 * PostgreSQL failures as one line a user can act on: the query file, the server (PRICING_PG_URL
 * with its password as ***) and the setting or grant that fixes it.
 */
import { basename } from "node:path";
import { redactUrl, UserError } from "../core/config.ts";
import { isBuiltInQueryFile } from "./sql.ts";

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
}

/**
 * Whether `error` is the connection closing under a statement (a reset, a write into a closed
 * socket, the socket's end), which says nothing of why: a FATAL the server sent first does.
 */
export function connectionClosed(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === "ECONNRESET" || code === "EPIPE" ||
    /terminated unexpectedly/.test(String(message));
}

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
      return new UserError(`PostgreSQL database in PRICING_PG_URL does not exist: ${message}`);
    case "57014":
      return new UserError(
        `${file} was cancelled by the statement timeout; raise PRICING_PG_STATEMENT_TIMEOUT_MS`,
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
    return new UserError(missingInDatabase(message, url, file));
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
    return new UserError(`cannot reach PostgreSQL at ${where} (timed out); check PRICING_PG_URL`);
  }
  return new UserError(`PostgreSQL connection failed (${where}): ${message}`);
}

/**
 * A query file's table or column the database has not (42P01, 42703): for the kit's own query,
 * most likely PRICING_PG_URL names another database (`/postgres`), else a schema of its own; for
 * one of PRICING_QUERIES_DIR's, the query or the database.
 */
function missingInDatabase(message: string, url: string, file: string): string {
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
  const [, kind, quoted] = message.match(
    /^permission denied for (schema|table|relation|view|materialized view|sequence|function|database) (.+)$/,
  ) ?? [];
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
    const tables = tablesIn(name, text);
    if (tables.length > 0) {
      grants.push(
        `GRANT SELECT ON ${
          tables.map((table) => `${sqlName(name)}.${sqlName(table)}`).join(", ")
        } TO ${to}`,
      );
    }
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
    grants.push(`GRANT SELECT ON ${kind === "sequence" ? "SEQUENCE " : ""}${qualified} TO ${to}`);
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
