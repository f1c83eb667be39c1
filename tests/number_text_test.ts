/**
 * lib/core/number_text.ts: the hint an error gives for a number sent as text, the number to write
 * (a scenario file's validation and the MCP input schema both add it).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { numberTextHint } from "../lib/core/number_text.ts";

Deno.test("number text: a sign, a currency symbol, commas and a leading '.' give the number to write", () => {
  assertEquals(
    [
      numberTextHint("-5", "movers"),
      numberTextHint("+7", "movers"),
      numberTextHint(".5", "seatPriceUsd"),
      numberTextHint("€1,000", "seatPriceUsd"),
      numberTextHint(" £ 2.25 ", "seatPriceUsd"),
    ],
    [
      ": write -5 (a number, not text)",
      ": write 7 (a number, not text)",
      ": write 0.5 (a number, not text)",
      ": write 1000 (a number, not text)",
      ": write 2.25 (a number, not text)",
    ],
  );
});

Deno.test("number text: a percent is hinted in percent for a field named so, and not at all for another", () => {
  assertEquals(
    [
      numberTextHint("15 %", "pctOfLlmCost"),
      numberTextHint("2", "plans[0].pctOfLlmCost.percent"),
      numberTextHint("30", "churnPercent"),
      numberTextHint("15%", "seatPriceUsd"),
    ],
    [
      ": write 15 (a number, in percent: 15 is 15 %)",
      ": write 2 (a number, in percent: 2 is 2 %)",
      ": write 30 (a number, in percent: 30 is 30 %)",
      "",
    ],
  );
});

Deno.test("number text: no hint for a number, for words, or for two numbers", () => {
  assertEquals(
    [numberTextHint(5, "movers"), numberTextHint("five", "movers"), numberTextHint("1 2", "x")],
    ["", "", ""],
  );
});
