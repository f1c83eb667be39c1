/**
 * The MCP server over an exports folder an earlier kit version left (users keep outputs/ across
 * `git pull`): its refusal says what to do once; one every reader takes as it is (its missing
 * columns came in a readAsIs change) is served, and describe_dataset says which it did not have.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { UnreadableExport } from "../lib/mcp/export_reading.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { EARLIER_HEADERS } from "../lib/frame/earlier_columns.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { call, connectInMemory, text as resultText } from "./mcp_client.ts";
import { F6D6C0C_CSV } from "./fixtures/earlier_export.ts";

Deno.test("an earlier kit version's export as the newest: one line, told to export again once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_earlier_" });
  try {
    // f6d6c0c's 41 columns (before the price book's plan, list_price_mrr, …)
    const csv = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    await Deno.copyFile(
      F6D6C0C_CSV,
      csv,
    );
    const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }));
    const error = await store.current().then(() => null, (e: unknown) => e);
    ok(error instanceof UnreadableExport, String(error));
    // the reader's line already says to re-export: the fix adds moving it away, not a second
    // "export again (deno task export)"
    assertEquals(
      error.message,
      `${csv} is an export of an earlier kit version: its header lacks plan, list_price_mrr, ` +
        `ptb_revenue_30d, company_cost_30d, gross_margin_company_pct and 4 more (added since); re-export it ` +
        `with deno task export (history import and scenario --input read it as it is); or move it ` +
        `out of ${dir}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export from before usage_discounts, unbilled_usage_usd, ptb_requests_cost_unknown_30d or requests_cost_unknown_30d too, served: describe_dataset says once which columns it did not have", async () => {
  const [beforeDiscounts, beforeUnbilled, justBefore, before] = EARLIER_HEADERS;
  assertEquals([beforeDiscounts.lacks, beforeDiscounts.readAsIs], [["usage_discounts"], true]);
  assertEquals([beforeUnbilled.lacks, beforeUnbilled.readAsIs], [
    ["unbilled_usage_usd", "usage_discounts"],
    true,
  ]);
  assertEquals([justBefore.lacks, justBefore.readAsIs], [
    ["ptb_requests_cost_unknown_30d", "unbilled_usage_usd", "usage_discounts"],
    true,
  ]);
  assertEquals([before.lacks, before.readAsIs], [
    [
      "requests_cost_unknown_30d",
      "ptb_requests_cost_unknown_30d",
      "unbilled_usage_usd",
      "usage_discounts",
    ],
    true,
  ]);
  await describedWithout(
    beforeDiscounts,
    "before usage_discounts: read as empty (a query_sql filter on it finds nothing, " +
      "which is not zero); re-export with deno task export to have it",
  );
  await describedWithout(
    beforeUnbilled,
    "before unbilled_usage_usd, usage_discounts: read as empty (a query_sql filter on them finds " +
      "nothing, which is not zero); re-export with deno task export to have them",
  );
  await describedWithout(
    justBefore,
    "before ptb_requests_cost_unknown_30d, unbilled_usage_usd, usage_discounts: read as empty (a " +
      "query_sql filter on them finds nothing, which is not zero); re-export with deno task " +
      "export to have them",
  );
  await describedWithout(
    before,
    "before requests_cost_unknown_30d, ptb_requests_cost_unknown_30d, unbilled_usage_usd, " +
      "usage_discounts: read as empty (a query_sql filter on them finds nothing, which is not " +
      "zero); re-export with deno task export to have them",
  );
});

/** An export with `previous`'s header, served: describe_dataset's warning ends with `words`. */
async function describedWithout(
  previous: (typeof EARLIER_HEADERS)[number],
  words: string,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mcp_earlier_" });
  try {
    const csv = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(
      exportFrameFromColumns({ org_id: ["a", "b"], requests_30d: [10, 0], mrr: [20, 0] }),
      csv,
    );
    // (the columns are the last: their fields taken off the end of every line)
    const last = new RegExp(`(,[^,\\r\\n]*){${previous.lacks.length}}\\r\\n`, "g");
    const text = await Deno.readTextFile(csv);
    await Deno.writeTextFile(csv, text.replaceAll(last, "\r\n"));
    assertEquals((await Deno.readTextFile(csv)).split("\r\n")[0], previous.names.join(","));
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const described = await call(client, "describe_dataset", {});
      assertEquals(described.isError, undefined, resultText(described));
      const said = "helicone_pricing_data_2026-10-01.csv was written by an earlier kit version, " +
        words;
      const warnings = described.structuredContent!.warnings as string[];
      assertEquals(warnings.filter((w) => w === said).length, 1, warnings.join("\n"));
      const lines = resultText(described).split("\n").filter((l) => l.includes(said));
      assertEquals(lines.length, 1, resultText(described));
      // what it would not have said: no count of requests without a cost
      ok(!resultText(described).includes("had no cost recorded"), resultText(described));
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
