/**
 * Tools' tables and long names cut to fit (lib/mcp/result.ts): key_question's table cut to
 * thresholds.top, a long organization name cut with a marker within PRICING_MCP_MAX_BYTES, and a
 * long name at the top of a list cut with all rows shown. In-process, on exports written here.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { dataLiteral } from "../lib/mcp/text.ts";
import { call, text, type Values } from "./mcp_client.ts";
import { connect, resultBytes } from "./mcp_result_fixture.ts";

Deno.test("key_question: a table cut to thresholds.top says how many of how many", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_top_" });
  // u1–u4 are underpriced (LLM cost ≥ $500 at $10 MRR), "paying" pays $500: 4 matches
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["u1", "u2", "u3", "u4", "paying"],
      org_name: ["One", "Two", "Three", "Four", "Paying"],
      tier: ["pro", "pro", "pro", "pro", "pro"],
      seats: [1, 1, 1, 1, 1],
      requests_30d: [10, 10, 10, 10, 10],
      llm_cost_30d: [1000, 900, 800, 700, 600],
      llm_cost_ptb_30d: [0, 0, 0, 0, 0],
      mrr: [10, 10, 10, 10, 500],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const ask = async (env: Record<string, string>, top?: number) => {
    const { client, close } = await connect({ PRICING_MCP_EXPORTS_DIR: dir, ...env });
    try {
      const result = await call(client, "key_question", {
        question: "underpriced",
        ...(top ? { thresholds: { top } } : {}),
      });
      assertEquals(result.isError, undefined, text(result));
      assertEquals((result.structuredContent!.facts as Values).organizations, 4);
      const names = (result.structuredContent!.table as Values[]).map((r) => r.org_name);
      return { names, last: text(result).split("\n").at(-1) };
    } finally {
      await close();
    }
  };
  try {
    // cut by top: the first 3 by LLM cost, of the 4
    assertEquals(await ask({}, 3), {
      names: ["One", "Two", "Three"],
      last: "(top 3 of 4 rows)",
    });
    // the default top (15) holds all four: nothing cut, nothing said
    const all = await ask({});
    assertEquals(all.names, ["One", "Two", "Three", "Four"]);
    ok(all.last!.startsWith('"u4" | "Four"'), all.last); // org_id first
    // cut by the row cap below top: that cap is named, with the real total
    assertEquals(await ask({ PRICING_MCP_MAX_ROWS: "2" }, 3), {
      names: ["One", "Two"],
      last: "(2 of 4 rows shown, at most PRICING_MCP_MAX_ROWS)",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("organization: a long name is cut with a marker; the result keeps within PRICING_MCP_MAX_BYTES", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_long_name_" });
  // 5,000 characters, a fifth of them escaped in text (< is \u003c: six bytes)
  const long = "Acme " + "<x>yz".repeat(999);
  assertEquals(long.length, 5000);
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["long", "short"],
      org_name: [long, "Short Co"],
      tier: ["pro", "pro"],
      tier_raw: ["pro-" + "t".repeat(3000), "pro"],
      seats: [3, 5],
      mrr: [60, 100],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { client, close } = await connect({
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_MCP_MAX_BYTES: "8192",
  });
  try {
    const result = await call(client, "organization", { org: "long" });
    assertEquals(result.isError, undefined, text(result));
    ok(resultBytes(result) <= 8192, `${resultBytes(result)} bytes > 8192`);
    const row = result.structuredContent!.row as Values;
    const name = row.org_name as string;
    ok(name.startsWith("Acme <x>yz") && name.endsWith("…(cut, 5000 chars)"), name);
    ok((row.tier_raw as string).endsWith("…(cut, 3004 chars)"), row.tier_raw as string);
    // the text: the cut name, and every figure of the profile (not cut after its first line)
    const lines = text(result).split("\n");
    ok(lines[0].startsWith('organization "long" "Acme \\u003cx\\u003eyz'), lines[0]);
    ok(lines[0].includes("…(cut, 5000 chars)"), lines[0]);
    // seats 3 against the pro median (3 + 5) / 2 = 4; 1 of 2 at or below → 50
    ok(lines.includes("seats | 3 | 4 | 4 | 50"), lines.join("\n"));
    ok(lines.includes("mrr | 60 | 80 | 80 | 50"), lines.join("\n"));
    ok(!text(result).includes("cut at"), "the text itself is whole");
    // a short name is not touched
    const short = await call(client, "organization", { org: "short" });
    assertEquals((short.structuredContent!.row as Values).org_name, "Short Co");
    // query_sql shows the long name's row with the name cut to 1000 characters (its ~15 KB in
    // text do not fit 8192 bytes), not "0 of 2 rows shown"
    const sql = await call(client, "query_sql", {
      sql: "SELECT org_name, seats FROM pricing_data ORDER BY seats",
    });
    assertEquals(sql.isError, undefined, text(sql));
    ok(resultBytes(sql) <= 8192, `${resultBytes(sql)} bytes > 8192`);
    assertEquals(sql.structuredContent!.rows, [
      { org_name: `${long.slice(0, 1000)}…(cut, 5000 chars)`, seats: 3 },
      { org_name: "Short Co", seats: 5 },
    ]);
    assertEquals(sql.structuredContent!.truncated, true);
    assertEquals(
      text(sql).split("\n").at(-1),
      "(text values cut to 1000 characters, within PRICING_MCP_MAX_BYTES; narrow the query or aggregate)",
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("key_question, segment, run_scenario, compare_exports: a long name at the top of a list is cut, the rows all shown", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_long_lists_" });
  // 5,000 characters, a fifth of them escaped in text (< is \u003c: six bytes): whole, its row
  // alone takes more than the 8,192 bytes of both channels, and it heads every list below
  const long = "Acme " + "<x>yz".repeat(999);
  const write = (date: string, mrr: number[]) =>
    writeCsvFile(
      exportFrameFromColumns({
        org_id: ["long", "b", "c"],
        org_name: [long, "Bravo Co", "Charlie Co"],
        tier: ["free", "free", "free"],
        tier_raw: ["free", "free", "free"],
        seats: [1, 1, 1],
        // each ≥ 100,000 requests on ≤ $100 MRR: underpriced; the long one costs most
        requests_30d: [300_000, 200_000, 150_000],
        llm_cost_30d: [900, 800, 700],
        llm_cost_ptb_30d: [0, 0, 0],
        mrr: mrr,
      }),
      join(dir, `helicone_pricing_data_${date}.csv`),
    );
  await write("2026-10-01", [0, 0, 0]);
  // MRR moved by 30, 20 and 10: the long one moved most
  await write("2026-11-01", [30, 20, 10]);
  const cap = 8192;
  const { client, close } = await connect({
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_MCP_MAX_BYTES: String(cap),
  });
  const shown = async (
    tool: string,
    args: Values,
    rowsOf: (structured: Values) => Values[],
    cutTo = 1000,
  ) => {
    const cutName = `${long.slice(0, cutTo)}…(cut, 5000 chars)`;
    const result = await call(client, tool, args);
    assertEquals(result.isError, undefined, text(result));
    ok(resultBytes(result) <= cap, `${tool}: ${resultBytes(result)} bytes > ${cap}`);
    // every row is listed (the long one was "0 of 3 rows shown" and hid the other two), its name
    // cut with its length in both channels, and the last line says the values were cut
    const names = rowsOf(result.structuredContent!).map((row) => row.org_name);
    assertEquals(names, [cutName, "Bravo Co", "Charlie Co"], tool);
    ok(text(result).includes(dataLiteral(cutName)), `${tool}: the text lists the cut name`);
    ok(text(result).includes('"Charlie Co"'), `${tool}: the text lists the last row`);
    ok(
      text(result).includes(`text values cut to ${cutTo} characters, within PRICING_MCP_MAX_BYTES`),
      `${tool}: ${text(result).split("\n").filter((line) => line.startsWith("(")).join(" / ")}`,
    );
  };
  try {
    await shown("key_question", { question: "underpriced" }, (s) => s.table as Values[]);
    await shown("segment", { name: "underpriced" }, (s) => s.rows as Values[]);
    // the caller's limit is said beside the cut: "(limit 3 of 3 rows; text values cut …)"
    await shown("segment", { name: "underpriced", limit: 3 }, (s) => s.rows as Values[]);
    // the movers get a third of the room (the totals another): 100 characters (300 when the
    // text was counted before it is sent: each of its 120 escapes, \u003c, goes as \\u003c)
    await shown("compare_exports", {}, (s) => s.mrr_movers as Values[], 100);
    // $500 flat for everyone: all three pay more, the long one (paying $30) least. Its five
    // tables share what the totals, the assumptions, the price book's figures and the company
    // margin leave, a fifth each (in quarters the long one's row was left out whole); the
    // biggest decreases (none) leave most of theirs to the biggest increases, which then hold
    // the three rows at 40 characters (100 before the company margin's two
    // ptb_requests_cost_unknown fields took ~80 bytes of the 8,192)
    await shown(
      "run_scenario",
      { scenario: { name: "flat", plans: [{ name: "everyone", flatUsd: 500 }] } },
      (s) => (s.pays_more as Values[]).toReversed(),
      40,
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
