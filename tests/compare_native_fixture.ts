/**
 * The native-currency comparison tests' set-up (tests/compare_native_test.ts,
 * tests/mcp_history_native_test.ts): demo snapshots stored by hand, `deno task compare` of two of
 * them in the test's process, and the Markdown summary's "Recurring MRR per billing currency"
 * section they read.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import type pl from "nodejs-polars";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { captureConsole } from "./console_capture.ts";

/** `frame` stored in `dir` as a demo export's snapshot as-of `asOf` (a day, midnight UTC). */
export function storeDemoSnapshot(
  frame: pl.DataFrame,
  { dir, asOf }: { dir: string; asOf: string },
) {
  return writeSnapshot(frame, {
    dir,
    asOf: new Date(`${asOf}T00:00:00Z`),
    demo: true,
    origin: "export",
  });
}

export interface CompareRun {
  /** the two files compared, older first */
  old: string;
  next: string;
  outDir: string;
  /** the summary's file name in `outDir` (it names both exports) */
  summaryFile: string;
}

/**
 * The Markdown summary `deno task compare OLD NEW --out-dir OUT --quiet` writes, the command
 * asserted to exit 0 (its error lines shown when not).
 */
export async function compareSummary({ old, next, outDir, summaryFile }: CompareRun) {
  const { errors, restore } = captureConsole();
  try {
    assertEquals(await compareMain([old, next, "--out-dir", outDir, "--quiet"]), 0, errors.join());
  } finally {
    restore();
  }
  return await Deno.readTextFile(join(outDir, summaryFile));
}

/** The summary's "Recurring MRR per billing currency" section, and its table's lines. */
export function nativeSection(summary: string): { section: string; tableLines: string[] } {
  const section = summary.slice(
    summary.indexOf("## Recurring MRR per billing currency"),
    summary.indexOf("## Tier changes"),
  );
  return { section, tableLines: section.split("\n").filter((line) => line.startsWith("| ")) };
}
