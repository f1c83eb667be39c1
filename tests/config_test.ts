/**
 * lib/core/config: settings files (parseDotEnv, charsets, --env-file), demo or half a
 * configuration, malformed values, timeouts, numeric settings and the price book's path. Database
 * URLs: config_urls_test.ts; setting names and .env.example: config_setting_names_test.ts.
 */
import {
  deepStrictEqual as assertEquals,
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
} from "../lib/core/config.ts";
import { costModelFromEnv } from "../lib/economics/cost_model.ts";
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

Deno.test("the cost model's settings take 0 and their bound, and refuse past either end", () => {
  // 0: infrastructure set and free (not "not set"); 1,000 per 1,000 requests and per GB: the bound
  assertEquals(
    costModelFromEnv({
      PRICING_INFRA_USD_PER_1K_REQUESTS: "0",
      PRICING_INFRA_USD_PER_GB_STORED: "1000",
    }),
    { infraUsdPer1kRequests: 0, infraUsdPerGbStored: 1000 },
  );
  for (
    const [name, raw, unit] of [
      ["PRICING_INFRA_USD_PER_1K_REQUESTS", "-0.01", "per 1,000 requests"],
      ["PRICING_INFRA_USD_PER_GB_STORED", "1000.5", "per GB stored a month"],
    ]
  ) {
    assertThrows(() => costModelFromEnv({ [name]: raw }), {
      message: `${name} must be a number of USD from 0 to 1,000 ${unit} (e.g. 0.05), got "${raw}"`,
    });
  }
});
