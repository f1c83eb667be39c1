import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { clickHouseSettings, parseDotEnv, redactUrl, sourceSettings } from "../lib/core/config.ts";

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
