/**
 * Recurring MRR in the billing currency (mrr_recurring_minor, which history snapshots store and no
 * export file has) through the MCP server, driven by the SDK's own Client over stdio: query_sql's
 * table history has it, in the currency's units too, and says which snapshot stores none;
 * describe_dataset defines those columns from the column table; compare_exports of two snapshots
 * gives each currency's change, every figure below worked out by hand, and says why there is none
 * for a snapshot stored before the column or an export file. `deno task compare` of two snapshot
 * files writes the same in its Markdown summary.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { SNAPSHOT_ONLY_COLUMNS } from "../lib/frame/columns.ts";
import { call, stdioClient, text, type Values } from "./mcp_client.ts";
import { compareSummary, nativeSection, storeDemoSnapshot } from "./compare_native_fixture.ts";

/**
 * October and November (minor units; null: not known):
 * a EUR 9000 → 9900 (€90 → €99); b JPY 15000 → 15000 (¥15,000 both);
 * c USD 5000 → 0 (cancelled, still there); d EUR 2000 → GBP 1800 (currency changed);
 * e EUR 1000 → a shared_customer row (its customer's amount on a sibling's row);
 * f billed in EUR,USD at once (unknown) → EUR 3000; g only in November, USD 2500.
 * Counted: USD c + g: 5000 → 2500 (−$25.00); EUR a: 9000 → 9900 (+€9.00); JPY b: ¥0 change.
 * Left out: d (currency changed), f (unknown), e (on a sibling's row).
 */
function month(which: "oct" | "nov"): pl.DataFrame {
  const oct = which === "oct";
  const ids = oct ? ["a", "b", "c", "d", "e", "f"] : ["a", "b", "c", "d", "e", "f", "g"];
  const pick = <T>(o: T[], n: T[]) => (oct ? o : n);
  const currency = pick(
    ["EUR", "JPY", "USD", "EUR", "EUR", "EUR,USD"],
    ["EUR", "JPY", "USD", "GBP", null, "EUR", "USD"],
  );
  const minor = pick<number | null>(
    [9000, 15000, 5000, 2000, 1000, null],
    [9900, 15000, 0, 1800, null, 3000, 2500],
  );
  // USD at the demo rates' shape (any: the native columns never read it but to see MRR is paid)
  const usd = minor.map((m) => (m === null ? 10 : m / 100));
  return exportFrameFromColumns({
    org_id: ids,
    tier: ids.map(() => "pro"),
    plan: ids.map(() => "pro"),
    stripe_customer_id: ids.map((id) => `cus_${id}`),
    revenue_source: ids.map((id) => (!oct && id === "e" ? "shared_customer" : "stripe")),
    currency,
    mrr_recurring: usd,
    mrr: usd,
  }).withColumns(pl.Series("mrr_recurring_minor", minor, pl.Int64));
}

async function historyFolder(dir: string): Promise<string> {
  const history = join(dir, "history");
  const store = (frame: pl.DataFrame, asOf: string) =>
    storeDemoSnapshot(frame, { dir: history, asOf });
  // September by a kit before the column: the file without it
  const sep = await store(month("oct"), "2026-09-01");
  pl.readParquet(sep.path).drop("mrr_recurring_minor").writeParquet(sep.path);
  await store(month("oct"), "2026-10-01");
  await store(month("nov"), "2026-11-01");
  await writeCsvFile(month("nov"), join(dir, "helicone_pricing_data_2026-12-02_demo.csv"));
  return history;
}

const num = (value: unknown) => (value === null ? null : Number(value));

