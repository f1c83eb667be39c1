/**
 * Query results as CSV into Polars (lib/sources/columnar.ts): the same typed frame, value for value,
 * as the row-object reader (lib/sources/frames.ts rowsToFrame) gives for the same results, and the
 * same one-line errors naming the query, column and organization.
 */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { csvToFrame } from "../lib/sources/columnar.ts";
import { nanoUsdToUsd, type QueryColumns, rowsToFrame } from "../lib/sources/frames.ts";

const COLUMNS: QueryColumns = {
  org_id: "string",
  name: "string",
  seats: "int",
  cost: "nanoUsd",
  created_at: "datetime",
};

/** CSV as PostgreSQL's COPY writes it: text quoted when needed, NULL as an empty field. */
function csvField(value: string | null): string {
  if (value === null) return "";
  return value === "" || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A small deterministic generator (the same values on every run). */
function* numbers(seed: number): Generator<number> {
  let x = seed;
  while (true) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield x;
  }
}

Deno.test("CSV → frame equals rows → frame: strings, ints, nano-USD costs, timestamps", () => {
  const random = numbers(7);
  const next = () => random.next().value as number;
  const rows: Record<string, string | null>[] = [
    { org_id: "a", name: "", seats: "0", cost: "0", created_at: "2026-10-30 09:46:58.123456+00" },
    { org_id: "b", name: 'q"uote, comma\nnewline', seats: null, cost: null, created_at: null },
    {
      org_id: "c",
      name: "ünïcode 🚀",
      seats: "9007199254740993",
      cost: "-1234567891",
      created_at: "1999-01-01 00:00:00+00",
    },
    {
      org_id: "d",
      name: null,
      seats: "5",
      cost: "99999999999999999999999999999",
      created_at: "2026-01-01 00:00:00.5+00",
    },
    // a Float sum's text (modern ClickHouse on a Float cost column) and decimal fractions
    { org_id: "e", name: "e", seats: "1", cost: "1.5e10", created_at: null },
    { org_id: "f", name: "f", seats: "1", cost: "123456789012.75", created_at: null },
    { org_id: "g", name: "g", seats: "1", cost: "-0.5", created_at: null },
  ];
  for (let i = 0; i < 2000; i++) {
    // costs of 1 to 30 digits, the range nano-USD sums take
    const digits = 1 + (next() % 30);
    let cost = String(1 + (next() % 9));
    while (cost.length < digits) cost += String(next() % 10);
    rows.push({
      org_id: `o${i}`,
      name: `Org ${i}`,
      seats: String(next() % 1000),
      cost: i % 3 === 0 ? `-${cost}` : cost,
      created_at: new Date(next() * 1000).toISOString().replace("T", " ").replace("Z", "+00"),
    });
  }
  const names = Object.keys(COLUMNS);
  const csv = [names.join(","), ...rows.map((r) => names.map((n) => csvField(r[n])).join(","))]
    .join("\n") + "\n";
  const fromCsv = csvToFrame(csv, COLUMNS, { query: "x.sql" });
  // node-pg hands timestamptz over as Date objects; the rest as text
  const pgRows = rows.map((r) => ({
    ...r,
    created_at: r.created_at === null
      ? null
      : new Date(r.created_at.replace(" ", "T").replace("+00", "Z")),
  }));
  const fromRows = rowsToFrame(pgRows, COLUMNS);
  assertEquals(String(fromCsv.schema), String(fromRows.schema));
  assertEquals(fromCsv.toRecords(), fromRows.toRecords());
  assertEquals(
    fromCsv.getColumn("cost").toArray(),
    rows.map((r) => nanoUsdToUsd(r.cost)),
  );
});

