/**
 * lib/server's refusals and failures over real HTTP: strict 400s for bad parameters and 502/503
 * JSON when a run fails, never a 200 with a short file.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import pl from "nodejs-polars";
import { PassThrough, type Writable } from "node:stream";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { loadPricingData } from "../lib/export.ts";
import { SEGMENT_NAMES, segmentFrame } from "../lib/report/segments.ts";
import { csvChunks } from "../lib/formats/csv.ts";
import { writeXlsx } from "../lib/formats/xlsx.ts";
import {
  EXPORT,
  gate,
  jsonBody,
  largeDemoLoader,
  serve,
  TOKEN,
  waitFor,
} from "./server_fixture.ts";

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
            const done = writeXlsx(frame, inner, {
              documentDate: new Date("2026-11-01T00:00:00Z"),
            });
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
