/**
 * Numbers written as digits straight from their doubles (lib/formats/cell_text.ts): the CSV's
 * fields are formatNumber's text and the sheet's whole numbers String()'s, on edge values worked
 * out by hand and on 200,000 pseudo-random ones compared with the string path; and string cells
 * taken as UTF-8 spans of Polars' CSV, neutralised, quoted and escaped as the string path does.
 */
import { Buffer } from "node:buffer";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { COLUMNS } from "../lib/frame/columns.ts";
import pl from "nodejs-polars";
import { neutraliseText, type TypedColumn, typedColumns } from "../lib/formats/cells.ts";
import { sheetRowsXml } from "../lib/formats/xlsx_stream.ts";
import {
  ByteWriter,
  parseStringsCsv,
  putDecimal12,
  putInteger,
  putIsoInstant,
  utf8,
} from "../lib/formats/cell_text.ts";
import { csvLineBytes, formatNumber } from "../lib/formats/csv.ts";

/** The CSV fields the writer gives for one number column holding `values`. */
function csvFields(values: number[]): string[] {
  const column: TypedColumn = {
    def: COLUMNS.find((c) => c.name === "llm_cost_30d")!,
    numbers: Float64Array.from(values),
    strings: null,
  };
  const decoder = new TextDecoder();
  const text = [...csvLineBytes([column])].map(([all]) => decoder.decode(all)).join("");
  return text.split("\r\n").slice(0, -1);
}

Deno.test("CSV number fields from the doubles: edge values, by hand", () => {
  const cases: [number, string][] = [
    [0.1 + 0.2, "0.3"],
    [1e-7, "0.0000001"],
    [123456789012.5, "123456789013"], // an exact tie: toPrecision rounds up
    [1234567890123.5, "1234567890120"], // 13th digit 3: down, and the integer part padded
    [-0, "0"],
    [0, "0"],
    [1e21, "1000000000000000000000"],
    [999999999999.7, "1000000000000"], // carries into a 13th integer digit
    [9.9999999999997, "10"],
    [-0.99999999999997, "-1"],
    [2.75 / 3, "0.916666666667"],
    [0.000001234567890123, "0.00000123456789012"],
    [4503599627370495.5, "4503599627370000"],
    [2 ** 53 + 2, "9007199254740994"],
    // no exponent at the extremes either: 12 significant digits, then zeros
    [5e-324, `0.${"0".repeat(323)}494065645841`], // was 0 (toFixed stops at 100 decimals)
    [1e300, `1${"0".repeat(300)}`], // was the double's 301 exact binary digits
    [-Number.MAX_VALUE, `-179769313486${"0".repeat(297)}`],
    [2 ** 70, "1180591620720000000000"], // 1180591620717411303424 to 12 digits
    [-3.5e-50, `-0.${"0".repeat(49)}35`],
    [1.5e-11, "0.000000000015"],
    [1e15 + 0.5, "1000000000000000"],
    [1234.5678901234, "1234.56789012"],
    [-12.5, "-12.5"],
    [42, "42"],
    [-1000000000, "-1000000000"],
    [Number.NaN, ""], // null
    [Number.POSITIVE_INFINITY, ""],
    [Number.NEGATIVE_INFINITY, ""],
  ];
  assertEquals(csvFields(cases.map(([v]) => v)), cases.map(([, text]) => text));
});

Deno.test("CSV number fields from the doubles are formatNumber's text, on 200,000 values", () => {
  let x = 4242;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const values: number[] = [];
  for (let i = 0; i < 50_000; i++) {
    const scale = 10 ** Math.floor(next() * 32 - 14);
    const value = (next() - 0.3) * scale;
    // ratios, cents, values with few digits (13 of them ending in 5: ties), whole numbers
    values.push(
      value,
      Math.round(value * 100) / 100,
      Number(value.toPrecision(1 + (i % 16))),
      Math.round(value),
    );
  }
  const fields = csvFields(values);
  values.forEach((value, i) => {
    if (fields[i] !== formatNumber(value)) assertEquals(fields[i], formatNumber(value), `${value}`);
  });
});

Deno.test("CSV number fields at every power of ten, its neighbours and its 12-digit edges are formatNumber's text", () => {
  // where putDecimal12's decade search and its one-off correction decide the exponent
  const f64 = new Float64Array(1);
  const bits = new BigInt64Array(f64.buffer);
  const neighbours = (v: number) => {
    f64[0] = v;
    const at = bits[0];
    return [-2n, -1n, 0n, 1n, 2n].map((step) => {
      bits[0] = at + step;
      return f64[0];
    });
  };
  const values: number[] = [];
  for (let k = -12; k <= 16; k++) {
    const power = Number(`1e${k}`);
    for (const v of [power, power * (1 - 5e-13), power * 9.999999999995, power * 0.5]) {
      for (const n of neighbours(v)) values.push(n, -n);
    }
  }
  const fields = csvFields(values);
  values.forEach((value, i) => {
    if (fields[i] !== formatNumber(value)) assertEquals(fields[i], formatNumber(value), `${value}`);
  });
});