Deno.test("CSV → frame: whole nano-USD costs, read as numbers, give nanoUsdToUsd's doubles", () => {
  const random = numbers(11);
  const next = () => random.next().value as number;
  // ClickHouse's Decimal(38, 0) sums: whole numbers, quoted, most far below 2^53
  const wholeCosts = (maxDigits: number) => {
    const costs = [
      "0",
      "1",
      "999999999",
      "1000000000",
      "1000000001",
      "-1500000001",
      "9007199254740991",
    ];
    for (let i = 0; i < 3000; i++) {
      const digits = 1 + (next() % maxDigits);
      let cost = String(1 + (next() % 9));
      while (cost.length < digits) cost += String(next() % 10);
      costs.push(i % 5 === 0 ? `-${cost}` : cost);
    }
    return costs;
  };
  // below 2^53 (16 digits at most), then up to 18 digits: those go the text path's way
  for (const costs of [wholeCosts(15), [...wholeCosts(18), "9007199254740993"]]) {
    const csv = "org_id,cost\n" + costs.map((c, i) => `"o${i}","${c}"`).join("\n") + "\n";
    const frame = csvToFrame(csv, { org_id: "string", cost: "nanoUsd" }, { query: "x.sql" });
    const read = frame.getColumn("cost").toArray() as number[];
    const expected = costs.map((c) => nanoUsdToUsd(c));
    const differing = read.flatMap((v, i) =>
      Object.is(v, expected[i]) ? [] : [`${costs[i]}: ${v}`]
    );
    assertEquals(differing, []);
  }
});

Deno.test("CSV → frame: a header alone is an empty frame; a missing column and a bad value are errors", () => {
  assertEquals(csvToFrame("org_id,seats\n", { org_id: "string", seats: "int" }).height, 0);
  throws(
    () => csvToFrame('org_id\n"z"\n', { org_id: "string", seats: "int" }, { query: "x.sql" }),
    {
      message:
        'x.sql returned no column seats (its columns: "org_id"); the query must return the columns its header comment lists',
    },
  );
  // the rows reader says the same
  throws(
    () => rowsToFrame([{ org_id: "z" }], { org_id: "string", seats: "int" }, { query: "x.sql" }),
    {
      message:
        'x.sql returned no column seats (its columns: "org_id"); the query must return the columns its header comment lists',
    },
  );
  // an answer that is not a query result (a web page): its header cut short, never whole
  const page = `<!doctype html><html><head><title>${"x".repeat(200)}</title></head>,b\n1,2\n`;
  throws(() => csvToFrame(page, { org_id: "string" }, { query: "y.sql" }), (error: Error) => {
    assertEquals(error.name, "UserError");
    assertEquals(
      error.message,
      'y.sql returned no column org_id (its columns: "<!doctype html><html><head><title>xxxxx…", "b"); the query must return the columns its header comment lists',
    );
    return true;
  });
  // a result of many columns: the first 10 named, then how many more
  const wide = Array.from({ length: 12 }, (_, i) => `c${i + 1}`);
  throws(() => csvToFrame(`${wide.join(",")}\n`, { org_id: "string" }, { query: "w.sql" }), {
    message:
      'w.sql returned no column org_id (its columns: "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10" and 2 more); the query must return the columns its header comment lists',
  });
  throws(
    () =>
      csvToFrame('org_id,seats\n"y",3\n"z",x1\n', { org_id: "string", seats: "int" }, {
        query: "x.sql",
      }),
    /^UserError: x\.sql: column seats of organization z: not a number: "x1"; fix the data or the query$/,
  );
  // (NaN and ±inf are unknown and counted: the test after the next)
  for (const bad of ["1e300", "abc", "1" + "0".repeat(40)]) {
    throws(
      () =>
        csvToFrame(`org_id,cost\n"z","${bad}"\n`, { org_id: "string", cost: "nanoUsd" }, {
          query: "q.sql",
        }),
      new RegExp(`q\\.sql: column cost of organization z: "${bad}" is not a finite cost`),
    );
  }
});

