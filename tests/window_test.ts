/**
 * The one window rule (lib/core/window.ts): strict as-of and days for the command lines, the
 * server, compare and notebooks; and the same instant, to the millisecond, on PostgreSQL, ClickHouse
 * 18.16 (DateTime, no DateTime64) and modern ClickHouse (chdb, DateTime64(3)) — issue 10, item 13.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { parseCli } from "../lib/cli/export.ts";
import { clickHouseSettings } from "../lib/core/config.ts";
import { exportOptions } from "../lib/core/export_options.ts";
import { parseAsOf, parseWindowDays, windowInWords, windowOf } from "../lib/core/window.ts";
import { exportWindow } from "../lib/export.ts";
import { exportFileName, exportNameInfo, exportStamp } from "../lib/formats/export_names.ts";
import { parseScenarioArgs as parseScenarioCli } from "../lib/cli/scenario.ts";
import { ParamError, parseAsOfParam } from "../lib/server/params.ts";
import { openClickHouse } from "../lib/sources/clickhouse.ts";
import { bindClickHouse, bindPostgres, loadSql } from "../lib/sources/sql.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { runOnModernClickHouse } from "./servers.ts";

const NOW = Date.parse("2026-11-02T00:00:00Z");

Deno.test("as-of: dates and zoned timestamps; impossible, zoneless and future ones refused", () => {
  assertEquals(parseAsOf("2026-11-01", { now: NOW }).toISOString(), "2026-11-01T00:00:00.000Z");
  assertEquals(
    parseAsOf("2026-11-01T12:00:00.250+02:00", { now: NOW }).toISOString(),
    "2026-11-01T10:00:00.250Z",
  );
  // each names what is wrong with it, and the near misses an analyst types their fix
  const refused: [string, string][] = [
    ["2026-02-30", " (2026-02 has 28 days)"],
    ["2026-02-29", " (2026-02 has 28 days)"],
    ["2028-02-30", " (2028-02 has 29 days)"],
    ["2026-13-01", " (months run 01 to 12)"],
    ["2026-11-01T25:00:00Z", " (hours run 00 to 23, minutes and seconds 00 to 59)"],
    ["2026-11-01T12:00:00+24:00", " (the zone is no real offset)"],
    [
      "2026-11-01 12:30",
      " (a time without a zone is no one instant: add Z for UTC, 2026-11-01T12:30Z, or its offset, 2026-11-01T12:30+02:00)",
    ],
    // New York's clocks skip 02:00–03:00 that day: a local time alone may name no instant at all
    [
      "2026-03-08T02:30",
      " (a time without a zone is no one instant: add Z for UTC, 2026-03-08T02:30Z, or its offset, 2026-03-08T02:30+02:00)",
    ],
    [
      "2026-03-08T02:30:00.123456789",
      " (a time without a zone is no one instant: add Z for UTC, or its offset, +02:00)",
    ],
    [
      "2026-03-08+05:00",
      " (a date takes no offset, it is midnight UTC; midnight at that offset is 2026-03-08T00:00+05:00)",
    ],
    ["2026-03-08Z", " (a date alone is midnight UTC already: leave out the Z)"],
    ["2026-03", " (a month alone is no instant: 2026-03-01 is its start, 2026-04-01 its end)"],
    ["2025-12", " (a month alone is no instant: 2025-12-01 is its start, 2026-01-01 its end)"],
    ["2026-13", ""],
    ["yesterday", ""],
  ];
  for (const [bad, why] of refused) {
    throws(
      () => parseAsOf(bad, { now: NOW }),
      (e: Error) =>
        e.message ===
          `--as-of must be a date like 2026-11-01 or a timestamp with a zone like 2026-11-01T12:00:00Z, got "${bad}"${why}`,
    );
  }
  // an offset makes a local time one instant, a DST day's too: 02:30 EST is 07:30 UTC
  assertEquals(
    parseAsOf("2026-03-08T02:30-05:00", { now: NOW }).toISOString(),
    "2026-03-08T07:30:00.000Z",
  );
  // 10:00 in Kiritimati (UTC+14) on the 1st is the day before in UTC, which names the files
  assertEquals(
    parseAsOf("2026-11-01T10:00:00+14:00", { now: NOW }).toISOString(),
    "2026-10-31T20:00:00.000Z",
  );
  // a long value is echoed cut (its first 40 characters and its length)
  throws(
    () => parseAsOf("2".repeat(5000), { now: NOW }),
    new RegExp(`got "${"2".repeat(40)}"… \\(5,000 characters\\)$`),
  );
  throws(
    () => parseAsOf("2026-11-03", { now: NOW }),
    /^UserError: --as-of 2026-11-03 is in the future \(it is 2026-11-02 00:00 UTC now\); leave it out to export up to now$/,
  );
  throws(() => parseAsOf("2026-11-02T00:00:00.001Z", { now: NOW }), /in the future/);
  // 23:30 UTC: in Kiritimati (UTC+14) it is 13:30 the next day, whose date is still ahead in UTC
  throws(
    () => parseAsOf("2026-11-03", { now: Date.parse("2026-11-02T23:30:00Z") }),
    /^UserError: --as-of 2026-11-03 is in the future \(it is 2026-11-02 23:30 UTC now\); leave/,
  );
  assertEquals(parseAsOf("2026-11-02T00:00:00Z", { now: NOW }).getTime(), NOW); // now itself is fine
});

Deno.test("a notebook's asOf that is no real day: one line naming asOf and the form YYYY-MM-DD, in no JavaScript words", () => {
  const cases: [unknown, string][] = [
    // a Date that is no date (new Date of text it cannot read): the Date cannot say its text
    [
      new Date("2026-13-01"),
      'asOf (--as-of) is no real date: new Date(…) was given no day it can read (such as "2026-13-01"); write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now',
    ],
    [
      new Date(NaN),
      'asOf (--as-of) is no real date: new Date(…) was given no day it can read (such as "2026-13-01"); write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now',
    ],
    // text that is no real day: why, and the form (never new Date("2026-13-01") to write)
    [
      "2026-13-01",
      'asOf (--as-of) must be a Date, got "2026-13-01" (text, and no real day: months run 01 to 12): write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now',
    ],
    [
      "2026-02-30",
      'asOf (--as-of) must be a Date, got "2026-02-30" (text, and no real day: 2026-02 has 28 days): write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now',
    ],
    [
      "2026-11-01 12:30",
      'asOf (--as-of) must be a Date, got "2026-11-01 12:30" (text, and a time without a zone): write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now',
    ],
  ];
  for (const [asOf, message] of cases) {
    throws(
      () => exportOptions({ asOf: asOf as Date }),
      (error: Error) => {
        assertEquals([error.name, error.message], ["UserError", message], String(asOf));
        // none of JavaScript's words for it, on one line
        ok(!/Invalid Date|RangeError|toISOString|Invalid time value|\n/.test(error.message));
        return true;
      },
    );
  }
});

Deno.test("as-of: a year before 1970 is refused saying so (years 0–99 were read as 19xx)", () => {
  for (const early of ["0001-01-01", "0099-12-31", "1969-12-31", "1969-12-31T23:59:59Z"]) {
    throws(
      () => parseAsOf(early, { now: NOW }),
      new RegExp(
        `^UserError: --as-of ${early} is before 1970-01-01, the earliest the kit takes \\(ClickHouse's DateTime starts there\\)$`,
      ),
    );
  }
  // a date that is no date stays that: 0001-02-29 (year 1 is no leap year), 0000-13-01
  throws(() => parseAsOf("0001-02-29", { now: NOW }), /--as-of must be a date like 2026-11-01/);
  // the window may not start before it either (its bounds go to ClickHouse as DateTime)
  assertEquals(
    windowOf(new Date("1970-01-31T00:00:00Z"), { days: 30, now: NOW }).start.toISOString(),
    "1970-01-01T00:00:00.000Z",
  );
  throws(
    () => windowOf(new Date("1970-01-30T00:00:00Z"), { days: 30, now: NOW }),
    /^UserError: the 30-day window before asOf \(--as-of\) 1970-01-30T00:00:00\.000Z starts before 1970-01-01, the earliest the kit reads \(ClickHouse's DateTime starts there\); use a later asOf \(--as-of\) or a smaller windowDays \(--days\)$/,
  );
  throws(() => parseCli(["--as-of", "0001-01-01"]), /--as-of 0001-01-01 is before 1970-01-01/);
  throws(
    () => parseAsOfParam("0050-06-01", NOW),
    (e: Error) =>
      e instanceof ParamError && /^as_of 0050-06-01 is before 1970-01-01/.test(e.message),
  );
});

Deno.test("days: 1 to 3660 written plainly; every entry point applies the same rule", () => {
  assertEquals(parseWindowDays("30"), 30);
  assertEquals(parseWindowDays("3660"), 3660);
  for (const bad of ["0", "3661", "030", "7.5", "-1", "", "abc"]) {
    throws(() => parseWindowDays(bad), /^UserError: --days must be a whole number from 1 to 3660/);
  }
  throws(
    () => parseWindowDays("9".repeat(5000)),
    new RegExp(`^UserError: --days must .*, got "${"9".repeat(40)}"… \\(5,000 characters\\)$`),
  );
  throws(
    () => windowOf(new Date(NOW), { days: 0 }),
    /^UserError: windowDays \(--days\) must be a whole number from 1 to 3660, got 0$/,
  );
  throws(
    () => windowOf(new Date("nope"), { days: 30 }),
    /^UserError: asOf \(--as-of\) is no real date: new Date\(…\) was given no day it can read .*; write new Date\("YYYY-MM-DD"\) with a real day, e.g. new Date\("2026-11-01"\), or new Date\(\) for now$/,
  );
  // The export CLI (it used to turn 2026-02-30 into 2026-03-02 and take future dates) …
  throws(() => parseCli(["--as-of", "2026-02-30"]), /--as-of must be a date like 2026-11-01/);
  throws(() => parseCli(["--as-of", "2999-01-01"]), /--as-of 2999-01-01 is in the future/);
  throws(() => parseCli(["--days", "030"]), /--days must be a whole number from 1 to 3660/);
  // … the scenario CLI …
  throws(
    () => parseScenarioCli(["s.json", "--as-of", "2026-02-30"]),
    /--as-of must be a date like 2026-11-01/,
  );
  throws(() => parseScenarioCli(["s.json", "--days", "0"]), /--days must be a whole number/);
  // … the server (a 400 naming its parameter) …
  throws(
    () => parseAsOfParam("2026-02-30", NOW),
    (e: Error) =>
      e instanceof ParamError && /^as_of must be a date like 2026-11-01/.test(e.message),
  );
  // … compare (the date in a file name) and notebooks (exportWindow).
  assertEquals(exportNameInfo("helicone_pricing_data_2026-02-30.csv"), null);
  assertEquals(exportNameInfo("helicone_pricing_data_2026-02-28.csv")?.stamp, "2026-02-28");
  throws(
    () => exportWindow(new Date(NOW), 3661),
    /windowDays \(--days\) must be a whole number from 1 to 3660/,
  );
  const tomorrow = new Date(Date.now() + 86_400_000);
  throws(
    () => exportWindow(tomorrow, 30),
    /^UserError: asOf \(--as-of\) .* is in the future; leave it out \(a notebook: new Date\(\)\)/,
  );
});

// The as-of has milliseconds; the window is one day: [2026-10-31T12:00:00.500Z, 2026-11-01T12:00:00.500Z).
const asOf = new Date("2026-11-01T12:00:00.500Z");
const window = windowOf(asOf, { days: 1 });
const params = {
  window_start: window.start,
  window_end: window.end,
  as_of: window.end,
  request_table: "request_response_rmt",
  ptb_table: "organization_ptb_spend",
};
const EDGE_ORG = "eeeeeeee-0000-4000-8000-000000000001";

Deno.test("PostgreSQL and ClickHouse are bound the same instant, milliseconds included", () => {
  const sql = (text: string) => ({ file: "x.sql", text, sha256: "" });
  const pg = bindPostgres(sql("{as_of:DateTime} {as_of:Float64}"), params);
  assertEquals(pg.text, "$1::timestamptz $2::float8");
  assertEquals(pg.values, [asOf, 1793534400.5]);
  assertEquals(
    bindClickHouse(sql("{as_of:DateTime} {as_of:Float64}"), params),
    "toDateTime('2026-11-01 12:00:00', 'UTC') 1793534400.500",
  );
});

Deno.test("ClickHouse 18.16 (DateTime): a request 0.5 s before the as-of is in, 0.5 s after is out", async () => {
  const databases = await freshFixtureDatabases("window", {
    postgres: ["postgres_schema.sql"],
    clickhouse: ["clickhouse_schema.sql", "clickhouse_window_edges.sql"],
  });
  const source = openClickHouse(clickHouseSettings(databases.env)!);
  try {
    const rows = await source.query(await loadSql("clickhouse", "usage_30d"), params);
    const row = rows.find((r) => r.org_id === EDGE_ORG)!;
    // as-of − 0.5 s (1) and start + 0.5 s (8) are in; as-of + 0.5 s and start − 0.5 s are out.
    assertEquals([String(row.requests_30d), row.llm_cost_nano], ["2", "9000000000"]);
  } finally {
    await source.close();
    await databases.drop();
  }
});

Deno.test("modern ClickHouse (chdb, DateTime64(3)): the window is exact to the millisecond", async () => {
  const run = await runOnModernClickHouse({
    schema: ["tests/fixtures/clickhouse_schema_modern.sql"],
    data: [
      "tests/fixtures/clickhouse_window_edges.sql",
      "tests/fixtures/clickhouse_window_edges_modern.sql",
    ],
    queries: ["queries/clickhouse/usage_30d.sql"],
    params: {
      window_start: window.start.toISOString(),
      window_end: window.end.toISOString(),
      request_table: "request_response_rmt",
    },
  });
  const rows = (run.results as Record<string, Record<string, unknown>[]>)[
    "queries/clickhouse/usage_30d.sql"
  ];
  const row = rows.find((r) => r.org_id === EDGE_ORG)!;
  // The 18.16 rows (1 + 8), as-of − 1 ms (16) and the start itself (64); not the as-of itself
  // (32), start − 1 ms (128), nor the whole-second rows outside.
  assertEquals([String(row.requests_30d), String(row.llm_cost_nano)], ["4", "89000000000"]);
});

Deno.test("a window other than 30 days is in the export's file names, and read back from them", () => {
  const asOf = new Date("2026-12-02T00:00:00Z");
  assertEquals(exportStamp({ asOf, demo: false }), "2026-12-02");
  assertEquals(exportStamp({ asOf, demo: false, windowDays: 30 }), "2026-12-02");
  assertEquals(exportStamp({ asOf, demo: false, windowDays: 7 }), "2026-12-02_7d");
  assertEquals(exportStamp({ asOf, demo: true, windowDays: 400 }), "2026-12-02_demo_400d");
  assertEquals(
    exportFileName({ asOf, demo: true, windowDays: 7, ext: "csv", suffix: "trimmed" }),
    "helicone_pricing_data_2026-12-02_demo_7d_trimmed.csv",
  );
  const info = (name: string) => {
    const read = exportNameInfo(name);
    return read && { days: read.windowDays, demo: read.demo, stamp: read.stamp };
  };
  assertEquals(info("helicone_pricing_data_2026-12-02.csv"), {
    days: 30,
    demo: false,
    stamp: "2026-12-02",
  });
  assertEquals(info("helicone_pricing_data_2026-12-02_7d.csv"), {
    days: 7,
    demo: false,
    stamp: "2026-12-02_7d",
  });
  assertEquals(info("helicone_pricing_data_2026-12-02_demo_7d_ptb_customers.csv"), {
    days: 7,
    demo: true,
    stamp: "2026-12-02_demo_7d",
  });
  assertEquals(info("helicone_pricing_data_2026-12-02_demo_gateway_only.xlsx"), {
    days: 30,
    demo: true,
    stamp: "2026-12-02_demo",
  });
});

Deno.test("the window in words: whole days first to last at midnight, else its instants", () => {
  // [2026-11-05, 2026-12-05): the last whole day is Dec 4
  assertEquals(
    windowInWords(new Date("2026-12-05T00:00:00Z"), 30),
    "30 days, 2026-11-05 to 2026-12-04 (as of 2026-12-05 00:00 UTC)",
  );
  assertEquals(
    windowInWords(new Date("2026-12-05T00:00:00Z"), 1),
    "1 day, 2026-12-04 to 2026-12-04 (as of 2026-12-05 00:00 UTC)",
  );
  // an as-of within a day cuts the first and last days: the instants, as the brief's [start, end)
  assertEquals(
    windowInWords(new Date("2026-12-05T08:28:37.018Z"), 7),
    "7 days, from 2026-11-28 08:28:37 UTC up to 2026-12-05 08:28:37 UTC (the as-of, not included)",
  );
});
