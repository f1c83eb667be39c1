/**
 * `deno task history` run in-process for the tests, the demo snapshots several start from and
 * the export of the month after them.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { main as historyMain } from "../lib/cli/history.ts";
import { runExport } from "../lib/export.ts";
import { captureConsole } from "./console_capture.ts";

/** historyMain with its console lines captured. */
export async function runHistory(
  args: string[],
): Promise<{ code: number; errors: string[]; logs: string[] }> {
  const captured = captureConsole();
  try {
    const code = await historyMain(args);
    return { code, errors: captured.errors, logs: captured.logs };
  } finally {
    captured.restore();
  }
}

/**
 * Demo snapshots at the 1sts of 2026-05 and 2026-06 in `dir` (a backfill, no report charts), its
 * other files in `outDir` (a temporary folder of its own by default).
 */
export async function demoSnapshots(dir: string, outDir?: string): Promise<void> {
  const result = await runHistory([
    "backfill",
    "--demo",
    "--months",
    "2",
    "--to",
    "2026-06-01",
    "--no-charts",
    "--quiet",
    "--history-dir",
    dir,
    "--out-dir",
    outDir ?? await Deno.makeTempDir(),
  ]);
  assertEquals(result.code, 0, result.errors.join("\n"));
}

/**
 * A quiet demo CSV export at 2026-07-01 (the month after demoSnapshots') into `out`, its snapshot
 * into `<out>/history`, with `env` for its settings.
 */
export function julyExport(out: string, env: Record<string, string> = {}) {
  return runExport({
    outDir: out,
    demo: true,
    asOf: new Date("2026-07-01T00:00:00Z"),
    formats: ["csv"],
    charts: false,
    quiet: true,
    log: () => {},
    env,
  });
}
