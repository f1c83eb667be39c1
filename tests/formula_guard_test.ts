/**
 * The formula guard's three spellings agree: the JS regexes (neutraliseText, the ExcelJS sheets;
 * withoutFormulaGuardText, the XLSX reader), the byte test (the CSV and streamed XLSX writers)
 * and the Polars patterns (the CSV reader; the XLSX cut count). One changed alone would write a
 * guard the reader does not take off, or count a cut cell that is not cut.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  GUARDED_PATTERN,
  NEEDS_GUARD_PATTERN,
  needsFormulaGuard,
  neutraliseText,
  withoutFormulaGuardText,
} from "../lib/formats/formula_guard.ts";

/** Texts at each edge of the rule: ' spaces NULs before a formula start, or before anything else. */
const TEXTS = [
  "=1+1",
  "+1",
  "-x",
  "@x",
  "\tx",
  "\rx",
  "'=1",
  "''=1",
  "\0=1+1",
  "\0\0-x",
  " =1+1",
  "  @x",
  " \0 +x",
  "' =x",
  "'\0=x",
  " ' -x",
  " \t ",
  "\0'+x",
  "\t",
  "\r",
  " ",
  "\0",
  "'",
  "''",
  "' ",
  "'\0",
  "",
  "Acme",
  " Acme",
  "\0Acme",
  "'quoted'",
  "a'=b",
  "a =b",
  "\u00a0=1+1",
  "＝1+1",
  "\n=1+1",
  "é=1",
  "'' \0 =",
];

Deno.test("the guard's JS regex, byte test and Polars pattern pick the same texts", () => {
  const encoder = new TextEncoder();
  const byJs = TEXTS.map((text) => neutraliseText(text) !== text);
  const byBytes = TEXTS.map((text) => {
    // a span inside a larger buffer, as the writers test it
    const bytes = encoder.encode(`x${text}y`);
    return needsFormulaGuard(bytes, 1, bytes.length - 1);
  });
  const byPolars = pl.Series("t", TEXTS, pl.Utf8).str.contains(NEEDS_GUARD_PATTERN).toArray();
  assertEquals(byBytes, byJs);
  assertEquals(byPolars, byJs);
  // by hand: the first 20 texts and "' =x"'s kin are guarded, the rest not
  assertEquals(TEXTS.filter((_, i) => byJs[i]), [...TEXTS.slice(0, 20), "'' \0 ="]);
});

Deno.test("the readers' JS regex and Polars pattern take the ' off the same texts", () => {
  const written = TEXTS.map(neutraliseText);
  const byJs = written.map((text) => withoutFormulaGuardText(text) !== text);
  const byPolars = pl.Series("t", written, pl.Utf8).str.contains(GUARDED_PATTERN).toArray();
  assertEquals(byPolars, byJs);
  // each read back as entered
  assertEquals(written.map(withoutFormulaGuardText), TEXTS);
  const polarsRead = pl.DataFrame({ t: written }).select(
    pl.when(pl.col("t").str.contains(GUARDED_PATTERN)).then(pl.col("t").str.slice(1))
      .otherwise(pl.col("t")).alias("t"),
  ).getColumn("t").toArray();
  assertEquals(polarsRead, TEXTS);
});
