import {
  deepStrictEqual as assertEquals,
  ok,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import {
  clickHouseSettings,
  loadEnv,
  parseDotEnv,
  postgresSettings,
  settingNumber,
  sourceSettings,
  UserError,
} from "../lib/core/config.ts";
import { redactUrl } from "../lib/core/connection_url.ts";
import { costModelFromEnv } from "../lib/economics/cost_model.ts";
import { SETTING_NAMES } from "../lib/core/setting_names.ts";
import { loadPriceBook } from "../lib/economics/price_book.ts";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

Deno.test("parseDotEnv reads KEY=VALUE, quotes, export and comments", () => {
  const env = parseDotEnv(
    "# settings\nexport A=1\nB=\"two words\"\nC='x#y'\nD=plain # comment\n\nE=\n",
  );
  assertEquals(env, { A: "1", B: "two words", C: "x#y", D: "plain", E: "" });
  assertThrows(() => parseDotEnv("not a setting"), /\.env line 1 is not KEY=VALUE/);
});

Deno.test("parseDotEnv: a value of blanks then a comment is empty; a # inside quotes stays", () => {
  const env = parseDotEnv(
    [
      "PRICING_SERVER_TOKEN=            # bearer token, at least 32 characters",
      "EMPTY =\t# tab, then the comment",
      "HASH=#abc",
      'DOUBLE="a # b"   # then a comment',
      "SINGLE='x#y' # then a comment",
      'ESCAPED="say \\"hi\\" # not a comment"',
      "APOSTROPHE='it's'",
    ].join("\n"),
  );
  assertEquals(env, {
    PRICING_SERVER_TOKEN: "",
    EMPTY: "",
    HASH: "#abc", // no blank before the #: the value itself, as before
    DOUBLE: "a # b",
    SINGLE: "x#y",
    ESCAPED: 'say "hi" # not a comment',
    APOSTROPHE: "it's",
  });
});

Deno.test("parseDotEnv: a quote never closed, or typographic quotes, fail naming the line and key, not the value", () => {
  // kept, `"` or `“…”` became part of the password, and the server's refusal blamed the password
  assertThrows(() => parseDotEnv('A=1\nPRICING_CH_PASSWORD="s3cret-pw'), {
    message:
      `.env line 2: PRICING_CH_PASSWORD's value opens a " quote it does not close (values are one line); close the quote, or remove it`,
  });
  assertThrows(() => parseDotEnv("PRICING_PG_URL='postgres://u:s3cret-pw@h/db # prod", "my.env"), {
    message:
      `my.env line 1: PRICING_PG_URL's value opens a ' quote it does not close (values are one line); close the quote, or remove it`,
  });
  for (const quoted of ["“s3cret-pw”", "‘s3cret-pw’", "“s3cret-pw” # pasted", "«s3cret-pw»"]) {
    assertThrows(() => parseDotEnv(`PRICING_CH_PASSWORD=${quoted}`), {
      message:
        `.env line 1: PRICING_CH_PASSWORD's value is in typographic quotes (“ ”), which would be read as part of it; use straight quotes (" or ') or none`,
    }, quoted);
  }
  // a quote closed further on, or inside the value, reads as before
  assertEquals(
    parseDotEnv(
      [
        'WINDOWS="C:\\dir\\"', // ends with \": the last quote closes it
        'MID=pass"word', // an unquoted value holding a quote
        "NAME=it’s", // a typographic apostrophe inside
      ].join("\n"),
    ),
    { WINDOWS: "C:\\dir\\", MID: 'pass"word', NAME: "it’s" },
  );
});

Deno.test("a settings file in UTF-16 or another charset fails in one line naming the file; UTF-8 with a BOM and CRLF reads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "s.env");
    // Windows PowerShell 5's `>` writes UTF-16LE with a BOM; read as UTF-8 it was "line 1 is not KEY=VALUE"
    const text = "PRICING_RETENTION_DAYS=30\r\n";
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...text].flatMap((c) => [c.charCodeAt(0), 0])]);
    await Deno.writeFile(file, utf16);
    await assertRejects(loadEnv(file, { required: true }), {
      message:
        `${file} is UTF-16 text, or not text (it holds NUL bytes); save it as UTF-8 (in Windows PowerShell: Set-Content -Encoding utf8)`,
    });
    // a password typed in Windows-1252 (é = 0xE9): read as UTF-8 it held U+FFFD, refused by the server
    const latin1 = new TextEncoder().encode("PRICING_RETENTION_DAYS=30\nPRICING_CH_PASSWORD=caf");
    await Deno.writeFile(file, new Uint8Array([...latin1, 0xe9, 0x0a]));
    await assertRejects(loadEnv(file, { required: true }), {
      message:
        `${file} is not UTF-8 text (line 2 holds a byte of another charset, such as Windows-1252's é); save it as UTF-8`,
    });
    await Deno.writeFile(
      file,
      new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(`${text}A=é\r\n`)]),
    );
    const env = await loadEnv(file, { required: true, warn: () => {} });
    assertEquals([env.PRICING_RETENTION_DAYS, env.A], ["30", "é"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("no database settings means demo (null); half a configuration is an error", () => {
  assertEquals(sourceSettings({}), null);
  assertThrows(
    () => sourceSettings({ PRICING_PG_URL: "postgres://u:p@h/db" }),
    /PRICING_CH_URL is not set/,
  );
  assertThrows(
    () => sourceSettings({ PRICING_CH_URL: "http://h:8123" }),
    /PRICING_PG_URL is not set/,
  );
});

Deno.test("malformed settings name the variable and show an example", () => {
  assertThrows(
    () => sourceSettings({ PRICING_PG_URL: "mysql://x", PRICING_CH_URL: "http://h:8123" }),
    /PRICING_PG_URL must start with postgres:\/\//,
  );
  assertThrows(
    () => sourceSettings({ PRICING_PG_URL: "postgres://h/db", PRICING_CH_URL: "h:8123" }),
    /PRICING_CH_URL must start with http:\/\/ or https:\/\//,
  );
  assertThrows(
    () =>
      sourceSettings({
        PRICING_PG_URL: "postgres://h/db",
        PRICING_CH_URL: "http://h:8123",
        PRICING_PG_STATEMENT_TIMEOUT_MS: "soon",
      }),
    /PRICING_PG_STATEMENT_TIMEOUT_MS must be a positive whole number/,
  );
});

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

Deno.test("timeouts past what PostgreSQL or a timer can hold are refused at config time", () => {
  const both = { PRICING_PG_URL: "postgres://h/db", PRICING_CH_URL: "http://h:8123" };
  assertThrows(
    () => sourceSettings({ ...both, PRICING_PG_STATEMENT_TIMEOUT_MS: "99999999999" }),
    {
      message:
        'PRICING_PG_STATEMENT_TIMEOUT_MS must be at most 2147483647 (PostgreSQL\'s limit, about 24.8 days), got "99999999999"',
    },
  );
  assertEquals(
    sourceSettings({ ...both, PRICING_PG_STATEMENT_TIMEOUT_MS: "2147483647" })!.postgres!
      .statementTimeoutMs,
    2147483647,
  );
  assertThrows(
    () => sourceSettings({ ...both, PRICING_CH_REQUEST_TIMEOUT_SECONDS: "2147484" }),
    /PRICING_CH_REQUEST_TIMEOUT_SECONDS must be at most 2147483 \(the longest timer/,
  );
  assertThrows(
    () => sourceSettings({ ...both, PRICING_CH_MAX_EXECUTION_SECONDS: "99999999" }),
    /PRICING_CH_MAX_EXECUTION_SECONDS must be at most 2147483 /,
  );
  // the longest execution limit: the wait's default stops at the timer's limit
  assertEquals(
    sourceSettings({ ...both, PRICING_CH_MAX_EXECUTION_SECONDS: "2147483" })!.clickhouse!
      .requestTimeoutSeconds,
    2147483,
  );
});

Deno.test("the ClickHouse request timeout defaults to the execution limit + 30 s and can be set, at or below it too (checked once the profile is known)", () => {
  const url = "http://127.0.0.1:8123";
  const settings = clickHouseSettings({ PRICING_CH_URL: url })!;
  assertEquals(settings.requestTimeoutSeconds, 150);
  assertEquals(settings.requestTimeoutSet, false);
  assertEquals(
    clickHouseSettings({ PRICING_CH_URL: url, PRICING_CH_MAX_EXECUTION_SECONDS: "10" })!
      .requestTimeoutSeconds,
    40,
  );
  const set = clickHouseSettings({
    PRICING_CH_URL: url,
    PRICING_CH_REQUEST_TIMEOUT_SECONDS: "5",
    PRICING_CH_MAX_EXECUTION_SECONDS: "4",
  })!;
  assertEquals(set.requestTimeoutSeconds, 5);
  assertEquals(set.requestTimeoutSet, true);
  // not above the execution limit: accepted here, as a readonly=1 profile is sent no
  // max_execution_time; lib/sources/clickhouse.ts sessionSettings refuses it when the limit is sent
  // (tests/clickhouse_test.ts)
  const below = clickHouseSettings({
    PRICING_CH_URL: url,
    PRICING_CH_REQUEST_TIMEOUT_SECONDS: "2",
  })!;
  assertEquals(below.requestTimeoutSeconds, 2);
  assertEquals(below.requestTimeoutSet, true);
  assertThrows(
    () => clickHouseSettings({ PRICING_CH_URL: url, PRICING_CH_REQUEST_TIMEOUT_SECONDS: "0" }),
    /PRICING_CH_REQUEST_TIMEOUT_SECONDS must be a positive whole number/,
  );
});

Deno.test("the PostgreSQL wait for an answer defaults to the statement timeout + 30 s and can be set above it, not at or below it", () => {
  const url = "postgres://h/db";
  const settings = (env: Record<string, string>) =>
    postgresSettings({ PRICING_PG_URL: url, ...env })!.requestTimeoutMs;
  assertEquals(settings({}), 150_000);
  assertEquals(settings({ PRICING_PG_STATEMENT_TIMEOUT_MS: "3000" }), 33_000);
  assertEquals(
    settings({ PRICING_PG_REQUEST_TIMEOUT_MS: "5000", PRICING_PG_STATEMENT_TIMEOUT_MS: "4000" }),
    5000,
  );
  // not above the statement timeout: a slow query would be blamed on a frozen server
  assertThrows(() => settings({ PRICING_PG_REQUEST_TIMEOUT_MS: "2000" }), {
    name: "UserError",
    message:
      "PRICING_PG_REQUEST_TIMEOUT_MS=2000 is not above PRICING_PG_STATEMENT_TIMEOUT_MS=120000: it is how long the kit waits for an answer once the server's own limit should have ended the query, so below it a slow query is given up on as if the server were frozen; raise it or leave it unset (the statement timeout + 30000), or lower PRICING_PG_STATEMENT_TIMEOUT_MS",
  });
  // the longest statement timeout: the wait's default stops at the timer's limit
  assertEquals(settings({ PRICING_PG_STATEMENT_TIMEOUT_MS: "2147483647" }), 2147483647);
  assertThrows(
    () => settings({ PRICING_PG_REQUEST_TIMEOUT_MS: "2147483648" }),
    /PRICING_PG_REQUEST_TIMEOUT_MS must be at most 2147483647 \(the longest timer/,
  );
  assertThrows(
    () => settings({ PRICING_PG_REQUEST_TIMEOUT_MS: "soon" }),
    /PRICING_PG_REQUEST_TIMEOUT_MS must be a positive whole number/,
  );
});

Deno.test("a ClickHouse table setting that is no table name is refused at config time, naming it", () => {
  const both = { PRICING_PG_URL: "postgres://h/db", PRICING_CH_URL: "http://h:8123" };
  for (
    const [name, value] of [
      ["PRICING_CH_REQUEST_TABLE", "x;drop"],
      ["PRICING_CH_PTB_TABLE", "a.b.c"],
      ["PRICING_CH_REQUEST_TABLE", "1table"],
      ["PRICING_CH_PTB_TABLE", "spend`--"],
    ]
  ) {
    assertThrows(() => sourceSettings({ ...both, [name]: value }), {
      name: "UserError",
      message:
        `${name} must be a table name, table or database.table (letters, digits and _, not starting with a digit), got ${
          JSON.stringify(value)
        }`,
    });
  }
  const settings = sourceSettings({
    ...both,
    PRICING_CH_REQUEST_TABLE: "analytics.requests",
    PRICING_CH_PTB_TABLE: "",
  })!.clickhouse!;
  assertEquals([settings.requestTable, settings.ptbTable], [
    "analytics.requests",
    "organization_ptb_spend", // empty is the default, as for the numeric settings
  ]);
});

Deno.test("numeric settings take plain decimal numbers only, one line naming the variable", () => {
  const both = { PRICING_PG_URL: "postgres://h/db", PRICING_CH_URL: "http://h:8123" };
  assertEquals(settingNumber("120"), 120);
  assertEquals(settingNumber(" 0.05 "), 0.05);
  assertEquals(settingNumber("-1"), -1); // a sign is read, so the range check can name it
  for (const text of ["0x10", "1e3", "", " ", "Infinity", "1_000", "12abc"]) {
    assertEquals(settingNumber(text), NaN, text);
  }
  assertThrows(
    () => sourceSettings({ ...both, PRICING_CH_MAX_EXECUTION_SECONDS: "1e3" }),
    { message: 'PRICING_CH_MAX_EXECUTION_SECONDS must be a positive whole number, got "1e3"' },
  );
  assertThrows(
    () => costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0x10" }),
    {
      message:
        'PRICING_INFRA_USD_PER_1K_REQUESTS must be a number of USD from 0 to 1,000 per 1,000 requests (e.g. 0.05), got "0x10"',
    },
  );
  assertEquals(
    costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.05" }).infraUsdPer1kRequests,
    0.05,
  );
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

Deno.test("--env-file: a named file must exist and be a file; the default .env is optional", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assertRejects(loadEnv(`${dir}/missing.env`, { required: true }), {
      message:
        `--env-file "${dir}/missing.env" does not exist; pass a settings file such as .env.example`,
    });
    await assertRejects(loadEnv(dir, { required: true }), {
      message: `--env-file "${dir}" is a folder, not a settings file; pass a KEY=VALUE file`,
    });
    // not named: a missing default is no error
    assertEquals((await loadEnv(`${dir}/missing.env`)).PRICING_RETENTION_DAYS, undefined);
    await Deno.writeTextFile(`${dir}/s.env`, "PRICING_RETENTION_DAYS=1\n");
    assertEquals((await loadEnv(`${dir}/s.env`, { required: true })).PRICING_RETENTION_DAYS, "1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a PRICING_PRICE_BOOK that is missing names the variable", async () => {
  await assertRejects(loadPriceBook({ PRICING_PRICE_BOOK: "/nonexistent/book.json" }), {
    message:
      "PRICING_PRICE_BOOK: /nonexistent/book.json does not exist; a price book is a scenario file of today's list prices, such as scenarios/current_seat_based.json (or unset it for the built-in price book)",
  });
});

Deno.test("an empty PRICING_PRICE_BOOK file is said to be empty, with the file to start from", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "book.json");
    await Deno.writeTextFile(path, "\n");
    await assertRejects(loadPriceBook({ PRICING_PRICE_BOOK: path }), {
      message:
        `PRICING_PRICE_BOOK: ${path} is empty; a price book is a scenario file of today's list prices, such as scenarios/current_seat_based.json (or unset it for the built-in price book)`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a relative PRICING_PRICE_BOOK is read from the project folder, whatever the working directory", async () => {
  // .env.example suggests scenarios/current_seat_based.json; Claude Desktop starts the MCP server
  // from another folder, where a path relative to the working directory did not exist
  const project = fileURLToPath(new URL("../", import.meta.url));
  const elsewhere = await Deno.makeTempDir({ prefix: "price_book_cwd_" });
  const cwd = Deno.cwd();
  Deno.chdir(elsewhere);
  try {
    const book = await loadPriceBook({ PRICING_PRICE_BOOK: "scenarios/per_request.json" });
    assertEquals(book.file, `${project}scenarios/per_request.json`);
    assertEquals(book.scenario.name, "per_request");
    // a missing relative file names the folder it was looked for in
    await assertRejects(loadPriceBook({ PRICING_PRICE_BOOK: "scenarios/missing.json" }), {
      message:
        `PRICING_PRICE_BOOK: ${project}scenarios/missing.json does not exist; a price book is a scenario file of today's list prices, such as scenarios/current_seat_based.json; a relative path is read from the project folder (or unset it for the built-in price book)`,
    });
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(elsewhere, { recursive: true });
  }
});

const ENV_EXAMPLE = new URL("../.env.example", import.meta.url);
const SETTING_NAME = /\b(?:PRICING|STRIPE)_[A-Z0-9_]*[A-Z0-9]\b/g;

/** README.md and every docs/*.md page. */
async function documentation(): Promise<{ name: string; text: string }[]> {
  const pages = [{
    name: "README.md",
    text: await Deno.readTextFile(new URL("../README.md", import.meta.url)),
  }];
  for await (const entry of Deno.readDir(new URL("../docs/", import.meta.url))) {
    if (!entry.name.endsWith(".md")) continue;
    const text = await Deno.readTextFile(new URL(`../docs/${entry.name}`, import.meta.url));
    pages.push({ name: `docs/${entry.name}`, text });
  }
  return pages;
}

/** The settings .env.example names on a `KEY=` line, commented out or not. */
function exampleSettings(text: string): Set<string> {
  return new Set(
    text.split("\n").map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined),
  );
}

Deno.test(".env.example as shipped exports demo data; uncommented, no setting reads a comment", async () => {
  const text = await Deno.readTextFile(ENV_EXAMPLE);
  // cp .env.example .env && deno task export gives the demo export README promises
  const shipped = parseDotEnv(text);
  assertEquals(Object.keys(shipped), []);
  assertEquals(sourceSettings(shipped), null);
  // every `# KEY=…` line uncommented, as a user would: values, never the line's comment
  const uncommented = parseDotEnv(text.replace(/^# ([A-Z][A-Z0-9_]*=)/gm, "$1"));
  assertEquals(new Set(Object.keys(uncommented)), exampleSettings(text));
  for (const [name, value] of Object.entries(uncommented)) {
    assertEquals(value?.includes("#"), false, `${name}=${value}`);
  }
  assertEquals(uncommented.PRICING_SERVER_TOKEN, "");
  assertEquals(uncommented.PRICING_INFRA_USD_PER_GB_STORED, "");
});

Deno.test("every setting .env.example names is documented, and every settings table's setting is in it", async () => {
  const example = exampleSettings(await Deno.readTextFile(ENV_EXAMPLE));
  const pages = await documentation();
  const documented = new Set(pages.flatMap(({ text }) => text.match(SETTING_NAME) ?? []));
  assertEquals([...example].filter((name) => !documented.has(name)), []);
  // a settings table's row: its first cell names the setting(s), `PRICING_…` or `STRIPE_…`
  const tabled = pages.flatMap(({ name, text }) =>
    text.split("\n").flatMap((line) => {
      const cell = /^\|\s*(`(?:PRICING|STRIPE)_[^|]*)\|/.exec(line)?.[1] ?? "";
      return (cell.match(SETTING_NAME) ?? []).map((setting) => `${setting} (${name})`);
    })
  );
  ok(tabled.length > 50, `${tabled.length} table settings found`);
  assertEquals(tabled.filter((entry) => !example.has(entry.split(" ")[0])), []);
});

Deno.test("the kit's list of settings is .env.example's", async () => {
  const example = exampleSettings(await Deno.readTextFile(ENV_EXAMPLE));
  assertEquals(new Set(SETTING_NAMES), example);
});

Deno.test("a settings file's PRICING_ name that is no setting is warned of, with the nearest one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "typos.env");
    await Deno.writeTextFile(
      file,
      [
        "PRICING_PG_URI=postgres://x", // a typo of PRICING_PG_URL
        "PRICING_CLICKHOUSE_URL=http://x", // no setting is near it
        "STRIPE_SECRET_KY=sk_test_x", // a typo of STRIPE_SECRET_KEY
        "STRIPE_PUBLISHABLE_KEY=pk_test_x", // the app's own key in a shared file: not a typo
        "PRICING_RETENTION_DAYS=30", // a setting
      ].join("\n"),
    );
    const warned: string[] = [];
    const env = await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(warned, [
      `${file}: PRICING_PG_URI is not a pricing-kit setting and is ignored (did you mean PRICING_PG_URL?); the settings are listed in .env.example`,
      `${file}: PRICING_CLICKHOUSE_URL is not a pricing-kit setting and is ignored; the settings are listed in .env.example`,
      `${file}: STRIPE_SECRET_KY is not a pricing-kit setting and is ignored (did you mean STRIPE_SECRET_KEY?); the settings are listed in .env.example`,
    ]);
    assertEquals(env.PRICING_RETENTION_DAYS, "30");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a settings file's lower- or mixed-case PRICING_ name is warned of as PRICING_PG_URI is: names are upper case", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "cased.env");
    await Deno.writeTextFile(
      file,
      ["pricing_pg_url=postgres://x", "Pricing_Clickhouse_Url=http://x", "stripe_secret_key=sk"]
        .join("\n"),
    );
    const warned: string[] = [];
    const env = await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(warned, [
      `${file}: pricing_pg_url is not a pricing-kit setting and is ignored (did you mean PRICING_PG_URL? names are upper case); the settings are listed in .env.example`,
      `${file}: Pricing_Clickhouse_Url is not a pricing-kit setting and is ignored (names are upper case); the settings are listed in .env.example`,
      `${file}: stripe_secret_key is not a pricing-kit setting and is ignored (did you mean STRIPE_SECRET_KEY? names are upper case); the settings are listed in .env.example`,
    ]);
    assertEquals(env.PRICING_PG_URL, Deno.env.get("PRICING_PG_URL"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a setting given twice in a settings file is warned of: both lines and which wins (the last, or the environment)", async () => {
  const dir = await Deno.makeTempDir();
  const names = ["PRICING_RETENTION_DAYS", "PRICING_SMTP_PORT"];
  const before = names.map((name) => Deno.env.get(name));
  try {
    const file = join(dir, "twice.env");
    await Deno.writeTextFile(
      file,
      [
        "PRICING_RETENTION_DAYS=30",
        "# a comment",
        "DATABASE_URL=a", // the app's own key, repeated: not the kit's
        "PRICING_RETENTION_DAYS=7",
        "DATABASE_URL=b",
        "PRICING_SMTP_PORT=25",
        "PRICING_SMTP_PORT=465",
        "PRICING_SMTP_PORT=587",
      ].join("\n"),
    );
    const warned: string[] = [];
    Deno.env.delete("PRICING_RETENTION_DAYS");
    let env = await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(warned, [
      `${file}: PRICING_RETENTION_DAYS is set on lines 1 and 4; line 4's value is used: keep one of them`,
      `${file}: PRICING_SMTP_PORT is set on lines 6, 7 and 8; line 8's value is used: keep one of them`,
    ]);
    assertEquals(env.PRICING_RETENTION_DAYS, "7");
    // the environment wins over the file: said so
    Deno.env.set("PRICING_RETENTION_DAYS", "90");
    warned.length = 0;
    env = await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(
      warned[0],
      `${file}: PRICING_RETENTION_DAYS is set on lines 1 and 4; the environment's value is used (it wins over the file): keep one of them`,
    );
    assertEquals(warned.length, 2);
    assertEquals(env.PRICING_RETENTION_DAYS, "90");
  } finally {
    names.forEach((name, i) =>
      before[i] === undefined ? Deno.env.delete(name) : Deno.env.set(name, before[i]!)
    );
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a PRICING_ name in the environment that is no setting is warned of once, with the setting meant, never its value", async () => {
  const given = {
    PRICING_PG_ULR: "postgres://reader:EnvSecret1@db:5432/postgres", // a typo of PRICING_PG_URL
    pricing_smtp_port: "587", // names are upper case
    PRICING_CLICKHOUSE_URL: "http://reader:EnvSecret2@ch:8123", // no setting is near it
    PRICING_SEGMENT_X: "1", // given in the file too: warned of as the file's, once
    STRIPE_PUBLISHABLE_KEY: "pk_test_EnvSecret3", // the app's own: STRIPE_ names are not checked
  };
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, value] of Object.entries(given)) Deno.env.set(name, value);
    const file = join(dir, "s.env");
    await Deno.writeTextFile(file, "PRICING_SEGMENT_X=2\n");
    const warned: string[] = [];
    await loadEnv(file, { warn: (line) => warned.push(line) });
    const ours = (line: string) => Object.keys(given).some((name) => line.includes(name));
    assertEquals(warned.filter(ours), [
      `${file}: PRICING_SEGMENT_X is not a pricing-kit setting and is ignored; the settings are listed in .env.example`,
      "the environment's PRICING_CLICKHOUSE_URL is not a pricing-kit setting and is ignored; the settings are listed in .env.example",
      "the environment's PRICING_PG_ULR is not a pricing-kit setting and is ignored (did you mean PRICING_PG_URL?); the settings are listed in .env.example",
      "the environment's pricing_smtp_port is not a pricing-kit setting and is ignored (did you mean PRICING_SMTP_PORT? names are upper case); the settings are listed in .env.example",
    ]);
    ok(!warned.some((line) => line.includes("EnvSecret")), warned.join("\n"));
    // the test harness's own names (tests/run.ts's PRICING_TEST_…) are not typos
    ok(!warned.some((line) => line.includes("PRICING_TEST_")), warned.join("\n"));
    // once per process: a server reads the settings for each run
    warned.length = 0;
    await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(warned.filter(ours), [
      `${file}: PRICING_SEGMENT_X is not a pricing-kit setting and is ignored; the settings are listed in .env.example`,
    ]);
  } finally {
    for (const name of Object.keys(given)) Deno.env.delete(name);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a setting the file gives once and the environment gives another value is warned of, naming the line, never the values", async () => {
  const dir = await Deno.makeTempDir();
  const names = ["PRICING_PG_URL", "PRICING_RETENTION_DAYS", "PRICING_SMTP_PORT"];
  const before = names.map((name) => Deno.env.get(name));
  try {
    const file = join(dir, "s.env");
    await Deno.writeTextFile(
      file,
      [
        "PRICING_PG_URL=postgres://reader:FileSecret@db:5432/postgres",
        "PRICING_RETENTION_DAYS=30",
        "PRICING_SMTP_PORT=587",
      ].join("\n"),
    );
    // a URL exported in the shell long before: it wins, and an error then named PRICING_PG_URL,
    // whose line in .env was right
    Deno.env.set("PRICING_PG_URL", "postgres://reader:ShellSecret@old:5432/postgres");
    Deno.env.set("PRICING_RETENTION_DAYS", "30"); // the same value: nothing to say
    Deno.env.delete("PRICING_SMTP_PORT");
    const warned: string[] = [];
    const env = await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(warned, [
      `${file}: PRICING_PG_URL on line 1 is overridden by the environment's PRICING_PG_URL, another value (the environment wins over the file): unset it in the environment (unset PRICING_PG_URL) or remove the line`,
    ]);
    assertEquals(env.PRICING_PG_URL, "postgres://reader:ShellSecret@old:5432/postgres");
  } finally {
    names.forEach((name, i) =>
      before[i] === undefined ? Deno.env.delete(name) : Deno.env.set(name, before[i]!)
    );
    await Deno.remove(dir, { recursive: true });
  }
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
