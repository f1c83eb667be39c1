/**
 * lib/mcp/settings.ts: each setting refused at start with one line naming it and what it takes; a
 * long bad value is quoted cut (its first 40 characters and its length).
 */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { mcpSettings } from "../lib/mcp/settings.ts";

Deno.test("defaults; a bad value is one line naming the setting, a long one quoted cut", () => {
  const settings = mcpSettings({});
  assertEquals(settings.maxRows, 200);
  assertEquals(settings.maxBytes, 65536);
  throws(
    () => mcpSettings({ PRICING_MCP_MAX_ROWS: "0" }),
    /^UserError: PRICING_MCP_MAX_ROWS must be a whole number from 1 to 5000, got "0"$/,
  );
  throws(
    () => mcpSettings({ PRICING_MCP_MAX_ROWS: "9".repeat(5000) }),
    new RegExp(
      `^UserError: PRICING_MCP_MAX_ROWS must be .*, got "${
        "9".repeat(40)
      }"… \\(5,000 characters\\)$`,
    ),
  );
  throws(
    () => mcpSettings({ PRICING_MCP_ALLOW_EXPORT: "y".repeat(100) }),
    new RegExp(`^UserError: PRICING_MCP_ALLOW_EXPORT must be 1 or 0, got "${"y".repeat(40)}"… `),
  );
});