Deno.test("CSV → frame: a file reads as its text does; blanks around a number as Number() reads them", async () => {
  const columns: QueryColumns = { org_id: "string", seats: "int", share: "float", cost: "nanoUsd" };
  // " 5" and "5 " (the CSV reader's own number parse refuses the latter: the text read takes it)
  const csv = 'org_id,seats,share,cost\n"a", 5,0.5,10\nb,7 ,,\nc,,"2.5",1e9\nd,\\N,-1,-3\n';
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/result.csv`;
    await Deno.writeTextFile(path, csv);
    const fromFile = csvToFrame({ path }, columns, { query: "x.sql" });
    const fromText = csvToFrame(csv, columns, { query: "x.sql" });
    const fromBytes = csvToFrame(new TextEncoder().encode(csv), columns, { query: "x.sql" });
    const fromRows = rowsToFrame([
      { org_id: "a", seats: " 5", share: "0.5", cost: "10" },
      { org_id: "b", seats: "7 ", share: null, cost: null },
      { org_id: "c", seats: null, share: "2.5", cost: "1e9" },
      { org_id: "d", seats: null, share: "-1", cost: "-3" },
    ], columns);
    for (const frame of [fromFile, fromText, fromBytes]) {
      assertEquals(String(frame.schema), String(fromRows.schema));
      assertEquals(frame.toRecords(), fromRows.toRecords());
    }
    assertEquals(fromFile.getColumn("seats").toArray(), [5, 7, null, null]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CSV → frame: a database's NaN or ±inf in a number column is unknown, counted per column and row; rows read alike", () => {
  const columns: QueryColumns = { org_id: "string", seats: "int", share: "float", cost: "nanoUsd" };
  // ClickHouse writes nan, -nan, inf, -inf; PostgreSQL's COPY NaN, Infinity, -Infinity
  const csv = [
    "org_id,seats,share,cost",
    "a,nan,0.5,1500000000",
    'b,2,-inf,"inf"',
    "c,3,0.25,-nan",
    "d,4,NaN,-Infinity",
    "e,5,Infinity,2000000000",
  ].join("\n") + "\n";
  const told: [Record<string, number>, number][] = [];
  const frame = csvToFrame(csv, columns, {
    query: "x.sql",
    onNonFinite: (perColumn, rows) => told.push([perColumn, rows]),
  });
  // by hand: seats a; share b, d, e; cost b, c, d: five rows, each with one at least
  assertEquals(told, [[{ seats: 1, share: 3, cost: 3 }, 5]]);
  assertEquals(frame.getColumn("seats").toArray(), [null, 2, 3, 4, 5]);
  assertEquals(frame.getColumn("share").toArray(), [0.5, null, 0.25, null, null]);
  assertEquals(frame.getColumn("cost").toArray(), [1.5, null, null, null, 2]);
  // pg's rows (a float8 NaN or ±Infinity is a number there) and JSON-like text alike
  const toldRows: [Record<string, number>, number][] = [];
  const fromRows = rowsToFrame(
    [
      { org_id: "a", seats: Number.NaN, share: 0.5, cost: "1500000000" },
      { org_id: "b", seats: 2, share: -Infinity, cost: "inf" },
      { org_id: "c", seats: "3", share: "0.25", cost: "-nan" },
      { org_id: "d", seats: 4, share: "NaN", cost: "-Infinity" },
      { org_id: "e", seats: 5, share: Infinity, cost: 2000000000 },
    ],
    columns,
    { query: "x.sql", onNonFinite: (perColumn, rows) => toldRows.push([perColumn, rows]) },
  );
  assertEquals(toldRows, told);
  assertEquals(fromRows.toRecords(), frame.toRecords());
  // nothing to tell: not called
  csvToFrame("org_id,seats\na,1\n", { org_id: "string", seats: "int" }, {
    query: "x.sql",
    onNonFinite: () => {
      throw new Error("called");
    },
  });
});

Deno.test("CSV → frame: a count that overflows a double or is no number is refused naming the value", () => {
  for (const bad of ["1e400", "-1e400", "infinite", "nan1"]) {
    throws(
      () =>
        csvToFrame(
          `org_id,seats\n"y",3\n"z",${bad}\n`,
          { org_id: "string", seats: "int" },
          { query: "x.sql" },
        ),
      new RegExp(`^UserError: x\\.sql: column seats of organization z: not a number: "${bad}"; `),
    );
  }
});

Deno.test("CSV → frame: PostgreSQL's infinity and -infinity timestamps are unknown, counted per column", () => {
  const columns: QueryColumns = { org_id: "string", created_at: "datetime", seen_at: "datetime" };
  const csv = [
    "org_id,created_at,seen_at",
    "a,-infinity,2026-01-01 00:00:00+00",
    "b,2026-10-30 09:46:58.5+00,infinity",
    "c,infinity,",
    "d,,-infinity",
  ].join("\n");
  const told: [string, number][] = [];
  const frame = csvToFrame(csv, columns, {
    query: "x.sql",
    onInfiniteTimestamps: (column, rows) => told.push([column, rows]),
  });
  const ms = (name: string) =>
    frame.getColumn(name).toArray().map((d) =>
      d === null ? null : (d as unknown as Date).getTime()
    );
  assertEquals(ms("created_at"), [null, Date.UTC(2026, 9, 30, 9, 46, 58, 500), null, null]);
  assertEquals(ms("seen_at"), [Date.UTC(2026, 0, 1), null, null, null]);
  assertEquals(told, [["created_at", 2], ["seen_at", 2]]);
  // the row reader (pg parses them as ±Infinity) reads and counts them alike
  const rowsTold: [string, number][] = [];
  const fromRows = rowsToFrame(
    [
      { org_id: "a", created_at: -Infinity, seen_at: new Date(Date.UTC(2026, 0, 1)) },
      {
        org_id: "b",
        created_at: new Date(Date.UTC(2026, 9, 30, 9, 46, 58, 500)),
        seen_at: Infinity,
      },
      { org_id: "c", created_at: "infinity", seen_at: null },
      { org_id: "d", created_at: null, seen_at: "-infinity" },
    ],
    columns,
    { query: "x.sql", onInfiniteTimestamps: (column, rows) => rowsTold.push([column, rows]) },
  );
  assertEquals(fromRows.toRecords(), frame.toRecords());
  assertEquals(rowsTold, told);
  // anything else that is no timestamp is still refused, naming it
  throws(
    () => csvToFrame("org_id,created_at,seen_at\ne,infinite,\n", columns, { query: "x.sql" }),
    {
      message:
        'x.sql: column created_at of organization e: not a timestamp: "infinite"; fix the data or the query',
    },
  );
});

Deno.test("CSV → frame: COPY's timestamps read in COPY's form; other forms still read the tolerant way", () => {
  const columns: QueryColumns = { org_id: "string", created_at: "datetime" };
  const ms = (csv: string) =>
    csvToFrame(csv, columns, { query: "x.sql" }).getColumn("created_at").toArray().map((d) =>
      d === null ? null : (d as unknown as Date).getTime()
    );
  // COPY's own form: a zero fraction left out, else up to six digits, then "+00"
  assertEquals(
    ms(
      "org_id,created_at\na,2026-10-30 09:46:58+00\nb,2026-10-30 09:46:58.5+00\n" +
        "c,2026-10-30 09:46:58.123456+00\nd,\n",
    ),
    [
      Date.UTC(2026, 9, 30, 9, 46, 58),
      Date.UTC(2026, 9, 30, 9, 46, 58, 500),
      Date.UTC(2026, 9, 30, 9, 46, 58, 123), // microseconds truncated to the millisecond
      null,
    ],
  );
  // a `timestamp` without a zone (a query file of one's own) is no match for COPY's form:
  // the file is read again as text and parsed as before, the same values
  assertEquals(
    ms("org_id,created_at\na,2026-10-30 09:46:58\nb,2026-10-30 09:46:58.5+00\n"),
    [Date.UTC(2026, 9, 30, 9, 46, 58), Date.UTC(2026, 9, 30, 9, 46, 58, 500)],
  );
});
