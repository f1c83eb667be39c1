/**
 * An export stopped once its data is ready but before its charts stage began (the signal seen
 * while its staging folder was made): the stage never reaches the chart worker, so the worker's
 * own `sent` would never settle, and the export, which waits for the job to be sent before its
 * collection, hung there (stop 57 reverted that collection for it: cli_signals' "Ctrl-C while the
 * export writes" hung in about half the runs). lib/pipeline/chart_stage.ts settles it on the
 * stage's failure too. A regression hangs this test.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { exportFiles, exportOptions, loadPricingData } from "../lib/export.ts";
import { startChartWorker } from "../lib/report/chart_worker.ts";

const asOf = new Date("2026-11-01T00:00:00Z");

Deno.test("an export stopped before its charts stage began ends with the stop, the worker closed, nothing left", async () => {
  const out = await Deno.makeTempDir();
  try {
    const stop = new AbortController();
    const options = exportOptions({
      demo: true,
      asOf,
      outDir: out,
      env: {},
      log: () => {},
      signal: stop.signal,
    });
    const data = await loadPricingData(options);
    const chartWorker = startChartWorker();
    stop.abort(new Error("stopped before the charts"));
    await rejects(
      exportFiles(data, { options, env: {}, chartWorker }),
      /stopped before the charts/,
    );
    await chartWorker.sent; // settled by the close: nothing of the job is left to wait for
    assertEquals([...Deno.readDirSync(out)].map((entry) => entry.name), []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
