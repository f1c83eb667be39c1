/**
 * lib/mcp/sql_hints.ts through query_sql and segment, over stdio with the SDK's client: a column a
 * few characters off names the one meant; a compared text value no organization has is named with
 * the nearest value there is (an empty table, or a count of 0, read as "no such organizations").
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { call, exportsFolder, refused, stdioClient, text } from "./mcp_client.ts";
import pl from "nodejs-polars";
import { historyAsOfHint, missingValuesHint } from "../lib/mcp/sql_hints.ts";

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

Deno.test("historyAsOfHint: an as_of no snapshot has names the snapshots of its date, else the nearest before and after", () => {
  const asOfs = ["2026-10-01", "2026-11-01", "2026-12-01", "2026-12-06T21:00:28.769Z"];
  // the export's date: its snapshot is not at 00:00, so as_of holds the time too
  assertEquals(
    historyAsOfHint("SELECT sum(mrr) FROM history WHERE as_of = '2026-12-06'", asOfs),
    'as_of has no value "2026-12-06": the snapshot of that date is "2026-12-06T21:00:28.769Z" (as_of is the date alone only at 00:00 UTC)',
  );
  // a month's last day: no snapshot, the nearest each side (the 1st closes the month before)
  assertEquals(
    historyAsOfHint("SELECT * FROM history h WHERE h.as_of IN ('2026-11-30', '2026-12-01')", asOfs),
    'as_of has no value "2026-11-30": no snapshot of that date; the nearest are "2026-11-01" before it and "2026-12-01" after it (a month end is the snapshot as-of the 1st after it, 00:00 UTC)',
  );
  assertEquals(
    historyAsOfHint("SELECT * FROM history WHERE as_of = '2027-01-01'", asOfs),
    'as_of has no value "2027-01-01": no snapshot of that date; the nearest is "2026-12-06T21:00:28.769Z" before it (a month end is the snapshot as-of the 1st after it, 00:00 UTC)',
  );
  // not a date: the values there are, escaped as data
  assertEquals(
    historyAsOfHint("SELECT * FROM history WHERE as_of = 'latest<b>'", asOfs.slice(0, 2)),
    'as_of has no value "latest\\u003cb\\u003e" (its values: "2026-10-01", "2026-11-01")',
  );
  // values there are, as_of_time and pricing_data's columns: no hint
  assertEquals(historyAsOfHint("SELECT * FROM history WHERE as_of = '2026-11-01'", asOfs), null);
  assertEquals(
    historyAsOfHint("SELECT * FROM history WHERE as_of_time = '2026-11-30' AND plan = 'x'", asOfs),
    null,
  );
});

Deno.test("query_sql over history: an export's snapshot asked for by its date alone is named with its time", async () => {
  // two demo exports, each storing its snapshot: a month end, and one at 12:00 on the 1st
  const { dir } = await exportsFolder(["2026-10-01T00:00:00Z", "2026-11-01T12:00:00Z"]);
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const byDate = await call(client, "query_sql", {
      sql: "SELECT count(*) AS n FROM history WHERE as_of = '2026-11-01'",
    });
    const hint =
      'as_of has no value "2026-11-01": the snapshot of that date is "2026-11-01T12:00:00Z" (as_of is the date alone only at 00:00 UTC)';
    assertEquals(text(byDate).split("\n"), ["n", "0", `(${hint})`]);
    assertEquals(byDate.structuredContent!.hint, hint);
    // the key as the table writes it: its rows, no hint
    const byKey = await call(client, "query_sql", {
      sql:
        "SELECT count(*) AS n FROM history WHERE as_of IN ('2026-10-01', '2026-11-01T12:00:00Z')",
    });
    ok(!("hint" in byKey.structuredContent!), JSON.stringify(byKey.structuredContent));
    ok((byKey.structuredContent!.rows as { n: number }[])[0].n > 0, text(byKey));
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});
