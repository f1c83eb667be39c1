/**
 * A tiny SMTP server on 127.0.0.1 for the email tests (tests/email*_test.ts): plain and STARTTLS
 * sessions, AUTH PLAIN and LOGIN, the messages it received; with the settings to reach it and a
 * MIME reader for what it received.
 */
import { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import {
  type EmailMessage,
  type SmtpSettings,
  smtpSettingsFromEnv,
} from "../lib/delivery/email.ts";

export interface Received {
  tls: boolean;
  auth: string[];
  mailFrom: string;
  rcptTo: string[];
  data: string;
}

export interface ServerOptions {
  tlsCredentials?: { key: string; cert: string };
  /** TLS from the first byte (port 465 style) instead of STARTTLS */
  implicitTls?: boolean;
  authMechanisms?: string;
  rejectRecipient?: string;
  /** the reply to the refused recipient (default 550 no such user here) */
  rejectReply?: string;
  /** the SIZE advertised in the EHLO reply (default 50,000,000) */
  maxMessageBytes?: number;
}

export interface TestServer {
  port: number;
  connections: number;
  /** every command verb received, in order (AUTH, STARTTLS, …) */
  verbs: string[];
  messages: Received[];
  close(): Promise<void>;
}

/** A minimal SMTP server: enough of RFC 5321 for the client, recording what it receives. */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, messages: [] as Received[], verbs: [] as string[] };
  const server = net.createServer((plain) => {
    state.connections++;
    sockets.add(plain);
    const session: Received = { tls: false, auth: [], mailFrom: "", rcptTo: [], data: "" };
    let socket: net.Socket = plain;
    let buffer = "";
    let mode: "command" | "data" | "login-user" | "login-pass" = "command";
    let dataLines: string[] = [];
    const reply = (line: string) => socket.write(`${line}\r\n`);
    const onLine = (line: string) => {
      if (mode === "data") {
        if (line === ".") {
          session.data = dataLines.join("\r\n");
          state.messages.push(session);
          mode = "command";
          reply("250 queued");
        } else dataLines.push(line.startsWith("..") ? line.slice(1) : line);
        return;
      }
      if (mode === "login-user") {
        session.auth.push(`user:${Buffer.from(line, "base64").toString()}`);
        mode = "login-pass";
        return reply("334 UGFzc3dvcmQ6");
      }
      if (mode === "login-pass") {
        session.auth.push(`pass:${Buffer.from(line, "base64").toString()}`);
        mode = "command";
        return reply("235 ok");
      }
      const verb = line.split(" ")[0].toUpperCase();
      state.verbs.push(verb);
      if (verb === "EHLO") {
        const offerTls = options.tlsCredentials && !session.tls && !options.implicitTls;
        socket.write(
          "250-test.localhost\r\n" + (offerTls ? "250-STARTTLS\r\n" : "") +
            `250-AUTH ${options.authMechanisms ?? "PLAIN LOGIN"}\r\n250 SIZE ${
              options.maxMessageBytes ?? 50_000_000
            }\r\n`,
        );
      } else if (verb === "STARTTLS" && !options.tlsCredentials) {
        reply("502 STARTTLS not offered"); // as a relay without TLS answers
      } else if (verb === "STARTTLS") {
        socket.write("220 go ahead\r\n", () => {
          socket.removeAllListeners("data");
          socket = new tls.TLSSocket(plain, { isServer: true, ...options.tlsCredentials! });
          socket.on("secure", () => (session.tls = true));
          socket.on("error", () => {});
          buffer = "";
          socket.on("data", onData);
        });
      } else if (verb === "AUTH") {
        const [, mechanism, token] = line.split(" ");
        if (mechanism === "PLAIN") {
          session.auth.push(`plain:${Buffer.from(token, "base64").toString()}`);
          reply("235 ok");
        } else {
          mode = "login-user";
          reply("334 VXNlcm5hbWU6");
        }
      } else if (verb === "MAIL") {
        session.mailFrom = line.slice("MAIL FROM:".length);
        reply("250 ok");
      } else if (verb === "RCPT") {
        const recipient = line.slice("RCPT TO:".length);
        if (recipient === `<${options.rejectRecipient}>`) {
          return reply(options.rejectReply ?? "550 no such user here");
        }
        session.rcptTo.push(recipient);
        reply("250 ok");
      } else if (verb === "DATA") {
        mode = "data";
        dataLines = [];
        reply("354 end with .");
      } else if (verb === "QUIT") {
        socket.end("221 bye\r\n");
      } else reply("502 not implemented");
    };
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let end: number;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        onLine(line);
      }
    };
    plain.on("error", () => {});
    plain.on("close", () => sockets.delete(plain));
    if (options.implicitTls) {
      socket = new tls.TLSSocket(plain, { isServer: true, ...options.tlsCredentials! });
      socket.on("secure", () => (session.tls = true));
      socket.on("error", () => {});
    }
    socket.on("data", onData);
    reply("220 test.localhost ESMTP");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return state.connections;
    },
    messages: state.messages,
    verbs: state.verbs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function settings(port: number, overrides: Record<string, string> = {}): SmtpSettings {
  return smtpSettingsFromEnv({
    PRICING_SMTP_HOST: "127.0.0.1",
    PRICING_SMTP_PORT: String(port),
    PRICING_SMTP_SECURITY: "none",
    PRICING_SMTP_USER: "kit",
    PRICING_SMTP_PASSWORD: "s3cret-pw",
    PRICING_EMAIL_FROM: "pricing-kit@example.com",
    PRICING_EMAIL_TO: "alice@example.com, bob@example.com",
    PRICING_SMTP_TIMEOUT_SECONDS: "10",
    ...overrides,
  })!;
}

/** Headers (folded lines joined) and parts of a multipart message, parts base64-decoded. */
export function parseMime(data: string) {
  const [head, ...rest] = data.split("\r\n\r\n");
  const headers = Object.fromEntries(
    head.replace(/\r\n[ \t]+/g, " ").split("\r\n").map((
      line,
    ) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
  );
  const boundary = headers["Content-Type"].match(/boundary="([^"]+)"/)![1];
  const body = rest.join("\r\n\r\n");
  const parts = body.split(`--${boundary}`).slice(1, -1).map((part) => {
    const [partHead, ...partBody] = part.replace(/^\r\n/, "").split("\r\n\r\n");
    const headers = partHead.replace(/\r\n[ \t]+/g, " ");
    const body = partBody.join("\r\n\r\n").replace(/\r\n$/, "");
    // nodemailer picks 7bit for short ASCII text; attachments are base64 (the kit asks for it).
    const content = /Content-Transfer-Encoding: base64/i.test(headers)
      ? Buffer.from(body.replace(/\s+/g, ""), "base64")
      : Buffer.from(body, "utf8");
    return { headers, content: new Uint8Array(content) };
  });
  return { headers, parts };
}

export const csvText = "org_id,org_name\r\no1,.hidden starts with a dot\r\n.\r\no2,end\r\n";

export const binary = new Uint8Array(Array.from({ length: 600 }, (_, i) => (i * 37) % 256));

export const message: EmailMessage = {
  subject: "Helicone pricing data 2026-11-01 → brief",
  text: "Attached: the CSV and the brief.",
  attachments: [
    {
      filename: "helicone_pricing_data_2026-11-01.csv",
      content: new TextEncoder().encode(csvText),
      contentType: "text/csv; charset=utf-8",
    },
    { filename: "blob.bin", content: binary },
  ],
};
