/**
 * Connection settings and run options. Settings come from the environment, then a `.env` file
 * (the environment wins). Every name is documented in the README and in `.env.example`.
 */

import { nearestName } from "./nearest_name.ts";
import { quoteValue } from "./quote.ts";
import { listInWords } from "./words.ts";
import { warnOfCleartextPasswords } from "./cleartext_passwords.ts";

// (in a module of their own, which the settings file's reader shares without a cycle)
export { type Env, UserError } from "./user_error.ts";
import { type Env, UserError } from "./user_error.ts";
export { loadEnv, parseDotEnv, parseDotEnvLines } from "./env_file.ts";
import { checkedUrl } from "./connection_url.ts";
import type { DemoReason } from "./demo_reason.ts";

export interface PostgresSettings {
  url: string;
  statementTimeoutMs: number;
  /**
   * how long the kit waits for an answer to each statement (a frozen backend, a failover, a
   * network black hole, where the server's statement timeout never reaches it): default the
   * statement timeout + 30 s
   */
  requestTimeoutMs: number;
  /** queries run at once on PostgreSQL (each on its own connection) */
  maxConnections: number;
}

export interface ClickHouseSettings {
  url: string;
  username: string;
  password: string;
  database: string;
  maxExecutionSeconds: number;
  /** how long the client waits for an answer (a frozen server): default max execution + 30 s */
  requestTimeoutSeconds: number;
  /**
   * PRICING_CH_REQUEST_TIMEOUT_SECONDS was set (not its default): once the profile is known to take
   * max_execution_time, it must be above it (lib/sources/clickhouse.ts sessionSettings)
   */
  requestTimeoutSet?: boolean;
  /** sent as the `readonly` setting: 2 = reads only, settings allowed; "off" sends nothing */
  readonly: "1" | "2" | "off";
  maxConcurrentQueries: number;
  /** where the user name and password came from, for a refusal's message (absent: the variables) */
  credentialsFrom?: string;
  requestTable: string;
  ptbTable: string;
}

export interface SourceSettings {
  postgres: PostgresSettings | null;
  clickhouse: ClickHouseSettings | null;
  /** folder whose `postgres/` and `clickhouse/` SQL files replace the built-in ones by name */
  queriesDir?: string;
}

/**
 * A setting's number, read the one way every numeric setting is read: plain decimal digits with
 * an optional sign and fraction (`120`, `0.05`, `-1`), else NaN for the caller's one-line error.
 * Number() alone took `0x10` as 16, `1e3` as 1000 and ` ` as 0.
 */
export function settingNumber(raw: string): number {
  const text = raw.trim();
  return /^-?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
}

/** A limit past which a setting fails later, far from its name: said at config time instead. */
interface Ceiling {
  max: number;
  why: string;
}

/** PostgreSQL's statement_timeout is an int of milliseconds. */
const PG_TIMEOUT_CEILING: Ceiling = {
  max: 2_147_483_647,
  why: "PostgreSQL's limit, about 24.8 days",
};
/** A request timeout is a timer, and a longer timer fires at once (Node sets it to 1 ms). */
export const TIMER_SECONDS_CEILING: Ceiling = {
  max: 2_147_483,
  why: "the longest timer, about 24.8 days",
};
const TIMER_MS_CEILING: Ceiling = { max: 2_147_483_647, why: TIMER_SECONDS_CEILING.why };

/** Whether a setting is given (empty is unset, as every setting reads it). */
function settingGiven(env: Env, name: string): boolean {
  return env[name] !== undefined && env[name] !== "";
}

export interface PositiveIntOptions {
  /** the setting's name, as the error line names it */
  name: string;
  /** the value when unset */
  fallback: number;
  /** the largest value allowed, and why */
  ceiling?: Ceiling;
}

