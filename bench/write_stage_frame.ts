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
