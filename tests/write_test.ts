import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { formatNumber } from "../lib/formats/csv.ts";
import { neutraliseText } from "../lib/formats/cells.ts";
import { withoutFormulaGuardText } from "../lib/formats/formula_guard.ts";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { exportFileName } from "../lib/formats/export_names.ts";

Deno.test("formatNumber writes plain decimals without float noise or exponents", () => {
  assertEquals(formatNumber(0.1 + 0.2), "0.3");
  assertEquals(formatNumber(2.75 / 3), "0.916666666667");
  assertEquals(formatNumber(1e-7), "0.0000001");
  assertEquals(formatNumber(1.5e21), "1500000000000000000000");
  assertEquals(formatNumber(-12.5), "-12.5");
  assertEquals(formatNumber(0), "0");
});

Deno.test("neutraliseText prefixes text a spreadsheet would run as a formula", () => {
  for (const risky of ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"]) {
    assertEquals(neutraliseText(risky), `'${risky}`);
  }
  assertEquals(neutraliseText("Acme = good"), "Acme = good");
  // text entered with ' before one of those gets one more: the readers take exactly one off
  assertEquals(neutraliseText("'=1+1"), "''=1+1");
  assertEquals(neutraliseText("''-x"), "'''-x");
  // a ' before anything else is text as it is
  assertEquals(neutraliseText("'quoted'"), "'quoted'");
  assertEquals(neutraliseText("'"), "'");
});

Deno.test("neutraliseText guards a formula behind NUL bytes: LibreOffice drops them and runs the rest", () => {
  // LibreOffice 7.4's CSV import reads "\0=1+1" and "\0\0=1+1" as the formula =1+1
  assertEquals(neutraliseText("\0=1+1"), "'\0=1+1");
  assertEquals(neutraliseText("\0\0@SUM(A1)"), "'\0\0@SUM(A1)");
  assertEquals(neutraliseText("'\0=x"), "''\0=x");
  assertEquals(neutraliseText("\0'+x"), "'\0'+x");
  // a NUL before anything else is text as it is
  assertEquals(neutraliseText("\0Acme"), "\0Acme");
});

Deno.test("neutraliseText guards a formula behind spaces: LibreOffice's Trim spaces runs the rest", () => {
  assertEquals(neutraliseText(" =1+1"), "' =1+1");
  assertEquals(neutraliseText("  -2"), "'  -2");
  assertEquals(neutraliseText(" \0 @x"), "' \0 @x");
  assertEquals(neutraliseText(" '=x"), "' '=x");
  // spaces before anything else, or a no-break space (not trimmed), are text as they are
  assertEquals(neutraliseText(" Team-20250130 spaced "), " Team-20250130 spaced ");
  assertEquals(neutraliseText("\u00a0=1+1"), "\u00a0=1+1");
});

Deno.test("withoutFormulaGuardText takes off exactly the ' neutraliseText added", () => {
  const entered = ["=1+1", "+1 Growth Co", "-legacy-2024", "@x", "\tx", "\rx", "'=1+1", "''@x"];
  entered.push("\0=1+1", "'\0=x", "\0'+x", "\0\0-x", " =1+1", "' =x", " ' -x", " \t ");
  const others = ["'quoted'", "'", "''", "Acme", "", "a'=b", "\0Acme", "'\0", " Acme", "' x"];
  for (const text of [...entered, ...others]) {
    assertEquals(withoutFormulaGuardText(neutraliseText(text)), text, JSON.stringify(text));
  }
  assertEquals(withoutFormulaGuardText("'+1 Growth Co"), "+1 Growth Co");
  assertEquals(withoutFormulaGuardText("'quoted'"), "'quoted'");
});

Deno.test("parseCsv reads quoted commas, doubled quotes, newlines and CRLF", () => {
  assertEquals(parseCsv('a,b\r\n"x, ""y""","line1\nline2"\r\n'), [["a", "b"], [
    'x, "y"',
    "line1\nline2",
  ]]);
  assertEquals(parseCsv("a\n\n"), [["a"], [""]]);
});

Deno.test("export file names carry the as-of date and _demo for demo data", () => {
  const asOf = new Date("2026-11-01T23:00:00Z");
  assertEquals(
    exportFileName({ asOf, demo: false, ext: "csv" }),
    "helicone_pricing_data_2026-11-01.csv",
  );
  assertEquals(
    exportFileName({ asOf, demo: true, ext: "xlsx" }),
    "helicone_pricing_data_2026-11-01_demo.xlsx",
  );
});