Deno.test("putInteger writes String() of whole numbers; putDecimal12 declines what it cannot decide", () => {
  const out = new ByteWriter({ capacity: 64, slack: 32 });
  const decoder = new TextDecoder();
  const integer = (v: number) =>
    decoder.decode(out.buffer.subarray(0, putInteger(out.buffer, 0, v)));
  const wholes = [
    0,
    -0,
    7,
    -7,
    999999999,
    1e9,
    1e9 + 1,
    123456789012345,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
  ];
  assertEquals(wholes.map(integer), [
    "0",
    "0",
    "7",
    "-7",
    "999999999",
    "1000000000",
    "1000000001",
    "123456789012345",
    "9007199254740991",
    "-9007199254740991",
  ]);
  // a tie (exact .5 after 12 digits), below 1e-11, 2^53 and above: left to formatNumber
  for (const v of [123456789012.5, 1e-12, 2 ** 53, 1e300]) {
    assertEquals(putDecimal12(out.buffer, 0, v), -1, `${v}`);
  }
});

/** Strings the CSV and XLSX writers must neutralise, quote and escape, and what each writes. */
const TRICKY: [string | null, string, string | null][] = [
  // [value, CSV field, XML cell text (null: no cell)]
  [null, "", null],
  ["", "", ""],
  ["plain", "plain", "plain"],
  ["a,b", '"a,b"', "a,b"],
  ['say "hi"', '"say ""hi"""', "say &quot;hi&quot;"],
  ['"', '""""', "&quot;"],
  ["line\nbreak", '"line\nbreak"', "line\nbreak"],
  ["cr\ronly", '"cr\ronly"', "cr&#13;only"], // a raw CR would read back as LF
  ["=1+1", "'=1+1", "&apos;=1+1"],
  ["-5,0", '"\'-5,0"', "&apos;-5,0"],
  ["@x", "'@x", "&apos;@x"],
  ["\tx", "'\tx", "&apos;\tx"],
  ["\r\n", '"\'\r\n"', "&apos;&#13;\n"],
  // a ' entered before one of those gets one more (the readers take one off); before others, none
  ["'=1+1", "''=1+1", "&apos;&apos;=1+1"],
  ["''+x,y", "\"'''+x,y\"", "&apos;&apos;&apos;+x,y"],
  ["'quoted'", "'quoted'", "&apos;quoted&apos;"],
  ["'", "'", "&apos;"],
  ["Tom & Jerry's <b>", "Tom & Jerry's <b>", "Tom &amp; Jerry&apos;s &lt;b&gt;"],
  // XML 1.0 cannot hold these (ExcelJS drops DEL): OOXML's escape, as ExcelJS's sheets have them
  [
    "bell\x07 del\x7f nul\x00 esc\x1b \uFFFE\uFFFF \uFFFD\uEFBF",
    "bell\x07 del\x7f nul\x00 esc\x1b \uFFFE\uFFFF \uFFFD\uEFBF",
    "bell_x0007_ del_x007F_ nul_x0000_ esc_x001B_ _xFFFE__xFFFF_ \uFFFD\uEFBF",
  ],
  ["_x0041\uFFFF _x0041\x7f", "_x0041\uFFFF _x0041\x7f", "_x005F_x0041_xFFFF_ _x005F_x0041_x007F_"],
  // a literal escape is escaped, so it reads back as itself; so is one a control character ends
  ["_x000D_ _x00fF_", "_x000D_ _x00fF_", "_x005F_x000D_ _x005F_x00fF_"],
  ["_x0041_x0042_", "_x0041_x0042_", "_x005F_x0041_x005F_x0042_"],
  [
    "_x0041\x01 _x0041\r _x004 _xG000_ _x0041",
    '"_x0041\x01 _x0041\r _x004 _xG000_ _x0041"',
    "_x005F_x0041_x0001_ _x0041&#13; _x004 _xG000_ _x0041",
  ],
  ["ünïcode 🚀 \u0085", "ünïcode 🚀 \u0085", "ünïcode 🚀 \u0085"],
  // 32,768 characters with the formula guard: cut to Excel's 32,767 (the CSV keeps them)
  ["=" + "w".repeat(32_766), "'=" + "w".repeat(32_766), "&apos;=" + "w".repeat(32_765)],
];

