/**
 * Email delivery (nodemailer under the kit's rules) against a tiny SMTP server on 127.0.0.1
 * inside the test: plain and STARTTLS sessions, AUTH PLAIN and LOGIN, attachments decoded byte for
 * byte, the size guard, refusals, no password without TLS, no line breaks in settings.
 * The STARTTLS test makes a throwaway self-signed certificate with openssl.
 */
import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import { join } from "node:path";
import {
  checkAttachmentSize,
  emailExport,
  type EmailMessage,
  exportEmailText,
  sendExportEmail,
  type SmtpSettings,
  smtpSettingsFromEnv,
} from "../lib/delivery/email.ts";
import { readExportFile } from "../lib/formats/read_export.ts";

interface Received {
  tls: boolean;
  auth: string[];
  mailFrom: string;
  rcptTo: string[];
  data: string;
}

interface ServerOptions {
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

interface TestServer {
  port: number;
  connections: number;
  /** every command verb received, in order (AUTH, STARTTLS, …) */
  verbs: string[];
  messages: Received[];
  close(): Promise<void>;
}

/** A minimal SMTP server: enough of RFC 5321 for the client, recording what it receives. */
async function startServer(options: ServerOptions = {}): Promise<TestServer> {
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

function settings(port: number, overrides: Record<string, string> = {}): SmtpSettings {
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

/** Header text with RFC 2047 encoded words (base64 or Q) decoded. */
function decodeWords(text: string): string {
  return text.replace(
    /=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi,
    (_, kind: string, body: string) =>
      kind.toUpperCase() === "B" ? Buffer.from(body, "base64").toString("utf8") : Buffer.from(
        body.replace(/_/g, " ").replace(
          /=([0-9A-F]{2})/gi,
          (_m, hex) => String.fromCharCode(parseInt(hex, 16)),
        ),
        "latin1",
      ).toString("utf8"),
  ).trimEnd();
}

/** Headers (folded lines joined) and parts of a multipart message, parts base64-decoded. */
function parseMime(data: string) {
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

const csvText = "org_id,org_name\r\no1,.hidden starts with a dot\r\n.\r\no2,end\r\n";
const binary = new Uint8Array(Array.from({ length: 600 }, (_, i) => (i * 37) % 256));
const message: EmailMessage = {
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

Deno.test("attachments arrive byte for byte; AUTH PLAIN; every recipient", async () => {
  const server = await startServer();
  try {
    await sendExportEmail(settings(server.port), message);
    assertEquals(server.messages.length, 1);
    const received = server.messages[0];
    assertEquals(received.tls, false);
    assertEquals(received.auth, ["plain:\0kit\0s3cret-pw"]);
    // SIZE= (the relay offers it): the attachments' base64, 4 × ⌈58 / 3⌉ + 4 × ⌈600 / 3⌉ = 880
    assertEquals(received.mailFrom, "<pricing-kit@example.com> SIZE=880");
    assertEquals(received.rcptTo, ["<alice@example.com>", "<bob@example.com>"]);
    const mime = parseMime(received.data);
    assertEquals(mime.headers.From, "pricing-kit@example.com");
    assertEquals(mime.headers.To, "alice@example.com, bob@example.com");
    // Not ASCII (→), so RFC 2047 encoded; decoded it is the subject.
    ok(mime.headers.Subject.startsWith("=?UTF-8?"), mime.headers.Subject);
    assertEquals(decodeWords(mime.headers.Subject), message.subject);
    assertEquals(mime.parts.length, 3);
    assertEquals(new TextDecoder().decode(mime.parts[0].content), message.text);
    ok(
      /filename="?helicone_pricing_data_2026-11-01\.csv"?(;|$)/.test(mime.parts[1].headers),
      mime.parts[1].headers,
    );
    // Lines starting with "." (and a lone ".") survive dot-stuffing.
    assertEquals(new TextDecoder().decode(mime.parts[1].content), csvText);
    assertEquals(mime.parts[2].content, binary);
    ok(mime.parts[2].headers.includes("Content-Type: application/octet-stream"));
    // AUTH came after EHLO, over this loopback relay only (security none is refused elsewhere).
    assertEquals(server.verbs.slice(0, 2), ["EHLO", "AUTH"]);
  } finally {
    await server.close();
  }
});

Deno.test("STARTTLS and implicit TLS with a private CA; an untrusted certificate is refused", async () => {
  const dir = await Deno.makeTempDir();
  const keyPath = join(dir, "key.pem");
  const certPath = join(dir, "cert.pem");
  const openssl = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    stdout: "null",
    stderr: "piped",
  }).output().catch((error) => {
    throw new Error(`this test needs the openssl command (apt-get install openssl): ${error}`);
  });
  ok(openssl.success, new TextDecoder().decode(openssl.stderr));
  const credentials = {
    key: await Deno.readTextFile(keyPath),
    cert: await Deno.readTextFile(certPath),
  };
  const server = await startServer({ tlsCredentials: credentials, authMechanisms: "LOGIN" });
  try {
    const trusted = settings(server.port, {
      PRICING_SMTP_SECURITY: "starttls",
      PRICING_SMTP_CA_FILE: certPath,
    });
    await sendExportEmail(trusted, message);
    assertEquals(server.messages.length, 1);
    assertEquals(server.messages[0].tls, true);
    assertEquals(server.messages[0].auth, ["user:kit", "pass:s3cret-pw"]);
    assertEquals(parseMime(server.messages[0].data).parts[2].content, binary);

    // Without the CA the self-signed certificate fails verification: nothing is sent.
    const untrusted = settings(server.port, { PRICING_SMTP_SECURITY: "starttls" });
    await rejects(sendExportEmail(untrusted, message), (error: Error) => {
      assertEquals(
        error.message,
        `SMTP connection to 127.0.0.1:${server.port} failed: self-signed certificate; if the relay uses a private CA, set PRICING_SMTP_CA_FILE`,
      );
      ok(!error.message.includes("s3cret-pw"));
      return true;
    });
    assertEquals(server.messages.length, 1);

    // Implicit TLS (port 465 style): TLS from the first byte.
    const implicit = await startServer({ tlsCredentials: credentials, implicitTls: true });
    try {
      await sendExportEmail(
        settings(implicit.port, { PRICING_SMTP_SECURITY: "tls", PRICING_SMTP_CA_FILE: certPath }),
        message,
      );
      assertEquals(implicit.messages.length, 1);
      assertEquals(implicit.messages[0].tls, true);
      assertEquals(implicit.messages[0].auth, ["plain:\0kit\0s3cret-pw"]);
    } finally {
      await implicit.close();
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a trimmed CSV above the mail's limit is refused naming the setting that sizes it", () => {
  // the brief's upload limit (PRICING_BRIEF_TRIM_ABOVE_MB, 20 MiB) is above the mail's (17 MiB):
  // a trimmed CSV of 18 MiB fits the first and not the second
  const attachments = [
    { filename: "helicone_pricing_data_2026-11-01_trimmed.csv", content: new Uint8Array(18 << 20) },
    { filename: "helicone_pricing_data_2026-11-01.md", content: new Uint8Array(1000) },
  ];
  throws(() => checkAttachmentSize(attachments, 17 << 20), {
    message:
      "email not sent: attachments are 18.0 MB (helicone_pricing_data_2026-11-01_trimmed.csv 18.0 MB, helicone_pricing_data_2026-11-01.md 1000 bytes), above the 17.0 MB limit (the trimmed CSV is cut to fit PRICING_BRIEF_TRIM_ABOVE_MB, 20.0 MB by default, which is above this limit: set it lower); raise PRICING_EMAIL_MAX_ATTACHMENTS_MB or share the files another way",
  });
});

Deno.test("STARTTLS is required when configured, never skipped", async () => {
  const server = await startServer(); // offers no STARTTLS
  try {
    await rejects(
      sendExportEmail(settings(server.port, { PRICING_SMTP_SECURITY: "starttls" }), message),
      /does not offer STARTTLS \(502 STARTTLS not offered\); set PRICING_SMTP_SECURITY=tls/,
    );
    assertEquals(server.messages.length, 0);
    // Nothing after the refused STARTTLS: no AUTH, so the password was never sent.
    ok(!server.verbs.includes("AUTH"), server.verbs.join(" "));
  } finally {
    await server.close();
  }
});

Deno.test("the size guard refuses large attachments before connecting", async () => {
  const server = await startServer();
  try {
    // 0.0005 MB = 524 bytes; the attachments are 58 (CSV: 17 + 30 + 3 + 8) + 600 = 658 bytes.
    const guarded = settings(server.port, { PRICING_EMAIL_MAX_ATTACHMENTS_MB: "0.0005" });
    await rejects(sendExportEmail(guarded, message), {
      message:
        "email not sent: attachments are 658 bytes (helicone_pricing_data_2026-11-01.csv 58 bytes, blob.bin 600 bytes), above the 524 bytes limit (no trimmed CSV was written: one is written for a CSV above PRICING_BRIEF_TRIM_ABOVE_MB, 20.0 MB by default, which is above this limit: set it lower); raise PRICING_EMAIL_MAX_ATTACHMENTS_MB or share the files another way",
    });
    assertEquals(server.connections, 0);
    // Within the guard (658 bytes ≤ 0.001 MB = 1,049 bytes) it goes through.
    await sendExportEmail(
      settings(server.port, { PRICING_EMAIL_MAX_ATTACHMENTS_MB: "0.001" }),
      message,
    );
    assertEquals(server.messages.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("a relay advertising a smaller SIZE than the message is refused before the upload", async () => {
  // a relay capping messages at 10 MiB: 8 MiB of attachments pass the kit's 17 MiB guard, and
  // were uploaded whole (~11 MB) to get a 552 back; the relay's SIZE now refuses them before MAIL
  const server = await startServer({ maxMessageBytes: 10 * 1024 * 1024 });
  try {
    const large = {
      ...message,
      attachments: [{ filename: "a.csv", content: new Uint8Array(8 * 1024 * 1024) }],
    };
    await rejects(sendExportEmail(settings(server.port), large), {
      // 8 MiB in base64: 4 × ⌈8,388,608 / 3⌉ = 11,184,812 bytes = 10.7 MB; 10 MiB / 1.368 = 7.3 MiB
      message:
        "email not sent: 127.0.0.1 takes messages up to 10.0 MB (its SIZE) and the attachments come to 10.7 MB in base64; set PRICING_EMAIL_MAX_ATTACHMENTS_MB to 7.3 or less so the size guard says which files are too large, or share the files another way",
    });
    ok(!server.verbs.includes("MAIL"), server.verbs.join(" "));
    assertEquals(server.messages.length, 0);
    // within it, the relay is told the size (a lower bound: the attachments' base64)
    await sendExportEmail(settings(server.port), message);
    assertEquals(server.messages.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("at the default size guard the message nodemailer sends stays under 25,000,000 bytes", async () => {
  const server = await startServer();
  try {
    const guarded = settings(server.port); // PRICING_EMAIL_MAX_ATTACHMENTS_MB unset: the default
    // attachments adding up to exactly the guard: a data file (random bytes) and a brief
    const brief = new TextEncoder().encode("# brief\n".repeat(4096));
    const data = new Uint8Array(guarded.maxAttachmentBytes - brief.byteLength);
    for (let i = 0; i < data.length; i += 65_536) {
      crypto.getRandomValues(data.subarray(i, i + 65_536));
    }
    await sendExportEmail(guarded, {
      ...message,
      attachments: [
        { filename: "helicone_pricing_data_2026-11-01.csv", content: data },
        { filename: "helicone_pricing_data_2026-11-01.md", content: brief },
      ],
    });
    // the message as it crossed the wire (DATA, dot-unstuffed, CRLF line ends)
    const bytes = server.messages[0].data.length + 2;
    ok(bytes < 25_000_000, `${bytes} bytes`);
    ok(bytes > 24_000_000, `${bytes} bytes`); // (the guard is not far below the cap either)
  } finally {
    await server.close();
  }
});

Deno.test("PRICING_SMTP_SECURITY that does not match the port is named as the fix", async () => {
  // tls against a relay that starts in plain text (587, 25): OpenSSL's words alone did not say so
  const plain = await startServer();
  try {
    await rejects(
      sendExportEmail(settings(plain.port, { PRICING_SMTP_SECURITY: "tls" }), message),
      {
        message:
          `SMTP connection to 127.0.0.1:${plain.port} failed: received corrupt message of type InvalidContentType (SSL routines:ssl3_get_record:wrong version number); the relay does not speak TLS from the first byte on this port: set PRICING_SMTP_SECURITY=starttls (ports 587 and 25), or use its TLS port (465)`,
      },
    );
    assertEquals(plain.messages.length, 0);
  } finally {
    await plain.close();
  }
  // starttls (or none) against a relay waiting for a TLS handshake (465): it never greets
  const silent = net.createServer((socket) => socket.on("error", () => {}));
  const sockets = new Set<net.Socket>();
  silent.on("connection", (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const port = (silent.address() as net.AddressInfo).port;
  try {
    await rejects(
      sendExportEmail(
        settings(port, { PRICING_SMTP_SECURITY: "starttls", PRICING_SMTP_TIMEOUT_SECONDS: "1" }),
        message,
      ),
      (error: Error) => {
        // (nodemailer's greeting and socket timers are both 1 s: either may say it first)
        ok(
          /^SMTP connection to 127\.0\.0\.1:\d+ failed: (Greeting never received|Timeout) \(no reply within 1 s, PRICING_SMTP_TIMEOUT_SECONDS\); a relay expecting TLS from the first byte \(port 465 usually\) never greets in plain text: if it is one, set PRICING_SMTP_SECURITY=tls$/
            .test(error.message),
          error.message,
        );
        return true;
      },
    );
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

Deno.test("a refusal is one line naming the step and the server's reply", async () => {
  const server = await startServer({ rejectRecipient: "bob@example.com" });
  try {
    // nodemailer delivers to the recipients the server accepts; the refused one fails the send.
    await rejects(
      sendExportEmail(settings(server.port), message),
      {
        message:
          "SMTP server refused RCPT TO:<bob@example.com>: 550 no such user here (sent only to alice@example.com)",
      },
    );
    assertEquals(server.messages.map((m) => m.rcptTo), [["<alice@example.com>"]]);
  } finally {
    await server.close();
  }
});

Deno.test("a refusal that echoes the AUTH command shows no password, plain or base64", async () => {
  // a relay (or a proxy in front of one) that quotes the failed command in its reply: AUTH PLAIN's
  // base64 token, or AUTH LOGIN's base64 password line, is the password in all but name
  let mechanism = "PLAIN";
  const server = net.createServer((socket) => {
    socket.write("220 echo ESMTP\r\n");
    let buffer = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      for (let i = buffer.indexOf("\r\n"); i >= 0; i = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (/^EHLO/i.test(line)) socket.write(`250-echo\r\n250 AUTH ${mechanism}\r\n`);
        else if (/^AUTH LOGIN$/i.test(line)) socket.write("334 VXNlcm5hbWU6\r\n");
        else if (
          /^AUTH PLAIN/i.test(line) || line === Buffer.from("s3cret-pw").toString("base64")
        ) {
          socket.write(`535 5.7.8 bad credentials [${line}] pw s3cret-pw\r\n`);
        } else if (/^QUIT/i.test(line)) socket.end("221 bye\r\n");
        else socket.write("334 UGFzc3dvcmQ6\r\n"); // the user name, then the password
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    for (const method of ["PLAIN", "LOGIN"]) {
      mechanism = method; // (the one the server offers is the one nodemailer uses)
      const failure = await sendExportEmail(settings(port), message).then(
        () => "sent",
        (error: Error) => error.message,
      );
      ok(failure.startsWith(`SMTP server refused AUTH ${method}: 535 5.7.8`), failure);
      for (
        const secret of [
          "s3cret-pw",
          Buffer.from("s3cret-pw").toString("base64"),
          Buffer.from("\0kit\0s3cret-pw").toString("base64"),
        ]
      ) ok(!failure.includes(secret), `${method}: ${failure}`);
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

Deno.test("settings from the environment: defaults, off when unset, clear errors", () => {
  assertEquals(smtpSettingsFromEnv({}), null);
  const base = {
    PRICING_SMTP_HOST: "smtp.example.com",
    PRICING_EMAIL_FROM: "kit@example.com",
    PRICING_EMAIL_TO: "team@example.com",
  };
  const defaults = smtpSettingsFromEnv(base)!;
  assertEquals(
    [defaults.port, defaults.security, defaults.maxAttachmentBytes, defaults.timeoutMs],
    [587, "starttls", 17 * 1024 * 1024, 30_000],
  );
  const implicit = smtpSettingsFromEnv({ ...base, PRICING_SMTP_PORT: "465" })!;
  assertEquals([implicit.port, implicit.security], [465, "tls"]);
  throws(
    () =>
      smtpSettingsFromEnv({
        ...base,
        PRICING_SMTP_SECURITY: "none",
        PRICING_SMTP_USER: "u",
        PRICING_SMTP_PASSWORD: "hunter2",
      }),
    (error: Error) => {
      assertEquals(
        error.message,
        "PRICING_SMTP_SECURITY=none would send the SMTP password unencrypted; use starttls or tls",
      );
      return true;
    },
  );
  // A CR or LF in any SMTP setting: refused at start, the value (maybe a password) not shown.
  for (
    const [name, value] of [
      ["PRICING_SMTP_HOST", "smtp.example.com\r\nRCPT TO:<x@evil.example>"],
      ["PRICING_SMTP_USER", "kit\nAUTH"],
      ["PRICING_SMTP_PASSWORD", "pw\r\nDATA"],
      ["PRICING_EMAIL_FROM", "kit@example.com\r"],
      ["PRICING_EMAIL_TO", "a@example.com,\nb@example.com"],
    ]
  ) {
    throws(() => smtpSettingsFromEnv({ ...base, PRICING_SMTP_USER: "kit", [name]: value }), {
      message: `${name} contains a line break (CR or LF); SMTP settings must be one line`,
    });
  }
  throws(
    () => smtpSettingsFromEnv({ ...base, PRICING_EMAIL_TO: "team@example.com, nobody" }),
    /PRICING_EMAIL_TO has an invalid address: "nobody"/,
  );
  throws(
    () => smtpSettingsFromEnv({ ...base, PRICING_EMAIL_TO: "" }),
    /PRICING_EMAIL_TO is not set/,
  );
  throws(
    () => smtpSettingsFromEnv({ ...base, PRICING_SMTP_SECURITY: "ssl" }),
    /PRICING_SMTP_SECURITY must be tls, starttls or none, got "ssl"/,
  );
  throws(
    () => smtpSettingsFromEnv({ ...base, PRICING_SMTP_PORT: "smtp" }),
    /PRICING_SMTP_PORT must be a port number, got "smtp"/,
  );
  // The timeout is a timer: past the longest one Node fires it at once (a "Connection timeout"
  // after a TimeoutOverflowWarning); refused here in one line, as the other seconds settings are.
  const timeout = (value: string) =>
    smtpSettingsFromEnv({ ...base, PRICING_SMTP_TIMEOUT_SECONDS: value })!.timeoutMs;
  assertEquals(timeout("2147483"), 2_147_483_000);
  throws(() => timeout("3000000"), {
    message:
      'PRICING_SMTP_TIMEOUT_SECONDS must be at most 2147483 (the longest timer, about 24.8 days), got "3000000"',
  });
  throws(() => timeout("1.5"), {
    message: 'PRICING_SMTP_TIMEOUT_SECONDS must be a positive whole number, got "1.5"',
  });
  const demoInput = {
    asOfDate: "2026-11-01",
    demo: true,
    organizations: 1234,
    attachmentNames: ["a.csv", "a.md"],
  };
  const email = exportEmailText(demoInput);
  assertEquals(email.subject, "Helicone pricing data 2026-11-01 (DEMO DATA)");
  // why it is demo data, as it is: --demo asked for it, or no database is configured
  for (
    const [demoReason, line] of [
      [
        "requested",
        "DEMO DATA: the demo dataset was asked for (--demo), so these are synthetic numbers.",
      ],
      [
        "no-database",
        "DEMO DATA: no database is configured (PRICING_PG_URL, PRICING_CH_URL), so these are synthetic numbers.",
      ],
    ] as const
  ) {
    const text = exportEmailText({ ...demoInput, demoReason }).text;
    ok(text.split("\n").includes(line), text);
  }
  ok(email.text.startsWith("The pricing export as of 2026-11-01: 1,234 organizations."));
  ok(email.text.includes("- a.csv\n- a.md"));
  // another window is in the subject and the first line
  const week = exportEmailText({
    asOfDate: "2026-11-01",
    demo: false,
    organizations: 3,
    attachmentNames: ["a_7d.csv"],
    windowDays: 7,
    warnings: ["window is 7 days: columns named *_30d hold 7-day values", "tier \u202e\nx"],
  });
  assertEquals(week.subject, "Helicone pricing data 2026-11-01, 7-day window");
  ok(week.text.startsWith("The pricing export as of 2026-11-01, 7-day window: 3 organizations."));
});

Deno.test("an address is sent as configured: syntax nodemailer would reroute is refused, an IDN domain goes as punycode", () => {
  const base = {
    PRICING_SMTP_HOST: "smtp.example.com",
    PRICING_EMAIL_FROM: "kit@example.com",
    PRICING_EMAIL_TO: "team@example.com",
  };
  // each of these passed the old check and reached another mailbox (the RCPT TO nodemailer sent):
  // a comment, a group, a comment in the domain, a NUL and a zero-width space dropped
  for (
    const address of [
      "a(b)@example.com", // → a@example.com
      "finance:team@example.com", // → team@example.com
      "team@exa(mple).com", // → team@exa.com, another company's domain
      "te\u0000am@example.com", // → team@example.com
      "team@ex\u200bample.com", // → team@example.com
      "team.@example.com",
      "team@example.com.",
    ]
  ) {
    throws(() => smtpSettingsFromEnv({ ...base, PRICING_EMAIL_TO: `ok@example.com, ${address}` }), {
      message: `PRICING_EMAIL_TO has an invalid address: ${
        JSON.stringify(address)
      }; write each as name@example.com, without a display name, comment or quotes`,
    });
    throws(() => smtpSettingsFromEnv({ ...base, PRICING_EMAIL_FROM: address }), {
      message: `PRICING_EMAIL_FROM must be one address like pricing-kit@example.com, got ${
        JSON.stringify(address)
      }`,
    });
  }
  // what RFC 5322 allows before the @ stays as written; a domain beyond ASCII is punycode
  const allowed = smtpSettingsFromEnv({
    ...base,
    PRICING_EMAIL_FROM: "kit@bücher.example",
    PRICING_EMAIL_TO: "o'brien+pricing@example.com, {ops}|x~y@example.com, team@exämple.com",
  })!;
  assertEquals(allowed.from, "kit@xn--bcher-kva.example");
  assertEquals(allowed.to, [
    "o'brien+pricing@example.com",
    "{ops}|x~y@example.com",
    "team@xn--exmple-cua.com",
  ]);
});

Deno.test("the relay gets each address as the settings hold it", async () => {
  const server = await startServer();
  try {
    await sendExportEmail(
      settings(server.port, {
        PRICING_EMAIL_TO: "o'brien+pricing@example.com, {ops}|x~y@example.com, team@exämple.com",
      }),
      message,
    );
    assertEquals(server.messages[0].rcptTo, [
      "<o'brien+pricing@example.com>",
      "<{ops}|x~y@example.com>",
      "<team@xn--exmple-cua.com>",
    ]);
    assertEquals(
      parseMime(server.messages[0].data).headers.To,
      "o'brien+pricing@example.com, {ops}|x~y@example.com, team@xn--exmple-cua.com",
    );
  } finally {
    await server.close();
  }
});

Deno.test("PRICING_SMTP_HOST is a host: a URL is refused without showing it, a port named", () => {
  const base = { PRICING_EMAIL_FROM: "kit@example.com", PRICING_EMAIL_TO: "team@example.com" };
  const host = (value: string) => smtpSettingsFromEnv({ ...base, PRICING_SMTP_HOST: value })!;
  // a URL with credentials was looked up as a name and the failure quoted it, password and all
  for (
    const url of ["smtp://kit:hunter2pw@smtp.example.com:587", "kit:hunter2pw@smtp.example.com"]
  ) {
    throws(() => host(url), (error: Error) => {
      assertEquals(
        error.message,
        "PRICING_SMTP_HOST must be a host name like smtp.example.com, not a URL or user@host (the value is not shown: it may hold the password); set PRICING_SMTP_PORT, PRICING_SMTP_USER and PRICING_SMTP_PASSWORD on their own",
      );
      return true;
    });
  }
  throws(() => host("smtp.example.com:2525"), {
    message:
      'PRICING_SMTP_HOST must be a host name without a port, got "smtp.example.com:2525"; set PRICING_SMTP_HOST=smtp.example.com and PRICING_SMTP_PORT=2525',
  });
  throws(() => host("smtp example.com"), {
    message:
      'PRICING_SMTP_HOST must be a host name like smtp.example.com or an IP address, got "smtp example.com"',
  });
  assertEquals(
    ["smtp.example.com", "127.0.0.1", "::1", "localhost", "smtp.exämple.com"].map((h) =>
      host(h).host
    ),
    ["smtp.example.com", "127.0.0.1", "::1", "localhost", "smtp.xn--exmple-cua.com"],
  );
});

Deno.test("emailExport attaches the brief and the trimmed CSV when there is one", async () => {
  const server = await startServer();
  const dir = await Deno.makeTempDir();
  try {
    const csvPath = join(dir, "helicone_pricing_data_2026-11-01.csv");
    const trimmedPath = join(dir, "helicone_pricing_data_2026-11-01_trimmed.csv");
    const briefPath = join(dir, "helicone_pricing_data_2026-11-01.md");
    await Deno.writeTextFile(csvPath, "full");
    await Deno.writeTextFile(trimmedPath, "trimmed");
    await Deno.writeTextFile(briefPath, "# brief");
    const input = {
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: false,
      organizations: 3,
      briefPath,
    };
    assertEquals(await emailExport(settings(server.port), { ...input, csvPath, trimmedPath }), [
      "helicone_pricing_data_2026-11-01_trimmed.csv",
      "helicone_pricing_data_2026-11-01.md",
    ]);
    assertEquals(await emailExport(settings(server.port), { ...input, csvPath }), [
      "helicone_pricing_data_2026-11-01.csv",
      "helicone_pricing_data_2026-11-01.md",
    ]);
    const parts = server.messages.map((m) => parseMime(m.data));
    assertEquals(parts[0].headers.Subject, "Helicone pricing data 2026-11-01");
    assertEquals(new TextDecoder().decode(parts[0].parts[1].content), "trimmed");
    assertEquals(new TextDecoder().decode(parts[1].parts[1].content), "full");
    assertEquals(new TextDecoder().decode(parts[1].parts[2].content), "# brief");
    ok(parts[1].parts[2].headers.includes("Content-Type: text/markdown; charset=utf-8"));
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("emailExport attaches the workbook when the export has no CSV, within the guard", async () => {
  const server = await startServer();
  const dir = await Deno.makeTempDir();
  try {
    const xlsxPath = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    const briefPath = join(dir, "helicone_pricing_data_2026-11-01.md");
    await Deno.writeFile(xlsxPath, binary); // 600 bytes
    await Deno.writeTextFile(briefPath, "# brief"); // 7 bytes
    const input = {
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: false,
      organizations: 3,
      briefPath,
      xlsxPath,
    };
    assertEquals(await emailExport(settings(server.port), input), [
      "helicone_pricing_data_2026-11-01.xlsx",
      "helicone_pricing_data_2026-11-01.md",
    ]);
    const mime = parseMime(server.messages[0].data);
    const text = new TextDecoder().decode(mime.parts[0].content);
    ok(text.includes("- helicone_pricing_data_2026-11-01.xlsx\n"), text);
    ok(text.includes("Upload the workbook (.xlsx) together with the .md brief"), text);
    ok(!text.includes("CSV"), text);
    assertEquals(mime.parts[1].content, binary);
    ok(mime.parts[1].headers.includes(
      "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ));
    // 607 bytes > 0.0005 MB = 524 bytes: refused before connecting, naming the way to a smaller file
    await rejects(
      emailExport(settings(server.port, { PRICING_EMAIL_MAX_ATTACHMENTS_MB: "0.0005" }), input),
      {
        message:
          "email not sent: attachments are 607 bytes (helicone_pricing_data_2026-11-01.xlsx 600 bytes, helicone_pricing_data_2026-11-01.md 7 bytes), above the 524 bytes limit (a workbook has no trimmed variant: --format csv writes a CSV, and a trimmed one when it is large); raise PRICING_EMAIL_MAX_ATTACHMENTS_MB or share the files another way",
      },
    );
    assertEquals(server.connections, 1);
    // no data file at all: refused, never the brief alone as if it were the export
    await rejects(emailExport(settings(server.port), { ...input, xlsxPath: undefined }), {
      message: "email not sent: the export wrote no CSV or XLSX to attach",
    });
    assertEquals(server.connections, 1);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** `deno task export --demo --no-charts --email …` into `out`, mailing to the sink on `port`. */
function exportWithEmail(
  { port, out, args, env = {} }: {
    port: number;
    out: string;
    args: string[];
    env?: Record<string, string>;
  },
) {
  const cli = new URL("../lib/cli/export.ts", import.meta.url).pathname;
  return new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", cli, "--demo", "--no-charts", "--email", ...args],
      ...["--out-dir", out, "--env-file", "/dev/null"],
    ],
    env: {
      NO_COLOR: "1",
      PRICING_SMTP_HOST: "127.0.0.1",
      PRICING_SMTP_PORT: String(port),
      PRICING_SMTP_SECURITY: "none",
      PRICING_EMAIL_FROM: "kit@example.com",
      PRICING_EMAIL_TO: "team@example.com",
      ...env,
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("export --format xlsx --email sends the workbook and the brief", async () => {
  const server = await startServer();
  const out = await Deno.makeTempDir();
  try {
    const output = await exportWithEmail({
      port: server.port,
      out,
      args: ["--format", "xlsx", "--as-of", "2026-11-01"],
    });
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(output.code, 0, stderr);
    const stdout = new TextDecoder().decode(output.stdout);
    const xlsx = "helicone_pricing_data_2026-11-01_demo.xlsx";
    const brief = "helicone_pricing_data_2026-11-01_demo.md";
    ok(stdout.includes(`Emailed ${xlsx}, ${brief}\n`), stdout);
    assertEquals(server.messages.length, 1);
    const mime = parseMime(server.messages[0].data);
    const names = mime.parts.slice(1).map((part) => part.headers.match(/filename="?([^";]+)/)![1]);
    assertEquals(names, [xlsx, brief]);
    assertEquals(mime.parts[1].content, await Deno.readFile(join(out, xlsx)));
    ok(new TextDecoder().decode(mime.parts[0].content).includes("Upload the workbook (.xlsx)"));
    // the copies kept for the mail are gone once it is sent (only the history folder is left
    // beside the files)
    assertEquals(
      [...Deno.readDirSync(out)].filter((e) => e.isDirectory).map((e) => e.name),
      ["history"],
    );
  } finally {
    await server.close();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("export --email: the trimmed CSV is named with its organizations; one above the upload limit too is neither written nor sent", async () => {
  const server = await startServer();
  const out = await Deno.makeTempDir();
  try {
    // the demo CSV is ~107 KB, its trimmed file ~91 KB (at least ~56 KB by trimmedFloorBytes)
    const run = (trimAboveMb: string) =>
      exportWithEmail({
        port: server.port,
        out,
        args: ["--format", "csv", "--as-of", "2026-10-01"],
        env: { PRICING_BRIEF_TRIM_ABOVE_MB: trimAboveMb },
      });
    const csv = "helicone_pricing_data_2026-10-01_demo.csv";
    const trimmed = "helicone_pricing_data_2026-10-01_demo_trimmed.csv";
    const brief = "helicone_pricing_data_2026-10-01_demo.md";
    const mailOf = (index: number) => {
      const mime = parseMime(server.messages[index].data);
      const names = mime.parts.slice(1).map((p) => p.headers.match(/filename="?([^";]+)/)![1]);
      return { names, text: new TextDecoder().decode(mime.parts[0].content) };
    };
    // 0.1 MB = 102,400 bytes: the CSV is above it, the trimmed file below: written and sent
    const fits = await run("0.1");
    assertEquals(fits.code, 0, new TextDecoder().decode(fits.stderr));
    const rows = (await readExportFile(join(out, trimmed))).frame.height;
    const organizations = (await readExportFile(join(out, csv))).frame.height;
    ok(rows < organizations, `${rows} < ${organizations}`);
    const sent = mailOf(0);
    assertEquals(sent.names, [trimmed, brief]);
    ok(
      sent.text.includes(
        `The CSV attached is the trimmed one, ${trimmed}: ${rows} of the ${organizations} organizations (the full CSV is too large to upload; the brief says what it leaves out).`,
      ),
      sent.text,
    );
    ok(sent.text.includes("Upload the trimmed CSV together with the .md brief"), sent.text);
    // 0.08 MB = 83,886 bytes: the trimmed file's fewest bytes fit, the file written does not
    const above = await run("0.08");
    assertEquals(above.code, 0, new TextDecoder().decode(above.stderr));
    await rejects(Deno.stat(join(out, trimmed)), Deno.errors.NotFound); // (the earlier one retired)
    const text = await Deno.readTextFile(join(out, brief));
    ok(
      text.includes("A trimmed file is above it too, so it was not kept: written, it came to"),
      text,
    );
    ok(!text.includes(trimmed), text);
    const full = mailOf(1);
    assertEquals(full.names, [csv, brief]);
    ok(!full.text.includes("trimmed"), full.text);
    // the full CSV is above the limit too: the mail does not say to upload it (the brief says not)
    const csvKb = ((await Deno.stat(join(out, csv))).size / 1024).toFixed(1);
    ok(
      full.text.includes(
        `The CSV attached (${csvKb} KB) is above the 81.9 KB AI assistants take comfortably: the brief's Upload line says what to give one instead`,
      ),
      full.text,
    );
    ok(!full.text.includes("Upload the CSV together"), full.text);
  } finally {
    await server.close();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a password without TLS is refused before connecting, also for hand-made settings", async () => {
  // 192.0.2.1 is TEST-NET-1: nothing answers there, so reaching it would time out, not refuse.
  const plain: SmtpSettings = {
    ...settings(25),
    host: "192.0.2.1",
    security: "none",
  };
  await rejects(sendExportEmail(plain, message), {
    message:
      "PRICING_SMTP_SECURITY=none would send the SMTP password unencrypted; use starttls or tls",
  });
});

Deno.test("export --email: a relay's reply with control characters is printed escaped, exit 2", async () => {
  // a relay's reply is its text, not the kit's: an escape sequence in it would retitle or clear
  // the terminal (or a log viewer) of whoever reads the cron log
  const server = await startServer({
    rejectRecipient: "team@example.com",
    rejectReply: "550 \x1b]0;owned\x07\x1b[2Jno such user \u202eexe.txt",
  });
  const out = await Deno.makeTempDir();
  try {
    const output = await exportWithEmail({
      port: server.port,
      out,
      args: ["--quiet", "--format", "csv", "--as-of", "2026-11-01"],
    });
    assertEquals(output.code, 2);
    assertEquals(
      new TextDecoder().decode(output.stderr),
      "error: email: SMTP server refused RCPT TO:<team@example.com>: 550 \\u001b]0;owned\\u0007\\u001b[2Jno such user \\u202eexe.txt (the export itself was written)\n",
    );
    assertEquals(server.messages.length, 0);
    // the export stays; the copies kept for the mail are gone
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
      "helicone_pricing_data_2026-11-01_demo.csv",
      "helicone_pricing_data_2026-11-01_demo.manifest.json",
      "helicone_pricing_data_2026-11-01_demo.md",
      "history",
    ]);
  } finally {
    await server.close();
    await Deno.remove(out, { recursive: true });
  }
});
