/** The frame the write-stage benchmarks write: the demo export stacked, numbers jittered. */
import pl from "nodejs-polars";
import { loadPricingData } from "../lib/export.ts";
import { COLUMNS } from "../lib/frame/columns.ts";

/** The demo export frame stacked to `rows` rows, number columns jittered per row. */
export async function stackedFrame(rows: number): Promise<pl.DataFrame> {
  const data = await loadPricingData({
    demo: true,
    asOf: new Date("2026-11-01T00:00:00Z"),
    env: {},
    log: () => {},
  });
  // doubling, rechunked: 2,500 stacked chunks of 400 rows held ~19 GB at 1M rows
  let stacked = data.frame;
  while (stacked.height < rows) {
    stacked = pl.concat([stacked, stacked], { rechunk: true, how: "vertical" });
  }
  stacked = stacked.head(rows).rechunk();
  const factors = Float64Array.from({ length: rows }, (_, i) => 1 + (i % 9973) / 1e5);
  return stacked.withColumns(pl.Series("__jitter", factors)).withColumns(
    ...COLUMNS.filter((c) => c.type === "number").map((c) =>
      pl.col(c.name).mul(pl.col("__jitter")).alias(c.name)
    ),
  ).drop("__jitter");
}

/**
 * stackedFrame with each organization id and each customer id made unique (a row index appended),
 * as a real export's are: customer joins find one organization per customer. Its `__row` column
 * (the row index as text) is kept for callers that pair rows; select COLUMN_NAMES to drop it.
 */
export async function uniqueStackedFrame(rows: number): Promise<pl.DataFrame> {
  const stacked = await stackedFrame(rows);
  const index = pl.Series("__row", Array.from({ length: rows }, (_, i) => i), pl.Int64).cast(
    pl.Utf8,
  );
  return stacked.withColumns(index).withColumns(
    pl.concatString([pl.col("org_id"), pl.col("__row")], "-").alias("org_id"),
    pl.when(pl.col("stripe_customer_id").isNull()).then(pl.lit(null).cast(pl.Utf8))
      .otherwise(pl.concatString([pl.col("stripe_customer_id"), pl.col("__row")], "_"))
      .alias("stripe_customer_id"),
  );
}
