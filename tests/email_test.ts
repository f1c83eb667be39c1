/**
 * Email delivery (nodemailer under the kit's rules) against a tiny SMTP server on 127.0.0.1
 * inside the test (tests/smtp_server.ts): plain and STARTTLS sessions, AUTH PLAIN and LOGIN,
 * attachments decoded byte for byte, the size guard, refusals. The STARTTLS test makes a
 * throwaway self-signed certificate with openssl. Settings: email_settings_test.ts; the export's
 * mail: email_export_test.ts.
 */
import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { Buffer } from "node:buffer";
import net from "node:net";
import { join } from "node:path";
import { checkAttachmentSize, sendExportEmail } from "../lib/delivery/email.ts";
import { binary, csvText, message, parseMime, settings, startServer } from "./smtp_server.ts";

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
  throws(() => checkAttachmentSize(attachments, { maxBytes: 17 << 20 }), {
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
