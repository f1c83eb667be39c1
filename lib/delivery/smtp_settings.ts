/**
 * SMTP settings from the environment, checked at start: one line naming what is wrong and the fix,
 * never a password; addresses as the relay will get them (nodemailer reads loose syntax as comments
 * and groups and sends elsewhere), the host a host (not a URL with its password).
 */
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import { isLoopback } from "../core/loopback.ts";
import { positiveInt, settingNumber, TIMER_SECONDS_CEILING, UserError } from "../core/config.ts";

export type SmtpSecurity = "tls" | "starttls" | "none";

export interface SmtpSettings {
  host: string;
  port: number;
  /** tls: TLS from the first byte (port 465); starttls: upgrade after EHLO (587); none: plain */
  security: SmtpSecurity;
  user?: string;
  password?: string;
  from: string;
  to: string[];
  /** refuse a message whose attachments add up to more than this many bytes (before base64) */
  maxAttachmentBytes: number;
  /** each read or write must progress within this time */
  timeoutMs: number;
  /** extra CA certificates (PEM) to trust, for relays with a private CA */
  ca?: string;
  /** the name sent with EHLO */
  clientName: string;
}

/**
 * Most providers cap a message at 25 MB (25,000,000 bytes) after base64, which grows attachments
 * by a third and its line breaks by 2 bytes in 78 (×1.368): 17 MB (MiB, as the setting counts:
 * 17,825,792 bytes) of attachments make a message of ~24.4 MB, under it; 18 MiB made 25.8 MB.
 */
export const DEFAULT_MAX_ATTACHMENT_MB = 17;

/**
 * An address as the relay gets it: a dot-atom before the @ (RFC 5322's characters, or letters and
 * digits beyond ASCII, RFC 6531) and a domain of labels. nodemailer reads anything else as address
 * syntax and sends elsewhere: `a(b)@x.com` to a@x.com (a comment), `a@exa(mple).com` to a@exa.com,
 * `team:a@x.com` to a@x.com (a group), and it drops NULs and zero-width spaces.
 */
const ATOM = "(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[\\p{L}\\p{M}\\p{N}])+";
const LABEL = "[\\p{L}\\p{M}\\p{N}](?:[\\p{L}\\p{M}\\p{N}-]*[\\p{L}\\p{M}\\p{N}])?";
const ADDRESS = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})*$`, "u");

/**
 * `address` with its domain in ASCII (an IDN as punycode, which relays without SMTPUTF8 take;
 * nodemailer converts it only when the part before the @ is ASCII), or null when it is not one
 * address.
 */
function relayAddress(address: string): string | null {
  if (!ADDRESS.test(address)) return null;
  const at = address.lastIndexOf("@");
  const domain = domainToASCII(address.slice(at + 1));
  return domain ? `${address.slice(0, at)}@${domain}` : null;
}

function positiveNumber(
  env: Record<string, string | undefined>,
  name: string,
  { fallback }: { fallback: number },
) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = settingNumber(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new UserError(`${name} must be a number > 0, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A host name (an IDN too) or an IP address: nothing nodemailer would look up as another name. */
const HOST_NAME = /^[\p{L}\p{M}\p{N}_-]+(?:\.[\p{L}\p{M}\p{N}_-]+)*\.?$/u;

/**
 * PRICING_SMTP_HOST is a host, not a URL or `host:port`: those were looked up as names, and the
 * failure quoted them, a URL's password with it.
 */
function checkHost(host: string): void {
  if (isIP(host) !== 0 || HOST_NAME.test(host)) return;
  if (host.includes("@") || host.includes("/")) {
    // (not shown: `smtp://user:password@host` holds the password)
    throw new UserError(
      "PRICING_SMTP_HOST must be a host name like smtp.example.com, not a URL or user@host (the value is not shown: it may hold the password); set PRICING_SMTP_PORT, PRICING_SMTP_USER and PRICING_SMTP_PASSWORD on their own",
    );
  }
  const withPort = host.match(/^(.+):(\d+)$/);
  if (withPort && (isIP(withPort[1]) === 4 || HOST_NAME.test(withPort[1]))) {
    throw new UserError(
      `PRICING_SMTP_HOST must be a host name without a port, got ${
        JSON.stringify(host)
      }; set PRICING_SMTP_HOST=${withPort[1]} and PRICING_SMTP_PORT=${withPort[2]}`,
    );
  }
  throw new UserError(
    `PRICING_SMTP_HOST must be a host name like smtp.example.com or an IP address, got ${
      JSON.stringify(host)
    }`,
  );
}

