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
import { runHistory as run } from "./history_cli_run.ts";
import { yenFrame } from "./history_native_fixture.ts";

Deno.test("import of a Parquet snapshot keeps its mrr_recurring_minor; one without the column is imported with it empty", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const source = join(dir, "colleague");
    const history = join(dir, "history");
    await Deno.mkdir(source);
    const write = (asOf: string, yen: number) =>
      writeSnapshot(yenFrame(yen, true), {
        dir: source,
        asOf: new Date(asOf),
        demo: false,
        origin: "export",
        fxRates: { JPY: 0.0067 },
      });
    // ¥15,002 is $100.51; derived back 10051 ÷ 0.67 = ¥15,001 (a yen off), stored ¥15,002
    const jan = await write("2026-02-01T00:00:00Z", 15002);
    const feb = await write("2026-03-01T00:00:00Z", 18000);
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
