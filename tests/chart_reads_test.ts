/**
 * The chart worker's reads (lib/report/chart_reads.ts): each chart's frame is its columns of the
 * IPC file, as a read of those columns alone gives them, and each column is read once a run.
 */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import pl from "nodejs-polars";
import { join } from "node:path";
import { chartFrameReader } from "../lib/report/chart_reads.ts";

Deno.test("chart frames: each chart's columns as read alone, every column read once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "columns.ipc");
    pl.DataFrame({
      tier: ["free", "pro", null, "team"],
      mrr: [0, 20, null, 99.5],
      requests_30d: [0, 1500, 7, Number.NaN],
      plan: ["free", "pro 2025", "team", "pro 2025"],
    }).writeIPC(path, { compression: "lz4" });
    // as the worker's charts read them: shared columns, a chart of none, one read by the last
    const plans = [["tier", "mrr"], [], ["tier", "requests_30d"], ["plan"], ["tier", "mrr"]];
    const read: string[][] = [];
    const readIPC = pl.readIPC;
    // the reader's reads, counted (the same function underneath)
    pl.readIPC = ((source: string, options: { columns: string[] }) => {
      read.push(options.columns);
      return readIPC(source, options);
    }) as typeof pl.readIPC;
    try {
      const frameOf = chartFrameReader(path, plans);
      for (const [i, columns] of plans.entries()) {
        const frame = frameOf(i);
        assertEquals(frame.columns, columns);
        const alone = columns.length > 0 ? readIPC(path, { columns }) : pl.DataFrame();
        assertEquals(frame.toRecords(), alone.toRecords(), `chart ${i}`);
      }
    } finally {
      pl.readIPC = readIPC;
    }
    // one read per chart with a column not read before, each column in one of them
    assertEquals(read, [["tier", "mrr"], ["requests_30d"], ["plan"]]);
    // the charts in order only: a column dropped after its last chart is not there again
    throws(() => chartFrameReader(path, plans)(1), /in order/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
