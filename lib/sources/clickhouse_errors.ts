/**
 * ClickHouse failures as one line a user can act on: the query file, the server's host:port
 * (never the credentials) and the setting to change.
 */
import { basename } from "node:path";
import { type ClickHouseSettings, UserError } from "../core/config.ts";
import { isBuiltInQueryFile } from "./sql.ts";

/**
 * Whether a failed request's query is over on the server: ClickHouse answered with its
 * exception (`Code: N`, an HTTP error or the last line of a body). Anything else (the client's
 * timeout, a connection cut, a file that could not be written) may leave it running.
 */
export function endedOnServer(error: unknown): boolean {
  // a server that is not ClickHouse runs no query of ours: nothing to kill
  if (error instanceof NotClickHouse) return true;
  const e = error as { code?: unknown; message?: unknown };
  // (the client parses modern servers' exceptions into a numeric code; 18.16's stay text)
  return (typeof e?.code === "string" && /^\d+$/.test(e.code)) ||
    /Code: \d+[.,] /.test(String(e?.message ?? error));
}

/** An answer without ClickHouse's headers: the server runs no query of the kit's. */
export class NotClickHouse extends UserError {}

/** What answered instead of ClickHouse, in one line: its status and kind, never its page. */
export function notClickHouse(
  answer: {
    server: string;
    /** the query file, or null for the session's first request (the profile check) */
    running: string | null;
    status: number;
    contentType?: string;
    body: string;
  },
): UserError {
  const html = /html/i.test(answer.contentType ?? "") || /^\s*</.test(answer.body);
  const kind = html
    ? "an HTML page"
    : answer.body.trim() === "" && answer.running === null
    ? "an empty body"
    : answer.contentType
    ? answer.contentType.split(";")[0]
    : "no content type";
  const request = answer.running ?? "the kit's first request (the profile check)";
  return new NotClickHouse(
    `the server at ${answer.server} is not ClickHouse: it answered ${request} with HTTP ${answer.status} and ${kind}, without ClickHouse's X-ClickHouse-* headers; is PRICING_CH_URL a ClickHouse HTTP port (8123, or 8443 with TLS)?`,
  );
}

/** host:port of the server, never its credentials. */
export function serverAddress(url: string): string {
  // settings.url holds no credentials; an @ in it means a password the parser would misread
  if (url.includes("@")) return "the configured server";
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
    return `${parsed.hostname}:${port}`;
  } catch {
    return "the configured server";
  }
}

