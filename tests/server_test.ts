/**
 * lib/server over real HTTP (Deno.serve on a free loopback port, fetch as the client): routing,
 * authentication, the CSV and XLSX exports and HEAD. Parameters and failures are in
 * server_errors_test.ts, streaming in server_downloads_test.ts, shared runs and the cache in
 * server_runs_test.ts, reports in server_report_test.ts, settings in server_settings_test.ts and
 * `deno task serve` in server_cli_test.ts (the server itself: tests/server_fixture.ts).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { DEMO_ORGANIZATIONS } from "../lib/sources/demo.ts";
import { loadPricingData } from "../lib/export.ts";
import { csvChunks } from "../lib/formats/csv.ts";
import { writeXlsx } from "../lib/formats/xlsx.ts";
import { tokenMasker } from "../lib/server/auth.ts";
import { EXPORT, jsonBody, serve, TOKEN } from "./server_fixture.ts";

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
        return writeXlsx(frame, out, { documentDate: new Date("2026-11-01T00:00:00Z") });
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