Deno.test("history native MRR: table history, describe_dataset, compare_exports per currency", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_history_native_" });
  await historyFolder(dir);
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    // each row's native amount, in minor units and in the currency's units; September's are
    // not stored (empty, not 0) and its rows say so
    const rows = await call(client, "query_sql", {
      sql: "SELECT as_of, org_id, mrr_recurring_minor, mrr_recurring_native, " +
        "mrr_recurring_minor_stored FROM history WHERE org_id IN ('a', 'b') " +
        "ORDER BY as_of_time, org_id",
    });
    assertEquals(rows.isError, undefined, text(rows));
    assertEquals(
      (rows.structuredContent!.rows as Values[]).map((r) => [
        r.as_of,
        r.org_id,
        num(r.mrr_recurring_minor),
        num(r.mrr_recurring_native),
        r.mrr_recurring_minor_stored,
      ]),
      [
        ["2026-09-01", "a", null, null, false],
        ["2026-09-01", "b", null, null, false],
        ["2026-10-01", "a", 9000, 90, true],
        ["2026-10-01", "b", 15000, 15000, true],
        ["2026-11-01", "a", 9900, 99, true],
        ["2026-11-01", "b", 15000, 15000, true],
      ],
    );
    // per currency in November, in its units: USD c 0 + g 25; EUR a 99 + f 30; GBP d 18; JPY b
    const sums = await call(client, "query_sql", {
      sql: "SELECT currency, sum(mrr_recurring_native) AS native FROM history " +
        "WHERE as_of = '2026-11-01' AND currency IS NOT NULL GROUP BY currency ORDER BY currency",
    });
    assertEquals(
      (sums.structuredContent!.rows as Values[]).map((r) => [r.currency, num(r.native)]),
      [["EUR", 129], ["GBP", 18], ["JPY", 15000], ["USD", 25]],
    );

    // describe_dataset defines the table's columns after the export's, the first from the table
    const described = await call(client, "describe_dataset");
    const history = described.structuredContent!.history as Values;
    const columns = history.columns as Values[];
    assertEquals(columns.map((c) => c.name), [
      "mrr_recurring_minor",
      "mrr_recurring_native",
      "mrr_recurring_minor_stored",
    ]);
    assertEquals(columns[0].definition, SNAPSHOT_ONLY_COLUMNS[0].formula);
    ok(text(described).includes("mrr_recurring_minor_stored"), text(described));

    // October → November, per currency, exactly (USD first, then by code)
    const compared = await call(client, "compare_exports", {
      old: "2026-10-01",
      new: "2026-11-01",
    });
    assertEquals(compared.isError, undefined, text(compared));
    const native = compared.structuredContent!.native_mrr as Values;
    assertEquals(
      (native.by_currency as Values[]).map((r) =>
        [
          r.currency,
          r.organizations,
          r.old,
          r.new,
          r.change,
          r.old_minor,
          r.new_minor,
          r.change_minor,
        ]
          .map((v) => (typeof v === "string" ? v : num(v)))
      ),
      [
        ["USD", 2, 50, 25, -25, 5000, 2500, -2500],
        ["EUR", 1, 90, 99, 9, 9000, 9900, 900],
        ["JPY", 1, 15000, 15000, 0, 15000, 15000, 0],
      ],
    );
    const leftOut = native.left_out as Values;
    assertEquals([leftOut.currency_changed, leftOut.unknown, leftOut.on_sibling], [1, 1, 1]);
    ok(text(compared).includes("recurring MRR per billing currency"), text(compared));

    // September has none: said, naming it, never derived
    const older = await call(client, "compare_exports", { old: "2026-09-01", new: "2026-10-01" });
    assertEquals(older.isError, undefined, text(older));
    assertEquals(
      (older.structuredContent!.native_mrr as Values).not_compared,
      "not compared: snapshot 2026-09-01 was stored by a kit before mrr_recurring_minor: it holds no native amounts; the USD change (mrr_recurring) is in the totals",
    );
    // an export file holds none either
    const withFile = await call(client, "compare_exports", {
      old: "2026-11-01",
      new: "helicone_pricing_data_2026-12-02_demo.csv",
    });
    assertEquals(withFile.isError, undefined, text(withFile));
    ok(
      String((withFile.structuredContent!.native_mrr as Values).not_compared).includes(
        "helicone_pricing_data_2026-12-02_demo.csv is an export file, which holds no mrr_recurring_minor",
      ),
      text(withFile),
    );
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare of two snapshots: the Markdown summary's recurring MRR per billing currency", async () => {
  const dir = await Deno.makeTempDir({ prefix: "compare_native_" });
  try {
    const history = await historyFolder(dir);
    const snapshot = (date: string) => join(history, `helicone_pricing_data_${date}_demo.parquet`);
    const compared = (old: string, next: string) =>
      compareSummary({
        old: snapshot(old),
        next: snapshot(next),
        outDir: join(dir, "out"),
        summaryFile: `helicone_pricing_compare_${old}_demo_to_${next}_demo.md`,
      });
    const { section, tableLines } = nativeSection(await compared("2026-10-01", "2026-11-01"));
    assertEquals(tableLines, [
      "| currency | organizations | old | new | change |",
      "| --- | --- | --- | --- | --- |",
      "| USD | 2 | $50.00 | $25.00 | -$25.00 |",
      "| EUR | 1 | €90.00 | €99.00 | +€9.00 |",
      "| JPY | 1 | ¥15,000 | ¥15,000 | ¥0 |",
    ]);
    ok(section.includes("1 whose billing currency changed"), section);
    // September's snapshot has none: one line says so
    const older = await compared("2026-09-01", "2026-10-01");
    ok(older.includes("was stored by a kit before"), older);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history native MRR: a currency code in lower case or padded is its currency (JPY in whole yen), as the bridge reads it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_history_native_" });
  // a ¥1,500 both months, written "jpy"; b ¥2,000 → ¥2,500, "JPY" then " jpy" (a hand-made or
  // script-written snapshot: the kit writes upper case)
  const store = (asOf: string, currency: string[], minor: number[]) =>
    storeDemoSnapshot(
      exportFrameFromColumns({
        org_id: ["a", "b"],
        tier: ["pro", "pro"],
        stripe_customer_id: ["cus_a", "cus_b"],
        revenue_source: ["stripe", "stripe"],
        currency,
        mrr_recurring: [10, 10],
        mrr: [10, 10],
      }).withColumns(pl.Series("mrr_recurring_minor", minor, pl.Int64)),
      { dir: join(dir, "history"), asOf },
    );
  await store("2026-10-01", ["jpy", "JPY"], [1500, 2000]);
  await store("2026-11-01", ["jpy", " jpy"], [1500, 2500]);
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    // whole yen: 1500 minor units are ¥1,500 (read as hundredths, 15, before)
    const rows = await call(client, "query_sql", {
      sql: "SELECT as_of, org_id, mrr_recurring_native FROM history ORDER BY as_of_time, org_id",
    });
    assertEquals(
      (rows.structuredContent!.rows as Values[]).map((r) => num(r.mrr_recurring_native)),
      [1500, 2000, 1500, 2500],
    );
    // one currency, JPY: a + b ¥3,500 → ¥4,000; b's currency did not change (counted apart before)
    const compared = await call(client, "compare_exports", {
      old: "2026-10-01",
      new: "2026-11-01",
    });
    const native = compared.structuredContent!.native_mrr as Values;
    assertEquals(
      (native.by_currency as Values[]).map((
        r,
      ) => [r.currency, num(r.organizations), num(r.old), num(r.new)]),
      [["JPY", 2, 3500, 4000]],
    );
    assertEquals((native.left_out as Values).currency_changed, 0);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});