export function clickHouseError(
  error: unknown,
  context: {
    settings: ClickHouseSettings;
    file: string;
    sent: Record<string, string | number>;
    /** the session's profile check, the first request: nothing was known of the server yet */
    probe: boolean;
    /** the words of the query's own SETTINGS clauses (lib/sources/statements.ts), if any */
    querySettings?: string[];
    /**
     * ClickHouse answered an earlier request of this run (the profile check): a connection
     * refused or reset now is the server going away (a restart, a crash, a failover), not the URL
     */
    answeredBefore?: boolean;
  },
): UserError {
  const { settings, file, sent, probe } = context;
  const server = serverAddress(settings.url);
  const e = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  const message = String(e.message ?? error).split("\n")[0].replaceAll(
    settings.password || "\0",
    "***",
  );
  if (context.answeredBefore && (code === "ECONNRESET" || code === "ECONNREFUSED")) {
    // (a query the kill met before its first answer may come back refused: the HTTP client sends
    // a request again whose pooled connection closed before any answer)
    return new UserError(
      `${file} failed on ClickHouse at ${server}, which answered the kit's first request: the connection was ${
        code === "ECONNRESET" ? "closed mid-query" : "refused"
      } (${code}); the server restarted, crashed or failed over, or a proxy between cut the connection: run again once it is back`,
    );
  }
  if (
    code && ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "ECONNRESET"].includes(code)
  ) {
    return new UserError(
      `cannot reach ClickHouse at ${server} (${code}) running ${file}; check PRICING_CH_URL`,
    );
  }
  // TLS that failed: the URL's scheme or the server's certificate, whichever request it was
  // (the profile check's fallback query was named, with no setting to fix)
  if (/wrong version number|InvalidContentType|packet length too long/i.test(message)) {
    return new UserError(
      `ClickHouse at ${server} does not speak TLS on that port, and PRICING_CH_URL says https://: use http:// for its HTTP port (8123) or the port of its HTTPS interface (8443)`,
    );
  }
  // The client's node:https ignores DENO_CERT and reads NODE_EXTRA_CA_CERTS once, at start.
  if (/certificate|UnknownIssuer|NotValidForName|self[- ]signed/i.test(message)) {
    return new UserError(
      `ClickHouse's TLS certificate at ${server} was refused (${message}); check the host name in PRICING_CH_URL, or trust the server's CA: start the kit with NODE_EXTRA_CA_CERTS=ca.pem in its environment (not in .env, which is read too late)`,
    );
  }
  // The client's own request timeout: the server accepted the query and never answered.
  if (/^Timeout error/i.test(message) && probe) {
    return new UserError(
      `ClickHouse at ${server} gave no answer to the kit's first request (the profile check, ${file}) within ${settings.requestTimeoutSeconds} s, the wait PRICING_CH_REQUEST_TIMEOUT_SECONDS allows; the server may be frozen or overloaded, or PRICING_CH_URL names a port that accepts connections but is not ClickHouse's HTTP port`,
    );
  }
  if (/^Timeout error/i.test(message)) {
    const serverLimit = "max_execution_time" in sent
      ? `max_execution_time=${sent.max_execution_time} s (PRICING_CH_MAX_EXECUTION_SECONDS) did not end it`
      : `no max_execution_time was sent (${
        settings.readonly === "off"
          ? "PRICING_CH_READONLY=off"
          : "the user's profile is readonly=1 and refuses every setting"
      })`;
    return new UserError(
      `${file}: ClickHouse at ${server} gave no answer within ${settings.requestTimeoutSeconds} s, the wait PRICING_CH_REQUEST_TIMEOUT_SECONDS allows; ${serverLimit}; the server may be frozen or overloaded`,
    );
  }
  // 18.16's errors reach the client untyped: recognise them by code number in the text too.
  const serverCode = code ?? message.match(/Code: (\d+)/)?.[1];
  if (
    ["192", "193", "194", "516"].includes(serverCode ?? "") ||
    /Wrong password|password is incorrect|Authentication failed|Unknown user/i.test(message)
  ) {
    return new UserError(
      `ClickHouse rejected the credentials (${
        settings.credentialsFrom ?? "PRICING_CH_USER / PRICING_CH_PASSWORD"
      }) at ${server}`,
    );
  }
  if (serverCode === "159" || /Timeout exceeded/i.test(message)) {
    return new UserError(
      `${file} hit ClickHouse's time limit at ${server} (max_execution_time); raise PRICING_CH_MAX_EXECUTION_SECONDS`,
    );
  }
  const missing = missingObject(serverCode, message, context) ??
    missingColumn(serverCode, message, context);
  if (missing) return missing;
  if (serverCode === "164") return readonlyRefusal(message, context);
  if (/Illegal types? .*Float\d+ and Decimal/i.test(message)) {
    return new UserError(
      `${file} failed on ClickHouse at ${server}: the cost column is a Float, and costs are summed as integer nano-USD (UInt64 in production); cast it in a query file of your own (PRICING_QUERIES_DIR), where a NaN or inf is refused naming the organization: ${message}`,
    );
  }
  // An error answer that is not ClickHouse's (a proxy's page, an empty body): the client gives
  // its body as the message; the page is not shown.
  if (message.trim() === "" || /^\s*</.test(message)) {
    return new UserError(
      `the server at ${server} answered ${file} with an error that is not ClickHouse's (${
        message.trim() === "" ? "an empty body" : "an HTML page"
      }); is PRICING_CH_URL a ClickHouse HTTP port (8123, or 8443 with TLS)?`,
    );
  }
  return new UserError(`${file} failed on ClickHouse at ${server}: ${message}`);
}

type ErrorContext = Parameters<typeof clickHouseError>[1];

/** The server's own words: 18.16's `Code: N, e.displayText() = DB::Exception: …, e.what() = …`
 * cut to the `…`; a modern server's message (the client has parsed it) as it is. */
function serverReason(message: string): string {
  const text = message.match(/DB::Exception: (.*?)(?:, e\.what\(\) = .*)?$/)?.[1] ?? message;
  return text.trim().replace(/\.$/, "");
}

