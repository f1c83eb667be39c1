/**
 * Email settings: read from the environment (defaults, off when unset, clear errors), addresses
 * sent as configured, the host refused when it is a URL, no password without TLS, no line
 * breaks; against the SMTP server of tests/smtp_server.ts.
 */
import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import {
  exportEmailText,
  sendExportEmail,
  type SmtpSettings,
  smtpSettingsFromEnv,
} from "../lib/delivery/email.ts";
import { message, parseMime, settings, startServer } from "./smtp_server.ts";

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
