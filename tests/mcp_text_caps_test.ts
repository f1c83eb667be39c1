/**
 * lib/mcp/text.ts's caps at their boundaries: a text or an error message exactly at its cap is
 * whole; one byte past it is cut, saying so.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { capText, MAX_ERROR_BYTES, oneLineError, sentLength } from "../lib/mcp/text.ts";

Deno.test("capText: 100 bytes under a 100-byte cap are whole; 101 are cut to 100 with the reason", () => {
  const options = { maxBytes: 100, reason: "r" };
  assertEquals(capText("x".repeat(100), options), "x".repeat(100));
  // the mark "\n… cut at 100 bytes: r" is 25 bytes as sent (the line break goes as `\n`, two;
  // … is 3): 75 x's before it
  const cut = capText("x".repeat(101), options);
  assertEquals(cut, `${"x".repeat(75)}\n… cut at 100 bytes: r`);
  assertEquals(sentLength(cut), 100);
});

Deno.test("oneLineError: a message of exactly 2048 bytes is whole; 2049 are cut, counting characters", () => {
  assertEquals(MAX_ERROR_BYTES, 2048);
  assertEquals(oneLineError(new Error("x".repeat(2048))), "x".repeat(2048));
  assertEquals(oneLineError(new Error("x".repeat(2049))), `${"x".repeat(2048)}…(cut, 2049 chars)`);
});