/** A name as ClickHouse quotes it in a message (`db`.`table`, 'table'), unquoted. */
function unquoted(name: string): string {
  // `my db`, `a\'b`: ClickHouse quotes a name that needs it in backticks, escapes with \
  const quoted = /^`((?:[^`\\]|\\.)*)`$/.exec(name);
  if (quoted) return quoted[1].replace(/\\(.)/g, "$1");
  return name.replace(/[`'"]/g, "");
}

/**
 * A database name in a server's message: backtick-quoted (a blank or quote in it: a .env value
 * with a trailing blank was blamed on the kit's query) or bare.
 */
const NAME = "(`(?:[^`\\\\]|\\\\.)*`|\\S+)";

/** The table settings, each with the name ClickHouse reads it as (PRICING_CH_DATABASE's if bare). */
function tableSettings(settings: ClickHouseSettings) {
  return ([
    ["PRICING_CH_REQUEST_TABLE", settings.requestTable, "the requests table"],
    ["PRICING_CH_PTB_TABLE", settings.ptbTable, "the PTB spend table"],
  ] as const).map(([variable, value, what]) => {
    const qualified = value.includes(".") ? value : `${settings.database}.${value}`;
    return { variable, value, what, qualified, database: qualified.split(".")[0] };
  });
}

/**
 * A database or table that does not exist (81, 60), or a database the user may not read (291,
 * users.xml allow_databases), blamed on the setting that named it: PRICING_CH_DATABASE (the
 * profile check, the first request, fails so too), PRICING_CH_REQUEST_TABLE or
 * PRICING_CH_PTB_TABLE; else on the query file. Null for other errors.
 */
function missingObject(
  serverCode: string | undefined,
  message: string,
  { settings, file }: ErrorContext,
): UserError | null {
  if (serverCode !== "81" && serverCode !== "60" && serverCode !== "291") return null;
  const server = serverAddress(settings.url);
  const why = serverReason(message);
  const tables = tableSettings(settings);
  const { database } = settings;
  const setTable = (table: (typeof tables)[number]) =>
    `set ${table.variable} to ${table.what} (table, or database.table), or PRICING_CH_DATABASE (${database}) to the database that holds it`;
  if (serverCode === "291") {
    const name = unquoted(why.match(new RegExp(`database ${NAME} for user`, "i"))?.[1] ?? "");
    const table = tables.find((t) => t.database === name);
    if (name === database || (!table && name === "")) {
      return new UserError(
        `the ClickHouse user ${settings.username} may not read the database in PRICING_CH_DATABASE (${database}) at ${server}; set PRICING_CH_DATABASE to a database the user is allowed (users.xml allow_databases, or its grants), or use a user allowed this one`,
      );
    }
    if (table) {
      return new UserError(
        `the ClickHouse user ${settings.username} may not read the database of ${table.variable} (${table.value}) at ${server}; ${
          setTable(table)
        }, one the user is allowed`,
      );
    }
    return new UserError(`${file} failed on ClickHouse at ${server}: ${why}`);
  }
  if (serverCode === "81") {
    const name = unquoted(
      why.match(new RegExp(`^Database ${NAME} does(?:n't| not) exist`, "i"))?.[1] ?? "",
    );
    const table = tables.find((t) => t.database === name && name !== database);
    if (name === database) {
      return new UserError(
        `the ClickHouse database in PRICING_CH_DATABASE (${database}) does not exist at ${server}; set PRICING_CH_DATABASE to the database that holds the requests and PTB spend tables`,
      );
    }
    if (table) {
      return new UserError(
        `the ClickHouse database of ${table.variable} (${table.value}) does not exist at ${server}; ${
          setTable(table)
        }`,
      );
    }
    return new UserError(
      `${file} failed on ClickHouse at ${server}: ${why}; the query names a database the server does not have: fix the query`,
    );
  }
  // 60: 18.16 and modern servers name the table `Table db.name doesn't exist` / `does not
  // exist`; modern servers' analyzer `Unknown table expression identifier 'name'`
  const name = unquoted(
    why.match(/^Table (\S+) does(?:n't| not) exist/i)?.[1] ??
      why.match(/Unknown table expression identifier '([^']+)'/i)?.[1] ?? "",
  );
  const table = tables.find((t) => name === t.qualified || name === t.value);
  if (table) {
    return new UserError(
      `the ClickHouse table in ${table.variable} (${table.value}) does not exist at ${server} (looked for ${table.qualified}); ${
        setTable(table)
      }`,
    );
  }
  return new UserError(
    `${file} failed on ClickHouse at ${server}: ${why}; fix the query, or PRICING_CH_DATABASE (${database}) if the table is in another database`,
  );
}

/** The table setting each ClickHouse query file reads ({request_table}, {ptb_table}). */
const TABLE_OF_QUERY: Record<string, string> = {
  "usage_30d.sql": "PRICING_CH_REQUEST_TABLE",
  "ptb_spend.sql": "PRICING_CH_PTB_TABLE",
};

/**
 * A column the usage or PTB query reads that the table in its setting has not (47: 18.16's
 * `Unknown identifier: x`, modern servers' `Missing columns: 'x'` or `Unknown expression
 * identifier 'x'`): a table of an older schema (production's requests table gained
 * cache_reference_id), or another table. Null for other errors and other queries.
 */
function missingColumn(
  serverCode: string | undefined,
  message: string,
  { settings, file }: ErrorContext,
): UserError | null {
  if (serverCode !== "47") return null;
  const why = serverReason(message);
  const column = why.match(/Unknown identifier: (\S+)/i)?.[1] ??
    why.match(/Missing columns: '([^']+)'/i)?.[1] ??
    why.match(/Unknown expression identifier [`']([^`']+)[`']/i)?.[1];
  const table = tableSettings(settings).find((t) => t.variable === TABLE_OF_QUERY[basename(file)]);
  if (!column || !table) return null;
  const fix = isBuiltInQueryFile(file)
    ? `set ${table.variable} to ${table.what} (table, or database.table) with production's columns, or for a table of your own schema read it with a ${
      basename(file)
    } of your own in PRICING_QUERIES_DIR`
    : `set ${table.variable} to the table that has it, or fix the query`;
  return new UserError(
    `the ClickHouse table in ${table.variable} (${table.value}, read as ${table.qualified}) at ${
      serverAddress(settings.url)
    } has no column ${unquoted(column)}, which ${file} reads: ${fix}`,
  );
}

