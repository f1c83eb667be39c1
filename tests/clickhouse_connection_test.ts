/**
 * Reaching ClickHouse: a PRICING_CH_URL that is not ClickHouse, a port that never answers, wrong
 * credentials, https:// on a plain HTTP port, a certificate from a private CA; each said in one
 * line naming the setting and the fix.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { clickHouseSettings } from "../lib/core/config.ts";
import { openClickHouse } from "../lib/sources/clickhouse.ts";
import { loadSql } from "../lib/sources/sql.ts";
import { testServers } from "./env.ts";
import { tlsProxy } from "./tls_proxy.ts";

/** Web servers on loopback that answer every request alike, none of them ClickHouse. */
function fakeServers() {
  const serve = (answer: () => Response) =>
    Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, answer);
  const page = "<html><body><h1>502 Bad Gateway</h1></body></html>\n";
  const servers = {
    "404 and an empty body": serve(() => new Response(null, { status: 404 })),
    "502 and an HTML page": serve(() =>
      new Response(page, { status: 502, headers: { "content-type": "text/html" } })
    ),
    "200 and an HTML page": serve(() =>
      new Response("<!doctype html><html><body>Login</body></html>", {
        status: 200,
        headers: { "content-type": "text/html" },
      })
    ),
  };
  return {
    servers,
    stop: () => Promise.all(Object.values(servers).map((server) => server.shutdown())),
  };
}

Deno.test("a PRICING_CH_URL that is not ClickHouse is said so with its HTTP status, never its page", async () => {
  const fakes = fakeServers();
  const sql = await loadSql("clickhouse", "ptb_spend");
  try {
    for (const [answer, server] of Object.entries(fakes.servers)) {
      const url = `http://127.0.0.1:${server.addr.port}`;
      // the profile check is the first request: it tells
      const checked = openClickHouse(clickHouseSettings({ PRICING_CH_URL: url })!);
      await rejects(checked.session(), (error: Error) => {
        assertEquals(
          error.message,
          `the server at 127.0.0.1:${server.addr.port} is not ClickHouse: it answered the kit's first request (the profile check) with HTTP ${answer}, without ClickHouse's X-ClickHouse-* headers; is PRICING_CH_URL a ClickHouse HTTP port (8123, or 8443 with TLS)?`,
        );
        return true;
      });
      await checked.close();
      // without the profile check (PRICING_CH_READONLY=off), the query itself tells
      const unchecked = openClickHouse(
        clickHouseSettings({ PRICING_CH_URL: url, PRICING_CH_READONLY: "off" })!,
      );
      await rejects(
        unchecked.queryFrame(sql, { ptb_table: "system.one" }, { org_id: "string" }),
        (error: Error) => {
          match(error.message, /^the server at 127\.0\.0\.1:\d+ (is not ClickHouse|answered)/);
          ok(error.message.includes("queries/clickhouse/ptb_spend.sql"), error.message);
          match(error.message, /is PRICING_CH_URL a ClickHouse HTTP port/);
          ok(!error.message.includes("<"), `no page: ${error.message}`);
          ok(!error.message.includes("no column"), error.message);
          return true;
        },
      );
      await unchecked.close();
    }
  } finally {
    await fakes.stop();
  }
});

Deno.test("a port that accepts and never answers: the first request, the profile check, is named", async () => {
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  const source = openClickHouse(
    clickHouseSettings({
      PRICING_CH_URL: `http://127.0.0.1:${port}`,
      PRICING_CH_REQUEST_TIMEOUT_SECONDS: "2",
      PRICING_CH_MAX_EXECUTION_SECONDS: "1",
    })!,
  );
  try {
    await rejects(source.session(), (error: Error) => {
      assertEquals(
        error.message,
        `ClickHouse at 127.0.0.1:${port} gave no answer to the kit's first request (the profile check, queries/clickhouse/profile_readonly.sql) within 2 s, the wait PRICING_CH_REQUEST_TIMEOUT_SECONDS allows; the server may be frozen or overloaded, or PRICING_CH_URL names a port that accepts connections but is not ClickHouse's HTTP port`,
      );
      return true;
    });
  } finally {
    await source.close();
    for (const conn of held) conn.close();
    listener.close();
    await accepting.catch(() => {});
  }
});

