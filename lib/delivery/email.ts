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
import { Buffer } from "node:buffer";
import tls from "node:tls";
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { UserError } from "../core/config.ts";
import { type DemoReason, demoReasonText } from "../core/demo_reason.ts";
import { markdownList } from "../formats/markdown.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { checkAttachmentSize, size } from "./size_guard.ts";
import { isLoopback } from "../core/loopback.ts";
import type { SmtpSettings } from "./smtp_settings.ts";

export {
  DEFAULT_MAX_ATTACHMENT_MB,
  type SmtpSecurity,
  type SmtpSettings,
  smtpSettingsFromEnv,
} from "./smtp_settings.ts";

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
function smtpError(
  settings: SmtpSettings,
  error: unknown,
  { message }: { message: EmailMessage },
): SmtpError {
  const e = error as NodemailerError;
  const firstLine = (text: string) =>
    withoutPassword(settings, text.split(/\r?\n/)[0]).slice(0, 200);
  // nodemailer's own check of the relay's advertised SIZE against the envelope's
  const relayLimit = e.code === "EMESSAGE" && e.message.match(/larger than allowed (\d+)/);
  if (relayLimit) {
    const limit = Number(relayLimit[1]);
    // base64 and its line breaks make the attachments ×1.368 (DEFAULT_MAX_ATTACHMENT_MB)
    const fits = Math.floor(limit / 1.368 / 1024 / 1024 * 10) / 10;
    return new SmtpError(
      `email not sent: ${settings.host} takes messages up to ${
        size(limit)
      } (its SIZE) and the attachments come to ${
        size(base64Bytes(message))
      } in base64; set PRICING_EMAIL_MAX_ATTACHMENTS_MB to ${fits} or less so the size guard says which files are too large, or share the files another way`,
    );
  }
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

/**
 * nodemailer's transport for the settings: the kit's TLS rules, no file or URL access. nodemailer
 * is loaded here, by the run that sends (~20 ms of CPU every export would pay otherwise).
 */
async function transportFor(settings: SmtpSettings) {
  const { default: nodemailer } = await import("nodemailer");
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
  checkAttachmentSize(message.attachments, { maxBytes: settings.maxAttachmentBytes });
  checkPasswordIsEncrypted(settings);
  const transport = await transportFor(settings);
  let info: { accepted?: unknown[]; rejectedErrors?: NodemailerError[] };
  try {
    info = await transport.sendMail({
      from: settings.from,
      to: settings.to,
      // the attachments' base64 (the message is a little larger): a relay that advertises a
      // smaller SIZE is refused before the upload, not with a 552 after it (SIZE= tells it too)
      envelope: { from: settings.from, to: settings.to, size: base64Bytes(message) },
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
    throw smtpError(settings, error, { message });
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

/** What the message's attachments come to in base64: a lower bound of the message's size. */
function base64Bytes(message: EmailMessage): number {
  return message.attachments.reduce((sum, a) => sum + Math.ceil(a.content.byteLength / 3) * 4, 0);
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
  checkAttachmentSize(attachments, {
    maxBytes: settings.maxAttachmentBytes,
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
