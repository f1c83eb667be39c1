/**
 * Database settings whose password crosses the network unencrypted: a PostgreSQL URL the pg driver
 * connects to without TLS, a ClickHouse `http://` URL, to a host that is not this machine's
 * loopback. SMTP and Stripe refuse that (lib/delivery/smtp_settings.ts, lib/revenue/mod.ts); a
 * database inside a private network is sometimes reached so on purpose, so here it is a warning,
 * printed once per run by every entry point that reads the database settings (sourceSettings).
 */
import { isLoopback } from "./loopback.ts";
import type { Env } from "./user_error.ts";

/**
 * The warnings (no password in them) for the database settings in `env`, already checked by
 * sourceSettings. `processEnv`: the process's own environment, where the pg driver reads
 * PGSSLMODE, PGHOST and PGPASSWORD (a settings file's lines never reach it).
 */
export function cleartextPasswordWarnings(env: Env, processEnv: Env): string[] {
  const postgres = env.PRICING_PG_URL ? postgresWarning(env.PRICING_PG_URL, processEnv) : null;
  const clickhouse = env.PRICING_CH_URL ? clickHouseWarning(env) : null;
  return [postgres, clickhouse].filter((line) => line !== null);
}

/** The lines already printed by this process: one line per run, however often settings are read. */
const printed = new Set<string>();

/**
 * Prints each warning of `env`'s database settings on stderr once per process (the server, the
 * MCP server and a notebook's kernel read the settings at every export).
 */
export function warnOfCleartextPasswords(
  env: Env,
  { processEnv = pgEnvironment(), warn = (line: string) => console.error(`warning: ${line}`) }: {
    processEnv?: Env;
    warn?: (line: string) => void;
  } = {},
): void {
  for (const line of cleartextPasswordWarnings(env, processEnv)) {
    if (printed.has(line)) continue;
    printed.add(line);
    warn(line);
  }
}

/** The pg driver's variables of the process environment (none without permission to read it). */
function pgEnvironment(): Env {
  const names = ["PGSSLMODE", "PGHOST", "PGPASSWORD"];
  try {
    return Object.fromEntries(names.map((name) => [name, Deno.env.get(name)]));
  } catch {
    return {};
  }
}

/** What the pg driver reaches with a URL: its host, whether it sends a password, and why no TLS. */
interface PostgresConnection {
  host: string;
  password: boolean;
  /** why the connection has no TLS; null: it has */
  noTls: string | null;
}

/**
 * The connection as pg-connection-string and pg 8 read the URL (a socket URL's empty host, the
 * ?host, ?password and ssl parameters, the last of each winning; PGSSLMODE only when the URL says
 * nothing of TLS); null when pg could not read it either.
 *
 * Read by hand, not with pg-connection-string's parse (2.14.1, pg 8.23.1's): parse reads the
 * files ?sslcert, ?sslkey and ?sslrootcert name (a settings check would open a private key, and
 * throws when the path is relative to another folder: `?sslrootcert=ca.pem`, TLS all the same), and
 * prints pg's deprecation warning for sslmode=prefer/require/verify-ca on stderr; nor would it say
 * which parameter turned TLS off, which the warning names.
 */
function postgresConnection(raw: string, processEnv: Env): PostgresConnection | null {
  let url: URL;
  let noHost = false;
  try {
    url = new URL(raw);
  } catch {
    try {
      url = new URL(raw.replace("@/", "@socket.invalid/"));
      noHost = true;
    } catch {
      return null;
    }
  }
  const params = new Map(url.searchParams);
  const hostname = noHost ? "" : decoded(url.hostname.replace(/^\[(.+)\]$/, "$1"));
  const host = params.get("host") || hostname || processEnv.PGHOST || "localhost";
  const password = Boolean(
    params.get("password") || url.password || processEnv.PGPASSWORD,
  );
  return { host, password, noTls: noTlsReason(params, processEnv) };
}

/** The PGSSLMODE values with which pg uses TLS (its readSSLConfigFromEnvironment). */
const PGSSLMODE_TLS = ["prefer", "require", "verify-ca", "verify-full", "no-verify"];

/** Why pg connects without TLS with these ?parameters, or null when it uses TLS. */
function noTlsReason(params: Map<string, string>, processEnv: Env): string | null {
  const sslmode = params.get("sslmode");
  if (sslmode === "disable") return "sslmode=disable";
  // any of these makes pg use TLS (its ssl options), as does any ssl value but 0 or empty
  if (sslmode || params.get("sslcert") || params.get("sslkey") || params.get("sslrootcert")) {
    return null;
  }
  const ssl = params.get("ssl");
  if (ssl !== undefined) return ssl === "0" || ssl === "" ? `ssl=${ssl}` : null;
  if (params.get("sslnegotiation") === "direct") return null;
  const fromEnvironment = processEnv.PGSSLMODE;
  if (fromEnvironment === "disable") return "PGSSLMODE=disable in the environment";
  if (PGSSLMODE_TLS.includes(fromEnvironment ?? "")) return null;
  return "no sslmode in it, which the pg driver reads as no TLS";
}

function postgresWarning(raw: string, processEnv: Env): string | null {
  const connection = postgresConnection(raw, processEnv);
  if (!connection?.password || connection.noTls === null) return null;
  // a socket path never leaves this machine
  if (connection.host.startsWith("/") || isLoopback(connection.host)) return null;
  return `PRICING_PG_URL connects to ${connection.host} without TLS (${connection.noTls}): its password and the data cross the network unencrypted; use TLS: sslmode=require (or verify-full) in PRICING_PG_URL`;
}

function clickHouseWarning(env: Env): string | null {
  let url: URL;
  try {
    url = new URL(env.PRICING_CH_URL!);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" || isLoopback(url.hostname)) return null;
  const from = env.PRICING_CH_PASSWORD ? "PRICING_CH_PASSWORD" : url.password ? "in the URL" : null;
  if (from === null) return null;
  return `PRICING_CH_URL is http:// to ${url.hostname}: the ClickHouse password (${from}) and the data cross the network unencrypted; use TLS: https:// and the server's TLS port (8443) in PRICING_CH_URL`;
}

/** A host %-decoded as pg decodes it (as written when that fails). */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