/**
 * Code 164, something a read-only session forbids. A setting the query's own SETTINGS clause
 * changes is the query's to drop, even one the kit sent too (read-only is never to be turned
 * off for it). The settings the
 * kit sent are to blame only when the server names one of them (or names none, and the query
 * sets nothing); otherwise the query does something readonly forbids (a table function at
 * readonly=1, a write), which no setting should allow.
 */
function readonlyRefusal(
  message: string,
  { settings, file, sent, querySettings = [] }: ErrorContext,
): UserError {
  const server = serverAddress(settings.url);
  const why = serverReason(message);
  const names = Object.keys(sent);
  const refused = why.match(/Cannot modify '([^']+)' setting/i)?.[1];
  const setByQuery = (name: string) =>
    querySettings.some((word) => word.toLowerCase() === name.toLowerCase());
  // (18.16 at readonly=1 refuses any SETTINGS clause as a whole: "Cannot execute SET query")
  const aboutSettings = /\bsetting|\bSET query/i.test(why);
  if (aboutSettings && (refused ? setByQuery(refused) : querySettings.length > 0)) {
    return new UserError(
      `${file}: ClickHouse at ${server} refuses ${
        refused ? `the setting ${refused} in ` : ""
      }the query's own SETTINGS clause, as a read-only session does; remove it from the query: ${why}`,
    );
  }
  if (names.length > 0 && /\bsetting/i.test(why) && (!refused || names.includes(refused))) {
    return new UserError(
      `${file}: the ClickHouse user's profile at ${server} refuses the settings sent (${
        names.join(", ")
      }); set PRICING_CH_READONLY=off: ${why}`,
    );
  }
  const session = "readonly" in sent
    ? `at readonly=${sent.readonly}, which the kit sent (PRICING_CH_READONLY=${settings.readonly})`
    : names.length > 0
    ? "under the user's profile, which is read-only"
    : "under the user's profile (no settings were sent)";
  const hint = sent.readonly === "1" && /table function/i.test(why)
    ? "; or set PRICING_CH_READONLY=2, which allows table functions and still only reads"
    : "";
  return new UserError(
    `${file} does something ClickHouse forbids in read-only mode at ${server}, ${session}: ${why}; change the query${hint}`,
  );
}
