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
  const times = Math.ceil(rows / data.frame.height);
  const stacked = pl.concat(Array.from({ length: times }, () => data.frame)).head(rows);
  const factors = Float64Array.from({ length: rows }, (_, i) => 1 + (i % 9973) / 1e5);
  return stacked.withColumns(pl.Series("__jitter", factors)).withColumns(
    ...COLUMNS.filter((c) => c.type === "number").map((c) =>
      pl.col(c.name).mul(pl.col("__jitter")).alias(c.name)
    ),
  ).drop("__jitter");
}
