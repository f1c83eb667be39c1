/**
 * A history frame is a DataFrame in memory or a LazyDataFrame (a stored snapshot's scan, a query
 * built on one); its readers collect with the engine the work suits.
 */
import type pl from "nodejs-polars";

export const isLazy = (frame: pl.DataFrame | pl.LazyDataFrame): frame is pl.LazyDataFrame =>
  typeof (frame as pl.LazyDataFrame).collectSync === "function";

export const lazyOf = (frame: pl.DataFrame | pl.LazyDataFrame): pl.LazyDataFrame =>
  isLazy(frame) ? frame : frame.lazy();

/**
 * Row-wise work and sums of integer cents and counts (the same in any order): the streaming
 * engine reads the Parquet and adds a batch at a time, in order.
 */
export const STREAMING = { engine: "streaming" } as const;
/** Float sums: the in-memory engine's group-by, as historyLong's. */
export const IN_MEMORY = { engine: "auto" } as const;
