/**
 * Database URLs in the settings: credentials from the URL or the variables, redaction, passwords
 * with unencoded characters or malformed %-escapes refused without showing them, ?parameters,
 * sockets, ports and sslmode.
 */
import { deepStrictEqual as assertEquals, ok, throws as assertThrows } from "node:assert/strict";
import {
  clickHouseSettings,
  postgresSettings,
  sourceSettings,
  UserError,
} from "../lib/core/config.ts";
import { redactUrl } from "../lib/core/connection_url.ts";

Deno.test("ClickHouse credentials come from the URL unless the variables are set; the URL keeps none", () => {
  const fromUrl = clickHouseSettings({
    PRICING_CH_URL: "https://reader:s%40cret@ch.example.com:8443",
  })!;
  assertEquals([fromUrl.url, fromUrl.username, fromUrl.password], [
    "https://ch.example.com:8443",
    "reader",
    "s@cret",
  ]);
  const fromVars = clickHouseSettings({
    PRICING_CH_URL: "http://ch:8123",
    PRICING_CH_USER: "u",
    PRICING_CH_PASSWORD: "p",
  })!;
  assertEquals([fromVars.username, fromVars.password, fromVars.readonly], ["u", "p", "2"]);
  // empty variables (`PRICING_CH_USER=` left in a settings file) are unset: the URL's stand
  const emptyVars = clickHouseSettings({
    PRICING_CH_URL: "https://reader:s%40cret@ch.example.com:8443",
    PRICING_CH_USER: "",
    PRICING_CH_PASSWORD: "",
    PRICING_CH_DATABASE: "",
    PRICING_CH_READONLY: "",
  })!;
  assertEquals(
    [emptyVars.username, emptyVars.password, emptyVars.database, emptyVars.readonly],
    ["reader", "s@cret", "default", "2"],
  );
  assertEquals(emptyVars.credentialsFrom, "user from PRICING_CH_URL, password from PRICING_CH_URL");
});

Deno.test("redactUrl hides the password", () => {
  assertEquals(redactUrl("postgres://me:hunter2@db:5432/x"), "postgres://me:***@db:5432/x");
  // an unencoded @ then / in the password: everything up to the last @ goes
  assertEquals(
    redactUrl("postgres://u:Xy@z/9Q@127.0.0.1:33165/db"),
    "postgres://***@127.0.0.1:33165/db",
  );
});

Deno.test("a database URL without // is refused unshown; a password= parameter is masked", () => {
  // the // forgotten: the parser takes it all for a path, so no password would be masked
  for (
    const [name, url, form] of [
      ["PRICING_PG_URL", "postgres:S3cretPw@127.0.0.1:46051/fx", "postgres:// or postgresql://"],
      ["PRICING_PG_URL", "postgres:user:S3cretPw@127.0.0.1/fx", "postgres:// or postgresql://"],
      ["PRICING_PG_URL", "postgresql:/user:S3cretPw@127.0.0.1/fx", "postgres:// or postgresql://"],
      ["PRICING_CH_URL", "http:user:S3cretPw@127.0.0.1:8123", "http:// or https://"],
    ]
  ) {
    const env = { PRICING_PG_URL: "postgres://h/db", PRICING_CH_URL: "http://h:8123", [name]: url };
    assertThrows(() => sourceSettings(env), (error: Error) => {
      ok(error instanceof UserError);
      ok(error.message.startsWith(`${name} must start with ${form} (like `), error.message);
      ok(error.message.endsWith("; its value is not shown"), error.message);
      ok(!error.message.includes("S3cretPw"), error.message);
      return true;
    });
    ok(!redactUrl(url).includes("S3cretPw"), redactUrl(url));
  }
  assertEquals(redactUrl("postgres:user:S3cretPw@127.0.0.1/fx"), "postgres:***");
  // pg reads ?password= (and sslpassword=) as the password: accepted, and masked when shown
  const parameters = [
    [
      "postgres://postgres@127.0.0.1:1/fx?password=S3cretPw",
      "postgres://postgres@127.0.0.1:1/fx?password=***",
    ],
    [
      "postgres:///fx?password=S3cretPw&host=127.0.0.1",
      "postgres:///fx?password=***&host=127.0.0.1",
    ],
    [
      "postgres://u:S3cretPw@h/db?sslmode=require&sslpassword=K3yPass&passfile=/home/u/.pgpass",
      "postgres://u:***@h/db?sslmode=require&sslpassword=***&passfile=/home/u/.pgpass",
    ],
    ["postgres://u@h/db?pass%77ord=S3cretPw", "postgres://u@h/db?pass%77ord=***"],
  ];
  for (const [url, shown] of parameters) {
    assertEquals(postgresSettings({ PRICING_PG_URL: url })!.url, url);
    assertEquals(redactUrl(url), shown);
  }
});

