/**
 * `deno task serve` (lib/server/main.ts) as a process: --help and docs/server.md name every route,
 * refusals at start (no token, bad price book, port in use, host it cannot bind), and its module
 * graph.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { DEMO_ORGANIZATIONS } from "../lib/sources/demo.ts";
import { GET_PATHS } from "../lib/server/handler.ts";
import { MCP_PATH } from "../lib/mcp/http.ts";
import { EXPORT, serve, TOKEN } from "./server_fixture.ts";
import { denoCacheEnv } from "./env.ts";

Deno.test("deno task serve --help and docs/server.md list every route the server answers", async () => {
  const main = fileURLToPath(new URL("../lib/server/main.ts", import.meta.url));
  const config = fileURLToPath(new URL("../deno.json", import.meta.url));
  const help = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", config, main, "--help"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(help.code, 0);
  const routes = [...GET_PATHS.map((path) => `GET ${path}`), `POST ${MCP_PATH}`].sort();
  // "  GET /v1/…/export?format=csv|xlsx   (admin token)": method and path, query left off
  const listed = [
    ...new TextDecoder().decode(help.stdout).matchAll(/^ {2}(GET|POST) (\/[^\s?]*)/gm),
  ].map((m) => `${m[1]} ${m[2]}`).sort();
  assertEquals(listed, routes);
  const doc = await Deno.readTextFile(new URL("../docs/server.md", import.meta.url));
  const documented = [...doc.matchAll(/^\| `(GET|POST) (\/[^`]*)`/gm)].map((m) => `${m[1]} ${m[2]}`)
    .sort();
  assertEquals(documented, routes);
  // and each listed GET route is one the server answers (not a 404)
  const server = serve();
  try {
    for (const path of GET_PATHS) {
      const response = await fetch(server.url + path, { redirect: "manual", method: "HEAD" });
      ok(response.status !== 404, `${path}: ${response.status}`);
      await response.body?.cancel();
    }
  } finally {
    await server.close();
  }
});

Deno.test("deno task serve: refuses without a token; --demo binds 127.0.0.1 and serves", async () => {
  const main = fileURLToPath(new URL("../lib/server/main.ts", import.meta.url));
  const cwd = await Deno.makeTempDir(); // no .env here
  const bare = {
    NO_COLOR: "1",
    PATH: Deno.env.get("PATH") ?? "",
    ...denoCacheEnv(),
  };
  const config = fileURLToPath(new URL("../deno.json", import.meta.url));
  const refused = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", config, main],
    cwd,
    env: bare,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(refused.code, 1);
  const message = new TextDecoder().decode(refused.stderr);
  ok(/^error: PRICING_SERVER_TOKEN is not set/m.test(message), message);

  // A token under 32 characters: refused at start, one line, the token not echoed.
  const short = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", config, main, "--demo", "--port", "0"],
    cwd,
    env: { ...bare, PRICING_SERVER_TOKEN: "only-20-characters!!" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(short.code, 1);
  assertEquals(
    new TextDecoder().decode(short.stderr),
    "error: PRICING_SERVER_TOKEN must be at least 32 characters without spaces (it has 20); use e.g. openssl rand -hex 32\n",
  );

  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", config, main, "--demo", "--port", "0"],
    cwd,
    env: bare,
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  try {
    while (!/listening on (\S+)/.test(output)) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`server exited: ${output}`);
      output += value;
    }
    const pageUrl = /listening on (\S+)/.exec(output)![1];
    ok(pageUrl.startsWith("http://127.0.0.1:"), pageUrl);
    const origin = new URL(pageUrl).origin;
    const health = await fetch(`${origin}/healthz`);
    assertEquals(health.status, 200);
    await health.body?.cancel();
    const csv = await fetch(`${origin}${EXPORT}`);
    assertEquals(csv.status, 200);
    assertEquals(parseCsv(await csv.text()).length, DEMO_ORGANIZATIONS + 1);
  } finally {
    child.kill("SIGTERM");
    assertEquals((await child.status).code, 0);
    await lines.cancel();
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("deno task serve: a bad price book, cost model or Stripe setting is refused at start", async () => {
  const main = fileURLToPath(new URL("../lib/server/main.ts", import.meta.url));
  // Each setting a run reads: one line and exit 1, never "listening" and a 502 per request.
  const cases: [Record<string, string>, string, string[]][] = [
    [
      { PRICING_PRICE_BOOK: "/nonexistent.json" },
      "error: PRICING_PRICE_BOOK: /nonexistent.json does not exist; a price book is a scenario " +
      "file of today's list prices, such as scenarios/current_seat_based.json (or unset it for " +
      "the built-in price book)\n",
      ["--demo"],
    ],
    [
      { PRICING_INFRA_USD_PER_1K_REQUESTS: "abc" },
      'error: PRICING_INFRA_USD_PER_1K_REQUESTS must be a number of USD from 0 to 1,000 per 1,000 requests (e.g. 0.05), got "abc"\n',
      ["--demo"],
    ],
    [
      { PRICING_FX_RATES: "zz" },
      'error: PRICING_FX_RATES entry "zz" must be CUR:rate (USD per unit), e.g. EUR:1.08\n',
      ["--demo"],
    ],
    [
      {
        PRICING_SERVER_STRIPE: "require",
        PRICING_PG_URL: "postgres://u:p@127.0.0.1:1/x",
        PRICING_CH_URL: "http://127.0.0.1:1",
      },
      "error: PRICING_SERVER_STRIPE=require but STRIPE_SECRET_KEY is not set: set it " +
      "(environment or .env), or set PRICING_SERVER_STRIPE to auto or skip\n",
      [],
    ],
  ];
  for (const [env, expected, flags] of cases) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, ...flags, "--port", "0", "--env-file", "/dev/null"],
      env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "", PRICING_SERVER_TOKEN: TOKEN, ...env },
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // read until it exits, or until it listens (the defect: stopped here, not left running)
    let text = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      if (text.includes("listening on")) {
        child.kill("SIGKILL");
        break;
      }
    }
    const { code } = await child.status;
    assertEquals([code, text], [1, expected], JSON.stringify(env));
  }
});

Deno.test("deno task serve: a port in use is one line naming host:port and --port", async () => {
  const main = fileURLToPath(new URL("../lib/server/main.ts", import.meta.url));
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (held.addr as Deno.NetAddr).port;
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, "--demo", "--port", String(port), "--env-file", "/dev/null"],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(result.code, 1);
    assertEquals(
      new TextDecoder().decode(result.stderr),
      `error: 127.0.0.1:${port} is already in use (another server?): pick another port with ` +
        "--port (0 = any free port) or stop the other server\n",
    );
  } finally {
    held.close();
  }
});

Deno.test("deno task serve: a host it cannot bind is one line naming --host or PRICING_SERVER_HOST and the fix", async () => {
  const main = fileURLToPath(new URL("../lib/server/main.ts", import.meta.url));
  const fix = "an address of this machine, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 " +
    "(every interface)\n";
  // 10.9.9.9 is no address of this machine (as the probe found); .invalid never resolves
  const cases: [string[], Record<string, string>, RegExp][] = [
    [
      ["--host", "10.1.2.3"],
      {},
      /^error: --host "10\.1\.2\.3" is no address of this machine \(Cannot assign requested address \(os error 99\)\); set it to /,
    ],
    [
      [],
      { PRICING_SERVER_HOST: "10.9.9.9" },
      /^error: PRICING_SERVER_HOST "10\.9\.9\.9" is no address of this machine \(.+\); set it to /,
    ],
    [
      ["--host", "no.such.host.invalid"],
      {},
      /^error: --host "no\.such\.host\.invalid" is no host name this machine can resolve \(failed to lookup address information: .+\); set it to /,
    ],
    [
      ["--host", "bad host"],
      {},
      /^error: --host "bad host" is not a host name or IP address; set it to /,
    ],
    // a link-local IPv6 address without its interface: EINVAL (os error 22; 97 where IPv6 is off)
    [
      ["--host", "fe80::1"],
      {},
      /^error: --host "fe80::1" (cannot be bound as given|is no address of this machine) \(.*os error \d+.*\); set it to /,
    ],
  ];
  for (const [flags, env, expected] of cases) {
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, "--demo", ...flags, "--port", "0", "--env-file", "/dev/null"],
      env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "", PRICING_SERVER_TOKEN: TOKEN, ...env },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(result.stderr);
    assertEquals(result.code, 1, stderr);
    match(stderr, expected);
    ok(stderr.endsWith(fix) && stderr.split("\n").length === 2, stderr);
  }
});

/**
 * The npm packages (`markdown-it@15.0.3`) and local modules `deno info` finds in `entry`'s module
 * graph: the packages its modules import (its npmPackages lists the whole lock's).
 */
async function moduleGraph(entry: string): Promise<{ packages: string[]; files: string[] }> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: fileURLToPath(new URL("../", import.meta.url)),
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { kind?: string; specifier: string }[];
  };
  return {
    packages: info.modules.filter((module) => module.kind === "npm").map((module) =>
      module.specifier.replace(/^npm:\//, "")
    ),
    files: info.modules.map((module) => module.specifier).filter((s) => s.startsWith("file:")),
  };
}

Deno.test("deno task serve's module graph has no markdown-it: its pages take escapeHtml and formatValue from html_text.ts, not the notebooks' display.ts", async () => {
  const isMarkdownIt = (name: string) => name.startsWith("markdown-it@");
  // (the notebooks' module does load it: the check below would see it come back)
  ok((await moduleGraph("lib/report/display.ts")).packages.some(isMarkdownIt));
  const serve = await moduleGraph("lib/server/main.ts");
  assertEquals(serve.packages.filter(isMarkdownIt), []);
  assertEquals(serve.files.filter((file) => file.endsWith("/lib/report/display.ts")), []);
  ok(serve.files.some((file) => file.endsWith("/lib/report/html_text.ts")));
});
