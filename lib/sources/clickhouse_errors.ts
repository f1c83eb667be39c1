/**
 * ClickHouse failures as one line a user can act on: the query file, the server's host:port
 * (never the credentials) and the setting to change.
 */
import { type ClickHouseSettings, UserError } from "../core/config.ts";

/**
 * Whether a failed request's query is over on the server: ClickHouse answered with its
 * exception (`Code: N`, an HTTP error or the last line of a body). Anything else (the client's
 * timeout, a connection cut, a file that could not be written) may leave it running.
 */
export function endedOnServer(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  // (the client parses modern servers' exceptions into a numeric code; 18.16's stay text)
  return (typeof e?.code === "string" && /^\d+$/.test(e.code)) ||
    /Code: \d+[.,] /.test(String(e?.message ?? error));
}

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
  return new UserError(
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
  if (
    code && ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "ECONNRESET"].includes(code)
  ) {
    return new UserError(
      `cannot reach ClickHouse at ${server} (${code}) running ${file}; check PRICING_CH_URL`,
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
  if (serverCode === "164") {
    return new UserError(
      `${file}: the ClickHouse user's profile at ${server} refuses the settings sent (${
        Object.keys(sent).join(", ") || "none"
      }); set PRICING_CH_READONLY=off: ${message}`,
    );
  }
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
