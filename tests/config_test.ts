import {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import {
  clickHouseSettings,
  loadEnv,
  parseDotEnv,
  redactUrl,
  settingNumber,
  sourceSettings,
} from "../lib/core/config.ts";
import { costModelFromEnv } from "../lib/economics/cost_model.ts";
import { loadPriceBook } from "../lib/economics/price_book.ts";

Deno.test("parseDotEnv reads KEY=VALUE, quotes, export and comments", () => {
  const env = parseDotEnv(
    "# settings\nexport A=1\nB=\"two words\"\nC='x#y'\nD=plain # comment\n\nE=\n",
  );
  assertEquals(env, { A: "1", B: "two words", C: "x#y", D: "plain", E: "" });
  assertThrows(() => parseDotEnv("not a setting"), /\.env line 1 is not KEY=VALUE/);
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
});

Deno.test("redactUrl hides the password", () => {
  assertEquals(redactUrl("postgres://me:hunter2@db:5432/x"), "postgres://me:***@db:5432/x");
});

Deno.test("the ClickHouse request timeout defaults to the execution limit + 30 s and can be set", () => {
  const url = "http://127.0.0.1:8123";
  assertEquals(clickHouseSettings({ PRICING_CH_URL: url })!.requestTimeoutSeconds, 150);
  assertEquals(
    clickHouseSettings({ PRICING_CH_URL: url, PRICING_CH_MAX_EXECUTION_SECONDS: "10" })!
      .requestTimeoutSeconds,
    40,
  );
  assertEquals(
    clickHouseSettings({ PRICING_CH_URL: url, PRICING_CH_REQUEST_TIMEOUT_SECONDS: "5" })!
      .requestTimeoutSeconds,
    5,
  );
  assertThrows(
    () => clickHouseSettings({ PRICING_CH_URL: url, PRICING_CH_REQUEST_TIMEOUT_SECONDS: "0" }),
    /PRICING_CH_REQUEST_TIMEOUT_SECONDS must be a positive whole number/,
  );
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
        'PRICING_INFRA_USD_PER_1K_REQUESTS must be a number of USD ≥ 0 (e.g. 0.05), got "0x10"',
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
    assertEquals((await loadEnv(`${dir}/missing.env`)).PRICING_TEST_ONLY, undefined);
    await Deno.writeTextFile(`${dir}/s.env`, "PRICING_TEST_ONLY=1\n");
    assertEquals((await loadEnv(`${dir}/s.env`, { required: true })).PRICING_TEST_ONLY, "1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a PRICING_PRICE_BOOK that is missing names the variable", async () => {
  await assertRejects(loadPriceBook({ PRICING_PRICE_BOOK: "/nonexistent/book.json" }), {
    message:
      "PRICING_PRICE_BOOK: /nonexistent/book.json does not exist; pass a scenario file such as scenarios/per_request.json (or unset it for the built-in price book)",
  });
});
