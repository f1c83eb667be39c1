/**
 * The chart worker's two-message job (lib/report/chart_worker.ts tableLater): the per-plan table
 * worked out on the main thread after the job is sent. When that fails, the worker is waiting for
 * a table that never comes: the job must still reject with the error, settle `drawn` and `summary`,
 * end the worker and leave no chart columns' file behind, as a failure before the job does.
 */
import { deepStrictEqual as assertEquals, rejects, throws } from "node:assert/strict";
import { loadPricingData } from "../lib/export.ts";
import { chartColumns, chartPlanTable } from "../lib/report/chart_columns.ts";
import { startChartWorker } from "../lib/report/chart_worker.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";

const asOf = new Date("2026-11-01T00:00:00Z");
const demo = await loadPricingData({ demo: true, asOf, env: {}, log: () => {} });

Deno.test("a per-plan table that fails after the job is sent (or before it) rejects the job, settles drawn and summary, and leaves no file", async () => {
  // seats: the per-plan table reads it, no chart does (the job's columns are written, then the
  // table fails)
  const frame = demo.frame.drop("seats");
  chartColumns(frame, 30);
  throws(() => chartPlanTable(frame, 30), /seats/);
  for (const tableAfterJob of [true, false]) {
    const dir = await Deno.makeTempDir();
    try {
      const worker = startChartWorker();
      await rejects(
        worker.render({
          chosenBy: ANOTHER_OUTPUT_FOLDER,
          frame,
          outDir: dir,
          stamp: "x",
          summary: true,
          windowDays: 30,
          demo: true,
          tableAfterJob,
        }),
        /^Error: charts failed: .*seats/,
      );
      await worker.drawn; // settled by the failure: the writers do not wait for a drawing
      await rejects(worker.summary, /charts failed: .*seats/); // nor for the PNGs
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [], `${tableAfterJob}`);
      await worker.shareFileWriting(); // no job to share: resolves at once
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});
