/**
 * lib/server over real HTTP (Deno.serve on a free loopback port, fetch as the client): every
 * status, header and parameter rule, streaming, shared runs, the cache, failures, settings and
 * the `deno task serve` entry point. The loader is the real demo pipeline, wrapped where a test
 * must count runs or make one fail.
 */
import { PER_PLAN_MARGINS_NOTE } from "../lib/economics/report.ts";
import { escapeHtml } from "../lib/report/html_text.ts";
import { DEMO_NOTE } from "../lib/report/chart_frame.ts";
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import ExcelJS from "exceljs";
import pl from "nodejs-polars";
import { PassThrough, type Writable } from "node:stream";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { UserError } from "../lib/core/config.ts";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { DEMO_ORGANIZATIONS } from "../lib/sources/demo.ts";
import { type ExportOptions, loadPricingData } from "../lib/export.ts";
import { SEGMENT_NAMES, segmentFrame } from "../lib/report/segments.ts";
import { csvChunks } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeXlsx } from "../lib/formats/xlsx.ts";
import {
  createHandler,
  GET_PATHS,
  type Handler,
  type HandlerHooks,
  type LoadPricingData,
} from "../lib/server/handler.ts";
import { parseServerArgs, serverSettings } from "../lib/server/settings.ts";
import { tokenMasker } from "../lib/server/auth.ts";
import { MCP_PATH } from "../lib/mcp/http.ts";
import {
  activeSubscription,
  type FakeStripe,
  monthlyPrice,
  startFakeStripe,
} from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { freePort } from "./servers.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

const TOKEN = "test-token-0123456789abcdef-0123456789"; // 38 characters (at least 32)
const AUTH = { Authorization: `Bearer ${TOKEN}` };
/** The tests' clock: 2026-11-02T00:00:00Z, so the default as-of (now) names files 2026-11-02. */
const START = Date.parse("2026-11-02T00:00:00Z");
const EXPORT = "/v1/admin/pricing-analytics/export";
const SUMMARY = "/v1/admin/pricing-analytics/summary";

function settings(env: Record<string, string> = {}, args = ["--demo"]) {
  return serverSettings(parseServerArgs(args), { PRICING_SERVER_TOKEN: TOKEN, ...env });
}

interface TestServer {
  url: string;
  logs: string[];
  clock: { now: number };
  calls: Partial<ExportOptions>[];
  runs: Handler["runs"];
  /** errors Deno.serve reported (bodies that failed after the status went out) */
  serveErrors: string[];
  get(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A server on 127.0.0.1:<free port>. `loader` defaults to the real pipeline; every call is
 * recorded in `calls`, so tests count runs.
 */
function serve(
  options: {
    env?: Record<string, string>;
    loader?: LoadPricingData;
    hooks?: HandlerHooks;
    token?: string | null;
    /** the server's flags (default --demo; [] = the databases in env) */
    args?: string[];
    /** where Stripe's daily cache goes (default the kit's outputs folder) */
    outDir?: string;
  } = {},
): TestServer {
  const logs: string[] = [];
  const clock = { now: START };
  const calls: Partial<ExportOptions>[] = [];
  const inner = options.loader ?? loadPricingData;
  const base = { ...settings(options.env, options.args) };
  if (options.token !== undefined) base.token = options.token;
  if (options.outDir !== undefined) base.outDir = options.outDir;
  const handler = createHandler(base, {
    loadData: (o) => {
      calls.push(o);
      return inner(o);
    },
    hooks: { now: () => clock.now, log: (line) => logs.push(line), ...options.hooks },
  });
  const serveErrors: string[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
    onError: (error) => {
      serveErrors.push(error instanceof Error ? error.message : String(error));
      return new Response(null, { status: 500 });
    },
  }, handler);
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    logs,
    clock,
    calls,
    runs: handler.runs,
    serveErrors,
    get: (path, init) => fetch(url + path, { ...init, headers: { ...AUTH, ...init?.headers } }),
    close: () => server.shutdown(),
  };
}

async function jsonBody(response: Response) {
  assertEquals(response.headers.get("content-type"), "application/json");
  return await response.json();
}

/** The real demo pipeline with the frame stacked `times` over (400 × times organizations). */
function largeDemoLoader(times: number): LoadPricingData {
  return async (options) => {
    const data = await loadPricingData(options);
    return { ...data, frame: pl.concat(Array.from({ length: times }, () => data.frame)) };
  };
}

/** Resolves once `condition` holds (checked every few ms; fails past HANG_GUARD_MS naming `what`) */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A promise with its resolve, to hold a run open. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  return { opened, open };
}

Deno.test("routing, page and health without a token", async (t) => {
  const server = serve();
  try {
    await t.step("GET /healthz → 200 JSON", async () => {
      const response = await fetch(`${server.url}/healthz`);
      assertEquals(response.status, 200);
      assertEquals(await jsonBody(response), { status: "ok", runs: 0 });
    });
    await t.step("GET / → 302 to the page", async () => {
      const response = await fetch(`${server.url}/`, { redirect: "manual" });
      assertEquals(response.status, 302);
      assertEquals(response.headers.get("location"), "/admin/pricing-analytics");
      await response.body?.cancel();
    });
    await t.step(
      "the page shell: public, no data, CSP with a nonce, the spec's buttons",
      async () => {
        const response = await fetch(`${server.url}/admin/pricing-analytics`);
        assertEquals(response.status, 200);
        assertEquals(response.headers.get("content-type"), "text/html; charset=utf-8");
        const html = await response.text();
        const nonce = /<script nonce="([0-9a-f]{32})">/.exec(html)?.[1];
        ok(nonce, "inline script carries a nonce");
        ok(
          response.headers.get("content-security-policy")!.includes(`script-src 'nonce-${nonce}'`),
        );
        ok(html.includes("Export to CSV") && html.includes("Export to XLSX"));
        ok(html.includes('data-auth="required"'));
        ok(html.includes("sessionStorage") && html.includes('"Bearer "'));
        assertEquals(server.calls.length, 0, "serving the page runs no export");
        ok(!/org_name|Organizations<\/div>/.test(html), "no data in the shell");
      },
    );
    await t.step("unknown path → 404 JSON", async () => {
      const response = await fetch(`${server.url}/v1/admin/nope`);
      assertEquals(response.status, 404);
      assertEquals((await jsonBody(response)).error, "not_found");
    });
    await t.step("POST / DELETE → 405 with Allow: GET, HEAD", async () => {
      for (const method of ["POST", "PUT", "DELETE"]) {
        const response = await server.get(EXPORT, { method });
        assertEquals(response.status, 405, method);
        assertEquals(response.headers.get("allow"), "GET, HEAD");
        await response.body?.cancel();
      }
      assertEquals(server.calls.length, 0);
    });
  } finally {
    await server.close();
  }
});

