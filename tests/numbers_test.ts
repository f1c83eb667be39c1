/** lib/report/numbers.ts: the number formats of the brief, charts, compare and the command lines. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  formatChangePct,
  formatCount,
  formatUsd,
  formatUsd4,
  withMinusSign,
} from "../lib/report/numbers.ts";

Deno.test("counts and dollars carry thousands separators", () => {
  assertEquals([formatCount(5499), formatCount(989_440), formatCount(12.6)], [
    "5,499",
    "989,440",
    "13",
  ]);
  assertEquals([formatUsd(1234.5), formatUsd(-0.004), formatUsd(-2.5)], [
    "$1,234.50",
    "$0.00",
    "-$2.50",
  ]);
});

Deno.test("amounts per 1,000 requests: four decimals, separators, no minus on a zero", () => {
  assertEquals(
    [formatUsd4(1236.92857), formatUsd4(0.8605), formatUsd4(-0.00004), formatUsd4(-1.5)],
    ["$1,236.9286", "$0.8605", "$0.0000", "-$1.5000"],
  );
});

Deno.test("a number for reading: a negative's hyphen becomes the minus sign U+2212, nothing else", () => {
  assertEquals(
    [formatUsd(-148.37), formatChangePct(-4), formatCount(-5), formatUsd(2.5), "–"].map(
      withMinusSign,
    ),
    ["\u2212$148.37", "\u22124.0 %", "\u22125", "$2.50", "–"],
  );
});