Deno.test("string cells as UTF-8 spans of Polars' CSV: neutralised, quoted, escaped by hand", () => {
  const frame = pl.DataFrame({
    org_name: pl.Series("org_name", TRICKY.map(([v]) => v), pl.Utf8),
    tier: pl.Series("tier", TRICKY.map((_, i) => i % 2 ? "free" : null), pl.Utf8),
  });
  const defs = ["org_name", "tier"].map((name) => COLUMNS.find((c) => c.name === name)!);
  const decoder = new TextDecoder();
  const csvOf = (columns: TypedColumn[]) =>
    [...csvLineBytes(columns)].map(([all]) => decoder.decode(all)).join("");
  const bytes = typedColumns(frame, defs, { textBytes: true });
  assertEquals(bytes.map((c) => c.text !== undefined && c.text !== null), [true, true]);
  const expected = TRICKY.map(([, csv], i) => `${csv},${i % 2 ? "free" : ""}\r\n`).join("");
  assertEquals(csvOf(bytes), expected);
  assertEquals(csvOf(typedColumns(frame, defs)), expected); // the JS-string path agrees

  const xmlOf = (columnsOf: (slice: pl.DataFrame) => TypedColumn[]) =>
    decoder.decode(Buffer.concat([
      ...sheetRowsXml({ frame, columnsOf, styles: ["", ""], text: neutraliseText }),
    ]));
  const span = '" spans="1:2" x14ac:dyDescent="0.25">';
  const xml = TRICKY.map(([, , cell], i) => {
    const row = i + 2;
    const a = cell === null ? "" : `<c r="A${row}" t="str"><v>${cell}</v></c>`;
    const b = i % 2 ? `<c r="B${row}" t="str"><v>free</v></c>` : "";
    return `<row r="${row}${span}${a}${b}</row>`;
  }).join("");
  assertEquals(xmlOf((slice) => typedColumns(slice, defs, { textBytes: true })), xml);
  assertEquals(xmlOf((slice) => typedColumns(slice, defs)), xml);
});

Deno.test("Polars' CSV of the string columns: spans per column, and a malformed one refused", () => {
  // (row 0: a, "b,c" quoted; row 1: null, a CR alone, unquoted as Polars leaves it)
  const [first, second] = parseStringsCsv(utf8('a,"b,c"\n,d\re\n'), { width: 2, height: 2 });
  assertEquals([...first.start, ...first.end, ...first.flags], [0, 8, 1, 8, 0, 1]);
  assertEquals([...second.start, ...second.end, ...second.flags], [3, 9, 6, 12, 6, 4]);
  const refused = (text: string, height: number) => {
    try {
      parseStringsCsv(utf8(text), { width: 2, height });
    } catch (error) {
      return (error as Error).message;
    }
    return "parsed";
  };
  assertEquals(refused("a,b", 1), "string columns: Polars' CSV has no field separator at byte 3");
  assertEquals(
    refused("a\nb\n", 1),
    "string columns: Polars' CSV has no field separator at byte 1",
  );
  assertEquals(refused('a,"b', 1), "string columns: Polars' CSV ends inside a quoted field");
  assertEquals(refused("a,b\nc", 1), "string columns: Polars' CSV has 1 bytes past its rows");
});

Deno.test("putIsoInstant writes toISOString without .000, and declines years it cannot write", () => {
  const out = new ByteWriter({ capacity: 64, slack: 32 });
  const decoder = new TextDecoder();
  const iso = (ms: number) => {
    const end = putIsoInstant(out.buffer, 0, ms);
    return end < 0 ? null : decoder.decode(out.buffer.subarray(0, end));
  };
  assertEquals(
    [
      0,
      -1,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(1900, 2, 1),
      Date.UTC(2026, 10, 1, 12, 30, 5, 40),
      Date.UTC(1900, 0, 1),
      -62_167_219_200_000, // 0000-01-01
      253_402_300_799_999, // 9999-12-31T23:59:59.999
    ].map(iso),
    [
      "1970-01-01T00:00:00Z",
      "1969-12-31T23:59:59.999Z",
      "2000-02-29T23:59:59.999Z",
      "1900-03-01T00:00:00Z",
      "2026-11-01T12:30:05.040Z",
      "1900-01-01T00:00:00Z",
      "0000-01-01T00:00:00Z",
      "9999-12-31T23:59:59.999Z",
    ],
  );
  // ±YYYYYY years and fractions of a millisecond: left to toISOString
  assertEquals([-62_167_219_200_001, 253_402_300_800_000, 1.5].map(iso), [null, null, null]);
  let x = 777;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 100_000; i++) {
    const ms = Math.floor((next() * 2 - 1) * 62_000_000_000_000) +
      (i % 2 ? 0 : Math.floor(next() * 1000));
    const want = new Date(ms).toISOString().replace(/\.000Z$/, "Z");
    if (iso(ms) !== want) assertEquals(iso(ms), want, `${ms}`);
  }
});
