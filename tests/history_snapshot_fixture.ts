/**
 * Demo exports that write a history snapshot, for the snapshot tests
 * (tests/history_snapshot_test.ts, tests/history_snapshot_as_of_test.ts).
 */
import { runExport } from "../lib/export.ts";

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