/** A whole-number setting > 0 (`fallback` when unset), at most `ceiling.max` when given. */
export function positiveInt(env: Env, { name, fallback, ceiling }: PositiveIntOptions): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = settingNumber(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new UserError(`${name} must be a positive whole number, got ${JSON.stringify(raw)}`);
  }
  if (ceiling && value > ceiling.max) {
    throw new UserError(
      `${name} must be at most ${ceiling.max} (${ceiling.why}), got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/**
 * The sslmodes the pg driver knows (pg-connection-string): any other value (a typo such as
 * `disabled`, or libpq's `allow`) it reads as "TLS, verified", whose failure on a server
 * without TLS then blamed the wrong setting.
 */
const PG_SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify"];

export function postgresSettings(env: Env): PostgresSettings | null {
  if (!env.PRICING_PG_URL) return null;
  const url = checkedUrl(env, {
    name: "PRICING_PG_URL",
    protocols: ["postgres:", "postgresql:"],
    example: "postgres://readonly_user:password@db.example.com:5432/postgres",
  });
  for (const mode of url.searchParams.getAll("sslmode")) {
    if (mode === "" || PG_SSL_MODES.includes(mode)) continue; // (empty: unset, as pg reads it)
    const near = nearestName(mode, PG_SSL_MODES);
    throw new UserError(
      `PRICING_PG_URL's sslmode=${JSON.stringify(mode)} is not one the pg driver knows${
        near ? ` (did you mean sslmode=${near}?)` : ""
      }; use ${listInWords(PG_SSL_MODES, { conjunction: "or" })}`,
    );
  }
  // pg decodes the user name and password itself: a bad escape failed as "URI malformed", or (a %
  // not followed by hex) made it re-encode the whole URL, reading %2F, %3F… as written, so the
  // server refused a password that was not the one meant
  for (const [part, raw] of [["user name", url.username], ["password", url.password]]) {
    try {
      decodeURIComponent(raw);
    } catch {
      throw new UserError(
        `PRICING_PG_URL's ${part} has a malformed %-escape; write % as %25 (and @ as %40, / as %2F, ? as %3F, # as %23)`,
      );
    }
  }
  // pg refuses a bad ?port= only as it connects, and its pool then never ends: the export hung
  for (const port of url.searchParams.getAll("port")) {
    if (port === "" || (/^\d{1,5}$/.test(port) && +port >= 1 && +port <= 65535)) continue;
    throw new UserError(
      `PRICING_PG_URL's port=${
        quoteValue(port)
      } is no port number; use a whole number from 1 to 65535, or leave it out (5432)`,
    );
  }
  const statementTimeoutMs = positiveInt(env, {
    name: "PRICING_PG_STATEMENT_TIMEOUT_MS",
    fallback: 120_000,
    ceiling: PG_TIMEOUT_CEILING,
  });
  const requestTimeoutMs = positiveInt(env, {
    name: "PRICING_PG_REQUEST_TIMEOUT_MS",
    fallback: Math.min(statementTimeoutMs + 30_000, TIMER_MS_CEILING.max),
    ceiling: TIMER_MS_CEILING,
  });
  assertAboveServerLimit({
    env,
    request: { name: "PRICING_PG_REQUEST_TIMEOUT_MS", value: requestTimeoutMs },
    server: { name: "PRICING_PG_STATEMENT_TIMEOUT_MS", value: statementTimeoutMs },
    unset: "the statement timeout + 30000",
  });
  return {
    url: env.PRICING_PG_URL,
    statementTimeoutMs,
    requestTimeoutMs,
    maxConnections: positiveInt(env, { name: "PRICING_PG_MAX_CONNECTIONS", fallback: 2 }),
  };
}

/**
 * A request timeout set at or below the server-side limit it backs up, refused: the kit's wait is
 * for a server that cannot answer (frozen, failing over, a lost network), and below the limit a
 * query that is merely slow was given up on and reported as a frozen server.
 */
function assertAboveServerLimit(
  { env, request, server, unset }: {
    env: Env;
    request: { name: string; value: number };
    server: { name: string; value: number };
    /** what the request timeout is when unset */
    unset: string;
  },
): void {
  // (unset, its default is above the limit, or both are at the longest timer)
  if (!settingGiven(env, request.name)) return;
  if (request.value > server.value) return;
  throw notAboveServerLimit({ request, server, unset });
}

/**
 * The refusal of a request timeout at or below the server-side limit it backs up; `sent` says how
 * the limit reaches the server, when that depends on the server (ClickHouse's profile).
 */
export function notAboveServerLimit(
  { request, server, unset, sent = "" }: {
    request: { name: string; value: number };
    server: { name: string; value: number };
    /** what the request timeout is when unset */
    unset: string;
    /** e.g. ", sent as max_execution_time (…)" */
    sent?: string;
  },
): UserError {
  return new UserError(
    `${request.name}=${request.value} is not above ${server.name}=${server.value}${sent}: it is how long the kit waits for an answer once the server's own limit should have ended the query, so below it a slow query is given up on as if the server were frozen; raise it or leave it unset (${unset}), or lower ${server.name}`,
  );
}

/** A user name or password from PRICING_CH_URL, %-decoded; a bad escape names the part, never its text. */
function urlPart(raw: string, part: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new UserError(
      `PRICING_CH_URL's ${part} has a malformed %-escape; write % as %25, or set PRICING_CH_${
        part === "password" ? "PASSWORD" : "USER"
      } instead`,
    );
  }
}

