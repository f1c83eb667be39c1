import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  cleartextPasswordWarnings,
  warnOfCleartextPasswords,
} from "../lib/core/cleartext_passwords.ts";
import { type Env, sourceSettings } from "../lib/core/config.ts";

/** The warnings for one PostgreSQL URL (a ClickHouse URL over TLS beside it). */
const pgWarnings = (url: string, processEnv: Env = {}) =>
  cleartextPasswordWarnings(
    { PRICING_PG_URL: url, PRICING_CH_URL: "https://ch.example.com:8443" },
    processEnv,
  );

/** The warnings for one ClickHouse setup (PostgreSQL over TLS beside it). */
const chWarnings = (env: Env) =>
  cleartextPasswordWarnings({
    PRICING_PG_URL: "postgres://u:pw@db.example.com/db?sslmode=verify-full",
    ...env,
  }, {});

Deno.test("a PostgreSQL password without TLS to another host is warned of, the password unshown", () => {
  const [line, ...more] = pgWarnings(
    "postgres://reader:S3cret@db.example.com:5432/app?sslmode=disable",
  );
  assertEquals(more, []);
  assertEquals(
    line,
    "PRICING_PG_URL connects to db.example.com without TLS (sslmode=disable): its password and the data cross the network unencrypted; use TLS: sslmode=require (or verify-full) in PRICING_PG_URL",
  );
  ok(!line.includes("S3cret"));
  // no sslmode at all: pg then uses no TLS either
  assertEquals(
    pgWarnings("postgres://reader:S3cret@10.0.0.5/app")[0],
    "PRICING_PG_URL connects to 10.0.0.5 without TLS (no sslmode in it, which the pg driver reads as no TLS): its password and the data cross the network unencrypted; use TLS: sslmode=require (or verify-full) in PRICING_PG_URL",
  );
  // the password as a parameter, ssl=0, a ?host that overrides the URL's, PGSSLMODE=disable
  ok(pgWarnings("postgres://reader@db.example.com/app?password=S3cret")[0]);
  ok(pgWarnings("postgres://reader:S3cret@db.example.com/app?ssl=0")[0].includes("(ssl=0)"));
  ok(pgWarnings("postgres://reader:S3cret@localhost/app?host=db.example.com")[0]);
  ok(
    pgWarnings("postgres://reader:S3cret@db.example.com/app", { PGSSLMODE: "disable" })[0]
      .includes("(PGSSLMODE=disable in the environment)"),
  );
  // the password from PGPASSWORD, which pg reads when the URL has none
  ok(pgWarnings("postgres://reader@db.example.com/app", { PGPASSWORD: "S3cret" })[0]);
});

Deno.test("no PostgreSQL warning on loopback, a socket, over TLS, or without a password", () => {
  for (
    const url of [
      "postgres://u:pw@127.0.0.1:5432/db?sslmode=disable",
      "postgres://u:pw@127.0.0.53/db",
      "postgres://u:pw@localhost/db?sslmode=disable",
      "postgres://u:pw@[::1]:5432/db?sslmode=disable",
      "postgres://u:pw@db.example.com/db?host=::1",
      // a socket, in a parameter or %-encoded as the host, or no host (pg: localhost)
      "postgres://u:pw@/db?host=/run/postgresql",
      "postgres://u:pw@%2Frun%2Fpostgresql/db",
      "postgres://u:pw@/db",
      // TLS: every sslmode but disable, a certificate, ssl=true, direct negotiation
      "postgres://u:pw@db.example.com/db?sslmode=require",
      "postgres://u:pw@db.example.com/db?sslmode=verify-full",
      "postgres://u:pw@db.example.com/db?sslmode=prefer",
      "postgres://u:pw@db.example.com/db?sslmode=no-verify",
      "postgres://u:pw@db.example.com/db?sslrootcert=ca.pem",
      "postgres://u:pw@db.example.com/db?ssl=true",
      "postgres://u:pw@db.example.com/db?sslnegotiation=direct",
      // the last sslmode is the one pg reads
      "postgres://u:pw@db.example.com/db?sslmode=disable&sslmode=require",
      // no password to send
      "postgres://u@db.example.com/db?sslmode=disable",
      "postgres://u:@db.example.com/db",
    ]
  ) {
    assertEquals(pgWarnings(url), [], url);
  }
  // PGSSLMODE in the process environment asks pg for TLS when the URL says nothing of it
  assertEquals(pgWarnings("postgres://u:pw@db.example.com/db", { PGSSLMODE: "require" }), []);
  // a URL's sslmode=disable wins over it
  assertEquals(
    pgWarnings("postgres://u:pw@db.example.com/db?sslmode=disable", { PGSSLMODE: "require" })
      .length,
    1,
  );
});