/** Passwords holding unencoded @ / ? # \ in the orders that cut a URL's authority short. */
const HOSTILE_PASSWORDS = [
  "Xq7@zK4/9Qw",
  "pW3@ssQ#w0rdZ",
  "Ab1?Cd2@Ef3",
  "Gh4@Ij5?Kl6#Mn7",
  "Op8\\Qr9@St0",
  "/Uv1@Wx2",
  "Yz3@/",
  "Ba5#@Cd6/",
  "Jk8@Lm9#",
  "Np2@Rs3@Tu4/Vw5",
];

/** The password's pieces between the special characters: none may be shown anywhere. */
function fragments(password: string): string[] {
  return password.split(/[^A-Za-z0-9]+/).filter((piece) => piece.length >= 3);
}

function assertNoFragment(text: string, password: string): void {
  for (const piece of fragments(password)) {
    if (text.includes(piece)) throw new Error(`${JSON.stringify(text)} shows ${piece}`);
  }
}

Deno.test("a password with an unencoded @ / ? # is refused in one line that shows none of it", () => {
  for (const password of HOSTILE_PASSWORDS) {
    const urls = {
      PRICING_PG_URL: `postgres://reader:${password}@127.0.0.1:33165/db`,
      PRICING_CH_URL: `http://default:${password}@127.0.0.1:45121`,
    };
    for (const [name, url] of Object.entries(urls)) {
      const env = {
        PRICING_PG_URL: "postgres://h/db",
        PRICING_CH_URL: "http://h:8123",
        [name]: url,
      };
      assertNoFragment(redactUrl(url), password);
      let settings: ReturnType<typeof sourceSettings> = null;
      try {
        settings = sourceSettings(env);
      } catch (error) {
        const message = (error as Error).message;
        assertEquals(error instanceof UserError, true, message);
        assertEquals(message.includes("\n"), false);
        assertNoFragment(message, password);
        if (!/ must /.test(message)) {
          assertEquals(message.startsWith(`${name} has an @ after its host (not shown)`), true);
        }
        continue;
      }
      // accepted only when the URL parser found the whole password (the backslash on postgres:)
      const parsed = new URL(url);
      assertEquals(decodeURIComponent(parsed.password), password, url);
      assertEquals(parsed.hostname, "127.0.0.1");
      assertNoFragment(settings!.clickhouse!.url, password);
    }
  }
  assertThrows(
    () => clickHouseSettings({ PRICING_CH_URL: "http://default:p@ss#w0rd@127.0.0.1:45121" }),
    {
      message:
        "PRICING_CH_URL has an @ after its host (not shown): percent-encode @ / ? # \\ in the user name and password (@ as %40, / as %2F, ? as %3F, # as %23, \\ as %5C)",
    },
  );
  // encoded, the same password is read whole
  assertEquals(
    clickHouseSettings({ PRICING_CH_URL: "http://default:p%40ss%23w0rd@127.0.0.1:45121" })!
      .password,
    "p@ss#w0rd",
  );
});

