/**
 * Numbers written as digits straight from their doubles (lib/formats/cell_text.ts): the CSV's
 * fields are formatNumber's text and the sheet's whole numbers String()'s, on edge values worked
 * out by hand and on 200,000 pseudo-random ones compared with the string path.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { COLUMNS } from "../lib/frame/columns.ts";
import type { TypedColumn } from "../lib/formats/cells.ts";
import { ByteWriter, putDecimal12, putInteger } from "../lib/formats/cell_text.ts";
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
    [5e-324, "0"],
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
