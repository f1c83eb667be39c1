/**
 * Email delivery of an export (the brief + the CSV, or the workbook when there is no CSV) over
 * SMTP with nodemailer (STARTTLS, implicit TLS, AUTH, MIME), and the kit's own rules on top:
 *
 * - TLS certificates are always verified (PRICING_SMTP_CA_FILE adds a CA for private relays);
 * - STARTTLS, when configured, is required (nodemailer's requireTLS), never silently skipped;
 * - a password is never sent over an unencrypted connection except to a loopback relay (refused
 *   in the settings and again before connecting);
 * - attachments above the size guard are refused before connecting;
 * - a CR or LF in any SMTP setting is refused at start (no command or header injection);
 * - errors are one line naming the step and the server's reply, never the password.
 */
import nodemailer from "nodemailer";
import { Buffer } from "node:buffer";
import tls from "node:tls";
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import { positiveInt, settingNumber, TIMER_SECONDS_CEILING, UserError } from "../core/config.ts";
import { type DemoReason, demoReasonText } from "../core/demo_reason.ts";
import { markdownList } from "../formats/markdown.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { checkAttachmentSize, size } from "./size_guard.ts";

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

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function positiveNumber(env: Record<string, string | undefined>, name: string, fallback: number) {
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
      positiveNumber(env, "PRICING_EMAIL_MAX_ATTACHMENTS_MB", DEFAULT_MAX_ATTACHMENT_MB) * 1024 *
        1024,
    ),
    // whole seconds up to the longest timer: a longer one fires at once (Node sets it to 1 ms)
    timeoutMs: positiveInt(env, "PRICING_SMTP_TIMEOUT_SECONDS", 30, TIMER_SECONDS_CEILING) * 1000,
    ca,
    clientName: "pricing-kit.localhost",
  };
}

export interface EmailAttachment {
  filename: string;
  content: Uint8Array;
  contentType?: string;
}

export interface EmailMessage {
  subject: string;
  text: string;
  attachments: EmailAttachment[];
}

const CONTENT_TYPES: Record<string, string> = {
  ".csv": "text/csv; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".json": "application/json",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

export { checkAttachmentSize };

/** Files read into attachments (content type from the extension). */
export async function attachmentsFromFiles(paths: string[]): Promise<EmailAttachment[]> {
  return await Promise.all(paths.map(async (path) => ({
    filename: basename(path),
    content: await readFile(path),
    contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
  })));
}

// ── MIME ────────────────────────────────────────────────────────────────────────────────────

export class SmtpError extends UserError {
  override name = "SmtpError";
}

/** What nodemailer's errors carry besides the message (smtp-connection's _formatError). */
interface NodemailerError extends Error {
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  rejectedErrors?: NodemailerError[];
  recipient?: string;
}

/**
 * `text` (a server's reply) with the password shown as ***: plain, and base64 as AUTH LOGIN and
 * AUTH PLAIN send it; a relay that quotes the failed command would otherwise print it.
 */
function withoutPassword(settings: SmtpSettings, text: string): string {
  const password = settings.password;
  if (!password) return text;
  const base64 = (value: string) => Buffer.from(value, "utf8").toString("base64");
  const forms = [
    base64(`\0${settings.user ?? ""}\0${password}`),
    base64(`${settings.user ?? ""}\0${password}`),
    base64(password),
    password,
  ];
  return forms.reduce((out, form) => out.replaceAll(form, "***"), text);
}

/** A nodemailer failure as one line: the step, the server's reply; a hint where one helps. */
function smtpError(settings: SmtpSettings, error: unknown): SmtpError {
  const e = error as NodemailerError;
  const firstLine = (text: string) =>
    withoutPassword(settings, text.split(/\r?\n/)[0]).slice(0, 200);
  if (e.code === "ETLS" && e.command === "STARTTLS" && e.response) {
    return new SmtpError(
      `SMTP server ${settings.host}:${settings.port} does not offer STARTTLS (${
        firstLine(e.response)
      }); set PRICING_SMTP_SECURITY=tls (port 465) or use another relay`,
    );
  }
  if (e.response && e.command) {
    const recipient = e.rejectedErrors?.[0]?.recipient;
    const command = e.command === "RCPT TO" && recipient ? `RCPT TO:<${recipient}>` : e.command;
    const reply = e.rejectedErrors?.[0]?.response ?? e.response;
    return new SmtpError(`SMTP server refused ${command}: ${firstLine(reply)}`);
  }
  // Connection, TLS and timeout failures: nodemailer wraps Node's message ("Error initiating
  // TLS - self-signed certificate"); the reason is the last part.
  const reason = firstLine(e.message ?? String(error)).replace(/^Error initiating TLS - /, "") +
    (e.code === "ETIMEDOUT"
      ? ` (no reply within ${settings.timeoutMs / 1000} s, PRICING_SMTP_TIMEOUT_SECONDS)`
      : "");
  // The two ways PRICING_SMTP_SECURITY can mismatch the port: said in words, not OpenSSL's.
  const hint = /certificate|self.signed|unable to verify/i.test(reason)
    ? "; if the relay uses a private CA, set PRICING_SMTP_CA_FILE"
    : settings.security === "tls" && /wrong version number/i.test(reason)
    ? "; the relay does not speak TLS from the first byte on this port: set PRICING_SMTP_SECURITY=starttls (ports 587 and 25), or use its TLS port (465)"
    : settings.security !== "tls" && e.code === "ETIMEDOUT" && e.command === "CONN"
    ? "; a relay expecting TLS from the first byte (port 465 usually) never greets in plain text: if it is one, set PRICING_SMTP_SECURITY=tls"
    : "";
  return new SmtpError(
    `SMTP connection to ${settings.host}:${settings.port} failed: ${reason}${hint}`,
  );
}

/** nodemailer's transport for the settings: the kit's TLS rules, no file or URL access. */
function transportFor(settings: SmtpSettings) {
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === "tls",
    requireTLS: settings.security === "starttls",
    ignoreTLS: settings.security === "none",
    opportunisticTLS: false,
    name: settings.clientName,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? "" } : undefined,
    tls: {
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
      ca: settings.ca ? [...tls.rootCertificates, settings.ca] : undefined,
    },
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  });
}