Deno.test("PRICING_CH_URL with ?parameters or a #fragment is refused in the kit's words", () => {
  for (
    const url of ["http://u:pw@host:8123/?x", "http://host:8123/?database=db", "http://h:1/#f"]
  ) {
    assertThrows(() => clickHouseSettings({ PRICING_CH_URL: url }), {
      message:
        "PRICING_CH_URL must be scheme://[user:password@]host:port with no path, ?parameters or #fragment; set the database with PRICING_CH_DATABASE",
    });
  }
});

Deno.test("ClickHouse settings say where the credentials came from (a refusal names it)", () => {
  const from = (env: Record<string, string>) =>
    clickHouseSettings({ PRICING_CH_URL: "http://h:8123", ...env })!.credentialsFrom;
  assertEquals(
    clickHouseSettings({ PRICING_CH_URL: "http://reader:pw@h:8123" })!.credentialsFrom,
    "user from PRICING_CH_URL, password from PRICING_CH_URL",
  );
  assertEquals(
    from({ PRICING_CH_USER: "u", PRICING_CH_PASSWORD: "p" }),
    "user from PRICING_CH_USER, password from PRICING_CH_PASSWORD",
  );
  assertEquals(from({}), "user from the default (default), password from nowhere (none set)");
});

Deno.test("a malformed %-escape in PRICING_CH_URL names the variable, never the password", () => {
  assertThrows(
    () => clickHouseSettings({ PRICING_CH_URL: "http://reader:Secret%zz@h:8123" }),
    (error: Error) => {
      assertEquals(
        error.message,
        "PRICING_CH_URL's password has a malformed %-escape; write % as %25, or set PRICING_CH_PASSWORD instead",
      );
      return true;
    },
  );
  assertThrows(
    () => clickHouseSettings({ PRICING_CH_URL: "http://bad%e0@h:8123" }),
    /PRICING_CH_URL's user name has a malformed %-escape; .* PRICING_CH_USER instead$/,
  );
});

Deno.test("a malformed %-escape in PRICING_PG_URL's user name or password names the variable, never the password", () => {
  // pg failed on one as "URI malformed", or re-encoded the whole URL and read %2F as written
  for (
    const [url, part] of [
      ["postgres://reader:P%40ss%2Fw%zz@h:5432/db", "password"],
      ["postgres://reader:Secret%e0@h/db", "password"],
      ["postgres://read%er:Secret@h/db", "user name"],
    ]
  ) {
    assertThrows(
      () => postgresSettings({ PRICING_PG_URL: url }),
      (error: Error) => {
        assertEquals(
          error.message,
          `PRICING_PG_URL's ${part} has a malformed %-escape; write % as %25 (and @ as %40, / as %2F, ? as %3F, # as %23)`,
        );
        return error instanceof UserError;
      },
    );
  }
  assertEquals(
    postgresSettings({ PRICING_PG_URL: "postgres://reader:P%40ss%2Fw%25zz@h/db" })?.url,
    "postgres://reader:P%40ss%2Fw%25zz@h/db",
  );
});