Deno.test("a ClickHouse password over http:// to another host is warned of, the password unshown", () => {
  const [line, ...more] = chWarnings({
    PRICING_CH_URL: "http://ch.example.com:8123",
    PRICING_CH_PASSWORD: "Ch-S3cret",
  });
  assertEquals(more, []);
  assertEquals(
    line,
    "PRICING_CH_URL is http:// to ch.example.com: the ClickHouse password (PRICING_CH_PASSWORD) and the data cross the network unencrypted; use TLS: https:// and the server's TLS port (8443) in PRICING_CH_URL",
  );
  const [inUrl] = chWarnings({ PRICING_CH_URL: "http://reader:Ch-S3cret@10.1.2.3:8123" });
  ok(
    inUrl.startsWith("PRICING_CH_URL is http:// to 10.1.2.3: the ClickHouse password (in the URL)"),
  );
  ok(!inUrl.includes("Ch-S3cret"));
});

Deno.test("no ClickHouse warning on loopback, over https://, or without a password", () => {
  for (
    const env of [
      { PRICING_CH_URL: "http://127.0.0.1:8123", PRICING_CH_PASSWORD: "pw" },
      { PRICING_CH_URL: "http://localhost:8123", PRICING_CH_PASSWORD: "pw" },
      { PRICING_CH_URL: "http://[::1]:8123", PRICING_CH_PASSWORD: "pw" },
      { PRICING_CH_URL: "http://u:pw@127.0.0.1:8123" },
      { PRICING_CH_URL: "https://ch.example.com:8443", PRICING_CH_PASSWORD: "pw" },
      { PRICING_CH_URL: "https://u:pw@ch.example.com:8443" },
      { PRICING_CH_URL: "http://ch.example.com:8123", PRICING_CH_USER: "reader" },
      { PRICING_CH_URL: "http://ch.example.com:8123", PRICING_CH_PASSWORD: "" },
    ]
  ) {
    assertEquals(chWarnings(env), [], JSON.stringify(env));
  }
});

Deno.test("each warning is printed once per process, however often the settings are read", () => {
  const env = {
    PRICING_PG_URL: "postgres://u:pw@pg-once.example.com/db",
    PRICING_CH_URL: "http://u:pw@ch-once.example.com:8123",
  };
  const printed: string[] = [];
  const warn = (line: string) => printed.push(line);
  warnOfCleartextPasswords(env, { processEnv: {}, warn });
  warnOfCleartextPasswords(env, { processEnv: {}, warn });
  assertEquals(printed.length, 2);
  ok(printed[0].startsWith("PRICING_PG_URL connects to pg-once.example.com without TLS"));
  ok(printed[1].startsWith("PRICING_CH_URL is http:// to ch-once.example.com"));
});

Deno.test("sourceSettings, which every entry point reads, prints the warning on stderr once", () => {
  const env = {
    PRICING_PG_URL: "postgres://u:Pg-S3cret@pg-settings.example.com/db?sslmode=disable",
    PRICING_CH_URL: "https://ch.example.com:8443",
  };
  const original = console.error;
  const lines: string[] = [];
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    sourceSettings(env);
    sourceSettings(env);
  } finally {
    console.error = original;
  }
  assertEquals(lines.length, 1);
  ok(lines[0].startsWith("warning: PRICING_PG_URL connects to pg-settings.example.com"), lines[0]);
  ok(!lines[0].includes("Pg-S3cret"));
});
