/**
 * The chart worker's reads of its Arrow IPC file: each chart's frame of its own columns, each
 * column read once per run. A column is read with the first chart that draws from it and dropped
 * after the last one: tier, read with five of the charts, was decoded from LZ4 into string views
 * five times (at a million organizations the six reads were ~0.36 s of CPU). What is held between
 * charts is at most the columns a later chart reads again (mrr and llm_cost_30d, ~16 MB at a
 * million organizations), not every chart column (~110 MB).
 */
import pl from "nodejs-polars";

/**
 * The frames of `plans` (each chart's columns, in the order wanted) out of the IPC file at
 * `ipcPath`, for the charts in order: `frameOf(i)` for i = 0, 1, … (an empty frame for a chart of
 * no columns). A frame holds the same Series as the ones held for later charts (no copy).
 */
export function chartFrameReader(
  ipcPath: string,
  plans: readonly (readonly string[])[],
): (chart: number) => pl.DataFrame {
  const lastUse = new Map<string, number>();
  plans.forEach((columns, i) => columns.forEach((c) => lastUse.set(c, i)));
  const held = new Map<string, pl.Series>();
  let next = 0;
  return (chart) => {
    if (chart !== next++) throw new Error(`chart frames are read in order: ${chart} asked`);
    const columns = plans[chart];
    const missing = columns.filter((c) => !held.has(c));
    // (readIPC with no columns reads none: Polars panics)
    if (missing.length > 0) {
      const read = pl.readIPC(ipcPath, { columns: missing });
      for (const c of missing) held.set(c, read.getColumn(c));
    }
    const frame = columns.length > 0
      ? pl.DataFrame(columns.map((c) => held.get(c)!))
      : pl.DataFrame();
    // columns no later chart reads go with this chart's frame (the caller's collection)
    for (const c of columns) if (lastUse.get(c) === chart) held.delete(c);
    return frame;
  };
}
