/**
 * lib/server's settings: token, loopback, databases and defaults, and a server without a token
 * (loopback only, a request addressed to another name refused).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { UserError } from "../lib/core/config.ts";
import { checkRunSettings, parseServerArgs, serverSettings } from "../lib/server/settings.ts";
import { EXPORT, serve, SUMMARY, TOKEN } from "./server_fixture.ts";

Deno.test("settings: token, loopback, databases, defaults", async (t) => {
  const demo = parseServerArgs(["--demo"]);
  const live = parseServerArgs([]);
  const db = { PRICING_PG_URL: "postgres://u:p@db:5432/x", PRICING_CH_URL: "http://ch:8123" };
  const throwsUser = (fn: () => unknown, pattern: RegExp) => {
    try {
      fn();
    } catch (error) {
      ok(error instanceof UserError, String(error));
      ok(pattern.test(error.message), error.message);
      return error.message;
    }
    throw new Error(`expected an error matching ${pattern}`);
  };
  await t.step("defaults", () => {
    const s = serverSettings(live, { ...db, PRICING_SERVER_TOKEN: TOKEN });
    assertEquals(
      [s.host, s.port, s.cacheTtlMs, s.maxRuns, s.stripe, s.demo, s.token],
      ["127.0.0.1", 8787, 3_600_000, 2, "auto", false, TOKEN],
    );
  });
  await t.step("no token → refuses (live, and demo off loopback)", () => {
    throwsUser(() => serverSettings(live, db), /PRICING_SERVER_TOKEN is not set/);
    throwsUser(
      () => serverSettings(parseServerArgs(["--demo", "--host", "0.0.0.0"]), {}),
      /refusing to serve without PRICING_SERVER_TOKEN on 0.0.0.0/,
    );
  });
  await t.step("no token with --demo on loopback → runs without auth", () => {
    assertEquals(serverSettings(demo, {}).token, null);
    assertEquals(serverSettings(parseServerArgs(["--demo", "--host", "::1"]), {}).token, null);
  });
  await t.step("a token under 32 characters is refused and not printed", () => {
    for (const short of ["hunter2", "0123456789abcdef", "x".repeat(31)]) {
      const message = throwsUser(
        () => serverSettings(demo, { PRICING_SERVER_TOKEN: short }),
        /^PRICING_SERVER_TOKEN must be at least 32 characters without spaces/,
      );
      ok(!message.includes(short), message);
      ok(!message.includes("\n"), "one line");
    }
    assertEquals(
      serverSettings(demo, { PRICING_SERVER_TOKEN: "y".repeat(32) }).token,
      "y".repeat(32),
    );
  });
  await t.step("a token outside printable ASCII is refused, one line, not printed", () => {
    // curl and Claude send the header's bytes as Latin-1 or refuse them: such a token never matches
    for (
      const token of [
        "geheimes-passwört-für-die-preise-2026xyz",
        "€".repeat(40),
        "0123456789abcdef0123456789abcdef\u0007",
      ]
    ) {
      const message = throwsUser(
        () => serverSettings(demo, { PRICING_SERVER_TOKEN: token }),
        /^PRICING_SERVER_TOKEN must be printable ASCII .*openssl rand -hex 32/,
      );
      ok(!message.includes(token) && !message.includes("passw"), message);
      ok(!message.includes("\n"), "one line");
    }
    // every printable ASCII character but the space is allowed
    const printable = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join("");
    assertEquals(serverSettings(demo, { PRICING_SERVER_TOKEN: printable }).token, printable);
  });
  await t.step("without --demo the databases must be configured", () => {
    throwsUser(
      () => serverSettings(live, { PRICING_SERVER_TOKEN: TOKEN }),
      /no database configured/,
    );
  });
  await t.step("env and flags", () => {
    const s = serverSettings(parseServerArgs(["--demo", "--port", "0"]), {
      PRICING_SERVER_TOKEN: TOKEN,
      PRICING_SERVER_HOST: "127.0.0.2",
      PRICING_SERVER_PORT: "9000",
      PRICING_SERVER_CACHE_TTL_SECONDS: "60",
      PRICING_SERVER_MAX_RUNS: "3",
      PRICING_SERVER_STRIPE: "skip",
    });
    assertEquals([s.host, s.port, s.cacheTtlMs, s.maxRuns, s.stripe], [
      "127.0.0.2",
      0,
      60_000,
      3,
      "skip",
    ]);
  });
  await t.step("bad values → one-line errors", () => {
    const env = { PRICING_SERVER_TOKEN: TOKEN };
    throwsUser(
      () => serverSettings(demo, { ...env, PRICING_SERVER_PORT: "http" }),
      /PRICING_SERVER_PORT must be/,
    );
    // a flag's value is the flag's: --port "" is refused as every command's empty flag value,
    // and a bad --port names --port, not PRICING_SERVER_PORT
    throwsUser(
      () => parseServerArgs(["--demo", "--port", ""]),
      /^--port needs a value, got an empty one \(see --help\)$/,
    );
    throwsUser(() => parseServerArgs(["--demo", "--host="]), /^--host needs a value/);
    throwsUser(
      () => serverSettings(parseServerArgs(["--demo", "--port", "http"]), env),
      /^--port must be a whole number from 0 to 65535, got "http"$/,
    );
    throwsUser(
      () => serverSettings(demo, { ...env, PRICING_SERVER_CACHE_TTL_SECONDS: "-1" }),
      /CACHE_TTL_SECONDS/,
    );
    throwsUser(
      () => serverSettings(demo, { ...env, PRICING_SERVER_MAX_RUNS: "0" }),
      /MAX_RUNS must be/,
    );
    throwsUser(
      () => serverSettings(demo, { ...env, PRICING_SERVER_STRIPE: "refresh" }),
      /auto, skip or require/,
    );
    throwsUser(() => parseServerArgs(["--bogus"]), /see --help/);
  });
});

Deno.test("no token, --demo, loopback: the page needs no token and exports work", async () => {
  const server = serve({ token: null });
  try {
    const page = await fetch(`${server.url}/admin/pricing-analytics`);
    ok((await page.text()).includes('data-auth="none"'));
    const response = await fetch(server.url + EXPORT);
    assertEquals(response.status, 200);
    await response.body?.cancel();
  } finally {
    await server.close();
  }
});

/** A raw HTTP/1.1 GET carrying `host` (fetch sends the URL's own): status line and body. */
async function getWithHost(url: string, path: string, host: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(url).port) });
  const request = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
  await conn.write(new TextEncoder().encode(request));
  const text = await new Response(conn.readable).text();
  return { status: Number(text.split(" ")[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

Deno.test("no token: a request addressed to a name other than loopback is refused (DNS rebinding)", async () => {
  // A page on rebound.example whose name now resolves to 127.0.0.1 reads the server as its own
  // origin: no Origin header on a GET, only the Host tells it apart.
  const open = serve({ token: null });
  const locked = serve();
  try {
    for (const path of [SUMMARY, EXPORT, "/admin/pricing-analytics", "/healthz"]) {
      const refused = await getWithHost(open.url, path, "rebound.example:8787");
      assertEquals(refused.status, 403, path);
      assertEquals(JSON.parse(refused.body).error, "forbidden_host", path);
    }
    assertEquals(open.calls.length, 0); // no run started
    for (const host of ["127.0.0.1:8787", "localhost:8787", "[::1]:8787", "127.0.0.2"]) {
      assertEquals((await getWithHost(open.url, "/healthz", host)).status, 200, host);
    }
    // with a token, any name: a TLS proxy in front sends its own (the token guards the data)
    assertEquals((await getWithHost(locked.url, "/healthz", "pricing.example.com")).status, 200);
  } finally {
    await open.close();
    await locked.close();
  }
});

Deno.test("PRICING_HISTORY_DIR written ~/… stops the server at start, naming the full path", async () => {
  // only a shell expands ~: the report's outlook read a folder named ~ (relative, never there)
  // as "no readable snapshot", and the server started
  const home = Deno.env.get("HOME") || Deno.env.get("USERPROFILE");
  const full = home ? JSON.stringify(`${home}/pk-history`) : "the full path";
  let message = "";
  await checkRunSettings(
    serverSettings(parseServerArgs(["--demo"]), { PRICING_HISTORY_DIR: "~/pk-history" }),
  ).catch((error) => message = error.message);
  assertEquals(
    message,
    `PRICING_HISTORY_DIR ~/pk-history starts with ~, which only a shell expands to the home folder; set PRICING_HISTORY_DIR to ${full}`,
  );
});