export function clickHouseSettings(env: Env): ClickHouseSettings | null {
  if (!env.PRICING_CH_URL) return null;
  const url = checkedUrl(env, {
    name: "PRICING_CH_URL",
    protocols: ["http:", "https:"],
    example: "https://clickhouse.example.com:8443",
  });
  const readonly = env.PRICING_CH_READONLY || "2";
  if (readonly !== "1" && readonly !== "2" && readonly !== "off") {
    throw new UserError(`PRICING_CH_READONLY must be 1, 2 or off, got ${JSON.stringify(readonly)}`);
  }
  // The client reads a path as the database (over PRICING_CH_DATABASE) and parameters from the
  // query (refusing unknown ones in its own words); the kit's settings each have their variable.
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    throw new UserError(
      "PRICING_CH_URL must be scheme://[user:password@]host:port with no path, ?parameters or #fragment; set the database with PRICING_CH_DATABASE",
    );
  }
  const maxExecutionSeconds = positiveInt(env, {
    name: "PRICING_CH_MAX_EXECUTION_SECONDS",
    fallback: 120,
    ceiling: TIMER_SECONDS_CEILING,
  });
  // Credentials may sit in the URL or in their own variables; the variables win. An empty one
  // (`PRICING_CH_PASSWORD=` in a settings file) is unset, as every other setting's empty value.
  const userSetting = env.PRICING_CH_USER || undefined;
  const passwordSetting = env.PRICING_CH_PASSWORD || undefined;
  const username = userSetting ?? urlPart(url.username || "default", "user name");
  const password = passwordSetting ?? urlPart(url.password, "password");
  const credentialsFrom = `user from ${
    userSetting !== undefined
      ? "PRICING_CH_USER"
      : url.username
      ? "PRICING_CH_URL"
      : "the default (default)"
  }, password from ${
    passwordSetting !== undefined
      ? "PRICING_CH_PASSWORD"
      : url.password
      ? "PRICING_CH_URL"
      : "nowhere (none set)"
  }`;
  url.username = "";
  url.password = "";
  const requestTimeoutSeconds = positiveInt(env, {
    name: "PRICING_CH_REQUEST_TIMEOUT_SECONDS",
    fallback: Math.min(maxExecutionSeconds + 30, TIMER_SECONDS_CEILING.max),
    ceiling: TIMER_SECONDS_CEILING,
  });
  // Whether it must be above PRICING_CH_MAX_EXECUTION_SECONDS is known only once the profile is:
  // max_execution_time is not sent with PRICING_CH_READONLY=off nor to a readonly=1 profile, and
  // the wait is then the only limit (lib/sources/clickhouse.ts sessionSettings checks it).
  const requestTimeoutSet = settingGiven(env, "PRICING_CH_REQUEST_TIMEOUT_SECONDS");
  return {
    url: url.toString().replace(/\/$/, ""),
    username,
    password,
    database: env.PRICING_CH_DATABASE || "default",
    maxExecutionSeconds,
    requestTimeoutSeconds,
    requestTimeoutSet,
    readonly,
    maxConcurrentQueries: positiveInt(env, {
      name: "PRICING_CH_MAX_CONCURRENT_QUERIES",
      fallback: 2,
    }),
    credentialsFrom,
    requestTable: tableName(env, "PRICING_CH_REQUEST_TABLE", { fallback: "request_response_rmt" }),
    ptbTable: tableName(env, "PRICING_CH_PTB_TABLE", { fallback: "organization_ptb_spend" }),
  };
}

/**
 * A table name the queries take as `{…:Identifier}`: `table` or `database.table`, each part
 * letters, digits and `_` not starting with a digit (lib/sources/sql.ts quotes each part).
 */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** A table-name setting, checked with the other settings: before any query, naming the variable. */
function tableName(env: Env, name: string, { fallback }: { fallback: string }): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!TABLE_NAME.test(raw.trim())) {
    throw new UserError(
      `${name} must be a table name, table or database.table (letters, digits and _, not starting with a digit), got ${
        JSON.stringify(raw)
      }`,
    );
  }
  return raw.trim();
}

/**
 * Database settings, or null when none is configured (the export then runs on demo data).
 * Half a configuration is an error: exporting usage without seats (or the reverse) would mislead.
 * A password that would cross the network unencrypted is warned of on stderr, once per process.
 */
export function sourceSettings(env: Env): SourceSettings | null {
  const postgres = postgresSettings(env);
  const clickhouse = clickHouseSettings(env);
  if (!postgres && !clickhouse) return null;
  if (!postgres) {
    throw new UserError(
      "PRICING_PG_URL is not set (PRICING_CH_URL is): set both, or pass --demo (a notebook: demo = true) for the demo data",
    );
  }
  if (!clickhouse) {
    throw new UserError(
      "PRICING_CH_URL is not set (PRICING_PG_URL is): set both, or pass --demo (a notebook: demo = true) for the demo data",
    );
  }
  // every entry point that connects reads its settings here
  warnOfCleartextPasswords(env);
  return { postgres, clickhouse, queriesDir: env.PRICING_QUERIES_DIR || undefined };
}

/**
 * What a run reads: the databases (sourceSettings), or the demo dataset and why. `demo` true asks
 * for the demo, false refuses it (the run fails without a database), undefined falls back to it
 * when no database is configured.
 */
export function sourceOrDemo(
  demo: boolean | undefined,
  env: Env,
): { settings: SourceSettings | null; demo: boolean; demoReason: DemoReason | null } {
  const settings = demo ? null : sourceSettings(env);
  if (demo === false && !settings) {
    throw new UserError(
      "no database configured: set PRICING_PG_URL and PRICING_CH_URL (see .env.example), or pass --demo (a notebook: demo = true) for the demo data",
    );
  }
  if (settings) return { settings, demo: false, demoReason: null };
  return { settings, demo: true, demoReason: demo ? "requested" : "no-database" };
}
