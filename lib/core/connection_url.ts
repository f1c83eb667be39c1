/**
 * Connection URLs (PRICING_PG_URL, PRICING_CH_URL): checked before anything parses them, since a
 * parser's error or result could carry part of the password, and shown with every password
 * masked (redactUrl). The settings (config.ts) read them through checkedUrl.
 */
import { type Env, UserError } from "./user_error.ts";

/**
 * True when an `@` comes after the end of the URL's authority (the first `/`, `?`, `#`, or on
 * http(s) a backslash, after `//`): a password holding one of those unencoded, which a URL parser
 * cuts there, taking part of the password for the host, port, path, a parameter or the fragment
 * (shown in errors). Only a ?parameter's value may hold an @ (`?application_name=me@laptop`,
 * `?password=s3c@ret`), and only after a user name and a host (`user@host/db?…`): without them
 * `user:4711?k=s3cret@host` is a cut password as a parser reads it (host `user`, port 4711, a
 * parameter holding the rest), and one whose @ is followed by a host's port or a path
 * (`user:a@b?k=s3cret@host:5432/db`) too.
 */
function atAfterAuthority(raw: string): boolean {
  const start = raw.indexOf("//");
  if (start < 0) return false;
  const rest = raw.slice(start + 2);
  const end = rest.search(/^https?:/i.test(raw) ? /[/?#\\]/ : /[/?#]/);
  if (end < 0) return false;
  const authority = rest.slice(0, end);
  const after = rest.slice(end);
  const hash = after.indexOf("#");
  const beforeFragment = hash < 0 ? after : after.slice(0, hash);
  const question = beforeFragment.indexOf("?");
  const path = question < 0 ? beforeFragment : beforeFragment.slice(0, question);
  const query = question < 0 ? "" : beforeFragment.slice(question);
  if (path.includes("@") || (hash >= 0 && after.slice(hash).includes("@"))) return true;
  if (!query.includes("@")) return false;
  const at = authority.lastIndexOf("@");
  if (at < 0 || at === authority.length - 1) return true; // no user name, or no host
  // each parameter's value may hold an @ not followed by a port or a path; a parameter without
  // `=` holds none
  const values = [...query.matchAll(/[?&]([^=&@]*)=([^&]*)/g)].map((match) => match[2]);
  if (values.some((value) => /@[^@]*(:\d+|\/)/.test(value))) return true;
  return query.replace(/[?&][^=&@]*=[^&]*/g, "").includes("@");
}

/**
 * A PostgreSQL socket URL with a user and no host (`postgres://user:pw@/db?host=/run/postgresql`,
 * which pg reads) as a URL parser takes it: a placeholder host after the `@`; null for any other.
 */
function withPlaceholderHost(raw: string): string | null {
  const placed = raw.replace(
    /^(postgres(?:ql)?:\/\/[^/?#]*@)(?=[/?#]|$)/i,
    `$1${PLACEHOLDER_HOST}`,
  );
  return placed === raw ? null : placed;
}

const PLACEHOLDER_HOST = "socket.invalid";

/** The one-line refusal of such a URL; it never shows the URL. */
function unencodedPasswordError(name: string): UserError {
  return new UserError(
    `${name} has an @ after its host (not shown): percent-encode @ / ? # \\ in the user name and password (@ as %40, / as %2F, ? as %3F, # as %23, \\ as %5C)`,
  );
}

/** A URL written scheme://…, the one form whose password a parser (and redactUrl) can find. */
const HAS_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\//i;

export interface CheckedUrlOptions {
  /** the setting's name, as the error line names it */
  name: string;
  /** the schemes allowed, with their colon (`"postgres:"`) */
  protocols: string[];
  /** a URL of the right form, shown in the refusal */
  example: string;
}

/**
 * The URL setting `name`, refused in one line that never shows its password: written without
 * `//`, with an unencoded @ / ? # \ in its user name or password, unparseable, or of another
 * scheme than `protocols`.
 */
export function checkedUrl(env: Env, { name, protocols, example }: CheckedUrlOptions): URL {
  const raw = env[name] ?? "";
  const expected = `${protocols.map((p) => p + "//").join(" or ")} (like ${example})`;
  // before parsing: `postgres:user:pw@host` (the // forgotten) parses with no host, the whole
  // text as its path, shown unmasked in every connection error; the value is not echoed
  if (!HAS_AUTHORITY.test(raw.trim())) {
    throw new UserError(`${name} must start with ${expected}; its value is not shown`);
  }
  // before parsing: the parser's error or result could carry part of the password
  if (atAfterAuthority(raw)) throw unencodedPasswordError(name);
  let url: URL;
  try {
    url = new URL(withPlaceholderHost(raw) ?? raw);
  } catch {
    throw new UserError(`${name} is not a URL; expected something like ${example}`);
  }
  if (!protocols.includes(url.protocol)) throw new UserError(`${name} must start with ${expected}`);
  return url;
}

/**
 * Removes the password (and any `…password=` parameter) from a connection URL so it can be shown.
 * A URL with an `@` after its authority (an unencoded `@ / ? #` in the password, refused by the
 * settings) shows nothing between `//` and its last `@`: where the password ends cannot be known.
 */
export function redactUrl(raw: string): string {
  if (atAfterAuthority(raw)) {
    // what follows the last @ (the host, the path, parameters) shown as such a URL is
    const scheme = raw.slice(0, raw.indexOf("//") + 2);
    const rest = redactUrl(`${scheme}${raw.slice(raw.lastIndexOf("@") + 1)}`);
    return rest.startsWith(scheme) ? `${scheme}***@${rest.slice(scheme.length)}` : `${scheme}***`;
  }
  try {
    const placed = withPlaceholderHost(raw);
    const url = new URL(placed ?? raw);
    // with no // (refused by the settings) all of it is the path: where a password is, unknown
    if (!HAS_AUTHORITY.test(raw.trim())) return `${url.protocol}***`;
    if (url.password) url.password = "***";
    // pg reads every ?parameter as a setting: `?password=…` (or `sslpassword`) is a password too;
    // one holding an unencoded & goes on as parameters pg does not know (`?password=a&b=c`), and
    // one holding a # as the fragment, which nothing reads
    let afterPassword = false;
    const search = url.search.replace(
      /([?&])([^=&#]*)=[^&#]*/g,
      (param, separator: string, key: string) => {
        const name = paramName(key);
        const masked = /password/i.test(name) ||
          (afterPassword && !PG_PARAMETERS.has(name.toLowerCase()));
        afterPassword ||= /password/i.test(name);
        return masked ? `${separator}${key}=***` : param;
      },
    );
    if (search !== url.search) url.search = search;
    if (url.hash) url.hash = "***";
    return placed ? url.toString().replace(`@${PLACEHOLDER_HOST}`, "@") : url.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** The ?parameters pg reads (pg-connection-string, pg's Client): shown after a password's. */
// deno-fmt-ignore
const PG_PARAMETERS = new Set([
  "host", "port", "user", "db", "dbname", "database", "encoding", "client_encoding", "options",
  "passfile", "application_name", "fallback_application_name", "ssl", "sslmode", "sslcert",
  "sslkey", "sslrootcert", "sslnegotiation", "uselibpqcompat", "connect_timeout", "keepalives",
  "keepalives_idle", "statement_timeout", "query_timeout", "lock_timeout",
  "idle_in_transaction_session_timeout", "replication", "target_session_attrs",
]);

/** A ?parameter's name as pg reads it (`+` a blank, %-escapes decoded). */
function paramName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    return raw;
  }
}
