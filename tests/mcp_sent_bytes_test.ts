/**
 * PRICING_MCP_MAX_BYTES counts a result's text as it is sent (lib/mcp/text.ts sentLength): inside
 * a JSON string, where a data literal's quotes and backslashes are escaped again (`"` goes as
 * `\"`, a literal's `\u003c` as `\\u003c`) and control characters as escapes. Counted before
 * that, a text of names made of such characters passed the cap on the wire. In-process, over an
 * export of such names; resultBytes counts what the client received, as sent.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { capText, dataLiteral, sentLength } from "../lib/mcp/text.ts";
import { call, text, type Values } from "./mcp_client.ts";
import { connect, oneExportFolder, resultBytes } from "./mcp_result_fixture.ts";

const CAP = 8192;
/** 120 characters that each escape in a literal and again when sent: `"` \ < > & and a tab */
const ESCAPING = '"\\<>&\t'.repeat(20);

Deno.test("sentLength: a text's bytes inside a JSON string, its own quotes left out", () => {
  assertEquals(sentLength("abc"), 3);
  assertEquals(sentLength('a"b'), 4); // \"
  assertEquals(sentLength("a\\b"), 4); // \\
  assertEquals(sentLength("a\nb"), 4); // \n
  assertEquals(sentLength("\u0001"), 6); // \u0001
  assertEquals(sentLength("é"), 2); // UTF-8, not escaped
  // a literal of `<`: "\u003c" in text (8 bytes), \"\\u003c\" sent (11)
  assertEquals(dataLiteral("<"), '"\\u003c"');
  assertEquals(sentLength(dataLiteral("<")), 11);
});

Deno.test("capText cuts a text to its bytes as sent, its note included", () => {
  const cut = capText('"'.repeat(1000), { maxBytes: 500, reason: "why" });
  ok(sentLength(cut) <= 500, `${sentLength(cut)} > 500`);
  ok(cut.endsWith("\n… cut at 500 bytes: why"), cut.slice(-40));
  // each `"` sends two bytes: the note's room taken, about half as many kept as raw bytes allow
  const kept = cut.indexOf("\n");
  ok(kept > 200 && kept < 250, String(kept));
});

Deno.test("tools: names made of escaping characters stay within PRICING_MCP_MAX_BYTES as sent", async () => {
  const n = 200;
  const ids = Array.from({ length: n }, (_, i) => `org-${String(i).padStart(3, "0")}`);
  const dir = await oneExportFolder("mcp_sent_bytes_", {
    org_id: ids,
    org_name: ids.map((id) => `${id} ${ESCAPING}`),
    tier: ids.map(() => "pro"),
    tier_raw: ids.map(() => `pro ${ESCAPING}`),
    seats: ids.map((_, i) => i + 1),
    llm_cost_30d: ids.map((_, i) => 1000 - i),
    mrr: ids.map(() => 10),
  });
  const { client, close } = await connect({
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_MCP_MAX_BYTES: String(CAP),
  });
  try {
    const calls: [string, Values][] = [
      ["query_sql", { sql: "SELECT org_id, org_name, tier_raw FROM pricing_data ORDER BY org_id" }],
      ["segment", { name: "underpriced" }],
      ["key_question", { question: "underpriced", thresholds: { top: 100 } }],
      ["organization", { org: "org-007" }],
      ["describe_dataset", {}],
    ];
    for (const [tool, args] of calls) {
      const result = await call(client, tool, args);
      assertEquals(result.isError, undefined, `${tool}: ${text(result)}`);
      const sent = resultBytes(result);
      // describe_dataset has a floor of its own (64 KB), above this cap
      const cap = tool === "describe_dataset" ? 65_536 : CAP;
      ok(sent <= cap, `${tool}: ${sent} bytes sent > ${cap}`);
    }
    // the table dropped rows (whole) to fit, and said so (counted before escaping, more rows
    // were shown: 9,225 bytes of 8,192 went)
    const sql = await call(client, "query_sql", {
      sql: "SELECT org_id, org_name, tier_raw FROM pricing_data ORDER BY org_id",
    });
    const shown = sql.structuredContent!.row_count as number;
    ok(shown > 0 && shown < n, String(shown));
    ok(
      text(sql).split("\n").at(-1)!.startsWith(
        `(${shown} of ${n} rows shown, within PRICING_MCP_MAX_BYTES`,
      ),
      text(sql).split("\n").at(-1),
    );
    const rawBytes = new TextEncoder().encode(text(sql)).length +
      new TextEncoder().encode(JSON.stringify(sql.structuredContent)).length;
    ok(rawBytes < resultBytes(sql), "the text escapes longer when sent");
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