Deno.test("a socket URL with a user and no host is a URL; an @ in a ?parameter's value is no cut password", () => {
  // pg reads both: a socket with a read-only user, and @ in a parameter value
  const accepted = [
    [
      "postgres://postgres:S3cret@/db?host=/tmp/sock&port=5432",
      "postgres://postgres:***@/db?host=/tmp/sock&port=5432",
    ],
    [
      "postgres://user@/db?host=/var/run/postgresql&password=S3cret",
      "postgres://user@/db?host=/var/run/postgresql&password=***",
    ],
    ["postgres://user@host/db?password=s3c@ret", "postgres://user@host/db?password=***"],
    [
      "postgres://user@host/db?application_name=me@laptop",
      "postgres://user@host/db?application_name=me@laptop",
    ],
  ];
  for (const [url, shown] of accepted) {
    ok(postgresSettings({ PRICING_PG_URL: url }), url);
    assertEquals(redactUrl(url), shown);
  }
  // a password cut by an unencoded / or ?: still refused, nothing of it shown; digits then
  // `?k=v` too, which parses as the port of a host named like the user and a parameter holding
  // the rest of the password
  for (
    const url of [
      "postgres://user:pa/ss@host/db",
      "postgres://user:pa?ss@host/db",
      "postgres://user:4711?k=Se@cret@host/db",
      "postgres://user:?k=Secret@host/db",
      "postgres://user:4711?application_name=x&k=Secret@host/db",
      // cut into a path, a fragment, a socket URL's parameter, a parameter after a host
      "postgres://user:/x&=Secret@host/db",
      "postgres://user:/?;1=Secret@host/db",
      "postgres://user:#?[]=Secret@host/db",
      "postgres://user:@?/x=Secret@host/db",
      "postgres://user:a@b?k=Secret@host/db",
    ]
  ) {
    assertThrows(() => postgresSettings({ PRICING_PG_URL: url }), /has an @ after its host/);
    assertEquals(redactUrl(url), "postgres://***@host/db");
  }
  assertThrows(
    () => clickHouseSettings({ PRICING_CH_URL: "https://user:8443?k=Secret@ch.example.com:8443" }),
    /has an @ after its host/,
  );
  // a password parameter holding an unencoded & or # goes on as parameters pg does not know, or
  // the fragment: masked too (the ones pg reads stay shown); and a refused URL's parameters
  for (
    const [url, shown] of [
      [
        "postgres://user@host/db?password=ab&x=Secret&sslmode=require",
        "postgres://user@host/db?password=***&x=***&sslmode=require",
      ],
      ["postgres://user@host/db?password=ab#Secret", "postgres://user@host/db?password=***#***"],
      [
        "postgres://user:pa/ss@host/db?sslpassword=Secret&sslmode=require",
        "postgres://***@host/db?sslpassword=***&sslmode=require",
      ],
      [
        "postgres://user:p@host/db?application_name=kit&x=1",
        "postgres://user:***@host/db?application_name=kit&x=1",
      ],
    ]
  ) assertEquals(redactUrl(url), shown);
});

Deno.test("a ?port= that is no port is refused at once (pg's pool never ended after it: the export hung)", () => {
  const url = (port: string) => ({ PRICING_PG_URL: `postgres://u:p@h:5432/db?port=${port}` });
  for (const port of ["abc", "-1", "0", "65536", "70000", "54 32", "5432x"]) {
    assertThrows(() => postgresSettings(url(port)), {
      name: "UserError",
      message: `PRICING_PG_URL's port=${
        JSON.stringify(decodeURIComponent(port.replace(" ", "%20")))
      } is no port number; use a whole number from 1 to 65535, or leave it out (5432)`,
    });
  }
  for (const port of ["5432", "1", "65535", ""]) {
    assertEquals(postgresSettings(url(port))!.url, url(port).PRICING_PG_URL);
  }
});

Deno.test("an sslmode the pg driver does not know is refused at once, naming the ones it does", () => {
  const url = (mode: string) => ({ PRICING_PG_URL: `postgres://u:p@h:5432/db?sslmode=${mode}` });
  const known = "use disable, prefer, require, verify-ca, verify-full or no-verify";
  assertThrows(() => postgresSettings(url("disabled")), {
    name: "UserError",
    message:
      `PRICING_PG_URL's sslmode="disabled" is not one the pg driver knows (did you mean sslmode=disable?); ${known}`,
  });
  // libpq's allow: pg would read it as "TLS, verified"
  assertThrows(() => postgresSettings(url("allow")), {
    message: `PRICING_PG_URL's sslmode="allow" is not one the pg driver knows; ${known}`,
  });
  assertThrows(() => postgresSettings({ PRICING_PG_URL: "postgres://h/db?a=1&sslmode=bogus" }), {
    message: `PRICING_PG_URL's sslmode="bogus" is not one the pg driver knows; ${known}`,
  });
  for (
    const mode of ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify", ""]
  ) {
    assertEquals(postgresSettings(url(mode))!.url, url(mode).PRICING_PG_URL);
  }
});