Deno.test("deno task serve --help and docs/server.md list every route the server answers", async () => {
  const main = new URL("../lib/server/main.ts", import.meta.url).pathname;
  const config = new URL("../deno.json", import.meta.url).pathname;
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

Deno.test("authentication: 401 without or malformed, 403 wrong, before anything else", async (t) => {
  const server = serve();
  try {
    for (
      const path of [
        EXPORT,
        "/v1/admin/pricing-analytics/summary",
        "/v1/admin/pricing-analytics/report",
      ]
    ) {
      await t.step(`${path} without Authorization → 401 + WWW-Authenticate`, async () => {
        const response = await fetch(server.url + path);
        assertEquals(response.status, 401);
        assertEquals(response.headers.get("www-authenticate"), 'Bearer realm="pricing-kit"');
        assertEquals((await jsonBody(response)).error, "unauthorized");
      });
    }
    await t.step("not a Bearer credential → 401", async () => {
      for (const value of [`Basic ${btoa(`admin:${TOKEN}`)}`, "Bearer", `Token ${TOKEN}`]) {
        const response = await fetch(server.url + EXPORT, { headers: { Authorization: value } });
        assertEquals(response.status, 401, value);
        await response.body?.cancel();
      }
    });
    await t.step("wrong token → 403 (also a prefix and a longer one)", async () => {
      for (const value of ["wrong-token-0123456789", TOKEN.slice(0, -1), TOKEN + "x"]) {
        const response = await fetch(server.url + EXPORT, {
          headers: { Authorization: `Bearer ${value}` },
        });
        assertEquals(response.status, 403, value);
        assertEquals((await jsonBody(response)).error, "forbidden");
      }
    });
    await t.step(
      "auth comes before parameter checks (bad params without token → 401)",
      async () => {
        const response = await fetch(`${server.url}${EXPORT}?format=pdf`);
        assertEquals(response.status, 401);
        await response.body?.cancel();
      },
    );
    await t.step("the scheme is case-insensitive: bearer <token> → 200", async () => {
      const response = await fetch(server.url + EXPORT, {
        headers: { Authorization: `bearer ${TOKEN}` },
      });
      assertEquals(response.status, 200);
      await response.body?.cancel();
    });
    await t.step("a token pasted into the path or a parameter is not logged either", async () => {
      for (const path of [`/${TOKEN}`, `${EXPORT}?format=${TOKEN}`, `${EXPORT}?as_of=${TOKEN}`]) {
        const response = await fetch(server.url + path);
        ok(response.status === 401 || response.status === 404, `${path}: ${response.status}`);
        await response.body?.cancel();
      }
    });
    await t.step("no failed attempt started a run; the token is in no log line", () => {
      assertEquals(server.calls.length, 1); // the last, accepted request
      ok(server.logs.length > 0);
      ok(!server.logs.some((line) => line.includes(TOKEN) || line.includes(TOKEN.slice(0, 12))));
    });
  } finally {
    await server.close();
  }
});

Deno.test("the access log's token mask covers a token as a URL path writes it (| kept, \" as %22)", () => {
  const token = 'Ab|cd"ef^[x]-0123456789abcdef0123456789';
  const mask = tokenMasker(token);
  // what the handler logs: the request's path, as the URL parser percent-encodes it
  const path = new URL(new Request(`http://127.0.0.1/${token}`).url).pathname;
  assertEquals(path, "/Ab|cd%22ef^[x]-0123456789abcdef0123456789");
  assertEquals(mask(`GET ${path} 404`), "GET /*** 404");
  assertEquals(mask(`?format=${encodeURIComponent(token)}`), "?format=***");
  assertEquals(mask(`plain ${token}`), "plain ***");
  assertEquals(tokenMasker(undefined)("no token"), "no token");
});

Deno.test("CSV export: the spec's headers, the real demo pipeline, byte for byte", async () => {
  const server = serve();
  try {
    const response = await server.get(EXPORT); // format defaults to csv
    assertEquals(response.status, 200);
    assertEquals(response.headers.get("content-type"), "text/csv");
    assertEquals(
      response.headers.get("content-disposition"),
      'attachment; filename="helicone_pricing_data_2026-11-02_demo.csv"',
    );
    assertEquals(response.headers.get("content-length"), null, "streamed, not sized up front");
    assertEquals(response.headers.get("cache-control"), "no-store");
    assertEquals(response.headers.get("x-pricing-as-of"), "2026-11-02T00:00:00.000Z");
    const text = await response.text();
    const rows = parseCsv(text);
    assertEquals(rows[0], [...COLUMN_NAMES]);
    assertEquals(rows.length - 1, DEMO_ORGANIZATIONS);
    // The same options through the library directly give the same bytes.
    assertEquals(server.calls.length, 1);
    const direct = await loadPricingData(server.calls[0]);
    assertEquals(text, [...csvChunks(direct.frame)].join(""));
  } finally {
    await server.close();
  }
});

Deno.test("the spec's frontend snippet's path, /api/v1/…: the same export; as written (no header) only without a token", async () => {
  // pricing-export-spec.md's button: fetch('/api/v1/admin/pricing-analytics/export?format=csv')
  const snippetPath = `/api${EXPORT}?format=csv`;
  const server = serve();
  const open = serve({ token: null });
  try {
    const direct = await server.get(`${EXPORT}?format=csv`);
    const viaApi = await server.get(snippetPath);
    assertEquals(viaApi.status, 200);
    assertEquals(viaApi.headers.get("content-type"), "text/csv");
    assertEquals(
      viaApi.headers.get("content-disposition"),
      direct.headers.get("content-disposition"),
    );
    assertEquals(await viaApi.text(), await direct.text());
    // the snippet's fetch sends no Authorization header: refused by a server with a token
    const bare = await fetch(server.url + snippetPath);
    assertEquals(bare.status, 401);
    await bare.body?.cancel();
    const noToken = await fetch(open.url + snippetPath);
    assertEquals(noToken.status, 200);
    assertEquals(parseCsv(await noToken.text())[0], [...COLUMN_NAMES]);
  } finally {
    await server.close();
    await open.close();
  }
});

Deno.test("XLSX export: content type, dated name, a workbook with every row", async () => {
  const server = serve();
  try {
    const response = await server.get(`${EXPORT}?format=xlsx&as_of=2026-11-01`);
    assertEquals(response.status, 200);
    assertEquals(
      response.headers.get("content-type"),
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    assertEquals(
      response.headers.get("content-disposition"),
      'attachment; filename="helicone_pricing_data_2026-11-01_demo.xlsx"',
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    assertEquals([bytes[0], bytes[1]], [0x50, 0x4b], "a zip (PK)");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes.buffer);
    const sheet = workbook.getWorksheet("pricing_data")!;
    assertEquals((sheet.getRow(1).values as unknown[]).slice(1), [...COLUMN_NAMES]);
    assertEquals(sheet.rowCount, DEMO_ORGANIZATIONS + 1);
    ok(workbook.getWorksheet("dictionary"));
    // The download leads with the summary sheet, as the exported file does (no images: it streams).
    assertEquals(workbook.worksheets[0].name, "summary");
    const labels = (workbook.worksheets[0].getSheetValues() as unknown[][]).map((r) => r?.[1]);
    ok(labels.includes("Gross margin, company cost"), "the headline KPIs");
  } finally {
    await server.close();
  }
});

Deno.test("PRICING_SERVER_STRIPE=skip: the page, summary and XLSX say Stripe was skipped, naming no CLI flag", async () => {
  const server = serve({ env: { PRICING_SERVER_STRIPE: "skip" } });
  const skipped = "Stripe skipped: revenue columns are empty";
  try {
    const summary = await jsonBody(await server.get("/v1/admin/pricing-analytics/summary"));
    ok(summary.warnings.includes(skipped), JSON.stringify(summary.warnings));
    assertEquals(summary.totalMrrUsd, null, "no revenue read");
    const report = await (await server.get("/v1/admin/pricing-analytics/report")).text();
    ok(report.includes(escapeHtml(skipped)), report);
    const xlsx = await server.get(`${EXPORT}?format=xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await xlsx.arrayBuffer());
    const texts = (workbook.getWorksheet("summary")!.getSheetValues() as unknown[][])
      .map((row) => String(row?.[1] ?? ""));
    ok(texts.includes(skipped), texts.join("\n"));
    // the server has no --skip-stripe: no answer names it
    for (const text of [JSON.stringify(summary), report, texts.join("\n")]) {
      ok(!text.includes("--skip-stripe"), text);
    }
    // skipping is a choice, not an outage: nothing is missing, and the run is kept its hour
    assertEquals(summary.revenueMissing, null);
    server.clock.now += 3_599_999;
    const later = await server.get("/v1/admin/pricing-analytics/summary");
    await later.body?.cancel();
    assertEquals([later.headers.get("x-pricing-cache"), server.calls.length], ["hit", 1]);
  } finally {
    await server.close();
  }
});

Deno.test("PRICING_SERVER_STRIPE=skip: a segment that judges MRR cannot be judged, it is not $0 and empty", async () => {
  // The fixture databases, revenue not fetched. LLM cost: A $2.75 (BYOK), B $0.10, C $3.00 (BYOK),
  // D and E none. byok_paying (is_byok and mrr > 0): A and C undecided; negative_margin (LLM cost
  // over MRR): A, B and C undecided; underpriced: nobody is heavy, so nobody is undecided.
  const databases = await freshFixtureDatabases("server_segments_unjudged");
  const server = serve({ args: [], env: { ...databases.env, PRICING_SERVER_STRIPE: "skip" } });
  const cannot = (n: number) =>
    `cannot be judged: revenue not fetched (${n} organizations with unknown MRR)`;
  const summary = async (segment: string) =>
    await jsonBody(await server.get(`${SUMMARY}?as_of=2026-11-01&segment=${segment}`));
  try {
    for (const [segment, undecided] of [["byok_paying", 2], ["negative_margin", 3]] as const) {
      const body = await summary(segment);
      assertEquals(
        [body.organizations, body.totalMrrUsd, body.notJudged],
        [0, null, { organizations: undecided, text: cannot(undecided) }],
        segment,
      );
      const report = await (await server.get(
        `/v1/admin/pricing-analytics/report?as_of=2026-11-01&segment=${segment}`,
      )).text();
      ok(report.includes(cannot(undecided)), report);
      ok(!report.includes("no organizations in this segment"), report);
      ok(
        report.includes(
          `<div class="stat" data-stat="organizations" data-value="0" role="group" aria-labelledby="stat-organizations-label"><div class="label" id="stat-organizations-label">Organizations</div><div class="value">0</div><div class="note">${
            cannot(undecided)
          }</div></div>`,
        ),
        report,
      );
    }
    const underpriced = await summary("underpriced");
    assertEquals([underpriced.totalMrrUsd, underpriced.notJudged], [0, null]);
    assertEquals(server.calls.length, 1, "one run for every segment");
  } finally {
    await server.close();
    await databases.drop();
  }
});

Deno.test("parameters: strict 400s with a JSON message", async (t) => {
  const server = serve();
  const bad: [string, RegExp][] = [
    ["format=pdf", /format must be csv or xlsx, got "pdf"/],
    ["format=CSV", /format must be csv or xlsx/],
    ["format=", /format must be csv or xlsx, got ""/],
    ["format=csv&format=xlsx", /format is given more than once/],
    [
      "fromat=xlsx",
      /unknown query parameter "fromat"; allowed: format, days, as_of, segment, refresh/,
    ],
    // a name as long as a token (pasted by mistake) is not echoed
    [`${"t".repeat(40)}=1`, /^unknown query parameter; allowed: format, days/],
    ["days=0", /days must be a whole number from 1 to 3660, got "0"/],
    ["days=3661", /days must be a whole number from 1 to 3660/],
    ["days=7.5", /days must be a whole number/],
    ["days=030", /days must be a whole number/],
    ["days=-1", /days must be a whole number/],
    ["days=", /days must be a whole number/],
    ["days=abc", /days must be a whole number/],
    ["as_of=2026-13-01", /as_of must be a date like 2026-11-01/],
    ["as_of=2026-02-30", /as_of must be a date/],
    ["as_of=yesterday", /as_of must be a date/],
    ["as_of=2026-11-01T12:00", /as_of must be a date .*with a zone/],
    ["as_of=2026-11-01T25:00:00Z", /as_of must be a date/],
    ["as_of=2026-11-03", /as_of 2026-11-03 is in the future/],
    // a window that would start before 1970 is the request's fault, not a failed run (502)
    [
      "as_of=1970-01-01",
      /^the 30-day window before as_of 1970-01-01T00:00:00\.000Z starts before 1970-01-01, .*; use a later as_of or a smaller days$/,
    ],
    ["as_of=1975-01-01&days=3660", /^the 3660-day window before as_of 1975-01-01T00:00:00\.000Z/],
    ["segment=nope", /segment must be one of ptb_customers, .*, got "nope"/],
    // a bidi control comes back escaped (raw, it drew the rest of a client's line reversed)
    ["as_of=%E2%80%AE2026", /^as_of must be a date .*, got "\\u202e2026"$/],
    ["segment=", /segment must be one of/],
    ["refresh=yes", /refresh must be 1 \(or 0\), got "yes"/],
    // a long value comes back cut: its first 40 characters and its length
    ...["days", "as_of", "format", "segment", "refresh"].map((name): [string, RegExp] => [
      `${name}=${"9".repeat(5000)}`,
      new RegExp(`^${name} must .*, got "${"9".repeat(40)}"… \\(5,000 characters\\)$`),
    ]),
  ];
  try {
    for (const [query, message] of bad) {
      await t.step(
        `${query.length > 60 ? `${query.slice(0, 20)}… (long)` : query} → 400`,
        async () => {
          const response = await server.get(`${EXPORT}?${query}`);
          assertEquals(response.status, 400);
          const body = await jsonBody(response);
          assertEquals(body.error, "bad_request");
          ok(message.test(body.message), `${body.message} ~ ${message}`);
          ok(!body.message.includes("9".repeat(41)), `a long value is not echoed whole`);
        },
      );
    }
    await t.step(
      "an unknown parameter's name is not echoed (a pasted token stays out)",
      async () => {
        const response = await server.get(`${EXPORT}?${TOKEN}=1`);
        assertEquals(response.status, 400);
        ok(!(await response.text()).includes(TOKEN));
        ok(!server.logs.some((line) => line.includes(TOKEN)));
      },
    );
    await t.step("the summary takes no format", async () => {
      const response = await server.get("/v1/admin/pricing-analytics/summary?format=csv");
      assertEquals(response.status, 400);
      ok(/allowed: days, as_of, segment, refresh/.test((await jsonBody(response)).message));
    });
    await t.step("no bad request started a run", () => assertEquals(server.calls.length, 0));

    await t.step(
      "days and as_of reach the pipeline; as_of and the window name the file",
      async () => {
        const response = await server.get(`${EXPORT}?days=7&as_of=2026-10-15T12:00:00%2B02:00`);
        assertEquals(response.status, 200);
        assertEquals(
          response.headers.get("content-disposition"),
          'attachment; filename="helicone_pricing_data_2026-10-15_demo_7d.csv"',
        );
        await response.body?.cancel();
        const call = server.calls.at(-1)!;
        assertEquals(call.windowDays, 7);
        assertEquals(call.asOf?.toISOString(), "2026-10-15T10:00:00.000Z");
        assertEquals(call.demo, true);
      },
    );
    await t.step("as_of as a date is midnight UTC; refresh=0 is accepted", async () => {
      const response = await server.get(`${EXPORT}?as_of=2026-11-01&refresh=0`);
      assertEquals(response.status, 200);
      await response.body?.cancel();
      assertEquals(server.calls.at(-1)!.asOf?.toISOString(), "2026-11-01T00:00:00.000Z");
    });
    await t.step("segment: only its organizations, its name in the file name", async () => {
      const response = await server.get(`${EXPORT}?segment=underpriced&as_of=2026-11-01`);
      assertEquals(response.status, 200);
      assertEquals(
        response.headers.get("content-disposition"),
        'attachment; filename="helicone_pricing_data_2026-11-01_demo_underpriced.csv"',
      );
      const rows = parseCsv(await response.text());
      assertEquals(rows[0], [...COLUMN_NAMES]);
      const expected =
        segmentFrame((await loadPricingData(server.calls.at(-1)!)).frame, { name: "underpriced" })
          .frame;
      ok(expected.height > 0, "the demo data has underpriced organizations");
      assertEquals(rows.slice(1).map((r) => r[0]), expected.getColumn("org_id").toArray());
    });
    await t.step(
      "segment on a 7-day window: the per-month thresholds on a 30-day basis",
      async () => {
        const response = await server.get(
          `${EXPORT}?segment=free_high_usage&days=7&as_of=2026-11-01`,
        );
        assertEquals(response.status, 200);
        const rows = parseCsv(await response.text());
        const week = (await loadPricingData(server.calls.at(-1)!)).frame;
        const expected = segmentFrame(week, { name: "free_high_usage", windowDays: 7 }).frame;
        // read as 30 days, the 7-day requests would leave organizations out
        ok(
          expected.height > segmentFrame(week, { name: "free_high_usage" }).frame.height,
          "the 30-day basis keeps organizations the raw 7-day values lose",
        );
        assertEquals(rows.slice(1).map((r) => r[0]), expected.getColumn("org_id").toArray());
      },
    );
    await t.step("every segment name is accepted", async () => {
      for (const name of SEGMENT_NAMES) {
        const response = await server.get(`${EXPORT}?segment=${name}&as_of=2026-11-01`);
        assertEquals(response.status, 200, name);
        await response.body?.cancel();
      }
    });
  } finally {
    await server.close();
  }
});

Deno.test("streaming: a large export arrives in many chunks, before it is all written", async (t) => {
  const times = 50; // 400 × 50 = 20,000 organizations
  let produced = 0;
  const server = serve({
    loader: largeDemoLoader(times),
    hooks: {
      csv: function* (frame) {
        for (const chunk of csvChunks(frame)) {
          produced++;
          yield chunk;
        }
      },
    },
  });
  try {
    await t.step("CSV of 20,000 organizations", async () => {
      const response = await server.get(EXPORT);
      assertEquals(response.status, 200);
      const reader = response.body!.getReader();
      const first = await reader.read();
      const producedAtFirstChunk = produced;
      let chunks = 1;
      let text = new TextDecoder().decode(first.value);
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        chunks++;
        text += new TextDecoder().decode(next.value);
      }
      // csvChunks yields the header then one chunk per 1,000 rows: 1 + 20 chunks.
      assertEquals(produced, 21);
      ok(producedAtFirstChunk < produced, `first bytes after ${producedAtFirstChunk} of 21 chunks`);
      ok(chunks > 1, `${chunks} chunks read`);
      const rows = parseCsv(text);
      assertEquals(rows.length, 1 + 400 * times);
      assertEquals(rows[0], [...COLUMN_NAMES]);
      const line = server.logs.filter((l) => l.includes(EXPORT)).at(-1)!;
      // logged when the body ended, with its size
      ok(
        new RegExp(` 200 \\d+ms cache=miss ${new TextEncoder().encode(text).length}B done$`).test(
          line,
        ),
        line,
      );
    });
  } finally {
    await server.close();
  }
  await t.step("XLSX of 2,000 organizations", async () => {
    const xlsx = serve({ loader: largeDemoLoader(5) });
    try {
      const response = await xlsx.get(`${EXPORT}?format=xlsx`);
      assertEquals(response.status, 200);
      let chunks = 0;
      const parts: Uint8Array[] = [];
      for await (const chunk of response.body!) {
        chunks++;
        parts.push(chunk);
      }
      ok(chunks > 1, `${chunks} chunks read`);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(await new Blob(parts as BlobPart[]).arrayBuffer());
      assertEquals(workbook.getWorksheet("pricing_data")!.rowCount, 1 + 400 * 5);
    } finally {
      await xlsx.close();
    }
  });
});

Deno.test("shared runs: concurrent requests for the same data run the pipeline once", async (t) => {
  const held = gate();
  let started = 0;
  const server = serve({
    loader: async (options) => {
      started++;
      await held.opened; // both requests arrive while the run is still going
      return loadPricingData(options);
    },
  });
  try {
    await t.step("CSV and XLSX at once → one run, both complete", async () => {
      const csv = server.get(EXPORT);
      const xlsx = server.get(`${EXPORT}?format=xlsx`);
      await waitFor(() => started === 1 && server.runs.joined === 1, "the second request to join");
      held.open();
      const [a, b] = await Promise.all([csv, xlsx]);
      assertEquals([a.status, b.status], [200, 200]);
      assertEquals(
        [a.headers.get("x-pricing-cache"), b.headers.get("x-pricing-cache")].sort(),
        ["miss", "shared"],
      );
      assertEquals(a.headers.get("x-pricing-as-of"), b.headers.get("x-pricing-as-of"));
      assertEquals(parseCsv(await a.text()).length, DEMO_ORGANIZATIONS + 1);
      ok((await b.arrayBuffer()).byteLength > 0);
      assertEquals(server.calls.length, 1);
    });
    await t.step("three at once with another window → two runs", async () => {
      server.clock.now += 3_600_000; // past the TTL: no cache hits
      const responses = await Promise.all([
        server.get(EXPORT),
        server.get(`${EXPORT}?days=7`),
        server.get("/v1/admin/pricing-analytics/summary"),
      ]);
      for (const r of responses) {
        assertEquals(r.status, 200);
        await r.body?.cancel();
      }
      assertEquals(server.calls.length, 3);
      assertEquals(server.calls.slice(1).map((c) => c.windowDays).sort(), [30, 7]);
    });
  } finally {
    await server.close();
  }
});

Deno.test("a client that leaves: its run goes on and is cached for the next request", async () => {
  const held = gate();
  let started = 0;
  const server = serve({
    loader: async (options) => {
      started++;
      await held.opened;
      return loadPricingData(options);
    },
  });
  try {
    const leaving = new AbortController();
    const left = server.get(EXPORT, { signal: leaving.signal }).catch((error) => error);
    await waitFor(() => started === 1, "the run to start");
    leaving.abort();
    ok((await left) instanceof Error, "the client went away");
    held.open();
    await waitFor(() => server.runs.running === 0, "the run to finish");
    const response = await server.get(EXPORT);
    assertEquals(response.headers.get("x-pricing-cache"), "hit");
    assertEquals(parseCsv(await response.text()).length, DEMO_ORGANIZATIONS + 1);
    assertEquals(server.calls.length, 1);
  } finally {
    held.open();
    await server.close();
  }
});

Deno.test("runs nobody waits for any more are stopped when a new run needs their slot", async () => {
  // The page's Show aborts its earlier fetch: as-of 09-01, then 09-02, then 09-03 at
  // PRICING_SERVER_MAX_RUNS=2. The two abandoned runs hold both slots; 09-03 is answered, not 503.
  const held = gate();
  const stoppedDays: string[] = [];
  const server = serve({
    env: { PRICING_SERVER_MAX_RUNS: "2" },
    loader: async (options) => {
      const day = options.asOf!.toISOString().slice(0, 10);
      if (day !== "2026-09-03") {
        await new Promise<void>((resolve, reject) => {
          held.opened.then(resolve);
          options.signal?.addEventListener("abort", () => {
            stoppedDays.push(day);
            reject(options.signal!.reason);
          });
        });
      }
      return loadPricingData(options);
    },
  });
  const leave = async (day: string, runs: number) => {
    const leaving = new AbortController();
    const left = server.get(`${SUMMARY}?as_of=${day}`, { signal: leaving.signal })
      .catch((error) => error);
    await waitFor(() => server.calls.length === runs, `the ${day} run to start`);
    leaving.abort();
    ok((await left) instanceof Error, "the client went away");
  };
  try {
    await leave("2026-09-01", 1);
    await leave("2026-09-02", 2);
    const latest = await server.get(`${SUMMARY}?as_of=2026-09-03`);
    assertEquals(latest.status, 200, await latest.clone().text());
    assertEquals((await latest.json()).asOf, "2026-09-03T00:00:00.000Z");
    // only the oldest abandoned run was stopped: one slot was enough
    assertEquals(stoppedDays, ["2026-09-01"]);
    // the other goes on and is cached for the next request of its window
    held.open();
    await waitFor(() => server.runs.running === 0, "the 09-02 run to finish");
    const again = await server.get(`${SUMMARY}?as_of=2026-09-02`);
    assertEquals(again.headers.get("x-pricing-cache"), "hit");
    await again.body?.cancel();
    assertEquals(server.calls.length, 3);
  } finally {
    held.open();
    await server.close();
  }
});

Deno.test("cache: reused within the TTL, run again after it, refresh=1 bypasses", async (t) => {
  const server = serve({ env: { PRICING_SERVER_CACHE_TTL_SECONDS: "600" } });
  const fetchStatus = async (query = "") => {
    const response = await server.get(EXPORT + query);
    assertEquals(response.status, 200);
    await response.body?.cancel();
    return [response.headers.get("x-pricing-cache"), server.calls.length];
  };
  try {
    await t.step(
      "first → miss (run 1)",
      async () => assertEquals(await fetchStatus(), ["miss", 1]),
    );
    await t.step("again → hit", async () => assertEquals(await fetchStatus(), ["hit", 1]));
    await t.step("the instant that run was pinned to, named as as_of → the same run", async () => {
      server.clock.now += 60_000;
      assertEquals(await fetchStatus("?as_of=2026-11-02T00:00:00.000Z"), ["hit", 1]);
      server.clock.now -= 60_000;
    });
    await t.step("599 s later → hit", async () => {
      server.clock.now += 599_000;
      assertEquals(await fetchStatus(), ["hit", 1]);
    });
    await t.step("600 s after the run → miss (run 2), a new as-of", async () => {
      server.clock.now += 1_000;
      assertEquals(await fetchStatus(), ["miss", 2]);
      assertEquals(server.calls[1].asOf?.getTime(), START + 600_000);
    });
    await t.step("refresh=1 → run 3; afterwards that result is the cached one", async () => {
      assertEquals(await fetchStatus("?refresh=1"), ["refresh", 3]);
      assertEquals(await fetchStatus(), ["hit", 3]);
    });
    await t.step("an explicit as_of is cached under its own key", async () => {
      assertEquals(await fetchStatus("?as_of=2026-11-01"), ["miss", 4]);
      assertEquals(await fetchStatus("?as_of=2026-11-01&format=xlsx"), ["hit", 4]);
    });
    await t.step("a pinned instant past the TTL → run again for that instant", async () => {
      server.clock.now += 600_000;
      assertEquals(await fetchStatus("?as_of=2026-11-02T00:10:00.000Z"), ["miss", 5]);
      assertEquals(server.calls[4].asOf?.toISOString(), "2026-11-02T00:10:00.000Z");
    });
  } finally {
    await server.close();
  }
  await t.step("TTL 0 → every request runs", async () => {
    const uncached = serve({ env: { PRICING_SERVER_CACHE_TTL_SECONDS: "0" } });
    try {
      for (const expected of [1, 2]) {
        const response = await uncached.get(EXPORT);
        assertEquals(response.headers.get("x-pricing-cache"), "miss");
        await response.body?.cancel();
        assertEquals(uncached.calls.length, expected);
      }
    } finally {
      await uncached.close();
    }
  });
});

Deno.test("a run that could not reach Stripe is reused for a minute at most, a run with revenue for the TTL", async (t) => {
  // The fixture databases; Stripe is down (nothing listens on its port), then comes back there.
  // Once back it has cus_alpha at $79 and cus_charlie at $200: total MRR $279 (B has no customer).
  const stripePort = await freePort();
  const databases = await freshFixtureDatabases("server_stripe_down");
  const outDir = await Deno.makeTempDir({ prefix: "pricing-kit-stripe-cache-" });
  const server = serve({
    args: [],
    outDir,
    env: {
      ...databases.env,
      STRIPE_SECRET_KEY: "sk_test_fake_123",
      STRIPE_API_HOST: "127.0.0.1",
      STRIPE_API_PORT: String(stripePort),
      STRIPE_API_PROTOCOL: "http",
      PRICING_STRIPE_MAX_RETRIES: "0", // a refused connection fails the fetch at once
    },
  });
  let stripe: FakeStripe | undefined;
  const summary = async (query: string) => {
    const response = await server.get(`${SUMMARY}${query}`);
    assertEquals(response.status, 200);
    const body = await response.json();
    return {
      cache: response.headers.get("x-pricing-cache"),
      mrr: body.totalMrrUsd,
      missing: body.revenueMissing,
      runs: server.calls.length,
    };
  };
  const pinned = "?as_of=2026-11-01";
  try {
    await t.step("Stripe down: the runs are served, revenue missing and why", async () => {
      const day = await summary(pinned);
      assertEquals([day.cache, day.mrr, day.runs], ["miss", null, 1]);
      match(day.missing, /^REVENUE MISSING: cannot reach Stripe at 127\.0\.0\.1:\d+ /);
      const now = await summary("");
      assertEquals([now.cache, now.mrr, now.runs], ["miss", null, 2]);
    });
    stripe = startFakeStripe(
      {
        subscriptions: [
          activeSubscription("cus_alpha", monthlyPrice("pro-20251210", 7900)),
          activeSubscription("cus_charlie", monthlyPrice("team_bundle", 20000)),
        ],
        products: [
          { id: "prod_pro-20251210", name: "pro-20251210", metadata: {} },
          { id: "prod_team_bundle", name: "team_bundle", metadata: {} },
        ],
        invoices: [],
      },
      "sk_test_fake_123",
      0,
      { port: stripePort },
    );
    await t.step(
      "Stripe back, within the minute: the same runs (a report and its export agree)",
      async () => {
        server.clock.now += 59_999;
        for (const query of [pinned, ""]) {
          const again = await summary(query);
          assertEquals([again.cache, again.mrr, again.runs], ["hit", null, 2], query);
        }
      },
    );
    await t.step("a minute after they finished: run again, and the revenue is there", async () => {
      server.clock.now += 1;
      const day = await summary(pinned);
      assertEquals([day.cache, day.mrr, day.missing, day.runs], ["miss", 279, null, 3]);
      const now = await summary("");
      assertEquals([now.cache, now.mrr, now.missing, now.runs], ["miss", 279, null, 4]);
    });
    await t.step("a run with its revenue is kept for the whole TTL (an hour)", async () => {
      server.clock.now += 3_599_999;
      const day = await summary(pinned);
      assertEquals([day.cache, day.mrr, day.runs], ["hit", 279, 4]);
    });
  } finally {
    await server.close();
    await stripe?.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("failures: 502/503 JSON, never a 200 with a short file", async (t) => {
  await t.step("a failing run → 502 for every waiting request; not cached", async () => {
    let fail = true;
    const held = gate();
    const server = serve({
      loader: async (options) => {
        await held.opened;
        if (fail) {
          throw new Error(
            "connect ECONNREFUSED 10.0.0.5:5432 (postgres://reader:s3cret-pw@db.internal:5432/app)\nstack",
          );
        }
        return loadPricingData(options);
      },
    });
    try {
      const waiting = [server.get(EXPORT), server.get(`${EXPORT}?format=xlsx`)];
      await waitFor(() => server.calls.length === 1 && server.runs.joined === 1, "both waiting");
      held.open();
      for (const response of await Promise.all(waiting)) {
        assertEquals(response.status, 502);
        assertEquals(response.headers.get("content-disposition"), null);
        const body = await jsonBody(response);
        assertEquals(body.error, "export_failed");
        ok(body.message.startsWith("the export run failed: connect ECONNREFUSED"), body.message);
        ok(!body.message.includes("s3cret-pw"), "password masked");
        ok(!body.message.includes("stack"), "one line");
      }
      assertEquals(server.calls.length, 1, "the two requests shared the failing run");
      ok(!server.logs.some((l) => l.includes("s3cret-pw")));
      fail = false;
      const retry = await server.get(EXPORT);
      assertEquals(retry.status, 200, "a failure is not cached");
      await retry.body?.cancel();
      assertEquals(server.calls.length, 2);
    } finally {
      await server.close();
    }
  });

  await t.step("a configuration error in the run → 502 with its message", async () => {
    const server = serve({
      loader: (options) => loadPricingData({ ...options, demo: false, env: {} }),
    });
    try {
      const response = await server.get(EXPORT);
      assertEquals(response.status, 502);
      ok(/no database configured/.test((await jsonBody(response)).message));
    } finally {
      await server.close();
    }
  });

  await t.step("every run slot busy → 503 with Retry-After, no run started", async () => {
    const held = gate();
    const server = serve({
      env: { PRICING_SERVER_MAX_RUNS: "1" },
      loader: async (options) => {
        await held.opened;
        return loadPricingData(options);
      },
    });
    try {
      const first = server.get(EXPORT);
      await waitFor(() => server.calls.length === 1, "the first run to start");
      const busy = await server.get(`${EXPORT}?days=7`);
      assertEquals(busy.status, 503);
      assertEquals(busy.headers.get("retry-after"), "30");
      const body = await jsonBody(busy);
      assertEquals(body.error, "busy");
      // the message names the wait Retry-After gives
      assertEquals(body.message, "1 export is already running; try again in 30 seconds");
      assertEquals(server.calls.length, 1);
      held.open();
      const done = await first;
      assertEquals(done.status, 200);
      await done.body?.cancel();
    } finally {
      await server.close();
    }
  });

  await t.step("a writer failing before its first byte → 500 JSON, no file", async () => {
    const server = serve({
      hooks: {
        csv: () => {
          throw new Error("cannot format column mrr");
        },
        xlsx: () => Promise.reject(new Error("cannot open workbook")),
      },
    });
    try {
      for (const format of ["csv", "xlsx"]) {
        const response = await server.get(`${EXPORT}?format=${format}`);
        assertEquals(response.status, 500, format);
        assertEquals(response.headers.get("content-disposition"), null);
        assertEquals((await jsonBody(response)).error, "export_write_failed");
      }
    } finally {
      await server.close();
    }
  });

  await t.step("a frame the writers cannot write (missing columns) → 500 JSON", async () => {
    const server = serve({
      loader: async (options) => {
        const data = await loadPricingData(options);
        return { ...data, frame: data.frame.drop("mrr") };
      },
    });
    try {
      const response = await server.get(EXPORT);
      assertEquals(response.status, 500);
      ok(/lacks columns: mrr/.test((await jsonBody(response)).message));
    } finally {
      await server.close();
    }
  });

  await t.step(
    "a writer failing mid-stream → the body errors, it does not end cleanly",
    async () => {
      const server = serve({
        loader: largeDemoLoader(20),
        hooks: {
          // the real writers, broken off after some output
          csv: function* (frame) {
            let n = 0;
            for (const chunk of csvChunks(frame)) {
              if (++n === 4) throw new Error("disk full");
              yield chunk;
            }
          },
          xlsx: async (frame: pl.DataFrame, out: Writable) => {
            const inner = new PassThrough();
            const done = writeXlsx(frame, inner);
            done.catch(() => {});
            let sent = 0;
            for await (const chunk of inner) {
              out.write(chunk);
              sent += chunk.length;
              if (sent > 64 * 1024) throw new Error("disk full");
            }
            await done;
          },
        },
      });
      try {
        for (const format of ["csv", "xlsx"]) {
          const response = await server.get(`${EXPORT}?format=${format}`);
          assertEquals(response.status, 200, "the status went out before the failure");
          await rejects(response.arrayBuffer(), `${format}: reading the body fails`);
        }
        const ended = () => server.logs.filter((l) => l.includes(EXPORT));
        await waitFor(() => ended().length === 2, "both bodies to end in the log");
        ok(ended().every((l) => / failed: disk full$/.test(l)), ended().join("\n"));
        // Deno.serve hands each failed body to onError (by default a stack trace on stderr):
        // expected here, so captured and checked, not printed into a passing run.
        await waitFor(() => server.serveErrors.length === 2, "both failed bodies reported");
        assertEquals(server.serveErrors, ["disk full", "disk full"]);
      } finally {
        await server.close();
      }
    },
  );
});

Deno.test("summary and report: headline numbers computed by hand", async (t) => {
  // Three organizations on top of the real demo run's metadata:
  //   A: mrr 100, llm cost 30, 1,000 requests
  //   B: mrr 50, llm cost 80, 200,000 requests      → underpriced (≥ 100,000 requests, mrr ≤ $100)
  //   C: mrr unknown, llm cost 10, 500,000 requests → heavy but unknown MRR: not judged
  // total MRR (known) = 100 + 50 = 150; total LLM cost = 30 + 80 + 10 = 120
  // gross margin over known MRR = (150 − (30 + 80)) / 150 × 100 = 26.666… %
  const frame = pl.DataFrame({
    org_id: ["a", "b", "c"],
    org_name: ["A", "B", "C"],
    tier: ["team", "pro", "free"],
    seats: [4, 2, 1],
    requests_30d: [1_000, 200_000, 500_000],
    llm_cost_30d: [30, 80, 10],
    llm_cost_ptb_30d: [0, 20, 0],
    mrr: pl.Series("mrr", [100, 50, null], pl.Float64),
    gross_margin_pct: pl.Series("gross_margin_pct", [70, -60, null], pl.Float64),
  });
  const server = serve({
    loader: async (options) => ({ ...await loadPricingData(options), frame }),
  });
  try {
    await t.step("GET /summary → the numbers", async () => {
      const response = await server.get("/v1/admin/pricing-analytics/summary");
      assertEquals(response.status, 200);
      const summary = await jsonBody(response);
      assertEquals(summary.organizations, 3);
      assertEquals(summary.mrrKnownOrganizations, 2);
      assertEquals(summary.totalMrrUsd, 150);
      assertEquals(summary.totalLlmCostUsd, 120);
      ok(Math.abs(summary.grossMarginPct - 26.6666667) < 1e-6, String(summary.grossMarginPct));
      assertEquals(summary.underpriced.organizations, 1);
      assertEquals(summary.underpriced.rows.map((r: unknown[]) => r[0]), ["B"]);
      assertEquals(summary.demo, true);
      assertEquals(summary.asOf, "2026-11-02T00:00:00.000Z");
    });
  } finally {
    await server.close();
  }
  await t.step("GET /report on the real demo data: stats, eight charts, the tables", async () => {
    const demo = serve();
    try {
      const response = await demo.get("/v1/admin/pricing-analytics/report?as_of=2026-11-01");
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("content-type"), "text/html; charset=utf-8");
      const html = await response.text();
      ok(html.includes(`data-stat="organizations" data-value="${DEMO_ORGANIZATIONS}"`));
      for (
        const stat of ["gross_margin_company", "gross_margin", "total_mrr", "total_llm_cost"]
      ) {
        ok(new RegExp(`data-stat="${stat}" data-value="-?[\\d.]+"`).test(html), stat);
      }
      // The company-cost margin card leads, the spec's beside it.
      ok(
        html.indexOf('data-stat="gross_margin_company"') < html.indexOf('data-stat="gross_margin"'),
      );
      ok(html.includes("Gross margin · all LLM cost (spec)"));
      // Per-plan table: one row per price-book plan present, then all.
      ok(html.includes('<tr data-plan="pro (seat, legacy)">'));
      ok(html.includes('<tr data-plan="all">'));
      // why all's margins differ from the headline's, as the workbook and the notebook say
      ok(html.includes(escapeHtml(PER_PLAN_MARGINS_NOTE)), "the per-plan margins note");
      assertEquals(html.match(/<figure data-chart="/g)?.length, 8);
      // a chart copied off the page says it is demo data
      for (const [, name] of html.matchAll(/<figure data-chart="([a-z0-9_]+)"/g)) {
        ok(chartCaption(html, name).startsWith(`${DEMO_NOTE} `), name);
      }
      ok(html.indexOf('data-chart="margin_by_plan"') < html.indexOf('data-chart="margin_by_tier"'));
      ok(/<table class="underpriced">/.test(html));
      ok(html.includes("Demo data"));
      ok(html.includes("30-day window ending 2026-11-01 00:00 UTC"));
      for (const name of SEGMENT_NAMES) {
        const segment = await demo.get(
          `/v1/admin/pricing-analytics/report?as_of=2026-11-01&segment=${name}`,
        );
        assertEquals(segment.status, 200, name);
        const expected = segmentFrame((await loadPricingData(demo.calls[0])).frame, { name }).frame;
        ok(
          (await segment.text()).includes(
            `data-stat="organizations" data-value="${expected.height}"`,
          ),
          name,
        );
      }
      assertEquals(demo.calls.length, 1, "every segment is cut from the one cached run");
    } finally {
      await demo.close();
    }
  });
});

Deno.test("report of an empty segment: $0 with the reason, no charts drawn", async () => {
  // The demo run (revenue known) with only organizations paying over $100: the underpriced
  // segment (MRR ≤ $100) holds nobody.
  const server = serve({
    loader: async (options) => {
      const data = await loadPricingData(options);
      return { ...data, frame: data.frame.filter(pl.col("mrr").gt(100)) };
    },
  });
  try {
    const whole = await loadPricingData({ demo: true, asOf: new Date("2026-11-01T00:00:00Z") });
    const paying = whole.frame.filter(pl.col("mrr").gt(100));
    ok(paying.height > 0);
    assertEquals(segmentFrame(paying, { name: "underpriced" }).frame.height, 0);
    const response = await server.get(
      "/v1/admin/pricing-analytics/report?as_of=2026-11-01&segment=underpriced",
    );
    assertEquals(response.status, 200);
    const html = await response.text();
    ok(html.includes('data-stat="organizations" data-value="0"'), html);
    ok(
      html.includes(
        '<div class="stat" data-stat="organizations" data-value="0" role="group" aria-labelledby="stat-organizations-label"><div class="label" id="stat-organizations-label">Organizations</div><div class="value">0</div><div class="note">no organizations in this segment</div></div>',
      ),
      html,
    );
    ok(!html.includes("revenue not fetched"), html);
    ok(!html.includes("<figure"), "no chart over no organization");
    ok(html.includes("No charts: no organizations in this segment."), html);
  } finally {
    await server.close();
  }
});

/** A chart's caption on the report page: its 11-px lines under the title, joined. */
function chartCaption(html: string, name: string): string {
  const figure = html.split(`<figure data-chart="${name}"`)[1]?.split("</figure>")[0] ?? "";
  return [...figure.matchAll(/<text x="12" y="\d+"[^>]*font-size="11"[^>]*>(.*?)<\/text>/g)]
    .map((m) => m[1].replace(/<[^>]+>/g, "")).join(" ");
}

/** A chart's caption of demo data (the served run is the demo's): DEMO_NOTE first. */
const demoCaption = (caption: string) => `${DEMO_NOTE} ${caption}`;

Deno.test("report of a segment splitting a Stripe customer: the charts count the customer whole, as the tables", async () => {
  // cus_s pays $200 on t's row (team); h is its free organization (revenue_source
  // shared_customer, mrr empty). free_high_usage (free, ≥ 50,000 requests) is h alone; its
  // customer's revenue and t's usage are outside the segment.
  //   t  team, cus_s, mrr 200, 1,000 requests, LLM $10 (BYOK), company cost $0
  //   h  free, cus_s (shared), 60,000 requests, LLM $600 (PTB), company cost $600
  //   o  pro, cus_o, mrr 40, 2,000 requests, LLM $4            (another customer: left out)
  // The plan table counts cus_s whole (team: t and h, $200 against $610); so do the charts:
  // by tier free is h ($600 cost, $0 MRR: its customer's is on t's row), team is t ($10, $200);
  // t is the one organization with MRR on its row (MRR vs requests, margin vs MRR, margin by
  // tier), drawn with cus_s's figures: 61,000 requests, (200 − 610) / 200 = −205 %; both have
  // requests and cost.
  const frame = exportFrameFromColumns({
    org_id: ["t", "h", "o"],
    org_name: ["T", "H", "O"],
    tier: ["team", "free", "pro"],
    plan: ["team 2025-12-10", "free", "pro 2025-12-10"],
    stripe_customer_id: ["cus_s", "cus_s", "cus_o"],
    revenue_source: ["stripe", "shared_customer", "stripe"],
    seats: [5, 1, 2],
    requests_30d: [1_000, 60_000, 2_000],
    llm_cost_30d: [10, 600, 4],
    llm_cost_ptb_30d: [0, 600, 0],
    llm_cost_byok_30d: [10, 0, 4],
    company_cost_30d: [0, 600, 0],
    ptb_revenue_30d: [0, null, 0],
    mrr: [200, null, 40],
    mrr_recurring: [200, null, 40],
    list_price_mrr: [200, 0, 40],
    gross_margin_pct: [95, null, 90],
    gross_margin_company_pct: [100, null, 100],
  });
  const server = serve({
    loader: async (options) => ({ ...await loadPricingData(options), frame }),
  });
  try {
    const response = await server.get(
      "/v1/admin/pricing-analytics/report?as_of=2026-11-01&segment=free_high_usage",
    );
    assertEquals(response.status, 200);
    const html = await response.text();
    ok(html.includes('data-stat="organizations" data-value="1"'), html);
    ok(
      html.includes(
        '<tr data-plan="team 2025-12-10"><td class="name" title="team 2025-12-10"><span dir="auto">team 2025-12-10</span></td><td class="num">2</td>',
      ),
      html,
    );
    assertEquals(
      chartCaption(html, "cost_and_mrr_by_tier"),
      demoCaption(
        "Totals per tier; bar height = share of the tier's larger amount, labels in USD. Organizations: free 1, team 1.",
      ),
    );
    ok(html.includes("<title>team: MRR $200</title>"), "team's MRR bar");
    ok(html.includes("<title>free: LLM cost, all (30 days) $600</title>"), "free's cost bar");
    assertEquals(
      chartCaption(html, "mrr_vs_requests"),
      demoCaption(
        "1 organizations with MRR &gt; 0 and requests; 1 Stripe customer shared by several organizations drawn once, at the row carrying its MRR, with all its organizations' requests; 1 with no MRR, unknown MRR or no requests not shown (log scales cannot show 0).",
      ),
    );
    ok(html.includes("MRR $200 · 61,000 requests\nStripe customer of 2 organizations"), html);
    assertEquals(
      chartCaption(html, "margin_vs_mrr"),
      demoCaption(
        "1 organizations with MRR &gt; 0 (1 without MRR on their row not shown: none, unknown, or on a shared Stripe customer's other row); 1 Stripe customer shared by several organizations drawn once, at the row carrying its MRR, with all its organizations' LLM cost.",
      ),
    );
    ok(html.includes("MRR $200 · -205.0 % gross margin, spec basis\nStripe customer of 2"), html);
    assertEquals(
      chartCaption(html, "margin_by_tier"),
      demoCaption(
        "Box: quartiles and median; 1 organizations with MRR &gt; 0; 1 Stripe customer shared by several organizations drawn once, at the row carrying its MRR, with all its organizations' LLM cost. No margin (no MRR): free.",
      ),
    );
    assertEquals(
      chartCaption(html, "requests_vs_llm_cost"),
      demoCaption(
        "2 organizations with requests and cost; 0 with no requests or zero cost not shown (log scales cannot show 0).",
      ),
    );
    assertEquals(
      chartCaption(html, "usage_by_tier"),
      demoCaption(
        "Box: quartiles and median of 2 organizations with requests; none without requests.",
      ),
    );
    // the page says what the charts cover
    ok(
      html.includes(
        '<p class="note" data-charts-cover="2">The charts cover 2 organizations: this segment&#39;s 1 and 1 outside it sharing a Stripe customer with one in it.</p>',
      ),
      html,
    );
  } finally {
    await server.close();
  }
});

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

Deno.test("deno task serve: refuses without a token; --demo binds 127.0.0.1 and serves", async () => {
  const main = new URL("../lib/server/main.ts", import.meta.url).pathname;
  const cwd = await Deno.makeTempDir(); // no .env here
  const bare = {
    NO_COLOR: "1",
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "",
  };
  const config = new URL("../deno.json", import.meta.url).pathname;
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
  const main = new URL("../lib/server/main.ts", import.meta.url).pathname;
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
  const main = new URL("../lib/server/main.ts", import.meta.url).pathname;
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
  const main = new URL("../lib/server/main.ts", import.meta.url).pathname;
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

Deno.test("HEAD answers like GET without a body", async (t) => {
  let csvWrites = 0;
  let xlsxWrites = 0;
  const server = serve({
    hooks: {
      csv: (frame) => {
        csvWrites++;
        return csvChunks(frame);
      },
      xlsx: (frame, out) => {
        xlsxWrites++;
        return writeXlsx(frame, out);
      },
    },
  });
  const compare = async (path: string, init: RequestInit = {}) => {
    const get = await server.get(path, { ...init, redirect: "manual" });
    const getBody = await get.arrayBuffer();
    const head = await server.get(path, { ...init, method: "HEAD", redirect: "manual" });
    assertEquals(head.status, get.status, path);
    // Per-response headers: the date, the page's fresh nonce, how the body travels, and the
    // cache status (the GET before made the run, so the HEAD is a hit). content-length is
    // compared: GET's real length, or none for a streamed download (never a false 0).
    const skip = new Set([
      "date",
      "transfer-encoding",
      "content-security-policy",
      "x-pricing-cache",
    ]);
    const headers = (r: Response) => [...r.headers].filter(([name]) => !skip.has(name));
    assertEquals(headers(head), headers(get), path);
    assertEquals((await head.arrayBuffer()).byteLength, 0, `${path}: HEAD has no body`);
    return { get, getBody };
  };
  try {
    await t.step("page, health, redirect, summary, 404 and 401", async () => {
      for (const path of ["/admin/pricing-analytics", "/healthz", "/", "/nope"]) {
        await compare(path);
      }
      await compare("/v1/admin/pricing-analytics/summary");
      const report = await compare("/v1/admin/pricing-analytics/report");
      assertEquals(report.get.headers.get("content-length"), String(report.getBody.byteLength));
      ok(report.getBody.byteLength > 0);
      const denied = await fetch(server.url + EXPORT, { method: "HEAD" });
      assertEquals(denied.status, 401);
      assertEquals(denied.headers.get("www-authenticate"), 'Bearer realm="pricing-kit"');
      await denied.body?.cancel();
    });
    await t.step(
      "export CSV and XLSX: the download's headers, no file written for HEAD",
      async () => {
        csvWrites = xlsxWrites = 0;
        const csv = await compare(EXPORT);
        assertEquals(csv.get.headers.get("content-type"), "text/csv");
        assertEquals(
          csv.get.headers.get("content-length"),
          null,
          "streamed: no length, GET or HEAD",
        );
        ok(csv.getBody.byteLength > 0);
        const xlsx = await compare(`${EXPORT}?format=xlsx&as_of=2026-11-01`);
        assertEquals(
          xlsx.get.headers.get("content-disposition"),
          'attachment; filename="helicone_pricing_data_2026-11-01_demo.xlsx"',
        );
        // One write per GET; the HEADs wrote nothing.
        assertEquals([csvWrites, xlsxWrites], [1, 1]);
      },
    );
  } finally {
    await server.close();
  }
});

Deno.test("one CSV serialisation per cached run, shared by every download", async (t) => {
  let serialisations = 0;
  const server = serve({
    hooks: {
      csv: (frame) => {
        serialisations++;
        return csvChunks(frame);
      },
    },
  });
  try {
    await t.step("two downloads one after the other → one serialisation, same bytes", async () => {
      const first = await (await server.get(EXPORT)).text();
      const second = await server.get(EXPORT);
      assertEquals(second.headers.get("x-pricing-cache"), "hit");
      assertEquals(await second.text(), first);
      assertEquals(serialisations, 1);
      assertEquals(server.calls.length, 1);
    });
    await t.step("five at once, one cancelled half-way → still one, all whole", async () => {
      const cancelled = await server.get(EXPORT);
      const reader = cancelled.body!.getReader();
      await reader.read();
      await reader.cancel();
      const texts = await Promise.all(
        Array.from({ length: 4 }, async () => await (await server.get(EXPORT)).text()),
      );
      assertEquals(new Set(texts).size, 1);
      assertEquals(parseCsv(texts[0]).length, DEMO_ORGANIZATIONS + 1);
      assertEquals(serialisations, 1);
    });
    await t.step("a segment is its own serialisation, once", async () => {
      for (let i = 0; i < 2; i++) {
        const response = await server.get(`${EXPORT}?segment=${SEGMENT_NAMES[0]}`);
        assertEquals(response.status, 200);
        await response.arrayBuffer();
      }
      assertEquals(serialisations, 2);
    });
    await t.step("a new run (refresh) serialises its own data", async () => {
      await (await server.get(`${EXPORT}?refresh=1`)).arrayBuffer();
      assertEquals([serialisations, server.calls.length], [3, 2]);
    });
  } finally {
    await server.close();
  }
});

Deno.test("XLSX: one render per cached run, shared; renders capped by PRICING_SERVER_MAX_XLSX_RENDERS", async (t) => {
  let active = 0;
  let most = 0;
  let renders = 0;
  const server = serve({
    env: { PRICING_SERVER_MAX_XLSX_RENDERS: "1" },
    hooks: {
      xlsx: async (frame, out) => {
        renders++;
        most = Math.max(most, ++active);
        try {
          await writeXlsx(frame, out);
        } finally {
          active--;
        }
      },
    },
  });
  /** A download read to its end: the workbook's data rows. */
  const rowsOf = async (query: string) => {
    const response = await server.get(`${EXPORT}?format=xlsx${query}`);
    assertEquals(response.status, 200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    return workbook.getWorksheet("pricing_data")!.rowCount - 1;
  };
  try {
    await t.step("three downloads of one run at once → one render, three whole files", async () => {
      const rows = await Promise.all([1, 2, 3].map(() => rowsOf("")));
      assertEquals(rows, [DEMO_ORGANIZATIONS, DEMO_ORGANIZATIONS, DEMO_ORGANIZATIONS]);
      assertEquals(renders, 1);
    });
    await t.step("three segments at once → three renders, never two at a time", async () => {
      const segments = SEGMENT_NAMES.slice(0, 3);
      const rows = await Promise.all(segments.map((name) => rowsOf(`&segment=${name}`)));
      assertEquals(renders, 4);
      assertEquals(most, 1);
      // Each file holds its segment's organizations.
      const data = await loadPricingData(server.calls[0]);
      assertEquals(
        rows,
        segments.map((name) =>
          segmentFrame(data.frame, { name, thresholds: settings().segmentThresholds }).frame.height
        ),
      );
    });
  } finally {
    await server.close();
  }
});

Deno.test("a run whose PTB revenue could not be read (PaymentIntents failed) is reused for a minute at most", async () => {
  const databases = await freshFixtureDatabases("server_ptb_down");
  const outDir = await Deno.makeTempDir({ prefix: "pricing-kit-ptb-down-" });
  const stripe = startFakeStripe(
    {
      subscriptions: [activeSubscription("cus_alpha", monthlyPrice("pro-20251210", 7900))],
      products: [
        { id: "prod_pro-20251210", name: "pro-20251210", metadata: {} },
        { id: "prod_token_usage", name: "Token usage credits", metadata: {} },
      ],
      invoices: [],
    },
    "sk_test_fake_123",
  );
  const server = serve({
    args: [],
    outDir,
    env: {
      ...databases.env,
      STRIPE_SECRET_KEY: "sk_test_fake_123",
      STRIPE_API_HOST: "127.0.0.1",
      STRIPE_API_PORT: String(stripe.port),
      STRIPE_API_PROTOCOL: "http",
      PRICING_STRIPE_MAX_RETRIES: "0",
      PRICING_STRIPE_PTB_PRODUCT: "prod_token_usage",
    },
  });
  const cacheOf = async () => {
    const response = await server.get(`${SUMMARY}?as_of=2026-11-01`);
    assertEquals(response.status, 200);
    await response.body?.cancel();
    return [response.headers.get("x-pricing-cache"), server.calls.length];
  };
  try {
    stripe.failPath("/v1/payment_intents", 500, 1);
    assertEquals(await cacheOf(), ["miss", 1]);
    server.clock.now += 59_999;
    assertEquals(await cacheOf(), ["hit", 1]);
    server.clock.now += 1; // a minute after it finished: read again (PaymentIntents answer now)
    assertEquals(await cacheOf(), ["miss", 2]);
    server.clock.now += 3_599_999; // that run read them: kept for the hour
    assertEquals(await cacheOf(), ["hit", 2]);
  } finally {
    await server.close();
    await stripe.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

/**
 * The npm packages (`markdown-it@15.0.3`) and local modules `deno info` finds in `entry`'s module
 * graph: the packages its modules import (its npmPackages lists the whole lock's).
 */
async function moduleGraph(entry: string): Promise<{ packages: string[]; files: string[] }> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: new URL("../", import.meta.url).pathname,
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
