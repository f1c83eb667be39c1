/**
 * `deno task history import` of a stored Parquet snapshot (one copied from a colleague's history
 * folder): its `mrr_recurring_minor` (the exact amounts in each customer's billing currency,
 * snapshot only) goes with it, so the bridge per currency reads them rather than deriving USD ÷
 * rate; a snapshot an older kit wrote, without the column, is imported with it empty.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { loadHistoryReport, loadMonthlyHistoryPoints } from "../lib/history/report.ts";
import { readSnapshotMeta } from "../lib/history/stored_snapshots.ts";
import { runHistory as run } from "./history_cli_run.ts";
import { yenFrame } from "./history_native_fixture.ts";

const BOOK = { name: "book_2026.json", sha256: "ab".repeat(32) };
const UNMAPPED = { customers: 2, mrrUsd: 350, mrrRecurringUsd: 300, unknownMrrCustomers: 0 };

/**
 * A colleague's history folder in `dir` (snapshots written there by `write`, as an export: with
 * the FX rate, BOOK and UNMAPPED in their sidecars) and the history folder they are imported into.
 */
async function colleague(dir: string) {
  const source = join(dir, "colleague");
  await Deno.mkdir(source);
  const write = (asOf: string, yen: number, stored: boolean) =>
    writeSnapshot(yenFrame(yen, stored), {
      dir: source,
      asOf: new Date(asOf),
      demo: false,
      origin: "export",
      fxRates: { JPY: 0.0067 },
      priceBook: BOOK,
      unmappedCustomers: UNMAPPED,
    });
  return { history: join(dir, "history"), write };
}

Deno.test("import of a Parquet snapshot keeps its mrr_recurring_minor; one without the column is imported with it empty", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { history, write } = await colleague(dir);
    // ¥15,002 is $100.51; derived back 10051 ÷ 0.67 = ¥15,001 (a yen off), stored ¥15,002
    const jan = await write("2026-02-01T00:00:00Z", 15002, true);
    const feb = await write("2026-03-01T00:00:00Z", 18000, true);
    // February as an older kit wrote it: no such column in the file at all
    pl.readParquet(feb.path).drop("mrr_recurring_minor").writeParquet(feb.path);

    const result = await run(["import", jan.path, feb.path, "--history-dir", history]);
    assertEquals([result.code, result.errors], [0, []]);
    const minor = (name: string) => {
      const column = pl.readParquet(join(history, name)).getColumn("mrr_recurring_minor");
      return [column.dtype.variant, column.toArray()];
    };
    assertEquals(minor("helicone_pricing_data_2026-02-01.parquet"), ["Int64", [15002, 5000]]);
    assertEquals(minor("helicone_pricing_data_2026-03-01.parquet"), ["Int64", [null, null]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("import of a Parquet snapshot keeps what its sidecar records: the FX rates, the price book, the unmapped customers' MRR", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { history, write } = await colleague(dir);
    const jan = await write("2026-02-01T00:00:00Z", 15002, true);
    // February as an older kit wrote it: its yen are derived by its recorded rate
    const feb = await write("2026-03-01T00:00:00Z", 18000, false);
    const result = await run(["import", jan.path, feb.path, "--history-dir", history]);
    assertEquals([result.code, result.errors], [0, []]);
    for (const name of ["2026-02-01", "2026-03-01"]) {
      const meta = await readSnapshotMeta(join(history, `helicone_pricing_data_${name}.parquet`));
      assertEquals(meta?.origin, "import");
      assertEquals(meta?.fx_rates, { JPY: 0.0067 });
      assertEquals(meta?.price_book, BOOK);
      assertEquals(meta?.unmapped_customers, {
        customers: 2,
        mrr_usd: 350,
        mrr_recurring_usd: 300,
        unknown_mrr_customers: 0,
      });
    }
    // January's yen as stored, February's derived at its rate (18000 × 0.67 = 12060 cents
    // exactly, so ¥18,000): 18000 − 15002 = 2998 of expansion; without the rate February's yen
    // customer could not be split into yen at all
    const report = await loadHistoryReport(
      await loadMonthlyHistoryPoints(history, { demo: false }),
      false,
    );
    assertEquals(report.nativeDerived, ["2026-03-01"]);
    const yen = report.currencies.filter(pl.col("currency").eq(pl.lit("JPY"))).toRecords()
      .map((r) => [r.start_minor, r.expansion_minor, r.end_minor].map(Number));
    assertEquals(yen, [[15002, 2998, 18000]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
