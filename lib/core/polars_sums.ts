/**
 * Polars' float sums the same to the bit from run to run. A group-by whose aggregations Polars can
 * take in parts (sums, means and counts of columns: the history's snapshot sums, the brief's
 * converted revenue by currency, the SQL tools' GROUP BY) by a key of up to ~1,000 values runs on
 * its partitioned group-by, which adds its threads' partial sums in the order they finish: at a
 * million rows nearly every run's float sums differed in their last bits (bench/sum_bits.ts,
 * docs/performance_history.md "Stop 50: float sums run to run"). With POLARS_NO_PARTITION set Polars
 * takes its in-memory hash group-by instead, which adds each group's values in row order. Polars
 * reads the variable at each query, so it is set on import, before any query, in the process's
 * environment: its workers share it and the SQL process inherits it (and imports this too).
 */

/** The variable Polars reads: set (to any value), no group-by is partitioned. */
export const POLARS_NO_PARTITION = "POLARS_NO_PARTITION";

/** Sets POLARS_NO_PARTITION for this process (and the processes it starts) if it is not set. */
export function keepPolarsSumsInRowOrder(): void {
  if (Deno.env.get(POLARS_NO_PARTITION) === undefined) Deno.env.set(POLARS_NO_PARTITION, "1");
}

keepPolarsSumsInRowOrder();