/**
 * SMTP settings from the environment, or null when PRICING_SMTP_HOST is not set (email off).
 *
 * PRICING_SMTP_HOST, PRICING_SMTP_PORT (465 for tls, else 587), PRICING_SMTP_SECURITY
 * (tls | starttls | none; default tls on port 465, else starttls), PRICING_SMTP_USER,
 * PRICING_SMTP_PASSWORD, PRICING_EMAIL_FROM, PRICING_EMAIL_TO (comma-separated),
 * PRICING_EMAIL_MAX_ATTACHMENTS_MB (17, MiB), PRICING_SMTP_TIMEOUT_SECONDS (30, whole, ≤ 2147483),
 * PRICING_SMTP_CA_FILE (PEM file of an extra CA).
 */
export function smtpSettingsFromEnv(env: Record<string, string | undefined>): SmtpSettings | null {
  const rawHost = env.PRICING_SMTP_HOST?.trim();
  if (!rawHost) return null;
  // A line break would end an SMTP command or a header: refused, the value not shown (secrets).
  for (const [name, value] of Object.entries(env)) {
    if (/^PRICING_(SMTP|EMAIL)_/.test(name) && value !== undefined && /[\r\n]/.test(value)) {
      throw new UserError(
        `${name} contains a line break (CR or LF); SMTP settings must be one line`,
      );
    }
  }
  checkHost(rawHost);
  // a name's IDN labels as punycode (DNS and the certificate's names are ASCII)
  const host = isIP(rawHost) === 0 ? domainToASCII(rawHost) || rawHost : rawHost;
  const rawSecurity = env.PRICING_SMTP_SECURITY?.trim().toLowerCase();
  if (rawSecurity && !["tls", "starttls", "none"].includes(rawSecurity)) {
    throw new UserError(
      `PRICING_SMTP_SECURITY must be tls, starttls or none, got ${JSON.stringify(rawSecurity)}`,
    );
  }
  const rawPort = env.PRICING_SMTP_PORT?.trim();
  let port: number;
  if (rawPort) {
    port = settingNumber(rawPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UserError(
        `PRICING_SMTP_PORT must be a port number, got ${JSON.stringify(rawPort)}`,
      );
    }
  } else port = rawSecurity === "tls" ? 465 : 587;
  const security = (rawSecurity || (port === 465 ? "tls" : "starttls")) as SmtpSecurity;

  const rawFrom = env.PRICING_EMAIL_FROM?.trim() ?? "";
  const from = relayAddress(rawFrom);
  if (from === null) {
    throw new UserError(
      `PRICING_EMAIL_FROM must be one address like pricing-kit@example.com, got ${
        JSON.stringify(rawFrom)
      }`,
    );
  }
  const rawTo = (env.PRICING_EMAIL_TO ?? "").split(",").map((a) => a.trim()).filter(Boolean);
  if (rawTo.length === 0) {
    throw new UserError("PRICING_EMAIL_TO is not set: give one or more comma-separated addresses");
  }
  const bad = rawTo.find((a) => relayAddress(a) === null);
  if (bad !== undefined) {
    throw new UserError(
      `PRICING_EMAIL_TO has an invalid address: ${
        JSON.stringify(bad)
      }; write each as name@example.com, without a display name, comment or quotes`,
    );
  }
  const to = rawTo.map((a) => relayAddress(a)!);

  const user = env.PRICING_SMTP_USER || undefined;
  const password = env.PRICING_SMTP_PASSWORD || undefined;
  if (password && !user) {
    throw new UserError("PRICING_SMTP_PASSWORD is set without PRICING_SMTP_USER");
  }
  if (user && security === "none" && !isLoopback(host)) {
    throw new UserError(
      "PRICING_SMTP_SECURITY=none would send the SMTP password unencrypted; use starttls or tls",
    );
  }
  let ca: string | undefined;
  const caFile = env.PRICING_SMTP_CA_FILE?.trim();
  if (caFile) {
    try {
      ca = Deno.readTextFileSync(caFile);
    } catch (error) {
      throw new UserError(
        `PRICING_SMTP_CA_FILE ${caFile} cannot be read (${
          (error as Error).message.split("\n")[0]
        })`,
      );
    }
  }
  return {
    host,
    port,
    security,
    user,
    password,
    from,
    to,
    maxAttachmentBytes: Math.round(
      positiveNumber(env, "PRICING_EMAIL_MAX_ATTACHMENTS_MB", {
        fallback: DEFAULT_MAX_ATTACHMENT_MB,
      }) * 1024 *
        1024,
    ),
    // whole seconds up to the longest timer: a longer one fires at once (Node sets it to 1 ms)
    timeoutMs: positiveInt(env, {
      name: "PRICING_SMTP_TIMEOUT_SECONDS",
      fallback: 30,
      ceiling: TIMER_SECONDS_CEILING,
    }) * 1000,
    ca,
    clientName: "pricing-kit.localhost",
  };
}
