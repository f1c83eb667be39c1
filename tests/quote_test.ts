/** lib/core/quote.ts: a bad value in an error message, quoted and cut at 40 characters. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { QUOTED_NAME_CHARS, QUOTED_VALUE_CHARS, quoteValue } from "../lib/core/quote.ts";

Deno.test("quoteValue: short values whole, long ones cut at 40 characters with their length", () => {
  assertEquals(QUOTED_VALUE_CHARS, 40);
  assertEquals(quoteValue("pdf"), '"pdf"');
  assertEquals(quoteValue(""), '""');
  assertEquals(quoteValue("a\nb"), '"a\\nb"'); // one line
  // what JSON leaves raw and would act on a reader's line: bidi controls, C1, line separators
  assertEquals(quoteValue("\u202e2026\u0085\u2028\u200b"), '"\\u202e2026\\u0085\\u2028\\u200b"');
  assertEquals(quoteValue("Straße 😀"), '"Straße 😀"'); // other text stays as it is
  assertEquals(quoteValue("x".repeat(40)), `"${"x".repeat(40)}"`); // 40 is not cut
  assertEquals(quoteValue("x".repeat(41)), `"${"x".repeat(40)}"… (41 characters)`);
  assertEquals(quoteValue("9".repeat(5000)), `"${"9".repeat(40)}"… (5,000 characters)`);
  // characters, not UTF-16 units: an emoji is one and never split in half
  assertEquals(quoteValue("😀".repeat(41)), `"${"😀".repeat(40)}"… (41 characters)`);
  // another quoting (the MCP server's dataLiteral) quotes the kept part
  assertEquals(
    quoteValue("y".repeat(50), { quote: (t) => `<${t}>` }),
    `<${"y".repeat(40)}>… (50 characters)`,
  );
});

Deno.test("quoteValue: a name is quoted whole up to QUOTED_NAME_CHARS (a 41-character file name is not cut)", () => {
  assertEquals(QUOTED_NAME_CHARS, 200);
  const file = "helicone_pricing_data_2026-11-01_demo.csv";
  assertEquals(
    quoteValue(file, { quote: JSON.stringify, maxChars: QUOTED_NAME_CHARS }),
    JSON.stringify(file),
  );
  assertEquals(
    quoteValue("f".repeat(201), { quote: JSON.stringify, maxChars: QUOTED_NAME_CHARS }),
    `"${"f".repeat(200)}"… (201 characters)`,
  );
});