Deno.test("wrong credentials given in PRICING_CH_URL are blamed on PRICING_CH_URL", async () => {
  const { chUrl, chUser } = testServers();
  const url = new URL(chUrl);
  url.username = chUser;
  url.password = "Wrong-pw-4821";
  const source = openClickHouse(
    clickHouseSettings({ PRICING_CH_URL: url.toString().replace(/\/$/, "") })!,
  );
  try {
    await rejects(source.session(), (error: Error) => {
      assertEquals(
        error.message,
        `ClickHouse rejected the credentials (user from PRICING_CH_URL, password from PRICING_CH_URL) at ${url.host}`,
      );
      return true;
    });
  } finally {
    await source.close();
  }
});

Deno.test("https:// in PRICING_CH_URL for a plain HTTP port: one line naming the setting and the fix, not a query file", async () => {
  const { chUrl, chUser, chPassword } = testServers();
  const plain = new URL(chUrl);
  const source = openClickHouse(
    clickHouseSettings({
      PRICING_CH_URL: `https://${plain.host}`,
      PRICING_CH_USER: chUser,
      PRICING_CH_PASSWORD: chPassword,
    })!,
  );
  try {
    await rejects(source.session(), (error: Error) => {
      assertEquals(
        error.message,
        `ClickHouse at ${plain.host} does not speak TLS on that port, and PRICING_CH_URL says https://: use http:// for its HTTP port (8123) or the port of its HTTPS interface (8443)`,
      );
      return true;
    });
  } finally {
    await source.close();
  }
});

Deno.test("a ClickHouse certificate from a private CA: the refusal's advice, NODE_EXTRA_CA_CERTS, makes it trusted", async () => {
  const { chUrl, chUser, chPassword } = testServers();
  // ClickHouse behind TLS with a certificate of a CA no system trusts
  const proxy = await tlsProxy(chUrl);
  const env = {
    PRICING_CH_URL: `https://127.0.0.1:${proxy.port}`,
    PRICING_CH_USER: chUser,
    PRICING_CH_PASSWORD: chPassword,
  };
  const source = openClickHouse(clickHouseSettings(env)!);
  try {
    await rejects(source.session(), (error: Error) => {
      assertEquals(
        error.message,
        `ClickHouse's TLS certificate at 127.0.0.1:${proxy.port} was refused (unable to verify the first certificate); check the host name in PRICING_CH_URL, or trust the server's CA: start the kit with NODE_EXTRA_CA_CERTS=ca.pem in its environment (not in .env, which is read too late)`,
      );
      return true;
    });
    // The advice followed, in a process of its own (the variable is read once, at start): the
    // profile check, the first request, goes through. (DENO_CERT did not: the probe's report.)
    const modules = ["core/config.ts", "sources/clickhouse.ts"]
      .map((path) => new URL(`../lib/${path}`, import.meta.url).href);
    const script = `const { clickHouseSettings } = await import(${JSON.stringify(modules[0])});
      const { openClickHouse } = await import(${JSON.stringify(modules[1])});
      const source = openClickHouse(clickHouseSettings(Deno.env.toObject()));
      try { console.log((await source.session()).profileReadonly); }
      catch (e) { console.log(e.message); }
      finally { await source.close(); }`;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--config", fileURLToPath(new URL("../deno.json", import.meta.url)), script],
      env: { ...env, NODE_EXTRA_CA_CERTS: proxy.caPath },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const [stdout, stderr] = [output.stdout, output.stderr].map((b) => new TextDecoder().decode(b));
    assertEquals(stdout, "0\n", `stderr: ${stderr}`);
  } finally {
    await source.close();
    await proxy.close();
  }
});
