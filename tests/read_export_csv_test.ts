/**
 * Export CSVs read back column-wise (lib/formats/read_export_csv.ts): the shape check that sends a
 * file to Polars, the columnar read equal to the row reader's on the kit's own file with awkward
 * text, and every unusual file or value left to the row reader, whose messages stay as they were.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { EARLIER_HEADERS } from "../lib/frame/earlier_columns.ts";
import { TIER_FAMILIES } from "../lib/frame/tiers.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import {
  columnarFromBytes,
  columnarFromFile,
  CsvShapeCheck,
  exportFrameFromCsvFile,
  exportFrameFromCsvRows,
  utf8Text,
} from "../lib/formats/read_export_csv.ts";
import { exportFrameFromColumns, exportFrameFromCsvText } from "../lib/formats/read_export.ts";
import { abortingAtCheck } from "./aborting_signal.ts";
import { F6D6C0C_CSV, F6D6C0C_LACKS } from "./fixtures/earlier_export.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** The check's verdict and record count, fed all at once and a byte at a time (same answer). */
function shape(text: string, width: number): { ok: boolean; records: number } {
  const whole = new CsvShapeCheck(width);
  whole.push(bytes(text));
  const verdict = { ok: whole.finish(), records: whole.records };
  const byByte = new CsvShapeCheck(width);
  for (const byte of bytes(text)) byByte.push(Uint8Array.of(byte));
  assertEquals({ ok: byByte.finish(), records: byByte.records }, verdict, JSON.stringify(text));
  return verdict;
}

