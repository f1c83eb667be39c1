/**
 * lib/mcp/sql_hints.ts through query_sql and segment, over stdio with the SDK's client: a column a
 * few characters off names the one meant; a compared text value no organization has is named with
 * the nearest value there is (an empty table, or a count of 0, read as "no such organizations").
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { call, refused, stdioClient, text } from "./mcp_client.ts";
import pl from "nodejs-polars";
import { missingValuesHint } from "../lib/mcp/sql_hints.ts";

Deno.test("query_sql and segment: the nearest column and the nearest value to one the data lacks", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_hints_test_" });
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["a", "b", "c"],
      org_name: ["Acme <x>", "Bravo", "Charlie"],
      tier: ["pro", "free", "free"],
      tier_raw: ["pro-20251210", "free", "free"],
      plan: ["pro 2025-12-10", "free", "free"],
      seats: [2, 1, 1],
      llm_cost_30d: [10, 5, 1],
      mrr: [79, 0, 0],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  const sql = (statement: string) => call(client, "query_sql", { sql: statement });
  try {
    refused(
      await sql("SELECT org_name, llm_cost FROM pricing_data"),
      /unable to find column "llm_cost" \(did you mean llm_cost_30d\?\); valid columns: \[/,
    );
    refused(
      await sql("SELECT acquisition_channel FROM pricing_data"),
      /unable to find column "acquisition_channel" \(no column is near it: the data has no such field; describe_dataset defines every column\)/,
    );
    // a plan name's typo: no row, said with the plan meant
    const typo = await sql("SELECT org_name FROM pricing_data WHERE plan = 'pro 2025-12-01'");
    ok(!typo.isError, text(typo));
    const hint = 'plan has no value "pro 2025-12-01": did you mean "pro 2025-12-10"?';
    assertEquals(text(typo).split("\n"), ["org_name", `(0 rows; ${hint})`]);
    assertEquals(typo.structuredContent!.rows, []);
    assertEquals(typo.structuredContent!.hint, hint);
    // a count is a row: 0, with the case slip and the value near none (its values listed, data
    // escaped), a table alias too
    const count = await sql(
      "SELECT count(*) AS n FROM pricing_data p WHERE p.tier IN ('Pro', '<b>')",
    );
    assertEquals(count.structuredContent!.rows, [{ n: 0 }]);
    assertEquals(
      text(count).split("\n"),
      [
        "n",
        "0",
        '(tier has no value "Pro": did you mean "pro"?; tier has no value "\\u003cb\\u003e" (its values: "free", "pro"))',
      ],
    );
    // a name's part: the name there is, escaped as data
    const name = await sql("SELECT seats FROM pricing_data WHERE org_name = 'Acme'");
    assertEquals(
      name.structuredContent!.hint,
      'org_name has no value "Acme": did you mean "Acme \\u003cx\\u003e"?',
    );
    // values the data has: no hint, no note
    const right = await sql("SELECT count(*) AS n FROM pricing_data WHERE tier = 'pro'");
    assertEquals(text(right).split("\n"), ["n", "1"]);
    ok(!("hint" in right.structuredContent!), JSON.stringify(right.structuredContent));
    // segment's columns: the one meant
    refused(
      await call(client, "segment", { name: "free_high_usage", columns: ["org_name", "llm_cost"] }),
      /^error: unknown column "llm_cost" \(did you mean llm_cost_30d\?\); describe_dataset lists the columns$/,
    );
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("missingValuesHint: a column of more than 10,000 values is not searched, whether its first rows say so or not", () => {
  const rows = 30_000;
  const frame = pl.DataFrame({
    // every id distinct: the first 20,000 rows already hold more than 10,000 values
    org_id: Array.from({ length: rows }, (_, i) => `org-${i}`),
    // 3 values over every row: searched whole, the case slip named
    tier: Array.from({ length: rows }, (_, i) => ["pro", "free", "team"][i % 3]),
    // one value in the first 20,000 rows, then 10,000 more: the whole column is counted
    plan: Array.from({ length: rows }, (_, i) => i < 20_000 ? "free" : `plan-${i}`),
  });
  assertEquals(missingValuesHint("SELECT * FROM pricing_data WHERE org_id = 'org-x'", frame), null);
  assertEquals(missingValuesHint("SELECT * FROM pricing_data WHERE plan = 'fre'", frame), null);
  assertEquals(
    missingValuesHint("SELECT * FROM pricing_data WHERE tier = 'Pro'", frame),
    'tier has no value "Pro": did you mean "pro"?',
  );
});
