/**
 * What storing mrr_recurring_minor costs a 1M-organization export's snapshot (stop 51): the
 * join that makes the column (lib/revenue/columns.ts withRecurringMinor) and the snapshot's
 * Parquet write with and without it (zstd 1, 50k-row groups, as lib/history/snapshot.ts writes),
 * in CPU seconds of the whole process, best of `--runs`, alternating. Figures only; no pass/fail.
 *
 *   deno run -A bench/snapshot_native.ts [--rows 1000000] [--runs 3]
 */
import { parseArgs } from "node:util";
import process from "node:process";
import pl from "nodejs-polars";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { loadPricingData } from "../lib/export.ts";
import { withRecurringMinor } from "../lib/revenue/columns.ts";
import { stackedFrame } from "./write_stage_frame.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "1000000" },
    runs: { type: "string", default: "3" },
  },
});
const rows = Number(values.rows);
const stacked = await stackedFrame(rows);
// unique customer ids, as bench/after_queries.ts makes them; each one carries its revenue
const frame = stacked.withColumns(
  pl.Series("__row", Array.from({ length: rows }, (_, i) => String(i)), pl.Utf8),
).withColumns(
  pl.when(pl.col("stripe_customer_id").isNull()).then(pl.lit(null).cast(pl.Utf8))
    .otherwise(pl.concatString([pl.col("stripe_customer_id"), pl.col("__row")], "_"))
    .alias("stripe_customer_id"),
).select(...COLUMN_NAMES).rechunk();
const demo = await loadPricingData({
  demo: true,
  asOf: new Date("2026-11-01T00:00:00Z"),
  env: {},
  log: () => {},
});
const revenue = {
  ...demo.revenue,
  customers: frame.filter(pl.col("stripe_customer_id").isNotNull()).select(
    pl.col("stripe_customer_id").alias("customerId"),
    pl.col("mrr_recurring").mul(100).round(0).alias("mrrRecurringMinor"),
  ),
};
console.log(`frame: ${frame.height} rows, ${revenue.customers.height} customers`);

const cpuOf = (work: () => void): number => {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
};
const dir = await Deno.makeTempDir({ prefix: "snapshot-native-" });
const write = (what: pl.DataFrame, name: string) => () =>
  what.lazy().sinkParquet(`${dir}/${name}.parquet`, {
    compression: "zstd",
    compressionLevel: 1,
    rowGroupSize: 50_000,
  }).collectSync();
const best = { join: Infinity, without: Infinity, with: Infinity };
let stored = frame;
try {
  for (let run = 0; run < Number(values.runs); run++) {
    best.join = Math.min(best.join, cpuOf(() => stored = withRecurringMinor(frame, revenue)));
    best.without = Math.min(best.without, cpuOf(write(frame, "without")));
    best.with = Math.min(best.with, cpuOf(write(stored, "with")));
  }
  const mb = (name: string) => (Deno.statSync(`${dir}/${name}.parquet`).size / 1e6).toFixed(1);
  console.log(
    `withRecurringMinor ${best.join.toFixed(2)} s CPU; snapshot write ${
      best.without.toFixed(2)
    } s → ${best.with.toFixed(2)} s CPU, ${mb("without")} → ${mb("with")} MB`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