Deno.test("a projection reads the columns asked for, org_id first, as the whole read has them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(awkward, path);
    const whole = await exportFrameFromCsvFile(path);
    const asked = ["mrr", "is_ptb", "tier", "created_at", "org_name"];
    const projected = await exportFrameFromCsvFile(path, { columns: asked });
    // the column table's order, org_id added
    const names = COLUMN_NAMES.filter((n) => n === "org_id" || asked.includes(n));
    assertEquals(projected.columns, names);
    assertEquals(projected.schema, whole.select(...names).schema);
    assertEquals(projected.toRecords(), whole.select(...names).toRecords());
    // a file the row reader reads (a timestamp not in the writer's form): projected the same way
    const row = (values: Record<string, string>) =>
      COLUMN_NAMES.map((name) => values[name] ?? "").join(",");
    const text = [
      COLUMN_NAMES.join(","),
      row({ org_id: "o1", tier: "pro", mrr: "5", created_at: "2026-01-02T03:04:05+00:00" }),
      row({ org_id: "o2", org_name: "Bee", is_ptb: "true" }),
    ].join("\r\n");
    const odd = join(dir, "odd.csv");
    await Deno.writeTextFile(odd, text);
    assertEquals(await columnarFromFile(odd, { source: odd }), null, "the row reader's file");
    const oddProjected = await exportFrameFromCsvFile(odd, { columns: asked });
    assertEquals(oddProjected.columns, names);
    assertEquals(
      oddProjected.toRecords(),
      exportFrameFromCsvRows(text, { source: odd }).select(...names).toRecords(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("shape check: quoted fields, CRLF or LF, a BOM, no last line end are well-formed", () => {
  assertEquals(shape("a,b\r\n1,2\r\n", 2), { ok: true, records: 2 });
  assertEquals(shape("a,b\n1,2", 2), { ok: true, records: 2 });
  assertEquals(shape('\uFEFFa,b\n"x, ""y""",\n', 2), { ok: true, records: 2 });
  assertEquals(shape('a,b\n"line\nbreak","cr\r\nlf"\n', 2), { ok: true, records: 2 });
  assertEquals(shape('a,b\n"",""', 2), { ok: true, records: 2 }); // closing quote at the end
  assertEquals(shape("", 2), { ok: true, records: 0 });
});

Deno.test("shape check: what Polars and the row reader could read differently is unusual", () => {
  for (
    const text of [
      'a,b\nx"y,1\n', // a quote inside an unquoted field
      'a,b\n"x"y,1\n', // text after a closing quote
      "a,b\r1,2\r", // a bare CR
      "a,b\n1,2,3\n", // a row too wide
      "a,b\n1\n", // a row too narrow
      "a,b\n\n1,2\n", // an empty line
      'a,b\n"open,1\n', // a quote never closed
    ]
  ) assertEquals(shape(text, 2).ok, false, JSON.stringify(text));
});

/** Awkward but valid values of every column type, as the kit's writer writes them. */
const awkward = exportFrameFromColumns({
  org_id: ["a", "b", "c", "d", "e"],
  org_name: ['=HYPERLINK("x")', "Corp, Inc.", "line\nbreak\r\ncrlf", 'say "hi"', "日本 ünï"],
  tier: ["pro", "", null, "team", "free"],
  // the formula guard's edges: a ' before = + - @ is the entered text's own, before others too
  tier_raw: ["-legacy-2024", "'=x", "'plain'", null, "''@y"],
  created_at: [Date.UTC(2025, 0, 2, 3, 4, 5), null, Date.UTC(2024, 5, 1, 0, 0, 0, 250), 0, null],
  seats: [3, null, 0, 9_007_199_254_740_991, 1],
  llm_cost_30d: [0.25, -3.5, null, 1e21, 123_456_789.125],
  mrr: [50, 0, null, 2.5e-7, 0.1],
  is_ptb: [true, false, null, true, null],
});

Deno.test("columnarFromFile checks its signal between its pieces and steps, and stops at the check after it aborts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(awkward, path);
    const reason = new Error("interrupted (SIGINT)");
    // one piece (a small file), then after Polars' read, the census and the typing: four checks
    const unstopped = abortingAtCheck(Infinity, reason);
    const read = await columnarFromFile(path, { source: path, signal: unstopped.signal });
    assertEquals(unstopped.checks(), 4);
    assertEquals(read?.toRecords(), (await columnarFromFile(path, { source: path }))?.toRecords());
    for (let at = 1; at <= 4; at++) {
      const stop = abortingAtCheck(at, reason);
      await rejects(columnarFromFile(path, { source: path, signal: stop.signal }), (error) => {
        assertEquals(error, reason, `stopped at check ${at}`);
        return true;
      });
      assertEquals(stop.checks(), at, "no step after the stop");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the kit's CSV is read column-wise, equal to the row reader and to the frame written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(awkward, path);
    const columnar = await columnarFromFile(path, { source: path });
    ok(columnar !== null, "the kit's own file is well-formed");
    const rows = exportFrameFromCsvRows(await Deno.readTextFile(path), { source: path });
    assertEquals(columnar.schema, rows.schema);
    assertEquals(columnar.columns, [...COLUMN_NAMES]);
    assertEquals(columnar.toRecords(), rows.toRecords());
    // the values written (the writer's formula guard taken off again), "" read as empty
    const column = (name: string) => columnar.getColumn(name).toArray();
    const csv = await Deno.readTextFile(path);
    ok(csv.includes(`,"'=HYPERLINK(""x"")",`) && csv.includes(",'-legacy-2024,"), "guarded");
    ok(csv.includes(",''=x,") && csv.includes(",'plain',") && csv.includes(",'''@y,"));
    assertEquals(column("tier_raw"), ["-legacy-2024", "'=x", "'plain'", null, "''@y"]);
    assertEquals(column("org_name"), [
      '=HYPERLINK("x")',
      "Corp, Inc.",
      "line\nbreak\r\ncrlf",
      'say "hi"',
      "日本 ünï",
    ]);
    assertEquals(column("tier"), ["pro", null, null, "team", "free"]);
    assertEquals(column("seats"), awkward.getColumn("seats").toArray());
    assertEquals(column("llm_cost_30d"), awkward.getColumn("llm_cost_30d").toArray());
    assertEquals(column("mrr"), awkward.getColumn("mrr").toArray());
    assertEquals(column("is_ptb"), [true, false, null, true, null]);
    assertEquals(column("created_at"), awkward.getColumn("created_at").toArray());
    // the same bytes as text (the questions' path), and behind a BOM
    const text = await Deno.readTextFile(path);
    assertEquals(columnarFromBytes(bytes(text), { source: "x" })!.toRecords(), rows.toRecords());
    assertEquals(
      columnarFromBytes(bytes("\uFEFF" + text), { source: "x" })!.toRecords(),
      rows.toRecords(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a value its column does not take goes to the row reader, which names row and column", () => {
  const header = COLUMN_NAMES.join(",");
  const row = (values: Record<string, string>) =>
    COLUMN_NAMES.map((name) => values[name] ?? "").join(",");
  const fine = row({ org_id: "o1", mrr: "5" });
  const cases: [Record<string, string>, string][] = [
    [{ org_id: "o2", mrr: "abc" }, 'x.csv row 3, column mrr: "abc" is not a number'],
    [
      { org_id: "o2", mrr: "inf" },
      'x.csv row 3, column mrr: "inf" is not a number: enter the figure, or empty the cell if it is unknown',
    ],
    [{ org_id: "o2", seats: "2.5" }, 'x.csv row 3, column seats: "2.5" is not a whole number'],
    // (read as unknown before: its Int64 cast overflowed)
    [
      { org_id: "o2", seats: "99999999999999999999999" },
      'x.csv row 3, column seats: "99999999999999999999999" is too large a whole number (at most 9,007,199,254,740,991 in magnitude)',
    ],
    // (read as a figure before: a negative seat count summed into the totals)
    [
      { org_id: "o2", seats: "-5" },
      'x.csv row 3, column seats: "-5" is a negative count (counts are 0 or more)',
    ],
    [{ org_id: "o2", is_ptb: "yes" }, 'x.csv row 3, column is_ptb: "yes" is not true or false'],
    [
      { org_id: "o2", created_at: "2026-13-45" },
      'x.csv row 3, column created_at: "2026-13-45" is not a real date and time (months run 01 to 12): correct it; the kit writes 2026-11-01T12:00:00Z (UTC)',
    ],
    // (read as 2026-03-02 before: new Date rolls the day over)
    [
      { org_id: "o2", created_at: "2026-02-30T00:00:00Z" },
      'x.csv row 3, column created_at: "2026-02-30T00:00:00Z" is not a real date and time (2026-02 has 28 days): correct it; the kit writes 2026-11-01T12:00:00Z (UTC)',
    ],
    [
      { org_id: "o2", created_at: "2026-10-01T24:00:00Z" },
      'x.csv row 3, column created_at: "2026-10-01T24:00:00Z" is not a real date and time (hours run 00 to 23, minutes and seconds 00 to 59): correct it; the kit writes 2026-11-01T12:00:00Z (UTC)',
    ],
    // (read in the computer's own time zone before: hours off from one machine to the next)
    [
      { org_id: "o2", created_at: "2026-10-01T00:00:00" },
      'x.csv row 3, column created_at: "2026-10-01T00:00:00" has no time zone: add Z for UTC ("2026-10-01T00:00:00Z", as the kit writes it) or its offset (+02:00)',
    ],
    [
      { org_id: "o2", created_at: "2026-10-01 08:30" },
      'x.csv row 3, column created_at: "2026-10-01 08:30" has no time zone: add Z for UTC ("2026-10-01T08:30Z", as the kit writes it) or its offset (+02:00)',
    ],
    // a long value is cut as the server cuts one (a 400-digit number was quoted whole)
    [
      { org_id: "o2", mrr: "9".repeat(400) },
      `x.csv row 3, column mrr: "${
        "9".repeat(40)
      }"… (400 characters) is too large a number (at most 1.8e308 in magnitude): enter the figure, or empty the cell if it is unknown`,
    ],
    [
      { org_id: "o2", seats: "9".repeat(400) },
      `x.csv row 3, column seats: "${
        "9".repeat(40)
      }"… (400 characters) is too large a whole number (at most 9,007,199,254,740,991 in magnitude)`,
    ],
    [
      { org_id: "o2", tier: "x".repeat(400) },
      `x.csv row 3, column tier: "${
        "x".repeat(40)
      }"… (400 characters) is not a tier the kit writes: use one of free, pro, team, growth, enterprise, other`,
    ],
    // (accepted before: a free organization edited to platinum fell through to a catch-all plan)
    [
      { org_id: "o2", tier: "platinum" },
      'x.csv row 3, column tier: "platinum" is not a tier the kit writes: use one of free, pro, team, growth, enterprise, other',
    ],
    [
      { org_id: "o2", tier: "Pro" },
      'x.csv row 3, column tier: "Pro" is not a tier the kit writes: use one of free, pro, team, growth, enterprise, other',
    ],
    [
      { org_id: "o2", tier: "=1+1" },
      'x.csv row 3, column tier: "=1+1" is not a tier the kit writes: use one of free, pro, team, growth, enterprise, other',
    ],
    [
      { org_id: "o2", tier: '"| x | y |\n# H <script>"' },
      'x.csv row 3, column tier: "| x | y |\\n# H <script>" is not a tier the kit writes: use one of free, pro, team, growth, enterprise, other',
    ],
    [
      { org_id: "o2", created_at: "2026-10-01Tnoon" },
      'x.csv row 3, column created_at: "2026-10-01Tnoon" is not an ISO timestamp: the kit writes 2026-11-01T12:00:00Z (UTC)',
    ],
  ];
  for (const [values, message] of cases) {
    const text = `${header}\r\n${fine}\r\n${row(values)}\r\n`;
    assertEquals(columnarFromBytes(bytes(text), { source: "x.csv" }), null, message);
    let thrown = "accepted";
    try {
      exportFrameFromCsvText(text, { source: "x.csv" });
    } catch (error) {
      thrown = (error as Error).message;
    }
    assertEquals(thrown, message);
  }
  // what JS reads and Polars would not is read as before: " 7" is 7; a timestamp with a zone
  // other than the writer's Z, or a date alone (midnight UTC, as --as-of reads it), is that instant
  const lenient = `${header}\r\n${
    [
      row({ org_id: "o1", mrr: " 7", created_at: "2026-03-02T02:00:00+02:00" }),
      row({ org_id: "o2", created_at: "2026-03-02" }),
      row({ org_id: "o3", created_at: "2026-03-02T00:00:00.250+00:00" }),
    ].join("\r\n")
  }\r\n`;
  assertEquals(columnarFromBytes(bytes(lenient), { source: "x.csv" }), null);
  const read = exportFrameFromCsvText(lenient, { source: "x.csv" });
  assertEquals(read.getColumn("mrr").toArray(), [7, null, null]);
  assertEquals(read.getColumn("created_at").toArray(), [
    new Date(Date.UTC(2026, 2, 2)),
    new Date(Date.UTC(2026, 2, 2)),
    new Date(Date.UTC(2026, 2, 2, 0, 0, 0, 250)),
  ]);
});

Deno.test("every tier the kit writes (a family, other for an unknown one) or an empty one reads, column-wise and by the row reader", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tiers = [...TIER_FAMILIES, "other", null];
    const path = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(
      exportFrameFromColumns({ org_id: tiers.map((_, i) => `o${i}`), tier: tiers }),
      path,
    );
    const columnar = await columnarFromFile(path, { source: path });
    ok(columnar !== null, "read column-wise");
    const rows = exportFrameFromCsvRows(await Deno.readTextFile(path), { source: path });
    assertEquals(columnar.getColumn("tier").toArray(), tiers);
    assertEquals(rows.getColumn("tier").toArray(), tiers);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("booleans as spreadsheets save them (TRUE, FALSE, any case) read as true and false, column-wise and by the row reader", () => {
  const header = COLUMN_NAMES.join(",");
  const row = (values: Record<string, string>) =>
    COLUMN_NAMES.map((name) => values[name] ?? "").join(",");
  const text = [
    header,
    row({ org_id: "o1", is_ptb: "TRUE", is_byok: "FALSE", cancel_at_period_end: "True" }),
    row({ org_id: "o2", is_ptb: "false", is_byok: "true", cancel_at_period_end: "" }),
  ].join("\r\n");
  const expected = [[true, false, true], [false, true, null]];
  const pick = (frame: ReturnType<typeof exportFrameFromCsvRows>) =>
    frame.select("is_ptb", "is_byok", "cancel_at_period_end").rows();
  const columnar = columnarFromBytes(bytes(text), { source: "x.csv" });
  ok(columnar !== null, "read column-wise");
  assertEquals(pick(columnar), expected);
  assertEquals(pick(exportFrameFromCsvRows(text, { source: "x.csv" })), expected);
});

Deno.test("an earlier kit version's export (f6d6c0c's header): read column-wise and by the row reader alike, the columns added since empty, only where the caller takes it", () => {
  const earlier = EARLIER_HEADERS.at(-1)!;
  assertEquals(earlier.lacks, F6D6C0C_LACKS);
  // the newest earlier version: the one before usage discounts; the one before it, before
  // unbilled metered usage; then before pass-through requests with no cost recorded were
  // counted; then before any requests with no cost recorded were
  assertEquals(EARLIER_HEADERS[0].lacks, ["usage_discounts"]);
  assertEquals(EARLIER_HEADERS[1].lacks, ["unbilled_usage_usd", "usage_discounts"]);
  assertEquals(EARLIER_HEADERS[2].lacks, [
    "ptb_requests_cost_unknown_30d",
    "unbilled_usage_usd",
    "usage_discounts",
  ]);
  assertEquals(EARLIER_HEADERS[3].lacks, [
    "requests_cost_unknown_30d",
    "ptb_requests_cost_unknown_30d",
    "unbilled_usage_usd",
    "usage_discounts",
  ]);
  const fixture = Deno.readTextFileSync(
    F6D6C0C_CSV,
  );
  assertEquals(fixture.split("\r\n")[0], earlier.names.join(","));
  const row = (values: Record<string, string>) =>
    earlier.names.map((name) => values[name] ?? "").join(",");
  const text = [
    earlier.names.join(","),
    row({ org_id: "o1", mrr: "5", is_ptb: "true", created_at: "2026-01-02T03:04:05Z" }),
    row({ org_id: "o2", mrr: "", is_ptb: "false" }),
  ].join("\r\n");
  // a timestamp not in the writer's form: the row reader's
  const odd = text.replace("2026-01-02T03:04:05Z", "2026-01-02T03:04:05+00:00");
  const told: (readonly string[])[] = [];
  const options = { earlierVersion: (lacks: readonly string[]) => told.push(lacks) };
  const columnar = columnarFromBytes(bytes(text), { source: "x.csv", ...options });
  ok(columnar !== null, "read column-wise");
  assertEquals(
    columnarFromBytes(bytes(odd), { source: "x.csv", ...options }),
    null,
    "the row reader's file",
  );
  const rows = exportFrameFromCsvRows(odd, { source: "x.csv", ...options });
  assertEquals(told, [earlier.lacks, earlier.lacks, earlier.lacks]);
  for (const frame of [columnar, rows]) {
    assertEquals(frame.columns, COLUMN_NAMES);
    assertEquals(frame.schema, exportFrameFromColumns({}).schema);
    assertEquals(
      frame.select("org_id", "mrr", "is_ptb", "created_at", "plan", "list_price_mrr").rows(),
      [
        ["o1", 5, true, new Date("2026-01-02T03:04:05Z"), null, null],
        ["o2", null, false, null, null, null],
      ],
    );
  }
  // without earlierVersion it is refused, saying what it lacks
  let thrown = "accepted";
  try {
    exportFrameFromCsvText(text, { source: "x.csv" });
  } catch (error) {
    thrown = (error as Error).message;
  }
  assertEquals(
    thrown,
    "x.csv is an export of an earlier kit version: its header lacks plan, list_price_mrr, ptb_revenue_30d, company_cost_30d, gross_margin_company_pct and 4 more (added since); re-export it with deno task export (history import and scenario --input read it as it is)",
  );
});

Deno.test("a header-only export reads as an empty frame of the export's types", () => {
  const text = COLUMN_NAMES.join(",") + "\r\n";
  const columnar = columnarFromBytes(bytes(text), { source: "x.csv" });
  ok(columnar !== null);
  assertEquals(columnar.height, 0);
  assertEquals(columnar.schema, exportFrameFromCsvRows(text, { source: "x.csv" }).schema);
  assertEquals(columnar.schema, exportFrameFromColumns({}).schema);
});

Deno.test("a byte that is not UTF-8 (a name saved as Windows-1252) is refused naming row and column, not read as U+FFFD", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const row = (values: Record<string, string>) =>
      COLUMN_NAMES.map((name) => values[name] ?? "").join(",");
    const text = [
      COLUMN_NAMES.join(","),
      row({ org_id: "o1", org_name: "Real \uFFFD in UTF-8", tier: "pro" }),
      row({ org_id: "o2", org_name: "Caf@", tier: "free" }),
    ].join("\r\n") + "\r\n";
    // é in Windows-1252 (0xE9) where the text has @
    const bytes = new TextEncoder().encode(text).map((b) => b === 0x40 ? 0xe9 : b);
    const path = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await Deno.writeFile(path, bytes);
    let thrown = "accepted";
    try {
      await exportFrameFromCsvFile(path, { source: "x.csv" });
    } catch (error) {
      thrown = (error as Error).message;
    }
    // (read as "Caf\uFFFD" before, and kept so by history import)
    assertEquals(
      thrown,
      'x.csv row 3, column org_name: "Caf\uFFFD" holds byte 0xE9, which is not UTF-8 (the file was saved in another encoding, such as Windows-1252): save it as UTF-8 (Excel: "CSV UTF-8")',
    );
    const refusal = (bytes: Uint8Array) => {
      try {
        return utf8Text(bytes, "x.csv");
      } catch (error) {
        return (error as Error).message;
      }
    };
    assertEquals(
      refusal(Uint8Array.of(0x61, 0xff, 0x2c, 0x62)),
      'x.csv row 1, in the header: "a\uFFFD" holds byte 0xFF, which is not UTF-8 (the file was saved in another encoding, such as Windows-1252): save it as UTF-8 (Excel: "CSV UTF-8")',
    );
    // no CSV to find the cell in (a quote never closed): the byte's offset
    assertEquals(
      refusal(Uint8Array.of(0x22, 0x61, 0xc3)),
      'x.csv is not UTF-8 text (byte 0xC3 at offset 2): save it as UTF-8 (Excel: "CSV UTF-8")',
    );
    // the same file in UTF-8 reads, its own U+FFFD kept
    await Deno.writeTextFile(path, text.replace("Caf@", "Café"));
    const read = await exportFrameFromCsvFile(path);
    assertEquals(read.getColumn("org_name").toArray(), ["Real \uFFFD in UTF-8", "Café"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
