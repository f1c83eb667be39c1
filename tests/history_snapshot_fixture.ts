/**
 * Demo exports that write a history snapshot, for the snapshot tests
 * (tests/history_snapshot_test.ts, tests/history_snapshot_as_of_test.ts), and a live export's
 * snapshot of a given frame, for the history report tests (tests/history_report_*_test.ts).
 */
import type pl from "nodejs-polars";
import { runExport } from "../lib/export.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";

export const quiet = { charts: false, env: {}, log: () => {}, quiet: true };

/** A demo CSV export as-of `at` into `outDir`, its snapshot into `historyDir`. */
export function demoExportAt(
  at: string,
  { outDir, historyDir, stripe }: { outDir: string; historyDir: string; stripe?: "skip" },
) {
  return runExport({
    ...quiet,
    demo: true,
    asOf: new Date(at),
    outDir,
    historyDir,
    formats: ["csv"],
    ...(stripe ? { stripe } : {}),
  });
}

/** A live export's snapshot in `dir`, dated `asOf` (a day, midnight UTC). */
export function snapshotAt(dir: string, asOf: string, frame: pl.DataFrame) {
  return writeSnapshot(frame, {
    dir,
    asOf: new Date(`${asOf}T00:00:00Z`),
    demo: false,
    origin: "export",
  });
}
