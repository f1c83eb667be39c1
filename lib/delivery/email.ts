/**
 * Email delivery of an export (CSV + brief) over SMTP: a minimal client on node:net / node:tls,
 * no dependency. It speaks EHLO, STARTTLS (or implicit TLS on 465), AUTH PLAIN / LOGIN, MAIL,
 * RCPT, DATA and QUIT, and sends one MIME multipart/mixed message with base64 attachments.
 *
 * Safety: TLS certificates are verified (PRICING_SMTP_CA_FILE adds a CA for private relays);
 * STARTTLS is required when configured, never silently skipped; a password is never sent over an
 * unencrypted connection except to a loopback relay; attachments above the size guard are
 * refused before connecting. Error messages carry the server's reply, never the password.
 */
import net from "node:net";
import tls from "node:tls";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { UserError } from "../core/config.ts";

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
 * Most providers cap a message at 25 MB after base64, which grows attachments by a third:
 * 18 MB of attachments stays under it.
 */
export const DEFAULT_MAX_ATTACHMENT_MB = 18;

const ADDRESS = /^[^\s<>@,;"]+@[^\s<>@,;"]+$/;

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function positiveNumber(env: Record<string, string | undefined>, name: string, fallback: number) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new UserError(`${name} must be a number > 0, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * SMTP settings from the environment, or null when PRICING_SMTP_HOST is not set (email off).
 *
 * PRICING_SMTP_HOST, PRICING_SMTP_PORT (465 for tls, else 587), PRICING_SMTP_SECURITY
 * (tls | starttls | none; default tls on port 465, else starttls), PRICING_SMTP_USER,
 * PRICING_SMTP_PASSWORD, PRICING_EMAIL_FROM, PRICING_EMAIL_TO (comma-separated),
 * PRICING_EMAIL_MAX_ATTACHMENTS_MB (18), PRICING_SMTP_TIMEOUT_SECONDS (30),
 * PRICING_SMTP_CA_FILE (PEM file of an extra CA).
 */
export function smtpSettingsFromEnv(env: Record<string, string | undefined>): SmtpSettings | null {
  const host = env.PRICING_SMTP_HOST?.trim();
  if (!host) return null;
  const rawSecurity = env.PRICING_SMTP_SECURITY?.trim().toLowerCase();
  if (rawSecurity && !["tls", "starttls", "none"].includes(rawSecurity)) {
    throw new UserError(
      `PRICING_SMTP_SECURITY must be tls, starttls or none, got ${JSON.stringify(rawSecurity)}`,
    );
  }
  const rawPort = env.PRICING_SMTP_PORT?.trim();
  let port: number;
  if (rawPort) {
    port = Number(rawPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UserError(
        `PRICING_SMTP_PORT must be a port number, got ${JSON.stringify(rawPort)}`,
      );
    }
  } else port = rawSecurity === "tls" ? 465 : 587;
  const security = (rawSecurity || (port === 465 ? "tls" : "starttls")) as SmtpSecurity;

  const from = env.PRICING_EMAIL_FROM?.trim() ?? "";
  if (!ADDRESS.test(from)) {
    throw new UserError(
      `PRICING_EMAIL_FROM must be one address like pricing-kit@example.com, got ${
        JSON.stringify(from)
      }`,
    );
  }
  const to = (env.PRICING_EMAIL_TO ?? "").split(",").map((a) => a.trim()).filter(Boolean);
  if (to.length === 0) {
    throw new UserError("PRICING_EMAIL_TO is not set: give one or more comma-separated addresses");
  }
  const bad = to.find((a) => !ADDRESS.test(a));
  if (bad) throw new UserError(`PRICING_EMAIL_TO has an invalid address: ${JSON.stringify(bad)}`);

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
    timeoutMs: Math.round(positiveNumber(env, "PRICING_SMTP_TIMEOUT_SECONDS", 30) * 1000),
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

/** Files read into attachments (content type from the extension). */
export async function attachmentsFromFiles(paths: string[]): Promise<EmailAttachment[]> {
  return await Promise.all(paths.map(async (path) => ({
    filename: basename(path),
    content: await readFile(path),
    contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
  })));
}

function size(bytes: number): string {
  return bytes < 1024
    ? `${bytes} bytes`
    : bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Throws a UserError when the attachments add up to more than the guard allows. */
export function checkAttachmentSize(attachments: EmailAttachment[], maxBytes: number): void {
  const total = attachments.reduce((sum, a) => sum + a.content.byteLength, 0);
  if (total > maxBytes) {
    const list = attachments.map((a) => `${a.filename} ${size(a.content.byteLength)}`).join(
      ", ",
    );
    throw new UserError(
      `email not sent: attachments are ${size(total)} (${list}), above the ${
        size(maxBytes)
      } limit; attach the trimmed CSV or raise PRICING_EMAIL_MAX_ATTACHMENTS_MB`,
    );
  }
}

// ── MIME ────────────────────────────────────────────────────────────────────────────────────

/** Header text without line breaks (no header injection), RFC 2047-encoded when not ASCII. */
function headerText(text: string): string {
  const flat = text.replace(/[\r\n]+/g, " ");
  return /^[\x20-\x7e]*$/.test(flat)
    ? flat
    : `=?UTF-8?B?${Buffer.from(flat, "utf8").toString("base64")}?=`;
}

function base64Lines(data: Uint8Array): string {
  const text = Buffer.from(data).toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join("\r\n");
}

function quotedFilename(name: string): string {
  return name.replace(/[\r\n"\\]/g, "_");
}

/** The message as RFC 5322 text with CRLF line ends (before SMTP dot-stuffing). */
export function mimeMessage(
  settings: Pick<SmtpSettings, "from" | "to" | "clientName">,
  message: EmailMessage,
  date = new Date(),
): string {
  const boundary = `pricing-kit-${randomBytes(12).toString("hex")}`;
  const parts = [
    `From: ${settings.from}`,
    `To: ${settings.to.join(", ")}`,
    `Subject: ${headerText(message.subject)}`,
    `Date: ${date.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${randomBytes(16).toString("hex")}@${settings.clientName}>`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    base64Lines(new TextEncoder().encode(message.text)),
  ];
  for (const attachment of message.attachments) {
    const name = quotedFilename(attachment.filename);
    parts.push(
      `--${boundary}`,
      `Content-Type: ${attachment.contentType ?? "application/octet-stream"}; name="${name}"`,
      `Content-Disposition: attachment; filename="${name}"`,
      "Content-Transfer-Encoding: base64",
      "",
      base64Lines(attachment.content),
    );
  }
  parts.push(`--${boundary}--`, "");
  return parts.join("\r\n");
}

// ── SMTP ────────────────────────────────────────────────────────────────────────────────────

export class SmtpError extends UserError {
  override name = "SmtpError";
}

interface Reply {
  code: number;
  lines: string[];
}

/** One SMTP conversation: reads replies line by line, writes commands, upgrades to TLS. */
class SmtpSession {
  private buffer = "";
  private failure: Error | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private socket!: net.Socket;

  constructor(private readonly settings: SmtpSettings) {}

  private attach(socket: net.Socket): void {
    this.socket = socket;
    const notify = () => {
      const wake = this.wake;
      this.wake = null;
      wake?.();
    };
    socket.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("utf8");
      notify();
    });
    socket.on("error", (error: Error) => {
      this.failure ??= error;
      notify();
    });
    socket.on("close", () => {
      this.closed = true;
      notify();
    });
    socket.setTimeout(this.settings.timeoutMs, () => {
      socket.destroy(new Error(`no reply within ${this.settings.timeoutMs / 1000} s`));
    });
  }

  private tlsOptions() {
    const host = this.settings.host;
    return {
      ca: this.settings.ca ? [...tls.rootCertificates, this.settings.ca] : undefined,
      servername: net.isIP(host) ? undefined : host,
      rejectUnauthorized: true,
    };
  }

  /** A connection or handshake failure as one line; certificate problems get a hint. */
  private failed(error: unknown): SmtpError {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    const hint = /certificate|self.signed|unable to verify/i.test(reason)
      ? "; if the relay uses a private CA, set PRICING_SMTP_CA_FILE"
      : "";
    return new SmtpError(
      `SMTP connection to ${this.settings.host}:${this.settings.port} failed: ${reason}${hint}`,
    );
  }

  async connect(): Promise<void> {
    const { host, port, security } = this.settings;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s: net.Socket = security === "tls"
        ? tls.connect({ host, port, ...this.tlsOptions() }, () => resolve(s))
        : net.connect({ host, port }, () => resolve(s));
      s.once("error", reject);
      s.setTimeout(this.settings.timeoutMs, () => {
        s.destroy(new Error(`connection timed out after ${this.settings.timeoutMs / 1000} s`));
      });
    }).catch((error) => {
      throw this.failed(error);
    });
    socket.removeAllListeners("error");
    this.attach(socket);
  }

  /** Wraps the connected socket in TLS (after a 220 reply to STARTTLS). */
  async startTls(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("error");
    plain.removeAllListeners("close");
    plain.setTimeout(0);
    this.buffer = ""; // nothing may be pipelined before the handshake (RFC 3207)
    const secure = await new Promise<net.Socket>((resolve, reject) => {
      const s = tls.connect({ socket: plain, ...this.tlsOptions() }, () => resolve(s));
      s.once("error", reject);
    }).catch((error) => {
      throw this.failed(error);
    });
    secure.removeAllListeners("error");
    this.attach(secure);
  }

  async reply(): Promise<Reply> {
    const lines: string[] = [];
    while (true) {
      const end = this.buffer.indexOf("\n");
      if (end >= 0) {
        const line = this.buffer.slice(0, end).replace(/\r$/, "");
        this.buffer = this.buffer.slice(end + 1);
        const match = line.match(/^(\d{3})([ -])(.*)$/);
        if (!match) {
          throw new SmtpError(`SMTP server sent an unreadable line: ${line.slice(0, 80)}`);
        }
        lines.push(match[3]);
        if (match[2] === " ") return { code: Number(match[1]), lines };
        continue;
      }
      if (this.failure) throw this.failed(this.failure);
      if (this.closed) throw new SmtpError("SMTP server closed the connection");
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(text, (error?: Error | null) => (error ? reject(error) : resolve()));
    });
  }

  /** Sends a command and checks the reply code; `shown` replaces secrets in error messages. */
  async command(line: string, expected: number[], shown = line): Promise<Reply> {
    await this.write(`${line}\r\n`);
    return this.expect(expected, shown);
  }

  async expect(expected: number[], what: string): Promise<Reply> {
    const reply = await this.reply();
    if (!expected.includes(reply.code)) {
      throw new SmtpError(
        `SMTP server refused ${what}: ${reply.code} ${reply.lines.join(" ").slice(0, 200)}`,
      );
    }
    return reply;
  }

  close(): void {
    this.socket?.destroy();
  }
}

function extensions(reply: Reply): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of reply.lines.slice(1)) {
    const [keyword, ...rest] = line.trim().split(/\s+/);
    map.set(keyword.toUpperCase(), rest.join(" ").toUpperCase());
  }
  return map;
}

/** Lines starting with "." get another "." (RFC 5321 4.5.2), so the body cannot end the DATA. */
function dotStuffed(text: string): string {
  return text.replace(/^\./gm, "..");
}

/**
 * Sends one message with attachments. Refuses oversized attachments before connecting; throws a
 * one-line SmtpError (a UserError) on any refusal, naming the step and the server's reply.
 */
export async function sendExportEmail(
  settings: SmtpSettings,
  message: EmailMessage,
): Promise<void> {
  checkAttachmentSize(message.attachments, settings.maxAttachmentBytes);
  const body = mimeMessage(settings, message);
  const session = new SmtpSession(settings);
  try {
    await session.connect();
    await session.expect([220], "the connection");
    let ehlo = await session.command(`EHLO ${settings.clientName}`, [250]);
    if (settings.security === "starttls") {
      if (!extensions(ehlo).has("STARTTLS")) {
        throw new SmtpError(
          `SMTP server ${settings.host}:${settings.port} does not offer STARTTLS; set PRICING_SMTP_SECURITY=tls (port 465) or use another relay`,
        );
      }
      await session.command("STARTTLS", [220]);
      await session.startTls();
      ehlo = await session.command(`EHLO ${settings.clientName}`, [250]);
    }
    if (settings.user) {
      const auth = extensions(ehlo).get("AUTH") ?? "";
      const mechanisms = auth.split(/\s+/);
      const password = settings.password ?? "";
      if (mechanisms.includes("PLAIN")) {
        const token = Buffer.from(`\0${settings.user}\0${password}`, "utf8").toString("base64");
        await session.command(`AUTH PLAIN ${token}`, [235], "AUTH PLAIN (credentials hidden)");
      } else if (mechanisms.includes("LOGIN")) {
        await session.command("AUTH LOGIN", [334]);
        await session.command(
          Buffer.from(settings.user).toString("base64"),
          [334],
          "the user name",
        );
        await session.command(Buffer.from(password).toString("base64"), [235], "the password");
      } else {
        throw new SmtpError(
          `SMTP server offers no AUTH PLAIN or LOGIN (offers: ${
            auth || "none"
          }); unset PRICING_SMTP_USER if it needs no login`,
        );
      }
    }
    await session.command(`MAIL FROM:<${settings.from}>`, [250]);
    for (const recipient of settings.to) {
      await session.command(`RCPT TO:<${recipient}>`, [250, 251]);
    }
    await session.command("DATA", [354]);
    await session.write(dotStuffed(body));
    await session.command(".", [250], "the message");
    try {
      await session.command("QUIT", [221]);
    } catch {
      // The message is accepted; a rude goodbye does not matter.
    }
  } finally {
    session.close();
  }
}

/** Subject and text of the export email; attach the brief and the CSV (or its trimmed variant). */
export function exportEmailText(input: {
  asOfDate: string;
  demo: boolean;
  organizations: number;
  attachmentNames: string[];
  warnings?: string[];
}): { subject: string; text: string } {
  const subject = `Helicone pricing data ${input.asOfDate}${input.demo ? " (DEMO DATA)" : ""}`;
  const lines = [
    `The pricing export as of ${input.asOfDate}: ${
      input.organizations.toLocaleString("en-US")
    } organizations.`,
    ...(input.demo
      ? ["", "DEMO DATA: no database was configured, so these are synthetic numbers."]
      : []),
    "",
    "Attached:",
    ...input.attachmentNames.map((name) => `- ${name}`),
    "",
    "Upload the CSV together with the .md brief to an AI assistant; the brief explains every column.",
  ];
  if (input.warnings && input.warnings.length > 0) {
    lines.push("", "Warnings:", ...input.warnings.map((w) => `- ${w}`));
  }
  lines.push("", "-- pricing-kit");
  return { subject, text: lines.join("\n") };
}

export interface ExportEmailInput {
  asOf: Date;
  demo: boolean;
  organizations: number;
  warnings?: string[];
  /** the Markdown brief (always attached) */
  briefPath: string;
  /** the full CSV: attached unless a trimmed CSV is given */
  csvPath?: string;
  /** the trimmed CSV written when the full one is too large to upload */
  trimmedPath?: string;
}

/**
 * Emails an export: the brief plus the trimmed CSV when there is one, else the full CSV. The
 * size guard applies (a UserError names the files and the limit). Returns the attached names.
 */
export async function emailExport(
  settings: SmtpSettings,
  input: ExportEmailInput,
): Promise<string[]> {
  const paths = [input.trimmedPath ?? input.csvPath, input.briefPath].filter((p): p is string =>
    p !== undefined
  );
  const attachments = await attachmentsFromFiles(paths);
  checkAttachmentSize(attachments, settings.maxAttachmentBytes);
  const names = attachments.map((a) => a.filename);
  const { subject, text } = exportEmailText({
    asOfDate: input.asOf.toISOString().slice(0, 10),
    demo: input.demo,
    organizations: input.organizations,
    attachmentNames: names,
    warnings: input.warnings,
  });
  await sendExportEmail(settings, { subject, text, attachments });
  return names;
}