/**
 * Sends one message with attachments. Refuses oversized attachments and a password without TLS
 * before connecting; throws a one-line SmtpError (a UserError) on any refusal, naming the step
 * and the server's reply. A recipient the server refuses fails the send, naming it, even when
 * the others took the message.
 */
export async function sendExportEmail(
  settings: SmtpSettings,
  message: EmailMessage,
): Promise<void> {
  checkAttachmentSize(message.attachments, settings.maxAttachmentBytes);
  checkPasswordIsEncrypted(settings);
  const transport = transportFor(settings);
  let info: { accepted?: unknown[]; rejectedErrors?: NodemailerError[] };
  try {
    info = await transport.sendMail({
      from: settings.from,
      to: settings.to,
      subject: message.subject,
      text: message.text,
      textEncoding: "base64",
      attachments: message.attachments.map((a) => ({
        filename: a.filename,
        content: Buffer.from(a.content),
        contentType: a.contentType ?? "application/octet-stream",
        contentTransferEncoding: "base64",
      })),
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  } catch (error) {
    throw smtpError(settings, error);
  } finally {
    transport.close();
  }
  // nodemailer sends to the recipients the server took; a refused one still fails the run.
  const refused = info.rejectedErrors?.[0];
  if (refused) {
    throw new SmtpError(
      `SMTP server refused RCPT TO:<${refused.recipient}>: ${
        withoutPassword(settings, (refused.response ?? "").split(/\r?\n/)[0])
      } (sent only to ${(info.accepted ?? []).join(", ")})`,
    );
  }
}

/** The password travels only inside TLS, or to a relay on this machine. */
function checkPasswordIsEncrypted(settings: SmtpSettings): void {
  if (settings.user && settings.security === "none" && !isLoopback(settings.host)) {
    throw new UserError(
      "PRICING_SMTP_SECURITY=none would send the SMTP password unencrypted; use starttls or tls",
    );
  }
}

/**
 * Subject and text of the export email; attach the brief and the CSV (or its trimmed variant), or
 * the workbook when the export has no CSV. The upload advice names the data file attached.
 */
export function exportEmailText(input: {
  asOfDate: string;
  demo: boolean;
  /** why `demo`: asked for, or no database configured */
  demoReason?: DemoReason | null;
  organizations: number;
  attachmentNames: string[];
  warnings?: string[];
  /** the export's window (30 unless --days said not): another one is in the subject */
  windowDays?: number;
  /** the trimmed CSV attached instead of the full one: its name and organizations */
  trimmed?: { name: string; rows?: number };
  /**
   * the data file attached is above what AI assistants take comfortably (and no trimmed file
   * could be): its size and that limit, so the mail does not say to upload it as the brief says not
   */
  aboveUploadLimit?: { bytes: number; limitBytes: number };
}): { subject: string; text: string } {
  const days = input.windowDays ?? MONTH_DAYS;
  const window = days === MONTH_DAYS ? "" : `, ${days}-day window`;
  const subject = `Helicone pricing data ${input.asOfDate}${window}${
    input.demo ? " (DEMO DATA)" : ""
  }`;
  const dataKind = input.trimmed
    ? "trimmed CSV"
    : input.attachmentNames.some((name) => name.endsWith(".csv"))
    ? "CSV"
    : "workbook (.xlsx)";
  const lines = [
    `The pricing export as of ${input.asOfDate}${window}: ${
      input.organizations.toLocaleString("en-US")
    } organizations.`,
    ...(input.demo
      ? [
        "",
        `DEMO DATA: ${
          input.demoReason ? demoReasonText(input.demoReason) : "the kit's built-in dataset"
        }, so these are synthetic numbers.`,
      ]
      : []),
    "",
    "Attached:",
    ...input.attachmentNames.map((name) => `- ${name}`),
    ...(input.trimmed
      ? [
        "",
        `The CSV attached is the trimmed one, ${input.trimmed.name}: ${
          input.trimmed.rows === undefined ? "part" : input.trimmed.rows.toLocaleString("en-US")
        } of the ${
          input.organizations.toLocaleString("en-US")
        } organizations (the full CSV is too large to upload; the brief says what it leaves out).`,
      ]
      : []),
    "",
    input.aboveUploadLimit
      ? `The ${dataKind} attached (${size(input.aboveUploadLimit.bytes)}) is above the ${
        size(input.aboveUploadLimit.limitBytes)
      } AI assistants take comfortably: the brief's Upload line says what to give one instead (a segment file, or the kit's MCP server); the brief explains every column.`
      : `Upload the ${dataKind} together with the .md brief to an AI assistant; the brief explains every column.`,
  ];
  if (input.warnings && input.warnings.length > 0) {
    // Warnings quote data (tiers): escaped like the brief, as the body may reach an AI assistant
    // (tests/markdown_test.ts holds it inert); `\*\_30d` in a text email is the price of that.
    lines.push("", "Warnings:", ...markdownList(input.warnings));
  }
  lines.push("", "-- pricing-kit");
  return { subject, text: lines.join("\n") };
}

export interface ExportEmailInput {
  asOf: Date;
  demo: boolean;
  demoReason?: DemoReason | null;
  organizations: number;
  warnings?: string[];
  /** the Markdown brief (always attached) */
  briefPath: string;
  /** the full CSV: attached unless a trimmed CSV is given */
  csvPath?: string;
  /** the trimmed CSV written when the full one is too large to upload */
  trimmedPath?: string;
  /** the organizations the trimmed CSV holds (the mail says so when it attaches it) */
  trimmedRows?: number;
  /** the workbook: attached when the export has no CSV (`--format xlsx`) */
  xlsxPath?: string;
  /** the export's window in days */
  windowDays?: number;
  /** what AI assistants take comfortably (PRICING_BRIEF_TRIM_ABOVE_MB), as the brief judges it */
  uploadLimitBytes?: number;
}

/**
 * Emails an export: the brief plus the trimmed CSV when there is one, else the full CSV, else
 * (an export without a CSV) the workbook. The size guard applies (a UserError names the files and
 * the limit). Returns the attached names.
 */
export async function emailExport(
  settings: SmtpSettings,
  input: ExportEmailInput,
): Promise<string[]> {
  const data = input.trimmedPath ?? input.csvPath ?? input.xlsxPath;
  if (data === undefined) {
    // a brief alone is no export: never sent as if it were one
    throw new UserError("email not sent: the export wrote no CSV or XLSX to attach");
  }
  const attachments = await attachmentsFromFiles([data, input.briefPath]);
  checkAttachmentSize(attachments, settings.maxAttachmentBytes, {
    uploadLimitBytes: input.uploadLimitBytes,
  });
  const names = attachments.map((a) => a.filename);
  const { subject, text } = exportEmailText({
    asOfDate: input.asOf.toISOString().slice(0, 10),
    demo: input.demo,
    demoReason: input.demoReason,
    organizations: input.organizations,
    attachmentNames: names,
    warnings: input.warnings,
    windowDays: input.windowDays,
    trimmed: input.trimmedPath
      ? { name: basename(input.trimmedPath), rows: input.trimmedRows }
      : undefined,
    ...(input.uploadLimitBytes !== undefined &&
        attachments[0].content.byteLength > input.uploadLimitBytes
      ? {
        aboveUploadLimit: {
          bytes: attachments[0].content.byteLength,
          limitBytes: input.uploadLimitBytes,
        },
      }
      : {}),
  });
  await sendExportEmail(settings, { subject, text, attachments });
  return names;
}
